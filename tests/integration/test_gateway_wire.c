/* test_gateway_wire.c: the wire format of the HTTP contract (docs/api.md,
 * issue #17), each rule on more than one resource:
 *   - creates answer 201 with the record and a Location that reads it
 *     (departments, users, API tokens, leads, lead pools, follow-ups);
 *   - a single-record action answers the record, its batch twin the list
 *     (pool, claim, delete of a lead);
 *   - enums are short lower-case words both ways (a lead's status, a
 *     follow-up's method, view=pool, group_by=owner); the proto names and
 *     numbers are refused, naming the field and the words it takes;
 *   - every instant is RFC 3339 with the business time zone's offset, with
 *     no "_us" twin (users, departments, tokens, pools, leads, follow-ups,
 *     history);
 *   - objects are JSON, not JSON in a string (a history entry's detail;
 *     a notification's event: test_gateway_notify);
 *   - errors are problem details naming the field at fault by a JSON
 *     pointer, a parameter or a header, every field at fault of a body, in
 *     words of routes and fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "harness.h"
#include "http.h"

static h_t *h;
static const char *base;
static char *admin;

/* An instant as the contract writes it: "2026-12-01T09:00:00.000000+08:00"
 * (CRM_TZ is Asia/Shanghai in the harness). */
static int s_instant(const char *s)
{
    return strlen(s) == 32 && s[10] == 'T' && s[19] == '.' && !strcmp(s + 26, "+08:00");
}

/* A create: 201, a Location of prefix + the record's id (at id_path), and
 * a GET of it answers the same record. Returns the id. */
static long long s_create(const char *path, const char *body, const char *prefix,
                          const char *id_path)
{
    t_resp_t r = t_expect(201, "POST", base, admin, body, path);
    long long id = t_json_int(&r, id_path);
    char want[128];
    snprintf(want, sizeof want, "%s/%lld", prefix, id);
    H_CHECK(id > 0 && !strcmp(r.location, want), "POST %s: Location '%s', want %s: %s", path,
            r.location, want, r.raw);
    H_CHECK(!strstr(r.raw, "_us\""), "POST %s: no _us twins: %s", path, r.raw);
    t_resp_free(&r);
    return id;
}

static long long s_dept, s_user, s_lead, s_pool;

static void test_creates(void)
{
    s_dept = s_create("/api/v1/departments", "{\"name\": \"华南\", \"parent_id\": 1}",
                      "/api/v1/departments", "id");
    s_user =
        s_create("/api/v1/users",
                 "{\"username\": \"wire\", \"password\": \"initial-pw\", \"role\": \"employee\","
                 " \"department_id\": 1}",
                 "/api/v1/users", "id");
    char *body = crm_sprintf("{\"name\": \"erp\", \"user_id\": %lld, \"scope\": \"read\"}", s_user);
    s_create("/api/v1/api-tokens", body, "/api/v1/api-tokens", "api_token.id");
    free(body);
    s_lead = s_create("/api/v1/leads", "{\"name\": \"线格式\", \"mobile\": \"13700000001\"}",
                      "/api/v1/leads", "id");
    s_pool = s_create("/api/v1/lead-pools",
                      "{\"name\": \"线格式池\", \"admin_ids\": [1], \"allow_claim\": true}",
                      "/api/v1/lead-pools", "id");
    /* The Location reads what was made. */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", s_lead);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "name"), "线格式"), "%s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/users/%lld", s_user);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "username"), "wire"), "%s", r.raw);
    t_resp_free(&r);
    /* A follow-up: 201, its Location the lead's follow-ups. */
    snprintf(path, sizeof path, "/api/v1/leads/%lld/follow-ups", s_lead);
    r = t_expect(201, "POST", base, admin, "{\"content\": \"加了微信\", \"method\": \"wechat\"}",
                 path);
    H_CHECK(!strcmp(r.location, path) && !strcmp(t_json_str(&r, "follow_up.method"), "wechat") &&
                !strcmp(t_json_str(&r, "lead.status"), "following"),
            "a follow-up made: %s %s", r.location, r.raw);
    t_resp_free(&r);
    h_note("creates: 201 and a Location that reads the record: ok");
}

