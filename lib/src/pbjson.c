/* pbjson.c: protobuf-c messages to and from JSON, generic over any message
 * by walking its descriptor (see pbjson.h).
 *
 * Output writes every field: scalars even when zero, strings even when
 * empty, repeated fields as arrays (possibly empty); absent sub-messages and
 * unset proto2/proto3 optional or oneof members are left out. Unsigned 64-bit
 * values above INT64_MAX, which a JSON integer cannot hold here, are written
 * as decimal strings; non-finite floats as "NaN", "Infinity", "-Infinity".
 *
 * Input is strict: every key must name a field, every value must have the
 * field's JSON type and fit its range. The first fault stops the conversion
 * with a message and the dotted path of the field ("caller.scope.user_ids[2]").
 * A partial message is freed with protobuf_c_message_free_unpacked, so every
 * pointer stored into it is valid (or NULL) at all times. */
#include "crm/pbjson.h"
#include "crm/rfc3339.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "crm/validate.h"

#define MAX_DEPTH 64                        /* nested messages */
#define MAX_EXACT_DOUBLE 9007199254740992.0 /* 2^53 */

/* ---- base64 (RFC 4648) ------------------------------------------------ */

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes len bytes with padding. Caller frees. */
static char *s_b64_encode(const uint8_t *in, size_t len)
{
    char *out = crm_malloc((len + 2) / 3 * 4 + 1);
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = s_b64[v >> 18 & 63];
        *o++ = s_b64[v >> 12 & 63];
        *o++ = s_b64[v >> 6 & 63];
        *o++ = s_b64[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = s_b64[v >> 18 & 63];
        *o++ = s_b64[v >> 12 & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = s_b64[v >> 18 & 63];
        *o++ = s_b64[v >> 12 & 63];
        *o++ = s_b64[v >> 6 & 63];
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int s_b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

/* Decodes standard or URL-safe base64, padding optional. Returns 0 with
 * *out (caller frees; NULL when empty) and *out_len, or -1 if malformed. */
static int s_b64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len)
{
    size_t pad = 0;
    while (pad < 2 && len > 0 && in[len - 1] == '=') {
        len--;
        pad++;
    }
    if (len % 4 == 1 || (pad && (len + pad) % 4 != 0))
        return -1;
    *out = NULL;
    *out_len = 0;
    if (len == 0)
        return 0;
    uint8_t *buf = crm_malloc(len / 4 * 3 + 3);
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = s_b64_value((unsigned char)in[i]);
        if (v < 0) {
            free(buf);
            return -1;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *out = buf;
    *out_len = n;
    return 0;
}

/* ---- message to JSON -------------------------------------------------- */

static json_t *s_msg_to_json(const ProtobufCMessage *msg);

static json_t *s_double_to_json(double d)
{
    if (isnan(d))
        return json_string("NaN");
    if (isinf(d))
        return json_string(d > 0 ? "Infinity" : "-Infinity");
    return json_real(d);
}

/* The JSON value of one (non-repeated or array element) value at p. */
static json_t *s_value_to_json(const ProtobufCFieldDescriptor *f, const void *p)
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
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value((const ProtobufCEnumDescriptor *)f->descriptor, v);
        return ev ? json_string(ev->name) : json_integer(v);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        json_t *j = json_string(s ? s : "");
        return j ? j : json_string(""); /* not UTF-8: cannot be said in JSON */
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *s = s_b64_encode(b->data, b->data ? b->len : 0);
        json_t *j = json_string(s);
        free(s);
        return j;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
        return m ? s_msg_to_json(m) : json_null();
    }
    }
    return json_null();
}

static size_t s_elem_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* Whether a singular field has a value to write. */
static int s_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const char *base = (const char *)msg;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(void *const *)(base + f->offset) != NULL;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
        if (f->type == PROTOBUF_C_TYPE_STRING)
            return *(char *const *)(base + f->offset) != NULL;
        return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
    }
    return 1;
}

