/* sales_targets.c: targets (业绩目标), SetTargets and GetTargets: an amount
 * per month of a person or a department for one figure (won
 * opportunities, approved orders, confirmed payments), and the progress
 * against it: what the facts of sql/040 achieved month by month and for
 * the year, in basis points rounded down.
 *
 * Who sets them: admins for anyone; managers for the people of their data
 * scope and the departments under their own, never their own targets or
 * their own department's (those are set from above). A set is a write
 * transaction (crm/txn.h): the people and departments named checked
 * against the organisation's read model (unknown or deactivated: refused
 * naming the field), the months upserted, target.set in the outbox, the
 * progress read after the writes as the reply. Who reads them: who reads
 * the subject's performance (sales_perf_may_read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/rpc_db.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_perf.h"

#define TARGET_MAX INT64_C(100000000000000000) /* 10^17 minor units, as an amount */
#define YEAR_MIN 2000
#define YEAR_MAX 2100

/* A year's months (YYYY-MM), its targets and what the facts of kind $2
 * achieved, in order: of a person ($1, subject 1) or a department's
 * subtree ($1, subject 2), the year starting on $3. */
#define PROGRESS(subject, facts_in)                                                                \
    "SELECT to_char(m, 'YYYY-MM') AS month, t.amount IS NOT NULL AS has_target,"                   \
    " coalesce(t.amount, 0) AS target, coalesce(f.achieved, 0) AS achieved"                        \
    " FROM generate_series($3::date, $3::date + interval '11 months', interval '1 month') m"       \
    " LEFT JOIN sales_targets t ON t.subject = " subject " AND t.subject_id = $1::bigint"          \
    " AND t.kind = $2::smallint AND t.month = m::date"                                             \
    " LEFT JOIN (SELECT date_trunc('month', day)::date AS month, sum(amount)::bigint AS achieved"  \
    " FROM sales_perf_facts WHERE " facts_in " AND kind = $2::smallint AND day >= $3::date"        \
    " AND day < $3::date + interval '1 year' GROUP BY 1) f ON f.month = m::date ORDER BY m"

void sales_targets_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "target_progress_person", PROGRESS("1", "owner_id = $1::bigint"));
    crm_db_prepare(db, "target_progress_department",
                   PROGRESS("2", "department_id = ANY(sales_subtree($1::bigint))"));
    crm_db_prepare(db, "target_set",
                   "INSERT INTO sales_targets (subject, subject_id, kind, month, amount, set_by,"
                   " updated_at) SELECT $1::smallint, $2::bigint, $3::smallint, make_date($4::int,"
                   " x.m, 1), x.a, $5::bigint, crm_ts($6::bigint) FROM unnest($7::int[],"
                   " $8::bigint[]) AS x(m, a) ON CONFLICT (subject, subject_id, kind, month) DO"
                   " UPDATE SET amount = EXCLUDED.amount, set_by = EXCLUDED.set_by, updated_at ="
                   " EXCLUDED.updated_at");
}

/* ---- the progress ---------------------------------------------------------------- */

/* The progress read of who's kind in year: its statement, and its
 * parameters p (pointing into id, k and start). */
static const char *s_progress_read(const sales_subject_t *who, int kind, int year, char id[24],
                                   char k[8], char start[16], const char *p[3])
{
    snprintf(k, 8, "%d", kind);
    snprintf(start, 16, "%04d-01-01", year);
    p[0] = crm_i64(id, who->owner ? who->owner : who->department);
    p[1] = k;
    p[2] = start;
    return who->owner ? "target_progress_person" : "target_progress_department";
}

/* The progress out of the rows r of a progress read (months and list:
 * twelve each, the caller's). */
static void s_progress_of(const PGresult *r, const sales_subject_t *who, int kind, int year,
                          Crm__Sales__TargetProgress *out, Crm__Sales__MonthProgress *months,
                          Crm__Sales__MonthProgress **list)
{
    crm__sales__target_progress__init(out);
    out->owner_id = who->owner;
    out->department_id = who->department;
    out->kind = (Crm__Sales__TargetKind)kind;
    out->year = year;
    out->months = list;
    for (int i = 0; i < PQntuples(r) && i < 12; i++) {
        Crm__Sales__MonthProgress *m = &months[i];
        crm__sales__month_progress__init(m);
        m->month = (char *)crm_db_get(r, i, 0);
        m->has_target = crm_db_get_bool(r, i, 1);
        m->target = crm_db_get_i64(r, i, 2);
        m->achieved = crm_db_get_i64(r, i, 3);
        m->progress_bp = sales_rate_bp(m->achieved, m->target);
        out->target += m->target;
        out->achieved += m->achieved;
        list[out->n_months++] = m;
    }
    out->progress_bp = sales_rate_bp(out->achieved, out->target);
}

/* ---- checks ---------------------------------------------------------------------- */

static int s_kind_ok(int kind)
{
    return kind >= SALES_FACT_WON && kind <= SALES_FACT_PAYMENT;
}

