/* test_db_binary.c: values in PostgreSQL's binary format (db_binary.c),
 * through the getters of crm/db.h and the row map (crm/rowmap.h), on
 * results built by hand in the server's wire form: integers of each width
 * and sign, instants before and after 2000 and 1970 and the infinities,
 * booleans, floats, text (empty too), arrays of text and of integers (empty,
 * with NULL elements, two-dimensional), NULLs; malformed values read as
 * nothing; and the columns the row map refuses (a time in text, a binary
 * type it does not read). tests/integration/test_db_formats.c checks the
 * same readers against a real server. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/rowmap.h"
#include "db_binary.h"
#include "leads.pb-c.h"
#include "unit.h"

/* ---- the wire form ------------------------------------------------------------ */

typedef struct {
    char b[256];
    int n;
} s_buf_t;

static void s_put(s_buf_t *w, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        w->b[w->n++] = (char)(v >> (8 * i));
}

/* An array of n elements (len -1: NULL) of type elem; dims: its dimensions
 * (ndim 0: empty). */
static s_buf_t s_array(Oid elem, int ndim, const int *dims, int n, const char *const *v,
                       const int *len)
{
    s_buf_t w = {.n = 0};
    int nulls = 0;
    for (int i = 0; i < n; i++)
        nulls |= len[i] < 0;
    s_put(&w, (uint32_t)ndim, 4);
    s_put(&w, (uint32_t)nulls, 4);
    s_put(&w, elem, 4);
    for (int d = 0; d < ndim; d++) {
        s_put(&w, (uint32_t)dims[d], 4);
        s_put(&w, 1, 4); /* lower bound */
    }
    for (int i = 0; i < n; i++) {
        s_put(&w, (uint32_t)len[i], 4);
        if (len[i] > 0) {
            memcpy(w.b + w.n, v[i], (size_t)len[i]);
            w.n += len[i];
        }
    }
    return w;
}

static s_buf_t s_i64(int64_t v, int bytes)
{
    s_buf_t w = {.n = 0};
    s_put(&w, (uint64_t)v, bytes);
    return w;
}

/* ---- the decoders --------------------------------------------------------------- */

static int64_t s_time(int64_t pg_us)
{
    s_buf_t w = s_i64(pg_us, 8);
    int64_t out = 42;
    CHECK(db_bin_i64(DB_OID_TIMESTAMPTZ, w.b, w.n, &out) == 0);
    return out;
}

static void s_integers(void)
{
    int64_t out;
    s_buf_t w = s_i64(-2, 2);
    CHECK(db_bin_i64(DB_OID_INT2, w.b, w.n, &out) == 0 && out == -2);
    w = s_i64(-32768, 2);
    CHECK(db_bin_i64(DB_OID_INT2, w.b, w.n, &out) == 0 && out == -32768);
    w = s_i64(INT32_MIN, 4);
    CHECK(db_bin_i64(DB_OID_INT4, w.b, w.n, &out) == 0 && out == INT32_MIN);
    w = s_i64(2147483647, 4);
    CHECK(db_bin_i64(DB_OID_INT4, w.b, w.n, &out) == 0 && out == 2147483647);
    w = s_i64(INT64_MIN, 8);
    CHECK(db_bin_i64(DB_OID_INT8, w.b, w.n, &out) == 0 && out == INT64_MIN);
    w = s_i64(-1234567890123LL, 8);
    CHECK(db_bin_i64(DB_OID_INT8, w.b, w.n, &out) == 0 && out == -1234567890123LL);
    w = s_i64(4000000000LL, 4); /* an oid is unsigned */
    CHECK(db_bin_i64(DB_OID_OID, w.b, w.n, &out) == 0 && out == 4000000000LL);
    /* A length that does not fit the type, and a type not read: nothing. */
    w = s_i64(7, 4);
    CHECK(db_bin_i64(DB_OID_INT8, w.b, w.n, &out) == -1 && out == 0);
    CHECK(db_bin_i64(DB_OID_INT2, w.b, w.n, &out) == -1 && out == 0);
    CHECK(db_bin_i64(1700 /* numeric */, w.b, w.n, &out) == -1 && out == 0);
    CHECK(db_bin_i64(DB_OID_TIMESTAMP, w.b, 8, &out) == -1);

    /* Instants: microseconds since 1970, whatever side of 2000 and 1970. */
    CHECK(s_time(0) == 946684800000000LL);                     /* 2000-01-01 00:00:00 UTC */
    CHECK(s_time(-1) == 946684799999999LL);                    /* 1999-12-31 23:59:59.999999 */
    CHECK(s_time(-946684800000000LL) == 0);                    /* 1970-01-01 */
    CHECK(s_time(-946684800000001LL) == -1);                   /* 1969-12-31 23:59:59.999999 */
    CHECK(s_time(-3155673600000000LL) == -2208988800000000LL); /* 1900-01-01 */
    CHECK(s_time(849441600000001LL) == 1796126400000001LL);    /* 2026-12-01 12:00:00.000001 */
    CHECK(s_time(INT64_MAX) == INT64_MAX && s_time(INT64_MIN) == INT64_MIN); /* ±infinity */

    double x;
    s_buf_t f = {.n = 0};
    double d = -1.5e-7;
    uint64_t u;
    memcpy(&u, &d, 8);
    s_put(&f, u, 8);
    CHECK(db_bin_f64(DB_OID_FLOAT8, f.b, f.n, &x) == 0 && x == d);
    float g = 3.25f;
    uint32_t u4;
    memcpy(&u4, &g, 4);
    f.n = 0;
    s_put(&f, u4, 4);
    CHECK(db_bin_f64(DB_OID_FLOAT4, f.b, f.n, &x) == 0 && x == 3.25);
    CHECK(db_bin_f64(DB_OID_FLOAT8, f.b, f.n, &x) == -1 && x == 0);
}

