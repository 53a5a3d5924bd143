/* sales_funnel.c: the funnel (销售漏斗) and the forecast (销售预测) of a
 * period and a scope (a person, a department and its sub-departments, the
 * company), GetFunnel and GetForecast.
 *
 * The funnel is read from the funnel events the stage history writes
 * (sql/007): a person's from their events, a department's or the
 * company's from the days folded per department plus the events not folded
 * yet; one statement, after the pipeline's stages, and one more for the
 * days in each stage (sales_stays.c). Conversions and the
 * win rate are computed here from those counts. The forecast sums the open
 * opportunities as they stand by expected close month.
 *
 * Who may ask: anyone for themselves; for another person, one in the
 * caller's data scope; for a department, an admin, or a manager of it or
 * of a department above it (its path holds the manager's department); the
 * company, admins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_perf.h"

#define SCOPE(x) CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_##x
#define FOLD_STATUS_WON 2
#define FOLD_STATUS_LOST 3
#define FOLD_STATUS_INVALID 4

typedef struct {
    sales_t *s;
    crm_rpc_call_t *call;
    const Crm__Sales__SalesReportRequest *req;
    int64_t owner, department; /* the scope's, resolved */
    Crm__Sales__Pipeline *pipeline;
} report_t;

static void s_free(report_t *r)
{
    sales_pipeline_free(r->pipeline);
    free(r);
}

/* ---- the request ------------------------------------------------------------------ */

static int s_bad(crm_rpc_call_t *call, const char *field, const char *msg)
{
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s", msg);
    return 0;
}

/* The period and scope are well formed and the caller may see the scope's
 * figures as far as the call tells (a department's tree is the read's);
 * the scope's owner or department resolved into r. 1, or fails. */
static int s_check(report_t *r)
{
    const Crm__Sales__SalesReportRequest *q = r->req;
    const Crm__Caller *c = crm_rpc_call_caller(r->call);
    char from[11], to[11];
    crm_err_t err;
    if (sales_period_range(q->from, q->to, from, to, &err) < 0)
        return crm_rpc_fail_err(r->call, &err);
    if (q->pipeline_id < 0)
        return s_bad(r->call, "pipeline_id", "a pipeline's id, or 0");
    if (q->owner_id < 0 || q->department_id < 0)
        return s_bad(r->call, q->owner_id < 0 ? "owner_id" : "department_id", "an id, or 0");
    switch (q->scope) {
    case SCOPE(PERSON):
        r->owner = q->owner_id ? q->owner_id : c->user_id;
        if (!crm_scope_allows(c, r->owner)) {
            crm_rpc_fail(r->call, CRM__STATUS__PERMISSION_DENIED, "owner_id",
                         "user %lld is not in your data scope", (long long)r->owner);
            return 0;
        }
        return 1;
    case SCOPE(DEPARTMENT):
        r->department = q->department_id ? q->department_id : c->department_id;
        if (!crm_scope_all(c) && c->role != CRM__ROLE__ROLE_MANAGER) {
            crm_rpc_fail(r->call, CRM__STATUS__PERMISSION_DENIED, "scope",
                         "a department's figures are for its managers and admins");
            return 0;
        }
        return 1;
    case SCOPE(COMPANY):
        if (!crm_scope_all(c)) {
            crm_rpc_fail(r->call, CRM__STATUS__PERMISSION_DENIED, "scope",
                         "the company's figures are for admins");
            return 0;
        }
        return 1;
    default:
        return s_bad(r->call, "scope", "not a known scope");
    }
}

/* Adds to b the read "may": whether a manager's department is on the path
 * of the department asked for (admins and other scopes: true). */
static void s_add_may(const report_t *r, crm_db_batch_t *b)
{
    const Crm__Caller *c = crm_rpc_call_caller(r->call);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    if (r->req->scope == SCOPE(DEPARTMENT) && !crm_scope_all(c)) {
        crm_sqlbuf_addp_i64(q, "SELECT $?::bigint = ANY(", c->department_id);
        crm_sqlbuf_addp_i64(q, "crm_org_path($?::bigint))", r->department);
    } else {
        crm_sqlbuf_add(q, "SELECT true");
    }
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
}

