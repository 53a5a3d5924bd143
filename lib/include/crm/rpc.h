/* rpc.h: request/reply over ZeroMQ with protobuf envelopes (proto/rpc.proto).
 *
 * Server: a ROUTER socket. Each request frame is decoded into a Crm__Request;
 * the method is looked up among registered proto service methods; the payload
 * is decoded with the method's input descriptor and handed to the handler,
 * which replies (now or later, from any callback) exactly once. Malformed,
 * truncated, oversized and unknown-method frames get an error reply from the
 * server itself.
 *
 * Frames: [identity][Request] or [identity][empty][Request] (REQ, or a DEALER
 * sending a delimiter, as our client does); the reply uses the same layout.
 * Error replies the server sends itself, all INVALID_ARGUMENT unless noted:
 *   - not decodable as a Request: "malformed request", request_id 0;
 *   - a Request frame over max_payload: field "payload";
 *   - frames beyond the layouts above: no field (a message of more than
 *     CRM_ZSOCK_MAX_PARTS frames is dropped unanswered);
 *   - a method nobody registered: field "method", "unknown method X";
 *   - a payload that does not decode as the method's input: field "payload";
 *   - an idempotency key over CRM_RPC_MAX_KEY bytes: field "idempotency_key";
 *   - any request after crm_rpc_server_drain: UNAVAILABLE "stopping".
 * Replies to a peer that has gone away are dropped.
 *
 * Client: one DEALER socket per instance of the callee. Calls are spread
 * round-robin; a call that gets no reply within its deadline is sent again to
 * the next instance, up to a number of attempts, then fails with UNAVAILABLE.
 * A walk's calls (crm_rpc_opts_t.walk) go first to one instance, chosen by
 * the method and the caller, so the page an instance read ahead for a walk
 * is asked of that instance.
 * The sockets use ZMQ_IMMEDIATE, so an instance that is not connected is
 * skipped at once; the price (libzmq) is that a reply arriving just as its
 * instance disconnects can be lost, and that call waits for its deadline. */
#ifndef CRM_RPC_H
#define CRM_RPC_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>
#include <uv.h>

#include "err.h"
#include "rpc.pb-c.h"

/* Human name of a status: "ok", "invalid_argument", ... */
const char *crm_status_name(Crm__Status st);

/* ---- server ---------------------------------------------------------- */

typedef struct crm_rpc_server crm_rpc_server_t;
typedef struct crm_rpc_call crm_rpc_call_t;

typedef void (*crm_rpc_handler)(crm_rpc_call_t *call, void *arg);

/* Binds a ROUTER to endpoint (tcp:// or ipc://). max_payload is the largest
 * request frame accepted (0: 1 MiB); larger ones get INVALID_ARGUMENT. A
 * frame over the hard cap of 4 * max_payload + 64 KiB (ZMQ_MAXMSGSIZE) is
 * not answered: ZeroMQ drops that peer's connection before buffering it, so
 * an abusive peer cannot exhaust memory. Returns NULL and logs on failure. */
crm_rpc_server_t *crm_rpc_server_new(uv_loop_t *loop, void *zctx, const char *endpoint,
                                     size_t max_payload);

/* Registers handler for "Service.Method" of a proto service: request
 * payloads are decoded with the method's input type, replies must be of its
 * output type. Returns 0, or -1 if the method is not in svc. */
int crm_rpc_server_handle(crm_rpc_server_t *srv, const ProtobufCServiceDescriptor *svc,
                          const char *method, crm_rpc_handler handler, void *arg);

/* Registers a handler for every method of svc, handlers[i] and present[i]
 * for svc->methods[i] (the order of the proto), all with arg. If a method's
 * present[i] is 0, registers nothing, logs each such method and returns -1:
 * a service that does not serve its whole proto service fails at start,
 * not on a caller's request. The generated <svc>_serve of each domain
 * (<proto>.glue.h, tools/glue/glue.py) calls it. Returns 0 otherwise. */
int crm_rpc_server_serve(crm_rpc_server_t *srv, const ProtobufCServiceDescriptor *svc,
                         const crm_rpc_handler *handlers, const int *present, void *arg);

/* Stops accepting requests: new ones get UNAVAILABLE. In-flight calls may
 * still reply. */
void crm_rpc_server_drain(crm_rpc_server_t *srv);

/* How many calls have not replied yet. */
size_t crm_rpc_server_inflight(const crm_rpc_server_t *srv);

/* Writes the server's figures (metrics.h): calls by method and status,
 * their latency, requests refused before a handler, calls in flight. */
struct crm_metrics;
void crm_rpc_server_metrics(const crm_rpc_server_t *srv, struct crm_metrics *m);

/* Closes the socket; replies already sent get up to 200 ms (ZMQ_LINGER) to
 * leave. Calls still in flight are dropped unanswered, but stay valid: their
 * handlers must still finish them with crm_rpc_reply or crm_rpc_fail, which
 * then only free them (nothing is sent). The server's memory is released
 * when the last of them finishes, so a handler that never finishes its call
 * leaks it and the server. Safe on NULL and from inside a handler. */
