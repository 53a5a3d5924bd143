/* pbjson_out.c: protobuf-c messages to JSON values and to JSON text (see
 * pbjson.h and pbjson.c). */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/pbjson.h"
#include "crm/rfc3339.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "pbjson_impl.h"

/* ---- message to JSON -------------------------------------------------- */

static json_t *s_msg_to_json(const ProtobufCMessage *msg, unsigned flags);

static json_t *s_double_to_json(double d)
{
    if (isnan(d))
        return json_string("NaN");
    if (isinf(d))
        return json_string(d > 0 ? "Infinity" : "-Infinity");
    return json_real(d);
}

/* The JSON value of one (non-repeated or array element) value at p. */
static json_t *s_value_to_json(const ProtobufCFieldDescriptor *f, const void *p, unsigned flags)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *)p;
        if (v <= INT64_MAX)
            return json_integer((json_int_t)v);
        char buf[24];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
        return json_string(buf);
    }
    case PROTOBUF_C_TYPE_FLOAT:
        return s_double_to_json(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return s_double_to_json(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(ed, v);
        char word[128];
        if (ev && (flags & CRM_PBJSON_WIRE))
            return json_string(pbj_enum_word(ed, ev, word, sizeof word));
        return ev ? json_string(ev->name) : json_integer(v);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        json_t *j = json_string(s ? s : "");
        return j ? j : json_string(""); /* not UTF-8: cannot be said in JSON */
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *s = pbj_b64_encode(b->data, b->data ? b->len : 0);
        json_t *j = json_string(s);
        free(s);
        return j;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
        return m ? s_msg_to_json(m, flags) : json_null();
    }
    }
    return json_null();
}

/* In the wire form, whether a singular field is left out: an instant not
 * set (0), an empty document, an enum at *_UNSPECIFIED. */
static int s_wire_omits(const ProtobufCFieldDescriptor *f, const void *p)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return 0;
    switch (pbj_wire_kind(f)) {
    case PBJ_TIME:
        return *(const int64_t *)p == 0;
    case PBJ_JSON: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PBJ_PLAIN:
        break;
    }
    if (f->type != PROTOBUF_C_TYPE_ENUM)
        return 0;
    const ProtobufCEnumValue *ev =
        protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
    return ev && pbj_enum_unspecified(ev);
}

/* A "<x>_json" document as a JSON value; a string if it is not JSON, so
 * nothing is lost. */
static json_t *s_document(const char *s)
{
    json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
    return j ? j : json_string(s);
}

/* A singular wire-form value that is not said by its type (an instant, a
 * document), or NULL. */
static json_t *s_wire_value(const ProtobufCFieldDescriptor *f, const void *p)
{
    char buf[CRM_RFC3339_MAX];
    switch (pbj_wire_kind(f)) {
    case PBJ_TIME:
        return crm_rfc3339_format(*(const int64_t *)p, buf) < 0 ? json_null() : json_string(buf);
    case PBJ_JSON:
        return s_document(*(char *const *)p);
    case PBJ_PLAIN:
        break;
    }
    return NULL;
}

static json_t *s_msg_to_json(const ProtobufCMessage *msg, unsigned flags)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    json_t *obj = json_object();
    int wire = flags & CRM_PBJSON_WIRE;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)msg;
        json_t *v = NULL;
        char key[160];
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(const char *const *)(base + f->offset);
            size_t sz = pbj_elem_size(f);
            v = json_array();
            for (size_t k = 0; arr && k < n; k++)
                json_array_append_new(v, s_value_to_json(f, arr + k * sz, flags));
        } else {
            if (!pbj_present(msg, f) || (wire && s_wire_omits(f, base + f->offset)))
                continue;
            if (wire)
                v = s_wire_value(f, base + f->offset);
            if (!v)
                v = s_value_to_json(f, base + f->offset, flags);
        }
        json_object_set_new(obj, wire ? pbj_wire_key(f, key, sizeof key) : f->name, v);
    }
    return obj;
}