static int s_may(report_t *r, const PGresult *may)
{
    if (PQntuples(may) == 1 && !strcmp(crm_db_get(may, 0, 0), "t"))
        return 1;
    crm_rpc_fail(r->call, CRM__STATUS__PERMISSION_DENIED, "department_id",
                 "department %lld is not yours to see", (long long)r->department);
    return 0;
}

/* The period's bounds as instants of the business time zone. */
static void s_add_period(crm_sqlbuf_t *q, const report_t *r, const char *column)
{
    int tz = crm_sqlbuf_param(q, r->s->tz);
    crm_sqlbuf_addf(q, " AND %s >= ($%d::date)::timestamp AT TIME ZONE $%d", column,
                    crm_sqlbuf_param(q, r->req->from), tz);
    crm_sqlbuf_addf(q, " AND %s < ($%d::date)::timestamp AT TIME ZONE $%d", column,
                    crm_sqlbuf_param(q, r->req->to), tz);
}

/* ---- the funnel ------------------------------------------------------------------- */

/* The funnel's sums (kind, stage_id, lost_reason, count, amount) of r's
 * pipeline, period and scope. */
static crm_sqlbuf_t *s_funnel_sql(const report_t *r)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    int64_t pipeline = r->pipeline->id;
    if (r->req->scope == SCOPE(PERSON)) {
        crm_sqlbuf_add(q, "SELECT kind, stage_id, lost_reason, sum(count)::bigint,"
                          " sum(amount)::bigint FROM opportunity_funnel_events WHERE kind <= 4");
        crm_sqlbuf_addp_i64(q, " AND owner_id = $?::bigint", r->owner);
        crm_sqlbuf_addp_i64(q, " AND pipeline_id = $?::bigint", pipeline);
        s_add_period(q, r, "at");
        crm_sqlbuf_add(q, " GROUP BY 1, 2, 3");
        return q;
    }
    crm_sqlbuf_add(q, "SELECT kind, stage_id, lost_reason, sum(count)::bigint,"
                      " sum(amount)::bigint FROM (SELECT kind, stage_id, lost_reason, count,"
                      " amount FROM opportunity_funnel_days WHERE kind <= 4");
    crm_sqlbuf_addp_i64(q, " AND pipeline_id = $?::bigint", pipeline);
    crm_sqlbuf_addp(q, " AND day >= $?::date", r->req->from);
    crm_sqlbuf_addp(q, " AND day < $?::date", r->req->to);
    if (r->req->scope == SCOPE(DEPARTMENT))
        crm_sqlbuf_addp_i64(q, " AND department_id IN " SALES_SUBTREE, r->department);
    crm_sqlbuf_add(q, " UNION ALL SELECT e.kind, e.stage_id, e.lost_reason, e.count, e.amount"
                      " FROM opportunity_funnel_pending p JOIN opportunity_funnel_events e ON"
                      " e.id = p.event_id WHERE e.kind <= 4");
    crm_sqlbuf_addp_i64(q, " AND e.pipeline_id = $?::bigint", pipeline);
    s_add_period(q, r, "e.at");
    if (r->req->scope == SCOPE(DEPARTMENT))
        crm_sqlbuf_addp_i64(q, " AND e.department_id IN " SALES_SUBTREE, r->department);
    crm_sqlbuf_add(q, ") x GROUP BY 1, 2, 3");
    return q;
}

/* part per 10,000 of whole, rounded down; 0 when whole is 0. */
static int32_t s_bp(int64_t part, int64_t whole)
{
    return whole > 0 ? (int32_t)(part * 10000 / whole) : 0;
}

static int s_by_count(const void *a, const void *b)
{
    const Crm__Sales__LostReasonCount *x = *(Crm__Sales__LostReasonCount *const *)a,
                                      *y = *(Crm__Sales__LostReasonCount *const *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->reason, y->reason);
}

