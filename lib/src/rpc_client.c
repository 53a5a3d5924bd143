/* rpc_client.c: the RPC client: one DEALER per instance of the callee,
 * deadlines, retries on the next instance, and the blocking
 * crm_rpc_call_sync for tools and tests.
 *
 * Each attempt of a call gets a fresh request_id, so a late reply to an
 * attempt that was given up on (or to a call already finished) matches
 * nothing and is dropped. Every client sets one deadline for all its calls,
 * so attempts expire in the order they started: pending calls sit in one
 * list ordered by expiry and a single uv_timer waits for its head.
 *
 * The sockets have ZMQ_IMMEDIATE set: a send to an instance that is not
 * connected fails at once with EAGAIN and the next instance is tried. If no
 * instance takes the request (none connected yet, or all gone), the call
 * waits in an "unsent" list that a short back-off timer retries until the
 * attempt's deadline passes.
 *
 * The Request is encoded once per call without its request_id; each attempt
 * sends field 2 (request_id) followed by those bytes. Protobuf decoders
 * accept fields in any order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/log.h"
#include "crm/rpc.h"
#include "crm/trace.h"
#include "crm/util.h"
#include "crm/zsock.h"

#define DEFAULT_DEADLINE_MS 2000
#define RESEND_FIRST_MS 1
#define RESEND_MAX_MS 50

typedef struct pcall pcall_t;

struct pcall {
    uint64_t id;            /* request_id of the current attempt */
    pcall_t *hnext;         /* in the id hash */
    pcall_t *prev, *next;   /* in the deadline list */
    pcall_t *uprev, *unext; /* in the unsent list, when unsent */
    int unsent;
    uint64_t expire;  /* loop time (ms) the attempt gives up */
    unsigned attempt; /* attempts started */
    size_t inst;      /* the instance to try first */
    uint8_t *body;    /* the Request without request_id */
    size_t body_len;
    const ProtobufCMessageDescriptor *reply_desc;
    crm_rpc_reply_cb cb;
    void *arg;
    crm_trace_t trace; /* current when the call was made, again around cb */
};

struct crm_rpc_client {
    uv_loop_t *loop;
    crm_zsock_t **socks;
    size_t nsocks;
    unsigned deadline_ms;
    unsigned attempts;
    size_t rr; /* round-robin: the next call's first instance */
    uint64_t next_id;
    uv_timer_t deadline; /* fires when the head of the deadline list expires */
    uv_timer_t resend;   /* retries unsent calls */
    unsigned resend_ms;
    pcall_t *head, *tail;   /* every pending call, by expiry */
    pcall_t *uhead, *utail; /* calls no instance has taken yet */
    pcall_t **buckets;      /* by id; nbuckets is a power of two */
    size_t nbuckets;
    size_t npending;
    int open_handles;
    int destroying;
};

/* ---- bookkeeping ------------------------------------------------------ */

static void s_hash_put(crm_rpc_client_t *c, pcall_t *p)
{
    if (c->npending >= c->nbuckets) {
        size_t n = c->nbuckets * 2;
        pcall_t **b = crm_calloc(n, sizeof *b);
        for (size_t i = 0; i < c->nbuckets; i++)
            for (pcall_t *q = c->buckets[i], *nx; q; q = nx) {
                nx = q->hnext;
                q->hnext = b[q->id & (n - 1)];
                b[q->id & (n - 1)] = q;
            }
        free(c->buckets);
        c->buckets = b;
        c->nbuckets = n;
    }
    pcall_t **slot = &c->buckets[p->id & (c->nbuckets - 1)];
    p->hnext = *slot;
    *slot = p;
    c->npending++;
}

static pcall_t *s_hash_find(crm_rpc_client_t *c, uint64_t id)
{
    for (pcall_t *p = c->buckets[id & (c->nbuckets - 1)]; p; p = p->hnext)
        if (p->id == id)
            return p;
    return NULL;
}

static void s_hash_del(crm_rpc_client_t *c, pcall_t *p)
{
    for (pcall_t **q = &c->buckets[p->id & (c->nbuckets - 1)]; *q; q = &(*q)->hnext)
        if (*q == p) {
            *q = p->hnext;
            c->npending--;
            return;
        }
}

static void s_unsent_del(crm_rpc_client_t *c, pcall_t *p)
{
    if (!p->unsent)
        return;
    *(p->uprev ? &p->uprev->unext : &c->uhead) = p->unext;
    *(p->unext ? &p->unext->uprev : &c->utail) = p->uprev;
    p->uprev = p->unext = NULL;
    p->unsent = 0;
}