static void s_arrays(void)
{
    size_t n = 99;
    const char *v[] = {"vip", "", NULL, "华 东"};
    int len[] = {3, 0, -1, (int)strlen("华 东")}, dims[] = {4};
    s_buf_t w = s_array(DB_OID_TEXT, 1, dims, 4, v, len);
    char **t = db_bin_text_array(w.b, w.n, &n);
    CHECK(t && n == 4 && !strcmp(t[0], "vip") && !strcmp(t[1], "") && !strcmp(t[2], "") &&
          !strcmp(t[3], "华 东"));
    free(t);
    /* Empty ({}: no dimensions), a NULL-free varchar[], two dimensions read flat. */
    w = s_array(DB_OID_TEXT, 0, NULL, 0, NULL, NULL);
    n = 99;
    CHECK(db_bin_text_array(w.b, w.n, &n) == NULL && n == 0);
    int dims2[] = {2, 2};
    const char *v4[] = {"a", "b", "c", "d"};
    int len4[] = {1, 1, 1, 1};
    w = s_array(DB_OID_VARCHAR, 2, dims2, 4, v4, len4);
    t = db_bin_text_array(w.b, w.n, &n);
    CHECK(t && n == 4 && !strcmp(t[0], "a") && !strcmp(t[3], "d"));
    free(t);
    /* Cut short or of another element type: nothing. */
    w = s_array(DB_OID_TEXT, 1, dims, 4, v, len);
    CHECK(db_bin_text_array(w.b, w.n - 1, &n) == NULL && n == 0);
    CHECK(db_bin_text_array(w.b, 11, &n) == NULL && n == 0);
    CHECK(db_bin_i64_array(w.b, w.n, &n) == NULL && n == 0);

    /* Integers of each width, negative, a NULL element as 0. */
    s_buf_t a = s_i64(-7, 8), b = s_i64(INT64_MAX, 8);
    const char *iv[] = {a.b, NULL, b.b};
    int ilen[] = {8, -1, 8}, idims[] = {3};
    w = s_array(DB_OID_INT8, 1, idims, 3, iv, ilen);
    int64_t *i = db_bin_i64_array(w.b, w.n, &n);
    CHECK(i && n == 3 && i[0] == -7 && i[1] == 0 && i[2] == INT64_MAX);
    free(i);
    s_buf_t c = s_i64(-5, 4);
    const char *iv4[] = {c.b};
    int ilen4[] = {4}, one[] = {1};
    w = s_array(DB_OID_INT4, 1, one, 1, iv4, ilen4);
    i = db_bin_i64_array(w.b, w.n, &n);
    CHECK(i && n == 1 && i[0] == -5);
    free(i);
    /* An element whose length is not its type's: nothing. */
    int bad[] = {3};
    w = s_array(DB_OID_INT4, 1, one, 1, iv4, bad);
    CHECK(db_bin_i64_array(w.b, w.n, &n) == NULL && n == 0);
    /* A dimension larger than the bytes could hold. */
    int huge[] = {1 << 30};
    w = s_array(DB_OID_INT4, 1, huge, 0, NULL, NULL);
    CHECK(db_bin_i64_array(w.b, w.n, &n) == NULL && n == 0);
}

/* ---- a binary result: the getters and the row map ------------------------------ */

