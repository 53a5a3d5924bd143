/* gateway_call.c: one HTTP request in flight (see gateway_call.h): its
 * life, and its answers: the reply message in the wire form of JSON
 * (crm_pb_to_json_text, CRM_PBJSON_WIRE), 201 with a Location for a
 * create, the one record of a single-record action; or a problem document
 * (gateway_problem.c) with the HTTP status of the RPC status. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/pbjson.h"
#include "crm/util.h"
#include "gateway_call.h"
#include "gateway_metrics.h"
#include "gateway_problem.h"

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

static void s_send(h2o_req_t *req, int http, const char *ctype, const char *body, size_t len)
{
    req->res.status = http;
    req->res.reason = http == 201 ? "Created" : "OK";
    req->res.content_length = len; /* not chunked */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype,
                   strlen(ctype));
    h2o_send_inline(req, body, len);
}

void gw_send_error(h2o_req_t *req, int http, const char *code, const char *message)
{
    gw_problem_send(req, http, code, message, NULL, 0);
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
    c->started_ns = uv_hrtime();
    memcpy(c->params, params, (size_t)nparams * sizeof *params);
    c->nparams = nparams;
    gw_principal_caller(&c->who, &c->caller, &c->scope);
    gw->inflight++;
    return c;
}

static void s_free(gw_call_t *c)
{
    gw_metrics_request(c->gw->metrics, c->route, c->req ? c->req->res.status : 0, c->started_ns);
    if (c->req)
        *(gw_call_t **)c->req_ref = NULL;
    gw_principal_clear(&c->who);
    free(c->sheet_csv);
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

/* The one record a single-record action answers: field `one` of msg (a
 * message, or the only element of a list); msg itself otherwise. */
static const ProtobufCMessage *s_one(const gw_route_t *route, const ProtobufCMessage *msg)
{
    const ProtobufCFieldDescriptor *f =
        route->one ? protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, route->one)
                   : NULL;
    if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return msg;
    const char *at = (const char *)msg + f->offset;
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return *(ProtobufCMessage *const *)at ? *(ProtobufCMessage *const *)at : msg;
    size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
    return n == 1 ? (*(ProtobufCMessage *const *const *)at)[0] : msg;
}

/* The int64 at the dotted path (n bytes) of msg ("api_token.id"), or 0. */
static int64_t s_id_at(const ProtobufCMessage *msg, const char *path, size_t n)
{
    while (msg) {
        size_t k = strcspn(path, ".");
        if (k > n)
            k = n;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)k, path);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
        if (!f || f->label == PROTOBUF_C_LABEL_REPEATED)
            return 0;
        const char *at = (const char *)msg + f->offset;
        if (k == n)
            return f->type == PROTOBUF_C_TYPE_INT64 ? *(const int64_t *)at : 0;
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            return 0;
        msg = *(ProtobufCMessage *const *)at;
        path += k + 1;
        n -= k + 1;
    }
    return 0;
}

/* Adds the Location of a create: the route's `created` pattern, each
 * {path} filled from the reply. */
static void s_location(h2o_req_t *req, const char *pattern, const ProtobufCMessage *msg)
{
    char loc[256] = "";
    size_t len = 0;
    for (const char *p = pattern; *p && len < sizeof loc - 1;) {
        const char *open = strchr(p, '{');
        size_t lit = open ? (size_t)(open - p) : strlen(p);
        len += (size_t)snprintf(loc + len, sizeof loc - len, "%.*s", (int)lit, p);
        if (!open)
            break;
        size_t n = strcspn(open + 1, "}");
        if (len < sizeof loc)
            len += (size_t)snprintf(loc + len, sizeof loc - len, "%lld",
                                    (long long)s_id_at(msg, open + 1, n));
        p = open + n + 2;
    }
    len = strlen(loc);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL,
                   h2o_strdup(&req->pool, loc, len).base, len);
}

void gw_call_reply(gw_call_t *c, const ProtobufCMessage *msg)
{
    if (!msg) {
        gw_call_reply_raw(c, 200, "application/json", "{}", 2);
        return;
    }
    int http;
    size_t len;
    char *s = gw_call_reply_text(c, msg, NULL, &http, &len);
    gw_call_reply_raw(c, http, "application/json", s, len);
    free(s);
}

