/* gateway.h: what the gateway's files share: the process context, one HTTP
 * request in flight (gw_call_t) and each module's entry points.
 *
 * A request goes: gateway_http.c (route, limits) -> gateway_auth.c (token ->
 * user -> data scope) -> gateway_call.c (JSON + path + query -> protobuf)
 * -> a local handler (gateway_auth.c, gateway_org.c, gateway_health.c) or a
 * domain service's RPC (gateway_proxy.c) -> gateway_call.c (reply or error
 * -> JSON and an HTTP status). */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <h2o.h>
#include <jansson.h>
#include <stdint.h>

#include "crm/service.h"
#include "gateway.pb-c.h"
#include "gateway_routes.h"

typedef struct gw_map gw_map_t;
typedef struct gw_ratelimit gw_ratelimit_t;
typedef struct gw_http gw_http_t;
typedef struct gw_call gw_call_t;
typedef struct gw_events gw_events_t;

/* The settings the gateway reads besides the common ones (CRM_*). */
typedef struct {
    const char *http_bind;     /* CRM_HTTP_BIND, host:port */
    size_t max_body;           /* CRM_HTTP_MAX_BODY, bytes (413 above) */
    double rate_rps;           /* CRM_RATE_LIMIT_RPS per token (0: no limit) */
    double rate_burst;         /* CRM_RATE_LIMIT_BURST */
    int64_t session_ttl_s;     /* CRM_SESSION_TTL_S */
    uint64_t auth_cache_ms;    /* CRM_AUTH_CACHE_MS: how long a resolved token is reused */
    unsigned long long pw_ops; /* CRM_PWHASH_OPSLIMIT */
    size_t pw_mem;             /* CRM_PWHASH_MEMLIMIT, bytes */
    int pw_max_jobs;           /* CRM_PWHASH_MAX_JOBS: hashes queued or running at most */
} gw_config_t;

typedef struct {
    crm_service_t *svc;
    uv_loop_t *loop;
    gw_config_t cfg;
    crm_db_t *db;       /* the gateway's own pool, destroyed when its requests are done */
    crm_cache_t *cache; /* likewise */
    gw_http_t *http;
    gw_ratelimit_t *limiter;
    gw_map_t *auth_cache;       /* token hash -> resolved principal */
    gw_events_t *events;        /* the SSE streams and their subscriptions */
    crm_rpc_client_t **peers;   /* one per domain of the suite registry (NULL: not configured) */
    crm_rpc_client_t **writers; /* the same, one attempt: a change is never sent twice */
    const char *openapi;        /* the embedded document */
    size_t openapi_len;
    size_t inflight; /* calls not finished */
    int pw_jobs;     /* calls holding a password-hashing slot */
    int stopping;
} gw_t;

/* Who is calling, resolved from the bearer token. */
typedef struct {
    int64_t user_id;
    int64_t department_id;
    Crm__Role role;
    int must_change_password;
    int64_t token_id;
    int api_token;      /* an integration's token */
    int read_only;      /* its scope is "read" */
    int64_t *scope_ids; /* owned; NULL for scope "all" */
    size_t n_scope;
} gw_principal_t;

/* One HTTP request in flight. */
struct gw_call {
    gw_t *gw;
    h2o_req_t *req; /* NULL once h2o disposed of it (client gone) */
    void *req_ref;  /* the pool object that tells us so */
    const gw_route_t *route;
    gw_param_t params[GW_MAX_PARAMS];
    int nparams;
    const ProtobufCMessageDescriptor *in_desc, *out_desc;
    ProtobufCMessage *in; /* the decoded request; owned */
    char token_hash[65];  /* hex; "" without a token */
    char peer[72];        /* "a:<client address>", its rate-limit key */
    int pw_slot;          /* holds one of gw->pw_jobs */
    gw_principal_t who;
    Crm__Caller caller; /* built from who for RPCs */
    Crm__DataScope scope;
    void *state; /* a handler's own */
};

/* ---- gateway_call.c ---- */

/* Resolves every route's method (local or a service's RPC) and checks its
 * path parameters are request fields. 0, or -1 after a log line. */
int gw_call_init(void);
void gw_call_fini(void);

/* Starts a call for req on route (the HTTP module checked the limits). */
gw_call_t *gw_call_new(gw_t *gw, h2o_req_t *req, const gw_route_t *route, const gw_param_t *params,
                       int nparams);
/* Authorised: decodes the request and runs its method. */
void gw_call_dispatch(gw_call_t *c);
/* Replies 200 with msg as JSON (NULL: {}) and frees c. */
void gw_call_reply(gw_call_t *c, const ProtobufCMessage *msg);
/* Replies with the HTTP status of st and {"error": {...}}; frees c. */
void gw_call_fail(gw_call_t *c, Crm__Status st, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Replies with an HTTP status and error code of the gateway's own (401,
 * 413, 429...); frees c. */
void gw_call_fail_http(gw_call_t *c, int http, const char *code, const char *message);
/* Frees c without replying (a handler that sent the response itself). */
void gw_call_finish(gw_call_t *c);
/* Replies with raw bytes of content_type; frees c. */
void gw_call_reply_raw(gw_call_t *c, int http, const char *content_type, const char *body,
                       size_t len);
/* The HTTP adapter of an error value (crm/err.h): replies with it and
 * frees c. Returns 0, for checks that return "fine or not". */
int gw_call_fail_err(gw_call_t *c, const crm_err_t *err);
/* Fails c from a database error (constraint names are fields); frees c. */
void gw_call_fail_db(gw_call_t *c, const crm_db_result_t *res);
/* The HTTP status for an RPC status. */
int gw_http_status(Crm__Status st);
/* Sends an error response to a request that has no call (limits, routing). */
void gw_send_error(h2o_req_t *req, int http, const char *code, const char *message,
                   const char *field);

