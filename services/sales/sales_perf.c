/* sales_perf.c: performance (业绩), GetPerformance and GetRanking: the
 * figures of a period (a year, a quarter, a month, a date range of the
 * business time zone) for a person, a department's subtree or the
 * company, and the people of a subtree ranked by one figure. Both sum the
 * stored facts of sql/040 (written by triggers in the transaction of each
 * win, approval, void, confirmation, refund, reopening), never the live
 * records, so a closed month gives the same figures tomorrow.
 *
 * Who reads what (sales_perf_may_read): anyone their own; another person,
 * one of the caller's data scope; a department, admins and managers of it
 * or of a department above it; the company, admins. An unknown person or
 * department is refused naming its field. One round trip: the subject's
 * check and the sums in one batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/rpc_db.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_perf.h"

#define SCOPE(x) CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_##x
#define RANKING_LIMIT 100
#define RANKING_MAX 500

void sales_perf_prepare(crm_db_t *db)
{
    /* Is the subject known (a user: $2 NULL; a department: $1), and is the
     * department $1 under the caller's department $2 (its path holds it)? */
    crm_db_prepare(db, "perf_subject",
                   "SELECT CASE WHEN $2::bigint IS NULL THEN EXISTS (SELECT 1 FROM crm_org_users"
                   " WHERE id = $1::bigint) ELSE EXISTS (SELECT 1 FROM crm_org_departments WHERE"
                   " id = $1::bigint) END AS known, $2::bigint IS NOT NULL AND $2::bigint ="
                   " ANY(crm_org_path($1::bigint)) AS under");
    crm_db_prepare(db, "perf_fold", "SELECT sales_perf_fold($1::integer)");
}

/* ---- the facts of a period ------------------------------------------------------- */

/* Appends " AND <who's condition>" on the rows aliased alias. */
static void s_who_sql(crm_sqlbuf_t *q, const sales_subject_t *who, const char *alias)
{
    char text[96];
    if (who->owner) {
        snprintf(text, sizeof text, " AND %s.owner_id = $?::bigint", alias);
        crm_sqlbuf_addp_i64(q, text, who->owner);
    } else if (who->department) {
        /* A scalar subquery: the subtree found once, not for each row. */
        snprintf(text, sizeof text,
                 " AND %s.department_id = ANY((SELECT sales_subtree($?::bigint))::bigint[])",
                 alias);
        crm_sqlbuf_addp_i64(q, text, who->department);
    }
}

/* The facts of [from, to) from the rows, of the days from to to. */
static void s_days_sql(crm_sqlbuf_t *q, const sales_subject_t *who, const char *from,
                       const char *to)
{
    crm_sqlbuf_add(q, " UNION ALL SELECT e.owner_id, date_trunc('month', e.day)::date, e.kind,"
                      " e.count, e.amount FROM sales_perf_facts e WHERE");
    crm_sqlbuf_addp(q, " e.day >= $?::date", from);
    crm_sqlbuf_addp(q, " AND e.day < $?::date", to);
    s_who_sql(q, who, "e");
}

void sales_perf_rows(crm_sqlbuf_t *q, const sales_subject_t *who, const char *from, const char *to)
{
    char m0[11], m1[11];
    sales_period_months(from, to, m0, m1);
    crm_sqlbuf_add(q, "(SELECT m.owner_id, m.month, m.kind, m.count, m.amount"
                      " FROM sales_perf_months m WHERE");
    crm_sqlbuf_addp(q, " m.month >= $?::date", m0);
    crm_sqlbuf_addp(q, " AND m.month < $?::date", m1);
    s_who_sql(q, who, "m");
    crm_sqlbuf_add(q, " UNION ALL SELECT p.owner_id, date_trunc('month', p.day)::date, p.kind,"
                      " p.count, p.amount FROM sales_perf_pending p WHERE");
    crm_sqlbuf_addp(q, " p.day >= $?::date", m0);
    crm_sqlbuf_addp(q, " AND p.day < $?::date", m1);
    s_who_sql(q, who, "p");
    /* The partial months before and after the whole ones. */
    s_days_sql(q, who, from, strcmp(m0, to) < 0 ? m0 : to);
    s_days_sql(q, who, strcmp(m1, m0) > 0 ? m1 : m0, to);
    crm_sqlbuf_add(q, ") x");
}

/* ---- whose figures --------------------------------------------------------------- */

int sales_perf_may_read(crm_rpc_call_t *call, const sales_subject_t *who)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    if (who->owner) {
        if (crm_scope_allows(c, who->owner))
            return 1;
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "owner_id",
                     "user %lld is not in your data scope", (long long)who->owner);
        return 0;
    }
    if (crm_scope_all(c))
        return 1;
    if (who->department && c->role == CRM__ROLE__ROLE_MANAGER)
        return 1; /* and the department under theirs: sales_perf_subject_ok */
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, who->department ? "department_id" : "scope",
                 who->department ? "a department's figures are for its managers and admins"
                                 : "the company's figures are for admins");
    return 0;
}