static json_t *s_msg_to_json(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    json_t *obj = json_object();
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)msg;
        json_t *v;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(const char *const *)(base + f->offset);
            size_t sz = s_elem_size(f);
            v = json_array();
            for (size_t k = 0; arr && k < n; k++)
                json_array_append_new(v, s_value_to_json(f, arr + k * sz));
        } else {
            if (!s_present(msg, f))
                continue;
            v = s_value_to_json(f, base + f->offset);
        }
        json_object_set_new(obj, f->name, v);
    }
    return obj;
}

json_t *crm_pb_to_json(const ProtobufCMessage *msg)
{
    if (!msg)
        return json_null();
    return s_msg_to_json(msg);
}

/* ---- message to JSON text ---------------------------------------------
 * The same document as json_dumps(crm_pb_to_json(msg), JSON_COMPACT), written
 * straight into a buffer: no tree of JSON values, which matters on a hot
 * path like the gateway's replies. */

typedef struct {
    char *p;
    size_t len, cap;
    unsigned flags;
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
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value((const ProtobufCEnumDescriptor *)f->descriptor, v);
        if (ev)
            s_put_string(t, ev->name);
        else
            s_put_i64(t, v);
        return;
    }
    case PROTOBUF_C_TYPE_STRING:
        s_put_string(t, *(char *const *)p);
        return;
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *s = s_b64_encode(b->data, b->data ? b->len : 0);
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

/* An instant in microseconds as RFC 3339 in the local time zone (the
 * process's TZ, the business time zone), with its offset:
 * "2026-01-02T03:04:05.000006+08:00". */
static void s_put_time(s_text_t *t, int64_t us)
{
    time_t sec = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    long frac = (long)(us - (int64_t)sec * 1000000);
    struct tm tm;
    char buf[64];
    if (!localtime_r(&sec, &tm)) {
        s_put(t, "null", 4);
        return;
    }
    long off = tm.tm_gmtoff / 60;
    size_t n = strftime(buf, sizeof buf, "\"%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(buf + n, sizeof buf - n, ".%06ld%c%02ld:%02ld\"", frac,
                          off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
    s_put(t, buf, n);
}

/* With CRM_PBJSON_TIMES: after a non-zero int64 field "<x>_at_us", the same
 * instant as "<x>_at" in RFC 3339, unless the message has a field of that
 * name. */
static void s_time_companion(s_text_t *t, const ProtobufCMessage *msg,
                             const ProtobufCFieldDescriptor *f)
{
    size_t n = strlen(f->name);
    if (!(t->flags & CRM_PBJSON_TIMES) || f->type != PROTOBUF_C_TYPE_INT64 ||
        f->label == PROTOBUF_C_LABEL_REPEATED || n < 7 || strcmp(f->name + n - 6, "_at_us") != 0)
        return;
    int64_t us = *(const int64_t *)((const char *)msg + f->offset);
    char stem[128];
    if (!us || n - 3 >= sizeof stem)
        return;
    memcpy(stem, f->name, n - 3);
    stem[n - 3] = '\0';
    if (protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, stem))
        return;
    s_put(t, ",", 1);
    s_put_string(t, stem);
    s_put(t, ":", 1);
    s_put_time(t, us);
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
        if (!repeated && !s_present(msg, f))
            continue;
        if (!first)
            s_put(t, ",", 1);
        first = 0;
        s_put_string(t, f->name);
        s_put(t, ":", 1);
        if (!repeated) {
            s_value_to_text(t, f, base + f->offset);
            s_time_companion(t, msg, f);
            continue;
        }
        size_t n = *(const size_t *)(base + f->quantifier_offset);
        const char *arr = *(const char *const *)(base + f->offset);
        size_t sz = s_elem_size(f);
        s_put(t, "[", 1);
        for (size_t k = 0; arr && k < n; k++) {
            if (k)
                s_put(t, ",", 1);
            s_value_to_text(t, f, arr + k * sz);
        }
        s_put(t, "]", 1);
    }
    s_put(t, "}", 1);
}

