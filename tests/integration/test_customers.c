/* test_customers.c: the customers domain through the HTTP API, as users
 * work it: a customer created with its first contact (201, Location, its
 * completeness), refused with every field at fault at once, refused as a
 * duplicate naming the other (then allowed), edited by merge patch,
 * transferred keeping the previous owner in the team, its team's read and
 * write access, follow-ups moving its last follow-up and next contact,
 * its history with old and new values, lists (views, filters, keyword,
 * totals, paging), the data scope (another department's user sees
 * nothing and changes nothing), deletion (admins), contacts (primary,
 * duplicates, the primary kept), enterprises (unique names, the customer's
 * company, transfer and history), options, and a retried create applied
 * once (Idempotency-Key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm/util.h"
#include "export_check.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;

typedef struct {
    const char *name;
    long long id;
    long long dept;
    char *token;
} s_user_t;

static s_user_t mgr = {"mgr", 0, 0, NULL}, emp = {"emp", 0, 0, NULL}, emp2 = {"emp2", 0, 0, NULL},
                other = {"other", 0, 0, NULL};

/* POSTs body as token to path wanting status want; returns the id. */
static long long s_post_id(const char *token, const char *path, const char *body, int want)
{
    t_resp_t r = t_expect(want, "POST", base, token, body, path);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    return id;
}

static void test_create(void)
{
    t_resp_t r;
    t_httpf(&r, "POST", base, emp.token,
            "{\"name\":\"北京星河科技有限公司\",\"mobile\":\"+86 138-0013-8001\","
            "\"level\":\"A\",\"source\":\"展会\",\"industry\":\"制造\",\"tags\":[\"重点\"],"
            "\"province\":\"北京\",\"city\":\"北京\",\"credit_code\":\"91350100M000100Y43\","
            "\"contact\":{\"name\":\"张经理\",\"title\":\"采购\",\"mobile\":\"13800138002\"}}",
            "/api/v1/customers");
    H_CHECK(r.status == 201, "create: %d %s", r.status, r.raw);
    long long id = t_json_int(&r, "id");
    char want[64];
    snprintf(want, sizeof want, "/api/v1/customers/%lld", id);
    H_CHECK(strstr(r.location, want) != NULL, "Location names it: %s", r.location);
    H_CHECK(!strcmp(t_json_str(&r, "mobile"), "13800138001") &&
                !strcmp(t_json_str(&r, "type"), "company") &&
                !strcmp(t_json_str(&r, "deal_status"), "open") &&
                t_json_int(&r, "owner_id") == emp.id &&
                t_json_int(&r, "department_id") == emp.dept && t_json_int(&r, "completeness") > 0 &&
                t_json_int(&r, "completeness") < 100,
            "the customer as created: %s", r.raw);
    t_resp_free(&r);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/contacts", id);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.name"), "张经理") &&
                t_json_int(&r, "items.0.customer_id") == id,
            "the first contact, primary: %s", r.raw);
    H_CHECK(strstr(r.raw, "\"primary\":true") != NULL, "primary: %s", r.raw);
    t_resp_free(&r);

    /* Several fields at fault: each named, nothing written. */
    t_httpf(&r, "POST", base, emp.token,
            "{\"name\":\"\",\"mobile\":\"12345\",\"credit_code\":\"91350100M000100Y44\","
            "\"qq\":\"abc\",\"contact\":{\"name\":\"\"}}",
            "/api/v1/customers");
    H_CHECK(r.status == 400, "bad fields: %d %s", r.status, r.raw);
    const char *fields[] = {"/name", "/mobile", "/credit_code", "/qq", "/contact/name"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "\"%s\"", fields[i]);
        H_CHECK(strstr(r.raw, needle) != NULL, "%s named: %s", fields[i], r.raw);
    }
    t_resp_free(&r);
    /* A level not configured is refused naming it. */
    t_expect_error(400, "invalid_argument", "/level", "POST", base, emp.token,
                   "{\"name\":\"某客户\",\"level\":\"Z\"}", "/api/v1/customers");

    /* 查重: the same name (any case, spaces around) or mobile is refused
     * naming the other customer; allow_duplicate saves anyway. */
    t_httpf(&r, "POST", base, emp2.token, "{\"name\":\" 北京星河科技有限公司 \"}",
            "/api/v1/customers");
    H_CHECK(r.status == 409 && !strcmp(t_err_field(&r), "/name"), "duplicate name: %d %s", r.status,
            r.raw);
    snprintf(want, sizeof want, "customer %lld", id);
    H_CHECK(strstr(r.raw, want) != NULL, "names the other: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(409, "already_exists", "/mobile", "POST", base, emp2.token,
                   "{\"name\":\"另一家\",\"mobile\":\"13800138001\"}", "/api/v1/customers");
    s_post_id(emp2.token, "/api/v1/customers",
              "{\"name\":\"另一家\",\"mobile\":\"13800138001\",\"allow_duplicate\":true}", 201);
    h_note("create: contact, completeness, errors, duplicates: ok");
}

