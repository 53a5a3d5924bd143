/* sales_history.c: the history of the sales service's records
 * (sales_history): the entry a change of the change engine writes for its
 * record, and a record's entries read newest first in keyset pages. */
#include <stdlib.h>

#include "crm/check.h"
#include "crm/list.h"
#include "crm/util.h"
#include "sales_store.h"

void sales_change_history(crm_change_t *c, crm_db_batch_t *b, const char *kind, int64_t id,
                          const char *detail, int64_t from_owner, int64_t to_owner)
{
    sales_history_t h = {
        .kind = kind,
        .record_id = id,
        .action = crm_change_op(c)->action,
        .actor_id = crm_change_caller(c)->user_id,
        .at_us = crm_change_now(c),
        .from_owner_id = from_owner,
        .to_owner_id = to_owner,
        .reason = crm_change_reason(c),
        .detail = detail,
    };
    sales_store_history(b, &h);
}

static const crm_key_t s_id_key[] = {CRM_KEY_ID};
static const crm_keyset_t s_order = {.tag = "sales-history", .keys = s_id_key, .n = 1};

typedef struct {
    crm_rpc_call_t *call;
    crm_page_t page;
    int total;
    int64_t id;
    const char *kind;
    sales_readable_fn readable;
    void *arg;
} history_t;

static void s_read(void *arg, const crm_db_result_t *res)
{
    history_t *h = arg;
    const PGresult *rec = res->err ? NULL : res->results[0];
    if (res->err)
        crm_fail_db(h->call, res);
    else if (PQntuples(rec) == 0 || (h->readable && !h->readable(h->arg, h->call, rec)))
        crm_rpc_fail(h->call, CRM__STATUS__NOT_FOUND, "id", "%s %lld not found", h->kind,
                     (long long)h->id);
    else
        crm_reply_page(h->call, &h->page, &crm__sales__sales_history_list__descriptor,
                       res->results[1], h->total ? res->results[2] : NULL);
    free(h);
}

void sales_history_list(sales_t *s, crm_rpc_call_t *call,
                        const Crm__Sales__SalesHistoryRequest *req, const char *kind,
                        const char *stmt, sales_readable_fn readable, void *arg)
{
    crm_page_t pg;
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_page(call, &pg, &s_order, req->limit, 50, req->cursor))
        return;
    history_t *h = crm_calloc(1, sizeof *h);
    *h = (history_t){.call = call,
                     .page = pg,
                     .total = req->total,
                     .id = req->id,
                     .kind = kind,
                     .readable = readable,
                     .arg = arg};
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, stmt, 1, p);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q,
                   "SELECT id, record_id, action, actor_id, crm_us(at) AS at_us, from_owner_id,"
                   " to_owner_id, reason, detail AS detail_json FROM sales_history WHERE kind =");
    crm_sqlbuf_addp(q, " $?", kind);
    crm_sqlbuf_addp_i64(q, " AND record_id = $?::bigint", req->id);
    crm_page_batch_add(&q, &h->page, req->total, b);
    crm_db_submit(s->db, &b, s_read, h);
}
