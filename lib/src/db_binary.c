/* db_binary.c: values in PostgreSQL's binary format read into C values
 * (see db_binary.h). The server sends every number in network byte order;
 * a timestamptz is its int8 of microseconds since 2000-01-01 UTC; an array
 * is its dimensions, a flag, its element type, each dimension's length and
 * lower bound, then each element as a length (-1: NULL) and its bytes.
 * libpq ends every value with a NUL byte, so a text value is a C string. */
#include "db_binary.h"

#include <stdlib.h>
#include <string.h>

#include "crm/util.h"

db_bin_kind_t db_bin_kind(Oid type)
{
    switch (type) {
    case DB_OID_TEXT:
    case DB_OID_VARCHAR:
    case DB_OID_BPCHAR:
    case DB_OID_NAME:
    case DB_OID_JSON:
    case DB_OID_UNKNOWN:
        return DB_BIN_TEXT;
    case DB_OID_INT2:
    case DB_OID_INT4:
    case DB_OID_INT8:
    case DB_OID_OID:
    case DB_OID_TIMESTAMPTZ:
        return DB_BIN_INT;
    case DB_OID_BOOL:
        return DB_BIN_BOOL;
    case DB_OID_FLOAT4:
    case DB_OID_FLOAT8:
        return DB_BIN_FLOAT;
    case DB_OID_TEXT_ARRAY:
    case DB_OID_VARCHAR_ARRAY:
    case DB_OID_BPCHAR_ARRAY:
    case DB_OID_NAME_ARRAY:
        return DB_BIN_TEXTS;
    case DB_OID_INT2_ARRAY:
    case DB_OID_INT4_ARRAY:
    case DB_OID_INT8_ARRAY:
        return DB_BIN_INTS;
    default:
        return DB_BIN_NONE;
    }
}

int db_bin_is_time(Oid type)
{
    return type == DB_OID_TIMESTAMPTZ || type == DB_OID_TIMESTAMP || type == DB_OID_DATE;
}

/* Big-endian integers of 2, 4 and 8 bytes at p (any alignment). */
static uint16_t s_u16(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint16_t)(u[0] << 8 | u[1]);
}

static uint32_t s_u32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static uint64_t s_u64(const char *p)
{
    return (uint64_t)s_u32(p) << 32 | s_u32(p + 4);
}

/* An integer of len bytes (2, 4 or 8) with its sign. */
static int s_int(const char *v, int len, int64_t *out)
{
    switch (len) {
    case 2:
        *out = (int16_t)s_u16(v);
        return 0;
    case 4:
        *out = (int32_t)s_u32(v);
        return 0;
    case 8:
        *out = (int64_t)s_u64(v);
        return 0;
    default:
        *out = 0;
        return -1;
    }
}

int db_bin_i64(Oid type, const char *v, int len, int64_t *out)
{
    *out = 0;
    switch (type) {
    case DB_OID_INT2:
        return len == 2 ? s_int(v, len, out) : -1;
    case DB_OID_INT4:
        return len == 4 ? s_int(v, len, out) : -1;
    case DB_OID_INT8:
        return len == 8 ? s_int(v, len, out) : -1;
    case DB_OID_OID:
        if (len != 4)
            return -1;
        *out = s_u32(v);
        return 0;
    case DB_OID_TIMESTAMPTZ:
        if (len != 8)
            return -1;
        s_int(v, len, out);
        if (*out != INT64_MAX && *out != INT64_MIN) /* not ±infinity */
            *out += DB_EPOCH_SHIFT_US;
        return 0;
    default:
        return -1;
    }
}

int db_bin_f64(Oid type, const char *v, int len, double *out)
{
    *out = 0;
    if (type == DB_OID_FLOAT8 && len == 8) {
        uint64_t u = s_u64(v);
        memcpy(out, &u, sizeof *out);
        return 0;
    }
    if (type == DB_OID_FLOAT4 && len == 4) {
        uint32_t u = s_u32(v);
        float f;
        memcpy(&f, &u, sizeof f);
        *out = f;
        return 0;
    }
    return -1;
}

/* An array's header: its number of elements (the product of its
 * dimensions), its element type, and where its elements start. -1 if
 * malformed. */
static int s_array(const char *v, int len, size_t *count, Oid *elem, const char **at)
{
    *count = 0;
    if (len < 12)
        return -1;
    int32_t ndim = (int32_t)s_u32(v);
    *elem = s_u32(v + 8);
    if (ndim < 0 || ndim > 6 || len < 12 + 8 * ndim)
        return -1;
    size_t n = ndim ? 1 : 0;
    for (int32_t d = 0; d < ndim; d++) {
        int32_t dim = (int32_t)s_u32(v + 12 + 8 * d);
        if (dim < 0 || (size_t)dim > (size_t)len) /* each element takes 4 bytes at least */
            return -1;
        n *= (size_t)dim;
        if (n > (size_t)len)
            return -1;
    }
    *count = n;
    *at = v + 12 + 8 * ndim;
    return 0;
}

/* The next element at *p (end: the array's end): its bytes in *ev and
 * length in *elen (-1: NULL). Advances *p; -1 if it overruns. */
static int s_element(const char **p, const char *end, const char **ev, int32_t *elen)
{
    if (end - *p < 4)
        return -1;
    *elen = (int32_t)s_u32(*p);
    *p += 4;
    *ev = *p;
    if (*elen < 0)
        return 0;
    if (end - *p < *elen)
        return -1;
    *p += *elen;
    return 0;
}

char **db_bin_text_array(const char *v, int len, size_t *n)
{
    size_t count;
    Oid elem;
    const char *at, *end = v + len;
    *n = 0;
    if (s_array(v, len, &count, &elem, &at) < 0 || count == 0 || db_bin_kind(elem) != DB_BIN_TEXT)
        return NULL;
    /* The pointers, then every element and its NUL: the bytes after the
     * header bound the elements' total. */
    char **out = crm_malloc(count * sizeof *out + (size_t)(end - at) + count);
    char *text = (char *)(out + count);
    for (const char *p = at; *n < count;) {
        const char *ev;
        int32_t elen;
        if (s_element(&p, end, &ev, &elen) < 0) {
            free(out);
            *n = 0;
            return NULL;
        }
        out[(*n)++] = text;
        if (elen > 0) {
            memcpy(text, ev, (size_t)elen);
            text += elen;
        }
        *text++ = '\0';
    }
    return out;
}

int64_t *db_bin_i64_array(const char *v, int len, size_t *n)
{
    size_t count;
    Oid elem;
    const char *at, *end = v + len;
    *n = 0;
    if (s_array(v, len, &count, &elem, &at) < 0 || count == 0 ||
        (elem != DB_OID_INT2 && elem != DB_OID_INT4 && elem != DB_OID_INT8))
        return NULL;
    int64_t *out = crm_malloc(count * sizeof *out);
    for (const char *p = at; *n < count;) {
        const char *ev;
        int32_t elen;
        if (s_element(&p, end, &ev, &elen) < 0 || (elen >= 0 && s_int(ev, elen, &out[*n]) < 0)) {
            free(out);
            *n = 0;
            return NULL;
        }
        if (elen < 0)
            out[*n] = 0;
        (*n)++;
    }
    return out;
}
