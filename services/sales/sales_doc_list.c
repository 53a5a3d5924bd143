/* sales_doc_list.c: reading a contract, an order or a payment (sales
 * documents): one by id, or its history, for a caller who may read it, and a list of a preset view
 * with filters, a sort, keyset pages and a total on request: one statement with the caller's data
 * scope written into its SQL (crm/scope.h's view scope; the team view is the kind's own: an order's
 * 待我审批), read by keyset (crm/list.h). Each kind gives its statement, tables and callbacks. */
#include <stdio.h>
#include <stdlib.h>

#include "crm/check.h"
#include "crm/util.h"
#include "sales.h"

typedef struct {
    crm_rpc_call_t *call;
    int64_t id;
    const sales_doc_t *doc;
} get_t;

static void s_got(void *arg, const crm_db_result_t *res)
{
    get_t *g = arg;
    if (res->err)
        crm_fail_db(g->call, res);
    else if (PQntuples(res->results[0]) == 0 || !g->doc->read(g->call, res->results[0], 1))
        crm_rpc_fail(g->call, CRM__STATUS__NOT_FOUND, "id", "%s %lld not found", g->doc->noun,
                     (long long)g->id);
    free(g);
}

void sales_doc_get(sales_t *s, crm_rpc_call_t *call, const sales_doc_t *doc, int64_t id)
{
    if (!crm_check_id(call, "id", id))
        return;
    get_t *g = crm_malloc(sizeof *g);
    *g = (get_t){call, id, doc};
    char v[24];
    const char *p[] = {crm_i64(v, id)};
    crm_db_exec(s->db, doc->stmt, 1, p, s_got, g);
}

static int s_readable(void *arg, crm_rpc_call_t *call, const PGresult *r)
{
    return ((const sales_doc_t *)arg)->read(call, r, 0);
}

void sales_doc_history(sales_t *s, crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req,
                       const sales_doc_t *doc)
{
    sales_history_list(s, call, req, doc->noun, doc->stmt, s_readable, (void *)doc);
}

void sales_doc_list(sales_t *s, crm_rpc_call_t *call, const sales_doc_list_t *spec,
                    const ProtobufCMessage *req, const sales_list_ask_t *ask)
{
    crm_err_t err;
    if (ask->view < 0 || ask->view >= spec->n_views) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "view", "not a known view");
        return;
    }
    if (ask->sort < 0 || ask->sort >= spec->n_sorts) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "sort", "not a known sort");
        return;
    }
    if (ask->n_owner_ids &&
        !crm_change_check_ids(call, "owner_ids", ask->owner_ids, ask->n_owner_ids, 500))
        return;
    if (crm_filter_check(spec->filters, spec->n_filters, req, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    const sales_sort_t *sort = &spec->sorts[ask->sort];
    char tag[48];
    snprintf(tag, sizeof tag, "%s:%s", sort->tag, ask->ascending ? "asc" : "desc");
    crm_keyset_t order = {.tag = tag, .keys = sort->keys, .n = 2, .ascending = ask->ascending};
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &order, ask->limit, 20, ask->cursor))
        return;
    crm_view_scope_t scope;
    crm_view_scope(crm_rpc_call_caller(call), spec->views[ask->view], ask->owner_ids,
                   ask->n_owner_ids, &scope);
    crm_db_batch_t *b = crm_db_batch_new();
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, spec->select);
    if (scope.team && spec->team)
        spec->team(q, spec->alias, crm_rpc_call_caller(call));
    else
        crm_view_scope_sql(q, &scope, spec->alias, NULL);
    crm_filter_where(q, spec->filters, spec->n_filters, req);
    crm_page_batch_add(&q, &pg, ask->total, b);
    crm_view_scope_clear(&scope);
    crm_page_submit(call, s->db, &b, &pg, ask->total, spec->list);
}