/* A customer of owner's (created by owner), returns its id. */
static long long s_customer(const s_user_t *owner, const char *name, const char *extra)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"allow_duplicate\":true%s%s}", name,
                             extra ? "," : "", extra ? extra : "");
    long long id = s_post_id(owner->token, "/api/v1/customers", body, 201);
    free(body);
    return id;
}

/* The team's row count kept on the customer (sql/012's trigger): every
 * customer's matches its rows in customer_team. */
static void s_team_sizes_agree(void)
{
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM customers c WHERE team_size <> (SELECT count(*)"
                      " FROM customer_team t WHERE t.customer_id = c.id)") == 0,
            "every customer's team_size is its team's rows");
}

/* ... and id's is n. */
static void s_team_size(long long id, int n)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT team_size FROM customers WHERE id = %lld", id);
    H_CHECK(h_sql_int(h, "customers", sql) == n, "customer %lld: team_size %d", id, n);
    s_team_sizes_agree();
}

static void test_edit_transfer_team(void)
{
    long long id = s_customer(&emp, "上海云帆贸易", "\"email\":\"a@yf.cn\",\"remark\":\"老\"");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", id);
    t_http_header("Content-Type: application/merge-patch+json");
    t_resp_t r = t_expect(200, "PATCH", base, emp.token,
                          "{\"remark\":\"新\",\"email\":null,\"type\":\"individual\"}", path);
    H_CHECK(!strcmp(t_json_str(&r, "remark"), "新") && !strcmp(t_json_str(&r, "email"), "") &&
                !strcmp(t_json_str(&r, "type"), "individual") &&
                !strcmp(t_json_str(&r, "name"), "上海云帆贸易"),
            "merge patch: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "/name", "PATCH", base, emp.token, "{\"name\":null}",
                   path);
    t_expect_error(400, "invalid_argument", "/owner_id", "PATCH", base, emp.token,
                   "{\"owner_id\":3}", path);

    /* Transfer to emp2, keeping emp in the team with read access. */
    char xpath[128];
    snprintf(xpath, sizeof xpath, "/api/v1/customers/%lld/transfer", id);
    char *body = crm_sprintf("{\"to_owner_id\":%lld,\"reason\":\"调岗\","
                             "\"keep_previous_owner\":\"read\"}",
                             emp2.id);
    r = t_expect(200, "POST", base, emp.token, body, xpath);
    free(body);
    H_CHECK(
        t_json_int(&r, "owner_id") == emp2.id && t_json_int(&r, "previous_owner_id") == emp.id &&
            t_json_int(&r, "team.0.user_id") == emp.id &&
            !strcmp(t_json_str(&r, "team.0.access"), "read") && t_json_int(&r, "claim_count") == 1,
        "transferred, emp kept in the team: %s", r.raw);
    t_resp_free(&r);
    s_team_size(id, 1);
    /* The new owner is told (通知): one notification, with the name. */
    char *nsql = crm_sprintf("SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND"
                             " title = '客户转移给你：上海云帆贸易'",
                             emp2.id);
    H_CHECK(h_wait_sql(h, "gateway", nsql, 1, 15000) == 1, "emp2 notified");
    free(nsql);
    /* emp reads it still but may not edit it. */
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    t_resp_free(&r);
    t_expect_error(403, "permission_denied", "id", "PATCH", base, emp.token, "{\"remark\":\"x\"}",
                   path);
    /* The owner gives emp write access: then emp edits it. */
    char tpath[128];
    snprintf(tpath, sizeof tpath, "/api/v1/customers/%lld/team-members", id);
    body = crm_sprintf("{\"user_ids\":[%lld],\"access\":\"write\"}", emp.id);
    r = t_expect(200, "POST", base, emp2.token, body, tpath);
    t_resp_free(&r);
    free(body);
    r = t_expect(200, "PATCH", base, emp.token, "{\"remark\":\"团队改\"}", path);
    t_resp_free(&r);
    s_team_size(id, 1); /* emp's place changed, not added */
    /* The team view lists it for emp; the outsider sees nothing. */
    r = t_expect(200, "GET", base, emp.token, NULL, "/api/v1/customers?view=team");
    H_CHECK(t_json_int(&r, "items.0.id") == id, "team view: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", NULL, "GET", base, other.token, NULL, path);
    t_expect_error(404, "not_found", "id", "PATCH", base, other.token, "{\"remark\":\"x\"}", path);
    body = crm_sprintf("{\"to_owner_id\":%lld}", other.id);
    t_expect_error(404, "not_found", "id", "POST", base, other.token, body, xpath);
    free(body);
    /* Transfer to someone who does not exist. */
    t_expect_error(400, "invalid_argument", "/to_owner_id", "POST", base, emp2.token,
                   "{\"to_owner_id\":987654}", xpath);
    /* Remove emp from the team: emp no longer sees it. */
    snprintf(tpath, sizeof tpath, "/api/v1/customers/%lld/team-members/remove", id);
    body = crm_sprintf("{\"user_ids\":[%lld]}", emp.id);
    r = t_expect(200, "POST", base, emp2.token, body, tpath);
    t_resp_free(&r);
    free(body);
    t_expect_error(404, "not_found", NULL, "GET", base, emp.token, NULL, path);
    s_team_size(id, 0);
    /* A membership that expires: read access until then, none after. */
    char *until = crm_sprintf("{\"user_ids\":[%lld],\"access\":\"read\","
                              "\"expires_at\":\"%s\"}",
                              emp.id, "2000-01-01T00:00:00+08:00");
    snprintf(tpath, sizeof tpath, "/api/v1/customers/%lld/team-members", id);
    t_expect_error(400, "invalid_argument", "/expires_at", "POST", base, emp2.token, until, tpath);
    free(until);
    {
        time_t soon = time(NULL) + 2;
        struct tm tm;
        char at[40];
        gmtime_r(&soon, &tm);
        strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
        until = crm_sprintf("{\"user_ids\":[%lld],\"access\":\"read\",\"expires_at\":\"%s\"}",
                            emp.id, at);
    }
    r = t_expect(200, "POST", base, emp2.token, until, tpath);
    t_resp_free(&r);
    free(until);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    t_resp_free(&r);
    sleep(3);
    t_expect_error(404, "not_found", NULL, "GET", base, emp.token, NULL, path);
    /* Expired, its row stays until removed; the customer shows no team. */
    s_team_size(id, 1);
    r = t_expect(200, "GET", base, emp2.token, NULL, path);
    H_CHECK(strstr(r.raw, "\"team\":[]"), "an expired membership is not shown: %s", r.raw);
    t_resp_free(&r);
    /* A second removal (of nobody left) changes nothing. */
    snprintf(tpath, sizeof tpath, "/api/v1/customers/%lld/team-members/remove", id);
    body = crm_sprintf("{\"user_ids\":[%lld]}", emp.id);
    r = t_expect(200, "POST", base, emp2.token, body, tpath);
    t_resp_free(&r);
    free(body);
    s_team_size(id, 0);

    /* History: newest first, with old and new values. */
    char hpath[128];
    snprintf(hpath, sizeof hpath, "/api/v1/customers/%lld/history?total=true", id);
    r = t_expect(200, "GET", base, emp2.token, NULL, hpath);
    H_CHECK(t_json_int(&r, "total") == 8,
            "8 entries (created, updated x2, transferred, team x4): %s", r.raw);
    H_CHECK(strstr(r.raw, "\"action\":\"transferred\"") && strstr(r.raw, "\"reason\":\"调岗\"") &&
                strstr(r.raw, "{\"field\":\"remark\",\"old\":\"老\",\"new\":\"新\"}"),
            "history says what changed: %s", r.raw);
    t_resp_free(&r);
    h_note("edit, transfer, team access, history: ok");
}

static void test_followups(void)
{
    long long id = s_customer(&emp, "广州启明", NULL);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/follow-ups", id);
    t_expect_error(400, "invalid_argument", "/method", "POST", base, emp.token,
                   "{\"content\":\"电话\"}", path);
    t_resp_t r = t_expect(201, "POST", base, emp.token,
                          "{\"content\":\"上门拜访，谈了报价\",\"method\":\"visit\","
                          "\"next_contact_at\":\"2099-01-02T10:00:00+08:00\","
                          "\"attachments\":[\"file-1\"]}",
                          path);
    H_CHECK(!strcmp(t_json_str(&r, "follow_up.method"), "visit") &&
                !strcmp(t_json_str(&r, "customer.last_followup_content"), "上门拜访，谈了报价") &&
                !strncmp(t_json_str(&r, "customer.next_contact_at"), "2099-01-02T10:00:00", 19),
            "follow-up moves the customer: %s", r.raw);
    t_resp_free(&r);
    /* A follow-up without a next contact keeps it. */
    r = t_expect(201, "POST", base, emp.token, "{\"content\":\"电话回访\",\"method\":\"phone\"}",
                 path);
    H_CHECK(!strncmp(t_json_str(&r, "customer.next_contact_at"), "2099-01-02T10:00:00", 19),
            "next contact kept: %s", r.raw);
    t_resp_free(&r);
    /* A contact of another customer is refused. */
    t_expect_error(400, "invalid_argument", "/contact_id", "POST", base, emp.token,
                   "{\"content\":\"x\",\"method\":\"phone\",\"contact_id\":1}", path);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.content"), "电话回访") &&
                !strcmp(t_json_str(&r, "items.1.attachments.0"), "file-1"),
            "listed newest first: %s", r.raw);
    t_resp_free(&r);
    h_note("follow-ups: ok");
}

