/* test_customers_scope.c: the customers' data scope matrix, end to end.
 * The gateway resolves each caller's scope from the department tree
 * (admin: all; manager: their department and every sub-department;
 * employee: themselves) and the customers service enforces it: each role x
 * a customer of their own, of their department, of a sub-department, of
 * another department, for read, list, export, edit, transfer, follow-up,
 * its contacts and its history. What is out of scope does not exist for the
 * caller (404), whatever the action. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
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

/* A customer owned by owner (made by the admin, with a contact); its id. */
static long long s_customer(const s_user_t *owner)
{
    char *body = crm_sprintf("{\"name\":\"%s的客户\",\"owner_id\":%lld,\"allow_duplicate\":true,"
                             "\"contact\":{\"name\":\"联系人\"}}",
                             owner->name, owner->id);
    t_resp_t r = t_expect(201, "POST", base, admin, body, "/api/v1/customers");
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    return id;
}

/* GET path as viewer: 200 when visible, else 404. */
static void s_expect(const s_user_t *viewer, int visible, const char *method, const char *path,
                     const char *body, int ok)
{
    t_resp_t r = t_expect(visible ? ok : 404, method, base, viewer->token, body, path);
    t_resp_free(&r);
}

/* One cell: viewer and a customer of target's (own if the same). */
static void s_cell(const s_user_t *viewer, const s_user_t *target, int visible, const char *what)
{
    long long id = s_customer(target);
    int own = viewer == target;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", id);
    s_expect(viewer, visible, "GET", path, NULL, 200);
    H_CHECK(t_listed(base, viewer->token, "/api/v1/customers?limit=200", id) == visible,
            "%s lists %s's customer: want %d", viewer->name, target->name, visible);
    H_CHECK(t_exported(base, viewer->token, "/api/v1/customers/export?format=csv", id) == visible,
            "%s exports %s's customer: want %d", viewer->name, target->name, visible);
    s_expect(viewer, visible, "PATCH", path, "{\"remark\":\"checked\"}", 200);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/follow-ups", id);
    s_expect(viewer, visible, "POST", path, "{\"content\":\"拜访\",\"method\":\"visit\"}", 201);
    s_expect(viewer, visible, "GET", path, NULL, 200);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/contacts", id);
    s_expect(viewer, visible, "GET", path, NULL, 200);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/history", id);
    s_expect(viewer, visible, "GET", path, NULL, 200);
    /* Transferring to oneself: a customer of one's own is refused as a
     * no-op (409); another's comes to the viewer. */
    char *body = crm_sprintf("{\"to_owner_id\":%lld}", viewer->id);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/transfer", id);
    t_resp_t r = t_expect(!visible ? 404
                          : own    ? 409
                                   : 200,
                          "POST", base, viewer->token, body, path);
    t_resp_free(&r);
    free(body);
    h_note("%-6s x %-11s (%s): %s", viewer->name, what, target->name,
           visible ? "read, list, export, edit, follow up, contacts, history, transfer"
                   : "hidden from all of them");
}

int main(void)
{
    h = h_new("customers_scope");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);

    /* 总部(1) <- A <- A1;  总部 <- B */
    long long a = t_new_dept(base, admin, "A", 1), a1 = t_new_dept(base, admin, "A1", a),
              b = t_new_dept(base, admin, "B", 1);
    s_user_t root = {"admin", 1, 1, admin};
    s_user_t empR = {"empR", 0, 1, NULL}, mgrA = {"mgrA", 0, a, NULL}, empA = {"empA", 0, a, NULL},
             empA2 = {"empA2", 0, a, NULL}, mgrA1 = {"mgrA1", 0, a1, NULL},
             empA1 = {"empA1", 0, a1, NULL}, empB = {"empB", 0, b, NULL};
    s_user_t *users[] = {&empR, &mgrA, &empA, &empA2, &mgrA1, &empA1, &empB};
    const char *roles[] = {"employee", "manager",  "employee", "employee",
                           "manager",  "employee", "employee"};
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        users[i]->token =
            t_new_user(base, admin, users[i]->name, roles[i], users[i]->dept, &users[i]->id);

    s_cell(&root, &root, 1, "own");
    s_cell(&root, &empR, 1, "same dept");
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

    /* Creating for someone else needs them in scope. */
    char *body = crm_sprintf("{\"name\":\"代建\",\"owner_id\":%lld}", empA1.id);
    t_resp_t r = t_expect(201, "POST", base, mgrA.token, body, "/api/v1/customers");
    t_resp_free(&r);
    t_expect_error(403, "permission_denied", "/owner_id", "POST", base, empA.token, body,
                   "/api/v1/customers");
    free(body);
    h_note("create for others: in scope only: ok");

    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        free(users[i]->token);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
