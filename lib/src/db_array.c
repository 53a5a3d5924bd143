/* db_array.c: PostgreSQL one-dimensional array literals, in and out, for
 * text[] and bigint[] parameters and columns (text format; a column in
 * binary is read by db_binary.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"
#include "db_binary.h"

char *crm_db_text_array(char *const *v, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(v[i]) + 3;
    char *out = crm_malloc(cap), *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = v[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

char *crm_db_i64_array(const int64_t *v, size_t n)
{
    char *out = crm_malloc(n * 21 + 3), *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, i ? ",%lld" : "%lld", (long long)v[i]);
    *p++ = '}';
    *p = '\0';
    return out;
}

/* Reads one element starting at *s into out (unescaped); advances *s past
 * it. Returns the element's length. */
static size_t s_element(const char **s, char *out)
{
    const char *p = *s;
    size_t len = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1])
                p++;
            out[len++] = *p;
        }
        if (*p == '"')
            p++;
    } else {
        while (*p && *p != ',' && *p != '}')
            out[len++] = *p++;
        if (len == 4 && memcmp(out, "NULL", 4) == 0)
            len = 0;
    }
    out[len] = '\0';
    *s = p;
    return len;
}

/* Is column col of r in binary (NULL: not there, or NULL)? The value in
 * *v and its length in *len. */
static int s_binary(const PGresult *r, int row, int col, const char **v, int *len)
{
    if (!r || PQfformat(r, col) != 1)
        return 0;
    *v = PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
    *len = *v ? PQgetlength(r, row, col) : 0;
    return 1;
}

char **crm_db_get_text_array(const PGresult *r, int row, int col, size_t *n)
{
    const char *b;
    int blen;
    *n = 0;
    if (s_binary(r, row, col, &b, &blen))
        return b ? db_bin_text_array(b, blen, n) : NULL;
    const char *v = crm_db_get(r, row, col);
    if (v[0] != '{' || v[1] == '}' || v[1] == '\0')
        return NULL;
    size_t count = 1, len = strlen(v);
    for (const char *p = v; *p; p++)
        count += *p == ','; /* an upper bound: commas inside quotes count too */
    char **out = crm_malloc(count * sizeof *out + len + count);
    char *text = (char *)(out + count);
    const char *p = v + 1;
    while (*p && *p != '}') {
        out[*n] = text;
        text += s_element(&p, text) + 1;
        (*n)++;
        if (*p == ',')
            p++;
    }
    return out;
}

int64_t *crm_db_get_i64_array(const PGresult *r, int row, int col, size_t *n)
{
    const char *b;
    int blen;
    *n = 0;
    if (s_binary(r, row, col, &b, &blen))
        return b ? db_bin_i64_array(b, blen, n) : NULL;
    const char *v = crm_db_get(r, row, col);
    if (v[0] != '{' || v[1] == '}' || v[1] == '\0')
        return NULL;
    size_t count = 1;
    for (const char *p = v; *p; p++)
        count += *p == ',';
    int64_t *out = crm_malloc(count * sizeof *out);
    for (const char *p = v + 1; *p && *p != '}';) {
        char *end;
        if (!strncmp(p, "NULL", 4)) { /* a NULL element: 0, as in binary */
            out[(*n)++] = 0;
            end = (char *)p + 4;
        } else {
            out[(*n)++] = strtoll(p, &end, 10);
        }
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p != '}')
            break;
    }
    return out;
}
