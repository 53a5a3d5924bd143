/* test_customer_import.c: importing customers (导入) against the real
 * customers service and gateway: CSV rows created (with their first
 * contact, history entry and events), duplicates of an existing customer
 * (by mobile; without a mobile by name, any ASCII case) and of an earlier
 * row (in the chunk, and in an earlier chunk whose header the next one
 * repeats), invalid rows with the field at fault; a chunk sent again
 * applied once; the targets (an employee in scope, the pool for admins,
 * unknown owners); cancel and list, and another user who sees none of it;
 * through HTTP, the routes, and an XLSX workbook giving the same row
 * results as the same rows in CSV, in one chunk and in two, and bad
 * workbooks refused with 400; each imported customer's recycle deadline
 * (written by the chunk's INSERT, by level) the one the trigger gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
#include "xlsx_fixture.h"

#define OK CRM__STATUS__OK
#define INVALID CRM__STATUS__INVALID_ARGUMENT
#define NOT_FOUND CRM__STATUS__NOT_FOUND
#define DENIED CRM__STATUS__PERMISSION_DENIED
#define PRECONDITION CRM__STATUS__FAILED_PRECONDITION

#define CREATED "CUSTOMER_IMPORT_OUTCOME_CREATED"
#define DUPLICATE "CUSTOMER_IMPORT_OUTCOME_DUPLICATE"
#define INVALID_ROW "CUSTOMER_IMPORT_OUTCOME_INVALID"
#define XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static h_t *h;

/* Starts an import; target is the CustomerImportTarget's JSON. */
static int64_t s_start(const Crm__Caller *c, const char *target, int allow_duplicates)
{
    json_t *r = t_json_expect(h, OK, "customers", "Customers.StartImport", c,
                              "{\"target\": %s, \"allow_duplicates\": %s,"
                              " \"file_name\": \"客户.csv\", \"expected_rows\": 20}",
                              target, allow_duplicates ? "true" : "false");
    int64_t id = t_int(r, "id");
    H_CHECK(id > 0 && t_int(r, "rows") == 0, "a fresh import");
    json_decref(r);
    return id;
}

/* Sends chunk seq as CSV text, or as rows (a JSON array text). */
static json_t *s_chunk(const Crm__Caller *c, Crm__Status want, int64_t imp, int seq, int last,
                       const char *csv, const char *rows)
{
    json_t *req = json_pack("{sI si sb}", "import_id", (json_int_t)imp, "seq", seq, "last", last);
    if (csv)
        json_object_set_new(req, "csv", json_string(csv));
    if (rows)
        json_object_set_new(req, "rows", json_loads(rows, 0, NULL));
    char *text = json_dumps(req, 0);
    json_t *r = t_json_expect(h, want, "customers", "Customers.ImportChunk", c, "%s", text);
    free(text);
    json_decref(req);
    return r;
}

/* Creates a customer owned by owner (by an admin); its id. */
static int64_t s_customer(const char *name, const char *mobile, int64_t owner)
{
    json_t *r = t_json_expect(h, OK, "customers", "Customers.Create", t_admin(7, 1),
                              "{\"name\": \"%s\", \"mobile\": \"%s\", \"owner_id\": %lld}", name,
                              mobile, (long long)owner);
    int64_t id = t_int(r, "id");
    json_decref(r);
    return id;
}

/* A count (printf-style SQL) in the customers' database. */
#define s_count(...) h_sql_intf(h, "customers", __VA_ARGS__)

static int64_t s_events(const char *type)
{
    return s_count("SELECT count(*) FROM crm_outbox WHERE type = '%s'", type);
}

/* Row i's outcome must be want (and, when invalid, its field). */
static void s_outcome(json_t *r, int i, const char *want, const char *field)
{
    const char *got = t_strf(r, "results.%d.outcome", i);
    H_CHECK(strcmp(got, want) == 0 &&
                (!field || strcmp(t_strf(r, "results.%d.field", i), field) == 0),
            "row %d: %s %s (%s), want %s %s", i + 1, got, t_strf(r, "results.%d.field", i),
            t_strf(r, "results.%d.message", i), want, field ? field : "");
    if (field)
        H_CHECK(*t_strf(r, "results.%d.message", i), "row %d says why", i + 1);
}

/* ---- CSV: created, duplicates, invalid rows --------------------------- */

#define HEADER                                                                                                                           \
    "客户名称,手机,客户类型,客户级别,所属行业,客户来源,标签,统一社会信用代码,联系人,联系人手机," \
    "联系人职务,备注\n"

