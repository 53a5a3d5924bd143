/* test_api_lists.c: the list rules of docs/api.md, "Lists": a repeated
 * query parameter and a comma list are one list (mixed too; a single value
 * given twice is 400); total=true counts the rows of the same scope and
 * filters on every page (leads, history, follow-ups, users); people's names
 * beside their ids (owner, creator, history's actor, a follow-up's user, a
 * pool's admins), following a rename. Asserts on statuses and plain
 * string and number fields only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;
static long long u3, u4, dept;
static char *tok3;

/* POSTs body to path as token (a create or an action: 200 or 201). */
static t_resp_t s_post(const char *token, const char *path, const char *body)
{
    t_resp_t r;
    t_httpf(&r, "POST", base, token, body, "%s", path);
    H_CHECK(r.status == 200 || r.status == 201, "POST %s: %d %s", path, r.status, r.raw);
    return r;
}

static long long s_lead(long long owner, const char *name)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld,\"department_id\":%lld}", name,
                             owner, dept);
    t_resp_t r = s_post(admin, "/api/v1/leads", body);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    return id;
}

/* How many items GET path lists (as the admin; 200 wanted). */
static size_t s_count(const char *path)
{
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    size_t n = json_array_size(json_object_get(r.body, "items"));
    t_resp_free(&r);
    return n;
}

static void test_repeated(void)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/leads?owner_ids=%lld&owner_ids=%lld&limit=200", u3, u4);
    H_CHECK(s_count(path) == 3, "repeated parameters: both owners");
    snprintf(path, sizeof path, "/api/v1/leads?owner_ids=%lld,%lld&limit=200", u3, u4);
    H_CHECK(s_count(path) == 3, "a comma list: both owners");
    snprintf(path, sizeof path, "/api/v1/leads?owner_ids=%lld&owner_ids=%lld,1&limit=200", u4, u3);
    H_CHECK(s_count(path) == 4, "mixed: the three owners");
    snprintf(path, sizeof path, "/api/v1/leads?owner_ids=%lld&limit=200", u4);
    H_CHECK(s_count(path) == 1, "one owner");
    t_resp_t r;
    t_httpf(&r, "GET", base, admin, NULL, "/api/v1/leads?limit=1&limit=2");
    H_CHECK(r.status == 400 && !strcmp(t_err_field(&r), "limit"),
            "a single value given twice is refused, naming it: %d %s", r.status, r.raw);
    t_resp_free(&r);
    h_note("repeated query parameters and comma lists: ok");
}

static void test_total(long long lead)
{
    char path[200];
    snprintf(path, sizeof path, "/api/v1/leads?owner_ids=%lld,%lld&limit=2&total=true", u3, u4);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 2 && t_json_int(&r, "total") == 3,
            "the total counts every page's filter: %s", r.raw);
    char *next = crm_strdup(t_json_str(&r, "next_cursor"));
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads?owner_ids=%lld,%lld&limit=2&total=true&cursor=%s",
             u3, u4, next);
    free(next);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 1 && t_json_int(&r, "total") == 3,
            "the second page has the same total: %s", r.raw);
    t_resp_free(&r);
    /* In the caller's scope: u3 sees their own two. */
    r = t_expect(200, "GET", base, tok3, NULL, "/api/v1/leads?total=true&limit=1");
    H_CHECK(t_json_int(&r, "total") == 2, "an employee's total is their scope's: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/leads?limit=1");
    H_CHECK(!json_object_get(r.body, "total"), "no total unless asked: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/history?total=true&limit=1", lead);
    r = t_expect(200, "GET", base, admin, NULL, path);
    long long entries = t_json_int(&r, "total");
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/history?limit=200", lead);
    H_CHECK(entries >= 2 && (size_t)entries == s_count(path), "history total: %lld", entries);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/follow-ups?total=true", lead);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 1, "follow-ups total: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/users?department_id=%lld&total=true&limit=1", dept);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 2, "users total in the department: %s", r.raw);
    t_resp_free(&r);
    /* Imports and notifications (u3 was told of the leads given to them). */
    t_resp_t imp = s_post(admin, "/api/v1/lead-imports", "{\"target\":{\"owner_id\":1}}");
    t_resp_free(&imp);
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/lead-imports?total=true&limit=1");
    H_CHECK(t_json_int(&r, "total") == 1, "imports total: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, tok3, NULL, "/api/v1/notifications?total=true&limit=200");
    H_CHECK(json_is_integer(json_object_get(r.body, "total")) &&
                (size_t)t_json_int(&r, "total") ==
                    json_array_size(json_object_get(r.body, "items")),
            "notifications total: %s", r.raw);
    t_resp_free(&r);
    h_note("total on request: leads, history, follow-ups, users, imports, notifications: ok");
}

