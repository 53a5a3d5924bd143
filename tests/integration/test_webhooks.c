/* test_webhooks.c: webhooks on real processes (leads, scheduler, webhooks,
 * the gateway) and a real receiver in this process: subscriptions over
 * HTTP (create shows the secret once, list, get, PATCH, delete) and each
 * bad input refused naming its field; events of the leads service
 * delivered to two subscriptions through a receiver that fails (500),
 * times out and is restarted: every event arrives, in order per
 * subscription, and verifies (Standard Webhooks, checked with OpenSSL
 * from the specification); a subscription paused after N failures in a
 * row keeps its deliveries and resumes in order; retry and replay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"
#include "wh.h"

static h_t *h;
static t_rcv_t *rcv;

static const char *const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/* Calls a Webhooks RPC as the system; its status, the error in *err. */
static Crm__Status s_call(const char *method, const ProtobufCMessage *req,
                          const ProtobufCMessageDescriptor *out, ProtobufCMessage **reply,
                          char **err)
{
    return t_call(h, "webhooks", method, req, out, t_system(), reply, err);
}

/* Expects method to refuse req with status, naming field. */
static void s_refused(const char *method, const ProtobufCMessage *req, Crm__Status status,
                      const char *field)
{
    char *err = NULL;
    Crm__Status st = s_call(method, req, &crm__webhooks__webhook__descriptor, NULL, &err);
    char want[64];
    snprintf(want, sizeof want, "[%s]", field);
    H_CHECK(st == status && err && strstr(err, want), "%s: want %d %s, got %d %s", method, status,
            want, st, err ? err : "");
    free(err);
}

static void s_create_refused(const char *url, const char *patterns, const char *secret,
                             const char *field)
{
    Crm__Webhooks__CreateWebhookRequest req = CRM__WEBHOOKS__CREATE_WEBHOOK_REQUEST__INIT;
    req.url = (char *)url;
    req.n_event_types = crm_split_csv(patterns, &req.event_types);
    req.secret = (char *)secret;
    s_refused("Webhooks.Create", &req.base, CRM__STATUS__INVALID_ARGUMENT, field);
    crm_strv_free(req.event_types, req.n_event_types);
}

