/* test_sqlbuf.c: SQL text with numbered parameters (crm/sqlbuf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/sqlbuf.h"
#include "unit.h"

static void s_numbers_and_placeholders(void)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT id FROM t WHERE true");
    CHECK(crm_sqlbuf_addp(q, " AND a = $?", "x") == 1);
    CHECK(crm_sqlbuf_addp_i64(q, " AND (b = $?::bigint OR c = $?::bigint)", -42) == 2);
    int n = crm_sqlbuf_param(q, NULL);
    CHECK(n == 3);
    crm_sqlbuf_addf(q, " AND d IS NOT DISTINCT FROM $%d LIMIT %d", n, 20);
    CHECK(strcmp(crm_sqlbuf_sql(q),
                 "SELECT id FROM t WHERE true AND a = $1 AND (b = $2::bigint"
                 " OR c = $2::bigint) AND d IS NOT DISTINCT FROM $3 LIMIT 20") == 0);
    CHECK(crm_sqlbuf_nparams(q) == 3);
    const char *const *p = crm_sqlbuf_params(q);
    CHECK(strcmp(p[0], "x") == 0 && strcmp(p[1], "-42") == 0 && p[2] == NULL);
    crm_sqlbuf_destroy(&q);
    CHECK(q == NULL);
    crm_sqlbuf_destroy(&q); /* safe on NULL */
}

/* Values are copied, and the text grows past its first block. */
static void s_copies_and_grows(void)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    char v[8];
    for (int i = 0; i < 200; i++) {
        snprintf(v, sizeof v, "v%d", i);
        crm_sqlbuf_addp(q, " OR k = $?", v);
    }
    CHECK(crm_sqlbuf_nparams(q) == 200);
    CHECK(strcmp(crm_sqlbuf_params(q)[0], "v0") == 0);
    CHECK(strcmp(crm_sqlbuf_params(q)[199], "v199") == 0);
    CHECK(strstr(crm_sqlbuf_sql(q), " OR k = $200") != NULL);
    CHECK(strncmp(crm_sqlbuf_sql(q), " OR k = $1 OR k = $2 ", 21) == 0);
    crm_sqlbuf_destroy(&q);
}

/* A fragment cut off and placed twice keeps its parameters' numbers. */
static void s_fragments(void)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT 1");
    size_t mark = crm_sqlbuf_len(q);
    CHECK(mark == 8);
    crm_sqlbuf_addp(q, " AND a = $?", "x");
    char *cond = crm_sqlbuf_cut(q, mark);
    CHECK(strcmp(cond, " AND a = $1") == 0);
    CHECK(strcmp(crm_sqlbuf_sql(q), "SELECT 1") == 0 && crm_sqlbuf_nparams(q) == 1);
    crm_sqlbuf_addf(q, " WHERE true%s UNION SELECT 2 WHERE true%s", cond, cond);
    CHECK(strcmp(crm_sqlbuf_sql(q),
                 "SELECT 1 WHERE true AND a = $1 UNION SELECT 2 WHERE true AND a = $1") == 0);
    free(cond);
    cond = crm_sqlbuf_cut(q, 1000); /* past the end: nothing */
    CHECK(strcmp(cond, "") == 0);
    free(cond);
    crm_sqlbuf_destroy(&q);
}

int main(void)
{
    s_numbers_and_placeholders();
    s_copies_and_grows();
    s_fragments();
    return unit_result("test_sqlbuf");
}