static void test_csv(void)
{
    const Crm__Caller *u = t_user(0, 11, 5);
    int64_t jia = s_customer("已有客户甲", "13811110001", 11);
    int64_t acme = s_customer("Acme Trading", "", 12);
    int64_t customers = s_events("customer.created"), contacts = s_events("contact.created");
    int64_t imp = s_start(u, "{\"owner_id\": 11}", 0);
    json_t *r = s_chunk(u, OK, imp, 1, 0,
                        HEADER "新客户一,13811110002,企业客户,A,制造,展会,重点;华北,"
                               "91350100M000100Y43,王经理,13811119999,采购,\"第一行, 第二行\"\n"
                               "重复手机,+86 138 1111 0001,,,,,,,,,,\n"
                               " acme TRADING ,,,,,,,,,,,\n"
                               "块内重复,138-1111-0002,,,,,,,,,,\n"
                               "新客户一,,,,,,,,,,,\n"
                               "坏手机,12345,,,,,,,,,,\n"
                               ",13811110003,,,,,,,,,,\n"
                               "坏级别,,,超级,,,,,,,,\n"
                               "坏类型,,合伙,,,,,,,,,\n"
                               "无名联系人,,,,,,,,,13811110004,,\n"
                               "坏信用代码,,,,,,,123,,,,\n"
                               "列数不对,1\n"
                               "个人客户乙,13811110005,个人客户,,,,,,,,,\n",
                        NULL);
    H_CHECK(json_array_size(json_object_get(r, "results")) == 13, "one result per row");
    s_outcome(r, 0, CREATED, NULL);
    int64_t first = t_int(r, "results.0.customer_id");
    s_outcome(r, 1, DUPLICATE, NULL);
    H_CHECK(t_int(r, "results.1.duplicate_of") == jia, "a duplicate of the existing mobile");
    s_outcome(r, 2, DUPLICATE, NULL);
    H_CHECK(t_int(r, "results.2.duplicate_of") == acme, "no mobile: the existing name, any case");
    s_outcome(r, 3, DUPLICATE, NULL);
    H_CHECK(t_int(r, "results.3.duplicate_of") == first, "the mobile of an earlier row");
    s_outcome(r, 4, DUPLICATE, NULL);
    H_CHECK(t_int(r, "results.4.duplicate_of") == first, "no mobile: the name of an earlier row");
    const char *bad[][2] = {{"mobile", NULL},  {"name", NULL},         {"level", "超级"},
                            {"type", NULL},    {"contact_name", NULL}, {"credit_code", NULL},
                            {"csv", "line 13"}};
    for (int i = 0; i < 7; i++) {
        s_outcome(r, 5 + i, INVALID_ROW, bad[i][0]);
        H_CHECK(!bad[i][1] || strstr(t_strf(r, "results.%d.message", 5 + i), bad[i][1]),
                "row %d's message: %s", 6 + i, t_strf(r, "results.%d.message", 5 + i));
    }
    s_outcome(r, 12, CREATED, NULL);
    int64_t second = t_int(r, "results.12.customer_id");
    H_CHECK(t_int(r, "import.rows") == 13 && t_int(r, "import.created") == 2 &&
                t_int(r, "import.duplicates") == 4 && t_int(r, "import.invalid") == 7,
            "counters");
    json_decref(r);
    /* The customers as imported: owned by the target, in the caller's
     * department (user 11 has none), with their contact, history, events. */
    H_CHECK(s_count("SELECT count(*) FROM customers WHERE id = %lld AND owner_id = 11 AND"
                    " department_id = 5 AND creator_id = 11 AND pool_id = 1 AND type = 1 AND"
                    " tags = '{重点,华北}' AND credit_code = '91350100M000100Y43' AND level = 'A'"
                    " AND industry = '制造' AND source = '展会' AND remark = '第一行, 第二行'"
                    " AND owner_since IS NOT NULL AND completeness > 30",
                    (long long)first) == 1,
            "the first customer's fields");
    H_CHECK(s_count("SELECT count(*) FROM customers WHERE id = %lld AND type = 2 AND"
                    " mobile = '13811110005'",
                    (long long)second) == 1,
            "an individual");
    H_CHECK(s_count("SELECT count(*) FROM contacts WHERE customer_id = %lld AND is_primary AND"
                    " name = '王经理' AND mobile = '13811119999' AND title = '采购'",
                    (long long)first) == 1,
            "its first contact, primary");
    H_CHECK(s_count("SELECT count(*) FROM contacts WHERE customer_id = %lld", (long long)second) ==
                0,
            "no contact without a name");
    H_CHECK(s_count("SELECT count(*) FROM customer_history WHERE record_id IN (%lld, %lld) AND"
                    " action = 'imported' AND actor_id = 11 AND to_owner_id = 11 AND"
                    " detail = '{\"import_id\": %lld}'",
                    (long long)first, (long long)second, (long long)imp) == 2,
            "history: imported, with the import");
    H_CHECK(s_events("customer.created") == customers + 2 &&
                s_events("contact.created") == contacts + 1,
            "one customer.created each, one contact.created");
    json_t *g =
        t_json_expect(h, OK, "customers", "Customers.Get", u, "{\"id\": %lld}", (long long)first);
    H_CHECK(!strcmp(t_str(g, "name"), "新客户一") && !strcmp(t_str(g, "mobile"), "13811110002") &&
                !strcmp(t_str(g, "tags.1"), "华北"),
            "read back");
    json_decref(g);
    /* A later chunk may repeat the header (a sheet cut in parts); its rows
     * number on, and the import's earlier rows count as existing. */
    r = s_chunk(u, OK, imp, 2, 1, HEADER "跨块重复,13811110002,,,,,,,,,,\n", NULL);
    s_outcome(r, 0, DUPLICATE, NULL);
    H_CHECK(t_int(r, "results.0.duplicate_of") == first && t_int(r, "results.0.row") == 14,
            "the header skipped, the row a duplicate of chunk 1's");
    json_decref(r);
    int64_t other = s_start(u, "{\"owner_id\": 11}", 0);
    json_decref(s_chunk(u, OK, other, 1, 0, "客户名称,手机\n甲,13811110006\n", NULL));
    s_chunk(u, INVALID, other, 2, 0, "手机,客户名称\n乙,13811110007\n", NULL);
    t_json_says("a header of another order", "csv", "header");
    s_chunk(u, INVALID, s_start(u, "{\"owner_id\": 11}", 0), 1, 0, "客户名称,生日\n乙,1990\n",
            NULL);
    t_json_says("an unknown column", "csv", "生日");
    h_note("CSV: created with contact, history and events; duplicates of existing customers and "
           "earlier rows; invalid rows with their field; a repeated header");
}