static void test_bad_input(void)
{
    const char *ok = "http://127.0.0.1:9/x";
    s_create_refused("ftp://example.com/x", "lead.*", "", "url");
    s_create_refused("http://", "lead.*", "", "url");
    s_create_refused("http://exa mple.com", "lead.*", "", "url");
    s_create_refused(ok, "", "", "event_types");
    s_create_refused(ok, "lead.**", "", "event_types");
    s_create_refused(ok, "Lead.Created", "", "event_types");
    s_create_refused(ok, "lead", "", "event_types");
    s_create_refused(ok, "nothing.*", "", "event_types"); /* matches no event type */
    s_create_refused(ok, "lead.*", "secret", "secret");
    s_create_refused(ok, "lead.*", "whsec_c2hvcnQ=", "secret"); /* 5 bytes */
    s_create_refused(ok, "lead.*", "whsec_!!!", "secret");
    Crm__Webhooks__GetWebhookRequest get = CRM__WEBHOOKS__GET_WEBHOOK_REQUEST__INIT;
    get.id = 999999;
    s_refused("Webhooks.Get", &get.base, CRM__STATUS__NOT_FOUND, "id");
    get.id = 0;
    s_refused("Webhooks.Get", &get.base, CRM__STATUS__INVALID_ARGUMENT, "id");
    Crm__Webhooks__DeleteWebhookRequest del = CRM__WEBHOOKS__DELETE_WEBHOOK_REQUEST__INIT;
    del.id = 999999;
    s_refused("Webhooks.Delete", &del.base, CRM__STATUS__NOT_FOUND, "id");
    Crm__Webhooks__UpdateWebhookRequest up = CRM__WEBHOOKS__UPDATE_WEBHOOK_REQUEST__INIT;
    up.id = 999999;
    s_refused("Webhooks.Update", &up.base, CRM__STATUS__INVALID_ARGUMENT, "update_mask");
    char *mask[] = {"paused"}, *bad_mask[] = {"secret"};
    up.update_mask = mask;
    up.n_update_mask = 1;
    s_refused("Webhooks.Update", &up.base, CRM__STATUS__NOT_FOUND, "id");
    up.update_mask = bad_mask;
    s_refused("Webhooks.Update", &up.base, CRM__STATUS__INVALID_ARGUMENT, "update_mask");
    char *url_mask[] = {"url"};
    up.update_mask = url_mask;
    up.url = "mailto:x@example.com";
    s_refused("Webhooks.Update", &up.base, CRM__STATUS__INVALID_ARGUMENT, "url");
    Crm__Webhooks__ListDeliveriesRequest ld = CRM__WEBHOOKS__LIST_DELIVERIES_REQUEST__INIT;
    ld.webhook_id = 999999;
    s_refused("Webhooks.ListDeliveries", &ld.base, CRM__STATUS__NOT_FOUND, "webhook_id");
    ld.limit = 500;
    s_refused("Webhooks.ListDeliveries", &ld.base, CRM__STATUS__INVALID_ARGUMENT, "limit");
    Crm__Webhooks__RetryDeliveryRequest rt = CRM__WEBHOOKS__RETRY_DELIVERY_REQUEST__INIT;
    rt.webhook_id = 999999;
    rt.id = 1;
    s_refused("Webhooks.RetryDelivery", &rt.base, CRM__STATUS__NOT_FOUND, "id");
    Crm__Webhooks__ReplayRequest rp = CRM__WEBHOOKS__REPLAY_REQUEST__INIT;
    rp.webhook_id = 999999;
    rp.producer = "leads";
    rp.from_sequence = 1;
    s_refused("Webhooks.Replay", &rp.base, CRM__STATUS__NOT_FOUND, "webhook_id");
    rp.producer = "nobody";
    s_refused("Webhooks.Replay", &rp.base, CRM__STATUS__INVALID_ARGUMENT, "producer");
    rp.producer = "leads";
    rp.from_sequence = 0;
    s_refused("Webhooks.Replay", &rp.base, CRM__STATUS__INVALID_ARGUMENT, "from_sequence");
    /* Admins only: an employee is refused by the service itself. */
    Crm__Webhooks__ListWebhooksRequest lw = CRM__WEBHOOKS__LIST_WEBHOOKS_REQUEST__INIT;
    char *err = NULL;
    Crm__Status st =
        t_call(h, "webhooks", "Webhooks.List", &lw.base,
               &crm__webhooks__list_webhooks_reply__descriptor, t_employee(7, 1), NULL, &err);
    H_CHECK(st == CRM__STATUS__PERMISSION_DENIED, "an employee lists webhooks: %d %s", st,
            err ? err : "");
    free(err);
    h_note("webhooks bad input: ok");
}

/* The CRUD routes over HTTP (statuses and plain fields only). */
static void test_http(void)
{
    const char *base = h_gateway(h);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_resp_t r;
    t_httpf(&r, "POST", base, admin,
            "{\"url\": \"http://127.0.0.1:9/h\", \"event_types\": [\"customer.*\","
            " \"lead.converted\"], \"description\": \"erp\"}",
            "/api/v1/webhooks");
    H_CHECK(r.status == 200 || r.status == 201, "create: %d %s", r.status, r.raw);
    long long id = t_json_int(&r, "id");
    H_CHECK(id > 0 && !strncmp(t_json_str(&r, "secret"), "whsec_", 6), "create: %s", r.raw);
    t_resp_free(&r);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/webhooks/%lld", id);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "secret"), "") && !strcmp(t_json_str(&r, "description"), "erp"),
            "the secret is shown once: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, admin, "{\"paused\": true}", path);
    H_CHECK(strstr(r.raw, "\"paused\":true") || strstr(r.raw, "\"paused\": true"), "%s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/webhooks?limit=5");
    H_CHECK(t_json_int(&r, "items.0.id") == id, "listed: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(400, "POST", base, admin, "{\"url\": \"ftp://x\", \"event_types\": [\"lead.*\"]}",
                 "/api/v1/webhooks");
    t_resp_free(&r);
    r = t_expect(200, "DELETE", base, admin, NULL, path);
    t_resp_free(&r);
    r = t_expect(404, "GET", base, admin, NULL, path);
    t_resp_free(&r);
    free(admin);
    h_stop(h, "gateway", 0);
    h_note("webhooks over HTTP: ok");
}

/* Makes n leads (n lead.created events). */
static void s_leads(int n, int *made)
{
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "hook lead %d", ++*made);
        t_create_lead(h, name, "", 1);
    }
}

