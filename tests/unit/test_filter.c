/* test_filter.c: a filter table's checks and SQL (crm/filter.h), on the
 * leads list's request message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/filter.h"
#include "leads.pb-c.h"
#include "sales.pb-c.h"
#include "unit.h"

static const crm_filter_t s_table[] = {
    {.field = "statuses", .kind = CRM_FILTER_IN, .column = "status", .max_items = 3},
    {.field = "owner_ids", .kind = CRM_FILTER_IN, .column = "owner_id"},
    {.field = "source", .kind = CRM_FILTER_EQ, .column = "source", .max_len = 4},
    {.field = "department_id", .kind = CRM_FILTER_EQ, .column = "department_id"},
    {.field = "created_from_us",
     .kind = CRM_FILTER_RANGE,
     .column = "created_at",
     .to = "created_to_us"},
    {.field = "tags", .kind = CRM_FILTER_TAGS, .column = "tags", .max_len = 3, .max_items = 2},
    {.field = "keyword",
     .kind = CRM_FILTER_KEYWORD,
     .column = "name",
     .prefix = {"mobile", "telephone"},
     .max_len = 10},
};
#define N (sizeof s_table / sizeof s_table[0])

static char *s_sql(const Crm__Leads__ListLeadsRequest *req, crm_sqlbuf_t **q_p)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_filter_where(q, s_table, N, &req->base);
    *q_p = q;
    return (char *)crm_sqlbuf_sql(q);
}

/* Fields at their defaults filter nothing; set ones become conditions with
 * their values as parameters, in table order. */
static void s_where(void)
{
    Crm__Leads__ListLeadsRequest req = CRM__LEADS__LIST_LEADS_REQUEST__INIT;
    crm_sqlbuf_t *q;
    CHECK(strcmp(s_sql(&req, &q), "") == 0);
    crm_sqlbuf_destroy(&q);

    Crm__Leads__LeadStatus st[] = {CRM__LEADS__LEAD_STATUS__LEAD_STATUS_UNASSIGNED,
                                   CRM__LEADS__LEAD_STATUS__LEAD_STATUS_VOIDED};
    int64_t owners[] = {7, 9};
    char *tags[] = {"vip", "华东"};
    req.statuses = st;
    req.n_statuses = 2;
    req.owner_ids = owners;
    req.n_owner_ids = 2;
    req.source = "广告";
    req.department_id = 3;
    req.created_from_us = 10;
    req.created_to_us = 20;
    req.tags = tags;
    req.n_tags = 2;
    req.keyword = " 10%_ ";
    const char *want = " AND status = ANY($1::int[]) AND owner_id = ANY($2::bigint[])"
                       " AND source = $3 AND department_id = $4::bigint"
                       " AND created_at >= crm_ts($5::bigint) AND created_at < crm_ts($6::bigint)"
                       " AND tags @> $7::text[] AND (name ILIKE $8)";
    const char *got = s_sql(&req, &q);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "got: %s\n", got);
    CHECK(strcmp(got, want) == 0);
    const char *const *p = crm_sqlbuf_params(q);
    CHECK(crm_sqlbuf_nparams(q) == 8);
    CHECK(!strcmp(p[0], "{1,6}") && !strcmp(p[1], "{7,9}") && !strcmp(p[2], "广告") &&
          !strcmp(p[3], "3") && !strcmp(p[4], "10") && !strcmp(p[5], "20"));
    CHECK(!strcmp(p[6], "{\"vip\",\"华东\"}"));
    CHECK(!strcmp(p[7], "%10\\%\\_%")); /* trimmed, % and _ literal */
    crm_sqlbuf_destroy(&q);

    /* One value of a list is an equality (an index's order then serves). */
    Crm__Leads__ListLeadsRequest one = CRM__LEADS__LIST_LEADS_REQUEST__INIT;
    one.statuses = st + 1;
    one.n_statuses = 1;
    one.owner_ids = owners;
    one.n_owner_ids = 1;
    one.tags = tags;
    one.n_tags = 1;
    CHECK(strcmp(s_sql(&one, &q),
                 " AND status = $1::int AND owner_id = $2::bigint AND tags @> $3::text[]") == 0);
    p = crm_sqlbuf_params(q);
    CHECK(!strcmp(p[0], "6") && !strcmp(p[1], "7") && !strcmp(p[2], "{\"vip\"}"));
    crm_sqlbuf_destroy(&q);

    /* A keyword that looks like the start of a number also matches the
     * prefix columns by range. */
    Crm__Leads__ListLeadsRequest kw = CRM__LEADS__LIST_LEADS_REQUEST__INIT;
    kw.keyword = "010-6";
    CHECK(strcmp(s_sql(&kw, &q),
                 " AND (name ILIKE $1 OR (mobile <> '' AND mobile >= $2 AND mobile < $3 AND"
                 " mobile LIKE $4 || '%') OR (telephone <> '' AND telephone >= $2 AND"
                 " telephone < $3 AND telephone LIKE $4 || '%'))") == 0);
    p = crm_sqlbuf_params(q);
    CHECK(!strcmp(p[0], "%010-6%") && !strcmp(p[1], "010-6") && !strcmp(p[2], "010-7") &&
          !strcmp(p[3], "010-6"));
    crm_sqlbuf_destroy(&q);

    /* With a gate and an open part: rows the gate refuses match only on
     * the open part (what no mask hides), and not on the prefix columns. */
    static const crm_filter_t gated = {.field = "keyword",
                                       .kind = CRM_FILTER_KEYWORD,
                                       .column = "(name || email)",
                                       .prefix = {"mobile"},
                                       .gate = "owner_id <> 0",
                                       .open = "name",
                                       .max_len = 10};
    q = crm_sqlbuf_new();
    crm_filter_where(q, &gated, 1, &kw.base);
    got = crm_sqlbuf_sql(q);
    want = " AND (((name || email) ILIKE $1 AND (owner_id <> 0 OR name ILIKE $1))"
           " OR (mobile <> '' AND mobile >= $2 AND mobile < $3 AND mobile LIKE $4 || '%'"
           " AND owner_id <> 0))";
    if (strcmp(got, want) != 0)
        fprintf(stderr, "got: %s\n", got);
    CHECK(strcmp(got, want) == 0);
    crm_sqlbuf_destroy(&q);
}

