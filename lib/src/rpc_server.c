/* rpc_server.c: the RPC server, a ROUTER socket that decodes Crm__Request
 * envelopes, dispatches them to registered handlers and sends one Crm__Reply
 * per request.
 *
 * Frame layouts: [identity][request] from a plain DEALER, and
 * [identity][empty][request] from a REQ or a DEALER that sends a delimiter
 * (as our client does); the reply goes back in the same layout. Anything
 * else, and every request that cannot be served, gets an error Reply from
 * the server itself.
 *
 * Lifetime: a call holds a pointer to its server. Destroying the server
 * closes the socket at once; if calls are still in flight, the server is
 * kept (orphaned) until the last of them is replied to, which then only
 * frees the call. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/rpc.h"
#include "crm/util.h"
#include "crm/zsock.h"
#include "rpc_server_impl.h"

#define DEFAULT_MAX_PAYLOAD (1u << 20)
/* How long replies already queued may take to leave after destroy. */
#define CLOSE_LINGER_MS 200

/* Where a reply goes: the peer's identity and the request's layout. */
typedef struct {
    const void *peer;
    size_t peer_len;
    int delimited;
} route_t;

static const Crm__Caller s_no_caller = CRM__CALLER__INIT;

/* ---- the wire --------------------------------------------------------- */

/* Reads a varint at *p (before end). Returns 0, or -1 if truncated. */
static int s_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* The request_id of an encoded Request, found by walking its top-level
 * fields without decoding anything (so an oversized frame costs nothing
 * more). 0 when it cannot be found. */
static uint64_t s_peek_request_id(const uint8_t *p, size_t len)
{
    const uint8_t *end = p + len;
    uint64_t id = 0;
    while (p < end) {
        uint64_t key, v;
        if (s_varint(&p, end, &key) < 0)
            break;
        switch (key & 7) {
        case 0:
            if (s_varint(&p, end, &v) < 0)
                return id;
            if ((key >> 3) == 2 /* Request.request_id */)
                id = v;
            break;
        case 1:
            if ((size_t)(end - p) < 8)
                return id;
            p += 8;
            break;
        case 2:
            if (s_varint(&p, end, &v) < 0 || v > (uint64_t)(end - p))
                return id;
            p += v;
            break;
        case 5:
            if ((size_t)(end - p) < 4)
                return id;
            p += 4;
            break;
        default:
            return id;
        }
    }
    return id;
}

/* Sends one Reply along route. A peer that has gone away, or one whose
 * queue is full, loses the reply: ROUTER drops it. */
static void s_send_reply_more(crm_rpc_server_t *srv, const route_t *to, uint64_t request_id,
                              Crm__Status status, const char *field, const char *message,
                              const uint8_t *payload, size_t payload_len, Crm__FieldError **more,
                              size_t n_more)
{
    if (!srv->sock)
        return;
    Crm__Reply r = CRM__REPLY__INIT;
    r.request_id = request_id;
    r.status = status;
    r.message = (char *)(message ? message : "");
    r.field = (char *)(field ? field : "");
    r.payload.data = (uint8_t *)payload;
    r.payload.len = payload_len;
    r.more = more;
    r.n_more = n_more;
    size_t len = crm__reply__get_packed_size(&r);
    uint8_t *buf = crm_malloc(len ? len : 1);
    crm__reply__pack(&r, buf);
    const void *data[3];
    size_t lens[3];
    size_t n = 0;
    data[n] = to->peer;
    lens[n++] = to->peer_len;
    if (to->delimited) {
        data[n] = "";
        lens[n++] = 0;
    }
    data[n] = buf;
    lens[n++] = len;
    if (crm_zsock_send(srv->sock, data, lens, n) < 0)
        crm_logf(CRM_DEBUG, "rpc: reply %llu dropped: %s", (unsigned long long)request_id,
                 zmq_strerror(errno));
    free(buf);
}

static void s_send_reply(crm_rpc_server_t *srv, const route_t *to, uint64_t request_id,
                         Crm__Status status, const char *field, const char *message,
                         const uint8_t *payload, size_t payload_len)
{
    s_send_reply_more(srv, to, request_id, status, field, message, payload, payload_len, NULL, 0);
}

/* ---- requests --------------------------------------------------------- */

