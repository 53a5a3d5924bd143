/* gateway_call.c: one HTTP request in flight, and the generic translation.
 *
 * In: the JSON body (or, for GW_QUERY routes, the query string) and the
 * path parameters become one JSON object, decoded into the method's request
 * message by its descriptor (crm_pb_from_json), so malformed JSON, wrong
 * types and unknown fields are all 400 with the field at fault. Query and
 * path values are strings; they are converted by the field's type first.
 * Out: the reply message as JSON (crm_pb_to_json), or an error body
 * {"error": {"code", "message", "field"}} with the HTTP status of the RPC
 * status. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/cursor.h"
#include "crm/log.h"
#include "crm/pbjson.h"
#include "crm/util.h"
#include "gateway.h"

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
    crm__caller__init(&c->caller);
    crm__data_scope__init(&c->scope);
    gw->inflight++;
    return c;
}

static void s_free(gw_call_t *c)
{
    if (c->req)
        *(gw_call_t **)c->req_ref = NULL;
    if (c->in)
        protobuf_c_message_free_unpacked(c->in, NULL);
    free(c->who.scope_ids);
    c->gw->pw_jobs -= c->pw_slot;
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

void gw_call_fail_db(gw_call_t *c, const crm_db_result_t *res)
{
    Crm__Status status = crm_db_rpc_status(res);
    switch (status) {
    case CRM__STATUS__INVALID_ARGUMENT:
    case CRM__STATUS__ALREADY_EXISTS:
    case CRM__STATUS__FAILED_PRECONDITION:
        gw_call_fail(c, status, res->constraint, "%s", res->message);
        return;
    case CRM__STATUS__UNAVAILABLE:
        gw_call_fail(c, status, NULL, "the database is unavailable; retry");
        return;
    default:
        crm_log(CRM_ERROR, "database error", "sqlstate", res->sqlstate, "error", res->message,
                NULL);
        gw_call_fail(c, CRM__STATUS__INTERNAL, NULL, "internal error");
    }
}

/* ---- the method table -------------------------------------------------- */

typedef struct {
    const ProtobufCMessageDescriptor *in, *out;
    void (*local)(gw_call_t *c); /* NULL: a domain service's RPC */
    int raw;                     /* no request message (Http.*) */
} s_method_t;

static s_method_t *s_methods; /* parallel to gw_routes */

static const struct {
    const char *name;
    void (*fn)(gw_call_t *c);
} s_raw[] = {
    {"Http.Healthz", gw_health_healthz},
    {"Http.Readyz", gw_health_readyz},
    {"Http.OpenApi", gw_health_openapi},
    {"Http.Events", gw_events_stream},
};

static const struct {
    const char *name;
    void (*fn)(gw_call_t *c);
} s_auth[] = {
    {"Login", gw_auth_handle_login},
    {"Logout", gw_auth_handle_logout},
    {"ChangePassword", gw_auth_handle_password},
    {"Me", gw_auth_handle_me},
};

/* Resolves a method name into m. 0, or -1 if nobody serves it. */
static int s_resolve(const char *name, s_method_t *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < sizeof s_raw / sizeof s_raw[0]; i++)
        if (!strcmp(s_raw[i].name, name)) {
            m->local = s_raw[i].fn;
            m->raw = 1;
            return 0;
        }
    const ProtobufCServiceDescriptor *svc = NULL;
    if (!strncmp(name, "Auth.", 5))
        svc = &crm__gateway__auth__descriptor;
    else if (!strncmp(name, "Org.", 4))
        svc = &crm__gateway__org__descriptor;
    else if (!strncmp(name, "Notifications.", 14))
        svc = &crm__gateway__notifications__descriptor;
    if (!svc)
        return crm_rpc_method_types(name, &m->in, &m->out);
    const char *method = strchr(name, '.') + 1;
    const ProtobufCMethodDescriptor *md =
        protobuf_c_service_descriptor_get_method_by_name(svc, method);
    if (!md)
        return -1;
    m->in = md->input;
    m->out = md->output;
    if (svc == &crm__gateway__auth__descriptor) {
        for (size_t i = 0; i < sizeof s_auth / sizeof s_auth[0]; i++)
            if (!strcmp(s_auth[i].name, method))
                m->local = s_auth[i].fn;
    } else if (svc == &crm__gateway__notifications__descriptor) {
        m->local = gw_notify_handler(method);
    } else {
        m->local = gw_org_handler(method);
    }
    return m->local ? 0 : -1;
}