/* ---- recycle deadlines: written by the chunk's INSERT ------------------- */

/* Customers whose stored deadline is not the one customer_deadline gives
 * their row now (sql/008), among those named by where. */
static int64_t s_deadlines_off(const char *where)
{
    return s_count("SELECT count(*) FROM customers c JOIN customer_pools p ON p.id = c.pool_id"
                   " LEFT JOIN LATERAL customer_deadline(p.recycle_rules, p.warn_days, c) x ON true"
                   " WHERE (%s) AND (c.recycle_at IS DISTINCT FROM x.at OR c.recycle_warn_at IS"
                   " DISTINCT FROM x.warn_at OR c.recycle_rule <> COALESCE(x.rule, '') OR"
                   " c.recycle_rule_days <> COALESCE(x.days, 0))",
                   where);
}

/* The default pool's rules by level (A 10 days, B 20, C and none exempt),
 * a warning 3 days before: each imported customer gets its level's
 * deadline in the chunk's INSERT (sql/015), the one the trigger would
 * give it (and gives a customer made by hand). */
static void test_deadlines(void)
{
    PQclear(h_sql(h, "customers",
                  "CREATE TABLE saved_rules AS SELECT recycle_rules, warn_days FROM customer_pools"
                  " WHERE id = 1; UPDATE customer_pools SET warn_days = 3, recycle_rules ="
                  " '[{\"kind\": \"followup\", \"days\": 0, \"level_days\": [{\"level\": \"A\","
                  " \"days\": 10}, {\"level\": \"B\", \"days\": 20}]}]' WHERE id = 1"));
    const Crm__Caller *u = t_user(0, 11, 5);
    int64_t imp = s_start(u, "{\"owner_id\": 11}", 0);
    json_t *r = s_chunk(u, OK, imp, 1, 1,
                        "客户名称,手机,客户级别\n期限甲,13655550001,A\n期限乙,13655550002,B\n"
                        "期限丙,13655550003,C\n期限丁,13655550004,\n期限戊,13655550005,A\n",
                        NULL);
    H_CHECK(t_int(r, "import.created") == 5, "five created");
    json_decref(r);
    const char *mine = "c.name LIKE '期限%'";
    H_CHECK(s_deadlines_off(mine) == 0, "every imported deadline is customer_deadline's");
    H_CHECK(s_count("SELECT count(*) FROM customers WHERE name IN ('期限甲', '期限戊') AND"
                    " recycle_at = owner_since + interval '10 days' AND recycle_warn_at ="
                    " recycle_at - interval '3 days' AND recycle_rule = 'followup' AND"
                    " recycle_rule_days = 10") == 2 &&
                s_count("SELECT count(*) FROM customers WHERE name = '期限乙' AND recycle_at ="
                        " owner_since + interval '20 days' AND recycle_rule_days = 20") == 1 &&
                s_count("SELECT count(*) FROM customers WHERE name IN ('期限丙', '期限丁') AND"
                        " recycle_at IS NULL AND recycle_rule = '' AND recycle_rule_days = 0") == 2,
            "A 10 days, B 20, C and no level none, warned 3 days before");
    int64_t by_hand = s_customer("期限己", "13655550006", 11);
    H_CHECK(s_count("SELECT count(*) FROM customers WHERE id = %lld AND recycle_rule_days = 0 AND"
                    " recycle_at IS NULL",
                    (long long)by_hand) == 1 &&
                s_deadlines_off(mine) == 0,
            "a customer made by hand still gets its deadline from the trigger (none: no level)");
    PQclear(h_sql(h, "customers",
                  "UPDATE customers SET level = 'B' WHERE name = '期限己';"
                  " UPDATE customer_pools p SET recycle_rules = s.recycle_rules, warn_days ="
                  " s.warn_days FROM saved_rules s WHERE p.id = 1; DROP TABLE saved_rules"));
    H_CHECK(s_count("SELECT count(*) FROM customers WHERE name = '期限己' AND recycle_rule_days ="
                    " 20") == 1,
            "and from the update trigger when its level changes");
    h_note("recycle deadlines: an import's computed in its INSERT, by level, as the trigger's");
}