static Crm__Webhooks__Webhook *s_get(int64_t id)
{
    Crm__Webhooks__GetWebhookRequest req = CRM__WEBHOOKS__GET_WEBHOOK_REQUEST__INIT;
    req.id = id;
    ProtobufCMessage *out = NULL;
    char *err = NULL;
    Crm__Status st =
        s_call("Webhooks.Get", &req.base, &crm__webhooks__webhook__descriptor, &out, &err);
    H_CHECK(st == CRM__STATUS__OK, "Get %lld: %s", (long long)id, err ? err : "");
    return (Crm__Webhooks__Webhook *)out;
}

static void s_update(int64_t id, const char *field, int paused)
{
    Crm__Webhooks__UpdateWebhookRequest req = CRM__WEBHOOKS__UPDATE_WEBHOOK_REQUEST__INIT;
    char *mask[] = {(char *)field};
    req.id = id;
    req.update_mask = mask;
    req.n_update_mask = 1;
    req.paused = paused;
    char *err = NULL;
    Crm__Status st =
        s_call("Webhooks.Update", &req.base, &crm__webhooks__webhook__descriptor, NULL, &err);
    H_CHECK(st == CRM__STATUS__OK, "Update %lld: %s", (long long)id, err ? err : "");
}

static void s_delete(int64_t id)
{
    Crm__Webhooks__DeleteWebhookRequest req = CRM__WEBHOOKS__DELETE_WEBHOOK_REQUEST__INIT;
    req.id = id;
    H_CHECK(s_call("Webhooks.Delete", &req.base, &crm__webhooks__webhook__descriptor, NULL, NULL) ==
                CRM__STATUS__OK,
            "Delete %lld", (long long)id);
}

static Crm__Webhooks__ListDeliveriesReply *s_deliveries(int64_t id)
{
    Crm__Webhooks__ListDeliveriesRequest req = CRM__WEBHOOKS__LIST_DELIVERIES_REQUEST__INIT;
    req.webhook_id = id;
    req.limit = 200;
    ProtobufCMessage *out = NULL;
    H_CHECK(s_call("Webhooks.ListDeliveries", &req.base,
                   &crm__webhooks__list_deliveries_reply__descriptor, &out,
                   NULL) == CRM__STATUS__OK,
            "ListDeliveries %lld", (long long)id);
    return (Crm__Webhooks__ListDeliveriesReply *)out;
}

static int made;

/* Two subscriptions, a receiver that fails, hangs and restarts: every
 * event arrives at both, in order, verified. */