const method_t *rpc_server_lookup(const crm_rpc_server_t *srv, const char *name)
{
    for (size_t i = 0; i < srv->nmethods; i++)
        if (strcmp(srv->methods[i].name, name) == 0)
            return &srv->methods[i];
    return NULL;
}

static void s_server_free(crm_rpc_server_t *srv)
{
    rpc_walk_sweep(srv, 1);
    for (size_t i = 0; i < srv->nmethods; i++)
        free(srv->methods[i].name);
    free(srv->methods);
    free(srv->endpoint);
    free(srv);
}

static Crm__Status s_counted(Crm__Status status)
{
    return (unsigned)status < RPC_STATUSES ? status : CRM__STATUS__INTERNAL;
}

/* An error reply to a request no handler saw, counted. */
static void s_refuse(crm_rpc_server_t *srv, const route_t *to, uint64_t request_id,
                     Crm__Status status, const char *field, const char *message,
                     const uint8_t *payload, size_t payload_len)
{
    srv->refused[s_counted(status)]++;
    s_send_reply(srv, to, request_id, status, field, message, payload, payload_len);
}

/* One request: validate, decode, dispatch. Everything that goes wrong
 * before the handler gets an error reply here. */
static void s_on_message(crm_zsock_t *sock, crm_zmsg_t *msg, void *arg)
{
    crm_rpc_server_t *srv = arg;
    if (msg->nparts < 2)
        return; /* ROUTER always adds the identity: cannot happen */
    rpc_walk_sweep(srv, 0);
    route_t to = {zmq_msg_data(&msg->parts[0]), zmq_msg_size(&msg->parts[0]), 0};
    to.delimited = msg->nparts >= 3 && zmq_msg_size(&msg->parts[1]) == 0;
    zmq_msg_t *frame = &msg->parts[to.delimited ? 2 : 1];
    const uint8_t *data = zmq_msg_data(frame);
    size_t len = zmq_msg_size(frame);

    if (msg->nparts != (to.delimited ? 3u : 2u)) {
        s_refuse(srv, &to, s_peek_request_id(data, len), CRM__STATUS__INVALID_ARGUMENT, NULL,
                 "unexpected frames: a request is one frame, optionally after an empty "
                 "delimiter",
                 NULL, 0);
        return;
    }
    if (len > srv->max_payload) {
        char why[96];
        snprintf(why, sizeof why, "request of %zu bytes exceeds the limit of %zu", len,
                 srv->max_payload);
        s_refuse(srv, &to, s_peek_request_id(data, len), CRM__STATUS__INVALID_ARGUMENT, "payload",
                 why, NULL, 0);
        return;
    }
    Crm__Request *req = crm__request__unpack(NULL, len, data);
    if (!req) {
        s_refuse(srv, &to, 0, CRM__STATUS__INVALID_ARGUMENT, NULL, "malformed request", NULL, 0);
        return;
    }
    if (srv->draining) {
        s_refuse(srv, &to, req->request_id, CRM__STATUS__UNAVAILABLE, NULL, "stopping", NULL, 0);
        crm__request__free_unpacked(req, NULL);
        return;
    }
    const method_t *m = rpc_server_lookup(srv, req->method);
    if (!m) {
        char *why = crm_sprintf("unknown method %s", req->method);
        s_refuse(srv, &to, req->request_id, CRM__STATUS__UNIMPLEMENTED, "method", why, NULL, 0);
        free(why);
        crm__request__free_unpacked(req, NULL);
        return;
    }
    if (req->idempotency_key && strlen(req->idempotency_key) > CRM_RPC_MAX_KEY) {
        s_refuse(srv, &to, req->request_id, CRM__STATUS__INVALID_ARGUMENT, "idempotency_key",
                 "idempotency key longer than 64 bytes", NULL, 0);
        crm__request__free_unpacked(req, NULL);
        return;
    }
    ProtobufCMessage *payload =
        protobuf_c_message_unpack(m->md->input, NULL, req->payload.len, req->payload.data);
    if (!payload) {
        char *why = crm_sprintf("payload is not a valid %s", m->md->input->name);
        s_refuse(srv, &to, req->request_id, CRM__STATUS__INVALID_ARGUMENT, "payload", why, NULL, 0);
        free(why);
        crm__request__free_unpacked(req, NULL);
        return;
    }

    crm_rpc_call_t *call = crm_calloc(1, sizeof *call);
    call->srv = srv;
    call->method = m->name;
    call->mi = (size_t)(m - srv->methods);
    call->started_ns = uv_hrtime();
    /* The request's trace is current while its handler runs (below). */
    crm_trace_t was = crm_trace_swap(req->trace_id);
    call->trace = crm_trace_keep();
    call->out = m->md->output;
    call->req = req;
    call->payload = payload;
    call->peer = crm_malloc(to.peer_len ? to.peer_len : 1);
    memcpy(call->peer, to.peer, to.peer_len);
    call->peer_len = to.peer_len;
    call->delimited = to.delimited;
    srv->inflight++;
    if (req->walk && rpc_walk_claim(call, m)) {
        crm_trace_restore(&was);
        return; /* its page was read ahead */
    }
    /* Last: the handler may reply, or even destroy the server. */
    m->handler(call, m->arg);
    crm_trace_restore(&was);
}