void sales_perf_add_subject(crm_db_batch_t *b, const Crm__Caller *c, const sales_subject_t *who)
{
    char id[24], dept[24];
    const char *p[] = {crm_i64(id, who->owner ? who->owner : who->department),
                       who->owner ? NULL : crm_i64(dept, c->department_id)};
    crm_db_batch_add(b, "perf_subject", 2, p);
}

int sales_perf_subject_ok(crm_rpc_call_t *call, const sales_subject_t *who, const PGresult *r)
{
    if (!who->owner && !who->department)
        return 1;
    const char *field = who->owner ? "owner_id" : "department_id";
    const Crm__Caller *c = crm_rpc_call_caller(call);
    /* The caller exists, whether or not the read model has them yet. */
    if (!crm_db_get_bool(r, 0, 0) && who->owner != c->user_id) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s %lld does not exist",
                     who->owner ? "user" : "department",
                     (long long)(who->owner ? who->owner : who->department));
        return 0;
    }
    if (who->department && !crm_scope_all(c) && !crm_db_get_bool(r, 0, 1)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, field,
                     "department %lld is not yours to see", (long long)who->department);
        return 0;
    }
    return 1;
}

void sales_figures_add(Crm__Sales__PerformanceFigures *f, int kind, int64_t count, int64_t amount)
{
    switch (kind) {
    case SALES_FACT_WON:
        f->won_count += count;
        f->won_amount += amount;
        break;
    case SALES_FACT_ORDER:
        f->order_count += count;
        f->order_amount += amount;
        break;
    case SALES_FACT_PAYMENT:
        f->payment_amount += amount;
        break;
    default:
        break;
    }
}

/* ---- GetPerformance -------------------------------------------------------------- */

typedef struct {
    crm_rpc_call_t *call;
    sales_subject_t who;
    int scope;
    char from[11], to[11];
} perf_t;

static void s_perf_read(void *arg, const crm_db_result_t *res)
{
    perf_t *p = arg;
    if (res->err) {
        crm_fail_db(p->call, res);
    } else if (sales_perf_subject_ok(p->call, &p->who, res->results[0])) {
        Crm__Sales__PerformanceFigures f = CRM__SALES__PERFORMANCE_FIGURES__INIT;
        const PGresult *r = res->results[1];
        for (int i = 0; i < PQntuples(r); i++)
            sales_figures_add(&f, (int)crm_db_get_i64(r, i, 0), crm_db_get_i64(r, i, 1),
                              crm_db_get_i64(r, i, 2));
        sales_figures_rate(&f);
        Crm__Sales__Performance out = CRM__SALES__PERFORMANCE__INIT;
        out.from = p->from;
        out.to = p->to;
        out.scope = (Crm__Sales__ReportScope)p->scope;
        out.owner_id = p->who.owner;
        out.department_id = p->who.department;
        out.figures = &f;
        crm_rpc_reply(p->call, &out.base);
    }
    free(p);
}

/* The subject of scope: the owner (0: the caller), the department (0: the
 * caller's) or neither (the company); 1, or 0 after failing call. */
static int s_subject(crm_rpc_call_t *call, int scope, int64_t owner, int64_t department,
                     sales_subject_t *who)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    *who = (sales_subject_t){0};
    if (owner < 0 || department < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, owner < 0 ? "owner_id" : "department_id",
                     "an id, or 0");
        return 0;
    }
    switch (scope) {
    case SCOPE(PERSON):
        who->owner = owner ? owner : c->user_id;
        break;
    case SCOPE(DEPARTMENT):
        who->department = department ? department : c->department_id;
        if (!who->department) {
            crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "department_id",
                         "you are in no department: name one");
            return 0;
        }
        break;
    case SCOPE(COMPANY):
        break;
    default:
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "scope", "not a known scope");
        return 0;
    }
    return sales_perf_may_read(call, who);
}