static void test_delivery(void)
{
    char *ua = t_rcv_url(rcv, "/a"), *ub = t_rcv_url(rcv, "/b");
    Crm__Webhooks__Webhook *a = t_wh_create(h, ua, "lead.*", SECRET);
    Crm__Webhooks__Webhook *b = t_wh_create(h, ub, "lead.created", NULL);
    H_CHECK(!strcmp(a->secret, SECRET), "a given secret is kept");
    H_CHECK(!strncmp(b->secret, "whsec_", 6) && strlen(b->secret) >= 6 + 32, "made: %s", b->secret);
    t_rcv_mode(rcv, T_RCV_FAIL, 3);
    s_leads(10, &made);
    for (int i = 0; i < 1000 && t_rcv_count(rcv) < 6; i++)
        usleep(20000);
    H_CHECK(t_rcv_count(rcv) >= 6, "the first deliveries arrive");
    t_rcv_mode(rcv, T_RCV_HANG, 2); /* the sender's timeout (500 ms) */
    s_leads(10, &made);
    usleep(1500000);
    t_rcv_stop(rcv); /* connections refused, then back */
    usleep(400000);
    t_rcv_start(rcv);
    s_leads(10, &made);
    size_t n;
    char **ids = t_wh_published(h, "leads", "lead.created", 30, &n);
    size_t ra = t_wh_expect(rcv, "/a", SECRET, ids, n, 30000);
    size_t rb = t_wh_expect(rcv, "/b", b->secret, ids, n, 30000);
    h_note("30 events at two subscriptions through 500s, timeouts and a restart: ok (%zu, %zu "
           "repeated)",
           ra, rb);
    /* The records say the same: all delivered, some after several attempts. */
    Crm__Webhooks__ListDeliveriesReply *l = s_deliveries(a->id);
    int retried = 0;
    H_CHECK(l->n_items == 30, "30 deliveries listed, %zu", l->n_items);
    for (size_t i = 0; i < l->n_items; i++) {
        H_CHECK(l->items[i]->status == CRM__WEBHOOKS__DELIVERY_STATUS__DELIVERY_STATUS_DELIVERED,
                "delivery %lld delivered", (long long)l->items[i]->id);
        retried += l->items[i]->attempts > 1;
    }
    H_CHECK(retried > 0, "some deliveries took several attempts");
    /* A verifier that cannot fail proves nothing: a changed body, another
     * secret and a stale timestamp are refused. */
    size_t nv;
    t_rcv_req_t *v = t_rcv_reqs(rcv, &nv);
    int64_t now = (int64_t)time(NULL);
    H_CHECK(t_wh_verify(SECRET, v[nv - 1].id, v[nv - 1].timestamp, v[nv - 1].body,
                        v[nv - 1].signature, now, 300) ||
                t_wh_verify(b->secret, v[nv - 1].id, v[nv - 1].timestamp, v[nv - 1].body,
                            v[nv - 1].signature, now, 300),
            "the last request verifies");
    const char *sec = !strcmp(v[nv - 1].path, "/a") ? SECRET : b->secret;
    H_CHECK(
        !t_wh_verify(sec, v[nv - 1].id, v[nv - 1].timestamp, "{}", v[nv - 1].signature, now, 300),
        "a changed body does not verify");
    H_CHECK(!t_wh_verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", v[nv - 1].id,
                         v[nv - 1].timestamp, v[nv - 1].body, v[nv - 1].signature, now, 300),
            "another secret does not verify");
    H_CHECK(!t_wh_verify(sec, v[nv - 1].id, v[nv - 1].timestamp, v[nv - 1].body,
                         v[nv - 1].signature, now + 301, 300),
            "a timestamp over five minutes old does not verify");
    t_rcv_free_reqs(v, nv);
    protobuf_c_message_free_unpacked(&l->base, NULL);
    crm_strv_free(ids, n);
    s_delete(a->id);
    s_delete(b->id);
    protobuf_c_message_free_unpacked(&a->base, NULL);
    protobuf_c_message_free_unpacked(&b->base, NULL);
    free(ua);
    free(ub);
}

/* Paused after CRM_WEBHOOK_MAX_FAILURES (3) failures in a row, its
 * deliveries kept; resumed, they go out in order. Then retry and replay. */
