/* webhooks_sender.c: the delivery worker on the service's loop. It claims
 * the next delivery of each subscription whose turn it is (one in flight
 * per subscription: a lease on the subscription's row, so instances never
 * send one delivery at the same time, and a dead instance's lease runs
 * out), POSTs it signed (Standard Webhooks 1.0) through webhooks_http.c,
 * and records the outcome: delivered, or a later attempt with exponential
 * back-off; CRM_WEBHOOK_MAX_FAILURES failures in a row pause the
 * subscription, its deliveries kept. Woken by NOTIFY crm_webhooks (new
 * deliveries), after each outcome, and every CRM_WEBHOOK_POLL_MS. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/config.h"
#include "crm/log.h"
#include "crm/util.h"
#include "webhooks.h"

struct wh_sender {
    webhooks_t *w;
    wh_http_t *http;
    uv_timer_t *poll; /* freed in its close callback */
    int timeout_ms, lease_ms, poll_ms, max_failures, backoff_ms, backoff_max_ms, max_inflight;
    int inflight; /* deliveries being sent or recorded */
    int claiming, again, stopping;
};

/* One delivery being sent. */
typedef struct {
    wh_sender_t *s;
    char webhook_id[24], delivery_id[24], token[24];
    char event_id[64];
} wh_send_t;

static void s_claim(wh_sender_t *s);

static void s_recorded(void *arg, const crm_db_result_t *res)
{
    wh_send_t *d = arg;
    wh_sender_t *s = d->s;
    if (res->err)
        crm_log(CRM_WARN, "webhook outcome not recorded; sent again when its lease ends",
                "delivery", d->delivery_id, "error", res->message, NULL);
    else if (res->nresults && PQntuples(res->results[0]) == 1 &&
             crm_db_get_bool(res->results[0], 0, 0))
        crm_log(CRM_WARN, "webhook paused after failures in a row", "webhook", d->webhook_id, NULL);
    free(d);
    s->inflight--;
    s_claim(s);
}

static void s_sent(void *arg, long status, const char *error)
{
    wh_send_t *d = arg;
    wh_sender_t *s = d->s;
    char code[24];
    crm_i64(code, status);
    if (status >= 200 && status < 300) {
        const char *p[] = {d->webhook_id, d->delivery_id, d->token, code};
        crm_db_exec(s->w->db, "wh_sent", 4, p, s_recorded, d);
        return;
    }
    char why[300], maxf[24], base[24], cap[24];
    if (*error)
        snprintf(why, sizeof why, "%s", error);
    else
        snprintf(why, sizeof why, "HTTP %ld", status);
    const char *p[] = {d->webhook_id,
                       d->delivery_id,
                       d->token,
                       code,
                       crm_i64(maxf, s->max_failures),
                       crm_i64(base, s->backoff_ms),
                       crm_i64(cap, s->backoff_max_ms),
                       why};
    crm_db_exec(s->w->db, "wh_failed", 8, p, s_recorded, d);
}

/* POSTs row i of a claim. */
static void s_send(wh_sender_t *s, const PGresult *r, int i, const char *token)
{
    wh_send_t *d = crm_calloc(1, sizeof *d);
    d->s = s;
    snprintf(d->webhook_id, sizeof d->webhook_id, "%s", crm_db_get(r, i, 0));
    snprintf(d->delivery_id, sizeof d->delivery_id, "%s", crm_db_get(r, i, 3));
    snprintf(d->event_id, sizeof d->event_id, "%s", crm_db_get(r, i, 4));
    snprintf(d->token, sizeof d->token, "%s", token);
    const char *body = crm_db_get(r, i, 5);
    size_t len = (size_t)PQgetlength(r, i, 5);
    int64_t ts = crm_now_us() / 1000000;
    char *sig = wh_sign(crm_db_get(r, i, 2), d->event_id, ts, body, len);
    char h_id[100], h_ts[48], *h_sig = crm_sprintf("webhook-signature: %s", sig ? sig : "");
    snprintf(h_id, sizeof h_id, "webhook-id: %s", d->event_id);
    snprintf(h_ts, sizeof h_ts, "webhook-timestamp: %lld", (long long)ts);
    const char *headers[] = {"Content-Type: application/json", h_id, h_ts, h_sig};
    s->inflight++;
    wh_http_post(s->http, crm_db_get(r, i, 1), headers, 4, body, len, s_sent, d);
    free(sig);
    free(h_sig);
}