/* allow_duplicates creates them anyway. */
static void test_allowed(void)
{
    int64_t imp = s_start(t_user(0, 11, 5), "{\"owner_id\": 11}", 1);
    json_t *r = s_chunk(t_user(0, 11, 5), OK, imp, 1, 1, NULL,
                        "[{\"name\": \"允许重复\", \"mobile\": \"13811110001\"},"
                        " {\"name\": \"允许重复\", \"type\": \"CUSTOMER_TYPE_INDIVIDUAL\","
                        "  \"contact_name\": \"赵\", \"tags\": [\"行\"]}]");
    s_outcome(r, 0, CREATED, NULL);
    s_outcome(r, 1, CREATED, NULL);
    json_decref(r);
    H_CHECK(s_count("SELECT count(*) FROM customers WHERE mobile = '13811110001'") == 2,
            "two with that mobile now");
    H_CHECK(s_count("SELECT count(*) FROM customers c JOIN contacts k ON k.customer_id = c.id"
                    " WHERE c.name = '允许重复' AND c.type = 2 AND k.name = '赵'") == 1,
            "rows given as fields: the type and the contact");
    h_note("allow_duplicates: created anyway; rows as fields");
}

static void test_resend(void)
{
    const Crm__Caller *a = t_admin(0, 1);
    int64_t imp = s_start(a, "{\"owner_id\": 3}", 0);
    const char *rows = "[{\"name\": \"重发一\", \"mobile\": \"13833330001\"},"
                       " {\"name\": \"重发二\", \"mobile\": \"13833330001\"}, {\"mobile\": \"x\"}]";
    json_t *one = s_chunk(a, OK, imp, 1, 0, NULL, rows);
    int64_t n = s_count("SELECT count(*) FROM customers"), ev = s_events("customer.created");
    json_t *two = s_chunk(a, OK, imp, 1, 0, NULL, "[{\"name\": \"别的\"}]");
    H_CHECK(json_equal(json_object_get(one, "results"), json_object_get(two, "results")),
            "the same results");
    H_CHECK(t_int(two, "import.chunks") == 1 && t_int(two, "import.rows") == 3,
            "progress unchanged");
    json_decref(one);
    json_decref(two);
    H_CHECK(s_count("SELECT count(*) FROM customers") == n && s_events("customer.created") == ev,
            "nothing applied twice");
    s_chunk(a, PRECONDITION, imp, 3, 0, NULL, "[]");
    t_json_says("a gap", "seq", "expected chunk 2");
    json_decref(s_chunk(a, OK, imp, 2, 1, NULL, "[]"));
    s_chunk(a, PRECONDITION, imp, 3, 0, NULL, "[]");
    H_CHECK(strstr(t_json_message(), "complete"), "%s", t_json_message());
    json_t *g = t_json_expect(h, OK, "customers", "Customers.GetImport", a, "{\"id\": %lld}",
                              (long long)imp);
    H_CHECK(t_int(g, "chunks") == 2 && t_int(g, "created") == 1 && t_int(g, "duplicates") == 1 &&
                t_int(g, "invalid") == 1 && json_is_true(json_object_get(g, "done")) &&
                t_int(g, "target.owner_id") == 3 && !strcmp(t_str(g, "file_name"), "客户.csv"),
            "progress");
    json_decref(g);
    h_note("a chunk sent again: its first results, nothing twice; order and completion kept");
}

