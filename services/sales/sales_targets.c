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

void sales_targets_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "target_set",
                   "INSERT INTO sales_targets (subject, subject_id, kind, month, amount, set_by,"
                   " updated_at) SELECT $1::smallint, $2::bigint, $3::smallint, make_date($4::int,"
                   " x.m, 1), x.a, $5::bigint, crm_ts($6::bigint) FROM unnest($7::int[],"
                   " $8::bigint[]) AS x(m, a) ON CONFLICT (subject, subject_id, kind, month) DO"
                   " UPDATE SET amount = EXCLUDED.amount, set_by = EXCLUDED.set_by, updated_at ="
                   " EXCLUDED.updated_at");
}

/* ---- the progress ---------------------------------------------------------------- */

/* The read of who's year of targets of kind and what the facts achieved
 * against them: its twelve months (month YYYY-MM, has_target, target,
 * achieved) in order. */
static crm_sqlbuf_t *s_progress_sql(const sales_subject_t *who, int kind, int year)
{
    char y0[24], y1[24]; /* year is 2000..2100: room for any int all the same */
    snprintf(y0, sizeof y0, "%04d-01-01", year);
    snprintf(y1, sizeof y1, "%04d-01-01", year + 1);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT to_char(m, 'YYYY-MM'), t.amount IS NOT NULL, coalesce(t.amount, 0),"
                      " coalesce(f.achieved, 0) FROM generate_series(");
    int start = crm_sqlbuf_param(q, y0);
    crm_sqlbuf_addf(q, "$%d::date, $%d::date + interval '11 months', interval '1 month') m", start,
                    start);
    crm_sqlbuf_addf(q, " LEFT JOIN sales_targets t ON t.subject = %d", who->owner ? 1 : 2);
    crm_sqlbuf_addp_i64(q, " AND t.subject_id = $?::bigint",
                        who->owner ? who->owner : who->department);
    int k = crm_sqlbuf_param_i64(q, kind);
    crm_sqlbuf_addf(q, " AND t.kind = $%d::smallint AND t.month = m::date", k);
    crm_sqlbuf_add(q, " LEFT JOIN (SELECT month, sum(amount)::bigint AS achieved FROM ");
    sales_perf_rows(q, who, y0, y1);
    crm_sqlbuf_addf(q, " WHERE kind = $%d::smallint GROUP BY 1) f ON f.month = m::date ORDER BY m",
                    k);
    return q;
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
    char subject[4], id[24], kind[16], year[16], by[24], now[24];
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
    crm_sqlbuf_t *read = s_progress_sql(&st->who, q->kind, q->year);
    int rc = crm_txn_then_writes(t, crm_sqlbuf_sql(read), crm_sqlbuf_nparams(read),
                                 crm_sqlbuf_params(read), s_set_reply);
    crm_sqlbuf_destroy(&read);
    return rc;
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
    crm_err_t err = {.status = CRM__STATUS__OK};
    if (req->owner_id < 0 || req->department_id < 0)
        crm_err_invalid(&err, req->owner_id < 0 ? "owner_id" : "department_id", "an id, or 0");
    else if (req->owner_id > 0 && req->department_id > 0)
        crm_err_invalid(&err, "department_id",
                        "a target is a person's (owner_id) or a department's, not both");
    else if (!s_kind_ok(req->kind))
        crm_err_invalid(&err, "kind", "won, orders or payments is required");
    else if (req->year < YEAR_MIN || req->year > YEAR_MAX)
        crm_err_invalid(&err, "year", "a year from %d to %d", YEAR_MIN, YEAR_MAX);
    if (err.status != CRM__STATUS__OK) {
        crm_rpc_fail_err(call, &err);
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
    crm_sqlbuf_t *q = s_progress_sql(&g->who, g->kind, g->year);
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(s->db, &b, s_get_read, g);
}

void sales_target_handlers(sales_t *s)
{
    s->handlers.set_targets = s_set;
    s->handlers.get_targets = s_get;
}
