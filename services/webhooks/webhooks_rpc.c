/* webhooks_rpc.c: the Webhooks.* handlers of subscriptions: create, list,
 * get, update (PATCH), delete. Writes are txn ops (crm/txn.h): a retried
 * call gets the first answer. Admins only. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/list.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "webhooks.h"

#define DESCRIPTION_MAX 500

static const crm_key_t s_id_key[] = {CRM_KEY_ID};
static const crm_keyset_t s_order = {.tag = "webhook:id", .keys = s_id_key, .n = 1, .ascending = 1};

int webhooks_check_admin(crm_rpc_call_t *call)
{
    Crm__Role role = crm_rpc_call_caller(call)->role;
    if (role == CRM__ROLE__ROLE_ADMIN || role == CRM__ROLE__ROLE_SYSTEM)
        return 1;
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin may manage webhooks");
    return 0;
}

/* The reply of a write that returns one webhook row (RETURNING), or
 * not_found for field id. */
static int s_reply_row(crm_txn_t *t, const crm_db_result_t *res)
{
    const PGresult *r = res->results[res->nresults - 1];
    if (PQntuples(r) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "webhook not found");
    Crm__Webhooks__Webhook wh = CRM__WEBHOOKS__WEBHOOK__INIT;
    crm_err_t err;
    if (crm_row_to_message(r, 0, &wh.base, &err) < 0)
        return crm_txn_refuse(t, err.status, err.field, "%s", err.message);
    crm_txn_reply(t, &wh.base);
    crm_rowmap_clear(&wh.base);
    return 0;
}

/* ---- Create ----------------------------------------------------------- */

static int s_create_decide(crm_txn_t *t)
{
    const Crm__Webhooks__CreateWebhookRequest *req = crm_txn_request(t);
    char *types = crm_db_text_array(req->event_types, req->n_event_types);
    char *secret = *req->secret ? crm_strdup(req->secret) : wh_secret_new();
    const char *p[] = {req->url, types, req->description, secret};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "wh_insert", 4, p);
    free(types);
    free(secret);
    return crm_txn_then(t, &b, s_reply_row);
}

static const crm_txn_op_t s_create_op = {.decide = s_create_decide};

static void s_create(crm_rpc_call_t *call, const Crm__Webhooks__CreateWebhookRequest *req,
                     void *arg)
{
    crm_err_t err;
    if (!webhooks_check_admin(call) ||
        !crm_check_text(call, "description", req->description, DESCRIPTION_MAX, 0))
        return;
    if (wh_check_url(req->url, &err) < 0 ||
        wh_check_patterns(req->event_types, req->n_event_types, "event_types", &err) < 0 ||
        (*req->secret && wh_check_secret(req->secret, &err) < 0)) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    webhooks_t *w = arg;
    crm_txn_run(&w->env, call, &s_create_op, NULL);
}

/* ---- Get, List -------------------------------------------------------- */

static void s_got(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    crm_err_t err;
    Crm__Webhooks__Webhook wh = CRM__WEBHOOKS__WEBHOOK__INIT;
    if (res->err)
        crm_fail_db(call, res);
    else if (PQntuples(res->results[0]) == 0)
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "id", "webhook not found");
    else if (crm_row_to_message(res->results[0], 0, &wh.base, &err) < 0)
        crm_rpc_fail_err(call, &err);
    else
        crm_rpc_reply(call, &wh.base);
    crm_rowmap_clear(&wh.base);
}

static void s_get(crm_rpc_call_t *call, const Crm__Webhooks__GetWebhookRequest *req, void *arg)
{
    if (!webhooks_check_admin(call) || !crm_check_id(call, "id", req->id))
        return;
    webhooks_t *w = arg;
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_exec(w->db, "wh_get", 1, p, s_got, call);
}

void webhooks_reply_page(webhooks_read_t *rd, const PGresult *r, ProtobufCMessage *list,
                         char **next_cursor)
{
    char *cursor = NULL;
    size_t shown = crm_call_page_rows(rd->call, &rd->page, r, &cursor);
    crm_err_t err;
    if (crm_rowmap_items(list, "items", r, shown, &err) < 0) {
        crm_rpc_fail_err(rd->call, &err);
    } else {
        *next_cursor = cursor ? cursor : "";
        crm_rpc_reply(rd->call, list);
    }
    crm_rowmap_items_clear(list, "items");
    free(cursor);
}

static void s_listed(void *arg, const crm_db_result_t *res)
{
    webhooks_read_t *rd = arg;
    Crm__Webhooks__ListWebhooksReply list = CRM__WEBHOOKS__LIST_WEBHOOKS_REPLY__INIT;
    if (res->err)
        crm_fail_db(rd->call, res);
    else
        webhooks_reply_page(rd, res->results[0], &list.base, &list.next_cursor);
    free(rd);
}