char *gw_call_reply_text(gw_call_t *c, const ProtobufCMessage *msg, const crm_pb_extra_t *extra,
                         int *http, size_t *len)
{
    *http = 200;
    if (c->route->created && c->req) {
        s_location(c->req, c->route->created, msg);
        *http = 201;
    }
    return crm_pb_to_json_text_extra(s_one(c->route, msg), CRM_PBJSON_WIRE, extra, len);
}

void gw_call_fail_http(gw_call_t *c, int http, const char *code, const char *message)
{
    if (c->req)
        gw_send_error(c->req, http, code, message);
    s_free(c);
}

void gw_call_fail(gw_call_t *c, Crm__Status st, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->req) {
        char name[256] = "";
        gw_fault_t fault = {GW_IN_HEADER, name, msg};
        if (field && (!strcmp(field, "Idempotency-Key") || !strcmp(field, "Last-Event-ID")))
            snprintf(name, sizeof name, "%s", field);
        else if (field && *field)
            fault.in = gw_problem_field(c->route, c->sheet, field, name, sizeof name);
        int named = *name != 0 || (c->sheet && field && !strcmp(field, c->route->sheet));
        gw_problem_send(c->req, gw_http_status(st), crm_status_name(st), msg, &fault, named);
    }
    s_free(c);
}

void gw_call_fail_faults(gw_call_t *c, const crm_pb_fault_t *faults, size_t n)
{
    if (c->req && n) {
        gw_fault_t each[n];
        char names[n][256], detail[512];
        for (size_t i = 0; i < n; i++) {
            each[i].in =
                gw_problem_field(c->route, c->sheet, faults[i].field, names[i], sizeof names[i]);
            each[i].name = names[i];
            each[i].detail = faults[i].message;
        }
        if (n == 1)
            snprintf(detail, sizeof detail, "%s", faults[0].message);
        else
            snprintf(detail, sizeof detail, "%zu fields are at fault (see errors); the first: %s",
                     n, faults[0].message);
        gw_problem_send(c->req, 400, "invalid_argument", detail, each, n);
    }
    s_free(c);
}

int gw_call_fail_err(gw_call_t *c, const crm_err_t *err)
{
    char field[256];
    gw_problem_wire_path(err->field, field, sizeof field);
    gw_call_fail(c, err->status, field, "%s", err->message);
    return 0;
}

/* A service's refusal naming several fields: each in its wire name. */
static void s_fail_several(gw_call_t *c, const crm_rpc_result_t *res)
{
    size_t n = 1 + res->n_more;
    crm_pb_fault_t *faults = crm_calloc(n, sizeof *faults);
    char(*names)[256] = crm_calloc(n, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        const char *field = i ? res->more[i - 1]->field : res->field;
        gw_problem_wire_path(field ? field : "", names[i], sizeof names[i]);
        faults[i].field = names[i];
        faults[i].message = (char *)(i ? res->more[i - 1]->message : res->message);
    }
    gw_call_fail_faults(c, faults, n);
    free(names);
    free(faults);
}

void gw_call_answer(gw_call_t *c, const crm_rpc_result_t *res)
{
    if (res->status == CRM__STATUS__OK) {
        gw_call_reply(c, res->payload);
    } else if (res->status == CRM__STATUS__UNIMPLEMENTED) { /* the service is older than this
                                                                  route */
        char msg[256]; /* not the service's words: they name the RPC */
        snprintf(msg, sizeof msg,
                 "%s %s is not served yet: the service behind it is older than"
                 " the gateway",
                 c->route->method, c->route->pattern);
        gw_call_fail_http(c, 501, "unimplemented", msg);
    } else if (res->n_more > 0) {
        s_fail_several(c, res);
    } else {
        /* Busy: retry in a second. A refusal naming a field is a budget
         * of that field (a day's masked probes): its detail says when. */
        if (res->status == CRM__STATUS__RATE_LIMITED && c->req && !(res->field && *res->field))
            h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                           H2O_STRLIT("1"));
        char field[256];
        gw_problem_wire_path(res->field, field, sizeof field);
        gw_call_fail(c, res->status, field, "%s", res->message);
    }
}