static void s_resend_cb(uv_timer_t *t);

static void s_unsent_add(crm_rpc_client_t *c, pcall_t *p)
{
    p->unsent = 1;
    p->unext = NULL;
    p->uprev = c->utail;
    *(c->utail ? &c->utail->unext : &c->uhead) = p;
    c->utail = p;
    if (!uv_is_active((uv_handle_t *)&c->resend)) {
        c->resend_ms = RESEND_FIRST_MS;
        uv_timer_start(&c->resend, s_resend_cb, c->resend_ms, 0);
    }
}

static void s_deadline_cb(uv_timer_t *t);

/* Points the deadline timer at the head of the list. */
static void s_arm(crm_rpc_client_t *c)
{
    if (c->destroying)
        return;
    if (!c->head) {
        uv_timer_stop(&c->deadline);
        return;
    }
    uint64_t now = uv_now(c->loop);
    uv_timer_start(&c->deadline, s_deadline_cb, c->head->expire > now ? c->head->expire - now : 0,
                   0);
}

/* Takes p out of every list and the hash (it stays allocated). */
static void s_unlink(crm_rpc_client_t *c, pcall_t *p)
{
    s_hash_del(c, p);
    s_unsent_del(c, p);
    *(p->prev ? &p->prev->next : &c->head) = p->next;
    *(p->next ? &p->next->prev : &c->tail) = p->prev;
    p->prev = p->next = NULL;
}

static void s_pcall_free(pcall_t *p)
{
    free(p->body);
    free(p);
}

/* Finishes p with res: the one and only callback. p must be unlinked. */
static void s_complete(pcall_t *p, const crm_rpc_result_t *res)
{
    crm_trace_t was = crm_trace_swap(p->trace.id);
    p->cb(p->arg, res);
    crm_trace_restore(&was);
    s_pcall_free(p);
}

static void s_fail(pcall_t *p, Crm__Status status, const char *message)
{
    crm_rpc_result_t res = {.status = status, .message = message};
    s_complete(p, &res);
}

/* ---- sending ---------------------------------------------------------- */

/* Hands the current attempt of p to the first instance that takes it,
 * starting at p->inst. Returns 0, or -1 if none can take it now. */
static int s_try_send(crm_rpc_client_t *c, pcall_t *p)
{
    uint8_t head[11];
    size_t hlen = 0;
    head[hlen++] = 0x10; /* field 2 (request_id), varint */
    for (uint64_t v = p->id;; v >>= 7) {
        head[hlen++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80)
            break;
    }
    size_t len = hlen + p->body_len;
    uint8_t *frame = crm_malloc(len);
    memcpy(frame, head, hlen);
    memcpy(frame + hlen, p->body, p->body_len);
    const void *data[2] = {"", frame};
    size_t lens[2] = {0, len};
    int rc = -1;
    for (size_t k = 0; k < c->nsocks; k++) {
        size_t i = (p->inst + k) % c->nsocks;
        if (crm_zsock_send(c->socks[i], data, lens, 2) == 0) {
            p->inst = (i + 1) % c->nsocks; /* a retry goes to the next one */
            rc = 0;
            break;
        }
        if (errno != EAGAIN)
            crm_logf(CRM_WARN, "rpc: send failed: %s", zmq_strerror(errno));
    }
    free(frame);
    return rc;
}

/* Starts the next attempt of p (unlinked): new id, new deadline. */
static void s_attempt(crm_rpc_client_t *c, pcall_t *p)
{
    p->attempt++;
    p->id = ++c->next_id;
    s_hash_put(c, p);
    p->expire = uv_now(c->loop) + c->deadline_ms;
    p->next = NULL;
    p->prev = c->tail;
    *(c->tail ? &c->tail->next : &c->head) = p;
    c->tail = p;
    if (c->head == p)
        s_arm(c);
    if (s_try_send(c, p) < 0)
        s_unsent_add(c, p);
}

static void s_deadline_cb(uv_timer_t *t)
{
    crm_rpc_client_t *c = t->data;
    uint64_t now = uv_now(c->loop);
    while (c->head && c->head->expire <= now) {
        pcall_t *p = c->head;
        s_unlink(c, p);
        if (p->attempt < c->attempts) {
            s_attempt(c, p);
            continue;
        }
        char why[96];
        snprintf(why, sizeof why, "no instance answered within %llu ms",
                 (unsigned long long)c->deadline_ms * c->attempts);
        s_fail(p, CRM__STATUS__UNAVAILABLE, why);
        if (c->destroying)
            return; /* the callback destroyed the client */
    }
    s_arm(c);
}

