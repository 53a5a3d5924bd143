/* gateway_pipeline.c: the one path of every HTTP request, in one place:
 *
 *   route     the route table (gateway_routes.c), 404 / 405
 *   limits    the rate (per token, or per client address without one;
 *             Http.Healthz is never limited); a body over the size limit
 *             never gets here (h2o refuses it: gateway_toolarge.c)
 *   identify  unless the route is public: the bearer token into a
 *             principal and its RPC caller (identity/), else 401
 *   allow     403 while the password must be changed, for non-admins on
 *             admin routes, for read-only API tokens on anything but GET
 *   decode    the request message (gateway_decode.c), else 400; a
 *             spreadsheet body read first on the thread pool
 *             (gateway_sheet.c)
 *   dispatch  by the route's method: the gateway's own services in process
 *             (Auth, Org: identity/; Notifications: notify/), served on
 *             gw->local with the same call interface as any service; a
 *             domain service over RPC (gateway_proxy.c); or a raw reply
 *             (Http.*: gateway_health.c, gateway_events.c, readiness); an
 *             export route (GW_EXPORT) walks its list into a file
 *             (gateway_export.c)
 *
 * and the outcome back as JSON (gateway_call.c). Each step hands the call
 * on; nothing calls back into the pipeline but the callbacks it gave. */
#include "gateway_pipeline.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crm/log.h"
#include "crm/trace.h"
#include "crm/util.h"
#include "gateway_call.h"
#include "gateway_decode.h"
#include "gateway_names.h"
#include "gateway_events.h"
#include "gateway_export.h"
#include "gateway_health.h"
#include "gateway_metrics.h"
#include "gateway_problem.h"
#include "gateway_proxy.h"
#include "gateway_ratelimit.h"
#include "gateway_sheet.h"
#include "identity/identity.h"

/* How a route's method is served. */
typedef struct {
    const ProtobufCMessageDescriptor *in, *out;
    void (*raw)(gw_call_t *c); /* Http.*: answers the HTTP request itself */
    int local;                 /* one of the gateway's own services (gw->local) */
} s_method_t;

static s_method_t *s_methods; /* parallel to gw_routes */

static const struct {
    const char *name;
    void (*fn)(gw_call_t *c);
} s_raw[] = {
    {"Http.Healthz", gw_health_healthz},
    {"Http.Readyz", gw_proxy_readyz},
    {"Http.OpenApi", gw_health_openapi},
    {"Http.Events", gw_events_stream},
};

/* Resolves a method name into m. 0, or -1 if nobody serves it. */
static int s_resolve(gw_t *gw, const char *name, s_method_t *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < sizeof s_raw / sizeof s_raw[0]; i++)
        if (!strcmp(s_raw[i].name, name)) {
            m->raw = s_raw[i].fn;
            return 0;
        }
    if (crm_rpc_server_method(gw->local, name, &m->in, &m->out) == 0) {
        m->local = 1;
        return 0;
    }
    return crm_rpc_method_types(name, &m->in, &m->out);
}

int gw_pipeline_init(gw_t *gw)
{
    size_t n = 0;
    while (gw_routes[n].method)
        n++;
    s_methods = crm_calloc(n + 1, sizeof *s_methods);
    for (size_t i = 0; i < n; i++) {
        if (s_resolve(gw, gw_routes[i].rpc, &s_methods[i]) < 0 ||
            !gw_decode_params_known(gw_routes[i].pattern, s_methods[i].in)) {
            crm_log(CRM_ERROR, "route table: unknown method or parameter", "route",
                    gw_routes[i].pattern, "method", gw_routes[i].rpc, NULL);
            return -1;
        }
    }
    return 0;
}

void gw_pipeline_fini(void)
{
    free(s_methods);
    s_methods = NULL;
}

/* ---- dispatch ------------------------------------------------------------------ */

static void s_answered(void *arg, const crm_rpc_result_t *res)
{
    gw_names_answer(arg, res);
}

