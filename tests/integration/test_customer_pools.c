/* test_customer_pools.c: customer pools (公海) through the HTTP API: a
 * pool's people and rules, giving up into it (its members see the customer
 * masked, the fields it hides blanked; others do not see it), the pool
 * view and its keyword (a number of a masked customer is not searched),
 * claims under the rules (cool-off for the previous owner, the daily limit,
 * the batch), two claims of one customer at once (exactly one wins), a
 * pool admin's assign and move, a member told to claim, and the refusals
 * about the pools themselves (a pool holding customers is neither disabled
 * nor deleted, the default stays, nothing moves into a disabled pool). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
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

static s_user_t mgr = {"pmgr", 0, 0, NULL}, emp = {"pemp", 0, 0, NULL},
                emp2 = {"pemp2", 0, 0, NULL}, other = {"pother", 0, 0, NULL};

static long long s_post_id(const char *token, const char *path, const char *body, int want)
{
    t_resp_t r = t_expect(want, "POST", base, token, body, path);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    return id;
}

static long long s_customer(const s_user_t *owner, const char *name, const char *mobile)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"mobile\":\"%s\",\"remark\":\"内部备注\","
                             "\"allow_duplicate\":true}",
                             name, mobile);
    long long id = s_post_id(owner->token, "/api/v1/customers", body, 201);
    free(body);
    return id;
}

static void s_give_up(const s_user_t *who, long long id, long long pool)
{
    char path[96], *body = crm_sprintf("{\"pool_id\":%lld,\"reason\":\"暂无需求\"}", pool);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/pool", id);
    t_resp_t r = t_expect(200, "POST", base, who->token, body, path);
    H_CHECK(t_json_int(&r, "owner_id") == 0 && t_json_int(&r, "pool_id") == pool &&
                t_json_int(&r, "previous_owner_id") == who->id && *t_json_str(&r, "pooled_at"),
            "given up: %s", r.raw);
    t_resp_free(&r);
    free(body);
}

static int s_claim_status(const s_user_t *who, long long id)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/claim", id);
    t_resp_t r;
    t_httpf(&r, "POST", base, who->token, "{}", "%s", path);
    int st = r.status;
    t_resp_free(&r);
    return st;
}

int main(void)
{
    h = h_new("customer_pools");
    /* The organisation for real, through the gateway's events: a member
     * department takes in its sub-departments by the tree they carry. */
    h_org_fixture(h, 0);
    h_suite(h, 1, 1, 0, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long sales = t_new_dept(base, admin, "销售部", 1),
              east = t_new_dept(base, admin, "华东", sales),
              far = t_new_dept(base, admin, "市场部", 1);
    mgr.dept = sales;
    emp.dept = emp2.dept = east; /* members through the parent department */
    other.dept = far;
    s_user_t *users[] = {&mgr, &emp, &emp2, &other};
    for (size_t i = 0; i < 4; i++)
        users[i]->token = t_new_user(base, admin, users[i]->name, i ? "employee" : "manager",
                                     users[i]->dept, &users[i]->id);

    /* The customers service knows the departments' tree from the gateway's
     * events, a moment later. */
    char *tree = crm_sprintf("SELECT count(*) FROM crm_org_departments WHERE id = %lld AND"
                             " parent_id = %lld",
                             east, sales);
    H_CHECK(h_wait_sql(h, "customers", tree, 1, 15000) == 1, "the tree reached customers");
    free(tree);

    /* The pool: its admin, its member department (with its subtree), rules. */
    char *body = crm_sprintf("{\"name\":\"华东公海\",\"admin_ids\":[%lld],"
                             "\"member_department_ids\":[%lld],\"allow_claim\":true,"
                             "\"daily_claim_limit\":2,\"cooloff_days\":1,\"claim_batch_max\":1,"
                             "\"hidden_fields\":[\"remark\"]}",
                             mgr.id, sales);
    t_resp_t r = t_expect(201, "POST", base, admin, body, "/api/v1/customer-pools");
    long long pool = t_json_int(&r, "id");
    H_CHECK(strstr(r.raw, "\"enabled\":true"), "a new pool is enabled: %s", r.raw);
    t_resp_free(&r);
    free(body);
    t_expect_error(403, "permission_denied", NULL, "POST", base, emp.token, "{\"name\":\"x\"}",
                   "/api/v1/customer-pools");
    t_expect_error(400, "invalid_argument", "/member_user_ids", "POST", base, admin,
                   "{\"name\":\"y\",\"member_user_ids\":[987654]}", "/api/v1/customer-pools");
    t_expect_error(400, "invalid_argument", "/hidden_fields", "POST", base, admin,
                   "{\"name\":\"z\",\"hidden_fields\":[\"mobile2\"]}", "/api/v1/customer-pools");
    t_expect_error(409, "already_exists", "/name", "POST", base, admin, "{\"name\":\"华东公海\"}",
                   "/api/v1/customer-pools");
    char ppath[64];
    snprintf(ppath, sizeof ppath, "/api/v1/customer-pools/%lld", pool);
    r = t_expect(200, "GET", base, emp.token, NULL, ppath);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, other.token, NULL, ppath);
    /* A rename keeps its people and rules. */
    r = t_expect(200, "PATCH", base, admin, "{\"description\":\"华东区\"}", ppath);
    H_CHECK(t_json_int(&r, "admin_ids.0") == mgr.id && t_json_int(&r, "daily_claim_limit") == 2,
            "people and rules kept: %s", r.raw);
    t_resp_free(&r);
    h_note("pools: people, rules, refusals: ok");

    /* Given up: members see it masked, its hidden field blanked. */
    long long c1 = s_customer(&emp, "公海甲", "13500135001"),
              c2 = s_customer(&emp, "公海乙", "13500135002"),
              c3 = s_customer(&emp, "公海丙", "13500135003");
    s_give_up(&emp, c1, pool);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", c1);
    r = t_expect(200, "GET", base, emp2.token, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "mobile"), "135****5001") && !*t_json_str(&r, "remark") &&
                strstr(r.raw, "\"masked\":true"),
            "masked for a member: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, mgr.token, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "mobile"), "13500135001") &&
                !strcmp(t_json_str(&r, "remark"), "内部备注"),
            "whole for its admin: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", NULL, "GET", base, other.token, NULL, path);
    /* The previous owner keeps its history, not the customer. */
    char hpath[128];
    snprintf(hpath, sizeof hpath, "/api/v1/customers/%lld/history", c1);
    r = t_expect(200, "GET", base, emp.token, NULL, hpath);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "pooled") &&
                !strcmp(t_json_str(&r, "items.0.reason"), "暂无需求"),
            "the previous owner reads its history: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, other.token, NULL, hpath);
    t_expect_error(409, "failed_precondition", "id", "PATCH", base, emp2.token,
                   "{\"remark\":\"x\"}", path);

    /* The pool view: members list it masked; a number is not searched. */
    char vpath[160];
    snprintf(vpath, sizeof vpath, "/api/v1/customers?view=pool&pool_id=%lld&total=true", pool);
    r = t_expect(200, "GET", base, emp2.token, NULL, vpath);
    H_CHECK(t_json_int(&r, "total") == 1 && t_json_int(&r, "items.0.id") == c1 &&
                !strcmp(t_json_str(&r, "items.0.mobile"), "135****5001"),
            "the pool view: %s", r.raw);
    t_resp_free(&r);
    snprintf(vpath, sizeof vpath, "/api/v1/customers?view=pool&pool_id=%lld&keyword=1350013500",
             pool);
    r = t_expect(200, "GET", base, emp2.token, NULL, vpath);
    H_CHECK(t_json_int(&r, "items.0.id") == 0, "a masked number is not searched: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, mgr.token, NULL, vpath);
    H_CHECK(t_json_int(&r, "items.0.id") == 0 || t_json_int(&r, "items.0.id") == c1,
            "the admin's search: %s", r.raw);
    t_resp_free(&r);
    snprintf(vpath, sizeof vpath, "/api/v1/customers?view=pool&pool_id=%lld", pool);
    t_expect_error(404, "not_found", "pool_id", "GET", base, other.token, NULL, vpath);
    r = t_expect(200, "GET", base, emp2.token, NULL, "/api/v1/customers?view=all&total=true");
    json_t *items = json_object_get(r.body, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        H_CHECK(json_integer_value(json_object_get(json_array_get(items, i), "id")) != c1,
                "a pooled customer is only in the pool view");
    t_resp_free(&r);
    h_note("give up, masking, hidden fields, the pool view and its search: ok");

    /* Claims: the previous owner waits the cool-off; a member claims. */
    H_CHECK(s_claim_status(&emp, c1) == 409, "the previous owner's cool-off");
    snprintf(path, sizeof path, "/api/v1/customers/%lld/claim", c1);
    r = t_expect(200, "POST", base, emp2.token, "{}", path);
    H_CHECK(t_json_int(&r, "owner_id") == emp2.id && t_json_int(&r, "claim_count") == 1 &&
                !strcmp(t_json_str(&r, "mobile"), "13500135001"),
            "claimed, whole again: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(s_claim_status(&other, c1) == 409, "no longer in the pool");
    /* The batch: at most one a claim. */
    s_give_up(&emp, c2, pool);
    s_give_up(&emp, c3, pool);
    char *two = crm_sprintf("{\"ids\":[%lld,%lld]}", c2, c3);
    t_resp_t x;
    t_httpf(&x, "POST", base, emp2.token, two, "/api/v1/customers/claim");
    H_CHECK(x.status == 409 && strstr(x.raw, "at most 1"), "the batch: %d %s", x.status, x.raw);
    t_resp_free(&x);
    free(two);
    /* Two claims of one customer at once: exactly one wins. */
    {
        char req1[256], req2[256];
        snprintf(req1, sizeof req1,
                 "POST /api/v1/customers/%lld/claim HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer"
                 " %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                 c2, emp2.token);
        snprintf(req2, sizeof req2,
                 "POST /api/v1/customers/%lld/claim HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer"
                 " %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                 c2, mgr.token);
        int a = t_raw_connect(base), b = t_raw_connect(base);
        t_raw_write(a, req1);
        t_raw_write(b, req2);
        int sa = t_raw_status(a, 10000), sb = t_raw_status(b, 10000);
        H_CHECK((sa == 200 && sb == 409) || (sa == 409 && sb == 200),
                "one claim wins, the other is told: %d %d", sa, sb);
        close(a);
        close(b);
    }
    /* emp2 has claimed two today (if it won the race): the daily limit. */
    snprintf(path, sizeof path, "/api/v1/customers/%lld", c2);
    r = t_expect(200, "GET", base, mgr.token, NULL, path);
    int emp2_won = t_json_int(&r, "owner_id") == emp2.id;
    t_resp_free(&r);
    if (emp2_won) {
        H_CHECK(s_claim_status(&emp2, c3) == 409, "the daily limit");
        h_note("claims: cool-off, batch, race, daily limit: ok");
    } else {
        h_note("claims: cool-off, batch, race: ok (the manager won the race)");
    }

    /* A member may not assign; the pool's admin assigns and moves. */
    snprintf(path, sizeof path, "/api/v1/customers/%lld/assign", c3);
    body = crm_sprintf("{\"to_owner_id\":%lld}", emp.id);
    t_expect_error(409, "failed_precondition", "id", "POST", base, emp2.token, body, path);
    r = t_expect(201, "POST", base, admin, "{\"name\":\"备用公海\"}", "/api/v1/customer-pools");
    long long pool2 = t_json_int(&r, "id");
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/move", c3);
    char *move = crm_sprintf("{\"pool_id\":%lld}", pool2);
    r = t_expect(200, "POST", base, mgr.token, move, path);
    H_CHECK(t_json_int(&r, "pool_id") == pool2, "moved: %s", r.raw);
    t_resp_free(&r);
    free(move);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/assign", c3);
    r = t_expect(200, "POST", base, admin, body, path);
    H_CHECK(t_json_int(&r, "owner_id") == emp.id && t_json_int(&r, "department_id") == emp.dept,
            "assigned, the department follows: %s", r.raw);
    t_resp_free(&r);
    free(body);
    h_note("assign and move by a pool's admin: ok");

    /* The pools themselves: one holding customers is neither disabled nor
     * deleted; the default stays; nothing moves into a disabled pool. */
    s_give_up(&emp, c3, pool);
    t_expect_error(409, "failed_precondition", "/enabled", "PATCH", base, admin,
                   "{\"enabled\":false}", ppath);
    t_expect_error(409, "failed_precondition", "id", "DELETE", base, admin, NULL, ppath);
    char p2path[64];
    snprintf(p2path, sizeof p2path, "/api/v1/customer-pools/%lld", pool2);
    r = t_expect(200, "PATCH", base, admin, "{\"enabled\":false}", p2path);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/move", c3);
    move = crm_sprintf("{\"pool_id\":%lld}", pool2);
    t_expect_error(409, "failed_precondition", "/pool_id", "POST", base, admin, move, path);
    free(move);
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/customer-pools");
    long long def = 0;
    json_t *pools = json_object_get(r.body, "items");
    for (size_t i = 0; i < json_array_size(pools); i++)
        if (json_is_true(json_object_get(json_array_get(pools, i), "is_default")))
            def = json_integer_value(json_object_get(json_array_get(pools, i), "id"));
    t_resp_free(&r);
    H_CHECK(def > 0, "a default pool");
    char dpath[64];
    snprintf(dpath, sizeof dpath, "/api/v1/customer-pools/%lld", def);
    t_expect_error(409, "failed_precondition", "id", "DELETE", base, admin, NULL, dpath);
    t_expect_error(400, "invalid_argument", "/is_default", "PATCH", base, admin,
                   "{\"is_default\":false}", dpath);
    r = t_expect(200, "PATCH", base, admin, "{\"is_default\":true}", ppath);
    H_CHECK(strstr(r.raw, "\"is_default\":true"), "a new default: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "DELETE", base, admin, NULL, dpath);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, admin, NULL, dpath);
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type IN ('customer.pooled',"
                      " 'customer.claimed', 'customer.assigned', 'customer.moved')") >= 7,
            "the pool events");
    h_note("pools' own refusals, the default, delete: ok");

    /* What the mask hides: a member cannot confirm a pooled customer's
     * number by the duplicate check, a create or an import: the real
     * number and another of its masked form get the same answers. */
    const char *real = "13500135003", *other_form = "13599995003";
    t_resp_t ra, rb;
    t_httpf(&ra, "GET", base, emp2.token, NULL,
            "/api/v1/customers/duplicates?mobile=%s&local_only=true", real);
    t_httpf(&rb, "GET", base, emp2.token, NULL,
            "/api/v1/customers/duplicates?mobile=%s&local_only=true", other_form);
    H_CHECK(
        ra.status == 200 && rb.status == 200 &&
            json_equal(json_object_get(ra.body, "matches"), json_object_get(rb.body, "matches")),
        "the same answer for the real number and another of its form: %s / %s", ra.raw, rb.raw);
    H_CHECK(t_json_int(&ra, "matches.0.id") == 0 &&
                !strcmp(t_json_str(&ra, "matches.0.masked_number"), "135****5003") &&
                t_json_int(&ra, "matches.0.pool_id") == pool,
            "the form and the pool only: %s", ra.raw);
    t_resp_free(&ra);
    t_resp_free(&rb);
    r = t_expect(200, "GET", base, admin, NULL,
                 "/api/v1/customers/duplicates?mobile=13500135003&local_only=true");
    H_CHECK(t_json_int(&r, "matches.0.id") == c3, "an admin sees the customer: %s", r.raw);
    t_resp_free(&r);
    int st[2];
    const char *numbers[] = {real, other_form};
    for (int k = 0; k < 2; k++) {
        char *cb = crm_sprintf("{\"name\":\"试探%d\",\"mobile\":\"%s\"}", k, numbers[k]);
        t_httpf(&r, "POST", base, emp2.token, cb, "/api/v1/customers");
        st[k] = r.status;
        t_resp_free(&r);
        free(cb);
    }
    H_CHECK(st[0] == 201 && st[1] == 201, "a create confirms nothing: %d %d", st[0], st[1]);
    t_expect_error(409, "already_exists", "/mobile", "POST", base, admin,
                   "{\"name\":\"管理员试探\",\"mobile\":\"13500135003\"}", "/api/v1/customers");
    h_note("what the mask hides: the check, a create: ok");

    /* Knowing in advance: a held customer shows when its pool's rule takes
     * it back, and its owner is warned warn_days before, once. (The
     * default pool is `pool` now; time moved by setting when it was taken.) */
    r = t_expect(200, "PATCH", base, admin,
                 "{\"recycle_rules\":[{\"kind\":\"followup\",\"days\":30}],\"warn_days\":3}",
                 ppath);
    t_resp_free(&r);
    long long cw = s_customer(&emp, "快到期", "13500135009");
    char *old = crm_sprintf("UPDATE customers SET owner_since = now() - interval '28 days',"
                            " created_at = now() - interval '28 days' WHERE id = %lld",
                            cw);
    PQclear(h_sql(h, "customers", old));
    free(old);
    snprintf(path, sizeof path, "/api/v1/customers/%lld", cw);
    r = t_expect(200, "GET", base, emp.token, NULL, path);
    H_CHECK(t_json_int(&r, "pool_id") == pool && *t_json_str(&r, "recycle_at"),
            "its deadline shown: %s", r.raw);
    t_resp_free(&r);
    char *warned = crm_sprintf("SELECT count(*) FROM crm_outbox WHERE type ="
                               " 'customer.recycle_warning' AND aggregate_id = '%lld'",
                               cw);
    for (int k = 0; k < 2; k++)
        json_decref(t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.FireNow",
                                  t_admin(0, 1), "{\"name\": \"customers.remind\"}"));
    H_CHECK(h_wait_sql(h, "customers", warned, 1, 15000) == 1, "warned");
    char *notice = crm_sprintf("SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND"
                               " title = '客户即将被收回公海：快到期'",
                               emp.id);
    H_CHECK(h_wait_sql(h, "gateway", notice, 1, 15000) == 1, "its owner notified");
    H_CHECK(h_sql_int(h, "customers", warned) == 1, "once for its deadline");
    free(warned);
    free(notice);
    h_note("the deadline shown, the warning before it, once: ok");

    /* Imports into a pool: its admins; a member is refused; a disabled pool
     * takes nothing. */
    char *target = crm_sprintf("{\"target\":{\"pool_id\":%lld}}", pool);
    r = t_expect(201, "POST", base, mgr.token, target, "/api/v1/customer-imports");
    t_resp_free(&r);
    t_expect_error(403, "permission_denied", "/target/pool_id", "POST", base, emp2.token, target,
                   "/api/v1/customer-imports");
    t_expect_error(404, "not_found", "/target/pool_id", "POST", base, other.token, target,
                   "/api/v1/customer-imports");
    free(target);
    target = crm_sprintf("{\"target\":{\"pool_id\":%lld}}", pool2);
    t_expect_error(409, "failed_precondition", "/target/pool_id", "POST", base, admin, target,
                   "/api/v1/customer-imports");
    free(target);
    h_note("imports into a pool by its admins: ok");

    /* Bad input to the pools' actions: each named. */
    t_expect_error(400, "invalid_argument", "/ids", "POST", base, emp.token, "{\"ids\":[]}",
                   "/api/v1/customers/pool");
    t_expect_error(400, "invalid_argument", "/pool_id", "POST", base, emp.token,
                   "{\"ids\":[1],\"pool_id\":-1}", "/api/v1/customers/pool");
    t_expect_error(400, "invalid_argument", "/ids", "POST", base, emp.token, "{\"ids\":[0]}",
                   "/api/v1/customers/claim");
    t_expect_error(400, "invalid_argument", "/to_owner_id", "POST", base, mgr.token,
                   "{\"ids\":[1]}", "/api/v1/customers/assign");
    t_expect_error(400, "invalid_argument", "/pool_id", "POST", base, mgr.token, "{\"ids\":[1]}",
                   "/api/v1/customers/move");
    t_expect_error(400, "invalid_argument", "/ids", "POST", base, emp.token, "{\"ids\":[1,1]}",
                   "/api/v1/customers/lock");
    t_expect_error(400, "invalid_argument", "/claim_batch_max", "PATCH", base, admin,
                   "{\"claim_batch_max\":501}", ppath);
    t_expect_error(400, "invalid_argument", "/daily_claim_limit", "PATCH", base, admin,
                   "{\"daily_claim_limit\":-1}", ppath);
    h_note("bad input to the pools' actions, each named: ok");

    for (size_t i = 0; i < 4; i++)
        free(users[i]->token);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