static void s_resend_cb(uv_timer_t *t)
{
    crm_rpc_client_t *c = t->data;
    /* In order; when one finds no taker the rest would not either. */
    while (c->uhead && s_try_send(c, c->uhead) == 0)
        s_unsent_del(c, c->uhead);
    if (c->uhead) {
        c->resend_ms = c->resend_ms * 2 > RESEND_MAX_MS ? RESEND_MAX_MS : c->resend_ms * 2;
        uv_timer_start(&c->resend, s_resend_cb, c->resend_ms, 0);
    }
}

/* ---- receiving -------------------------------------------------------- */

static void s_on_reply(crm_zsock_t *sock, crm_zmsg_t *msg, void *arg)
{
    crm_rpc_client_t *c = arg;
    zmq_msg_t *frame;
    if (msg->nparts == 2 && zmq_msg_size(&msg->parts[0]) == 0)
        frame = &msg->parts[1];
    else if (msg->nparts == 1)
        frame = &msg->parts[0];
    else
        return;
    Crm__Reply *reply = crm__reply__unpack(NULL, zmq_msg_size(frame), zmq_msg_data(frame));
    if (!reply) {
        crm_log(CRM_WARN, "rpc: undecodable reply dropped", NULL);
        return;
    }
    pcall_t *p = s_hash_find(c, reply->request_id);
    if (!p) {
        /* A reply to an attempt given up on, or to a finished call. */
        crm__reply__free_unpacked(reply, NULL);
        return;
    }
    s_unlink(c, p);
    crm_rpc_result_t res = {
        .status = reply->status,
        .message = reply->message,
        .field = reply->field[0] ? reply->field : NULL,
        .raw = reply->payload.data,
        .raw_len = reply->payload.len,
        .more = reply->more,
        .n_more = reply->n_more,
    };
    char *why = NULL;
    if (res.status == CRM__STATUS__OK && p->reply_desc) {
        res.payload = protobuf_c_message_unpack(p->reply_desc, NULL, res.raw_len,
                                                res.raw ? res.raw : (const uint8_t *)"");
        if (!res.payload) {
            why = crm_sprintf("reply payload is not a valid %s", p->reply_desc->name);
            res.status = CRM__STATUS__INTERNAL;
            res.message = why;
        }
    }
    s_complete(p, &res);
    protobuf_c_message_free_unpacked(res.payload, NULL);
    free(why);
    crm__reply__free_unpacked(reply, NULL);
    s_arm(c); /* the head may have gone; harmless after a destroy */
}

/* ---- client ----------------------------------------------------------- */

static void s_timer_closed(uv_handle_t *h)
{
    crm_rpc_client_t *c = h->data;
    if (--c->open_handles == 0) {
        free(c->buckets);
        free(c);
    }
}

crm_rpc_client_t *crm_rpc_client_new(uv_loop_t *loop, void *zctx, const char *endpoints,
                                     unsigned deadline_ms, unsigned attempts)
{
    char **eps;
    size_t n = crm_split_csv(endpoints ? endpoints : "", &eps);
    if (n == 0) {
        crm_log(CRM_ERROR, "rpc: no endpoint to call", "endpoints", endpoints ? endpoints : "",
                NULL);
        crm_strv_free(eps, n);
        return NULL;
    }
    crm_zsock_t **socks = crm_calloc(n, sizeof *socks);
    int immediate = 1;
    for (size_t i = 0; i < n; i++) {
        socks[i] = crm_zsock_new(loop, zctx, ZMQ_DEALER);
        void *raw = socks[i] ? crm_zsock_raw(socks[i]) : NULL;
        if (raw)
            zmq_setsockopt(raw, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
        if (!raw || zmq_connect(raw, eps[i]) != 0) {
            crm_log(CRM_ERROR, "rpc: cannot connect", "endpoint", eps[i], "error",
                    zmq_strerror(errno), NULL);
            for (size_t k = 0; k <= i; k++)
                crm_zsock_destroy(&socks[k]);
            free(socks);
            crm_strv_free(eps, n);
            return NULL;
        }
    }
    crm_strv_free(eps, n);

    crm_rpc_client_t *c = crm_calloc(1, sizeof *c);
    c->loop = loop;
    c->socks = socks;
    c->nsocks = n;
    c->deadline_ms = deadline_ms ? deadline_ms : DEFAULT_DEADLINE_MS;
    c->attempts = attempts ? attempts : 1;
    c->rr = (size_t)getpid() + (size_t)crm_now_us(); /* spread the first calls */
    c->nbuckets = 64;
    c->buckets = crm_calloc(c->nbuckets, sizeof *c->buckets);
    uv_timer_init(loop, &c->deadline);
    uv_timer_init(loop, &c->resend);
    c->deadline.data = c->resend.data = c;
    c->open_handles = 2;
    for (size_t i = 0; i < n; i++)
        crm_zsock_start(socks[i], s_on_reply, c);
    return c;
}

/* Sends a call whose request is encoded already. */
/* The instance a walk's calls go to first: the same for every page of one
 * caller's walk of one method (the server reads a walk's next page ahead,
 * rpc_walk.c), spread over the instances by caller. */
static size_t s_walk_instance(const crm_rpc_client_t *c, const char *method,
                              const Crm__Caller *caller)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = method; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ (uint64_t)caller->user_id) * 1099511628211ULL;
    return (size_t)(h % c->nsocks);
}