/* Hands the outcome of an in-process call to its callback, as a client
 * would get it: the payload decoded with the method's output type (msg
 * itself when the handler replied with a message). */
static void s_answer_local(crm_rpc_call_t *call, Crm__Status status, const char *field,
                           const char *message, const uint8_t *payload, size_t payload_len,
                           const ProtobufCMessage *msg)
{
    crm_rpc_result_t res = {status,
                            message ? message : "",
                            field && *field ? field : NULL,
                            (ProtobufCMessage *)msg,
                            payload,
                            payload_len,
                            call->more,
                            call->n_more};
    ProtobufCMessage *decoded = NULL;
    if (status == CRM__STATUS__OK && !msg) {
        decoded = protobuf_c_message_unpack(call->out, NULL, payload_len, payload);
        if (!decoded) {
            res.status = CRM__STATUS__INTERNAL;
            res.message = "the reply does not decode";
        }
        res.payload = decoded;
    }
    call->cb(call->cb_arg, &res);
    if (decoded)
        protobuf_c_message_free_unpacked(decoded, NULL);
}

/* The access log of calls, at debug level, in the call's trace: nothing
 * done for it on this path unless debug lines are printed. */
static void s_log_answered(const crm_rpc_call_t *call, Crm__Status status, double seconds)
{
    if (!crm_log_enabled(CRM_DEBUG))
        return;
    char ms[32];
    snprintf(ms, sizeof ms, "%.3f", seconds * 1e3);
    crm_trace_t was = crm_trace_swap(call->trace.id);
    crm_log(CRM_DEBUG, "rpc answered", "method", call->method, "status", crm_status_name(status),
            "ms", ms, NULL);
    crm_trace_restore(&was);
}

/* Sends the reply of call (unless its server is gone), or hands it to an
 * in-process caller, and frees the call. */
static void s_finish(crm_rpc_call_t *call, Crm__Status status, const char *field,
                     const char *message, const uint8_t *payload, size_t payload_len,
                     const ProtobufCMessage *msg)
{
    crm_rpc_server_t *srv = call->srv;
    method_t *m = &srv->methods[call->mi];
    double seconds = (double)(uv_hrtime() - call->started_ns) / 1e9;
    m->calls[s_counted(status)]++;
    crm_hist_observe(&m->seconds, seconds);
    s_log_answered(call, status, seconds);
    if (call->cb) {
        crm_trace_t was = crm_trace_swap(call->trace.id);
        s_answer_local(call, status, field, message, payload, payload_len, msg);
        crm_trace_restore(&was);
    } else {
        route_t to = {call->peer, call->peer_len, call->delimited};
        s_send_reply_more(srv, &to, call->req->request_id, status, field, message, payload,
                          payload_len, call->more, call->n_more);
        if (call->req->walk && status == CRM__STATUS__OK && msg)
            rpc_walk_replied(call, msg);
    }
    protobuf_c_message_free_unpacked(call->payload, NULL);
    if (call->req)
        crm__request__free_unpacked(call->req, NULL);
    free(call->key);
    free(call->peer);
    free(call);
    srv->inflight--;
    if (srv->orphaned && srv->inflight == 0)
        s_server_free(srv);
}

/* ---- server ----------------------------------------------------------- */