void crm_rpc_server_destroy(crm_rpc_server_t **srv_p);

/* The decoded request payload (of the method's input type). Owned by call. */
const ProtobufCMessage *crm_rpc_call_request(const crm_rpc_call_t *call);

/* The caller; never NULL (an empty Caller if the request had none). */
const Crm__Caller *crm_rpc_call_caller(const crm_rpc_call_t *call);

/* The method name, "Service.Method". */
const char *crm_rpc_call_method(const crm_rpc_call_t *call);

/* Replies OK with payload (of the method's output type; NULL for Empty) and
 * frees the call. The payload stays the caller's. */
void crm_rpc_reply(crm_rpc_call_t *call, const ProtobufCMessage *payload);

/* Replies OK with an already encoded payload (of the method's output type)
 * and frees the call. */
void crm_rpc_reply_raw(crm_rpc_call_t *call, const uint8_t *payload, size_t len);

/* Whether the caller walks a whole list page by page (Request.walk: the
 * gateway's exports), so a list may answer larger pages (crm/check.h,
 * crm_page_max). */
int crm_rpc_call_walks(const crm_rpc_call_t *call);

/* A list's handler says where the page after this call's starts (its
 * next_cursor; "" or NULL: none) as soon as it knows, before it makes its
 * reply. For a walk the server then reads that page ahead while this one is
 * packed and sent (rpc_walk.c): a walk's request whose page was read ahead
 * is answered from it, without its handler. Without this call a walk's
 * next page is read ahead once the reply is sent (its next_cursor). Does
 * nothing for other calls. */
void crm_rpc_call_next_page(crm_rpc_call_t *call, const char *cursor);

/* Longest idempotency key accepted (longer: INVALID_ARGUMENT). */
#define CRM_RPC_MAX_KEY 64

/* The call's idempotency key: the same for every attempt of one call by
 * our client ("" if the caller sent none). See lib/src/idem.h. */
const char *crm_rpc_call_key(const crm_rpc_call_t *call);