enum { C_ID, C_NAME, C_STATUS, C_CREATED, C_MASKED, C_TAGS, C_TEAM, C_OWNER, C_EXTRA, NCOLS };

/* Columns named after Crm__Leads__Lead fields in binary, and one naming
 * none; row 0 with values, row 1 all NULL, row 2 with empty ones. */
static PGresult *s_result(void)
{
    static const struct {
        const char *name;
        Oid type;
    } c[NCOLS] = {
        {"id", DB_OID_INT8},
        {"name", DB_OID_TEXT},
        {"status", DB_OID_INT2},
        {"created_at_us", DB_OID_TIMESTAMPTZ},
        {"masked", DB_OID_BOOL},
        {"tags", DB_OID_TEXT_ARRAY},
        {"team_member_ids", DB_OID_INT8_ARRAY},
        {"owner_id", DB_OID_INT4},
        {"extra", 1700 /* numeric: names no field */},
    };
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[NCOLS];
    for (int i = 0; i < NCOLS; i++)
        cols[i] = (PGresAttDesc){.name = (char *)c[i].name,
                                 .typid = c[i].type,
                                 .typlen = -1,
                                 .atttypmod = -1,
                                 .format = 1};
    PQsetResultAttrs(r, NCOLS, cols);

    s_buf_t id = s_i64(41, 8), status = s_i64(2, 2), created = s_i64(-1, 8), owner = s_i64(-3, 4);
    const char *tv[] = {"vip", "华 东"};
    int tl[] = {3, (int)strlen("华 东")}, two[] = {2};
    s_buf_t tags = s_array(DB_OID_TEXT, 1, two, 2, tv, tl);
    s_buf_t m7 = s_i64(7, 8), m9 = s_i64(-9, 8);
    const char *mv[] = {m7.b, m9.b};
    int ml[] = {8, 8};
    s_buf_t team = s_array(DB_OID_INT8, 1, two, 2, mv, ml);
    PQsetvalue(r, 0, C_ID, id.b, id.n);
    PQsetvalue(r, 0, C_NAME, "上海花木", (int)strlen("上海花木"));
    PQsetvalue(r, 0, C_STATUS, status.b, status.n);
    PQsetvalue(r, 0, C_CREATED, created.b, created.n);
    PQsetvalue(r, 0, C_MASKED, "\1", 1);
    PQsetvalue(r, 0, C_TAGS, tags.b, tags.n);
    PQsetvalue(r, 0, C_TEAM, team.b, team.n);
    PQsetvalue(r, 0, C_OWNER, owner.b, owner.n);
    PQsetvalue(r, 0, C_EXTRA, "\0\0\0\0\0\0\0\0", 8);
    for (int col = 0; col < NCOLS; col++)
        PQsetvalue(r, 1, col, NULL, -1);
    s_buf_t empty = s_array(DB_OID_TEXT, 0, NULL, 0, NULL, NULL);
    s_buf_t zero = s_i64(0, 8);
    PQsetvalue(r, 2, C_ID, zero.b, zero.n);
    PQsetvalue(r, 2, C_NAME, "", 0);
    PQsetvalue(r, 2, C_MASKED, "\0", 1);
    PQsetvalue(r, 2, C_TAGS, empty.b, empty.n);
    PQsetvalue(r, 2, C_TEAM, empty.b, empty.n);
    return r;
}

static void s_getters(void)
{
    PGresult *r = s_result();
    CHECK(crm_db_get_i64(r, 0, C_ID) == 41 && crm_db_get_i64(r, 0, C_OWNER) == -3);
    CHECK(crm_db_get_i64(r, 0, C_CREATED) == 946684799999999LL);
    CHECK(crm_db_get_i64(r, 0, C_STATUS) == 2 && crm_db_get_bool(r, 0, C_MASKED) == 1);
    CHECK(!strcmp(crm_db_get(r, 0, C_NAME), "上海花木"));
    CHECK(!strcmp(crm_db_get(r, 0, C_ID), "")); /* not text: its getter reads it */
    CHECK(crm_db_get_i64(r, 0, C_EXTRA) == 0);  /* a numeric is not read here */
    size_t n;
    char **tags = crm_db_get_text_array(r, 0, C_TAGS, &n);
    CHECK(tags && n == 2 && !strcmp(tags[1], "华 东"));
    free(tags);
    int64_t *team = crm_db_get_i64_array(r, 0, C_TEAM, &n);
    CHECK(team && n == 2 && team[0] == 7 && team[1] == -9);
    free(team);
    /* NULLs: the defaults. */
    CHECK(crm_db_get_i64(r, 1, C_ID) == 0 && crm_db_get_i64(r, 1, C_CREATED) == 0);
    CHECK(!strcmp(crm_db_get(r, 1, C_NAME), "") && crm_db_get_bool(r, 1, C_MASKED) == 0);
    CHECK(crm_db_get_text_array(r, 1, C_TAGS, &n) == NULL && n == 0);
    CHECK(crm_db_get_i64_array(r, 1, C_TEAM, &n) == NULL && n == 0);
    /* Empty values. */
    CHECK(!strcmp(crm_db_get(r, 2, C_NAME), "") && crm_db_get_bool(r, 2, C_MASKED) == 0);
    CHECK(crm_db_get_text_array(r, 2, C_TAGS, &n) == NULL && n == 0);
    PQclear(r);
}

