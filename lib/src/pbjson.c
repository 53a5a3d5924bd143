/* pbjson.c: protobuf-c messages to and from JSON, generic over any message
 * by walking its descriptor (see pbjson.h). This file: what both directions
 * share (base64, field sizes and presence); pbjson_out.c writes JSON,
 * pbjson_in.c reads it.
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

/* ---- base64 (RFC 4648) ------------------------------------------------ */

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes len bytes with padding. Caller frees. */
char *pbj_b64_encode(const uint8_t *in, size_t len)
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
int pbj_b64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len)
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

size_t pbj_elem_size(const ProtobufCFieldDescriptor *f)
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
int pbj_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
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
