/* test_sales_scope.c: the opportunities' data scope matrix, end to end.
 * The gateway resolves each caller's scope from the department tree
 * (admin: all; manager: their department and every sub-department;
 * employee: themselves) and the sales service enforces it: each role x an
 * opportunity of their own, of their department, of a sub-department, of
 * another department, for read, list, export, edit, stage change,
 * follow-up, history and transfer. What is out of scope does not exist for
 * the caller (404), whatever the action; creating one for a customer out of
 * scope is refused as for no customer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;
static long long stage2;

typedef struct {
    const char *name;
    long long id;
    long long dept;
    char *token;
    long long customer; /* one of theirs, in the read model */
} s_user_t;

/* A customer owned by u, once the sales read model holds it. */
static long long s_customer(const s_user_t *u)
{
    char *body = crm_sprintf("{\"name\":\"%s的客户\",\"owner_id\":%lld,\"allow_duplicate\":true}",
                             u->name, u->id);
    long long id = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sales_customers WHERE id = %lld", id);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "customer %lld in the read model", id);
    return id;
}

/* An opportunity of owner's (made by the admin); its id. */
static long long s_opportunity(const s_user_t *owner)
{
    char *body = crm_sprintf("{\"name\":\"%s的商机\",\"customer_id\":%lld,\"owner_id\":%lld,"
                             "\"amount\":100}",
                             owner->name, owner->customer, owner->id);
    long long id = t_created(base, admin, "/api/v1/opportunities", body);
    free(body);
    return id;
}

static void s_expect(const s_user_t *viewer, int visible, const char *method, const char *path,
                     const char *body, int ok)
{
    t_resp_t r = t_expect(visible ? ok : 404, method, base, viewer->token, body, path);
    t_resp_free(&r);
}

static void s_cell(const s_user_t *viewer, const s_user_t *target, int visible, const char *what)
{
    long long id = s_opportunity(target);
    int own = viewer == target;
    char path[128], body[96];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld", id);
    s_expect(viewer, visible, "GET", path, NULL, 200);
    H_CHECK(t_listed(base, viewer->token, "/api/v1/opportunities?limit=200", id) == visible,
            "%s lists %s's: want %d", viewer->name, target->name, visible);
    H_CHECK(t_exported(base, viewer->token, "/api/v1/opportunities/export?format=csv", id) ==
                visible,
            "%s exports %s's: want %d", viewer->name, target->name, visible);
    s_expect(viewer, visible, "PATCH", path, "{\"remark\":\"checked\"}", 200);
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/stage", id);
    snprintf(body, sizeof body, "{\"stage_id\":%lld}", stage2);
    s_expect(viewer, visible, "POST", path, body, 200);
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/follow-ups", id);
    s_expect(viewer, visible, "POST", path, "{\"content\":\"拜访\",\"method\":\"visit\"}", 201);
    s_expect(viewer, visible, "GET", path, NULL, 200);
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/history", id);
    s_expect(viewer, visible, "GET", path, NULL, 200);
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/transfer", id);
    snprintf(body, sizeof body, "{\"to_owner_id\":%lld}", viewer->id);
    t_resp_t r = t_expect(!visible ? 404
                          : own    ? 409
                                   : 200,
                          "POST", base, viewer->token, body, path);
    t_resp_free(&r);
    /* A new one for the target's customer: as for no customer when out
     * of scope. */
    snprintf(body, sizeof body, "{\"name\":\"新\",\"customer_id\":%lld}", target->customer);
    r = t_expect(visible ? 201 : 400, "POST", base, viewer->token, body, "/api/v1/opportunities");
    t_resp_free(&r);
    h_note("%-6s x %-11s (%s): %s", viewer->name, what, target->name,
           visible ? "read, list, export, edit, stage, follow up, history, transfer, create"
                   : "hidden from all of them");
}

int main(void)
{
    h = h_new("sales_scope");
    h_suite(h, 1, 1, 1, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, "/api/v1/pipelines/1");
    stage2 = t_json_int(&r, "stages.1.id");
    t_resp_free(&r);

    /* 总部(1) <- A <- A1;  总部 <- B */
    long long a = t_new_dept(base, admin, "A", 1), a1 = t_new_dept(base, admin, "A1", a),
              b = t_new_dept(base, admin, "B", 1);
    s_user_t root = {"admin", 1, 1, admin, 0};
    s_user_t mgrA = {"mgrA", 0, a, NULL, 0}, empA = {"empA", 0, a, NULL, 0},
             empA2 = {"empA2", 0, a, NULL, 0}, mgrA1 = {"mgrA1", 0, a1, NULL, 0},
             empA1 = {"empA1", 0, a1, NULL, 0}, empB = {"empB", 0, b, NULL, 0};
    s_user_t *users[] = {&mgrA, &empA, &empA2, &mgrA1, &empA1, &empB};
    const char *roles[] = {"manager", "employee", "employee", "manager", "employee", "employee"};
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        users[i]->token =
            t_new_user(base, admin, users[i]->name, roles[i], users[i]->dept, &users[i]->id);
        users[i]->customer = s_customer(users[i]);
    }
    root.customer = s_customer(&root);

    s_cell(&root, &root, 1, "own");
    s_cell(&root, &empA, 1, "sub-dept");
    s_cell(&root, &empB, 1, "other dept");

    s_cell(&mgrA, &mgrA, 1, "own");
    s_cell(&mgrA, &empA, 1, "same dept");
    s_cell(&mgrA, &empA1, 1, "sub-dept");
    s_cell(&mgrA, &empB, 0, "other dept");

    s_cell(&mgrA1, &mgrA1, 1, "own");
    s_cell(&mgrA1, &empA1, 1, "same dept");
    s_cell(&mgrA1, &empA, 0, "parent dept");
    s_cell(&mgrA1, &empB, 0, "other dept");

    s_cell(&empA, &empA, 1, "own");
    s_cell(&empA, &empA2, 0, "same dept");
    s_cell(&empA, &empA1, 0, "sub-dept");
    s_cell(&empA, &empB, 0, "other dept");

    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        free(users[i]->token);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