/* ---- gateway_http.c ---- */

/* Listens on cfg.http_bind on the loop. Exits the process if it cannot. */
gw_http_t *gw_http_new(gw_t *gw);
/* Stops accepting and closes connections once idle; done() runs when every
 * connection is closed and h2o's handles are released. */
void gw_http_stop(gw_http_t *h, void (*done)(gw_t *gw));
/* Frees what is left after the loop ended. Safe on NULL. */
void gw_http_destroy(gw_http_t **h_p);
/* Takes one request from key's bucket; 0 after answering req 429. */
int gw_rate_ok(gw_t *gw, h2o_req_t *req, const char *key);

/* ---- gateway_auth.c ---- */

/* Resolves the call's bearer token into c->who (and c->caller), then
 * dispatches it, or fails it with 401/403. */
void gw_auth_resolve(gw_call_t *c);
/* Drops every cached principal (the organisation changed). */
void gw_auth_forget_all(gw_t *gw);
/* Hashes a token into 64 hex characters. */
void gw_token_hash(const char *token, size_t len, char out[65]);
/* A new random token (43 characters of base64url) and its hash. */
void gw_token_new(char token[44], char hash[65]);
/* Hashes password on the thread pool; cb gets the argon2id string (or
 * NULL when out of memory). */
typedef void (*gw_pwhash_cb)(gw_call_t *c, const char *hash);
/* 1 if c may hash passwords (it holds a slot until it ends); else answers c 429 (the thread pool
 * has CRM_PWHASH_MAX_JOBS already: argon2 is slow on purpose, and sign-ins
 * must not queue without bound) and returns 0. */
int gw_password_slot(gw_call_t *c);
void gw_password_hash(gw_call_t *c, const char *password, gw_pwhash_cb cb);
/* Creates the first admin (CRM_ADMIN_USER / CRM_ADMIN_PASSWORD) and a root
 * department when there are no users; blocking, at start. */
void gw_auth_bootstrap(gw_t *gw);
void gw_auth_handle_login(gw_call_t *c);
void gw_auth_handle_logout(gw_call_t *c);
void gw_auth_handle_password(gw_call_t *c);
void gw_auth_handle_me(gw_call_t *c);

/* ---- gateway_org.c ---- */

/* The users whose records a manager of department sees; cached in Redis
 * under the organisation's version. Calls cb(c, ok). */
void gw_org_scope(gw_call_t *c, void (*cb)(gw_call_t *c, int ok));
/* Marks the organisation changed: cached scopes become stale. */
void gw_org_changed(gw_t *gw);
/* Fills a User from row i of a users query (strings point into r). */
void gw_org_user_row(const PGresult *r, int i, Crm__Gateway__User *u);
/* Looks up a local Org.* handler by method name ("CreateUser"). */
void (*gw_org_handler(const char *method))(gw_call_t *c);

/* ---- gateway_notify.c ---- */

/* Starts the consumers that turn the services' events into notifications
 * (before the loop runs). */
void gw_notify_start(gw_t *gw);
/* Registers the list and mark statements on db (the gateway's pool). */
void gw_notify_prepare(crm_db_t *db);
/* The handler of "List" / "MarkRead" of the Notifications service. */
void (*gw_notify_handler(const char *method))(gw_call_t *c);

/* ---- gateway_store.c ---- */

/* Registers the gateway's statements on db. */
void gw_store_prepare(crm_db_t *db);
#define GW_USER_COLUMNS                                                                            \
    "u.id, u.username, u.display_name, u.department_id, u.role, u.must_change_password,"           \
    " u.active, gw_time(u.created_at)"

/* ---- gateway_proxy.c ---- */

/* Connects the RPC clients of every configured peer. */
void gw_proxy_init(gw_t *gw);
/* Sends the call's request to its service and replies with the outcome. */
void gw_proxy_call(gw_call_t *c);
/* Destroys the clients (pending calls fail with UNAVAILABLE). */
void gw_proxy_destroy(gw_t *gw);

/* ---- gateway_health.c ---- */

void gw_health_healthz(gw_call_t *c);
void gw_health_readyz(gw_call_t *c);
void gw_health_openapi(gw_call_t *c);

/* ---- gateway_events.c ---- */

/* Subscribes to every configured service's events. */
gw_events_t *gw_events_new(gw_t *gw);
/* GET /api/v1/events/stream: the caller's notifications, until they leave
 * or the gateway stops. */
void gw_events_stream(gw_call_t *c);
/* Ends every stream and the subscriptions (at stop). */
void gw_events_stop(gw_events_t *ev);
/* Frees what is left after the loop ended. Safe on NULL. */
void gw_events_destroy(gw_events_t **ev_p);

/* ---- gateway_map.c: a string-keyed hash map ---- */

gw_map_t *gw_map_new(void (*free_value)(void *));
void *gw_map_get(gw_map_t *m, const char *key);
/* Stores value under key (replacing and freeing an old one). */
void gw_map_put(gw_map_t *m, const char *key, void *value);
void gw_map_del(gw_map_t *m, const char *key);
size_t gw_map_size(const gw_map_t *m);
void gw_map_clear(gw_map_t *m);
void gw_map_destroy(gw_map_t **m_p);

/* ---- gateway_ratelimit.c: token buckets per key ---- */

gw_ratelimit_t *gw_ratelimit_new(double rps, double burst);
/* Takes one token for key at now_ms. Returns 1 if allowed; else 0 and the
 * seconds until one is available in *retry_after_s. */
int gw_ratelimit_take(gw_ratelimit_t *rl, const char *key, uint64_t now_ms,
                      unsigned *retry_after_s);
void gw_ratelimit_destroy(gw_ratelimit_t **rl_p);

#endif