crm_rpc_server_t *crm_rpc_server_new(uv_loop_t *loop, void *zctx, const char *endpoint,
                                     size_t max_payload)
{
    if (max_payload == 0)
        max_payload = DEFAULT_MAX_PAYLOAD;
    crm_zsock_t *sock = crm_zsock_new(loop, zctx, ZMQ_ROUTER);
    if (!sock)
        return NULL;
    void *raw = crm_zsock_raw(sock);
    /* Frames a little over max_payload get a polite INVALID_ARGUMENT; a
     * frame far beyond it (above the hard cap) makes ZeroMQ drop the
     * connection before the frame is buffered, so a hostile peer cannot
     * make us allocate without bound. */
    int64_t cap = INT64_MAX;
    if (max_payload < (size_t)(INT64_MAX / 8))
        cap = (int64_t)(4 * max_payload + 64 * 1024);
    zmq_setsockopt(raw, ZMQ_MAXMSGSIZE, &cap, sizeof cap);
    if (zmq_bind(raw, endpoint) != 0) {
        crm_log(CRM_ERROR, "rpc: cannot bind", "endpoint", endpoint, "error", zmq_strerror(errno),
                NULL);
        crm_zsock_destroy(&sock);
        return NULL;
    }
    crm_rpc_server_t *srv = crm_calloc(1, sizeof *srv);
    srv->sock = sock;
    srv->endpoint = crm_strdup(endpoint);
    srv->max_payload = max_payload;
    int rc = crm_zsock_start(sock, s_on_message, srv);
    if (rc != 0) {
        crm_log(CRM_ERROR, "rpc: cannot watch socket", "endpoint", endpoint, "error",
                uv_strerror(rc), NULL);
        crm_zsock_destroy(&srv->sock);
        s_server_free(srv);
        return NULL;
    }
    return srv;
}

crm_rpc_server_t *crm_rpc_server_new_local(void)
{
    crm_rpc_server_t *srv = crm_calloc(1, sizeof *srv);
    srv->max_payload = DEFAULT_MAX_PAYLOAD;
    return srv;
}

int crm_rpc_server_method(const crm_rpc_server_t *srv, const char *method,
                          const ProtobufCMessageDescriptor **in,
                          const ProtobufCMessageDescriptor **out)
{
    const method_t *m = rpc_server_lookup(srv, method);
    if (!m)
        return -1;
    if (in)
        *in = m->md->input;
    if (out)
        *out = m->md->output;
    return 0;
}

int crm_rpc_server_call(crm_rpc_server_t *srv, const char *method, ProtobufCMessage **req_p,
                        const Crm__Caller *caller, const char *key, crm_rpc_reply_cb cb, void *arg)
{
    crm_rpc_opts_t opts = {.idem_key = key};
    return crm_rpc_server_call_with(srv, method, req_p, caller, &opts, cb, arg);
}

/* A call of m made in process with *req_p (taken), for the handler. */
static crm_rpc_call_t *s_local_call(crm_rpc_server_t *srv, const method_t *m,
                                    ProtobufCMessage **req_p, const Crm__Caller *caller,
                                    crm_rpc_reply_cb cb, void *arg)
{
    crm_rpc_call_t *call = crm_calloc(1, sizeof *call);
    call->srv = srv;
    call->method = m->name;
    call->mi = (size_t)(m - srv->methods);
    call->started_ns = uv_hrtime();
    call->trace = crm_trace_keep();
    call->out = m->md->output;
    call->payload = *req_p;
    *req_p = NULL;
    call->caller = caller;
    call->cb = cb;
    call->cb_arg = arg;
    srv->inflight++;
    return call;
}

int crm_rpc_server_call_with(crm_rpc_server_t *srv, const char *method, ProtobufCMessage **req_p,
                             const Crm__Caller *caller, const crm_rpc_opts_t *opts,
                             crm_rpc_reply_cb cb, void *arg)
{
    const char *key = opts ? opts->idem_key : NULL;
    const method_t *m = rpc_server_lookup(srv, method);
    if (!m || !req_p || !*req_p || (*req_p)->descriptor != m->md->input)
        return -1;
    if (srv->draining) {
        crm_rpc_result_t res = {.status = CRM__STATUS__UNAVAILABLE, .message = "stopping"};
        cb(arg, &res);
        return 0;
    }
    crm_rpc_call_t *call = s_local_call(srv, m, req_p, caller, cb, arg);
    call->key = key && *key ? crm_strndup(key, CRM_RPC_MAX_KEY) : NULL;
    call->walk = opts && opts->walk;
    m->handler(call, m->arg); /* last: the handler may answer at once */
    return 0;
}

