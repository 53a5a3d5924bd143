/* test_db_formats.c: results asked in binary (crm_db_batch_binary) from a
 * real server read as their text twins are. One statement over edge values
 * (NULLs; empty strings and arrays; negative integers of each width; times
 * before 2000, before 1970, with microseconds; arrays with NULL elements,
 * quotes, backslashes and the word NULL) runs twice in one batch: read as
 * text with its times as microseconds computed by the server, and read in
 * binary with its times bare. The row map gives the same messages from
 * both, the getters the same values; the infinities read as INT64_MAX and
 * INT64_MIN; a time in a text result is refused by the row map. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "harness.h"
#include "leads.pb-c.h"

/* The columns, as Crm__Leads__Lead names them, with US naming the time:
 * in text, microseconds as crm_us computes them (written out: this
 * database has no crm_us); in binary, the timestamptz. */
#define US_TEXT(col, name) "(extract(epoch FROM " col ") * 1000000)::bigint AS " name
#define COLUMNS_AS(US)                                                                             \
    "SELECT id, name, " US("at", "created_at_us") ", tags, ids AS team_member_ids,"                \
                                                  " flag AS masked, small AS status, small::int "  \
                                                  "AS owner_id FROM edge ORDER BY id"

#define ROWS 6

static uv_loop_t s_loop;

typedef struct {
    int done, err;
    PGresult **res;
    size_t n;
} s_out_t;

static void s_on_res(void *arg, const crm_db_result_t *r)
{
    s_out_t *o = arg;
    o->done = 1;
    o->err = r->err;
    if (r->err)
        h_note("error: %s", r->message);
    else {
        o->n = r->nresults;
        o->res = crm_db_results_take(r);
    }
}

static void s_same(const Crm__Leads__Lead *a, const Crm__Leads__Lead *b, int row)
{
    H_CHECK(a->id == b->id && !strcmp(a->name, b->name) && a->created_at_us == b->created_at_us &&
                a->masked == b->masked && a->status == b->status && a->owner_id == b->owner_id,
            "row %d: text and binary differ (%lld %s %lld / %lld %s %lld)", row, (long long)a->id,
            a->name, (long long)a->created_at_us, (long long)b->id, b->name,
            (long long)b->created_at_us);
    H_CHECK(a->n_tags == b->n_tags && a->n_team_member_ids == b->n_team_member_ids,
            "row %d: arrays differ (%zu/%zu tags, %zu/%zu ids)", row, a->n_tags, b->n_tags,
            a->n_team_member_ids, b->n_team_member_ids);
    for (size_t i = 0; i < a->n_tags; i++)
        H_CHECK(!strcmp(a->tags[i], b->tags[i]), "row %d tag %zu: \"%s\" / \"%s\"", row, i,
                a->tags[i], b->tags[i]);
    for (size_t i = 0; i < a->n_team_member_ids; i++)
        H_CHECK(a->team_member_ids[i] == b->team_member_ids[i], "row %d id %zu", row, i);
}