/* May this principal use the route at all? 1, or 0 after failing c. */
static int s_allowed(gw_call_t *c)
{
    unsigned flags = c->route->flags;
    if (flags & GW_PUBLIC)
        return 1;
    if (c->who.must_change_password && !c->who.api_token && !(flags & GW_PWCHANGE)) {
        gw_call_fail_http(c, 403, "password_change_required",
                          "change the initial password first (POST /api/v1/auth/password)");
        return 0;
    }
    if ((flags & GW_ADMIN) && c->who.role != CRM__ROLE__ROLE_ADMIN) {
        gw_call_fail(c, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin may do this");
        return 0;
    }
    if (c->who.read_only && strcmp(c->route->method, "GET") != 0) {
        gw_call_fail(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                     "this API token's scope is read: GET only");
        return 0;
    }
    return 1;
}

/* The Idempotency-Key header of a change (POST, PATCH, DELETE): 1 to 40
 * visible ASCII characters, scoped to the user, so a retried request gets
 * the first answer and changes nothing twice, and one user's key never
 * finds another's answer. 1, or 0 after failing c. */
#define IDEM_KEY_MAX 40
static int s_idempotency_key(gw_call_t *c)
{
    c->idem_key[0] = '\0';
    ssize_t i = h2o_find_header_by_str(&c->req->headers, H2O_STRLIT("idempotency-key"), -1);
    if (i < 0)
        return 1;
    h2o_iovec_t v = c->req->headers.entries[i].value;
    if (!strcmp(c->route->method, "GET")) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "Idempotency-Key",
                     "a GET changes nothing: it takes no Idempotency-Key");
        return 0;
    }
    int ok = v.len >= 1 && v.len <= IDEM_KEY_MAX;
    for (size_t k = 0; ok && k < v.len; k++)
        ok = v.base[k] > 0x20 && v.base[k] < 0x7f;
    if (!ok) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "Idempotency-Key",
                     "give 1 to %d visible ASCII characters (a UUID does)", IDEM_KEY_MAX);
        return 0;
    }
    snprintf(c->idem_key, sizeof c->idem_key, "u%lld:%.*s", (long long)c->who.user_id, (int)v.len,
             v.base);
    return 1;
}

static void s_decode_send(gw_call_t *c);

static void s_dispatch(gw_call_t *c)
{
    if (!c->req) { /* the client left while we resolved the token */
        gw_call_finish(c);
        return;
    }
    if (!s_allowed(c))
        return;
    const s_method_t *m = &s_methods[c->route - gw_routes];
    if (m->raw) {
        m->raw(c);
        return;
    }
    if (!s_idempotency_key(c))
        return;
    if (gw_sheet_sent(c))
        gw_sheet_read(c, s_decode_send); /* on the thread pool, then on */
    else
        s_decode_send(c);
}

/* decode, then the call goes to its service. */
static void s_decode_send(gw_call_t *c)
{
    const s_method_t *m = &s_methods[c->route - gw_routes];
    ProtobufCMessage *in = gw_decode(c, m->in);
    if (!in)
        return;
    if (c->route->flags & GW_EXPORT) {
        gw_export_start(c, &in, m->out, m->local);
        return;
    }
    if (m->local) {
        crm_rpc_server_call(c->gw->local, c->route->rpc, &in, &c->caller, c->idem_key, s_answered,
                            c);
        return;
    }
    gw_proxy_call(c, in, m->out);
    protobuf_c_message_free_unpacked(in, NULL);
}

/* ---- identify ------------------------------------------------------------------ */

static int s_rate_ok(gw_t *gw, h2o_req_t *req, const char *key);

static void s_identified(void *arg, const crm_err_t *err)
{
    gw_call_t *c = arg;
    if (!err) {
        gw_principal_caller(&c->who, &c->caller, &c->scope);
        s_dispatch(c);
    } else if (err->status != CRM__STATUS__UNAUTHENTICATED) {
        gw_call_fail_err(c, err);
    } else if (c->token_hash[0] && (!c->req || !s_rate_ok(c->gw, c->req, c->peer))) {
        /* A token that signs nobody in also costs its client address a
         * request, so guessing tokens (each with a fresh bucket of its own)
         * is limited too. */
        gw_call_finish(c);
    } else {
        gw_call_fail_http(c, 401, "unauthenticated", err->message);
    }
}

/* ---- route and limits ---------------------------------------------------------- */

/* The bearer token of req, or NULL; its length in *len. */
static const char *s_bearer(h2o_req_t *req, size_t *len)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i < 0)
        return NULL;
    h2o_iovec_t v = req->headers.entries[i].value;
    if (v.len <= 7 || strncasecmp(v.base, "Bearer ", 7) != 0)
        return NULL;
    *len = v.len - 7;
    return v.base + 7;
}