char *crm_pb_to_json_text(const ProtobufCMessage *msg, unsigned flags, size_t *len)
{
    s_text_t t = {.p = crm_malloc(256), .cap = 256, .flags = flags};
    if (msg)
        s_msg_to_text(&t, msg);
    else
        s_put(&t, "null", 4);
    t.p[t.len] = '\0';
    if (len)
        *len = t.len;
    return t.p;
}

/* ---- JSON to message -------------------------------------------------- */

/* The conversion's state: where we are (the dotted path) and the first
 * error. */
typedef struct {
    char *path;
    size_t len, cap;
    char *err;
    int depth;
} s_ctx_t;

static void s_path_push(s_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_path_push(s_ctx_t *c, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(c->path + c->len, c->cap - c->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < c->cap - c->len) {
            c->len += (size_t)n;
            return;
        }
        c->cap = c->cap * 2 + (n > 0 ? (size_t)n : 0);
        c->path = crm_realloc(c->path, c->cap);
    }
}

static void s_path_name(s_ctx_t *c, const char *name)
{
    if (c->len)
        s_path_push(c, ".%s", name);
    else
        s_path_push(c, "%s", name);
}

static void s_path_pop(s_ctx_t *c, size_t len)
{
    c->len = len;
    c->path[len] = '\0';
}

static int s_fail(s_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_fail(s_ctx_t *c, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    free(c->err);
    c->err = msg;
    return -1;
}

static const char *s_json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* Parses a whole decimal string ("-12", "42") into a sign and magnitude.
 * Returns 0, or -1 if not exactly a decimal integer of at most 64 bits. */
static int s_parse_decimal(const char *s, int *neg, uint64_t *mag)
{
    *neg = 0;
    if (*s == '-' || *s == '+')
        *neg = *s++ == '-';
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned dgt = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            return -1;
        v = v * 10 + dgt;
    }
    *mag = v;
    return 0;
}

/* Reads an integer in [-neg_limit, pos_limit] as a sign and a magnitude, so
 * the whole of int64 and of uint64 fit. Strings are accepted only when
 * allow_string (64-bit fields). Returns 0 with the sign in neg and the
 * magnitude in mag, or -1. */
static int s_get_integer(s_ctx_t *c, const json_t *v, const char *tname, int allow_string,
                         uint64_t neg_limit, uint64_t pos_limit, int *neg, uint64_t *mag)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        *neg = i < 0;
        *mag = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d != floor(d))
            return s_fail(c, "expected an integer (%s), got a non-integer number", tname);
        if (fabs(d) > MAX_EXACT_DOUBLE)
            return s_fail(c, "number out of range for %s", tname);
        *neg = d < 0;
        *mag = (uint64_t)fabs(d);
    } else if (json_is_string(v) && allow_string) {
        if (strlen(json_string_value(v)) != json_string_length(v) ||
            s_parse_decimal(json_string_value(v), neg, mag) < 0)
            return s_fail(c, "expected an integer (%s), got the string \"%s\"", tname,
                          json_string_value(v));
    } else {
        return s_fail(c, "expected an integer (%s), got %s", tname, s_json_kind(v));
    }
    if (*mag == 0)
        *neg = 0;
    if ((*neg && *mag > neg_limit) || (!*neg && *mag > pos_limit))
        return s_fail(c, "number out of range for %s", tname);
    return 0;
}

static int s_get_double(s_ctx_t *c, const json_t *v, const char *tname, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcmp(s, "NaN") == 0) {
            *out = NAN;
            return 0;
        }
        if (strcmp(s, "Infinity") == 0) {
            *out = INFINITY;
            return 0;
        }
        if (strcmp(s, "-Infinity") == 0) {
            *out = -INFINITY;
            return 0;
        }
    }
    return s_fail(c, "expected a number (%s), got %s", tname, s_json_kind(v));
}

static int s_msg_from_json(s_ctx_t *c, const ProtobufCMessageDescriptor *d, json_t *obj,
                           ProtobufCMessage **out);