static void test_lists(void)
{
    long long a = s_customer(&emp2, "列表甲", "\"level\":\"B\",\"mobile\":\"13900139101\"");
    long long b = s_customer(&emp2, "列表乙", "\"level\":\"B\"");
    s_customer(&emp2, "列表丙", "\"level\":\"C\"");
    t_resp_t r = t_expect(200, "GET", base, emp2.token, NULL,
                          "/api/v1/customers?view=mine&level=B&total=true&limit=1");
    H_CHECK(t_json_int(&r, "total") == 2 && t_json_int(&r, "items.0.id") == b,
            "filtered, newest first, total: %s", r.raw);
    char next[300];
    snprintf(next, sizeof next, "/api/v1/customers?view=mine&level=B&limit=1&cursor=%s",
             t_json_str(&r, "next_cursor"));
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp2.token, NULL, next);
    H_CHECK(t_json_int(&r, "items.0.id") == a && !strcmp(t_json_str(&r, "next_cursor"), ""),
            "the second page: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp2.token, NULL, "/api/v1/customers?keyword=139001391");
    H_CHECK(t_json_int(&r, "items.0.id") == a, "keyword by phone: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp2.token, NULL,
                 "/api/v1/customers?keyword=%E5%88%97%E8%A1%A8%E4%B8%99");
    H_CHECK(!strcmp(t_json_str(&r, "items.0.name"), "列表丙") && t_json_int(&r, "items.1.id") == 0,
            "keyword by name: %s", r.raw);
    t_resp_free(&r);
    /* The manager sees the department's customers, the outsider none. */
    r = t_expect(200, "GET", base, mgr.token, NULL, "/api/v1/customers?level=B&total=true");
    H_CHECK(t_json_int(&r, "total") == 2, "manager's all: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, mgr.token, NULL,
                 "/api/v1/customers?view=subordinates&level=B&total=true");
    H_CHECK(t_json_int(&r, "total") == 2, "manager's subordinates: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, other.token, NULL, "/api/v1/customers?level=B&total=true");
    H_CHECK(t_json_int(&r, "total") == 0, "outsider sees none: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp2.token, NULL,
                 "/api/v1/customers?view=mine&locked=false&deal_status=open&total=true");
    H_CHECK(t_json_int(&r, "total") >= 3, "unlocked, open: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp2.token, NULL,
                 "/api/v1/customers?view=mine&locked=true&total=true");
    H_CHECK(t_json_int(&r, "total") == 0, "none locked: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "view", "GET", base, emp2.token, NULL,
                   "/api/v1/customers?view=nope");
    t_expect_error(400, "invalid_argument", "cursor", "GET", base, emp2.token, NULL,
                   "/api/v1/customers?cursor=garbage");
    h_note("lists: views, filters, keyword, totals, paging, scope: ok");
}

static void test_delete(void)
{
    long long id = s_customer(&emp, "待删除", NULL);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", id);
    t_expect_error(403, "permission_denied", NULL, "DELETE", base, emp.token, NULL, path);
    t_resp_t r = t_expect(200, "DELETE", base, admin, NULL, path);
    t_resp_free(&r);
    t_expect_error(404, "not_found", NULL, "GET", base, emp.token, NULL, path);
    h_note("delete: admins only: ok");
}

static void test_contacts(void)
{
    long long cust = s_customer(&emp, "联系人测试", NULL);
    char *body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"甲\","
                             "\"mobile\":\"13700137301\",\"birthday\":\"1990-02-28\"}}",
                             cust);
    long long k1 = s_post_id(emp.token, "/api/v1/contacts", body, 201);
    free(body);
    body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"乙\","
                       "\"mobile\":\"13700137301\"}}",
                       cust);
    t_expect_error(409, "already_exists", "/mobile", "POST", base, emp.token, body,
                   "/api/v1/contacts");
    free(body);
    body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"乙\",\"primary\":true,"
                       "\"birthday\":\"1990-02-30\"}}",
                       cust);
    t_expect_error(400, "invalid_argument", "/contact/birthday", "POST", base, emp.token, body,
                   "/api/v1/contacts");
    free(body);
    body =
        crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"乙\",\"primary\":true}}", cust);
    long long k2 = s_post_id(emp.token, "/api/v1/contacts", body, 201);
    free(body);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/contacts/%lld", k1);
    t_resp_t r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(strstr(r.raw, "\"primary\":") == NULL || strstr(r.raw, "\"primary\":false"),
            "the first is no longer primary: %s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "birthday"), "1990-02-28"), "birthday: %s", r.raw);
    t_resp_free(&r);
    /* The primary contact cannot be deleted while another exists. */
    snprintf(path, sizeof path, "/api/v1/contacts/%lld", k2);
    t_expect_error(409, "failed_precondition", "id", "DELETE", base, emp.token, NULL, path);
    snprintf(path, sizeof path, "/api/v1/contacts/%lld", k1);
    r = t_expect(200, "PATCH", base, emp.token, "{\"primary\":true,\"title\":\"总监\"}", path);
    H_CHECK(strstr(r.raw, "\"primary\":true") && !strcmp(t_json_str(&r, "title"), "总监"),
            "made primary again: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/contacts/%lld", k2);
    r = t_expect(200, "DELETE", base, emp.token, NULL, path);
    t_resp_free(&r);
    t_expect_error(404, "not_found", NULL, "GET", base, emp.token, NULL, path);
    /* Others see no contacts of it, and cannot add one. */
    snprintf(path, sizeof path, "/api/v1/contacts/%lld", k1);
    t_expect_error(404, "not_found", NULL, "GET", base, other.token, NULL, path);
    body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"丙\"}}", cust);
    t_expect_error(404, "not_found", NULL, "POST", base, other.token, body, "/api/v1/contacts");
    free(body);
    r = t_expect(200, "GET", base, other.token, NULL, "/api/v1/contacts?keyword=%E7%94%B2");
    H_CHECK(t_json_int(&r, "items.0.id") == 0, "the outsider lists none: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp.token, NULL, "/api/v1/contacts?keyword=1370013730");
    H_CHECK(t_json_int(&r, "items.0.id") == k1, "listed by phone: %s", r.raw);
    t_resp_free(&r);
    h_note("contacts: primary, duplicates, scope: ok");
}