/* Replies with an error and frees the call. field may be NULL. */
void crm_rpc_fail(crm_rpc_call_t *call, Crm__Status status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The RPC adapter of an error value (crm/err.h): fails the call with it
 * and frees the call. Returns 0, so a handler can end with
 * `return crm_rpc_fail_err(call, &err);` where it returns "fine or not". */
int crm_rpc_fail_err(crm_rpc_call_t *call, const crm_err_t *err);
/* Fails call with every error of errs (the first gives the status, field
 * and message; the others travel as the reply's further fields at fault);
 * returns 0. errs must hold at least one. */
int crm_rpc_fail_errs(crm_rpc_call_t *call, const crm_errs_t *errs);

/* ---- client ---------------------------------------------------------- */

typedef struct crm_rpc_client crm_rpc_client_t;

/* The outcome of a call, valid during the callback only. payload is decoded
 * with the reply descriptor given to crm_rpc_call, or NULL unless status is OK
 * (a reply payload that does not decode turns into INTERNAL). message is never
 * NULL ("" on OK); field is NULL when no field is at fault; more are the
 * further fields at fault of a request with several. */
typedef struct {
    Crm__Status status;
    const char *message;
    const char *field;
    ProtobufCMessage *payload;
    const uint8_t *raw; /* the encoded payload */
    size_t raw_len;
    Crm__FieldError *const *more;
    size_t n_more;
} crm_rpc_result_t;

typedef void (*crm_rpc_reply_cb)(void *arg, const crm_rpc_result_t *res);

/* Connects to every endpoint in the comma-separated list. deadline_ms is
 * how long one attempt waits (0: 2000); attempts how many instances are tried
 * (0: 1), each attempt with its own request_id, so a late reply to an attempt
 * already given up on is ignored. Returns NULL and logs if the list is empty
 * or an endpoint is invalid. */
crm_rpc_client_t *crm_rpc_client_new(uv_loop_t *loop, void *zctx, const char *endpoints,
                                     unsigned deadline_ms, unsigned attempts);

/* Calls method ("Service.Method") with req on behalf of caller (NULL: the
 * system). The reply payload is decoded with reply_desc (NULL: not decoded).
 * cb runs exactly once, later, from the loop; also when the client is
 * destroyed first (status UNAVAILABLE). Returns 0, or -1 if the request
 * cannot be encoded (cb not called). */
int crm_rpc_call(crm_rpc_client_t *c, const char *method, const ProtobufCMessage *req,
                 const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                 crm_rpc_reply_cb cb, void *arg);

/* The same with the call's idempotency key given (idem_key, at most
 * CRM_RPC_MAX_KEY bytes; NULL or "": a new one): a caller that retries a
 * call of its own later (an HTTP client with its Idempotency-Key) gets the
 * first answer and the change is made once. */
int crm_rpc_call_keyed(crm_rpc_client_t *c, const char *method, const ProtobufCMessage *req,
                       const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                       const char *idem_key, crm_rpc_reply_cb cb, void *arg);
int crm_rpc_call_raw_keyed(crm_rpc_client_t *c, const char *method, const uint8_t *payload,
                           size_t len, const ProtobufCMessageDescriptor *reply_desc,
                           const Crm__Caller *caller, const char *idem_key, crm_rpc_reply_cb cb,
                           void *arg);

/* What a call says beside its request, for the callers that say more than
 * crm_rpc_call_keyed: its idempotency key (NULL or "": a new one) and
 * whether it walks a whole list (Request.walk, crm_rpc_call_walks). */
typedef struct {
    const char *idem_key;
    int walk;
} crm_rpc_opts_t;

/* crm_rpc_call_keyed with opts (NULL: none). */
int crm_rpc_call_with(crm_rpc_client_t *c, const char *method, const ProtobufCMessage *req,
                      const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                      const crm_rpc_opts_t *opts, crm_rpc_reply_cb cb, void *arg);

/* The same with an already encoded request payload. */
int crm_rpc_call_raw(crm_rpc_client_t *c, const char *method, const uint8_t *payload, size_t len,
                     const ProtobufCMessageDescriptor *reply_desc, const Crm__Caller *caller,
                     crm_rpc_reply_cb cb, void *arg);

/* A copy of an OK result's encoded payload, kept past the callback (to
 * decode later): never NULL, even for an empty payload; *len its size.
 * Caller frees. */
uint8_t *crm_rpc_result_keep(const crm_rpc_result_t *res, size_t *len);

/* Calls not yet answered. */
size_t crm_rpc_client_pending(const crm_rpc_client_t *c);

/* Fails pending calls with UNAVAILABLE (their callbacks run before this
 * returns), closes the sockets; the memory goes after libuv's close
 * callbacks. Safe on NULL and from inside a reply callback. */
void crm_rpc_client_destroy(crm_rpc_client_t **c_p);

/* Blocking convenience for tools and tests: runs a private loop until the
 * reply comes. Returns the status; *reply (caller frees with
 * protobuf_c_message_free_unpacked) is set on OK when reply_desc is given;
 * message and field are copied into err (may be NULL) as "message [field]"
 * ("message" when no field; NULL on OK; the caller frees it). Every endpoint
 * is tried once before UNAVAILABLE. */
Crm__Status crm_rpc_call_sync(void *zctx, const char *endpoints, unsigned deadline_ms,
                              const char *method, const ProtobufCMessage *req,
                              const ProtobufCMessageDescriptor *reply_desc,
                              const Crm__Caller *caller, ProtobufCMessage **reply, char **err);

/* ---- in-process calls --------------------------------------------------
 * A server may also serve calls made in its own process (the gateway's own
 * services, called by its HTTP layer): the same registration (<svc>_serve),
 * the same call object for the handler (crm_rpc_call_request, _caller,
 * _key; crm_rpc_reply, crm_rpc_fail), and for the caller the outcome a
 * client gets. A handler does not know which transport answers it. */

/* A server without a socket: only crm_rpc_server_call reaches it. Register
 * its handlers as on any server; destroy it with crm_rpc_server_destroy. */
crm_rpc_server_t *crm_rpc_server_new_local(void);

/* The input and output types of "Service.Method" if srv serves it (in or
 * out may be NULL). Returns 0, or -1 if it does not. */
int crm_rpc_server_method(const crm_rpc_server_t *srv, const char *method,
                          const ProtobufCMessageDescriptor **in,
                          const ProtobufCMessageDescriptor **out);

/* Calls method on srv in process. *req_p (of the method's input type, freed
 * with protobuf_c_message_free_unpacked: from crm_pb_from_json or
 * protobuf_c_message_unpack) is taken and set to NULL. caller (NULL: an
 * anonymous caller) must stay valid until cb runs; key is the call's
 * idempotency key (NULL or "": none; copied, at most CRM_RPC_MAX_KEY
 * bytes). cb runs exactly once with the outcome, payload of the method's
 * output type, as crm_rpc_call's callback gets it; it may run before this
 * returns (a handler that answers at once; a draining server: UNAVAILABLE).
 * Returns 0, or -1 if srv does not serve method or *req_p is not of its
 * input type (cb not called, *req_p kept). */
int crm_rpc_server_call(crm_rpc_server_t *srv, const char *method, ProtobufCMessage **req_p,
                        const Crm__Caller *caller, const char *key, crm_rpc_reply_cb cb, void *arg);
/* The same with opts (crm_rpc_opts_t; NULL: none) instead of key. */
int crm_rpc_server_call_with(crm_rpc_server_t *srv, const char *method, ProtobufCMessage **req_p,
                             const Crm__Caller *caller, const crm_rpc_opts_t *opts,
                             crm_rpc_reply_cb cb, void *arg);

/* Looks up "Service.Method" among lib's proto services (System, Bus) and
 * those of the suite handed to crm_registry_set (crm/registry.h): its input and
 * output types. Returns 0, or -1 if unknown. */
int crm_rpc_method_types(const char *method, const ProtobufCMessageDescriptor **in,
                         const ProtobufCMessageDescriptor **out);

#endif