static void test_single_record(void)
{
    char path[96], body[96];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/pool", s_lead);
    snprintf(body, sizeof body, "{\"pool_id\": %lld}", s_pool);
    t_resp_t r = t_expect(200, "POST", base, admin, body, path);
    H_CHECK(t_json_int(&r, "id") == s_lead && !json_object_get(r.body, "leads") &&
                !strcmp(t_json_str(&r, "status"), "unassigned"),
            "pool one: the lead itself: %s", r.raw);
    t_resp_free(&r);
    snprintf(body, sizeof body, "{\"ids\": [%lld]}", s_lead);
    r = t_expect(200, "POST", base, admin, body, "/api/v1/leads/claim");
    H_CHECK(t_json_int(&r, "leads.0.id") == s_lead &&
                !strcmp(t_json_str(&r, "leads.0.status"), "pending"),
            "the batch twin answers the list: %s", r.raw);
    t_resp_free(&r);
    long long other = s_create("/api/v1/leads", "{\"name\": \"删掉的\"}", "/api/v1/leads", "id");
    snprintf(path, sizeof path, "/api/v1/leads/%lld", other);
    r = t_expect(200, "DELETE", base, admin, NULL, path);
    H_CHECK(t_json_int(&r, "id") == other && !json_object_get(r.body, "leads"),
            "delete one: the lead itself: %s", r.raw);
    t_resp_free(&r);
    h_note("single-record actions answer the record: ok");
}

static void test_enums(void)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/follow-ups", s_lead);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.method"), "wechat"), "listed as a word: %s", r.raw);
    t_resp_free(&r);
    static const char *const bad[] = {"\"FOLLOW_UP_METHOD_WECHAT\"", "3", "\"unspecified\"",
                                      "\"WeChat\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"content\": \"x\", \"method\": %s}", bad[i]);
        t_expect_error(400, "invalid_argument", "/method", "POST", base, admin, body, path);
        r = t_expect(400, "POST", base, admin, body, path);
        H_CHECK(strstr(t_json_str(&r, "detail"), "phone, visit, wechat, email, sms, other"),
                "the words it takes: %s", r.raw);
        t_resp_free(&r);
    }
    snprintf(path, sizeof path, "/api/v1/leads?view=pool&pool_id=%lld", s_pool);
    r = t_expect(200, "GET", base, admin, NULL, path);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "view", "GET", base, admin, NULL,
                   "/api/v1/leads?view=LEAD_VIEW_POOL");
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/leads/stats?group_by=owner");
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "group_by", "GET", base, admin, NULL,
                   "/api/v1/leads/stats?group_by=1");
    h_note("enums: short words in and out, old names refused: ok");
}

/* Every instant of a reply at the paths given is the contract's, and the
 * reply has no "_us" key. */
static void s_instants(const char *path, const char *const *keys)
{
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    for (; *keys; keys++)
        H_CHECK(s_instant(t_json_str(&r, *keys)), "GET %s: %s is RFC 3339 +08:00: %s", path, *keys,
                r.raw);
    H_CHECK(!strstr(r.raw, "_us\""), "GET %s: no _us twins: %s", path, r.raw);
    t_resp_free(&r);
}

static void test_times(void)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/users/%lld", s_user);
    s_instants(path, (const char *const[]){"created_at", NULL});
    snprintf(path, sizeof path, "/api/v1/departments/%lld", s_dept);
    s_instants(path, (const char *const[]){"created_at", NULL});
    s_instants("/api/v1/api-tokens", (const char *const[]){"items.0.created_at", NULL});
    snprintf(path, sizeof path, "/api/v1/lead-pools/%lld", s_pool);
    s_instants(path, (const char *const[]){"created_at", "updated_at", NULL});
    snprintf(path, sizeof path, "/api/v1/leads/%lld", s_lead);
    s_instants(path, (const char *const[]){"created_at", "updated_at", "owner_since", NULL});
    snprintf(path, sizeof path, "/api/v1/leads/%lld/follow-ups", s_lead);
    s_instants(path, (const char *const[]){"items.0.at", "items.0.created_at", NULL});
    snprintf(path, sizeof path, "/api/v1/leads/%lld/history", s_lead);
    s_instants(path, (const char *const[]){"items.0.at", NULL});
    h_note("times: RFC 3339 with the business offset on every resource: ok");
}

static void test_objects(void)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", s_lead);
    t_resp_t r = t_expect(200, "PATCH", base, admin, "{\"remark\": \"改备注\"}", path);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/history", s_lead);
    r = t_expect(200, "GET", base, admin, NULL, path);
    json_t *items = json_object_get(r.body, "items"), *e;
    size_t i;
    int seen = 0;
    json_array_foreach(items, i, e)
    {
        json_t *detail = json_object_get(e, "detail");
        H_CHECK(!json_is_string(detail), "a detail is JSON, not a string: %s", r.raw);
        json_t *changes = json_object_get(detail, "changes");
        seen += detail && !strcmp(json_string_value(json_object_get(e, "action")), "updated") &&
                json_array_size(changes) == 1 &&
                !strcmp(json_string_value(json_object_get(json_array_get(changes, 0), "field")),
                        "remark");
    }
    H_CHECK(seen == 1, "the update's detail, the changed fields as JSON: %s", r.raw);
    t_resp_free(&r);
    h_note("objects: a history entry's detail is JSON, not a string: ok");
}

