/* gateway_call.c: one HTTP request in flight (see gateway_call.h): its
 * life, and its answers: the reply message as JSON (crm_pb_to_json), or an
 * error body {"error": {"code", "message", "field"}} with the HTTP status
 * of the RPC status. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/pbjson.h"
#include "crm/util.h"
#include "gateway_call.h"

int gw_http_status(Crm__Status st)
{
    switch (st) {
    case CRM__STATUS__OK:
        return 200;
    case CRM__STATUS__INVALID_ARGUMENT:
        return 400;
    case CRM__STATUS__NOT_FOUND:
        return 404;
    case CRM__STATUS__ALREADY_EXISTS:
        return 409;
    case CRM__STATUS__PERMISSION_DENIED:
        return 403;
    case CRM__STATUS__FAILED_PRECONDITION:
        return 409; /* the record's state conflicts with the action (docs/architecture.md) */
    case CRM__STATUS__UNAVAILABLE:
        return 503;
    case CRM__STATUS__UNAUTHENTICATED:
        return 401;
    case CRM__STATUS__RATE_LIMITED:
        return 429;
    case CRM__STATUS__UNIMPLEMENTED:
        return 501;
    default:
        return 500;
    }
}

static const char *s_reason(int http)
{
    switch (http) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

static void s_send(h2o_req_t *req, int http, const char *ctype, const char *body, size_t len)
{
    req->res.status = http;
    req->res.reason = s_reason(http);
    req->res.content_length = len; /* not chunked */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype,
                   strlen(ctype));
    h2o_send_inline(req, body, len);
}

void gw_send_error(h2o_req_t *req, int http, const char *code, const char *message,
                   const char *field)
{
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message ? message : "");
    if (field && *field)
        json_object_set_new(err, "field", json_string(field));
    json_t *body = json_pack("{s:o}", "error", err);
    char *s = json_dumps(body, JSON_COMPACT);
    s_send(req, http, "application/json", s, strlen(s));
    free(s);
    json_decref(body);
}

/* ---- the call's life ------------------------------------------------- */

/* Called by h2o when the request's pool goes (the client went away). */
static void s_req_gone(void *p)
{
    gw_call_t **ref = p;
    if (*ref)
        (*ref)->req = NULL;
}

gw_call_t *gw_call_new(gw_t *gw, h2o_req_t *req, const gw_route_t *route, const gw_param_t *params,
                       int nparams)
{
    gw_call_t *c = crm_calloc(1, sizeof *c);
    c->gw = gw;
    c->req = req;
    gw_call_t **ref = h2o_mem_alloc_shared(&req->pool, sizeof *ref, s_req_gone);
    *ref = c;
    c->req_ref = ref;
    c->route = route;
    memcpy(c->params, params, (size_t)nparams * sizeof *params);
    c->nparams = nparams;
    gw_principal_caller(&c->who, &c->caller, &c->scope);
    gw->inflight++;
    return c;
}

static void s_free(gw_call_t *c)
{
    if (c->req)
        *(gw_call_t **)c->req_ref = NULL;
    gw_principal_clear(&c->who);
    c->gw->inflight--;
    free(c);
}

void gw_call_finish(gw_call_t *c)
{
    s_free(c);
}

void gw_call_reply_raw(gw_call_t *c, int http, const char *content_type, const char *body,
                       size_t len)
{
    if (c->req)
        s_send(c->req, http, content_type, body, len);
    s_free(c);
}

void gw_call_reply(gw_call_t *c, const ProtobufCMessage *msg)
{
    if (!msg) {
        gw_call_reply_raw(c, 200, "application/json", "{}", 2);
        return;
    }
    size_t len;
    char *s = crm_pb_to_json_text(msg, CRM_PBJSON_TIMES, &len);
    gw_call_reply_raw(c, 200, "application/json", s, len);
    free(s);
}

void gw_call_fail_http(gw_call_t *c, int http, const char *code, const char *message)
{
    if (c->req)
        gw_send_error(c->req, http, code, message, NULL);
    s_free(c);
}

void gw_call_fail(gw_call_t *c, Crm__Status st, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->req)
        gw_send_error(c->req, gw_http_status(st), crm_status_name(st), msg, field);
    s_free(c);
}

int gw_call_fail_err(gw_call_t *c, const crm_err_t *err)
{
    gw_call_fail(c, err->status, err->field, "%s", err->message);
    return 0;
}

void gw_call_answer(gw_call_t *c, const crm_rpc_result_t *res)
{
    if (res->status == CRM__STATUS__OK) {
        gw_call_reply(c, res->payload);
    } else if (res->status == CRM__STATUS__UNIMPLEMENTED) { /* the service is older than this
                                                                  route */
        gw_call_fail_http(c, 501, "unimplemented", res->message);
    } else {
        if (res->status == CRM__STATUS__RATE_LIMITED && c->req)
            h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                           H2O_STRLIT("1"));
        gw_call_fail(c, res->status, res->field, "%s", res->message);
    }
}