static void test_enterprises(void)
{
    long long e = s_post_id(emp.token, "/api/v1/enterprises",
                            "{\"enterprise\":{\"name\":\"深圳前海科技\",\"industry\":\"互联网\","
                            "\"founded_on\":\"2015-06-01\",\"registered_capital\":\"500万\"}}",
                            201);
    t_resp_t r;
    t_httpf(&r, "POST", base, emp2.token, "{\"enterprise\":{\"name\":\"深圳前海科技 \"}}",
            "/api/v1/enterprises");
    char want[64];
    snprintf(want, sizeof want, "enterprise %lld", e);
    H_CHECK(r.status == 409 && strstr(r.raw, want), "duplicate names the first: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "/enterprise/founded_on", "POST", base, emp.token,
                   "{\"enterprise\":{\"name\":\"x公司\",\"founded_on\":\"2015-13-01\"}}",
                   "/api/v1/enterprises");
    char extra[64];
    snprintf(extra, sizeof extra, "\"enterprise_id\":%lld", e);
    long long c = s_customer(&emp, "前海客户", extra);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", c);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "company"), "深圳前海科技"), "company from it: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "/enterprise_id", "POST", base, emp.token,
                   "{\"name\":\"无企业\",\"enterprise_id\":99999}", "/api/v1/customers");
    snprintf(path, sizeof path, "/api/v1/customers?enterprise_id=%lld", e);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(t_json_int(&r, "items.0.id") == c, "its customers: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/follow-ups", c);
    r = t_expect(201, "POST", base, emp.token, "{\"content\":\"企业拜访\",\"method\":\"visit\"}",
                 path);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/enterprises/%lld/follow-ups?total=true", e);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 1 && !strcmp(t_json_str(&r, "items.0.content"), "企业拜访"),
            "its customers' follow-ups: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, other.token, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 0, "none the outsider may not see: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/enterprises/%lld", e);
    r = t_expect(200, "GET", base, other.token, NULL, path);
    H_CHECK(t_json_int(&r, "customer_count") == 1, "read by all, its count: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(403, "permission_denied", "id", "PATCH", base, other.token,
                   "{\"profile\":\"x\"}", path);
    r = t_expect(200, "PATCH", base, emp.token, "{\"profile\":\"科技公司\"}", path);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/enterprises/%lld/transfer", e);
    char *body = crm_sprintf("{\"to_owner_id\":%lld,\"reason\":\"交接\"}", emp2.id);
    r = t_expect(200, "POST", base, emp.token, body, path);
    H_CHECK(t_json_int(&r, "owner_id") == emp2.id, "transferred: %s", r.raw);
    t_resp_free(&r);
    free(body);
    snprintf(path, sizeof path, "/api/v1/enterprises/%lld/history", e);
    r = t_expect(200, "GET", base, emp2.token, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "transferred") &&
                !strcmp(t_json_str(&r, "items.0.reason"), "交接") &&
                !strcmp(t_json_str(&r, "items.1.action"), "updated") &&
                !strcmp(t_json_str(&r, "items.2.action"), "created"),
            "its history: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, other.token, NULL,
                 "/api/v1/enterprises?keyword=%E5%89%8D%E6%B5%B7&total=true");
    H_CHECK(t_json_int(&r, "total") == 1, "listed by keyword: %s", r.raw);
    t_resp_free(&r);
    h_note("enterprises: ok");
}

