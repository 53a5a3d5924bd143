/* gateway_notify.c: the notification centre (通知待办). The gateway
 * consumes the leads and customers services' events (crm/consumer.h: each
 * applied exactly once) and keeps, per user, the ones that ask them to do
 * something: a next follow-up time come, a warning before recycling, a lead
 * given to them, a lead or customer taken back to its pool. Users list them
 * (Notifications.List) and mark them read (Notifications.MarkRead); the
 * live stream (gateway_events.c) pushes events as they happen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/event_types.h"
#include "crm/list.h"
#include "crm/log.h"
#include "crm/util.h"
#include "gateway.h"

/* The caller's notifications, newest first. */
static const crm_key_t s_keys[] = {CRM_KEY_ID};
static const crm_keyset_t s_order = {.tag = "notifications", .keys = s_keys, .n = 1};

/* The request's page (checked when the call came; read again for the
 * reply). */
static int s_page(const Crm__Gateway__ListNotificationsRequest *req, crm_page_t *pg, crm_err_t *err)
{
    return crm_page_check(pg, &s_order, req->limit, 20, req->cursor, err);
}
#define MAX_MARK 500

/* ---- from events --------------------------------------------------------- */

/* What an event type tells whom: the payload member naming the user, and
 * the title's words before the lead's or customer's name. */
static const struct {
    const char *type;
    const char *user; /* dotted path into the payload */
    const char *name; /* the record's name, or NULL */
    const char *title;
} s_kinds[] = {
    {"lead.reminder", "owner_id", "name", "今日待跟进线索"},
    {"lead.recycle_warning", "owner_id", "name", "线索即将被收回线索池"},
    {"lead.transferred", "to_owner_id", "lead.name", "线索转移给你"},
    {"lead.assigned", "to_owner_id", "lead.name", "线索池分配给你"},
    {"lead.recycled", "previous_owner_id", "lead.name", "线索已被收回线索池"},
    {"customer.recycled", "previous_owner_id", NULL, "客户已被收回公海"},
};

static json_t *s_at(json_t *j, const char *path)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); j && k; k = strtok_r(NULL, ".", &save))
        j = json_object_get(j, k);
    return j;
}

/* Adds the notification ev makes, if it makes one, to b. */
static void s_add(crm_db_batch_t *b, const Crm__Event *ev)
{
    size_t k = 0;
    while (k < sizeof s_kinds / sizeof s_kinds[0] && strcmp(s_kinds[k].type, ev->type) != 0)
        k++;
    if (k == sizeof s_kinds / sizeof s_kinds[0])
        return;
    json_t *j = crm_event_to_json(ev);
    json_t *payload = json_object_get(j, "payload");
    json_int_t user = json_integer_value(s_at(payload, s_kinds[k].user));
    if (user > 0) {
        const char *name = s_kinds[k].name ? json_string_value(s_at(payload, s_kinds[k].name)) : 0;
        char *title = name && *name ? crm_sprintf("%s：%s", s_kinds[k].title, name)
                                    : crm_sprintf("%s：%s", s_kinds[k].title, ev->aggregate_id);
        char *text = json_dumps(j, JSON_COMPACT);
        char uid[24];
        const char *p[] = {
            crm_i64(uid, (int64_t)user), ev->event_id, ev->type, title, ev->aggregate_id, text};
        crm_db_batch_add(b, "gw_notification_insert", 6, p);
        free(title);
        free(text);
    }
    json_decref(j);
}

static void s_inserted(void *arg, const crm_db_result_t *res)
{
    crm_consumer_batch_t *batch = arg;
    if (res->err)
        crm_log(CRM_WARN, "notifications not stored; retried", "error", res->message, NULL);
    crm_consumer_done(batch, NULL, !res->err);
}

static void s_apply(void *arg, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                    crm_consumer_batch_t *batch)
{
    crm_db_batch_t *b = crm_db_batch_new();
    for (size_t i = 0; i < n; i++)
        s_add(b, events[i]);
    if (crm_db_batch_size(b) == 0) {
        crm_db_batch_destroy(&b);
        crm_consumer_done(batch, NULL, 1);
        return;
    }
    crm_db_tx_submit(tx, &b, s_inserted, batch);
}

void gw_notify_start(gw_t *gw)
{
    crm_db_prepare(crm_service_db(gw->svc), "gw_notification_insert",
                   "INSERT INTO gw_notifications (user_id, event_id, type, title, aggregate_id,"
                   " event) VALUES ($1::bigint, $2::uuid, $3, $4, $5, $6)"
                   " ON CONFLICT (event_id, user_id) DO NOTHING");
    crm_service_consume(gw->svc, "leads", s_apply, gw, 0);
    crm_service_consume(gw->svc, "customers", s_apply, gw, 0);
}

/* ---- Notifications.List -------------------------------------------------- */

