/* test_list.c: the list layer's page check and keyset query builder
 * (crm/list.h), cursors of several keys read from named columns. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/list.h"
#include "unit.h"

static const crm_key_t s_next_keys[] = {
    {.sql = "next_followup_at", .column = "next_followup_at_us", .type = CRM_KEY_TIME, .nulls = 1},
    CRM_KEY_ID};
static const crm_keyset_t s_next = {
    .tag = "lead:next:asc", .keys = s_next_keys, .n = 2, .ascending = 1};
static const crm_key_t s_id_keys[] = {CRM_KEY_ID};
static const crm_keyset_t s_ids = {.tag = "things", .keys = s_id_keys, .n = 1};

/* The one page check: default, bounds, cursors of this order only, and
 * the error it returns (field and the one wording). */
static void s_check(void)
{
    crm_page_t pg;
    crm_err_t err;
    CHECK(crm_page_check(&pg, &s_ids, 0, 20, "", &err) == 0);
    CHECK(pg.limit == 20 && !pg.after_set && pg.after[0] == 0 && pg.ks == &s_ids);
    CHECK(crm_page_check(&pg, &s_ids, 200, 20, NULL, &err) == 0 && pg.limit == 200);
    CHECK(crm_page_check(&pg, &s_ids, 201, 20, "", &err) == -1);
    CHECK(err.status == CRM__STATUS__INVALID_ARGUMENT && strcmp(err.field, "limit") == 0 &&
          strcmp(err.message, "must be between 1 and 200") == 0);
    CHECK(crm_page_check(&pg, &s_ids, -1, 20, "", &err) == -1 && !strcmp(err.field, "limit"));
    /* A walk of the whole list (an export) may ask larger pages, no larger. */
    CHECK(crm_page_check_max(&pg, &s_ids, CRM_PAGE_WALK_MAX, 20, CRM_PAGE_WALK_MAX, "", &err) ==
              0 &&
          pg.limit == CRM_PAGE_WALK_MAX);
    CHECK(crm_page_check_max(&pg, &s_ids, CRM_PAGE_WALK_MAX + 1, 20, CRM_PAGE_WALK_MAX, "", &err) ==
              -1 &&
          !strcmp(err.field, "limit") && strstr(err.message, "between 1 and 5000"));
    CHECK(crm_page_check(&pg, &s_ids, 0, 20, "junk", &err) == -1);
    CHECK(err.status == CRM__STATUS__INVALID_ARGUMENT && strcmp(err.field, "cursor") == 0 &&
          strstr(err.message, "not a cursor of this list and order"));
    CHECK(crm_page_check(&pg, &s_ids, 0, 20, "junk", NULL) == -1); /* nobody asks why */

    /* Two keys: a cursor of the order passes, of another order or with
     * another number of keys does not. */
    int64_t keys[2] = {INT64_MAX, 42};
    char *c2 = crm_cursor_encode("lead:next:asc", keys, 2);
    CHECK(crm_page_check(&pg, &s_next, 5, 20, c2, &err) == 0);
    CHECK(pg.after_set && pg.after[0] == INT64_MAX && pg.after[1] == 42 && pg.limit == 5);
    CHECK(crm_page_check(&pg, &s_ids, 5, 20, c2, &err) == -1 && !strcmp(err.field, "cursor"));
    char *c1 = crm_cursor_encode("lead:next:asc", keys, 1);
    CHECK(crm_page_check(&pg, &s_next, 5, 20, c1, &err) == -1 && !pg.after_set);
    free(c1);
    free(c2);
}

