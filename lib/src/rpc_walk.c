/* rpc_walk.c: a walk's next page read ahead by the RPC server.
 *
 * A caller that walks a whole list (Request.walk: the gateway's exports)
 * asks page after page, each after the cursor the page before ended with.
 * Each page is a statement in the database, then its rows made messages and
 * packed, then read by the caller; one after the other, the database waits
 * while the service packs and the caller reads. So the server reads the
 * next page ahead: once a page's handler knows where the next page starts
 * (crm_rpc_call_next_page, as soon as its rows are in; else the reply's
 * next_cursor), it runs the same request with that cursor for the same
 * caller, in process, and keeps the encoded reply. The caller's request for
 * that page is answered from it, at once or as soon as it is read, and the
 * page after it is read ahead in turn. A walk so has a page in the database
 * while the page before is packed and the one before that is read.
 *
 * A page read ahead answers exactly the request it was read for (method,
 * payload with its cursor, and caller, compared as encoded), so a caller gets
 * what its own request would have got (its scope, its masking), read a
 * moment before it asked: a walk reads each page in its own statement
 * anyway. A page that failed is not kept: its request runs as usual. At most
 * AHEAD_MAX pages are held or being read at once (beyond, none is read
 * ahead); one nobody asked for within AHEAD_TTL_MS is dropped at the next
 * request. A method reads ahead when its request has a string `cursor` and
 * its reply a string `next_cursor`: every list. */
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "rpc_server_impl.h"

#define AHEAD_MAX 8
#define AHEAD_TTL_MS 30000

struct rpc_ahead {
    crm_rpc_server_t *srv;
    const method_t *m;
    uint8_t *req; /* the page's request, encoded, with its cursor */
    size_t req_len;
    uint8_t *who; /* the caller, encoded */
    size_t who_len;
    Crm__Caller *caller; /* the same decoded, for the handler */
    int done, ok;
    uint8_t *reply; /* the page's encoded reply, when ok */
    size_t reply_len;
    char *next;              /* where the page after starts ("": none), once known */
    int claimed;             /* its request came */
    int chained;             /* the page after is read ahead */
    crm_rpc_call_t *waiting; /* its request, waiting for it to be read */
    uint64_t done_ms;
    rpc_ahead_t *prev, *after;
};

/* The string field name of d, not repeated, or NULL. */
static const ProtobufCFieldDescriptor *s_string(const ProtobufCMessageDescriptor *d,
                                                const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    return f && f->type == PROTOBUF_C_TYPE_STRING && f->label != PROTOBUF_C_LABEL_REPEATED ? f
                                                                                           : NULL;
}

/* The request's cursor field of m, if m pages (its reply has next_cursor). */
static const ProtobufCFieldDescriptor *s_cursor(const method_t *m)
{
    return m && s_string(m->md->output, "next_cursor") ? s_string(m->md->input, "cursor") : NULL;
}

static uint8_t *s_pack(const ProtobufCMessage *msg, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = crm_malloc(*len ? *len : 1);
    protobuf_c_message_pack(msg, buf);
    return buf;
}

/* req encoded with its cursor field f set to cursor. */
static uint8_t *s_pack_at(const ProtobufCMessage *req, const ProtobufCFieldDescriptor *f,
                          const char *cursor, size_t *len)
{
    char **p = (char **)((char *)req + f->offset);
    char *was = *p;
    *p = (char *)cursor;
    uint8_t *buf = s_pack(req, len);
    *p = was;
    return buf;
}

static rpc_ahead_t *s_find(crm_rpc_server_t *srv, const method_t *m, const uint8_t *req,
                           size_t req_len, const uint8_t *who, size_t who_len)
{
    for (rpc_ahead_t *a = srv->ahead; a; a = a->after)
        if (a->m == m && !a->claimed && a->req_len == req_len && a->who_len == who_len &&
            !memcmp(a->req, req, req_len) && !memcmp(a->who, who, who_len))
            return a;
    return NULL;
}

static void s_free(rpc_ahead_t *a)
{
    crm_rpc_server_t *srv = a->srv;
    if (a->prev)
        a->prev->after = a->after;
    else
        srv->ahead = a->after;
    if (a->after)
        a->after->prev = a->prev;
    srv->naheads--;
    free(a->req);
    free(a->who);
    if (a->caller)
        protobuf_c_message_free_unpacked(&a->caller->base, NULL);
    free(a->reply);
    free(a->next);
    free(a);
}

static void s_read(void *arg, const crm_rpc_result_t *res);

