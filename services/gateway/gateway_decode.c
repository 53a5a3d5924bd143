/* gateway_decode.c: an HTTP request into its method's request message.
 * The JSON body (or, for GW_QUERY routes, the query string) and the path
 * parameters become one JSON object, decoded by the message's descriptor
 * (crm_pb_from_json), so malformed JSON, wrong types and unknown fields
 * are all 400 with the field at fault. Query and path values are strings;
 * they are converted by the field's type first. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/pbjson.h"
#include "crm/util.h"
#include "gateway_decode.h"
#include "gateway_patch.h"
#include "gateway_sheet.h"

/* The field a URL value fills: the one its wire name `name` names
 * ("created_from" fills created_from_us), or a repeated `names`; its key
 * in the request's JSON object goes to key (may be NULL). */
static const ProtobufCFieldDescriptor *s_param_field(const ProtobufCMessageDescriptor *d,
                                                     const char *name, char *key, size_t cap)
{
    const ProtobufCFieldDescriptor *f = crm_pb_wire_field(d, name);
    if (key)
        snprintf(key, cap, "%s%s", name, f ? "" : "s");
    if (f)
        return f;
    char plural[72];
    snprintf(plural, sizeof plural, "%ss", name);
    f = crm_pb_wire_field(d, plural);
    return f && f->label == PROTOBUF_C_LABEL_REPEATED ? f : NULL;
}

/* Every {param} of a route must be a field of its request. */
int gw_decode_params_known(const char *pattern, const ProtobufCMessageDescriptor *in)
{
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        char name[64];
        size_t n = (size_t)(strchr(p, '}') - p - 1);
        if (n >= sizeof name)
            return 0;
        memcpy(name, p + 1, n);
        name[n] = 0;
        if (!in || !s_param_field(in, name, NULL, 0))
            return 0;
    }
    return 1;
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
 * type; repeated fields take comma-separated values, and in the query
 * string a name given again adds to its list (a single value given twice
 * is refused). 0, or -1 after failing c. */
static int s_set_from_url(gw_call_t *c, const ProtobufCMessageDescriptor *d, json_t *obj,
                          const char *name, const char *v, size_t len, int query)
{
    /* "97%00x" must not become 97: a value is refused, never cut short. */
    if (memchr(v, '\0', len)) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, name, "must not contain a NUL byte (%%00)");
        return -1;
    }
    char key[80];
    const ProtobufCFieldDescriptor *f = s_param_field(d, name, key, sizeof key);
    if (f && f->type == PROTOBUF_C_TYPE_INT64 && strcmp(f->name, key) != 0) {
        /* "created_from=2026-11-01T00:00:00+08:00" for created_from_us: the
         * JSON conversion reads the RFC 3339 text. */
        json_t *t = json_stringn(v, len);
        if (!t) {
            gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, name, "not valid UTF-8");
            return -1;
        }
        json_object_set_new(obj, key, t);
        return 0;
    }
    if (!f) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, name, "unknown parameter");
        return -1;
    }
    const char *why = NULL;
    json_t *j, *had = query ? json_object_get(obj, f->name) : NULL;
    if (had && f->label != PROTOBUF_C_LABEL_REPEATED) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, name, "given twice; it takes one value");
        return -1;
    }
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        /* owner_ids=3,4, owner_ids=3&owner_ids=4 and both mixed: one list. */
        j = had ? json_incref(had) : json_array();
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
    json_object_set_new(obj, key, j);
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

/* Calls each(c, name, value, arg) for every parameter of the query string
 * (unescaped; the value's length in vlen). 0, or the first -1 an each
 * returned (which has failed c), or -1 after failing c. */
static int s_each_query(gw_call_t *c,
                        int (*each)(gw_call_t *c, const char *k, const char *v, size_t vlen,
                                    void *arg),
                        void *arg)
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
            size_t klen, vlen = 0;
            char *k = s_unescape(p, (size_t)((eq ? eq : stop) - p), &klen);
            char *v = eq ? s_unescape(eq + 1, (size_t)(stop - eq - 1), &vlen) : crm_strdup("");
            int rc;
            if (memchr(k, '\0', klen)) {
                gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, NULL,
                             "a parameter name must not contain a NUL byte (%%00)");
                rc = -1;
            } else {
                rc = each(c, k, v, vlen, arg);
            }
            free(k);
            free(v);
            if (rc < 0)
                return -1;
        }
        p = stop + 1;
    }
    return 0;
}

