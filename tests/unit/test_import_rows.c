/* test_import_rows.c: the kit's pure logic of a chunk's rows
 * (lib/src/import_rows.c, crm/import.h) and a header's required columns
 * (lib/src/import_csv.c): keys repeated inside a chunk pointing at their
 * first row; a row held back for a fault of its own passing its place to
 * the next row of its key (which takes the key's record and leads the
 * later repeats), a repeat held back passing nothing; repeats following
 * their first (held back as it is, a duplicate of its record, named or
 * not); which rows are to be created; a header naming none of the columns
 * one of which is required refused, one naming either read, the columns
 * every spreadsheet may add dropped. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "crm/import.h"
#include "crm/import_csv.h"
#include "unit.h"

static void test_dedup(void)
{
    const char *keys[] = {"b", NULL, "a", "b", "", "a", "b"};
    size_t dup[7], n = 0;
    const char **out = crm_import_dedup(keys, 7, dup, &n);
    CHECK(n == 2 && !strcmp(out[0], "a") && !strcmp(out[1], "b"));
    CHECK(dup[0] == 0 && dup[1] == 0 && dup[2] == 0 && dup[3] == 1 && dup[4] == 0 && dup[5] == 3 &&
          dup[6] == 1);
    free(out);
    CHECK(crm_import_dedup(keys + 1, 1, dup, &n) == NULL && n == 0);
}

/* Rows 0, 2, 3 and 5 share a key whose record is 70; row 1 has none. */
static void s_rows(crm_import_row_t *v)
{
    memset(v, 0, 6 * sizeof *v);
    v[0].key = v[2].key = v[3].key = v[5].key = "m";
    v[0].duplicate_of = 70;
    v[2].dup_row = v[3].dup_row = v[5].dup_row = 1;
}

static void test_hold(void)
{
    crm_import_row_t v[6];
    /* The first held back: row 2 takes its place and its record, rows 3
     * and 5 follow it; rows 1 and 4 have no key and are created. */
    s_rows(v);
    crm_import_hold(v, 6, 0, "customer", "no such customer");
    CHECK(v[0].field && !strcmp(v[0].field, "customer") && v[0].duplicate_of == 0);
    CHECK(v[2].dup_row == 0 && v[2].duplicate_of == 70 && !v[2].field);
    CHECK(v[3].dup_row == 3 && v[5].dup_row == 3);
    const int created[] = {0, 1, 0, 0, 1, 0};
    for (size_t i = 0; i < 6; i++)
        CHECK(crm_import_follow(v, i) == created[i]);
    CHECK(v[3].duplicate_of == 70 && v[5].duplicate_of == 70 && !strcmp(v[0].field, "customer"));
    /* A repeat held back passes nothing; the first keeps its place. */
    s_rows(v);
    crm_import_hold(v, 6, 3, "primary", "a second primary");
    CHECK(v[3].field && v[2].dup_row == 1 && v[5].dup_row == 1 && v[0].duplicate_of == 70);
    /* Every repeat held back first: no heir; the held first's repeats
     * keep their own faults. */
    s_rows(v);
    crm_import_hold(v, 6, 2, "customer", "x");
    crm_import_hold(v, 6, 3, "customer", "y");
    crm_import_hold(v, 6, 5, "customer", "z");
    crm_import_hold(v, 6, 0, "customer", "w");
    CHECK(!strcmp(v[2].message, "x") && !strcmp(v[3].message, "y") && !strcmp(v[5].message, "z"));
    CHECK(!strcmp(v[0].message, "w"));
    /* The key's record goes with the place, unnamed as it was. */
    s_rows(v);
    v[0].unnamed = 1;
    v[0].message = "a pooled one";
    crm_import_hold(v, 6, 0, "customer", "gone");
    CHECK(crm_import_follow(v, 2) == 0 && v[2].duplicate_of == 70 && v[2].unnamed &&
          !strcmp(v[2].message, "a pooled one") && !v[0].unnamed);
    CHECK(crm_import_follow(v, 3) == 0 && v[3].unnamed && !strcmp(v[3].message, "a pooled one"));
    /* No record of the key: the heir is created, its repeats duplicates
     * of it. */
    s_rows(v);
    v[0].duplicate_of = 0;
    crm_import_hold(v, 6, 0, "customer", "gone");
    CHECK(crm_import_follow(v, 2) == 1);
    v[2].id = 81;
    CHECK(crm_import_follow(v, 3) == 0 && v[3].duplicate_of == 81 && !v[3].unnamed);
}