/* The statement's end: after the cursor, the order, limit + 1. */
static void s_sql(void)
{
    crm_page_t pg;
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_page_first(&pg, &s_ids, 10);
    crm_page_tail(q, &pg);
    CHECK(strcmp(crm_sqlbuf_sql(q), " ORDER BY id DESC LIMIT 11") == 0);
    CHECK(crm_sqlbuf_nparams(q) == 0);
    crm_sqlbuf_destroy(&q);

    q = crm_sqlbuf_new();
    crm_sqlbuf_addp(q, "SELECT * FROM leads WHERE owner_id = $?::bigint", "7");
    int64_t keys[2] = {INT64_MAX, 42};
    char *c = crm_cursor_encode("lead:next:asc", keys, 2);
    CHECK(crm_page_check(&pg, &s_next, 3, 20, c, NULL) == 0);
    free(c);
    crm_page_tail(q, &pg);
    CHECK(strcmp(crm_sqlbuf_sql(q),
                 "SELECT * FROM leads WHERE owner_id = $1::bigint AND"
                 " (COALESCE(next_followup_at, 'infinity'::timestamptz), id) >"
                 " ($2::timestamptz, $3::bigint) ORDER BY COALESCE(next_followup_at,"
                 " 'infinity'::timestamptz) ASC, id ASC LIMIT 4") == 0);
    const char *const *p = crm_sqlbuf_params(q);
    CHECK(crm_sqlbuf_nparams(q) == 3 && !strcmp(p[1], "infinity") && !strcmp(p[2], "42"));
    crm_sqlbuf_destroy(&q);

    /* A time key as a timestamptz literal, to the microsecond, before
     * 1970 too. */
    static const crm_key_t tk[] = {
        {.sql = "created_at", .column = "created_at_us", .type = CRM_KEY_TIME}, CRM_KEY_ID};
    static const crm_keyset_t ts = {.tag = "t", .keys = tk, .n = 2};
    int64_t k2[2] = {-1, 5};
    c = crm_cursor_encode("t", k2, 2);
    CHECK(crm_page_check(&pg, &ts, 0, 20, c, NULL) == 0);
    free(c);
    q = crm_sqlbuf_new();
    crm_page_where(q, &pg);
    CHECK(strcmp(crm_sqlbuf_sql(q), " AND (created_at, id) < ($1::timestamptz, $2::bigint)") == 0);
    CHECK(strcmp(crm_sqlbuf_params(q)[0], "1969-12-31 23:59:59.999999+00") == 0);
    crm_sqlbuf_destroy(&q);
}

/* A result with columns id and next_followup_at_us (0: NULL). */
static PGresult *s_rows(int n, const int64_t *next)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[] = {
        {.name = "next_followup_at_us", .format = 0, .typid = 20, .typlen = 8, .atttypmod = -1},
        {.name = "id", .format = 0, .typid = 20, .typlen = 8, .atttypmod = -1}};
    PQsetResultAttrs(r, 2, cols);
    for (int i = 0; i < n; i++) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)next[i]);
        PQsetvalue(r, i, 0, v, (int)strlen(v));
        snprintf(v, sizeof v, "%d", 100 + i);
        PQsetvalue(r, i, 1, v, (int)strlen(v));
    }
    return r;
}

/* The next cursor holds the last shown row's keys, read by column name
 * (not position), a NULL time as the infinity it sorts as; advance moves
 * a walk (an export) on without cursors. */
static void s_rows_and_cursors(void)
{
    int64_t next[3] = {1000, 0, 0};
    PGresult *r = s_rows(3, next);
    crm_page_t pg;
    crm_page_first(&pg, &s_next, 2);
    char *cursor;
    CHECK(crm_page_rows(&pg, r, &cursor) == 2 && cursor);
    crm_page_t again;
    CHECK(crm_page_check(&again, &s_next, 2, 20, cursor, NULL) == 0);
    CHECK(again.after[0] == INT64_MAX && again.after[1] == 101);
    free(cursor);
    CHECK(crm_page_advance(&pg, r) == 1 && pg.after_set && pg.after[0] == INT64_MAX &&
          pg.after[1] == 101);
    crm_page_first(&pg, &s_next, 3);
    CHECK(crm_page_rows(&pg, r, &cursor) == 3 && cursor == NULL);
    CHECK(crm_page_advance(&pg, r) == 0);
    /* A key column missing from the result. */
    crm_page_first(&pg, &s_ids, 1);
    static const crm_key_t missing[] = {{.sql = "x", .column = "x"}};
    static const crm_keyset_t mk = {.tag = "m", .keys = missing, .n = 1};
    crm_page_first(&pg, &mk, 1);
    CHECK(crm_page_advance(&pg, r) == -1);
    PQclear(r);
}

int main(void)
{
    s_check();
    s_sql();
    s_rows_and_cursors();
    return unit_result("test_list");
}