static int s_call_raw(crm_rpc_client_t *c, const char *method, const uint8_t *payload, size_t len,
                      const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                      const crm_rpc_opts_t *opts, crm_rpc_reply_cb cb, void *arg)
{
    const char *idem_key = opts->idem_key;
    if (c->destroying || !method) {
        crm_log(CRM_ERROR, "rpc: call on a closing client or without a method", "method",
                method ? method : "", NULL);
        return -1;
    }
    /* No caller: a service acting on its own (the system). */
    static Crm__DataScope all = {PROTOBUF_C_MESSAGE_INIT(&crm__data_scope__descriptor), 1, 0, NULL};
    static Crm__Caller system = {PROTOBUF_C_MESSAGE_INIT(&crm__caller__descriptor),
                                 0,
                                 0,
                                 CRM__ROLE__ROLE_SYSTEM,
                                 &all,
                                 0,
                                 0};
    Crm__Request req = CRM__REQUEST__INIT;
    req.method = (char *)method;
    req.caller = (Crm__Caller *)(caller ? caller : &system);
    req.deadline_ms = c->deadline_ms;
    req.payload.data = (uint8_t *)payload;
    req.payload.len = len;
    char key[37];
    crm_uuid(key);
    req.idempotency_key = idem_key && *idem_key ? (char *)idem_key : key;
    req.walk = opts->walk != 0;
    req.trace_id = (char *)(crm_trace() ? crm_trace() : "");
    pcall_t *p = crm_calloc(1, sizeof *p);
    p->trace = crm_trace_keep();
    p->body_len = crm__request__get_packed_size(&req);
    p->body = crm_malloc(p->body_len ? p->body_len : 1);
    crm__request__pack(&req, p->body);
    p->reply_desc = reply_desc;
    p->cb = cb;
    p->arg = arg;
    p->inst = opts->walk ? s_walk_instance(c, method, req.caller) : c->rr++ % c->nsocks;
    s_attempt(c, p);
    return 0;
}

int crm_rpc_call_raw(crm_rpc_client_t *c, const char *method, const uint8_t *payload, size_t len,
                     const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                     crm_rpc_reply_cb cb, void *arg)
{
    return crm_rpc_call_raw_keyed(c, method, payload, len, reply_desc, caller, NULL, cb, arg);
}

int crm_rpc_call_raw_keyed(crm_rpc_client_t *c, const char *method, const uint8_t *payload,
                           size_t len, const ProtobufCMessageDescriptor *reply_desc,
                           const Crm__Caller *caller, const char *idem_key, crm_rpc_reply_cb cb,
                           void *arg)
{
    crm_rpc_opts_t opts = {.idem_key = idem_key};
    return s_call_raw(c, method, payload, len, reply_desc, caller, &opts, cb, arg);
}

int crm_rpc_call_keyed(crm_rpc_client_t *c, const char *method, const ProtobufCMessage *req,
                       const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                       const char *idem_key, crm_rpc_reply_cb cb, void *arg)
{
    crm_rpc_opts_t opts = {.idem_key = idem_key};
    return crm_rpc_call_with(c, method, req, reply_desc, caller, &opts, cb, arg);
}