/* A follow-up by token on lead; the method in the spelling the gateway
 * takes (the enums' spelling is moving: a word, else the proto name). */
static void s_follow_up(const char *token, long long lead)
{
    static const char *methods[] = {"\"phone\"", "\"FOLLOW_UP_METHOD_PHONE\"", "1"};
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/follow-ups", lead);
    for (size_t i = 0; i < 3; i++) {
        char *body = crm_sprintf("{\"content\":\"打过电话\",\"method\":%s}", methods[i]);
        t_resp_t r;
        t_httpf(&r, "POST", base, token, body, "%s", path);
        free(body);
        int ok = r.status == 200 || r.status == 201;
        t_resp_free(&r);
        if (ok)
            return;
    }
    H_CHECK(0, "no spelling of the method was taken");
}

static void test_names(long long lead)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", lead);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "owner_name"), "张三") &&
                !strcmp(t_json_str(&r, "creator_name"), H_ADMIN_USER),
            "a lead names its owner and creator: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads?owner_ids=%lld&limit=5", u3);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.owner_name"), "张三"), "a list names owners: %s",
            r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/follow-ups", lead);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.user_name"), "张三"),
            "a follow-up names who made it: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/history", lead);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.actor_name"), "张三"), "history names the actor: %s",
            r.raw);
    t_resp_free(&r);
    /* A pool's admins, in order; a rename shows at once (the names are
     * cached for 30 s, but a change made on this gateway drops them). */
    char *body = crm_sprintf("{\"name\":\"名池\",\"admin_ids\":[%lld,%lld]}", u4, u3);
    r = s_post(admin, "/api/v1/lead-pools", body);
    free(body);
    H_CHECK(!strcmp(t_json_str(&r, "admin_names.0"), "u4") &&
                !strcmp(t_json_str(&r, "admin_names.1"), "张三"),
            "a pool names its admins: %s", r.raw);
    long long pool = t_json_int(&r, "id");
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/users/%lld", u4);
    r = t_expect(200, "PATCH", base, admin, "{\"display_name\":\"李四\"}", path);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/lead-pools/%lld", pool);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "admin_names.0"), "李四"), "the new name shows: %s", r.raw);
    t_resp_free(&r);
    h_note("people's names beside their ids: ok");
}

int main(void)
{
    h = h_new("api_lists");
    h_suite(h, 1, 0, 0, 1);
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_resp_t r = s_post(admin, "/api/v1/departments", "{\"name\":\"名单部\",\"parent_id\":1}");
    dept = t_json_int(&r, "id");
    t_resp_free(&r);
    tok3 = t_new_user(base, admin, "u3", "employee", dept, &u3);
    free(t_new_user(base, admin, "u4", "employee", dept, &u4));
    char path[64];
    snprintf(path, sizeof path, "/api/v1/users/%lld", u3);
    r = t_expect(200, "PATCH", base, admin, "{\"display_name\":\"张三\"}", path);
    t_resp_free(&r);
    long long lead = s_lead(u3, "甲");
    s_lead(u3, "乙");
    s_lead(u4, "丙");
    s_lead(1, "丁");
    s_follow_up(tok3, lead);
    test_repeated();
    test_total(lead);
    test_names(lead);
    free(tok3);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