int main(void)
{
    h_t *h = h_new("db_formats");
    const char *conninfo = h_pg(h, "bintest");
    PQclear(h_sql(h, "bintest",
                  "CREATE TABLE edge (id bigint PRIMARY KEY, name text, at timestamptz,"
                  " tags text[], ids bigint[], flag boolean, small smallint);"
                  " INSERT INTO edge VALUES"
                  " (1, '上海花木', '2026-12-01 12:00:00.000001+00',"
                  "  ARRAY['vip', '华 东', NULL, '', 'a \"q\" \\ b', 'NULL', '{x,y}'],"
                  "  ARRAY[-7, NULL, 9223372036854775807, -9223372036854775808], true, -2),"
                  " (-2, '', '1999-12-31 23:59:59.999999+00', '{}', '{}', false, 0),"
                  " (3, NULL, '1969-12-31 23:59:59.999999+00', NULL, NULL, NULL, NULL),"
                  " (4, 'x', '1900-01-01 00:00:00+00', ARRAY[''], ARRAY[0], true, 32767),"
                  " (5, 'y', NULL, ARRAY[NULL]::text[], ARRAY[NULL]::bigint[], false, -32768),"
                  " (-9223372036854775808, ' ', '2000-01-01 00:00:00+00', ARRAY['a'], ARRAY[1],"
                  "  true, 1)"));
    uv_loop_init(&s_loop);
    crm_db_t *db = crm_db_new(&s_loop, conninfo, 1);

    /* The same rows in text and in binary, and the infinities in binary. */
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, COLUMNS_AS(US_TEXT), 0, NULL);
    crm_db_batch_add(b, COLUMNS_AS(CRM_US_BINARY), 0, NULL);
    crm_db_batch_binary(b);
    crm_db_batch_add(b,
                     "SELECT 'infinity'::timestamptz AS created_at_us,"
                     " '-infinity'::timestamptz AS updated_at_us, now() AS converted_at_us",
                     0, NULL);
    crm_db_batch_binary(b);
    crm_db_batch_add(b, "SELECT now() AS created_at_us", 0, NULL); /* text */
    s_out_t o = {0};
    crm_db_submit(db, &b, s_on_res, &o);
    uint64_t end = crm_mono_ms() + 20000;
    while (!o.done && crm_mono_ms() < end)
        uv_run(&s_loop, UV_RUN_ONCE);
    H_CHECK(o.done && !o.err && o.n == 4, "the batch failed");
    PGresult *text = o.res[0], *bin = o.res[1];
    H_CHECK(PQfformat(text, 2) == 0 && PQfformat(bin, 2) == 1, "formats %d %d", PQfformat(text, 2),
            PQfformat(bin, 2));
    H_CHECK(PQntuples(text) == ROWS && PQntuples(bin) == ROWS, "rows %d %d", PQntuples(text),
            PQntuples(bin));

    crm_err_t err;
    crm_rowmap_t *mt = crm_rowmap_new(&crm__leads__lead__descriptor, text, &err);
    crm_rowmap_t *mb = crm_rowmap_new(&crm__leads__lead__descriptor, bin, &err);
    H_CHECK(mt && mb && crm_rowmap_columns(mt) == 8 && crm_rowmap_columns(mb) == 8, "the maps: %s",
            mt && mb ? "columns" : err.message);
    for (int i = 0; i < ROWS; i++) {
        Crm__Leads__Lead a = CRM__LEADS__LEAD__INIT, c = CRM__LEADS__LEAD__INIT;
        crm_rowmap_fill(mt, text, i, &a.base);
        crm_rowmap_fill(mb, bin, i, &c.base);
        s_same(&a, &c, i);
        crm_rowmap_clear(&a.base);
        crm_rowmap_clear(&c.base);
        for (int col = 0; col < PQnfields(bin); col++) {
            Oid type = PQftype(bin, col);
            if (type == 25) /* text */
                H_CHECK(!strcmp(crm_db_get(text, i, col), crm_db_get(bin, i, col)),
                        "row %d col %d: crm_db_get", i, col);
            else if (type == 16) /* bool */
                H_CHECK(crm_db_get_bool(text, i, col) == crm_db_get_bool(bin, i, col),
                        "row %d col %d: crm_db_get_bool", i, col);
            else if (type == 20 || type == 21 || type == 23 || type == 1184)
                H_CHECK(crm_db_get_i64(text, i, col) == crm_db_get_i64(bin, i, col),
                        "row %d col %d: crm_db_get_i64 %lld / %lld", i, col,
                        (long long)crm_db_get_i64(text, i, col),
                        (long long)crm_db_get_i64(bin, i, col));
        }
    }
    /* Spot values, so the two cannot agree on something wrong. */
    Crm__Leads__Lead first = CRM__LEADS__LEAD__INIT;
    crm_rowmap_fill(mb, bin, 1, &first.base); /* ordered by id: -2 after the minimum */
    H_CHECK(first.id == -2 && first.created_at_us == 946684799999999LL && first.n_tags == 0 &&
                *first.name == 0,
            "row -2: %lld %lld", (long long)first.id, (long long)first.created_at_us);
    crm_rowmap_clear(&first.base);
    crm_rowmap_fill(mb, bin, 2, &first.base);
    H_CHECK(first.created_at_us == 1796126400000001LL && first.n_tags == 7 &&
                !strcmp(first.tags[2], "") && !strcmp(first.tags[4], "a \"q\" \\ b") &&
                !strcmp(first.tags[5], "NULL") && !strcmp(first.tags[6], "{x,y}") &&
                first.n_team_member_ids == 4 && first.team_member_ids[1] == 0 &&
                first.team_member_ids[3] == INT64_MIN && (int)first.status == -2,
            "row 1 in binary");
    crm_rowmap_clear(&first.base);
    crm_rowmap_fill(mb, bin, 3, &first.base);
    H_CHECK(first.created_at_us == -1 && first.n_tags == 0 && first.n_team_member_ids == 0,
            "row 3: %lld", (long long)first.created_at_us);
    crm_rowmap_clear(&first.base);
    crm_rowmap_fill(mb, bin, 4, &first.base);
    H_CHECK(first.created_at_us == -2208988800000000LL && first.n_tags == 1 && !*first.tags[0],
            "row 4: %lld", (long long)first.created_at_us);
    crm_rowmap_clear(&first.base);
    crm_rowmap_destroy(&mt);
    crm_rowmap_destroy(&mb);

    Crm__Leads__Lead inf = CRM__LEADS__LEAD__INIT;
    H_CHECK(
        crm_row_to_message(o.res[2], 0, &inf.base, &err) == 0 && inf.created_at_us == INT64_MAX &&
            inf.updated_at_us == INT64_MIN && inf.converted_at_us > 1700000000000000LL,
        "the infinities: %lld %lld", (long long)inf.created_at_us, (long long)inf.updated_at_us);
    H_CHECK(crm_row_to_message(o.res[3], 0, &inf.base, &err) == -1 &&
                !strcmp(err.field, "created_at_us"),
            "a time in text is refused");
    crm_db_results_free(o.res, o.n);

    crm_db_destroy(&db);
    uv_run(&s_loop, UV_RUN_DEFAULT);
    H_CHECK(uv_loop_close(&s_loop) == 0, "handles left open on the loop");
    h_destroy(&h);
    h_note("test_db_formats: ok");
    return 0;
}