static void test_targets(void)
{
    int64_t imp = s_start(t_admin(0, 1), "{\"pool_id\": 1}", 0);
    json_t *r = s_chunk(t_admin(0, 1), OK, imp, 1, 1, "客户名称\n公海客户\n", NULL);
    int64_t id = t_int(r, "results.0.customer_id");
    json_decref(r);
    H_CHECK(s_count("SELECT count(*) FROM customers WHERE id = %lld AND owner_id = 0 AND"
                    " pool_id = 1 AND owner_since IS NULL",
                    (long long)id) == 1,
            "the pool: unowned");
    /* Refused starts: who asks, the target, the status and field. */
    const struct {
        int admin;
        const char *target;
        Crm__Status st;
        const char *field;
    } refused[] = {
        {0, "{\"pool_id\": 1}", NOT_FOUND, "target.pool_id"}, /* not its admin nor member */
        {1, "{\"pool_id\": 2}", NOT_FOUND, "target.pool_id"},
        {0, "{\"owner_id\": 12}", DENIED, "target.owner_id"},
        {1, "{\"owner_id\": 5000}", INVALID, "target.owner_id"},
        {1, "{\"owner_id\": 3, \"pool_id\": 1}", INVALID, "target"},
        {1, "{}", INVALID, "target"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        t_json_expect(h, refused[i].st, "customers", "Customers.StartImport",
                      refused[i].admin ? t_admin(0, 1) : t_user(0, 11, 5), "{\"target\": %s}",
                      refused[i].target);
        t_json_says(refused[i].target, refused[i].field, NULL);
    }
    const int64_t team[] = {11};
    int64_t m = s_start(t_manager(0, 5, 5, team, 1), "{\"owner_id\": 11}", 0);
    json_decref(
        s_chunk(t_manager(0, 5, 5, team, 1), OK, m, 1, 1, "客户名称\n经理导入给下属\n", NULL));
    H_CHECK(s_count("SELECT count(*) FROM customers WHERE name = '经理导入给下属' AND owner_id = 11"
                    " AND creator_id = 5") == 1,
            "a manager for their team");
    h_note("targets: an employee in scope, a pool for its admins; unknown owners and pools"
           " refused");
}

/* Cancel, list, and another user who sees none of it. */
static void test_cancel_and_list(void)
{
    const Crm__Caller *u = t_user(0, 61, 5), *other = t_user(1, 62, 5);
    int64_t imp = s_start(u, "{\"owner_id\": 61}", 0);
    json_decref(s_chunk(u, OK, imp, 1, 0, "客户名称\n取消前\n", NULL));
    t_json_expect(h, NOT_FOUND, "customers", "Customers.GetImport", other, "{\"id\": %lld}",
                  (long long)imp);
    t_json_says("the import", "id", NULL);
    s_chunk(other, NOT_FOUND, imp, 2, 0, "客户名称\n别人的\n", NULL);
    t_json_says("the import", "import_id", NULL);
    t_json_expect(h, NOT_FOUND, "customers", "Customers.CancelImport", other, "{\"id\": %lld}",
                  (long long)imp);
    json_t *r = t_json_expect(h, OK, "customers", "Customers.CancelImport", u, "{\"id\": %lld}",
                              (long long)imp);
    H_CHECK(json_is_true(json_object_get(r, "cancelled")) && t_int(r, "created") == 1,
            "cancelled; what was applied stays");
    json_decref(r);
    s_chunk(u, PRECONDITION, imp, 2, 0, "取消后\n", NULL);
    H_CHECK(strstr(t_json_message(), "cancelled"), "%s", t_json_message());
    t_json_expect(h, PRECONDITION, "customers", "Customers.CancelImport", u, "{\"id\": %lld}",
                  (long long)imp);
    int64_t second = s_start(u, "{\"owner_id\": 61}", 0);
    r = t_json_expect(h, OK, "customers", "Customers.ListImports", u,
                      "{\"limit\": 1, \"total\": true}");
    H_CHECK(t_int(r, "items.0.id") == second && t_int(r, "total") == 2 && *t_str(r, "next_cursor"),
            "newest first, with the total");
    char *cursor = crm_strdup(t_str(r, "next_cursor"));
    json_decref(r);
    r = t_json_expect(h, OK, "customers", "Customers.ListImports", u,
                      "{\"limit\": 1, \"cursor\": \"%s\"}", cursor);
    free(cursor);
    H_CHECK(t_int(r, "items.0.id") == imp && !*t_str(r, "next_cursor"), "then the cancelled one");
    json_decref(r);
    r = t_json_expect(h, OK, "customers", "Customers.ListImports", other, "{}");
    H_CHECK(json_array_size(json_object_get(r, "items")) == 0, "another user sees none");
    json_decref(r);
    h_note("cancel and list; another user sees no import of others");
}

/* ---- through HTTP: the routes and XLSX ------------------------------------- */

static const char *base;
static char *admin;

/* POST /api/v1/customer-imports as token; the new import's id. */
static long long s_http_start(const char *token, long long owner)
{
    char body[128];
    snprintf(body, sizeof body, "{\"target\": {\"owner_id\": %lld}, \"file_name\": \"客户.xlsx\"}",
             owner);
    t_resp_t r = t_expect(201, "POST", base, token, body, "/api/v1/customer-imports");
    long long id = t_json_int(&r, "id");
    char want[64];
    snprintf(want, sizeof want, "/api/v1/customer-imports/%lld", id);
    H_CHECK(strstr(r.location, want) != NULL, "Location: %s", r.location);
    t_resp_free(&r);
    return id;
}

/* Sends a chunk as an XLSX body; the response (t_resp_free it). */
static t_resp_t s_http_xlsx(const char *token, long long imp, int seq, int last,
                            const unsigned char *b, size_t len)
{
    char *url = crm_sprintf("%s/api/v1/customer-imports/%lld/chunks?seq=%d&last=%s", base, imp, seq,
                            last ? "true" : "false");
    t_resp_t r;
    t_http_bytes(&r, "POST", url, token, b, len, XLSX);
    free(url);
    return r;
}

/* The sheet of the XLSX test: header and rows (number and date cells). */
#define XC 6
/* clang-format off */
static const char *const s_sheet[] = {
    "客户名称",   "手机",           "客户级别", "标签",      "备注",          "联系人",
    "表格客户一", "=n:13977770001", "A",        "重点;华东", "=d:2026-01-15", "李四",
    "表格客户二", "=n:13977770002", NULL,       NULL,        "备注, 含逗号",  NULL,
    "表格重复",   "=n:13977770001", NULL,       NULL,        NULL,            NULL,
    "坏手机",     "=n:12345",       NULL,       NULL,        NULL,            NULL,
    "已有客户丙", "=n:13822220009", NULL,       NULL,        NULL,            NULL,
    NULL,         NULL,             NULL,       NULL,        "只有备注",      NULL,
    "表格客户三", NULL,             "B",        NULL,        NULL,            NULL,
};
/* clang-format on */
#define XR (sizeof s_sheet / sizeof s_sheet[0] / XC)

/* Row i's duplicate_of, said the same way in either import: the existing
 * customer's id, or "row N" of the import itself. */
static void s_dup_said(json_t *r, int i, char *out, size_t cap)
{
    int64_t of = t_intf(r, "results.%d.duplicate_of", i);
    snprintf(out, cap, "%lld", (long long)of);
    for (size_t k = 0; k < json_array_size(json_object_get(r, "results")); k++)
        if (t_intf(r, "results.%zu.customer_id", k) == of)
            snprintf(out, cap, "row %lld", (long long)t_intf(r, "results.%zu.row", k));
}

/* The customer's fields that an import sets, as one text. */
static char *s_fields(const char *token, long long id)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", id);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    char *s = crm_sprintf(
        "%s|%s|%s|%s|%s|%s|%s|%lld", t_json_str(&r, "name"), t_json_str(&r, "mobile"),
        t_json_str(&r, "level"), t_json_str(&r, "tags.0"), t_json_str(&r, "tags.1"),
        t_json_str(&r, "remark"), t_json_str(&r, "type"), t_json_int(&r, "completeness"));
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/contacts", id);
    r = t_expect(200, "GET", base, token, NULL, path);
    char *all = crm_sprintf("%s|%s", s, t_json_str(&r, "items.0.name"));
    t_resp_free(&r);
    free(s);
    return all;
}