void rpc_server_call_local(crm_rpc_server_t *srv, const method_t *m, ProtobufCMessage **req_p,
                           const Crm__Caller *caller, int walk, rpc_ahead_t *ahead,
                           crm_rpc_reply_cb cb, void *arg)
{
    crm_rpc_call_t *call = s_local_call(srv, m, req_p, caller, cb, arg);
    call->walk = walk;
    call->ahead = ahead;
    m->handler(call, m->arg); /* last: the handler may answer at once */
}

int crm_rpc_server_handle(crm_rpc_server_t *srv, const ProtobufCServiceDescriptor *svc,
                          const char *method, crm_rpc_handler handler, void *arg)
{
    const ProtobufCMethodDescriptor *md =
        protobuf_c_service_descriptor_get_method_by_name(svc, method);
    if (!md) {
        crm_log(CRM_ERROR, "rpc: no such method", "proto_service", svc->name, "method", method,
                NULL);
        return -1;
    }
    char *name = crm_sprintf("%s.%s", svc->short_name, md->name);
    method_t *m = (method_t *)rpc_server_lookup(srv, name);
    if (m) {
        free(name); /* registered again: the new handler wins */
    } else {
        srv->methods = crm_realloc(srv->methods, (srv->nmethods + 1) * sizeof *srv->methods);
        m = &srv->methods[srv->nmethods++];
        memset(m, 0, sizeof *m);
        m->name = name;
    }
    m->md = md;
    m->handler = handler;
    m->arg = arg;
    return 0;
}

int crm_rpc_server_serve(crm_rpc_server_t *srv, const ProtobufCServiceDescriptor *svc,
                         const crm_rpc_handler *handlers, const int *present, void *arg)
{
    int missing = 0;
    for (unsigned i = 0; i < svc->n_methods; i++) {
        if (present[i])
            continue;
        char *name = crm_sprintf("%s.%s", svc->short_name, svc->methods[i].name);
        crm_log(CRM_ERROR, "rpc: no handler for a method of the service", "method", name, NULL);
        free(name);
        missing++;
    }
    if (missing)
        return -1;
    for (unsigned i = 0; i < svc->n_methods; i++)
        crm_rpc_server_handle(srv, svc, svc->methods[i].name, handlers[i], arg);
    return 0;
}

void crm_rpc_server_drain(crm_rpc_server_t *srv)
{
    srv->draining = 1;
}

size_t crm_rpc_server_inflight(const crm_rpc_server_t *srv)
{
    return srv->inflight;
}

void crm_rpc_server_metrics(const crm_rpc_server_t *srv, crm_metrics_t *m)
{
    crm_metrics_family(m, "crm_rpc_calls_total", "counter",
                       "RPC calls answered by a handler, by method and status");
    for (size_t i = 0; i < srv->nmethods; i++)
        for (int st = 0; st < RPC_STATUSES; st++)
            if (srv->methods[i].calls[st])
                crm_metrics_value(m, "crm_rpc_calls_total", (double)srv->methods[i].calls[st],
                                  "method", srv->methods[i].name, "status",
                                  crm_status_name((Crm__Status)st), NULL);
    crm_metrics_family(m, "crm_rpc_call_seconds", "histogram",
                       "RPC calls: from the request to its answer, by method");
    for (size_t i = 0; i < srv->nmethods; i++)
        if (srv->methods[i].seconds.count)
            crm_metrics_hist(m, "crm_rpc_call_seconds", &srv->methods[i].seconds, "method",
                             srv->methods[i].name, NULL);
    crm_metrics_family(m, "crm_rpc_refused_total", "counter",
                       "RPC requests answered before any handler (malformed, oversized, unknown"
                       " method, stopping), by status");
    for (int st = 0; st < RPC_STATUSES; st++)
        crm_metrics_value(m, "crm_rpc_refused_total", (double)srv->refused[st], "status",
                          crm_status_name((Crm__Status)st), NULL);
    crm_metrics_family(m, "crm_rpc_inflight", "gauge", "RPC calls being answered");
    crm_metrics_value(m, "crm_rpc_inflight", (double)srv->inflight, NULL);
}