/* Reads ahead the page of m's request base at cursor, for caller. */
static void s_start(crm_rpc_server_t *srv, const method_t *m, const ProtobufCMessage *base,
                    const Crm__Caller *caller, const char *cursor)
{
    const ProtobufCFieldDescriptor *f = s_cursor(m);
    if (!f || !cursor || !*cursor || !srv->sock || srv->draining || srv->naheads >= AHEAD_MAX)
        return;
    size_t req_len, who_len;
    uint8_t *req = s_pack_at(base, f, cursor, &req_len), *who = s_pack(&caller->base, &who_len);
    if (s_find(srv, m, req, req_len, who, who_len)) {
        free(req);
        free(who);
        return;
    }
    rpc_ahead_t *a = crm_calloc(1, sizeof *a);
    *a = (rpc_ahead_t){
        .srv = srv, .m = m, .req = req, .req_len = req_len, .who = who, .who_len = who_len};
    a->after = srv->ahead;
    if (a->after)
        a->after->prev = a;
    srv->ahead = a;
    srv->naheads++;
    a->caller = crm__caller__unpack(NULL, who_len, who);
    ProtobufCMessage *msg = protobuf_c_message_unpack(m->md->input, NULL, req_len, req);
    if (!a->caller || !msg) {
        if (msg)
            protobuf_c_message_free_unpacked(msg, NULL);
        s_free(a);
        return;
    }
    rpc_server_call_local(srv, m, &msg, a->caller, 1, a, s_read, a);
}

/* Once a's request came and the page after a is known, reads that ahead. */
static void s_chain(rpc_ahead_t *a)
{
    if (a->chained || !a->claimed || !a->next || !*a->next)
        return;
    a->chained = 1;
    ProtobufCMessage *base = protobuf_c_message_unpack(a->m->md->input, NULL, a->req_len, a->req);
    if (base) {
        s_start(a->srv, a->m, base, a->caller, a->next);
        protobuf_c_message_free_unpacked(base, NULL);
    }
}

/* Answers call, the request a was read ahead for, and lets a go: with its
 * reply, or by the handler when it failed. */
static void s_serve(rpc_ahead_t *a, crm_rpc_call_t *call)
{
    s_chain(a);
    const method_t *m = a->m;
    if (a->ok) {
        crm_rpc_reply_raw(call, a->reply, a->reply_len);
        s_free(a);
        return;
    }
    s_free(a);
    m->handler(call, m->arg);
}

/* The page read ahead is in (the in-process call's outcome). */
static void s_read(void *arg, const crm_rpc_result_t *res)
{
    rpc_ahead_t *a = arg;
    a->done = 1;
    a->done_ms = crm_mono_ms();
    a->ok = res->status == CRM__STATUS__OK && res->payload;
    if (a->ok) {
        a->reply = crm_rpc_result_keep(res, &a->reply_len);
        if (!a->next) { /* its handler did not say: the reply does */
            const ProtobufCFieldDescriptor *f = s_string(a->m->md->output, "next_cursor");
            const char *next = *(const char **)((const char *)res->payload + f->offset);
            a->next = crm_strdup(next ? next : "");
        }
    }
    if (a->waiting) {
        crm_rpc_call_t *call = a->waiting;
        a->waiting = NULL;
        s_serve(a, call);
    }
}

int rpc_walk_claim(crm_rpc_call_t *call, const method_t *m)
{
    crm_rpc_server_t *srv = call->srv;
    if (!srv->ahead || !s_cursor(m))
        return 0;
    size_t req_len, who_len;
    uint8_t *req = s_pack(call->payload, &req_len);
    uint8_t *who = s_pack(&crm_rpc_call_caller(call)->base, &who_len);
    rpc_ahead_t *a = s_find(srv, m, req, req_len, who, who_len);
    free(req);
    free(who);
    if (!a)
        return 0;
    a->claimed = 1;
    if (a->done) {
        s_serve(a, call);
        return 1;
    }
    a->waiting = call;
    s_chain(a);
    return 1;
}

void rpc_walk_replied(crm_rpc_call_t *call, const ProtobufCMessage *msg)
{
    const ProtobufCFieldDescriptor *f = s_string(msg->descriptor, "next_cursor");
    if (call->next_said || !f)
        return;
    const char *next = *(const char **)((const char *)msg + f->offset);
    s_start(call->srv, rpc_server_lookup(call->srv, call->method), call->payload,
            crm_rpc_call_caller(call), next);
}

void crm_rpc_call_next_page(crm_rpc_call_t *call, const char *cursor)
{
    call->next_said = 1;
    if (call->ahead) {
        rpc_ahead_t *a = call->ahead;
        free(a->next);
        a->next = crm_strdup(cursor ? cursor : "");
        s_chain(a);
    } else if (call->req && call->req->walk) {
        s_start(call->srv, rpc_server_lookup(call->srv, call->method), call->payload,
                crm_rpc_call_caller(call), cursor);
    }
}

void rpc_walk_sweep(crm_rpc_server_t *srv, int all)
{
    uint64_t now = srv->ahead ? crm_mono_ms() : 0;
    for (rpc_ahead_t *a = srv->ahead, *after; a; a = after) {
        after = a->after;
        if (all || (a->done && !a->claimed && now - a->done_ms > AHEAD_TTL_MS))
            s_free(a);
    }
}