static void test_xlsx(const char *token, long long owner)
{
    int64_t existing = s_customer("已有客户丙", "13822220009", owner);
    /* The rows as CSV through the JSON body. */
    long long a = s_http_start(token, owner);
    char *csv = t_xlsx_csv(s_sheet, XR, XC);
    json_t *body = json_pack("{si sb ss}", "seq", 1, "last", 1, "csv", csv);
    char *text = json_dumps(body, 0), path[96];
    snprintf(path, sizeof path, "/api/v1/customer-imports/%lld/chunks", a);
    t_resp_t rc = t_expect(200, "POST", base, token, text, path);
    free(text);
    json_decref(body);
    free(csv);
    /* Its customers deleted, so the same rows as XLSX meet the same
     * database (the existing customer stays). */
    json_t *res = json_object_get(rc.body, "results");
    H_CHECK(json_array_size(res) == XR - 1, "one result per row: %s", rc.raw);
    char ids[256] = "";
    for (size_t i = 0; i < json_array_size(res); i++)
        if (t_intf(rc.body, "results.%zu.customer_id", i))
            snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%lld", *ids ? ", " : "",
                     (long long)t_intf(rc.body, "results.%zu.customer_id", i));
    char **fields_a = crm_calloc(XR, sizeof *fields_a);
    for (size_t i = 0; i < json_array_size(res); i++)
        if (t_intf(rc.body, "results.%zu.customer_id", i))
            fields_a[i] = s_fields(token, t_intf(rc.body, "results.%zu.customer_id", i));
    json_decref(t_json_expect(h, OK, "customers", "Customers.Delete", t_admin(0, 1),
                              "{\"ids\": [%s]}", ids));
    /* The same rows as an XLSX workbook. */
    size_t len = 0;
    char file[256];
    snprintf(file, sizeof file, "%s/rows.xlsx", h_dir(h));
    unsigned char *b = t_xlsx(file, s_sheet, XR, XC, 0, &len);
    H_CHECK(b, "the workbook is written");
    long long x = s_http_start(token, owner);
    t_resp_t rx = s_http_xlsx(token, x, 1, 1, b, len);
    H_CHECK(rx.status == 200, "XLSX chunk: %d %s", rx.status, rx.raw);
    free(b);
    json_t *ra = rc.body, *rb = rx.body;
    H_CHECK(json_array_size(json_object_get(rb, "results")) == XR - 1, "as many results");
    for (size_t i = 0; i < XR - 1; i++) {
        char da[32], db[32];
        s_dup_said(ra, (int)i, da, sizeof da);
        s_dup_said(rb, (int)i, db, sizeof db);
        H_CHECK(
            !strcmp(t_strf(ra, "results.%zu.outcome", i), t_strf(rb, "results.%zu.outcome", i)) &&
                !strcmp(t_strf(ra, "results.%zu.field", i), t_strf(rb, "results.%zu.field", i)) &&
                !strcmp(t_strf(ra, "results.%zu.message", i),
                        t_strf(rb, "results.%zu.message", i)) &&
                t_intf(ra, "results.%zu.row", i) == t_intf(rb, "results.%zu.row", i) &&
                !strcmp(da, db),
            "row %zu: CSV %s %s %s (%s), XLSX %s %s %s (%s)", i + 1,
            t_strf(ra, "results.%zu.outcome", i), t_strf(ra, "results.%zu.field", i), da,
            t_strf(ra, "results.%zu.message", i), t_strf(rb, "results.%zu.outcome", i),
            t_strf(rb, "results.%zu.field", i), db, t_strf(rb, "results.%zu.message", i));
        if (fields_a[i]) {
            char *fb = s_fields(token, t_intf(rb, "results.%zu.customer_id", i));
            H_CHECK(!strcmp(fields_a[i], fb), "row %zu's customer: CSV %s, XLSX %s", i + 1,
                    fields_a[i], fb);
            free(fb);
        }
    }
    H_CHECK(!strcmp(t_json_str(&rx, "results.0.outcome"), "created") &&
                !strcmp(t_json_str(&rx, "results.3.field"), "mobile") &&
                t_json_int(&rx, "results.4.duplicate_of") == existing,
            "the wire form: %s", rx.raw);
    for (size_t i = 0; i < XR; i++)
        free(fields_a[i]);
    free(fields_a);
    t_resp_free(&rc);
    t_resp_free(&rx);
    h_note("XLSX: the same row results and customers as the same rows in CSV");
}