json_t *crm_pb_to_json(const ProtobufCMessage *msg)
{
    return crm_pb_to_json_as(msg, 0);
}

json_t *crm_pb_to_json_as(const ProtobufCMessage *msg, unsigned flags)
{
    if (!msg)
        return json_null();
    return s_msg_to_json(msg, flags);
}

/* ---- message to JSON text ---------------------------------------------
 * The same document as json_dumps(crm_pb_to_json(msg), JSON_COMPACT), written
 * straight into a buffer: no tree of JSON values, which matters on a hot
 * path like the gateway's replies. */

typedef struct {
    char *p;
    size_t len, cap;
    unsigned flags;
    const crm_pb_extra_t *extra;
} s_text_t;

static void s_put(s_text_t *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        while (t->len + n + 1 > t->cap)
            t->cap *= 2;
        t->p = crm_realloc(t->p, t->cap);
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

static void s_put_u64(s_text_t *t, uint64_t v, int neg)
{
    char buf[24], *e = buf + sizeof buf, *o = e;
    do {
        *--o = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (neg)
        *--o = '-';
    s_put(t, o, (size_t)(e - o));
}

static void s_put_i64(s_text_t *t, int64_t v)
{
    s_put_u64(t, v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v, v < 0);
}

/* A JSON string; text that is not UTF-8 is written as "" (as json_string
 * refuses it). */
static void s_put_string(s_text_t *t, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (!s || crm_utf8_len(s) < 0)
        s = "";
    s_put(t, "\"", 1);
    const char *run = s;
    for (const char *c = s;; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        s_put(t, run, (size_t)(c - run));
        run = c + 1;
        if (!ch)
            break;
        static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
        const char *k = memchr(from, ch, sizeof from - 1);
        char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
        if (k)
            esc[1] = to[k - from];
        s_put(t, esc, k ? 2 : 6);
    }
    s_put(t, "\"", 1);
}

static void s_put_double(s_text_t *t, double d)
{
    if (isnan(d) || isinf(d)) {
        s_put_string(t, isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    s_put(t, buf, (size_t)n);
    if (!strpbrk(buf, ".eE"))
        s_put(t, ".0", 2);
}

static void s_msg_to_text(s_text_t *t, const ProtobufCMessage *msg);

static void s_value_to_text(s_text_t *t, const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        s_put_i64(t, *(const int32_t *)p);
        return;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        s_put_u64(t, *(const uint32_t *)p, 0);
        return;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        s_put_i64(t, *(const int64_t *)p);
        return;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *)p;
        if (v > INT64_MAX)
            s_put(t, "\"", 1);
        s_put_u64(t, v, 0);
        if (v > INT64_MAX)
            s_put(t, "\"", 1);
        return;
    }
    case PROTOBUF_C_TYPE_FLOAT:
        s_put_double(t, *(const float *)p);
        return;
    case PROTOBUF_C_TYPE_DOUBLE:
        s_put_double(t, *(const double *)p);
        return;
    case PROTOBUF_C_TYPE_BOOL:
        if (*(const protobuf_c_boolean *)p)
            s_put(t, "true", 4);
        else
            s_put(t, "false", 5);
        return;
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(ed, v);
        char word[128];
        if (ev)
            s_put_string(t, (t->flags & CRM_PBJSON_WIRE) ? pbj_enum_word(ed, ev, word, sizeof word)
                                                         : ev->name);
        else
            s_put_i64(t, v);
        return;
    }
    case PROTOBUF_C_TYPE_STRING:
        s_put_string(t, *(char *const *)p);
        return;
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *s = pbj_b64_encode(b->data, b->data ? b->len : 0);
        s_put_string(t, s);
        free(s);
        return;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
        if (m)
            s_msg_to_text(t, m);
        else
            s_put(t, "null", 4);
        return;
    }
    }
    s_put(t, "null", 4);
}