static void test_options_and_retry(void)
{
    t_resp_t r = t_expect(200, "GET", base, emp.token, NULL, "/api/v1/customer-options");
    H_CHECK(!strcmp(t_json_str(&r, "levels.0"), "A"), "levels: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(403, "permission_denied", NULL, "PUT", base, emp.token,
                   "{\"levels\":[\"VIP\"],\"industries\":[\"x\"],\"sources\":[\"y\"]}",
                   "/api/v1/customer-options");
    t_expect_error(400, "invalid_argument", "/levels", "PUT", base, admin,
                   "{\"levels\":[\"A\",\"A\"],\"industries\":[\"x\"],\"sources\":[\"y\"]}",
                   "/api/v1/customer-options");
    /* A create retried with its Idempotency-Key is applied once. */
    t_http_header("Idempotency-Key: cust-retry-1");
    long long a = s_post_id(emp.token, "/api/v1/customers", "{\"name\":\"重试客户\"}", 201);
    t_http_header("Idempotency-Key: cust-retry-1");
    t_httpf(&r, "POST", base, emp.token, "{\"name\":\"重试客户\"}", "/api/v1/customers");
    H_CHECK((r.status == 200 || r.status == 201) && t_json_int(&r, "id") == a,
            "the same answer: %d %s", r.status, r.raw);
    t_resp_free(&r);
    H_CHECK(h_sql_int(h, "customers", "SELECT count(*) FROM customers WHERE name = '重试客户'") ==
                1,
            "one customer");
    h_note("options, retries: ok");
}

