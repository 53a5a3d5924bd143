/* sales_stays.c: days in each stage of the funnel (停留时长), read from the
 * stay events sql/011 keeps beside the funnel's (kinds 5, 6, 7), folded
 * into the same days. A period [F, T) counts the stays that ended in it or
 * were still going at T, each from its entry to its end or T, whichever is
 * first. With N and A a kind's counts and amounts over a range:
 *
 *     stays counted  C = N5(< T) - N6(< F)
 *     still at T     O = N5(< T) - N6(< T)
 *     seconds          = A7[F, T) + T * O - (A5(< T) - A6(< F))
 *
 * One statement (sales_stays_sql) returns each kind's sums per stage,
 * before F or not, with T's epoch second; sales_stays_apply does the
 * arithmetic above. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "sales.h"

#define KIND_ENTERED 5
#define KIND_LEFT_ENTRY 6
#define KIND_LEFT_END 7

/* The period's two instants, as parameters of q: "($n::date)::timestamp AT
 * TIME ZONE $m". */
typedef struct {
    char from[64], to[64];
} bounds_t;

static bounds_t s_bounds(crm_sqlbuf_t *q, const char *from, const char *to, const char *tz)
{
    bounds_t b;
    int z = crm_sqlbuf_param(q, tz);
    snprintf(b.from, sizeof b.from, "($%d::date)::timestamp AT TIME ZONE $%d",
             crm_sqlbuf_param(q, from), z);
    snprintf(b.to, sizeof b.to, "($%d::date)::timestamp AT TIME ZONE $%d", crm_sqlbuf_param(q, to),
             z);
    return b;
}

/* A person's: their own events, every one before T (index-only by the
 * owner index). */
static void s_person(crm_sqlbuf_t *q, const bounds_t *b, int64_t pipeline, int64_t owner)
{
    crm_sqlbuf_addf(q, "SELECT kind, stage_id, at < %s, sum(count)::bigint, sum(amount)::bigint,",
                    b->from);
    crm_sqlbuf_addf(q, " floor(extract(epoch FROM %s))::bigint FROM opportunity_funnel_events",
                    b->to);
    crm_sqlbuf_addp_i64(q, " WHERE owner_id = $?::bigint", owner);
    crm_sqlbuf_addp_i64(q, " AND pipeline_id = $?::bigint", pipeline);
    crm_sqlbuf_addf(q, " AND kind >= 5 AND at < %s AND (kind < 7 OR at >= %s) GROUP BY 1, 2, 3",
                    b->to, b->from);
}

/* A department's or the company's: the folded days and the events not
 * folded yet. */
static void s_days(crm_sqlbuf_t *q, const bounds_t *b, int64_t pipeline, int in_department,
                   int64_t department, const char *from, const char *to)
{
    crm_sqlbuf_addf(q,
                    "SELECT kind, stage_id, before, sum(count)::bigint, sum(amount)::bigint,"
                    " floor(extract(epoch FROM %s))::bigint FROM (",
                    b->to);
    int f = crm_sqlbuf_param(q, from), t = crm_sqlbuf_param(q, to);
    crm_sqlbuf_addf(q,
                    "SELECT kind, stage_id, day < $%d::date AS before, count, amount FROM"
                    " opportunity_funnel_days WHERE kind >= 5 AND day < $%d::date AND"
                    " (kind < 7 OR day >= $%d::date)",
                    f, t, f);
    crm_sqlbuf_addp_i64(q, " AND pipeline_id = $?::bigint", pipeline);
    if (in_department)
        crm_sqlbuf_addp_i64(q, " AND department_id IN " SALES_SUBTREE, department);
    crm_sqlbuf_addf(q,
                    " UNION ALL SELECT e.kind, e.stage_id, e.at < %s, e.count, e.amount FROM"
                    " opportunity_funnel_pending p JOIN opportunity_funnel_events e ON"
                    " e.id = p.event_id WHERE e.kind >= 5",
                    b->from);
    crm_sqlbuf_addf(q, " AND e.at < %s AND (e.kind < 7 OR e.at >= %s)", b->to, b->from);
    crm_sqlbuf_addp_i64(q, " AND e.pipeline_id = $?::bigint", pipeline);
    if (in_department)
        crm_sqlbuf_addp_i64(q, " AND e.department_id IN " SALES_SUBTREE, department);
    crm_sqlbuf_add(q, ") x GROUP BY 1, 2, 3");
}

crm_sqlbuf_t *sales_stays_sql(int64_t pipeline, Crm__Sales__ReportScope scope, int64_t id,
                              const char *from, const char *to, const char *tz)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    bounds_t b = s_bounds(q, from, to, tz);
    if (scope == CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_PERSON)
        s_person(q, &b, pipeline, id);
    else
        s_days(q, &b, pipeline, scope == CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_DEPARTMENT, id,
               from, to);
    return q;
}

/* One stage's sums: n and a per kind 5..7, before F (1) or not (0). */
typedef struct {
    int64_t n[3][2], a[3][2];
} sums_t;

#define N(kind, before) x->n[(kind)-KIND_ENTERED][before]
#define A(kind, before) x->a[(kind)-KIND_ENTERED][before]

static void s_stage(Crm__Sales__FunnelStage *st, const sums_t *x, int64_t t)
{
    int64_t n5 = N(KIND_ENTERED, 0) + N(KIND_ENTERED, 1);
    int64_t a5 = A(KIND_ENTERED, 0) + A(KIND_ENTERED, 1);
    int64_t counted = n5 - N(KIND_LEFT_ENTRY, 1);
    int64_t still = n5 - N(KIND_LEFT_ENTRY, 0) - N(KIND_LEFT_ENTRY, 1);
    int64_t seconds = A(KIND_LEFT_END, 0) + t * still - (a5 - A(KIND_LEFT_ENTRY, 1));
    st->stay_count = counted;
    st->average_stay_s = counted > 0 ? seconds / counted : 0;
}

void sales_stays_apply(const PGresult *rows, Crm__Sales__FunnelStage **stages, size_t n)
{
    sums_t *sums = crm_calloc(n + 1, sizeof *sums);
    int64_t t = 0;
    for (int k = 0; k < PQntuples(rows); k++) {
        int kind = (int)crm_db_get_i64(rows, k, 0);
        int64_t stage = crm_db_get_i64(rows, k, 1);
        int before = !strcmp(crm_db_get(rows, k, 2), "t");
        t = crm_db_get_i64(rows, k, 5);
        if (kind < KIND_ENTERED || kind > KIND_LEFT_END)
            continue;
        for (size_t i = 0; i < n; i++)
            if (stages[i]->stage_id == stage) {
                sums[i].n[kind - KIND_ENTERED][before] += crm_db_get_i64(rows, k, 3);
                sums[i].a[kind - KIND_ENTERED][before] += crm_db_get_i64(rows, k, 4);
            }
    }
    for (size_t i = 0; i < n; i++)
        s_stage(stages[i], &sums[i], t);
    free(sums);
}