static void s_list(crm_rpc_call_t *call, const Crm__Webhooks__ListWebhooksRequest *req, void *arg)
{
    crm_page_t pg;
    if (!webhooks_check_admin(call) ||
        !crm_check_page(call, &pg, &s_order, req->limit, 20, req->cursor))
        return;
    webhooks_t *w = arg;
    webhooks_read_t *rd = crm_calloc(1, sizeof *rd);
    *rd = (webhooks_read_t){.call = call, .page = pg};
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE true");
    crm_page_tail(q, &pg);
    crm_db_batch_t *b = crm_db_batch_new();
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(w->db, &b, s_listed, rd);
}

/* ---- Update, Delete --------------------------------------------------- */

/* Does the request's update_mask name field? */
static int s_masked(const Crm__Webhooks__UpdateWebhookRequest *req, const char *field)
{
    for (size_t i = 0; i < req->n_update_mask; i++)
        if (!strcmp(req->update_mask[i], field))
            return 1;
    return 0;
}

static int s_update_decide(crm_txn_t *t)
{
    const Crm__Webhooks__UpdateWebhookRequest *req = crm_txn_request(t);
    char id[24];
    char *types = s_masked(req, "event_types")
                      ? crm_db_text_array(req->event_types, req->n_event_types)
                      : NULL;
    const char *p[] = {crm_i64(id, req->id), s_masked(req, "url") ? req->url : NULL, types,
                       s_masked(req, "description") ? req->description : NULL,
                       s_masked(req, "paused") ? (req->paused ? "true" : "false") : NULL};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "wh_update", 5, p);
    free(types);
    return crm_txn_then(t, &b, s_reply_row);
}

static const crm_txn_op_t s_update_op = {.decide = s_update_decide};

static const char *const s_updatable[] = {"url", "event_types", "description", "paused"};

/* The mask: at least one name, each of an updatable field. */
static int s_check_mask(const Crm__Webhooks__UpdateWebhookRequest *req, crm_err_t *err)
{
    if (req->n_update_mask == 0)
        return crm_err_invalid(err, "update_mask",
                               "update_mask must name the fields to change (url, event_types,"
                               " description, paused)");
    for (size_t i = 0; i < req->n_update_mask; i++) {
        size_t k = 0;
        while (k < 4 && strcmp(req->update_mask[i], s_updatable[k]))
            k++;
        if (k == 4)
            return crm_err_invalid(err, "update_mask", "\"%.40s\" is not a field one may change",
                                   req->update_mask[i]);
    }
    return 0;
}

static void s_update(crm_rpc_call_t *call, const Crm__Webhooks__UpdateWebhookRequest *req,
                     void *arg)
{
    crm_err_t err;
    if (!webhooks_check_admin(call) || !crm_check_id(call, "id", req->id) ||
        (s_masked(req, "description") &&
         !crm_check_text(call, "description", req->description, DESCRIPTION_MAX, 0)))
        return;
    if (s_check_mask(req, &err) < 0 || (s_masked(req, "url") && wh_check_url(req->url, &err) < 0) ||
        (s_masked(req, "event_types") &&
         wh_check_patterns(req->event_types, req->n_event_types, "event_types", &err) < 0)) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    webhooks_t *w = arg;
    crm_txn_run(&w->env, call, &s_update_op, NULL);
}

static int s_delete_decide(crm_txn_t *t)
{
    const Crm__Webhooks__DeleteWebhookRequest *req = crm_txn_request(t);
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "wh_delete", 1, p);
    return crm_txn_then(t, &b, s_reply_row);
}

static const crm_txn_op_t s_delete_op = {.decide = s_delete_decide};

static void s_delete(crm_rpc_call_t *call, const Crm__Webhooks__DeleteWebhookRequest *req,
                     void *arg)
{
    if (!webhooks_check_admin(call) || !crm_check_id(call, "id", req->id))
        return;
    webhooks_t *w = arg;
    crm_txn_run(&w->env, call, &s_delete_op, NULL);
}

void webhooks_rpc_register(webhooks_t *w)
{
    w->handlers = (webhooks_handlers_t){
        .arg = w,
        .create = s_create,
        .list = s_list,
        .get = s_get,
        .update = s_update,
        .delete = s_delete,
        .list_deliveries = webhooks_list_deliveries,
        .retry_delivery = webhooks_retry,
        .replay = webhooks_replay,
    };
    webhooks_serve(crm_service_rpc(w->svc), &w->handlers);
}
