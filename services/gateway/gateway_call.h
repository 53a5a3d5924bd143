/* gateway_call.h: one HTTP request in flight (gw_call_t) and the ways it
 * is answered: a reply message as JSON, raw bytes, a problem document
 * (gateway_problem.h) with the HTTP status of an RPC status, or an RPC outcome as it came
 * (gw_call_answer). Every answer frees the call. */
#ifndef GATEWAY_CALL_H
#define GATEWAY_CALL_H

#include <h2o.h>

#include "crm/pbjson.h"
#include "crm/rpc.h"
#include "gateway.h"
#include "gateway_routes.h"
#include "identity/identity.h"

typedef struct gw_call {
    gw_t *gw;
    h2o_req_t *req; /* NULL once h2o disposed of it (client gone) */
    void *req_ref;  /* the pool object that tells us so */
    const gw_route_t *route;
    uint64_t started_ns; /* uv_hrtime() at the request */
    gw_param_t params[GW_MAX_PARAMS];
    int nparams;
    char token_hash[65]; /* hex; "" without a token */
    char peer[72];       /* "a:<client address>", its rate-limit key */
    gw_principal_t who;  /* resolved from the token (owned) */
    Crm__Caller caller;  /* built from who for RPCs */
    char idem_key[64];   /* from the Idempotency-Key header, scoped to the user ("": none) */
    Crm__DataScope scope;
    int sheet;       /* the body was a spreadsheet (gateway_sheet.c): fields came from the URL */
    char *sheet_csv; /* its first sheet as CSV text, once read (owned) */
    size_t sheet_len;
} gw_call_t;

/* Starts a call for req on route. */
gw_call_t *gw_call_new(gw_t *gw, h2o_req_t *req, const gw_route_t *route, const gw_param_t *params,
                       int nparams);
/* Replies 200 with msg in the wire form of JSON (NULL: {}); for a create
 * (route->created) 201 with its Location; for a single-record action
 * (route->one) the one record. */
void gw_call_reply(gw_call_t *c, const ProtobufCMessage *msg);
/* What gw_call_reply would send for msg, without sending it, with extra's
 * members (crm/pbjson.h; NULL: none): the JSON text (caller frees; *len its
 * length) and the status in *http (201 for a create, whose Location header
 * is set on the request now). */
char *gw_call_reply_text(gw_call_t *c, const ProtobufCMessage *msg, const crm_pb_extra_t *extra,
                         int *http, size_t *len);
/* Replies with raw bytes of content_type. */
void gw_call_reply_raw(gw_call_t *c, int http, const char *content_type, const char *body,
                       size_t len);
/* Replies with the HTTP status of st and a problem document; field (a
 * dotted path, "Idempotency-Key" or "Last-Event-ID" for the header, or NULL) is the field at
 * fault. */
void gw_call_fail(gw_call_t *c, Crm__Status st, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Replies with an HTTP status and error code of the gateway's own (403
 * password_change_required, 413, 429...). */
void gw_call_fail_http(gw_call_t *c, int http, const char *code, const char *message);
/* Replies 400 invalid_argument naming every field at fault (faults from
 * crm_pb_from_json_all, n >= 1, in wire names). */
void gw_call_fail_faults(gw_call_t *c, const crm_pb_fault_t *faults, size_t n);
/* The HTTP adapter of an error value (crm/err.h). Returns 0. */
int gw_call_fail_err(gw_call_t *c, const crm_err_t *err);
/* Answers with an RPC outcome, the gateway's own or a service's: OK as
 * JSON; "unknown method" as 501 (the service is older than the route);
 * RATE_LIMITED with Retry-After: 1; else the error. */
void gw_call_answer(gw_call_t *c, const crm_rpc_result_t *res);
/* Frees c without replying (a handler that sent the response itself). */
void gw_call_finish(gw_call_t *c);

/* The HTTP status for an RPC status. */
int gw_http_status(Crm__Status st);
/* Sends a problem document to a request that has no call (limits,
 * routing). */
void gw_send_error(h2o_req_t *req, int http, const char *code, const char *message);

#endif