/* The field a path parameter fills: `name`, or a repeated `names`. */
static const ProtobufCFieldDescriptor *s_param_field(const ProtobufCMessageDescriptor *d,
                                                     const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    if (f)
        return f;
    char plural[72];
    snprintf(plural, sizeof plural, "%ss", name);
    f = protobuf_c_message_descriptor_get_field_by_name(d, plural);
    return f && f->label == PROTOBUF_C_LABEL_REPEATED ? f : NULL;
}

/* Every {param} of a route must be a field of its request. */
static int s_params_known(const gw_route_t *r, const s_method_t *m)
{
    for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
        char name[64];
        size_t n = (size_t)(strchr(p, '}') - p - 1);
        if (n >= sizeof name)
            return 0;
        memcpy(name, p + 1, n);
        name[n] = 0;
        if (m->raw || !s_param_field(m->in, name))
            return 0;
    }
    return 1;
}

int gw_call_init(void)
{
    size_t n = 0;
    while (gw_routes[n].method)
        n++;
    s_methods = crm_calloc(n, sizeof *s_methods);
    for (size_t i = 0; i < n; i++) {
        if (s_resolve(gw_routes[i].rpc, &s_methods[i]) < 0 ||
            !s_params_known(&gw_routes[i], &s_methods[i])) {
            crm_log(CRM_ERROR, "route table: unknown method or parameter", "route",
                    gw_routes[i].pattern, "method", gw_routes[i].rpc, NULL);
            return -1;
        }
    }
    return 0;
}

void gw_call_fini(void)
{
    free(s_methods);
    s_methods = NULL;
}

/* ---- decoding ---------------------------------------------------------- */

/* A query or path value (len bytes, already unescaped) as JSON for field f.
 * NULL with *why set if it does not convert. */
static json_t *s_convert(const ProtobufCFieldDescriptor *f, const char *v, size_t len,
                         const char **why)
{
    char *s = crm_strndup(v, len);
    json_t *j = NULL;
    int64_t i;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (crm_parse_i64(s, &i) == 0)
            j = json_integer(i);
        else
            *why = "expected an integer";
        break;
    case PROTOBUF_C_TYPE_BOOL:
        if (!strcmp(s, "true") || !strcmp(s, "1"))
            j = json_true();
        else if (!strcmp(s, "false") || !strcmp(s, "0"))
            j = json_false();
        else
            *why = "expected true or false";
        break;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        char *end;
        double d = strtod(s, &end);
        if (*s && !*end)
            j = json_real(d);
        else
            *why = "expected a number";
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_ENUM:
    case PROTOBUF_C_TYPE_BYTES:
        j = json_stringn(v, len);
        if (!j)
            *why = "not valid UTF-8";
        break;
    default:
        *why = "cannot be given in the URL";
    }
    free(s);
    return j;
}

/* Sets field `name` of obj from a URL value, converting it by the field's
 * type; repeated fields take comma-separated values. 0, or -1 after
 * failing c. */
