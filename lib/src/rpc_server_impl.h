/* rpc_server_impl.h: what the files of the RPC server share (rpc_server.c:
 * the socket, requests, calls and replies; rpc_walk.c: a walk's next page
 * read ahead). Not part of lib's public face. */
#ifndef CRM_RPC_SERVER_IMPL_H
#define CRM_RPC_SERVER_IMPL_H

#include "crm/metrics.h"
#include "crm/rpc.h"
#include "crm/zsock.h"

/* Crm__Status values counted apart (a larger one counts as INTERNAL). */
#define RPC_STATUSES (CRM__STATUS__UNIMPLEMENTED + 1)

typedef struct {
    char *name; /* "Service.Method" */
    const ProtobufCMethodDescriptor *md;
    crm_rpc_handler handler;
    void *arg;
    uint64_t calls[RPC_STATUSES]; /* answered, by status (crm_rpc_server_metrics) */
    crm_hist_t seconds;           /* from the request to its answer */
} method_t;

typedef struct rpc_ahead rpc_ahead_t;

struct crm_rpc_server {
    crm_zsock_t *sock; /* NULL once destroyed */
    char *endpoint;
    size_t max_payload;
    method_t *methods;
    size_t nmethods;
    size_t inflight;
    int draining;
    int orphaned;       /* destroyed with calls in flight */
    rpc_ahead_t *ahead; /* pages read ahead for walks (rpc_walk.c) */
    size_t naheads;
    uint64_t refused[RPC_STATUSES]; /* requests answered before any handler */
};

struct crm_rpc_call {
    crm_rpc_server_t *srv;
    const char *method; /* the server's copy of the name */
    size_t mi;          /* its entry in srv->methods */
    uint64_t started_ns;
    const ProtobufCMessageDescriptor *out;
    Crm__Request *req; /* off the wire; NULL for a call made in process */
    ProtobufCMessage *payload;
    uint8_t *peer;
    size_t peer_len;
    int delimited;
    /* A call made in process (crm_rpc_server_call): */
    const Crm__Caller *caller;
    char *key;
    int walk;
    crm_rpc_reply_cb cb; /* where its outcome goes */
    void *cb_arg;
    /* The further fields at fault of a failure (crm_rpc_fail_errs). */
    Crm__FieldError **more;
    size_t n_more;
    /* A walk's page: the one read ahead that this call computes (NULL:
     * none), and whether its handler said where the next page starts. */
    rpc_ahead_t *ahead;
    int next_said;
};

/* rpc_server.c */
const method_t *rpc_server_lookup(const crm_rpc_server_t *srv, const char *name);
/* An in-process call of m with *req_p (taken), made for the page ahead
 * (may be NULL); as crm_rpc_server_call_with. */
void rpc_server_call_local(crm_rpc_server_t *srv, const method_t *m, ProtobufCMessage **req_p,
                           const Crm__Caller *caller, int walk, rpc_ahead_t *ahead,
                           crm_rpc_reply_cb cb, void *arg);

/* rpc_walk.c */
/* A walk call (Request.walk) about to be handed to its handler: if its
 * page was read ahead, the call is answered from it (now, or when it is
 * read) and 1 is returned; else 0, and the handler runs. */
int rpc_walk_claim(crm_rpc_call_t *call, const method_t *m);
/* A walk call answered OK with msg: reads its next page ahead, unless its
 * handler did so already (crm_rpc_call_next_page). */
void rpc_walk_replied(crm_rpc_call_t *call, const ProtobufCMessage *msg);
/* Drops the pages read ahead that nobody asked for within their time;
 * every one when all is set (the server going away: those still being
 * read are dropped when they end). */
void rpc_walk_sweep(crm_rpc_server_t *srv, int all);

#endif
