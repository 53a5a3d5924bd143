/* webhooks.h: what the webhooks service's files share: the service
 * context, the pure rules (checks, patterns, signing), the store (SQL),
 * the consumer of every producer, the HTTP client and the sender. */
#ifndef WEBHOOKS_H
#define WEBHOOKS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "crm/err.h"
#include "crm/list.h"
#include "crm/service.h"
#include "crm/txn.h"
#include "webhooks.glue.h"
#include "webhooks.pb-c.h"

typedef struct wh_sender wh_sender_t;

typedef struct {
    crm_service_t *svc;
    crm_db_t *db;
    crm_txn_env_t env;
    webhooks_handlers_t handlers;        /* what serves Webhooks.* (webhooks.glue.h) */
    crm_event_handler_t *event_handlers; /* every event type of the registry */
    crm_event_table_t events;            /* what the consumers apply */
    wh_sender_t *sender;
} webhooks_t;

/* ---- webhooks_rules.c: pure checks (no database, no RPC) ---- */

#define WH_SECRET_PREFIX "whsec_"

/* A subscription's URL: http:// or https://, a host, at most 2000 bytes. */
int wh_check_url(const char *url, crm_err_t *err);
/* One pattern: "*", "<a>.*" or "<a>.<b>" of [a-z0-9_] words, matching at
 * least one event type of the suite registry. */
int wh_check_pattern(const char *p, crm_err_t *err);
/* 1 to 50 patterns, each checked (field is field). */
int wh_check_patterns(char *const *p, size_t n, const char *field, crm_err_t *err);
/* A secret as given: "whsec_" and the base64 of 24 to 64 bytes. */
int wh_check_secret(const char *s, crm_err_t *err);
/* Does type match pattern? (The SQL of webhooks_store.c says the same.) */
int wh_pattern_matches(const char *pattern, const char *type);

/* ---- webhooks_sign.c: Standard Webhooks 1.0 ---- */

/* A new secret, "whsec_" and the base64 of 32 random bytes; caller frees. */
char *wh_secret_new(void);
/* The signature header's value, "v1,<base64 HMAC-SHA256(key, id.ts.body)>",
 * key the base64-decoded part of secret after "whsec_"; caller frees. NULL
 * when the secret does not decode. */
char *wh_sign(const char *secret, const char *id, int64_t ts, const char *body, size_t len);

/* ---- webhooks_store.c ---- */

void webhooks_store_prepare(crm_db_t *db);
/* The columns a Webhook reply reads by name (crm/rowmap.h). */
#define WEBHOOK_COLUMNS                                                                            \
    "id, url, event_types, description, paused, failures, crm_us(created_at) AS created_at_us,"    \
    " crm_us(updated_at) AS updated_at_us"

/* The start of a deliveries list: "... WHERE d.webhook_id = " (a parameter follows). */
extern const char *const webhooks_delivery_list_sql;

/* ---- webhooks_rpc.c, webhooks_deliveries.c ---- */

/* A list being read: its call and page. */
typedef struct {
    crm_rpc_call_t *call;
    crm_page_t page;
} webhooks_read_t;
/* Answers a list reply (its repeated field "items", its next_cursor) with
 * the rows of r the page shows. */
void webhooks_reply_page(webhooks_read_t *rd, const PGresult *r, ProtobufCMessage *list,
                         char **next_cursor);

/* Serves every Webhooks.* RPC. */
void webhooks_rpc_register(webhooks_t *w);
/* Is the caller an admin (or the system)? Else answers PERMISSION_DENIED. */
int webhooks_check_admin(crm_rpc_call_t *call);
void webhooks_list_deliveries(crm_rpc_call_t *call, const Crm__Webhooks__ListDeliveriesRequest *req,
                              void *arg);
void webhooks_retry(crm_rpc_call_t *call, const Crm__Webhooks__RetryDeliveryRequest *req,
                    void *arg);
void webhooks_replay(crm_rpc_call_t *call, const Crm__Webhooks__ReplayRequest *req, void *arg);

/* ---- webhooks_events.c ---- */

/* Consumes every other domain of the registry whose endpoints are set. */
void webhooks_events_start(webhooks_t *w);
/* The CloudEvents 1.0 JSON object of ev (its payload through pbjson);
 * caller frees. */
char *wh_cloudevent(const Crm__Event *ev, const ProtobufCMessage *payload, size_t *len);

/* ---- webhooks_sender.c ---- */

/* Starts sending on the service's loop; it stops when the service stops,
 * and is freed by wh_sender_destroy after crm_service_run returns. */
wh_sender_t *wh_sender_new(webhooks_t *w);
void wh_sender_destroy(wh_sender_t **s_p);

/* ---- webhooks_prune.c ---- */

/* Prunes old delivered deliveries and unreferenced events on a timer
 * (stopped when the service stops). */
void wh_prune_start(webhooks_t *w);

/* ---- webhooks_http.c: HTTP POSTs with libcurl's multi interface on a
 * libuv loop ---- */

typedef struct wh_http wh_http_t;
/* An outcome: status the HTTP status (0 when no answer came, -1 when the
 * client was destroyed first), error why it failed ("" for an answer). */
typedef void (*wh_http_cb)(void *arg, long status, const char *error);
wh_http_t *wh_http_new(uv_loop_t *loop, long timeout_ms);
/* POSTs body (copied) to url with headers ("Name: value", copied); cb runs
 * once, from the loop or from wh_http_destroy. */
void wh_http_post(wh_http_t *h, const char *url, const char *const *headers, size_t nheaders,
                  const char *body, size_t len, wh_http_cb cb, void *arg);
/* Drops the requests in flight (their callbacks run with status -1) and
 * closes the handles; the memory goes with the last close callback. Safe
 * on NULL; not from inside a callback. */
void wh_http_destroy(wh_http_t **h_p);

#endif