static void s_funnel_reply(report_t *r, const PGresult *sums, const PGresult *stays)
{
    Crm__Sales__Funnel f = CRM__SALES__FUNNEL__INIT;
    size_t n = r->pipeline->n_stages, rows = (size_t)PQntuples(sums);
    Crm__Sales__FunnelStage *st = crm_calloc(n + 1, sizeof *st);
    Crm__Sales__LostReasonCount *lr = crm_calloc(rows + 1, sizeof *lr);
    f.stages = crm_calloc(n + 1, sizeof *f.stages);
    f.lost_reasons = crm_calloc(rows + 1, sizeof *f.lost_reasons);
    f.pipeline_id = r->pipeline->id;
    for (size_t i = 0; i < n; i++) {
        crm__sales__funnel_stage__init(&st[i]);
        st[i].stage_id = r->pipeline->stages[i]->id;
        st[i].stage_name = r->pipeline->stages[i]->name;
        st[i].probability = r->pipeline->stages[i]->probability;
        f.stages[f.n_stages++] = &st[i];
    }
    for (size_t k = 0; k < rows; k++) {
        int kind = (int)crm_db_get_i64(sums, (int)k, 0);
        int64_t stage = crm_db_get_i64(sums, (int)k, 1), count = crm_db_get_i64(sums, (int)k, 3),
                amount = crm_db_get_i64(sums, (int)k, 4);
        if (kind == 1) {
            for (size_t i = 0; i < n; i++)
                if (st[i].stage_id == stage) {
                    st[i].count += count;
                    st[i].amount += amount;
                }
        } else if (kind == FOLD_STATUS_WON) {
            f.won_count += count;
            f.won_amount += amount;
        } else if (kind == FOLD_STATUS_INVALID) {
            f.invalid_count += count;
        } else if (kind == FOLD_STATUS_LOST) {
            f.lost_count += count;
            f.lost_amount += amount;
            if (count == 0)
                continue;
            Crm__Sales__LostReasonCount *l = &lr[f.n_lost_reasons];
            crm__sales__lost_reason_count__init(l);
            l->reason = (char *)crm_db_get(sums, (int)k, 2);
            l->count = count;
            l->amount = amount;
            f.lost_reasons[f.n_lost_reasons++] = l;
        }
    }
    for (size_t i = 0; i < n; i++)
        st[i].conversion_bp = s_bp(i + 1 < n ? st[i + 1].count : f.won_count, st[i].count);
    f.win_rate_bp = s_bp(f.won_count, f.won_count + f.lost_count);
    sales_stays_apply(stays, f.stages, n);
    qsort(f.lost_reasons, f.n_lost_reasons, sizeof *f.lost_reasons, s_by_count);
    crm_rpc_reply(r->call, &f.base);
    free(f.stages);
    free(f.lost_reasons);
    free(st);
    free(lr);
}

static void s_funnel_read(void *arg, const crm_db_result_t *res)
{
    report_t *r = arg;
    if (res->err)
        crm_fail_db(r->call, res);
    else if (s_may(r, res->results[0]))
        s_funnel_reply(r, res->results[1], res->results[2]);
    s_free(r);
}

