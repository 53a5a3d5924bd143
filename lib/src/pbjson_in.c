/* pbjson_in.c: JSON to protobuf-c messages, strict, the first fault named
 * by its dotted path (see pbjson.h and pbjson.c). */
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

/* ---- JSON to message -------------------------------------------------- */

/* The conversion's state: where we are (the dotted path) and the first
 * error. */
typedef struct {
    char *path;
    size_t len, cap;
    char *err;
    int depth;
    unsigned flags;
    crm_pb_fault_t *faults; /* collecting every fault (crm_pb_from_json_all), or NULL */
    size_t nfaults;
} s_ctx_t;

#define MAX_FAULTS 20

/* After a fault at the current path: when collecting every fault, keeps it
 * and returns 0 so the conversion goes on with the next key (up to
 * MAX_FAULTS); otherwise -1. */
static int s_keep_fault(s_ctx_t *c)
{
    if (!c->faults || c->nfaults == MAX_FAULTS)
        return -1;
    c->faults[c->nfaults].field = crm_strdup(c->path);
    c->faults[c->nfaults].message = c->err;
    c->nfaults++;
    c->err = NULL;
    return 0;
}

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

/* The enum value v says: in the wire form a short word; in the proto form a
 * value name or number. NULL after failing c. */
static const ProtobufCEnumValue *s_enum_from_json(s_ctx_t *c, const ProtobufCEnumDescriptor *ed,
                                                  const json_t *v)
{
    const ProtobufCEnumValue *ev = NULL;
    char words[512];
    if (c->flags & CRM_PBJSON_WIRE) {
        if (json_is_string(v))
            ev = pbj_enum_by_word(ed, json_string_value(v));
        if (!ev) {
            pbj_enum_words(ed, words, sizeof words);
            if (json_is_string(v))
                s_fail(c, "unknown value \"%s\": one of %s", json_string_value(v), words);
            else
                s_fail(c, "expected one of %s, got %s", words, s_json_kind(v));
        }
        return ev;
    }
    if (json_is_string(v)) {
        ev = protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(v));
        if (!ev)
            s_fail(c, "unknown value \"%s\"", json_string_value(v));
    } else if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i >= INT32_MIN && i <= INT32_MAX)
            ev = protobuf_c_enum_descriptor_get_value(ed, (int)i);
        if (!ev)
            s_fail(c, "unknown value %lld", (long long)i);
    } else {
        s_fail(c, "expected a value name, got %s", s_json_kind(v));
    }
    return ev;
}

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
        const ProtobufCEnumValue *ev = s_enum_from_json(c, f->descriptor, v);
        if (!ev)
            return -1;
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
        if (pbj_b64_decode(json_string_value(v), json_string_length(v), &b->data, &b->len) < 0)
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
    size_t sz = pbj_elem_size(f);
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
        memset(base + f->offset, 0, pbj_elem_size(f));
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

/* In the proto form, the int64 field "<key>_us" that key names as an RFC
 * 3339 time, or NULL. */
static const ProtobufCFieldDescriptor *s_time_alias(const ProtobufCMessageDescriptor *d,
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

/* Sets the document field f ("<x>_json") from any JSON value v. */
static void s_document_from_json(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                                 json_t *v)
{
    char **p = (char **)((char *)msg + f->offset);
    if (json_is_null(v))
        return;
    *p = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The field key names in c's form, and whether it is an instant given in
 * RFC 3339 (*time) or a document (*doc). */
static const ProtobufCFieldDescriptor *s_field_of(s_ctx_t *c, const ProtobufCMessageDescriptor *d,
                                                  const char *key, int *time, int *doc)
{
    *time = *doc = 0;
    if (c->flags & CRM_PBJSON_WIRE) {
        const ProtobufCFieldDescriptor *f = pbj_wire_field(d, key);
        if (f) {
            *time = pbj_wire_kind(f) == PBJ_TIME;
            *doc = pbj_wire_kind(f) == PBJ_JSON;
        }
        return f;
    }
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
    if (f)
        return f;
    f = s_time_alias(d, key);
    *time = f != NULL;
    return f;
}

/* Sets the field key names in msg from v. */
static int s_key_from_json(s_ctx_t *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage *msg,
                           const char *key, json_t *v)
{
    int time, doc;
    const ProtobufCFieldDescriptor *f = s_field_of(c, d, key, &time, &doc);
    if (!f)
        return s_fail(c, "unknown field \"%s\"", key);
    if (time)
        return s_time_from_json(c, msg, f, v);
    if (doc) {
        s_document_from_json(msg, f, v);
        return 0;
    }
    if (json_is_null(v))
        return 0; /* null: the default */
    return s_field_from_json(c, msg, f, v);
}

static int s_msg_from_json(s_ctx_t *c, const ProtobufCMessageDescriptor *d, json_t *obj,
                           ProtobufCMessage **out)
{
    if (!json_is_object(obj))
        return s_fail(c, "expected an object, got %s", s_json_kind(obj));
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
        if (s_key_from_json(c, d, msg, key, v) < 0 && s_keep_fault(c) < 0)
            return -1;
        s_path_pop(c, len);
    }
    c->depth--;
    return 0;
}

ProtobufCMessage *crm_pb_from_json(const ProtobufCMessageDescriptor *desc, json_t *obj, char **err,
                                   char **field)
{
    return crm_pb_from_json_as(desc, obj, 0, err, field);
}

/* Converts obj in c; NULL after a fault (kept in c). */
static ProtobufCMessage *s_convert(s_ctx_t *c, const ProtobufCMessageDescriptor *desc, json_t *obj)
{
    ProtobufCMessage *msg = NULL;
    int rc = obj ? s_msg_from_json(c, desc, obj, &msg) : s_fail(c, "no JSON value");
    if (rc < 0 && c->faults && c->err)
        (void)s_keep_fault(c);
    if (rc < 0 || c->nfaults) {
        protobuf_c_message_free_unpacked(msg, NULL);
        return NULL;
    }
    return msg;
}

ProtobufCMessage *crm_pb_from_json_as(const ProtobufCMessageDescriptor *desc, json_t *obj,
                                      unsigned flags, char **err, char **field)
{
    s_ctx_t c = {.path = crm_malloc(64), .cap = 64, .flags = flags};
    c.path[0] = '\0';
    ProtobufCMessage *msg = s_convert(&c, desc, obj);
    if (!msg) {
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

ProtobufCMessage *crm_pb_from_json_all(const ProtobufCMessageDescriptor *desc, json_t *obj,
                                       unsigned flags, crm_pb_fault_t **faults, size_t *nfaults)
{
    s_ctx_t c = {.path = crm_malloc(64), .cap = 64, .flags = flags};
    c.path[0] = '\0';
    c.faults = crm_calloc(MAX_FAULTS, sizeof *c.faults);
    ProtobufCMessage *msg = s_convert(&c, desc, obj);
    free(c.err); /* past MAX_FAULTS: not said */
    free(c.path);
    *faults = c.faults;
    *nfaults = c.nfaults;
    return msg;
}

void crm_pb_faults_free(crm_pb_fault_t *faults, size_t n)
{
    for (size_t i = 0; faults && i < n; i++) {
        free(faults[i].field);
        free(faults[i].message);
    }
    free(faults);
}
