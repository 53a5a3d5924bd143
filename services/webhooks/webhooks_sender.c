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
    int in_round, again, stopping;
    struct wh_send *done; /* outcomes waiting for the next round (a stack) */
};

/* One delivery being sent, then its outcome. */
typedef struct wh_send {
    wh_sender_t *s;
    struct wh_send *next;
    char webhook_id[24], delivery_id[24], token[24];
    char event_id[64];
    long status;     /* the answer's status, 0 if none */
    char error[300]; /* why it failed, "" for an answer */
} wh_send_t;

static void s_round(wh_sender_t *s);

/* The outcome's statement: delivered, or a failure with its back-off. */
static void s_add_outcome(wh_sender_t *s, const wh_send_t *d, crm_db_batch_t *b)
{
    char code[24], maxf[24], base[24], cap[24], why[320];
    crm_i64(code, d->status);
    if (d->status >= 200 && d->status < 300) {
        const char *p[] = {d->webhook_id, d->delivery_id, d->token, code};
        crm_db_batch_add(b, "wh_sent", 4, p);
        return;
    }
    snprintf(why, sizeof why, "%s", *d->error ? d->error : "");
    if (!*why)
        snprintf(why, sizeof why, "HTTP %ld", d->status);
    const char *p[] = {d->webhook_id,
                       d->delivery_id,
                       d->token,
                       code,
                       crm_i64(maxf, s->max_failures),
                       crm_i64(base, s->backoff_ms),
                       crm_i64(cap, s->backoff_max_ms),
                       why};
    crm_db_batch_add(b, "wh_failed", 8, p);
}

static void s_sent(void *arg, long status, const char *error)
{
    wh_send_t *d = arg;
    if (status < 0) { /* stopping: no outcome; the lease runs out */
        d->s->inflight--;
        free(d);
        return;
    }
    d->status = status;
    snprintf(d->error, sizeof d->error, "%s", error);
    d->next = d->s->done;
    d->s->done = d;
    s_round(d->s);
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

/* One round trip: the outcomes recorded, then (room permitting) the next
 * claim, in one transaction. */
typedef struct {
    wh_sender_t *s;
    wh_send_t *outcomes;
    size_t n;
    int claim;
    char token[24];
} wh_round_t;

static void s_round_done(void *arg, const crm_db_result_t *res)
{
    wh_round_t *rd = arg;
    wh_sender_t *s = rd->s;
    if (res->err)
        crm_log(CRM_WARN, "webhook round failed: its outcomes are sent again when their leases end",
                "error", res->message, NULL);
    size_t i = 0;
    for (wh_send_t *d = rd->outcomes, *next; d; d = next, i++) {
        next = d->next;
        if (!res->err && PQntuples(res->results[i]) == 1 && crm_db_get_bool(res->results[i], 0, 0))
            crm_log(CRM_WARN, "webhook paused after failures in a row", "webhook", d->webhook_id,
                    NULL);
        free(d);
    }
    s->inflight -= (int)rd->n;
    if (!res->err && rd->claim && !s->stopping)
        for (int k = 0; k < PQntuples(res->results[rd->n]); k++)
            s_send(s, res->results[rd->n], k, rd->token);
    s->in_round = 0;
    free(rd);
    if (s->again || s->done) {
        s->again = 0;
        s_round(s);
    }
}

/* Records the outcomes waiting and claims the subscriptions whose turn it
 * is, up to the room left; one round at a time (asked again meanwhile, it
 * runs again after). */
static void s_round(wh_sender_t *s)
{
    if (s->in_round) {
        s->again = 1;
        return;
    }
    wh_round_t *rd = crm_calloc(1, sizeof *rd);
    rd->s = s;
    rd->outcomes = s->done;
    s->done = NULL;
    crm_db_batch_t *b = crm_db_batch_new();
    for (wh_send_t *d = rd->outcomes; d; d = d->next, rd->n++)
        s_add_outcome(s, d, b);
    int room = s->max_inflight - (s->inflight - (int)rd->n);
    rd->claim = !s->stopping && room > 0;
    if (rd->claim) {
        uint64_t t = ((uint64_t)randombytes_random() << 31) ^ randombytes_random();
        char lease[24], limit[24];
        const char *p[] = {crm_i64(lease, s->lease_ms), crm_i64(limit, room),
                           crm_i64(rd->token, (int64_t)t)};
        crm_db_batch_add(b, "wh_claim", 3, p);
    }
    if (crm_db_batch_size(b) == 0) {
        crm_db_batch_destroy(&b);
        free(rd);
        return;
    }
    s->in_round = 1;
    crm_db_submit(s->w->db, &b, s_round_done, rd);
}

static void s_on_poll(uv_timer_t *t)
{
    s_round(t->data);
}

static void s_on_notify(void *arg, const char *channel, const char *payload)
{
    s_round(arg);
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