int crm_rpc_call_with(crm_rpc_client_t *c, const char *method, const ProtobufCMessage *req,
                      const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                      const crm_rpc_opts_t *opts, crm_rpc_reply_cb cb, void *arg)
{
    static const crm_rpc_opts_t none = {0};
    size_t len = req ? protobuf_c_message_get_packed_size(req) : 0;
    uint8_t *buf = crm_malloc(len ? len : 1);
    if (req)
        protobuf_c_message_pack(req, buf);
    int rc = s_call_raw(c, method, buf, len, reply_desc, caller, opts ? opts : &none, cb, arg);
    free(buf);
    return rc;
}

int crm_rpc_call(crm_rpc_client_t *c, const char *method, const ProtobufCMessage *req,
                 const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                 crm_rpc_reply_cb cb, void *arg)
{
    return crm_rpc_call_keyed(c, method, req, reply_desc, caller, NULL, cb, arg);
}

uint8_t *crm_rpc_result_keep(const crm_rpc_result_t *res, size_t *len)
{
    uint8_t *copy = crm_malloc(res->raw_len + 1);
    if (res->raw_len)
        memcpy(copy, res->raw, res->raw_len);
    *len = res->raw_len;
    return copy;
}

size_t crm_rpc_client_pending(const crm_rpc_client_t *c)
{
    return c->npending;
}

void crm_rpc_client_destroy(crm_rpc_client_t **c_p)
{
    crm_rpc_client_t *c = c_p ? *c_p : NULL;
    if (!c)
        return;
    *c_p = NULL;
    c->destroying = 1;
    while (c->head) {
        pcall_t *p = c->head;
        s_unlink(c, p);
        s_fail(p, CRM__STATUS__UNAVAILABLE, "the client is closing");
    }
    for (size_t i = 0; i < c->nsocks; i++)
        crm_zsock_destroy(&c->socks[i]);
    free(c->socks);
    c->socks = NULL;
    c->nsocks = 0;
    uv_close((uv_handle_t *)&c->deadline, s_timer_closed);
    uv_close((uv_handle_t *)&c->resend, s_timer_closed);
}

/* ---- blocking calls --------------------------------------------------- */

typedef struct {
    int done;
    Crm__Status status;
    const ProtobufCMessageDescriptor *reply_desc;
    ProtobufCMessage *reply;
    char *err;
} sync_t;

static void s_sync_done(void *arg, const crm_rpc_result_t *res)
{
    sync_t *s = arg;
    s->done = 1;
    s->status = res->status;
    if (res->status == CRM__STATUS__OK) {
        if (s->reply_desc)
            s->reply = protobuf_c_message_unpack(s->reply_desc, NULL, res->raw_len,
                                                 res->raw ? res->raw : (const uint8_t *)"");
        return;
    }
    if (res->field)
        s->err = crm_sprintf("%s [%s]", res->message ? res->message : "", res->field);
    else
        s->err = crm_strdup(res->message ? res->message : "");
}

Crm__Status crm_rpc_call_sync(void *zctx, const char *endpoints, unsigned deadline_ms,
                              const char *method, const ProtobufCMessage *req,
                              const ProtobufCMessageDescriptor *reply_desc,
                              const Crm__Caller *caller, ProtobufCMessage **reply, char **err)
{
    if (reply)
        *reply = NULL;
    if (err)
        *err = NULL;
    char **eps;
    size_t n = crm_split_csv(endpoints ? endpoints : "", &eps);
    crm_strv_free(eps, n);

    uv_loop_t loop;
    uv_loop_init(&loop);
    sync_t s = {.reply_desc = reply ? reply_desc : NULL};
    crm_rpc_client_t *c =
        crm_rpc_client_new(&loop, zctx, endpoints, deadline_ms, n > 0 ? (unsigned)n : 1);
    if (!c) {
        s.status = CRM__STATUS__UNAVAILABLE;
        s.err = crm_sprintf("cannot connect to %s", endpoints ? endpoints : "");
    } else if (crm_rpc_call(c, method, req, reply_desc, caller, s_sync_done, &s) < 0) {
        s.status = CRM__STATUS__INTERNAL;
        s.err = crm_strdup("cannot encode the request");
    } else {
        while (!s.done)
            uv_run(&loop, UV_RUN_ONCE);
    }
    crm_rpc_client_destroy(&c);
    uv_run(&loop, UV_RUN_DEFAULT); /* the close callbacks */
    if (uv_loop_close(&loop) != 0)
        crm_log(CRM_WARN, "rpc: private loop left handles open", NULL);
    if (reply)
        *reply = s.reply;
    else
        protobuf_c_message_free_unpacked(s.reply, NULL);
    if (err)
        *err = s.err;
    else
        free(s.err);
    return s.status;
}