static void s_pipeline_read(void *arg, const crm_db_result_t *res)
{
    report_t *r = arg;
    if (res->err) {
        crm_fail_db(r->call, res);
        s_free(r);
        return;
    }
    r->pipeline = sales_pipeline_of(res->results[0], 0);
    if (!r->pipeline) {
        crm_rpc_fail(r->call, CRM__STATUS__INVALID_ARGUMENT, "pipeline_id",
                     "pipeline %lld does not exist", (long long)r->req->pipeline_id);
        s_free(r);
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    s_add_may(r, b);
    crm_sqlbuf_t *q = s_funnel_sql(r);
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    q = sales_stays_sql(r->pipeline->id, r->req->scope,
                        r->req->scope == SCOPE(PERSON) ? r->owner : r->department, r->req->from,
                        r->req->to, r->s->tz);
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(r->s->db, &b, s_funnel_read, r);
}

static report_t *s_report_new(sales_t *s, crm_rpc_call_t *call,
                              const Crm__Sales__SalesReportRequest *req)
{
    report_t *r = crm_calloc(1, sizeof *r);
    *r = (report_t){.s = s, .call = call, .req = req};
    if (!s_check(r)) {
        free(r);
        return NULL;
    }
    return r;
}

static void s_funnel(crm_rpc_call_t *call, const Crm__Sales__SalesReportRequest *req, void *arg)
{
    sales_t *s = arg;
    report_t *r = s_report_new(s, call, req);
    if (!r)
        return;
    char id[24];
    const char *p[] = {crm_i64(id, req->pipeline_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "pipeline_or_default", 1, p);
    crm_db_submit(s->db, &b, s_pipeline_read, r);
}

/* ---- the forecast ----------------------------------------------------------------- */

static crm_sqlbuf_t *s_forecast_sql(const report_t *r)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT to_char(expected_close_on, 'YYYY-MM'), count(*),"
                      " sum(amount)::bigint, round(sum(amount::numeric * win_probability) /"
                      " 100)::bigint FROM opportunities WHERE status = 1 AND deleted_at IS NULL");
    crm_sqlbuf_addp(q, " AND expected_close_on >= $?::date", r->req->from);
    crm_sqlbuf_addp(q, " AND expected_close_on < $?::date", r->req->to);
    if (r->req->pipeline_id)
        crm_sqlbuf_addp_i64(q, " AND pipeline_id = $?::bigint", r->req->pipeline_id);
    if (r->req->scope == SCOPE(PERSON))
        crm_sqlbuf_addp_i64(q, " AND owner_id = $?::bigint", r->owner);
    else if (r->req->scope == SCOPE(DEPARTMENT))
        crm_sqlbuf_addp_i64(q, " AND department_id IN " SALES_SUBTREE, r->department);
    crm_sqlbuf_add(q, " GROUP BY 1 ORDER BY 1");
    return q;
}

static void s_forecast_read(void *arg, const crm_db_result_t *res)
{
    report_t *r = arg;
    if (res->err || !s_may(r, res->results[0])) {
        if (res->err)
            crm_fail_db(r->call, res);
        s_free(r);
        return;
    }
    const PGresult *m = res->results[1];
    size_t n = (size_t)PQntuples(m);
    Crm__Sales__Forecast f = CRM__SALES__FORECAST__INIT;
    Crm__Sales__ForecastMonth *ms = crm_calloc(n + 1, sizeof *ms);
    f.months = crm_calloc(n + 1, sizeof *f.months);
    for (size_t i = 0; i < n; i++) {
        crm__sales__forecast_month__init(&ms[i]);
        ms[i].month = (char *)crm_db_get(m, (int)i, 0);
        ms[i].count = crm_db_get_i64(m, (int)i, 1);
        ms[i].amount = crm_db_get_i64(m, (int)i, 2);
        ms[i].weighted_amount = crm_db_get_i64(m, (int)i, 3);
        f.count += ms[i].count;
        f.amount += ms[i].amount;
        f.weighted_amount += ms[i].weighted_amount;
        f.months[f.n_months++] = &ms[i];
    }
    crm_rpc_reply(r->call, &f.base);
    free(f.months);
    free(ms);
    s_free(r);
}

static void s_forecast(crm_rpc_call_t *call, const Crm__Sales__SalesReportRequest *req, void *arg)
{
    sales_t *s = arg;
    report_t *r = s_report_new(s, call, req);
    if (!r)
        return;
    crm_db_batch_t *b = crm_db_batch_new();
    s_add_may(r, b);
    crm_sqlbuf_t *q = s_forecast_sql(r);
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(s->db, &b, s_forecast_read, r);
}

void sales_funnel_handlers(sales_t *s)
{
    s->handlers.get_funnel = s_funnel;
    s->handlers.get_forecast = s_forecast;
}