/* Converts v into the value at p (a field or an array element) of f's type.
 * p holds the type's default (zero, the empty string, NULL) beforehand. */
static int s_value_from_json(s_ctx_t *c, const ProtobufCFieldDescriptor *f, json_t *v, void *p)
{
    int neg;
    uint64_t mag;
    double d;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (s_get_integer(c, v, "int32", 0, (uint64_t)INT32_MAX + 1, INT32_MAX, &neg, &mag) < 0)
            return -1;
        *(int32_t *)p = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (s_get_integer(c, v, "uint32", 0, 0, UINT32_MAX, &neg, &mag) < 0)
            return -1;
        *(uint32_t *)p = (uint32_t)mag;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (s_get_integer(c, v, "int64", 1, (uint64_t)INT64_MAX + 1, INT64_MAX, &neg, &mag) < 0)
            return -1;
        *(int64_t *)p = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (s_get_integer(c, v, "uint64", 1, 0, UINT64_MAX, &neg, &mag) < 0)
            return -1;
        *(uint64_t *)p = mag;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
        if (s_get_double(c, v, "float", &d) < 0)
            return -1;
        if (isfinite(d) && fabs(d) > FLT_MAX)
            return s_fail(c, "number out of range for float");
        *(float *)p = (float)d;
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (s_get_double(c, v, "double", &d) < 0)
            return -1;
        *(double *)p = d;
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return s_fail(c, "expected a boolean, got %s", s_json_kind(v));
        *(protobuf_c_boolean *)p = json_is_true(v);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev = NULL;
        if (json_is_string(v)) {
            ev = protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(v));
            if (!ev)
                return s_fail(c, "unknown %s value \"%s\"", ed->name, json_string_value(v));
        } else if (json_is_integer(v)) {
            json_int_t i = json_integer_value(v);
            if (i >= INT32_MIN && i <= INT32_MAX)
                ev = protobuf_c_enum_descriptor_get_value(ed, (int)i);
            if (!ev)
                return s_fail(c, "unknown %s value %lld", ed->name, (long long)i);
        } else {
            return s_fail(c, "expected a %s name, got %s", ed->name, s_json_kind(v));
        }
        *(int *)p = ev->value;
        return 0;
    }
    case PROTOBUF_C_TYPE_STRING:
        if (!json_is_string(v))
            return s_fail(c, "expected a string, got %s", s_json_kind(v));
        if (strlen(json_string_value(v)) != json_string_length(v))
            return s_fail(c, "a string must not contain NUL characters");
        *(char **)p = crm_strdup(json_string_value(v));
        return 0;
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = p;
        if (!json_is_string(v))
            return s_fail(c, "expected a base64 string, got %s", s_json_kind(v));
        if (s_b64_decode(json_string_value(v), json_string_length(v), &b->data, &b->len) < 0)
            return s_fail(c, "invalid base64");
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        return s_msg_from_json(c, f->descriptor, v, (ProtobufCMessage **)p);
    }
    return s_fail(c, "unsupported field type");
}

/* Sets the repeated field f of msg from the array v. */
static int s_repeated_from_json(s_ctx_t *c, ProtobufCMessage *msg,
                                const ProtobufCFieldDescriptor *f, json_t *v)
{
    char *base = (char *)msg;
    if (!json_is_array(v))
        return s_fail(c, "expected an array, got %s", s_json_kind(v));
    size_t n = json_array_size(v);
    if (n == 0)
        return 0;
    size_t sz = s_elem_size(f);
    char *arr = crm_calloc(n, sz);
    /* Stored first, so a failure half-way frees what was converted: the
     * zeroed rest is NULL strings, NULL messages and empty bytes. Strings
     * start NULL, not "", which the free of a repeated string handles. */
    *(char **)(base + f->offset) = arr;
    *(size_t *)(base + f->quantifier_offset) = n;
    size_t len = c->len;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        s_path_push(c, "[%zu]", i);
        if (json_is_null(e))
            return s_fail(c, "null is not allowed in an array");
        if (s_value_from_json(c, f, e, arr + i * sz) < 0)
            return -1;
        s_path_pop(c, len);
    }
    return 0;
}

