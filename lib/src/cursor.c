/* cursor.c: opaque keyset-paging cursors (see crm/cursor.h): the text
 * "tag:k1:k2:..." in base64url without padding. */
#include "crm/cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url of in[0..n) without padding; caller frees. */
static char *s_b64_encode(const unsigned char *in, size_t n)
{
    char *out = crm_malloc(4 * (n + 2) / 3 + 1), *p = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t k = 0; k < chars; k++)
            *p++ = s_b64[(v >> (18 - 6 * k)) & 63];
    }
    *p = '\0';
    return out;
}

static int s_b64_value(char c)
{
    const char *p = c ? strchr(s_b64, c) : NULL;
    return p ? (int)(p - s_b64) : -1;
}

/* Decodes base64url text (no padding) into out (room for 3/4 of its
 * length + 1, NUL-terminated). Returns the length, or -1 if malformed. */
static long s_b64_decode(const char *in, unsigned char *out)
{
    size_t len = strlen(in), o = 0;
    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        size_t chars = len - i >= 4 ? 4 : len - i;
        for (size_t k = 0; k < 4; k++) {
            int d = k < chars ? s_b64_value(in[i + k]) : 0;
            if (d < 0)
                return -1;
            v |= (uint32_t)d << (18 - 6 * k);
        }
        for (size_t k = 0; k + 1 < chars; k++)
            out[o++] = (unsigned char)(v >> (16 - 8 * k));
    }
    out[o] = '\0';
    return (long)o;
}

char *crm_cursor_encode(const char *tag, const int64_t *keys, size_t n)
{
    size_t cap = strlen(tag) + n * 21 + 1;
    char *text = crm_malloc(cap);
    size_t len = (size_t)snprintf(text, cap, "%s", tag);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, ":%lld", (long long)keys[i]);
    char *out = s_b64_encode((const unsigned char *)text, len);
    free(text);
    return out;
}

int crm_cursor_decode(const char *cursor, const char *tag, int64_t *keys, size_t n)
{
    size_t len = cursor ? strlen(cursor) : 0;
    if (len == 0 || len > CRM_CURSOR_MAX)
        return -1;
    unsigned char text[CRM_CURSOR_MAX];
    long tlen = s_b64_decode(cursor, text);
    size_t taglen = strlen(tag);
    if (tlen < 0 || (size_t)tlen != strlen((char *)text) || strncmp((char *)text, tag, taglen) ||
        text[taglen] != ':')
        return -1;
    char *save = NULL, *p = (char *)text + taglen + 1;
    /* Exactly n fields: strtok_r below would skip empty ones ("t::1"). */
    size_t colons = 0;
    for (const char *c = p; *c; c++)
        colons += *c == ':';
    if (n == 0 || colons + 1 != n)
        return -1;
    size_t got = 0;
    for (char *k = strtok_r(p, ":", &save); k; k = strtok_r(NULL, ":", &save)) {
        if (got == n || crm_parse_i64(k, &keys[got]) != 0)
            return -1;
        got++;
    }
    return got == n ? 0 : -1;
}

int crm_cursor_row_keys(const PGresult *r, int row, const crm_key_t *keys, size_t n, int64_t *out)
{
    for (size_t k = 0; k < n; k++) {
        int col = PQfnumber(r, keys[k].column);
        if (col < 0)
            return -1;
        out[k] = crm_db_get_i64(r, row, col);
        if (keys[k].type == CRM_KEY_TIME && keys[k].nulls && out[k] == 0)
            out[k] = keys[k].nulls > 0 ? INT64_MAX : INT64_MIN;
    }
    return 0;
}

char *crm_cursor_of_row(const PGresult *r, int row, const char *tag, const crm_key_t *keys,
                        size_t n)
{
    int64_t v[16];
    if (n > sizeof v / sizeof v[0] || crm_cursor_row_keys(r, row, keys, n, v) < 0)
        return NULL;
    return crm_cursor_encode(tag, v, n);
}

size_t crm_cursor_page(const PGresult *r, int limit, const char *tag, char **next)
{
    static const crm_key_t id = CRM_KEY_ID;
    size_t n = (size_t)PQntuples(r);
    *next = NULL;
    if (limit > 0 && n > (size_t)limit) {
        n = (size_t)limit;
        *next = crm_cursor_of_row(r, limit - 1, tag, &id, 1);
    }
    return n;
}
