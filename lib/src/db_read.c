/* db_read.c: reading values out of query results (see db.h), in text or
 * in binary (crm_db_batch_binary; db_binary.c reads those). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"
#include "db_binary.h"

/* ---- reading results ------------------------------------------------- */

/* Is column col of r in binary? */
static int s_binary(const PGresult *r, int col)
{
    return PQfformat(r, col) == 1;
}

const char *crm_db_get(const PGresult *r, int row, int col)
{
    if (!r || PQgetisnull(r, row, col))
        return "";
    if (s_binary(r, col) && db_bin_kind(PQftype(r, col)) != DB_BIN_TEXT)
        return ""; /* not text: read with the getter of its type */
    const char *v = PQgetvalue(r, row, col);
    return v ? v : "";
}

int64_t crm_db_get_i64(const PGresult *r, int row, int col)
{
    if (r && s_binary(r, col)) {
        int64_t v = 0;
        if (!PQgetisnull(r, row, col))
            db_bin_i64(PQftype(r, col), PQgetvalue(r, row, col), PQgetlength(r, row, col), &v);
        return v;
    }
    return strtoll(crm_db_get(r, row, col), NULL, 10);
}

int64_t crm_db_value_of(const PGresult *r, int64_t key)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == key)
            return crm_db_get_i64(r, i, 1);
    return 0;
}

int crm_db_get_bool(const PGresult *r, int row, int col)
{
    if (r && s_binary(r, col))
        return !PQgetisnull(r, row, col) && PQftype(r, col) == DB_OID_BOOL &&
               PQgetlength(r, row, col) == 1 && PQgetvalue(r, row, col)[0] != 0;
    return crm_db_get(r, row, col)[0] == 't';
}

static int s_hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

uint8_t *crm_db_get_bytea(const PGresult *r, int row, int col, size_t *len)
{
    const char *v = crm_db_get(r, row, col);
    *len = 0;
    if (v[0] != '\\' || v[1] != 'x') { /* escape format (bytea_output), or NULL */
        size_t n = 0;
        unsigned char *u = *v ? PQunescapeBytea((const unsigned char *)v, &n) : NULL;
        uint8_t *out = crm_malloc(n ? n : 1);
        if (u)
            memcpy(out, u, n);
        PQfreemem(u);
        *len = n;
        return out;
    }
    v += 2;
    size_t n = strlen(v);
    if (n % 2)
        return NULL;
    uint8_t *out = crm_malloc(n / 2 ? n / 2 : 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = s_hexval(v[2 * i]), lo = s_hexval(v[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

char *crm_db_bytea_hex(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *s = crm_malloc(2 * len + 3);
    s[0] = '\\';
    s[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        s[2 + 2 * i] = digits[data[i] >> 4];
        s[3 + 2 * i] = digits[data[i] & 15];
    }
    s[2 + 2 * len] = '\0';
    return s;
}