/* Lock (never recycled, within the owner's cap), unlock, deal by hand. */
static void test_lock_deal(void)
{
    long long a = s_customer(&emp, "锁定甲", NULL), b = s_customer(&emp, "锁定乙", NULL),
              c = s_customer(&emp, "未锁定", NULL);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/lock", a);
    t_resp_t r = t_expect(200, "POST", base, emp.token, "{\"reason\":\"重点跟进\"}", path);
    H_CHECK(strstr(r.raw, "\"locked\":true"), "locked: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(409, "failed_precondition", "id", "POST", base, emp.token, "{}", path);
    t_expect_error(404, "not_found", "id", "POST", base, other.token, "{}", path);
    /* The cap: one locked customer per owner; locking a second is refused,
     * naming the cap; nothing of the batch is locked. */
    r = t_expect(200, "PUT", base, admin,
                 "{\"levels\":[\"A\",\"B\",\"C\"],\"industries\":[\"制造\",\"互联网\"],"
                 "\"sources\":[\"展会\",\"官网\"],\"lock_cap\":1}",
                 "/api/v1/customer-options");
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp.token, NULL, "/api/v1/customer-options");
    H_CHECK(t_json_int(&r, "lock_cap") == 1, "the cap is read back: %s", r.raw);
    t_resp_free(&r);
    char *body = crm_sprintf("{\"ids\":[%lld,%lld]}", c, b);
    t_resp_t x;
    t_httpf(&x, "POST", base, emp.token, body, "/api/v1/customers/lock");
    H_CHECK(x.status == 409 && strstr(x.raw, "lock_cap"), "over the cap: %d %s", x.status, x.raw);
    t_resp_free(&x);
    free(body);
    snprintf(path, sizeof path, "/api/v1/customers/%lld", c);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(!strstr(r.raw, "\"locked\":true"), "all or nothing: %s", r.raw);
    t_resp_free(&r);
    /* Recycling takes the neglected unlocked customer, never the locked;
     * the recycled one's team (emp2 in it) goes with its owner. */
    char tpath[96];
    snprintf(tpath, sizeof tpath, "/api/v1/customers/%lld/team-members", c);
    body = crm_sprintf("{\"user_ids\":[%lld],\"access\":\"read\"}", emp2.id);
    r = t_expect(200, "POST", base, emp.token, body, tpath);
    t_resp_free(&r);
    free(body);
    s_team_size(c, 1);
    /* The recycle timers the backdating and the rule publish would fire the
     * job at once: paused, so the call below is the run that recycles. */
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET paused = true WHERE name = 'customers.recycle'"));
    char *sql = crm_sprintf("UPDATE customers SET owner_since = now() - interval '100 days',"
                            " created_at = now() - interval '100 days' WHERE id IN (%lld, %lld)",
                            a, c);
    PQclear(h_sql(h, "customers", sql));
    free(sql);
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/customer-pools");
    char pool_path[64];
    snprintf(pool_path, sizeof pool_path, "/api/v1/customer-pools/%lld",
             t_json_int(&r, "items.0.id"));
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, admin,
                 "{\"recycle_rules\":[{\"kind\":\"followup\",\"days\":30}]}", pool_path);
    t_resp_free(&r);
    r = t_expect(200, "POST", base, admin, "{}", "/api/v1/customers/recycle");
    H_CHECK(t_json_int(&r, "recycled") == 1, "one recycled: %s", r.raw);
    t_resp_free(&r);
    sql = crm_sprintf("SELECT count(*) FROM customers WHERE id = %lld AND owner_id = 0 AND"
                      " previous_owner_id = %lld",
                      c, emp.id);
    H_CHECK(h_sql_int(h, "customers", sql) == 1, "the unlocked one went to the pool");
    s_team_sizes_agree();
    free(sql);
    snprintf(path, sizeof path, "/api/v1/customers/%lld", a);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(t_json_int(&r, "owner_id") == emp.id, "the locked one stays: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/unlock", a);
    r = t_expect(200, "POST", base, emp.token, "{}", path);
    t_resp_free(&r);
    t_expect_error(409, "failed_precondition", "id", "POST", base, emp.token, "{}", path);
    /* Deal by hand: dealt with its time, then open again. */
    snprintf(path, sizeof path, "/api/v1/customers/%lld/deal", a);
    r = t_expect(200, "POST", base, emp.token, "{\"deal_status\":\"dealt\"}", path);
    H_CHECK(!strcmp(t_json_str(&r, "deal_status"), "dealt") && *t_json_str(&r, "dealt_at"),
            "dealt: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(409, "failed_precondition", "/deal_status", "POST", base, emp.token,
                   "{\"deal_status\":\"dealt\"}", path);
    t_expect_error(400, "invalid_argument", "/deal_status", "POST", base, emp.token, "{}", path);
    r = t_expect(200, "POST", base, emp.token, "{\"deal_status\":\"open\"}", path);
    H_CHECK(!strcmp(t_json_str(&r, "deal_status"), "open") && !*t_json_str(&r, "dealt_at"),
            "open again: %s", r.raw);
    t_resp_free(&r);
    sql = crm_sprintf("SELECT count(*) FROM crm_outbox WHERE aggregate_id = '%lld' AND type IN"
                      " ('customer.locked', 'customer.unlocked', 'customer.dealt')",
                      a);
    H_CHECK(h_sql_int(h, "customers", sql) == 4, "four events: locked, unlocked, dealt x2");
    free(sql);
    h_note("lock with its cap, recycling skips the locked, unlock, deal by hand: ok");
}