/* A workbook in two chunks, each starting with the header. */
static void test_xlsx_chunks(const char *token, long long owner)
{
    const char *one[] = {"客户名称", "手机", "分块一", "=n:13844440001"};
    const char *two[] = {"客户名称", "手机", "分块二", "=n:13844440001", "分块三", NULL};
    char file[256];
    snprintf(file, sizeof file, "%s/chunk.xlsx", h_dir(h));
    long long imp = s_http_start(token, owner);
    size_t len;
    unsigned char *b = t_xlsx(file, one, 2, 2, 1, &len);
    t_resp_t r = s_http_xlsx(token, imp, 1, 0, b, len);
    free(b);
    H_CHECK(r.status == 200 && !strcmp(t_json_str(&r, "results.0.outcome"), "created"),
            "chunk 1: %s", r.raw);
    long long first = t_json_int(&r, "results.0.customer_id");
    t_resp_free(&r);
    b = t_xlsx(file, two, 3, 2, 1, &len);
    r = s_http_xlsx(token, imp, 2, 1, b, len);
    free(b);
    H_CHECK(r.status == 200 && !strcmp(t_json_str(&r, "results.0.outcome"), "duplicate") &&
                t_json_int(&r, "results.0.duplicate_of") == first &&
                t_json_int(&r, "results.0.row") == 2 &&
                !strcmp(t_json_str(&r, "results.1.outcome"), "created") &&
                json_is_true(json_object_get(json_object_get(r.body, "import"), "done")),
            "chunk 2, its header skipped: %s", r.raw);
    t_resp_free(&r);
    /* The other fields come from the query, checked as any: a bad one is
     * named as the parameter; csv is the body's alone. */
    b = t_xlsx(file, one, 2, 2, 0, &len);
    long long fresh = s_http_start(token, owner);
    const char *queries[] = {"seq=x", "seq=1&csv=x"};
    for (int i = 0; i < 2; i++) {
        char *url =
            crm_sprintf("%s/api/v1/customer-imports/%lld/chunks?%s", base, fresh, queries[i]);
        t_http_bytes(&r, "POST", url, token, b, len, XLSX);
        free(url);
        H_CHECK(r.status == 400 && (i ? strstr(t_json_str(&r, "detail"), "is the XLSX body") != NULL
                                      : !strcmp(t_err_field(&r), "seq")),
                "%s: %d %s", queries[i], r.status, r.raw);
        t_resp_free(&r);
    }
    free(b);
    h_note("XLSX in two chunks, each with its header; query fields checked");
}