/* What an export sets itself (docs/api.md, "Exports"): refused. */
static const char *const s_export_own[] = {"limit", "cursor", "total"};

/* The request object the query fills, and its type. */
typedef struct {
    const ProtobufCMessageDescriptor *d;
    json_t *obj;
} s_fill_t;

/* A parameter into the request object (each of s_each_query); on an
 * export route, its own `format` is left for gateway_export.c. */
static int s_query_field(gw_call_t *c, const char *k, const char *v, size_t vlen, void *arg)
{
    const s_fill_t *fill = arg;
    if (c->route->flags & GW_EXPORT) {
        if (!strcmp(k, "format"))
            return 0;
        for (size_t i = 0; i < sizeof s_export_own / sizeof s_export_own[0]; i++)
            if (!strcmp(k, s_export_own[i])) {
                gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, k,
                             "an export is the whole list: it takes no %s", k);
                return -1;
            }
    }
    return s_set_from_url(c, fill->d, fill->obj, k, v, vlen, 1);
}

/* The request fields from the query string. 0, or -1 after failing c. */
static int s_from_query(gw_call_t *c, const ProtobufCMessageDescriptor *d, json_t *obj)
{
    s_fill_t fill = {d, obj};
    return s_each_query(c, s_query_field, &fill);
}

/* gw_decode_query_value's search. */
typedef struct {
    const char *name;
    char *out;
    size_t cap;
    int found;
} s_find_t;

static int s_find_value(gw_call_t *c, const char *k, const char *v, size_t vlen, void *arg)
{
    s_find_t *f = arg;
    if (strcmp(k, f->name) != 0)
        return 0;
    if (f->found++) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, k, "given twice; it takes one value");
        return -1;
    }
    if (memchr(v, '\0', vlen) || vlen >= f->cap) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, k, "not a value it takes");
        return -1;
    }
    memcpy(f->out, v, vlen + 1);
    return 0;
}

int gw_decode_query_value(gw_call_t *c, const char *name, char *out, size_t cap)
{
    s_find_t f = {name, out, cap, 0};
    if (s_each_query(c, s_find_value, &f) < 0)
        return -1;
    return f.found;
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

/* A spreadsheet body, read (gateway_sheet.c): its CSV text as the route's
 * sheet field, the other fields from the query string. NULL after failing
 * c. */
static json_t *s_from_sheet(gw_call_t *c, const ProtobufCMessageDescriptor *d)
{
    json_t *obj = json_object();
    if (s_from_query(c, d, obj) < 0) {
        json_decref(obj);
        return NULL;
    }
    if (json_object_get(obj, c->route->sheet)) {
        json_decref(obj);
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, NULL,
                     "%s is the XLSX body: the query may not give it", c->route->sheet);
        return NULL;
    }
    json_t *text = json_stringn(c->sheet_csv, c->sheet_len);
    if (!text) { /* cannot be: libxml2 gives UTF-8 */
        json_decref(obj);
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, NULL, "the XLSX body: text not UTF-8");
        return NULL;
    }
    json_object_set_new(obj, c->route->sheet, text);
    return obj;
}

ProtobufCMessage *gw_decode(gw_call_t *c, const ProtobufCMessageDescriptor *d)
{
    int query = (c->route->flags & GW_QUERY) != 0;
    json_t *obj = query ? json_object() : c->sheet ? s_from_sheet(c, d) : s_from_body(c);
    if (!obj)
        return NULL;
    if ((query && s_from_query(c, d, obj) < 0) ||
        (gw_patch_applies(c, d) && gw_patch_mask(c, d, obj) < 0)) {
        json_decref(obj);
        return NULL;
    }
    for (int i = 0; i < c->nparams; i++) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)c->params[i].name_len, c->params[i].name);
        size_t len;
        char *v = s_unescape(c->params[i].value, c->params[i].len, &len);
        int rc = s_set_from_url(c, d, obj, name, v, len, 0);
        free(v);
        if (rc < 0) {
            json_decref(obj);
            return NULL;
        }
    }
    crm_pb_fault_t *faults = NULL;
    size_t nfaults = 0;
    ProtobufCMessage *in = crm_pb_from_json_all(d, obj, CRM_PBJSON_WIRE, &faults, &nfaults);
    json_decref(obj);
    if (!in)
        gw_call_fail_faults(c, faults, nfaults);
    crm_pb_faults_free(faults, nfaults);
    return in;
}