/* Exports (docs/api.md, "Exports"): a filtered list's export is the list,
 * as CSV and XLSX, for customers, contacts and enterprises; the outsider's
 * holds nothing of theirs. */
static void test_exports(void)
{
    const char *q = "view=mine&level=B&sort=updated_at";
    json_t *items = t_list_all(base, emp2.token, "/api/v1/customers", q);
    H_CHECK(json_array_size(items) >= 2, "the list has customers: %zu", json_array_size(items));
    t_export_matches(h, base, emp2.token, "/api/v1/customers", "customers", 1000, q, items,
                     "customers, level B");
    json_decref(items);
    items = t_list_all(base, other.token, "/api/v1/customers", "level=B");
    H_CHECK(json_array_size(items) == 0, "the outsider lists none");
    t_export_matches(h, base, other.token, "/api/v1/customers", "customers", 1000, "level=B", items,
                     "the outsider's");
    json_decref(items);
    items = t_list_all(base, emp.token, "/api/v1/contacts", "");
    H_CHECK(json_array_size(items) >= 2, "contacts: %zu", json_array_size(items));
    t_export_matches(h, base, emp.token, "/api/v1/contacts", "contacts", 1000, "", items,
                     "contacts");
    json_decref(items);
    items = t_list_all(base, other.token, "/api/v1/enterprises", "");
    t_export_matches(h, base, other.token, "/api/v1/enterprises", "enterprises", 1000, "", items,
                     "enterprises");
    json_decref(items);
    t_expect_error(400, "invalid_argument", "format", "GET", base, emp.token, NULL,
                   "/api/v1/customers/export?format=pdf");
    h_note("exports of customers, contacts, enterprises equal their lists: ok");
}

