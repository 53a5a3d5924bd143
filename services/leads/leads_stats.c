/* leads_stats.c: Leads.Stats (counts by status and conversion by source
 * or owner, within the caller's scope). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/filter.h"
#include "crm/scope.h"
#include "crm/sqlbuf.h"
#include "crm/util.h"
#include "leads.h"

/* A call waiting for its batch. */
typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
} read_t;

static read_t *s_read_new(leads_t *l, crm_rpc_call_t *call)
{
    read_t *r = crm_calloc(1, sizeof *r);
    r->l = l;
    r->call = call;
    return r;
}

/* ---- Leads.Stats ---------------------------------------------------------- */

static void s_stats_read(void *arg, const crm_db_result_t *res)
{
    read_t *rd = arg;
    if (res->err) {
        crm_fail_db(rd->call, res);
        free(rd);
        return;
    }
    const PGresult *st = res->results[0], *rows = res->results[1];
    Crm__Leads__StatusCount counts[6], *cp[6];
    for (int s = 0; s < 6; s++) {
        crm__leads__status_count__init(&counts[s]);
        counts[s].status = (lead_status_t)(s + 1);
        cp[s] = &counts[s];
    }
    for (int i = 0; i < PQntuples(st); i++) {
        int64_t s = crm_db_get_i64(st, i, 0);
        if (s >= 1 && s <= 6)
            counts[s - 1].count = crm_db_get_i64(st, i, 1);
    }
    size_t n = (size_t)PQntuples(rows);
    Crm__Leads__ConversionRow *cr = crm_calloc(n + 1, sizeof *cr);
    Crm__Leads__ConversionRow **crp = crm_calloc(n + 1, sizeof *crp);
    Crm__Leads__LeadStats out = CRM__LEADS__LEAD_STATS__INIT;
    for (size_t i = 0; i < n; i++) {
        crm__leads__conversion_row__init(&cr[i]);
        cr[i].key = (char *)crm_db_get(rows, (int)i, 0);
        cr[i].leads = crm_db_get_i64(rows, (int)i, 1);
        cr[i].converted = crm_db_get_i64(rows, (int)i, 2);
        cr[i].rate = cr[i].leads ? (double)cr[i].converted / (double)cr[i].leads : 0;
        out.leads += cr[i].leads;
        out.converted += cr[i].converted;
        crp[i] = &cr[i];
    }
    out.rate = out.leads ? (double)out.converted / (double)out.leads : 0;
    out.by_status = cp;
    out.n_by_status = 6;
    out.rows = crp;
    out.n_rows = n;
    crm_rpc_reply(rd->call, &out.base);
    free(cr);
    free(crp);
    free(rd);
}

/* The period of Stats: leads created in it. */
static const crm_filter_t s_stats_period[] = {
    {.field = "from_us", .kind = CRM_FILTER_RANGE, .column = "created_at", .to = "to_us"},
};

static void s_stats(crm_rpc_call_t *call, const Crm__Leads__LeadStatsRequest *req, void *arg)
{
    leads_t *l = arg;
    const Crm__Caller *c = crm_rpc_call_caller(call);
    crm_err_t err;
    if (crm_filter_check(s_stats_period, 1, &req->base, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (req->group_by != CRM__LEADS__STATS_GROUP__STATS_GROUP_SOURCE &&
        req->group_by != CRM__LEADS__STATS_GROUP__STATS_GROUP_OWNER) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "group_by", "source or owner");
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    leads_scope_t s;
    leads_scope(c, CRM__LEADS__LEAD_VIEW__LEAD_VIEW_ALL, NULL, 0, &s);
    crm_sqlbuf_add(q, "SELECT status, count(*) FROM leads WHERE deleted_at IS NULL");
    leads_add_scope(q, &s, 1);
    crm_sqlbuf_add(q, " GROUP BY status");
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, req->group_by == CRM__LEADS__STATS_GROUP__STATS_GROUP_OWNER
                          ? "SELECT owner_id::text"
                          : "SELECT CASE WHEN source = '' THEN '无来源' ELSE source END");
    crm_sqlbuf_add(q, ", count(*), count(*) FILTER (WHERE status = 5) FROM leads"
                      " WHERE deleted_at IS NULL");
    leads_add_scope(q, &s, 1);
    leads_scope_clear(&s);
    crm_filter_where(q, s_stats_period, 1, &req->base);
    if (!req->to_us)
        crm_sqlbuf_add(q, " AND created_at < now()");
    crm_sqlbuf_add(q, " GROUP BY 1 ORDER BY 2 DESC, 1");
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(l->db, &b, s_stats_read, s_read_new(l, call));
}

void leads_stats_handlers(leads_handlers_t *h)
{
    h->stats = s_stats;
}