/* The subject, kind, year and months of a set, every fault at once: 1, or
 * 0 after failing call. */
static int s_set_check(crm_rpc_call_t *call, const Crm__Sales__SetTargetsRequest *q)
{
    crm_errs_t errs = {.n = 0};
    if (q->owner_id < 0)
        crm_errs_invalid(&errs, "owner_id", "a user's id");
    if (q->department_id < 0)
        crm_errs_invalid(&errs, "department_id", "a department's id");
    if (q->owner_id > 0 && q->department_id > 0)
        crm_errs_invalid(&errs, "department_id",
                         "a target is a person's (owner_id) or a department's, not both");
    if (!q->owner_id && !q->department_id)
        crm_errs_invalid(&errs, "owner_id",
                         "a person (owner_id) or a department (department_id)"
                         " is required");
    if (!s_kind_ok(q->kind))
        crm_errs_invalid(&errs, "kind", "won, orders or payments is required");
    if (q->year < YEAR_MIN || q->year > YEAR_MAX)
        crm_errs_invalid(&errs, "year", "a year from %d to %d", YEAR_MIN, YEAR_MAX);
    if (q->n_months < 1 || q->n_months > 12)
        crm_errs_invalid(&errs, "months", "1 to 12 months");
    int seen[13] = {0};
    static const char *const month_f[12] = {
        "months[0].month", "months[1].month", "months[2].month",  "months[3].month",
        "months[4].month", "months[5].month", "months[6].month",  "months[7].month",
        "months[8].month", "months[9].month", "months[10].month", "months[11].month"};
    static const char *const amount_f[12] = {
        "months[0].amount", "months[1].amount", "months[2].amount",  "months[3].amount",
        "months[4].amount", "months[5].amount", "months[6].amount",  "months[7].amount",
        "months[8].amount", "months[9].amount", "months[10].amount", "months[11].amount"};
    for (size_t i = 0; i < q->n_months && i < 12; i++) {
        const Crm__Sales__MonthTarget *m = q->months[i];
        if (m->month < 1 || m->month > 12)
            crm_errs_invalid(&errs, month_f[i], "a month from 1 to 12");
        else if (seen[m->month]++)
            crm_errs_invalid(&errs, month_f[i], "month %d is given twice", m->month);
        if (m->amount < 0 || m->amount > TARGET_MAX)
            crm_errs_invalid(&errs, amount_f[i],
                             "a target is in minor units (分), from 0 to 100000000000000000");
    }
    if (errs.n) {
        crm_rpc_fail_errs(call, &errs);
        return 0;
    }
    return 1;
}

/* Who sets targets, as far as the call tells: 1, or 0 after failing call
 * (a department under a manager's own is decided with the read). */
static int s_may_set(crm_rpc_call_t *call, const Crm__Sales__SetTargetsRequest *q)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    const char *field = q->owner_id ? "owner_id" : "department_id";
    if (crm_scope_all(c))
        return 1;
    if (c->role != CRM__ROLE__ROLE_MANAGER)
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, field,
                     "targets are set by admins and managers");
    else if (q->owner_id == c->user_id ||
             (q->department_id && q->department_id == c->department_id))
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, field,
                     "your own targets and your department's are set from above");
    else if (q->owner_id && !crm_scope_allows(c, q->owner_id))
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, field,
                     "user %lld is not in your data scope", (long long)q->owner_id);
    else
        return 1;
    return 0;
}

/* ---- SetTargets ------------------------------------------------------------------ */

typedef struct {
    sales_subject_t who;
} set_t;

static void s_set_read(crm_txn_t *t)
{
    const Crm__Sales__SetTargetsRequest *q = crm_txn_request(t);
    set_t *st = crm_txn_data(t);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "owner_id", q->owner_id);
    crm_org_department(refs, "department_id", q->department_id);
    crm_org_read(t, "org", &refs);
    char id[24], dept[24];
    const char *p[] = {crm_i64(id, q->department_id),
                       crm_i64(dept, crm_txn_caller(t)->department_id)};
    if (st->who.department)
        crm_txn_read(t, "under", "perf_subject", 2, p);
}

static int s_set_reply(crm_txn_t *t, const crm_db_result_t *res)
{
    const Crm__Sales__SetTargetsRequest *q = crm_txn_request(t);
    set_t *st = crm_txn_data(t);
    Crm__Sales__TargetProgress out;
    Crm__Sales__MonthProgress months[12], *list[12];
    s_progress_of(res->results[res->nresults - 1], &st->who, q->kind, q->year, &out, months, list);
    crm_txn_reply(t, &out.base);
    return 0;
}