/* A 400 whose errors name exactly the pointers given, in order. */
static void s_faults(const char *method, const char *path, const char *body,
                     const char *const *pointers)
{
    t_resp_t r = t_expect(400, method, base, admin, body, path);
    json_t *errors = json_object_get(r.body, "errors");
    size_t n = 0;
    for (; pointers[n]; n++) {
        json_t *e = json_array_get(errors, n);
        H_CHECK(!strcmp(json_string_value(json_object_get(e, "pointer")) ?: "", pointers[n]) &&
                    json_string_value(json_object_get(e, "detail")),
                "%s %s: errors[%zu] is %s: %s", method, path, n, pointers[n], r.raw);
    }
    H_CHECK(json_array_size(errors) == n && strstr(t_json_str(&r, "detail"), "fields are at fault"),
            "%s %s: %zu faults: %s", method, path, n, r.raw);
    t_resp_free(&r);
}

static void test_problems(void)
{
    /* A body field (nested in an array), a query parameter, a path
     * parameter, a header: each named where it was given. */
    t_expect_error(400, "invalid_argument", "/admin_ids/0", "POST", base, admin,
                   "{\"name\": \"池二\", \"admin_ids\": [\"x\"]}", "/api/v1/lead-pools");
    t_expect_error(400, "invalid_argument", "limit", "GET", base, admin, NULL,
                   "/api/v1/notifications?limit=abc");
    t_expect_error(400, "invalid_argument", "id", "GET", base, admin, NULL,
                   "/api/v1/departments/x");
    t_http_header("Idempotency-Key: not visible ascii");
    t_expect_error(400, "invalid_argument", "Idempotency-Key", "POST", base, admin, "{}",
                   "/api/v1/departments");
    /* Several fields at fault: each named, on two resources. */
    s_faults("POST", "/api/v1/leads", "{\"name\": 5, \"colour\": \"red\", \"mobile\": []}",
             (const char *const[]){"/name", "/colour", "/mobile", NULL});
    s_faults("POST", "/api/v1/users",
             "{\"username\": 1, \"department_id\": \"x\", \"password\": \"initial-pw\"}",
             (const char *const[]){"/username", "/department_id", NULL});
    /* Well-typed values a service refuses: every field of the form, too. */
    s_faults("POST", "/api/v1/leads",
             "{\"name\": \"\", \"mobile\": \"12\", \"email\": \"x\", \"qq\": \"q1\"}",
             (const char *const[]){"/name", "/mobile", "/email", "/qq", NULL});
    /* References the database checks, every field at fault too: by a
     * create's read and a transfer's (a change), and by a pool write's
     * guard (its first bad reference per field; the unique name and the
     * rules' ranges stay first-only, PostgreSQL stops at one). */
    s_faults("POST", "/api/v1/leads",
             "{\"name\": \"无主\", \"owner_id\": 999999, \"department_id\": 888888}",
             (const char *const[]){"/owner_id", "/department_id", NULL});
    t_resp_t r = t_expect(201, "POST", base, admin, "{\"name\": \"待转\"}", "/api/v1/leads");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/transfer", t_json_int(&r, "id"));
    t_resp_free(&r);
    s_faults("POST", path, "{\"to_owner_id\": 999999, \"to_department_id\": 888888}",
             (const char *const[]){"/to_owner_id", "/to_department_id", NULL});
    s_faults("POST", "/api/v1/lead-pools",
             "{\"name\": \"无人池\", \"admin_ids\": [999999], \"member_user_ids\": [1],"
             " \"member_department_ids\": [888888, 777777]}",
             (const char *const[]){"/admin_ids", "/member_department_ids", NULL});
    /* In words of routes and fields: no proto type names. */
    r = t_expect(400, "PUT", base, admin, "{\"colour\": 1}", "/api/v1/lead-options");
    H_CHECK(!strcmp(t_json_str(&r, "type"), "/api/v1/problems/invalid_argument") &&
                !strcmp(t_json_str(&r, "title"), "Invalid argument") &&
                !strcmp(t_json_str(&r, "errors.0.pointer"), "/colour") &&
                !strcmp(t_json_str(&r, "detail"), "unknown field \"colour\"") &&
                !strstr(r.raw, "crm.") && !strstr(r.raw, "Leads."),
            "a problem in the contract's words: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(404, "GET", base, admin, NULL, "/api/v1/nothing");
    H_CHECK(!strcmp(r.content_type, "application/problem+json") &&
                t_json_int(&r, "status") == 404 && !json_object_get(r.body, "errors"),
            "a route's problem: %s", r.raw);
    t_resp_free(&r);
    h_note("errors: problem details with the field's pointer, parameter or header: ok");
}

int main(void)
{
    h = h_new("gateway_wire");
    h_suite(h, 1, 0, 0, 0);
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    test_creates();
    test_single_record();
    test_enums();
    test_times();
    test_objects();
    test_problems();
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    printf("gateway_wire: ok\n");
    return 0;
}