static void test_follow(void)
{
    crm_import_row_t v[4];
    memset(v, 0, sizeof v);
    v[1].dup_row = v[3].dup_row = 1;
    v[2].field = "mobile";
    v[2].message = "bad";
    CHECK(crm_import_follow(v, 0) == 1);
    v[0].id = 5;
    CHECK(crm_import_follow(v, 1) == 0 && v[1].duplicate_of == 5 && !v[1].message);
    CHECK(crm_import_follow(v, 2) == 0 && !strcmp(v[2].field, "mobile"));
    /* A first held back by its key: its repeats with it. */
    v[0].field = "mobile";
    v[0].message = "masked";
    CHECK(crm_import_follow(v, 3) == 0 && !strcmp(v[3].message, "masked"));
    /* A first that is an unnamed duplicate: its repeats too. */
    memset(v, 0, sizeof v);
    v[0].duplicate_of = 9;
    v[0].unnamed = 1;
    v[0].message = "a pooled one";
    v[1].dup_row = 1;
    CHECK(crm_import_follow(v, 0) == 0 && crm_import_follow(v, 1) == 0);
    CHECK(v[1].duplicate_of == 9 && v[1].unnamed && !strcmp(v[1].message, "a pooled one"));
}

/* The CSV's one-of columns. */
typedef struct {
    const char *name, *customer, *customer_id;
} in_t;

static in_t s_in[4];
static size_t s_n;

static void *s_record(void *arg, const char *bad)
{
    (void)arg;
    (void)bad;
    memset(&s_in[s_n], 0, sizeof s_in[s_n]);
    return &s_in[s_n++];
}

static void test_one_of(void)
{
    static const crm_import_column_t columns[] = {
        {"name", "姓名", NULL, offsetof(in_t, name)},
        {"customer", "客户名称", NULL, offsetof(in_t, customer)},
        {"customer_id", "客户ID", NULL, offsetof(in_t, customer_id)},
    };
    static const size_t one_of[] = {1, 2};
    const crm_import_format_t f = {.columns = columns,
                                   .n_columns = 3,
                                   .required = "姓名 (name)",
                                   .one_of = one_of,
                                   .n_one_of = 2,
                                   .one_of_said = "客户名称 or 客户ID",
                                   .doc = "docs"};
    crm_import_text_t text = {0};
    char *header = NULL, msg[256] = "";
    const char *none = "姓名\n张三\n";
    s_n = 0;
    CHECK(crm_import_csv(&f, none, strlen(none), "", &text, &header, s_record, NULL, msg,
                         sizeof msg) == -1 &&
          strstr(msg, "客户名称 or 客户ID") && !header);
    crm_import_text_clear(&text);
    /* "ID" and "序号" are dropped when the format names no ignored columns. */
    const char *by_id = "ID,客户ID,姓名,序号\n1,7,张三,1\n";
    CHECK(crm_import_csv(&f, by_id, strlen(by_id), "", &text, &header, s_record, NULL, msg,
                         sizeof msg) == 0 &&
          s_n == 1 && !strcmp(s_in[0].customer_id, "7") && !strcmp(header, ",customer_id,name,"));
    free(header);
    crm_import_text_clear(&text);
    const char *no_name = "客户名称\n甲\n";
    CHECK(crm_import_csv(&f, no_name, strlen(no_name), "", &text, &header, s_record, NULL, msg,
                         sizeof msg) == -1 &&
          strstr(msg, "姓名 (name)"));
    crm_import_text_clear(&text);
}

int main(void)
{
    test_dedup();
    test_hold();
    test_follow();
    test_one_of();
    return unit_result("import_rows");
}