static void s_performance(crm_rpc_call_t *call, const Crm__Sales__PerformanceRequest *req,
                          void *arg)
{
    sales_t *s = arg;
    perf_t *p = crm_calloc(1, sizeof *p);
    crm_err_t err;
    p->call = call;
    p->scope = req->scope;
    if (sales_period_resolve(req->period, req->from, req->to, p->from, p->to, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        free(p);
        return;
    }
    if (!s_subject(call, req->scope, req->owner_id, req->department_id, &p->who)) {
        free(p);
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    sales_perf_add_subject(b, crm_rpc_call_caller(call), &p->who);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT kind, sum(count)::bigint, sum(amount)::bigint FROM ");
    sales_perf_rows(q, &p->who, p->from, p->to);
    crm_sqlbuf_add(q, " GROUP BY kind");
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(s->db, &b, s_perf_read, p);
}

/* ---- GetRanking ------------------------------------------------------------------ */

typedef struct {
    crm_rpc_call_t *call;
    sales_subject_t who;
    const Crm__Sales__RankingRequest *req;
    char from[11], to[11];
} ranking_t;

/* The entries of the rows (owner, kind, count, amount; by owner), one per
 * owner. */
static size_t s_entries(const PGresult *r, Crm__Sales__RankingEntry **e,
                        Crm__Sales__PerformanceFigures *f, Crm__Sales__RankingEntry *mem)
{
    size_t n = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t owner = crm_db_get_i64(r, i, 0);
        if (n == 0 || e[n - 1]->owner_id != owner) {
            crm__sales__ranking_entry__init(&mem[n]);
            crm__sales__performance_figures__init(&f[n]);
            mem[n].owner_id = owner;
            mem[n].figures = &f[n];
            e[n] = &mem[n];
            n++;
        }
        if (!PQgetisnull(r, i, 1))
            sales_figures_add(e[n - 1]->figures, (int)crm_db_get_i64(r, i, 1),
                              crm_db_get_i64(r, i, 2), crm_db_get_i64(r, i, 3));
    }
    for (size_t k = 0; k < n; k++)
        sales_figures_rate(e[k]->figures);
    return n;
}

static void s_ranking_read(void *arg, const crm_db_result_t *res)
{
    ranking_t *rk = arg;
    if (res->err) {
        crm_fail_db(rk->call, res);
    } else if (sales_perf_subject_ok(rk->call, &rk->who, res->results[0])) {
        const PGresult *r = res->results[1];
        size_t rows = (size_t)PQntuples(r) + 1;
        Crm__Sales__RankingEntry **e = crm_calloc(rows, sizeof *e);
        Crm__Sales__RankingEntry *mem = crm_calloc(rows, sizeof *mem);
        Crm__Sales__PerformanceFigures *f = crm_calloc(rows, sizeof *f);
        size_t n = s_entries(r, e, f, mem);
        sales_rank(e, n, rk->req->by);
        size_t limit = rk->req->limit ? (size_t)rk->req->limit : RANKING_LIMIT;
        Crm__Sales__Ranking out = CRM__SALES__RANKING__INIT;
        out.from = rk->from;
        out.to = rk->to;
        out.department_id = rk->who.department;
        out.by = rk->req->by;
        out.items = e;
        out.n_items = n < limit ? n : limit;
        crm_rpc_reply(rk->call, &out.base);
        free(e);
        free(mem);
        free(f);
    }
    free(rk);
}

/* A ranking's rows (owner, kind, count, amount; kind NULL: a member with
 * no fact), by owner: the facts credited in who's subtree (or the
 * company) per owner and kind, and the active members of its departments
 * (the company's: everyone in a department). */
static crm_sqlbuf_t *s_ranking_sql(const sales_subject_t *who, const char *from, const char *to)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "WITH f AS (SELECT owner_id, kind, sum(count)::bigint AS n,"
                      " sum(amount)::bigint AS a FROM ");
    sales_perf_rows(q, who, from, to);
    crm_sqlbuf_add(q, " GROUP BY 1, 2), p AS (SELECT owner_id FROM f UNION SELECT id FROM"
                      " crm_org_users u WHERE u.active");
    if (who->department)
        s_who_sql(q, who, "u");
    else
        crm_sqlbuf_add(q, " AND u.department_id <> 0");
    crm_sqlbuf_add(q, ") SELECT p.owner_id, f.kind, f.n, f.a FROM p LEFT JOIN f USING (owner_id)"
                      " ORDER BY 1");
    return q;
}

static void s_ranking(crm_rpc_call_t *call, const Crm__Sales__RankingRequest *req, void *arg)
{
    sales_t *s = arg;
    const Crm__Caller *c = crm_rpc_call_caller(call);
    ranking_t *rk = crm_calloc(1, sizeof *rk);
    crm_err_t err;
    rk->call = call;
    rk->req = req;
    if (sales_period_resolve(req->period, req->from, req->to, rk->from, rk->to, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        free(rk);
        return;
    }
    int fine = 0;
    if (req->by <= CRM__SALES__PERFORMANCE_FIGURE__PERFORMANCE_FIGURE_UNSPECIFIED ||
        req->by > CRM__SALES__PERFORMANCE_FIGURE__PERFORMANCE_FIGURE_PAYMENT_RATE)
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "by",
                     "the figure to rank by is required");
    else if (req->limit < 0 || req->limit > RANKING_MAX)
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "limit", "1 to %d, or 0: %d", RANKING_MAX,
                     RANKING_LIMIT);
    else
        /* 0: the caller's department, for an admin the company. */
        fine = s_subject(
            call, req->department_id || !crm_scope_all(c) ? SCOPE(DEPARTMENT) : SCOPE(COMPANY), 0,
            req->department_id, &rk->who);
    if (!fine) {
        free(rk);
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    sales_perf_add_subject(b, c, &rk->who);
    crm_sqlbuf_t *q = s_ranking_sql(&rk->who, rk->from, rk->to);
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(s->db, &b, s_ranking_read, rk);
}

void sales_perf_handlers(sales_t *s)
{
    s->handlers.get_performance = s_performance;
    s->handlers.get_ranking = s_ranking;
}