static int s_set_from_url(gw_call_t *c, json_t *obj, const char *name, const char *v, size_t len)
{
    const ProtobufCFieldDescriptor *f = s_param_field(c->in_desc, name);
    if (!f && crm_pb_time_alias(c->in_desc, name)) {
        /* "created_from=2026-11-01T00:00:00+08:00" for created_from_us: the
         * JSON conversion reads the RFC 3339 text. */
        json_t *t = json_stringn(v, len);
        if (!t) {
            gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, name, "not valid UTF-8");
            return -1;
        }
        json_object_set_new(obj, name, t);
        return 0;
    }
    if (!f) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, name, "unknown parameter");
        return -1;
    }
    const char *why = NULL;
    json_t *j;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        j = json_array();
        const char *p = v, *end = v + len;
        while (p < end && !why) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *stop = comma ? comma : end;
            json_t *e = s_convert(f, p, (size_t)(stop - p), &why);
            if (e)
                json_array_append_new(j, e);
            p = stop + 1;
        }
    } else {
        j = s_convert(f, v, len, &why);
    }
    if (why) {
        json_decref(j);
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, name, "%s", why);
        return -1;
    }
    json_object_set_new(obj, f->name, j);
    return 0;
}

/* Percent-decodes (and '+' -> ' ') len bytes of s into a new string. */
static char *s_unescape(const char *s, size_t len, size_t *out_len)
{
    char *out = crm_malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[n++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[n++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[n] = 0;
    *out_len = n;
    return out;
}

/* The request fields from the query string. 0, or -1 after failing c. */
static int s_from_query(gw_call_t *c, json_t *obj)
{
    h2o_req_t *req = c->req;
    if (req->query_at == SIZE_MAX)
        return 0;
    const char *p = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (stop > p) {
            size_t klen, vlen;
            char *k = s_unescape(p, (size_t)((eq ? eq : stop) - p), &klen);
            char *v = eq ? s_unescape(eq + 1, (size_t)(stop - eq - 1), &vlen) : crm_strdup("");
            vlen = strlen(v);
            int rc = s_set_from_url(c, obj, k, v, vlen);
            free(k);
            free(v);
            if (rc < 0)
                return -1;
        }
        p = stop + 1;
    }
    return 0;
}

/* The body as a JSON object ({} when empty). NULL after failing c. */
static json_t *s_from_body(gw_call_t *c)
{
    h2o_iovec_t body = c->req->entity;
    if (!body.base || body.len == 0)
        return json_object();
    json_error_t jerr;
    json_t *obj = json_loadb(body.base, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, NULL,
                     "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(obj)) {
        json_decref(obj);
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, NULL, "the body must be a JSON object");
        return NULL;
    }
    return obj;
}

/* Builds c->in. 0, or -1 after failing c. */
static int s_decode(gw_call_t *c)
{
    json_t *obj = (c->route->flags & GW_QUERY) ? json_object() : s_from_body(c);
    if (!obj)
        return -1;
    if ((c->route->flags & GW_QUERY) && s_from_query(c, obj) < 0) {
        json_decref(obj);
        return -1;
    }
    for (int i = 0; i < c->nparams; i++) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)c->params[i].name_len, c->params[i].name);
        size_t len;
        char *v = s_unescape(c->params[i].value, c->params[i].len, &len);
        int rc = s_set_from_url(c, obj, name, v, len);
        free(v);
        if (rc < 0) {
            json_decref(obj);
            return -1;
        }
    }
    char *err = NULL, *field = NULL;
    c->in = crm_pb_from_json(c->in_desc, obj, &err, &field);
    json_decref(obj);
    if (!c->in) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, field, "%s", err ? err : "invalid");
        free(err);
        free(field);
        return -1;
    }
    return 0;
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

void gw_call_dispatch(gw_call_t *c)
{
    if (!c->req) { /* the client left while we resolved the token */
        s_free(c);
        return;
    }
    if (!s_allowed(c))
        return;
    const s_method_t *m = &s_methods[c->route - gw_routes];
    c->in_desc = m->in;
    c->out_desc = m->out;
    if (!m->raw && s_decode(c) < 0)
        return;
    if (m->local)
        m->local(c);
    else
        gw_proxy_call(c);
}