static void s_row(const PGresult *r, int i, Crm__Gateway__Notification *n)
{
    crm__gateway__notification__init(n);
    n->id = crm_db_get_i64(r, i, 0);
    n->type = (char *)crm_db_get(r, i, 1);
    n->title = (char *)crm_db_get(r, i, 2);
    n->aggregate_id = (char *)crm_db_get(r, i, 3);
    n->event = (char *)crm_db_get(r, i, 4);
    n->created_at_us = crm_db_get_i64(r, i, 5);
    n->read_at_us = crm_db_get_i64(r, i, 6);
}

static void s_listed(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    const Crm__Gateway__ListNotificationsRequest *req = (const void *)c->in;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    crm_page_t pg;
    s_page(req, &pg, NULL);
    char *next;
    size_t n = crm_page_rows(&pg, res->results[0], &next);
    const PGresult *r = res->results[0];
    Crm__Gateway__Notification *items = crm_calloc(n + 1, sizeof *items);
    Crm__Gateway__Notification **ptrs = crm_calloc(n + 1, sizeof *ptrs);
    for (size_t i = 0; i < n; i++) {
        s_row(r, (int)i, &items[i]);
        ptrs[i] = &items[i];
    }
    Crm__Gateway__ListNotificationsReply reply = CRM__GATEWAY__LIST_NOTIFICATIONS_REPLY__INIT;
    reply.items = ptrs;
    reply.n_items = n;
    reply.next_cursor = next ? next : "";
    reply.unread = crm_db_get_i64(res->results[1], 0, 0);
    gw_call_reply(c, &reply.base);
    free(items);
    free(ptrs);
    free(next);
}

static void s_list(gw_call_t *c)
{
    const Crm__Gateway__ListNotificationsRequest *req = (const void *)c->in;
    crm_page_t pg;
    crm_err_t err;
    if (s_page(req, &pg, &err) < 0) {
        gw_call_fail_err(c, &err);
        return;
    }
    char user[24], a[24], l[24];
    const char *p[] = {crm_i64(user, c->who.user_id), crm_i64(a, pg.after[0]),
                       crm_i64(l, pg.limit + 1), req->unread_only ? "true" : "false"};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_notification_list", 4, p);
    crm_db_batch_add(b, "gw_notification_unread", 1, p);
    crm_db_submit(c->gw->db, &b, s_listed, c);
}

/* ---- Notifications.MarkRead ---------------------------------------------- */

static void s_marked(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    Crm__Gateway__MarkNotificationsReadReply reply =
        CRM__GATEWAY__MARK_NOTIFICATIONS_READ_REPLY__INIT;
    reply.marked = atoll(PQcmdTuples(res->results[0]));
    gw_call_reply(c, &reply.base);
}

static void s_mark_read(gw_call_t *c)
{
    const Crm__Gateway__MarkNotificationsReadRequest *req = (const void *)c->in;
    if (req->all == (req->n_ids > 0) || req->n_ids > MAX_MARK) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "ids", "give 1 to %d ids, or all: true",
                     MAX_MARK);
        return;
    }
    for (size_t i = 0; i < req->n_ids; i++) {
        if (req->ids[i] < 1) {
            gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "ids", "id %lld is not valid",
                         (long long)req->ids[i]);
            return;
        }
    }
    char user[24];
    char *ids = crm_db_i64_array(req->ids, req->n_ids);
    const char *p[] = {crm_i64(user, c->who.user_id), ids, req->all ? "true" : "false"};
    crm_db_exec(c->gw->db, "gw_notification_mark", 3, p, s_marked, c);
    free(ids);
}

void gw_notify_prepare(crm_db_t *db)
{
    /* Only the caller's own: another user's ids are simply not theirs. */
    crm_db_prepare(db, "gw_notification_list",
                   "SELECT id, type, title, aggregate_id, event, crm_us(created_at),"
                   " COALESCE(crm_us(read_at), 0) FROM gw_notifications WHERE user_id = $1::bigint"
                   " AND ($2::bigint = 0 OR id < $2::bigint)"
                   " AND (NOT $4::boolean OR read_at IS NULL) ORDER BY id DESC LIMIT $3::int");
    crm_db_prepare(db, "gw_notification_unread",
                   "SELECT count(*) FROM gw_notifications WHERE user_id = $1::bigint"
                   " AND read_at IS NULL");
    crm_db_prepare(db, "gw_notification_mark",
                   "UPDATE gw_notifications SET read_at = now() WHERE user_id = $1::bigint"
                   " AND read_at IS NULL AND ($3::boolean OR id = ANY($2::bigint[]))");
}

void (*gw_notify_handler(const char *method))(gw_call_t *c)
{
    if (!strcmp(method, "List"))
        return s_list;
    if (!strcmp(method, "MarkRead"))
        return s_mark_read;
    return NULL;
}