/* A singular wire-form value that is not said by its type (an instant, a
 * document). 1 if written. */
static int s_wire_text(s_text_t *t, const ProtobufCFieldDescriptor *f, const void *p)
{
    if (!(t->flags & CRM_PBJSON_WIRE) || pbj_wire_kind(f) == PBJ_PLAIN)
        return 0;
    if (pbj_wire_kind(f) == PBJ_TIME) { /* the hot one: straight into the text */
        char buf[CRM_RFC3339_MAX];
        if (crm_rfc3339_format(*(const int64_t *)p, buf) < 0)
            s_put(t, "null", 4);
        else
            s_put_string(t, buf);
        return 1;
    }
    json_t *j = s_wire_value(f, p);
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    s_put(t, s, strlen(s));
    free(s);
    json_decref(j);
    return 1;
}

/* The extra member after int64 field f (value at p), if any. */
static void s_extra(s_text_t *t, const ProtobufCMessageDescriptor *d,
                    const ProtobufCFieldDescriptor *f, const char *p)
{
    const crm_pb_extra_t *x = t->extra;
    const char *key = x && f->type == PROTOBUF_C_TYPE_INT64 ? x->key(x->arg, d, f) : NULL;
    if (!key)
        return;
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
        const char *v = x->value(x->arg, *(const int64_t *)p);
        if (!v)
            return;
        s_put(t, ",", 1);
        s_put_string(t, key);
        s_put(t, ":", 1);
        s_put_string(t, v);
        return;
    }
    size_t n = *(const size_t *)((const char *)p - f->offset + f->quantifier_offset);
    const int64_t *ids = *(const int64_t *const *)p;
    s_put(t, ",", 1);
    s_put_string(t, key);
    s_put(t, ":[", 2);
    for (size_t k = 0; ids && k < n; k++) {
        const char *v = x->value(x->arg, ids[k]);
        if (k)
            s_put(t, ",", 1);
        s_put_string(t, v ? v : "");
    }
    s_put(t, "]", 1);
}

static void s_msg_to_text(s_text_t *t, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *base = (const char *)msg;
    int first = 1;
    s_put(t, "{", 1);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        int repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        int wire = t->flags & CRM_PBJSON_WIRE;
        char key[160];
        if (!repeated && (!pbj_present(msg, f) || (wire && s_wire_omits(f, base + f->offset))))
            continue;
        if (!first)
            s_put(t, ",", 1);
        first = 0;
        s_put_string(t, wire ? pbj_wire_key(f, key, sizeof key) : f->name);
        s_put(t, ":", 1);
        if (!repeated) {
            if (!s_wire_text(t, f, base + f->offset))
                s_value_to_text(t, f, base + f->offset);
            s_extra(t, d, f, base + f->offset);
            continue;
        }
        size_t n = *(const size_t *)(base + f->quantifier_offset);
        const char *arr = *(const char *const *)(base + f->offset);
        size_t sz = pbj_elem_size(f);
        s_put(t, "[", 1);
        for (size_t k = 0; arr && k < n; k++) {
            if (k)
                s_put(t, ",", 1);
            s_value_to_text(t, f, arr + k * sz);
        }
        s_put(t, "]", 1);
        s_extra(t, d, f, base + f->offset);
    }
    s_put(t, "}", 1);
}

char *crm_pb_to_json_text(const ProtobufCMessage *msg, unsigned flags, size_t *len)
{
    return crm_pb_to_json_text_extra(msg, flags, NULL, len);
}

char *crm_pb_to_json_text_extra(const ProtobufCMessage *msg, unsigned flags,
                                const crm_pb_extra_t *extra, size_t *len)
{
    s_text_t t = {.p = crm_malloc(256), .cap = 256, .flags = flags, .extra = extra};
    if (msg)
        s_msg_to_text(&t, msg);
    else
        s_put(&t, "null", 4);
    t.p[t.len] = '\0';
    if (len)
        *len = t.len;
    return t.p;
}