/* 查重 across both domains: a customer's check finds leads, a lead's
 * check finds customers and contacts; with the other domain down, the
 * check answers its own and says which is missing. */
static void test_duplicates(void)
{
    t_resp_t r = t_expect(201, "POST", base, emp.token,
                          "{\"name\":\"查重线索\",\"mobile\":\"13600136001\"}", "/api/v1/leads");
    long long lead = t_json_int(&r, "id");
    t_resp_free(&r);
    long long cust = s_customer(&emp, "查重客户",
                                "\"mobile\":\"13600136002\","
                                "\"contact\":{\"name\":\"查重联系人\","
                                "\"mobile\":\"13600136003\"}");
    r = t_expect(200, "GET", base, emp.token, NULL,
                 "/api/v1/customers/duplicates?mobile=13600136001");
    H_CHECK(!strcmp(t_json_str(&r, "matches.0.kind"), "lead") &&
                t_json_int(&r, "matches.0.id") == lead &&
                t_json_int(&r, "matches.0.owner_id") == emp.id,
            "a customer's check finds the lead: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp.token, NULL, "/api/v1/leads/duplicates?mobile=13600136002");
    H_CHECK(t_json_int(&r, "matches.0.customer_id") == cust &&
                t_json_int(&r, "matches.0.lead_id") == 0,
            "a lead's check finds the customer: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp.token, NULL, "/api/v1/leads/duplicates?mobile=13600136003");
    H_CHECK(t_json_int(&r, "matches.0.customer_id") == cust &&
                t_json_int(&r, "matches.0.contact_id") > 0,
            "and its contact: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp.token, NULL,
                 "/api/v1/customers/duplicates?name=%E6%9F%A5%E9%87%8D%E5%AE%A2%E6%88%B7");
    H_CHECK(!strcmp(t_json_str(&r, "matches.0.kind"), "customer") &&
                t_json_int(&r, "matches.0.id") == cust && t_json_int(&r, "matches.1.id") == 0,
            "by name: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "mobile", "GET", base, emp.token, NULL,
                   "/api/v1/customers/duplicates?mobile=123");
    /* The leads service down: customers answer theirs, and say so. */
    h_stop(h, "leads", 0);
    r = t_expect(200, "GET", base, emp.token, NULL,
                 "/api/v1/customers/duplicates?mobile=13600136002");
    H_CHECK(t_json_int(&r, "matches.0.id") == cust &&
                !strcmp(t_json_str(&r, "unavailable.0"), "leads"),
            "partial, and said: %s", r.raw);
    t_resp_free(&r);
    h_note("duplicates across leads and customers: ok");
}

int main(void)
{
    h = h_new("customers");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long sales = t_new_dept(base, admin, "销售部", 1),
              far = t_new_dept(base, admin, "市场部", 1);
    mgr.dept = emp.dept = emp2.dept = sales;
    other.dept = far;
    mgr.token = t_new_user(base, admin, mgr.name, "manager", mgr.dept, &mgr.id);
    emp.token = t_new_user(base, admin, emp.name, "employee", emp.dept, &emp.id);
    emp2.token = t_new_user(base, admin, emp2.name, "employee", emp2.dept, &emp2.id);
    other.token = t_new_user(base, admin, other.name, "employee", other.dept, &other.id);
    test_create();
    test_edit_transfer_team();
    test_followups();
    test_lists();
    test_delete();
    test_contacts();
    test_enterprises();
    test_options_and_retry();
    test_exports();
    test_lock_deal();
    test_duplicates();
    free(mgr.token);
    free(emp.token);
    free(emp2.token);
    free(other.token);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