static void test_pause_resume(void)
{
    h_stop(h, "webhooks", 0);
    h_setenv(h, "CRM_WEBHOOK_MAX_FAILURES=3");
    h_start(h, "webhooks", 0);
    char *uc = t_rcv_url(rcv, "/c");
    Crm__Webhooks__Webhook *c = t_wh_create(h, uc, "lead.created", NULL);
    size_t before = t_rcv_count(rcv);
    t_rcv_mode(rcv, T_RCV_FAIL, -1);
    s_leads(3, &made);
    Crm__Webhooks__Webhook *g = NULL;
    for (int i = 0; i < 300; i++) {
        protobuf_c_message_free_unpacked(g ? &g->base : NULL, NULL);
        g = s_get(c->id);
        if (g->paused)
            break;
        usleep(20000);
    }
    H_CHECK(g->paused && g->failures == 3, "paused after 3 failures (%d)", g->failures);
    size_t at_pause = t_rcv_count(rcv);
    H_CHECK(at_pause - before == 3, "3 attempts, %zu", at_pause - before);
    usleep(1000000);
    H_CHECK(t_rcv_count(rcv) == at_pause, "nothing is sent while paused");
    Crm__Webhooks__ListDeliveriesReply *l = s_deliveries(c->id);
    H_CHECK(l->n_items == 3, "3 deliveries kept, %zu", l->n_items);
    for (size_t i = 0; i < l->n_items; i++)
        H_CHECK(l->items[i]->status == CRM__WEBHOOKS__DELIVERY_STATUS__DELIVERY_STATUS_PENDING &&
                    (i != 2 || (l->items[i]->attempts == 3 &&
                                l->items[i]->last_status_code == 500 && *l->items[i]->last_error)),
                "delivery %zu pending (attempts %d)", i, l->items[i]->attempts);
    protobuf_c_message_free_unpacked(&l->base, NULL);
    t_rcv_mode(rcv, T_RCV_OK, 0);
    s_update(c->id, "paused", 0);
    size_t n;
    char **all = t_wh_published(h, "leads", "lead.created", 0, &n);
    t_wh_expect(rcv, "/c", c->secret, all + n - 3, 3, 20000);
    h_note("paused after 3 failures, resumed in order: ok");

    /* Retry a delivered one: sent again. Replay from the start: every
     * lead.created again, in order. */
    l = s_deliveries(c->id);
    size_t sent = t_rcv_count(rcv);
    Crm__Webhooks__RetryDeliveryRequest rt = CRM__WEBHOOKS__RETRY_DELIVERY_REQUEST__INIT;
    rt.webhook_id = c->id;
    rt.id = l->items[0]->id;
    ProtobufCMessage *out = NULL;
    H_CHECK(s_call("Webhooks.RetryDelivery", &rt.base, &crm__webhooks__delivery__descriptor, &out,
                   NULL) == CRM__STATUS__OK,
            "RetryDelivery");
    Crm__Webhooks__Delivery *d = (Crm__Webhooks__Delivery *)out;
    H_CHECK(d->id > l->items[0]->id && !strcmp(d->event_id, l->items[0]->event_id),
            "a delivered one is sent again as a new delivery");
    protobuf_c_message_free_unpacked(out, NULL);
    protobuf_c_message_free_unpacked(&l->base, NULL);
    Crm__Webhooks__ReplayRequest rp = CRM__WEBHOOKS__REPLAY_REQUEST__INIT;
    rp.webhook_id = c->id;
    rp.producer = "leads";
    rp.from_sequence = 1;
    H_CHECK(s_call("Webhooks.Replay", &rp.base, &crm__webhooks__replay_reply__descriptor, &out,
                   NULL) == CRM__STATUS__OK,
            "Replay");
    int64_t queued = ((Crm__Webhooks__ReplayReply *)out)->queued;
    H_CHECK(!((Crm__Webhooks__ReplayReply *)out)->truncated &&
                ((Crm__Webhooks__ReplayReply *)out)->kept_from == 1,
            "every event since the first is kept: the replay is whole");
    protobuf_c_message_free_unpacked(out, NULL);
    H_CHECK(queued == (int64_t)n, "replay queued every lead.created: %lld of %zu",
            (long long)queued, n);
    for (int i = 0; i < 1000 && t_rcv_count(rcv) < sent + 1 + n; i++)
        usleep(20000);
    H_CHECK(t_rcv_count(rcv) == sent + 1 + n, "the retry and the replay arrive: %zu of %zu",
            t_rcv_count(rcv) - sent, 1 + n);
    size_t nv;
    t_rcv_req_t *v = t_rcv_reqs(rcv, &nv);
    for (size_t i = 0; i < n; i++)
        H_CHECK(!strcmp(v[nv - n + i].id, all[i]), "replayed in order (%zu)", i);
    t_rcv_free_reqs(v, nv);
    h_note("retry and replay: ok");
    crm_strv_free(all, n);
    protobuf_c_message_free_unpacked(&g->base, NULL);
    protobuf_c_message_free_unpacked(&c->base, NULL);
    free(uc);
}