/* Writes a ZIP of one part to path; its bytes. */
static unsigned char *s_zip(const char *path, const char *name, const char *text, size_t *len)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    H_CHECK(z, "zip_open");
    zip_file_add(z, name, zip_source_buffer(z, text, strlen(text), 0), ZIP_FL_OVERWRITE);
    H_CHECK(zip_close(z) == 0, "zip_close");
    return t_file_bytes(path, len);
}

static void test_bad_xlsx(const char *token, long long owner)
{
    long long imp = s_http_start(token, owner);
    const char junk[] = "客户名称,手机\n张三,13800138000\n";
    t_resp_t r = s_http_xlsx(token, imp, 1, 1, (const unsigned char *)junk, sizeof junk - 1);
    H_CHECK(r.status == 400 && !strcmp(t_err_code(&r), "invalid_argument") &&
                strstr(t_json_str(&r, "detail"), "not a ZIP archive") &&
                !strcmp(t_json_str(&r, "errors.0.pointer"), "") &&
                json_object_get(json_array_get(json_object_get(r.body, "errors"), 0), "pointer"),
            "not a zip, the body at fault: %d %s", r.status, r.raw);
    t_resp_free(&r);
    char file[256];
    snprintf(file, sizeof file, "%s/bad.zip", h_dir(h));
    size_t len;
    unsigned char *b = s_zip(file, "word/document.xml", "<w:document/>", &len);
    r = s_http_xlsx(token, imp, 1, 1, b, len);
    free(b);
    H_CHECK(r.status == 400 && strstr(t_json_str(&r, "detail"), "no xl/workbook.xml"),
            "a zip that is no workbook: %d %s", r.status, r.raw);
    t_resp_free(&r);
    b = s_zip(file, "xl/workbook.xml", "<workbook><sheets/></workbook>", &len);
    r = s_http_xlsx(token, imp, 1, 1, b, len);
    free(b);
    H_CHECK(r.status == 400 && strstr(t_json_str(&r, "detail"), "no worksheet"),
            "a workbook without a sheet: %d %s", r.status, r.raw);
    t_resp_free(&r);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customer-imports/%lld", imp);
    r = t_expect(200, "GET", base, token, NULL, path);
    H_CHECK(t_json_int(&r, "chunks") == 0 && t_json_int(&r, "rows") == 0, "nothing applied: %s",
            r.raw);
    t_resp_free(&r);
    h_note("bad workbooks: 400 saying why, nothing applied");
}

static void test_http(void)
{
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long emp_id = 0, other_id = 0;
    char *emp = t_new_user(base, admin, "importer", "employee", 1, &emp_id);
    char *other = t_new_user(base, admin, "bystander", "employee", 1, &other_id);
    long long imp = s_http_start(emp, emp_id);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customer-imports/%lld", imp);
    t_resp_t r = t_expect(200, "GET", base, emp, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "file_name"), "客户.xlsx") &&
                t_json_int(&r, "target.owner_id") == emp_id && *t_json_str(&r, "created_at"),
            "read through HTTP: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, other, NULL, path);
    r = t_expect(200, "GET", base, other, NULL, "/api/v1/customer-imports");
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 0, "another user's list: %s",
            r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/customer-imports/%lld/cancel", imp);
    t_resp_t c = t_expect(200, "POST", base, emp, NULL, path);
    H_CHECK(json_is_true(json_object_get(c.body, "cancelled")), "cancelled: %s", c.raw);
    t_resp_free(&c);
    test_xlsx(emp, emp_id);
    test_xlsx_chunks(emp, emp_id);
    test_bad_xlsx(emp, emp_id);
    free(emp);
    free(other);
    free(admin);
}

int main(void)
{
    h = h_new("customer_import");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    test_csv();
    test_allowed();
    test_resend();
    test_targets();
    test_cancel_and_list();
    test_http();
    test_deadlines();
    h_stop(h, "gateway", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "scheduler", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("customer_import: ok\n");
    return 0;
}
