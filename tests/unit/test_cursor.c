/* test_cursor.c: opaque keyset-paging cursors (crm/cursor.h): round trips,
 * and every kind of bad cursor refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/cursor.h"
#include "unit.h"

static void s_round_trip(const char *tag, const int64_t *keys, size_t n)
{
    char *c = crm_cursor_encode(tag, keys, n);
    int64_t got[4] = {0};
    CHECK(crm_cursor_decode(c, tag, got, n) == 0);
    CHECK(memcmp(got, keys, n * sizeof *keys) == 0);
    /* opaque: the keys are not visible, and only base64url characters */
    CHECK(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          strlen(c));
    CHECK(strstr(c, tag) == NULL);
    free(c);
}

static void s_round_trips(void)
{
    const int64_t a[] = {1700000000123456, 42};
    const int64_t b[] = {INT64_MAX, 1};
    const int64_t c[] = {INT64_MIN, INT64_MAX};
    const int64_t d[] = {7};
    const int64_t e[] = {0, -1, 3};
    s_round_trip("lead:created:desc", a, 2);
    s_round_trip("lead:next:asc", b, 2);
    s_round_trip("x", c, 2);
    s_round_trip("history", d, 1);
    s_round_trip("ab", e, 3); /* every remainder of the base64 groups */
    s_round_trip("abc", e, 3);
}

static void s_refused(void)
{
    const int64_t keys[] = {5, 6};
    int64_t got[2];
    char *good = crm_cursor_encode("t1", keys, 2);
    CHECK(crm_cursor_decode(good, "t2", got, 2) == -1); /* another order */
    CHECK(crm_cursor_decode(good, "t", got, 2) == -1);  /* a prefix of the tag */
    CHECK(crm_cursor_decode(good, "t1", got, 1) == -1); /* too many keys */
    CHECK(crm_cursor_decode(good, "t1", got, 2) == 0);
    char *trunc = strdup(good);
    trunc[strlen(trunc) - 1] = '\0';
    CHECK(crm_cursor_decode(trunc, "t1", got, 2) == -1); /* truncated */
    free(trunc);
    free(good);
    const int64_t one[] = {5};
    char *short_ = crm_cursor_encode("t1", one, 1);
    CHECK(crm_cursor_decode(short_, "t1", got, 2) == -1); /* too few keys */
    free(short_);
    /* standard base64url: "t1:5:6" */
    CHECK(crm_cursor_decode("dDE6NTo2", "t1", got, 2) == 0 && got[0] == 5 && got[1] == 6);
    CHECK(crm_cursor_decode("", "t1", got, 2) == -1);
    CHECK(crm_cursor_decode(NULL, "t1", got, 2) == -1);
    CHECK(crm_cursor_decode("!!!!", "t1", got, 2) == -1);      /* not base64url */
    CHECK(crm_cursor_decode("dDE6NTo2=", "t1", got, 2) == -1); /* padding */
    CHECK(crm_cursor_decode("A", "t1", got, 2) == -1);         /* impossible length */
    /* Well-formed base64 of bad texts: "t1:5:x", "t1::5", "t1:5:6:", "t1:5\0:6" */
    const char *bad[] = {"dDE6NTp4", "dDE6OjU", "dDE6NTo2Og", "dDE6NQA6Ng"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(crm_cursor_decode(bad[i], "t1", got, 2) == -1);
    char *huge = malloc(CRM_CURSOR_MAX + 2);
    memset(huge, 'A', CRM_CURSOR_MAX + 1);
    huge[CRM_CURSOR_MAX + 1] = '\0';
    CHECK(crm_cursor_decode(huge, "t1", got, 2) == -1);
    free(huge);
}

/* A result of ids 10, 9, ... (n rows), as a LIMIT limit + 1 read gives. */
static PGresult *s_ids(int n)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc col = {.name = "id", .format = 0, .typid = 20, .typlen = 8, .atttypmod = -1};
    PQsetResultAttrs(r, 1, &col);
    for (int i = 0; i < n; i++) {
        char v[8];
        snprintf(v, sizeof v, "%d", 10 - i);
        PQsetvalue(r, i, 0, v, (int)strlen(v));
    }
    return r;
}

/* A page: limit rows shown and a cursor after the last, or all and none. */
static void s_pages(void)
{
    PGresult *r = s_ids(4);
    char *next;
    CHECK(crm_cursor_page(r, 3, "t", &next) == 3);
    int64_t after = 0;
    CHECK(next && crm_cursor_decode(next, "t", &after, 1) == 0 && after == 8);
    free(next);
    CHECK(crm_cursor_page(r, 4, "t", &next) == 4 && next == NULL);
    PQclear(r);
}

int main(void)
{
    s_round_trips();
    s_refused();
    s_pages();
    return unit_result("test_cursor");
}