/* A stop while a request is in flight is clean (exit 0, no leak).
 * Delivered deliveries and the events nobody waits for go after
 * CRM_WEBHOOK_KEEP_HOURS (0 here); a waiting delivery and its event stay. */
static void test_prune(void)
{
    char *ud = t_rcv_url(rcv, "/d"), *ue = t_rcv_url(rcv, "/e");
    Crm__Webhooks__Webhook *d = t_wh_create(h, ud, "lead.created", NULL);
    Crm__Webhooks__Webhook *e = t_wh_create(h, ue, "lead.created", NULL);
    s_update(d->id, "paused", 1);
    t_rcv_mode(rcv, T_RCV_HANG, 1);
    s_leads(1, &made);
    char *q = crm_sprintf("SELECT count(*) FROM webhook_deliveries WHERE webhook_id = %lld",
                          (long long)d->id);
    H_CHECK(h_wait_sql(h, "webhooks", q, 1, 10000) == 1, "a delivery waits");
    for (int i = 0; i < 500 && t_rcv_mode_left(rcv) != 0; i++)
        usleep(10000);
    H_CHECK(t_rcv_mode_left(rcv) == 0, "a request is in flight");
    h_stop(h, "webhooks", 0);
    h_note("stopped with a request in flight: ok");
    h_setenv(h, "CRM_WEBHOOK_KEEP_HOURS=0");
    h_setenv(h, "CRM_WEBHOOK_PRUNE_MS=100");
    h_start(h, "webhooks", 0);
    H_CHECK(h_wait_sql(h, "webhooks", "SELECT count(*) FROM webhook_deliveries WHERE delivered", 0,
                       10000) == 0,
            "delivered deliveries pruned");
    H_CHECK(h_wait_sql(h, "webhooks", "SELECT count(*) FROM webhook_events", 1, 10000) == 1,
            "only the waiting delivery's event is kept");
    H_CHECK(h_sql_int(h, "webhooks", q) == 1, "the waiting delivery is kept");
    /* A replay from before what is kept says so. */
    Crm__Webhooks__ReplayRequest rp = CRM__WEBHOOKS__REPLAY_REQUEST__INIT;
    rp.webhook_id = e->id;
    rp.producer = "leads";
    rp.from_sequence = 1;
    ProtobufCMessage *out = NULL;
    H_CHECK(s_call("Webhooks.Replay", &rp.base, &crm__webhooks__replay_reply__descriptor, &out,
                   NULL) == CRM__STATUS__OK,
            "Replay after pruning");
    const Crm__Webhooks__ReplayReply *rr = (const Crm__Webhooks__ReplayReply *)out;
    H_CHECK(rr->truncated &&
                (int64_t)rr->kept_from ==
                    h_sql_int(h, "webhooks", "SELECT min(seq) FROM webhook_events") &&
                rr->kept_from > 1,
            "a replay from before what is kept is told where it began: kept_from %llu",
            (unsigned long long)rr->kept_from);
    protobuf_c_message_free_unpacked(out, NULL);
    h_note("pruning: ok");
    free(q);
    protobuf_c_message_free_unpacked(&d->base, NULL);
    protobuf_c_message_free_unpacked(&e->base, NULL);
    free(ud);
    free(ue);
}

int main(void)
{
    h = h_new("webhooks");
    h_setenv(h, "CRM_WEBHOOK_TIMEOUT_MS=500");
    h_setenv(h, "CRM_WEBHOOK_BACKOFF_MS=50");
    h_setenv(h, "CRM_WEBHOOK_BACKOFF_MAX_MS=400");
    h_setenv(h, "CRM_WEBHOOK_POLL_MS=100");
    h_setenv(h, "CRM_WEBHOOK_MAX_FAILURES=1000");
    h_suite_counts(h, "leads=1,scheduler=1,webhooks=1");
    h_start_all(h);
    rcv = t_rcv_new();
    test_bad_input();
    test_http();
    test_delivery();
    test_pause_resume();
    test_prune();
    h_stop(h, "webhooks", 0);
    t_rcv_destroy(&rcv);
    h_destroy(&h);
    return 0;
}
