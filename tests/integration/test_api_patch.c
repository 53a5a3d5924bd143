/* test_api_patch.c: PATCH is JSON merge patch (RFC 7396) on every resource
 * (docs/api.md, "Changes: PATCH"): on a lead, a lead pool, a user and a
 * department, a present key changes its field, null clears it, an absent
 * key stays; a field that cannot be cleared refuses null naming it;
 * unknown keys and wrong types are 400 naming the key; one bad key writes
 * nothing. A pool's rename keeps its people and rules (it used to wipe
 * them). Asserts on statuses, the field at fault and plain fields only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;

/* POSTs body to path as the admin (a create: 200 or 201); returns the id. */
static long long s_create(const char *path, const char *body)
{
    t_resp_t r;
    t_httpf(&r, "POST", base, admin, body, "%s", path);
    H_CHECK(r.status == 200 || r.status == 201, "create %s: %d %s", path, r.status, r.raw);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    return id;
}

/* PATCHes path with body (as merge-patch+json when merge); 200 wanted. */
static t_resp_t s_patch(const char *path, const char *body, int merge)
{
    if (merge)
        t_http_header("Content-Type: application/merge-patch+json");
    return t_expect(200, "PATCH", base, admin, body, path);
}

/* A PATCH refused with 400 naming field of the body (NULL: no field). */
static void s_refused(const char *path, const char *body, const char *field)
{
    t_resp_t r;
    t_httpf(&r, "PATCH", base, admin, body, "%s", path);
    H_CHECK(r.status == 400, "PATCH %s %s: want 400, got %d %s", path, body, r.status, r.raw);
    if (field) /* a body key: named by its JSON pointer */
        H_CHECK(t_err_field(&r)[0] == '/' && strcmp(t_err_field(&r) + 1, field) == 0,
                "PATCH %s %s: want field /%s: %s", path, body, field, r.raw);
    t_resp_free(&r);
}

/* GETs path as the admin (200 wanted). */
static t_resp_t s_get(const char *path)
{
    return t_expect(200, "GET", base, admin, NULL, path);
}

static void test_lead(void)
{
    long long id = s_create("/api/v1/leads", "{\"name\":\"合并补丁\",\"email\":\"a@b.cn\","
                                             "\"remark\":\"old\",\"company\":\"甲\","
                                             "\"tags\":[\"x\",\"y\"]}");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", id);
    /* Present changes, absent stays. */
    t_resp_t r = s_patch(path, "{\"remark\":\"new\"}", 1);
    H_CHECK(!strcmp(t_json_str(&r, "remark"), "new") &&
                !strcmp(t_json_str(&r, "email"), "a@b.cn") &&
                !strcmp(t_json_str(&r, "company"), "甲") && !strcmp(t_json_str(&r, "tags.1"), "y"),
            "remark changed, the rest kept: %s", r.raw);
    t_resp_free(&r);
    /* null clears (plain application/json is a merge patch too). */
    r = s_patch(path, "{\"email\":null,\"tags\":null}", 0);
    H_CHECK(!strcmp(t_json_str(&r, "email"), "") && !strcmp(t_json_str(&r, "tags.0"), "") &&
                !strcmp(t_json_str(&r, "remark"), "new"),
            "email and tags cleared: %s", r.raw);
    t_resp_free(&r);
    /* The name cannot be cleared; unknown keys, wrong types, the path's
     * id, a hand-made mask and an empty patch are refused. */
    s_refused(path, "{\"name\":null}", "name");
    s_refused(path, "{\"remark\":\"half\",\"owner_id\":5}", "owner_id");
    s_refused(path, "{\"remark\":\"half\",\"company\":7}", "company");
    s_refused(path, "{\"remark\":\"half\",\"mobile\":\"12\"}", "mobile");
    s_refused(path, "{\"id\":1}", "id");
    s_refused(path, "{\"update_mask\":[\"remark\"],\"remark\":\"half\"}", "update_mask");
    s_refused(path, "{}", NULL);
    /* None of the refused patches wrote anything. */
    r = s_get(path);
    H_CHECK(!strcmp(t_json_str(&r, "remark"), "new") && !strcmp(t_json_str(&r, "company"), "甲") &&
                !strcmp(t_json_str(&r, "name"), "合并补丁"),
            "no partial write: %s", r.raw);
    t_resp_free(&r);
    h_note("lead: present changes, null clears, absent stays, bad keys refused: ok");
}

