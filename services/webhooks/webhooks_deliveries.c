/* webhooks_deliveries.c: the Webhooks.* handlers of deliveries: list a
 * subscription's, retry one, replay a producer's events from a sequence. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/list.h"
#include "crm/registry.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "webhooks.h"

static const crm_key_t s_id_key[] = {{.sql = "d.id", .column = "id", .type = CRM_KEY_BIGINT}};
static const crm_keyset_t s_order = {.tag = "delivery:id", .keys = s_id_key, .n = 1};

/* ---- ListDeliveries --------------------------------------------------- */

static void s_listed(void *arg, const crm_db_result_t *res)
{
    webhooks_read_t *rd = arg;
    Crm__Webhooks__ListDeliveriesReply list = CRM__WEBHOOKS__LIST_DELIVERIES_REPLY__INIT;
    if (res->err)
        crm_fail_db(rd->call, res);
    else if (PQntuples(res->results[0]) == 0)
        crm_rpc_fail(rd->call, CRM__STATUS__NOT_FOUND, "webhook_id", "webhook not found");
    else
        webhooks_reply_page(rd, res->results[1], &list.base, &list.next_cursor);
    free(rd);
}

void webhooks_list_deliveries(crm_rpc_call_t *call, const Crm__Webhooks__ListDeliveriesRequest *req,
                              void *arg)
{
    crm_page_t pg;
    if (!webhooks_check_admin(call) || !crm_check_id(call, "webhook_id", req->webhook_id) ||
        !crm_check_page(call, &pg, &s_order, req->limit, 20, req->cursor))
        return;
    webhooks_t *w = arg;
    webhooks_read_t *rd = crm_calloc(1, sizeof *rd);
    *rd = (webhooks_read_t){.call = call, .page = pg};
    char id[24];
    const char *p[] = {crm_i64(id, req->webhook_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "wh_get", 1, p);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, webhooks_delivery_list_sql);
    crm_sqlbuf_addp_i64(q, "$?::bigint", req->webhook_id);
    crm_page_tail(q, &pg);
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(w->db, &b, s_listed, rd);
}

/* ---- RetryDelivery ---------------------------------------------------- */

static int s_retried(crm_txn_t *t, const crm_db_result_t *res)
{
    const PGresult *r = res->results[1];
    if (PQntuples(r) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "delivery not found");
    Crm__Webhooks__Delivery d = CRM__WEBHOOKS__DELIVERY__INIT;
    crm_err_t err;
    if (crm_row_to_message(r, 0, &d.base, &err) < 0)
        return crm_txn_refuse(t, err.status, err.field, "%s", err.message);
    crm_txn_reply(t, &d.base);
    return 0;
}

static int s_retry_decide(crm_txn_t *t)
{
    const Crm__Webhooks__RetryDeliveryRequest *req = crm_txn_request(t);
    char wid[24], id[24];
    const char *p[] = {crm_i64(wid, req->webhook_id), crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "wh_retry", 2, p);
    crm_db_batch_add(b, "wh_delivery_newest", 2, p);
    return crm_txn_then(t, &b, s_retried);
}

static const crm_txn_op_t s_retry_op = {.decide = s_retry_decide};

void webhooks_retry(crm_rpc_call_t *call, const Crm__Webhooks__RetryDeliveryRequest *req, void *arg)
{
    if (!webhooks_check_admin(call) || !crm_check_id(call, "webhook_id", req->webhook_id) ||
        !crm_check_id(call, "id", req->id))
        return;
    webhooks_t *w = arg;
    crm_txn_run(&w->env, call, &s_retry_op, NULL);
}

/* ---- Replay ----------------------------------------------------------- */

static void s_replay_read(crm_txn_t *t)
{
    const Crm__Webhooks__ReplayRequest *req = crm_txn_request(t);
    char id[24];
    const char *p[] = {crm_i64(id, req->webhook_id)};
    crm_txn_read(t, "webhook", "wh_get", 1, p);
    const char *q[] = {req->producer};
    crm_txn_read(t, "kept", "wh_kept_from", 1, q);
}

static int s_replayed(crm_txn_t *t, const crm_db_result_t *res)
{
    const Crm__Webhooks__ReplayRequest *req = crm_txn_request(t);
    Crm__Webhooks__ReplayReply reply = CRM__WEBHOOKS__REPLAY_REPLY__INIT;
    reply.queued = crm_db_get_i64(res->results[0], 0, 0);
    reply.kept_from = *(const uint64_t *)crm_txn_data(t); /* read in round 1 */
    reply.truncated = req->from_sequence < reply.kept_from;
    crm_txn_reply(t, &reply.base);
    return 0;
}

static int s_replay_decide(crm_txn_t *t)
{
    const Crm__Webhooks__ReplayRequest *req = crm_txn_request(t);
    if (PQntuples(crm_txn_result(t, "webhook")) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "webhook_id", "webhook not found");
    *(uint64_t *)crm_txn_data(t) = (uint64_t)crm_db_get_i64(crm_txn_result(t, "kept"), 0, 0);
    char id[24], from[24];
    const char *p[] = {crm_i64(id, req->webhook_id), req->producer,
                       crm_i64(from, (int64_t)req->from_sequence)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "wh_replay", 3, p);
    return crm_txn_then(t, &b, s_replayed);
}

static const crm_txn_op_t s_replay_op = {
    .read = s_replay_read, .decide = s_replay_decide, .done = free};

/* Is name a domain of the suite registry? */
static int s_is_domain(const char *name)
{
    const crm_registry_t *r = crm_registry_get();
    for (size_t i = 0; i < r->n_domains; i++)
        if (!strcmp(r->domains[i].name, name))
            return 1;
    return 0;
}

void webhooks_replay(crm_rpc_call_t *call, const Crm__Webhooks__ReplayRequest *req, void *arg)
{
    if (!webhooks_check_admin(call) || !crm_check_id(call, "webhook_id", req->webhook_id))
        return;
    if (!s_is_domain(req->producer)) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "producer",
                     "producer must be a service of the suite");
        return;
    }
    if (req->from_sequence < 1 || req->from_sequence > INT64_MAX) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "from_sequence",
                     "from_sequence must be at least 1");
        return;
    }
    webhooks_t *w = arg;
    crm_txn_run(&w->env, call, &s_replay_op, crm_calloc(1, sizeof(uint64_t))); /* kept_from */
}