static void s_rowmap(void)
{
    PGresult *r = s_result();
    crm_err_t err;
    crm_rowmap_t *m = crm_rowmap_new(&crm__leads__lead__descriptor, r, &err);
    CHECK(m && crm_rowmap_columns(m) == 8); /* extra names no field */
    Crm__Leads__Lead a = CRM__LEADS__LEAD__INIT, b = CRM__LEADS__LEAD__INIT,
                     c = CRM__LEADS__LEAD__INIT;
    crm_rowmap_fill(m, r, 0, &a.base);
    crm_rowmap_fill(m, r, 1, &b.base);
    crm_rowmap_fill(m, r, 2, &c.base);
    crm_rowmap_destroy(&m);
    CHECK(a.id == 41 && !strcmp(a.name, "上海花木") && a.owner_id == -3 && a.masked == 1);
    CHECK(a.status == CRM__LEADS__LEAD_STATUS__LEAD_STATUS_PENDING);
    CHECK(a.created_at_us == 946684799999999LL);
    CHECK(a.n_tags == 2 && !strcmp(a.tags[0], "vip") && !strcmp(a.tags[1], "华 东"));
    CHECK(a.n_team_member_ids == 2 && a.team_member_ids[1] == -9);
    CHECK(b.id == 0 && *b.name == 0 && b.status == 0 && b.created_at_us == 0 && !b.masked &&
          b.n_tags == 0 && b.tags == NULL && b.n_team_member_ids == 0);
    CHECK(c.id == 0 && *c.name == 0 && !c.masked && c.n_tags == 0 && c.n_team_member_ids == 0);
    crm_rowmap_clear(&a.base);
    crm_rowmap_clear(&b.base);
    crm_rowmap_clear(&c.base);

    /* The same in a list's items. */
    Crm__Leads__LeadList list = CRM__LEADS__LEAD_LIST__INIT;
    CHECK(crm_rowmap_items(&list.base, "items", r, 3, &err) == 0 && list.n_items == 3 &&
          list.items[0]->created_at_us == 946684799999999LL && list.items[0]->n_tags == 2);
    crm_rowmap_items_clear(&list.base, "items");
    PQclear(r);
}

/* A column the map cannot read into its field is refused, naming it. */
static void s_refuse(const char *name, Oid type, int format)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[] = {
        {.name = "id", .typid = DB_OID_INT8, .typlen = 8, .atttypmod = -1, .format = format},
        {.name = (char *)name, .typid = type, .typlen = -1, .atttypmod = -1, .format = format}};
    PQsetResultAttrs(r, 2, cols);
    crm_err_t err = {0};
    CHECK(crm_rowmap_new(&crm__leads__lead__descriptor, r, &err) == NULL);
    CHECK(err.status == CRM__STATUS__INTERNAL && strcmp(err.field, name) == 0);
    PQclear(r);
}

static void s_refused(void)
{
    s_refuse("created_at_us", DB_OID_TIMESTAMPTZ, 0); /* a time as text is no number */
    s_refuse("created_at_us", DB_OID_DATE, 0);
    s_refuse("created_at_us", DB_OID_TIMESTAMP, 1); /* no time zone: not an instant */
    s_refuse("owner_id", 1700, 1);                  /* numeric */
    s_refuse("name", DB_OID_INT8, 1);               /* a number into a string */
    s_refuse("masked", DB_OID_INT4, 1);
    s_refuse("tags", DB_OID_INT8_ARRAY, 1);
    s_refuse("team_member_ids", DB_OID_TEXT_ARRAY, 1);
}

int main(void)
{
    s_integers();
    s_arrays();
    s_getters();
    s_rowmap();
    s_refused();
    return unit_result("test_db_binary");
}