static void test_pool(void)
{
    long long id = s_create("/api/v1/lead-pools",
                            "{\"name\":\"补丁池\",\"description\":\"d\",\"admin_ids\":[1],"
                            "\"member_user_ids\":[1],\"member_department_ids\":[1],"
                            "\"allow_claim\":true,\"daily_claim_limit\":5,\"recycle_days\":30}");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/lead-pools/%lld", id);
    t_resp_t r = s_patch(path, "{\"name\":\"改名池\"}", 1);
    t_resp_free(&r);
    r = s_get(path);
    H_CHECK(!strcmp(t_json_str(&r, "name"), "改名池") && t_json_int(&r, "admin_ids.0") == 1 &&
                t_json_int(&r, "member_user_ids.0") == 1 &&
                t_json_int(&r, "member_department_ids.0") == 1 &&
                t_json_int(&r, "recycle_days") == 30 && t_json_int(&r, "daily_claim_limit") == 5 &&
                json_is_true(json_object_get(r.body, "allow_claim")) &&
                !strcmp(t_json_str(&r, "description"), "d"),
            "a rename keeps the pool's people and rules: %s", r.raw);
    t_resp_free(&r);
    r = s_patch(path, "{\"description\":null,\"member_user_ids\":null,\"recycle_days\":7}", 1);
    H_CHECK(!strcmp(t_json_str(&r, "description"), "") &&
                t_json_int(&r, "member_user_ids.0") == 0 && t_json_int(&r, "recycle_days") == 7 &&
                t_json_int(&r, "admin_ids.0") == 1,
            "null clears, present changes, absent stays: %s", r.raw);
    t_resp_free(&r);
    s_refused(path, "{\"name\":null}", "name");
    s_refused(path, "{\"name\":\"半改\",\"recycle_days\":4000}", "recycle_days");
    s_refused(path, "{\"name\":\"半改\",\"warn_days\":\"x\"}", "warn_days");
    s_refused(path, "{\"name\":\"半改\",\"lead_count\":1}", "lead_count");
    r = s_get(path);
    H_CHECK(!strcmp(t_json_str(&r, "name"), "改名池") && t_json_int(&r, "recycle_days") == 7,
            "no partial write: %s", r.raw);
    t_resp_free(&r);
    h_note("lead pool: a rename keeps members, admins and rules; null clears: ok");
}

static void test_org(void)
{
    long long a = s_create("/api/v1/departments", "{\"name\":\"补丁部\",\"parent_id\":1}");
    long long uid = 0;
    char *tok = t_new_user(base, admin, "patchee", "employee", a, &uid);
    free(tok);
    char upath[64], dpath[64];
    snprintf(upath, sizeof upath, "/api/v1/users/%lld", uid);
    snprintf(dpath, sizeof dpath, "/api/v1/departments/%lld", a);
    t_resp_t r = s_patch(upath, "{\"display_name\":\"小补\"}", 1);
    t_resp_free(&r);
    r = s_patch(upath, "{\"role\":\"manager\"}", 1);
    H_CHECK(!strcmp(t_json_str(&r, "role"), "manager") &&
                !strcmp(t_json_str(&r, "display_name"), "小补") &&
                t_json_int(&r, "department_id") == a,
            "user: role changed, the rest kept: %s", r.raw);
    t_resp_free(&r);
    r = s_patch(upath, "{\"display_name\":null}", 1);
    H_CHECK(!strcmp(t_json_str(&r, "display_name"), "") &&
                !strcmp(t_json_str(&r, "role"), "manager"),
            "user: display_name cleared: %s", r.raw);
    t_resp_free(&r);
    s_refused(upath, "{\"role\":null}", "role");
    s_refused(upath, "{\"display_name\":\"半\",\"department_id\":null}", "department_id");
    s_refused(upath, "{\"display_name\":\"半\",\"username\":\"x\"}", "username");
    r = s_get(upath);
    H_CHECK(!strcmp(t_json_str(&r, "display_name"), ""), "user: no partial write: %s", r.raw);
    t_resp_free(&r);

    r = s_patch(dpath, "{\"name\":\"补丁部2\"}", 1);
    H_CHECK(t_json_int(&r, "parent_id") == 1, "department: a rename keeps the parent: %s", r.raw);
    t_resp_free(&r);
    r = s_patch(dpath, "{\"parent_id\":null}", 1);
    H_CHECK(t_json_int(&r, "parent_id") == 0 && !strcmp(t_json_str(&r, "name"), "补丁部2"),
            "department: null parent makes a root: %s", r.raw);
    t_resp_free(&r);
    s_refused(dpath, "{\"name\":null}", "name");
    s_refused(dpath, "{\"name\":\"半\",\"parent_id\":\"x\"}", "parent_id");
    r = s_get(dpath);
    H_CHECK(!strcmp(t_json_str(&r, "name"), "补丁部2"), "department: no partial write: %s", r.raw);
    t_resp_free(&r);
    h_note("users and departments: null clears what may be cleared, refuses the rest: ok");
}

int main(void)
{
    h = h_new("api_patch");
    h_suite(h, 1, 0, 0, 1);
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    test_lead();
    test_pool();
    test_org();
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