/* Refusals name the field at fault. */
static void s_checks(void)
{
    crm_err_t err;
    Crm__Leads__ListLeadsRequest req = CRM__LEADS__LIST_LEADS_REQUEST__INIT;
    CHECK(crm_filter_check(s_table, N, &req.base, &err) == 0);
#define REFUSED(stmt, want)                                                                        \
    do {                                                                                           \
        Crm__Leads__ListLeadsRequest r = CRM__LEADS__LIST_LEADS_REQUEST__INIT;                     \
        stmt;                                                                                      \
        memset(&err, 0, sizeof err);                                                               \
        CHECK(crm_filter_check(s_table, N, &r.base, &err) == -1 &&                                 \
              err.status == CRM__STATUS__INVALID_ARGUMENT && !strcmp(err.field, want));            \
    } while (0)
    Crm__Leads__LeadStatus bad[] = {9}, zero[] = {0}, many[] = {1, 2, 3, 4};
    int64_t neg[] = {-4};
    char *tags3[] = {"a", "b", "c"}, *long_tag[] = {"abcd"}, *empty_tag[] = {""};
    REFUSED((r.statuses = bad, r.n_statuses = 1), "statuses");  /* not a known status */
    REFUSED((r.statuses = zero, r.n_statuses = 1), "statuses"); /* unspecified */
    REFUSED((r.statuses = many, r.n_statuses = 4), "statuses"); /* too many */
    REFUSED((r.owner_ids = neg, r.n_owner_ids = 1), "owner_ids");
    REFUSED(r.source = "12345", "source");
    REFUSED(r.source = "\xff", "source"); /* not UTF-8 */
    REFUSED(r.department_id = -1, "department_id");
    REFUSED(r.created_from_us = -1, "created_from_us");
    REFUSED(r.created_to_us = -1, "created_to_us");
    REFUSED((r.created_from_us = 20, r.created_to_us = 10), "created_to_us");
    REFUSED((r.tags = tags3, r.n_tags = 3), "tags");
    REFUSED((r.tags = long_tag, r.n_tags = 1), "tags");
    REFUSED((r.tags = empty_tag, r.n_tags = 1), "tags");
    REFUSED(r.keyword = "12345678901", "keyword");
    /* Four characters of Chinese are four, not twelve bytes. */
    req.source = "华东华北";
    CHECK(crm_filter_check(s_table, N, &req.base, &err) == 0);
    REFUSED((r.created_from_us = 20, r.created_to_us = 20), "created_to_us");
    CHECK(strcmp(err.message, "must be after created_from_us") == 0);
}