/* The client's address as "a:<ip>" (the rate-limit key without a token). */
static void s_peer_key(h2o_req_t *req, char *out, size_t cap)
{
    struct sockaddr_storage sa;
    socklen_t n = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&sa);
    char host[64] = "?";
    if (n && sa.ss_family == AF_INET)
        uv_ip4_name((struct sockaddr_in *)&sa, host, sizeof host);
    else if (n && sa.ss_family == AF_INET6)
        uv_ip6_name((struct sockaddr_in6 *)&sa, host, sizeof host);
    snprintf(out, cap, "a:%s", host);
}

/* Takes one request from key's bucket; 0 after answering req 429. */
static int s_rate_ok(gw_t *gw, h2o_req_t *req, const char *key)
{
    unsigned retry_after = 0;
    if (gw_ratelimit_take(gw->limiter, key, crm_mono_ms(), &retry_after))
        return 1;
    char ra[16];
    int n = snprintf(ra, sizeof ra, "%u", retry_after);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                   h2o_strdup(&req->pool, ra, (size_t)n).base, (size_t)n);
    gw_send_error(req, 429, "rate_limited", "too many requests; retry later");
    return 0;
}

/* The request's X-Request-Id into out: the client's, or a new one when it
 * gave none; -1 when it gave one that is not an id (crm_trace_valid). */
static int s_request_id(const h2o_req_t *req, char out[CRM_TRACE_MAX + 1])
{
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
    if (at < 0) {
        crm_trace_new(out);
        return 0;
    }
    const h2o_iovec_t *v = &req->headers.entries[at].value;
    snprintf(out, CRM_TRACE_MAX + 1, "%.*s",
             (int)(v->len > CRM_TRACE_MAX ? CRM_TRACE_MAX + 1 : v->len), v->base);
    return v->len <= CRM_TRACE_MAX && crm_trace_valid(out) ? 0 : -1;
}

static void s_route(gw_t *gw, h2o_req_t *req, uint64_t started);

void gw_pipeline_request(gw_t *gw, h2o_req_t *req)
{
    uint64_t started = uv_hrtime();
    char id[CRM_TRACE_MAX + 1];
    int valid = s_request_id(req, id) == 0;
    if (valid) {
        /* Every reply names it; everything the request causes carries it. */
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
                              h2o_strdup(&req->pool, id, strlen(id)).base, strlen(id));
    }
    crm_trace_t was = crm_trace_swap(valid ? id : NULL);
    if (!valid) {
        gw_fault_t fault = {GW_IN_HEADER, "X-Request-Id",
                            "1 to 64 characters of letters, digits and . _ : -"};
        gw_problem_send(req, 400, "invalid_argument", "X-Request-Id is not a request id", &fault,
                        1);
        gw_metrics_request(gw->metrics, NULL, req->res.status, started);
    } else {
        s_route(gw, req, started);
    }
    crm_trace_restore(&was);
}

/* A request, its X-Request-Id current: routed, limited, identified,
 * dispatched. */
static void s_route(gw_t *gw, h2o_req_t *req, uint64_t started)
{
    if (gw->stopping) {
        gw_send_error(req, 503, "unavailable", "the gateway is stopping; retry");
        gw_metrics_request(gw->metrics, NULL, req->res.status, started);
        return;
    }
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    gw_param_t params[GW_MAX_PARAMS];
    int nparams = 0, path_known = 0;
    const gw_route_t *route = gw_route_match(req->method.base, req->method.len, req->path.base,
                                             plen, params, &nparams, &path_known);
    if (!route) {
        if (path_known)
            gw_send_error(req, 405, "method_not_allowed", "method not allowed on this path");
        else
            gw_send_error(req, 404, "not_found", "no such route");
        gw_metrics_request(gw->metrics, NULL, req->res.status, started);
        return;
    }
    char hash[65] = "";
    size_t tlen = 0;
    const char *token = s_bearer(req, &tlen);
    if (token)
        gw_identity_token_hash(token, tlen, hash);
    char peer[72], key[80];
    s_peer_key(req, peer, sizeof peer);
    snprintf(key, sizeof key, "t:%s", hash);
    if (strcmp(route->rpc, "Http.Healthz") != 0 && !s_rate_ok(gw, req, *hash ? key : peer)) {
        gw_metrics_request(gw->metrics, route, req->res.status, started);
        return;
    }
    gw_call_t *c = gw_call_new(gw, req, route, params, nparams);
    memcpy(c->token_hash, hash, sizeof hash);
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    if (route->flags & GW_PUBLIC)
        s_dispatch(c);
    else
        gw_identity_resolve(gw->identity, c->token_hash, &c->who, s_identified, c);
}