static int s_set_decide(crm_txn_t *t)
{
    const Crm__Sales__SetTargetsRequest *q = crm_txn_request(t);
    set_t *st = crm_txn_data(t);
    const Crm__Caller *c = crm_txn_caller(t);
    crm_errs_t errs = {.n = 0};
    if (crm_org_check(crm_txn_result(t, "org"), &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    if (st->who.department && !crm_scope_all(c) &&
        !crm_db_get_bool(crm_txn_result(t, "under"), 0, 1))
        return crm_txn_refuse(t, CRM__STATUS__PERMISSION_DENIED, "department_id",
                              "department %lld is not under yours", (long long)q->department_id);
    int64_t ms[12], amounts[12];
    for (size_t i = 0; i < q->n_months; i++) {
        ms[i] = q->months[i]->month;
        amounts[i] = q->months[i]->amount;
    }
    char subject[4], id[24], kind[8], year[8], by[24], now[24];
    char *mv = crm_db_i64_array(ms, q->n_months), *av = crm_db_i64_array(amounts, q->n_months);
    snprintf(subject, sizeof subject, "%d", st->who.owner ? 1 : 2);
    snprintf(kind, sizeof kind, "%d", q->kind);
    snprintf(year, sizeof year, "%d", q->year);
    const char *v[] = {subject,
                       crm_i64(id, st->who.owner ? st->who.owner : st->who.department),
                       kind,
                       year,
                       crm_i64(by, c->user_id),
                       crm_i64(now, crm_txn_now(t)),
                       mv,
                       av};
    crm_db_batch_t *b = crm_txn_batch(t);
    crm_db_batch_add(b, "target_set", 8, v);
    free(mv);
    free(av);
    Crm__Events__TargetsSet ev = CRM__EVENTS__TARGETS_SET__INIT;
    ev.targets = (Crm__Sales__SetTargetsRequest *)q;
    ev.by = c->user_id;
    char key[40];
    snprintf(key, sizeof key, "%s:%s", st->who.owner ? "user" : "department", id);
    crm_outbox_add(b, "target.set", key, &ev.base);
    char pid[24], pk[8], start[16];
    const char *p[3];
    const char *stmt = s_progress_read(&st->who, q->kind, q->year, pid, pk, start, p);
    return crm_txn_then_writes(t, stmt, 3, p, s_set_reply);
}

static const crm_txn_op_t s_set_op = {.read = s_set_read, .decide = s_set_decide, .done = free};

static void s_set(crm_rpc_call_t *call, const Crm__Sales__SetTargetsRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!s_set_check(call, req) || !s_may_set(call, req))
        return;
    set_t *st = crm_calloc(1, sizeof *st);
    st->who = (sales_subject_t){.owner = req->owner_id, .department = req->department_id};
    crm_txn_run(&s->env, call, &s_set_op, st);
}

/* ---- GetTargets ------------------------------------------------------------------ */

typedef struct {
    crm_rpc_call_t *call;
    sales_subject_t who;
    int kind, year;
} get_t;

static void s_get_read(void *arg, const crm_db_result_t *res)
{
    get_t *g = arg;
    if (res->err) {
        crm_fail_db(g->call, res);
    } else if (sales_perf_subject_ok(g->call, &g->who, res->results[0])) {
        Crm__Sales__TargetProgress out;
        Crm__Sales__MonthProgress months[12], *list[12];
        s_progress_of(res->results[1], &g->who, g->kind, g->year, &out, months, list);
        crm_rpc_reply(g->call, &out.base);
    }
    free(g);
}

static void s_get(crm_rpc_call_t *call, const Crm__Sales__TargetProgressRequest *req, void *arg)
{
    sales_t *s = arg;
    const Crm__Caller *c = crm_rpc_call_caller(call);
    const char *bad = req->owner_id < 0                              ? "owner_id"
                      : req->department_id < 0                       ? "department_id"
                      : req->owner_id > 0 && req->department_id > 0  ? "department_id"
                      : !s_kind_ok(req->kind)                        ? "kind"
                      : req->year < YEAR_MIN || req->year > YEAR_MAX ? "year"
                                                                     : NULL;
    if (bad) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, bad,
                     "a person (owner_id, 0: you) or a department (department_id); kind won,"
                     " orders or payments; a year from %d to %d",
                     YEAR_MIN, YEAR_MAX);
        return;
    }
    get_t *g = crm_calloc(1, sizeof *g);
    *g = (get_t){.call = call, .kind = req->kind, .year = req->year};
    if (req->department_id)
        g->who.department = req->department_id;
    else
        g->who.owner = req->owner_id ? req->owner_id : c->user_id;
    if (!sales_perf_may_read(call, &g->who)) {
        free(g);
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    sales_perf_add_subject(b, c, &g->who);
    char id[24], k[8], start[16];
    const char *p[3];
    const char *stmt = s_progress_read(&g->who, g->kind, g->year, id, k, start, p);
    crm_db_batch_add(b, stmt, 3, p);
    crm_db_submit(s->db, &b, s_get_read, g);
}

void sales_target_handlers(sales_t *s)
{
    s->handlers.set_targets = s_set;
    s->handlers.get_targets = s_get;
}