/* An amount's span: numbers as they are, [from, to), either end open. */
static void s_span(void)
{
    static const crm_filter_t span = {.field = "list_price_from",
                                      .kind = CRM_FILTER_SPAN,
                                      .column = "price",
                                      .to = "list_price_to"};
    Crm__Sales__ListProductsRequest req = CRM__SALES__LIST_PRODUCTS_REQUEST__INIT;
    crm_err_t err;
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_filter_where(q, &span, 1, &req.base);
    CHECK(strcmp(crm_sqlbuf_sql(q), "") == 0);
    req.list_price_from = 100;
    req.list_price_to = 250;
    CHECK(crm_filter_check(&span, 1, &req.base, &err) == 0);
    crm_filter_where(q, &span, 1, &req.base);
    CHECK(strcmp(crm_sqlbuf_sql(q), " AND price >= $1::bigint AND price < $2::bigint") == 0);
    CHECK(!strcmp(crm_sqlbuf_params(q)[0], "100") && !strcmp(crm_sqlbuf_params(q)[1], "250"));
    crm_sqlbuf_destroy(&q);
    req.list_price_to = 100;
    CHECK(crm_filter_check(&span, 1, &req.base, &err) == -1 && !strcmp(err.field, "list_price_to"));
    req.list_price_from = -1;
    req.list_price_to = 0;
    CHECK(crm_filter_check(&span, 1, &req.base, &err) == -1 &&
          !strcmp(err.field, "list_price_from"));
}

/* Calendar dates: [from, to), either end open, each a real date. */
static void s_dates(void)
{
    static const crm_filter_t dates = {.field = "expected_close_from",
                                       .kind = CRM_FILTER_DATES,
                                       .column = "close_on",
                                       .to = "expected_close_to"};
    Crm__Sales__ListOpportunitiesRequest req = CRM__SALES__LIST_OPPORTUNITIES_REQUEST__INIT;
    crm_err_t err;
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_filter_where(q, &dates, 1, &req.base);
    CHECK(strcmp(crm_sqlbuf_sql(q), "") == 0);
    req.expected_close_from = "2026-01-01";
    CHECK(crm_filter_check(&dates, 1, &req.base, &err) == 0);
    crm_filter_where(q, &dates, 1, &req.base);
    CHECK(strcmp(crm_sqlbuf_sql(q), " AND close_on >= $1::date") == 0);
    crm_sqlbuf_destroy(&q);
    req.expected_close_to = "2026-02-01";
    q = crm_sqlbuf_new();
    crm_filter_where(q, &dates, 1, &req.base);
    CHECK(strcmp(crm_sqlbuf_sql(q), " AND close_on >= $1::date AND close_on < $2::date") == 0);
    crm_sqlbuf_destroy(&q);
    req.expected_close_to = "2025-12-31";
    CHECK(crm_filter_check(&dates, 1, &req.base, &err) == -1 &&
          !strcmp(err.field, "expected_close_to"));
    req.expected_close_to = "2026-02-30";
    CHECK(crm_filter_check(&dates, 1, &req.base, &err) == -1 &&
          !strcmp(err.field, "expected_close_to"));
    req.expected_close_from = "soon";
    CHECK(crm_filter_check(&dates, 1, &req.base, &err) == -1 &&
          !strcmp(err.field, "expected_close_from"));
}

int main(void)
{
    s_where();
    s_checks();
    s_span();
    s_dates();
    return unit_result("test_filter");
}