static int s_field_from_json(s_ctx_t *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                             json_t *v)
{
    char *base = (char *)msg;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return s_repeated_from_json(c, msg, f, v);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *which = (uint32_t *)(base + f->quantifier_offset);
        if (*which != 0 && *which != f->id)
            return s_fail(c, "another member of the same oneof is set already");
        /* A oneof member's storage is shared and not initialised: clear it
         * before it is marked as chosen. */
        memset(base + f->offset, 0, s_elem_size(f));
        *which = f->id;
    }
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        /* Replaces the default ("" or a proto2 default), which is not ours
         * to free. */
        char *s = NULL;
        if (s_value_from_json(c, f, v, &s) < 0)
            return -1;
        *(char **)(base + f->offset) = s;
    } else if (s_value_from_json(c, f, v, base + f->offset) < 0) {
        return -1;
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
        *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
    return 0;
}

const ProtobufCFieldDescriptor *crm_pb_time_alias(const ProtobufCMessageDescriptor *d,
                                                  const char *key)
{
    char name[128];
    if (snprintf(name, sizeof name, "%s_us", key) >= (int)sizeof name)
        return NULL;
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    return f && f->label != PROTOBUF_C_LABEL_REPEATED &&
                   (f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64 ||
                    f->type == PROTOBUF_C_TYPE_SFIXED64)
               ? f
               : NULL;
}

/* Sets the microseconds field f from an RFC 3339 string v. */
static int s_time_from_json(s_ctx_t *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                            json_t *v)
{
    int64_t us;
    if (json_is_null(v))
        return 0;
    if (!json_is_string(v) || crm_rfc3339_parse(json_string_value(v), &us) < 0)
        return s_fail(c, "expected a time in RFC 3339 with its offset, such as"
                         " \"2026-11-23T18:00:00+08:00\"");
    *(int64_t *)((char *)msg + f->offset) = us;
    return 0;
}

static int s_msg_from_json(s_ctx_t *c, const ProtobufCMessageDescriptor *d, json_t *obj,
                           ProtobufCMessage **out)
{
    if (!json_is_object(obj))
        return s_fail(c, "expected an object (%s), got %s", d->name, s_json_kind(obj));
    if (c->depth >= MAX_DEPTH)
        return s_fail(c, "messages nested too deeply");
    ProtobufCMessage *msg = crm_calloc(1, d->sizeof_message);
    protobuf_c_message_init(d, msg);
    *out = msg;
    c->depth++;
    size_t len = c->len;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        s_path_name(c, key);
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
        const ProtobufCFieldDescriptor *alias = f ? NULL : crm_pb_time_alias(d, key);
        if (alias) {
            if (s_time_from_json(c, msg, alias, v) < 0)
                return -1;
            s_path_pop(c, len);
            continue;
        }
        if (!f)
            return s_fail(c, "unknown field \"%s\" in %s", key, d->name);
        if (json_is_null(v)) {
            s_path_pop(c, len);
            continue; /* null: the default */
        }
        if (s_field_from_json(c, msg, f, v) < 0)
            return -1;
        s_path_pop(c, len);
    }
    c->depth--;
    return 0;
}

ProtobufCMessage *crm_pb_from_json(const ProtobufCMessageDescriptor *desc, json_t *obj, char **err,
                                   char **field)
{
    s_ctx_t c = {.path = crm_malloc(64), .cap = 64};
    c.path[0] = '\0';
    ProtobufCMessage *msg = NULL;
    int rc = obj ? s_msg_from_json(&c, desc, obj, &msg) : s_fail(&c, "no JSON value");
    if (rc < 0) {
        protobuf_c_message_free_unpacked(msg, NULL);
        msg = NULL;
        if (err)
            *err = c.err;
        else
            free(c.err);
        if (field)
            *field = crm_strdup(c.path);
    }
    free(c.path);
    return msg;
}