typedef struct {
    wh_sender_t *s;
    char token[24];
} wh_claim_t;

static void s_claimed(void *arg, const crm_db_result_t *res)
{
    wh_claim_t *c = arg;
    wh_sender_t *s = c->s;
    s->claiming = 0;
    if (res->err)
        crm_log(CRM_WARN, "webhook claim failed", "error", res->message, NULL);
    else if (!s->stopping)
        for (int i = 0; i < PQntuples(res->results[0]); i++)
            s_send(s, res->results[0], i, c->token);
    free(c);
    if (s->again) {
        s->again = 0;
        s_claim(s);
    }
}

/* Claims the subscriptions whose turn it is, up to the room left. */
static void s_claim(wh_sender_t *s)
{
    if (s->stopping)
        return;
    if (s->claiming) {
        s->again = 1;
        return;
    }
    int room = s->max_inflight - s->inflight;
    if (room <= 0)
        return;
    s->claiming = 1;
    wh_claim_t *c = crm_calloc(1, sizeof *c);
    c->s = s;
    crm_i64(c->token, (int64_t)(((uint64_t)randombytes_random() << 31) ^ randombytes_random()));
    char lease[24], limit[24];
    const char *p[] = {crm_i64(lease, s->lease_ms), crm_i64(limit, room), c->token};
    crm_db_exec(s->w->db, "wh_claim", 3, p, s_claimed, c);
}

static void s_on_poll(uv_timer_t *t)
{
    s_claim(t->data);
}

static void s_on_notify(void *arg, const char *channel, const char *payload)
{
    s_claim(arg);
}

static void s_timer_closed(uv_handle_t *h)
{
    free(h);
}

static void s_stop(void *arg)
{
    wh_sender_t *s = arg;
    s->stopping = 1;
    uv_close((uv_handle_t *)s->poll, s_timer_closed);
    /* Requests in flight are dropped: their leases run out and another
     * attempt sends them again (at least once). */
    wh_http_destroy(&s->http);
}

wh_sender_t *wh_sender_new(webhooks_t *w)
{
    wh_sender_t *s = crm_calloc(1, sizeof *s);
    s->w = w;
    s->timeout_ms = (int)crm_env_int("CRM_WEBHOOK_TIMEOUT_MS", 10000, 100, 120000);
    s->lease_ms = (int)crm_env_int("CRM_WEBHOOK_LEASE_MS", s->timeout_ms + 5000,
                                   s->timeout_ms + 100, 3600000);
    s->poll_ms = (int)crm_env_int("CRM_WEBHOOK_POLL_MS", 500, 10, 60000);
    s->max_failures = (int)crm_env_int("CRM_WEBHOOK_MAX_FAILURES", 10, 1, 1000);
    s->backoff_ms = (int)crm_env_int("CRM_WEBHOOK_BACKOFF_MS", 1000, 1, 3600000);
    s->backoff_max_ms = (int)crm_env_int("CRM_WEBHOOK_BACKOFF_MAX_MS", 3600000, 1, 86400000);
    s->max_inflight = (int)crm_env_int("CRM_WEBHOOK_INFLIGHT", 64, 1, 10000);
    uv_loop_t *loop = crm_service_loop(w->svc);
    s->http = wh_http_new(loop, s->timeout_ms);
    s->poll = crm_malloc(sizeof *s->poll);
    uv_timer_init(loop, s->poll);
    s->poll->data = s;
    uv_timer_start(s->poll, s_on_poll, 0, (uint64_t)s->poll_ms);
    crm_db_listen(w->db, "crm_webhooks", s_on_notify, s);
    crm_service_on_stop(w->svc, s_stop, s);
    return s;
}

void wh_sender_destroy(wh_sender_t **s_p)
{
    free(*s_p);
    *s_p = NULL;
}
