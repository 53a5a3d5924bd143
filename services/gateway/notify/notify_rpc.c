/* notify_rpc.c: Notifications.* (proto/gateway.proto): a user lists their
 * own notifications, newest first, with the unread count (List), and marks
 * them read (MarkRead, a crm_txn op); the live stream is the HTTP layer's
 * (gateway_events.c). */
#include <stdlib.h>

#include "crm/check.h"
#include "crm/list.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "notify_impl.h"

#define MAX_MARK 500

/* The caller's notifications, newest first. */
static const crm_key_t s_keys[] = {CRM_KEY_ID};
static const crm_keyset_t s_order = {.tag = "notifications", .keys = s_keys, .n = 1};

/* ---- Notifications.List ------------------------------------------------------ */

static void s_listed(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    const Crm__Gateway__ListNotificationsRequest *req = (const void *)crm_rpc_call_request(call);
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    crm_page_t pg;
    crm_page_check_max(&pg, &s_order, req->limit, 20, crm_page_max(call), req->cursor,
                       NULL); /* checked before */
    char *next;
    const PGresult *r = res->results[0];
    size_t n = crm_page_rows(&pg, r, &next);
    Crm__Gateway__ListNotificationsReply reply = CRM__GATEWAY__LIST_NOTIFICATIONS_REPLY__INIT;
    crm_rowmap_items(&reply.base, "items", r, n, NULL);
    reply.next_cursor = next ? next : "";
    reply.unread = crm_db_get_i64(res->results[1], 0, 0);
    if (req->total)
        crm_page_set_total(&reply.base, res->results[2]);
    crm_rpc_reply(call, &reply.base);
    crm_rowmap_items_clear(&reply.base, "items");
    free(next);
}

static void s_list(crm_rpc_call_t *call, const Crm__Gateway__ListNotificationsRequest *req,
                   void *arg)
{
    gw_notify_t *ntf = arg;
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &s_order, req->limit, 20, req->cursor))
        return;
    char user[24], a[24], l[24];
    const char *p[] = {crm_i64(user, crm_rpc_call_caller(call)->user_id), crm_i64(a, pg.after[0]),
                       crm_i64(l, pg.limit + 1), req->unread_only ? "true" : "false"};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_notification_list", 4, p);
    crm_db_batch_add(b, "gw_notification_unread", 1, p);
    if (req->total) {
        const char *q[] = {p[0], p[3]};
        crm_db_batch_add(b, "gw_notification_count", 2, q);
    }
    crm_db_submit(ntf->db, &b, s_listed, call);
}

/* ---- Notifications.MarkRead -------------------------------------------------- */

static int s_marked(crm_txn_t *t, const crm_db_result_t *res)
{
    Crm__Gateway__MarkNotificationsReadReply reply =
        CRM__GATEWAY__MARK_NOTIFICATIONS_READ_REPLY__INIT;
    reply.marked = atoll(PQcmdTuples(res->results[0]));
    crm_txn_reply(t, &reply.base);
    return 0;
}

static int s_mark_decide(crm_txn_t *t)
{
    const Crm__Gateway__MarkNotificationsReadRequest *req = crm_txn_request(t);
    char user[24];
    char *ids = crm_db_i64_array(req->ids, req->n_ids);
    const char *p[] = {crm_i64(user, crm_txn_caller(t)->user_id), ids, req->all ? "true" : "false"};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_notification_mark", 3, p);
    free(ids);
    return crm_txn_then(t, &b, s_marked);
}

static const crm_txn_op_t s_mark_op = {.decide = s_mark_decide};

static void s_mark_read(crm_rpc_call_t *call, const Crm__Gateway__MarkNotificationsReadRequest *req,
                        void *arg)
{
    gw_notify_t *ntf = arg;
    if (req->all == (req->n_ids > 0) || req->n_ids > MAX_MARK) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "ids", "give 1 to %d ids, or all: true",
                     MAX_MARK);
        return;
    }
    for (size_t i = 0; i < req->n_ids; i++) {
        if (req->ids[i] < 1) {
            crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "ids", "id %lld is not valid",
                         (long long)req->ids[i]);
            return;
        }
    }
    crm_txn_run(&ntf->env, call, &s_mark_op, NULL);
}

void ntf_rpc_fill(notifications_handlers_t *h)
{
    h->list = s_list;
    h->mark_read = s_mark_read;
}