void crm_rpc_server_destroy(crm_rpc_server_t **srv_p)
{
    crm_rpc_server_t *srv = srv_p ? *srv_p : NULL;
    if (!srv)
        return;
    *srv_p = NULL;
    /* Linger 0 would discard replies still queued (a drained server's last
     * ones); give them a moment to leave. zmq_close does not block. */
    int linger = CLOSE_LINGER_MS;
    if (srv->sock)
        zmq_setsockopt(crm_zsock_raw(srv->sock), ZMQ_LINGER, &linger, sizeof linger);
    crm_zsock_destroy(&srv->sock);
    if (srv->inflight == 0)
        s_server_free(srv);
    else
        srv->orphaned = 1;
}

/* ---- calls ------------------------------------------------------------ */

const ProtobufCMessage *crm_rpc_call_request(const crm_rpc_call_t *call)
{
    return call->payload;
}

const Crm__Caller *crm_rpc_call_caller(const crm_rpc_call_t *call)
{
    const Crm__Caller *caller = call->req ? call->req->caller : call->caller;
    return caller ? caller : &s_no_caller;
}

const char *crm_rpc_call_method(const crm_rpc_call_t *call)
{
    return call->method;
}

int crm_rpc_call_walks(const crm_rpc_call_t *call)
{
    return call->req ? call->req->walk : call->walk;
}

const char *crm_rpc_call_key(const crm_rpc_call_t *call)
{
    if (!call->req)
        return call->key ? call->key : "";
    return call->req->idempotency_key ? call->req->idempotency_key : "";
}

void crm_rpc_reply_raw(crm_rpc_call_t *call, const uint8_t *payload, size_t len)
{
    s_finish(call, CRM__STATUS__OK, NULL, NULL, payload, len, NULL);
}

void crm_rpc_reply(crm_rpc_call_t *call, const ProtobufCMessage *payload)
{
    if (payload && payload->descriptor != call->out) {
        crm_log(CRM_ERROR, "rpc: handler replied with the wrong type", "method", call->method,
                "type", payload->descriptor->name, "want", call->out->name, NULL);
        s_finish(call, CRM__STATUS__INTERNAL, NULL, "internal error", NULL, 0, NULL);
        return;
    }
    size_t len = payload ? protobuf_c_message_get_packed_size(payload) : 0;
    uint8_t *buf = crm_malloc(len ? len : 1);
    if (payload)
        protobuf_c_message_pack(payload, buf);
    s_finish(call, CRM__STATUS__OK, NULL, NULL, buf, len, payload);
    free(buf);
}

void crm_rpc_fail(crm_rpc_call_t *call, Crm__Status status, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    char *message = small;
    if (n >= (int)sizeof small) {
        message = crm_malloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(message, (size_t)n + 1, fmt, ap);
        va_end(ap);
    } else if (n < 0) {
        small[0] = '\0';
    }
    if (status == CRM__STATUS__OK)
        status = CRM__STATUS__INTERNAL; /* a failure is never OK */
    s_finish(call, status, field, message, NULL, 0, NULL);
    if (message != small)
        free(message);
}

int crm_rpc_fail_err(crm_rpc_call_t *call, const crm_err_t *err)
{
    crm_rpc_fail(call, err->status, err->field, "%s", err->message);
    return 0;
}

int crm_rpc_fail_errs(crm_rpc_call_t *call, const crm_errs_t *errs)
{
    size_t n = errs->n > 1 ? errs->n - 1 : 0;
    Crm__FieldError *items = n ? crm_calloc(n, sizeof *items) : NULL;
    Crm__FieldError **more = n ? crm_calloc(n, sizeof *more) : NULL;
    for (size_t i = 0; i < n; i++) {
        crm__field_error__init(&items[i]);
        items[i].field = (char *)(errs->e[i + 1].field ? errs->e[i + 1].field : "");
        items[i].message = (char *)errs->e[i + 1].message;
        more[i] = &items[i];
    }
    call->more = more;
    call->n_more = n;
    crm_rpc_fail_err(call, &errs->e[0]); /* frees call: items and more are ours */
    free(more);
    free(items);
    return 0;
}
