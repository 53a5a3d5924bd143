/* test_gateway_scope.c: data permissions end to end. The gateway resolves
 * each caller's scope from the department tree (admin: all; manager: their
 * department and every sub-department; employee: themselves) and the
 * leads service enforces it. The matrix: each role x a lead of their own,
 * of their department, of a sub-department, of another department, for
 * read, list, edit and transfer; claiming from a pool, which its members
 * may and others may not; a team member of another's lead, who reads it
 * and follows it up but does not edit or transfer it. Then the
 * organisation changes (a user
 * moves department) and the cached scope follows at once. */
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

static void s_user(s_user_t *u, const char *role)
{
    u->token = t_new_user(base, admin, u->name, role, u->dept, &u->id);
}

/* A lead owned by owner, made by the admin; returns its id. */
static long long s_lead(const s_user_t *owner)
{
    char *body = crm_sprintf("{\"name\":\"%s的线索\",\"owner_id\":%lld,\"department_id\":%lld}",
                             owner->name, owner->id, owner->dept);
    t_resp_t r = t_expect(201, "POST", base, admin, body, "/api/v1/leads");
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    return id;
}

/* Is lead id in the viewer's list of leads? */
static int s_listed(const s_user_t *viewer, long long id)
{
    t_resp_t r = t_expect(200, "GET", base, viewer->token, NULL, "/api/v1/leads?limit=200");
    json_t *items = json_object_get(r.body, "items");
    int found = 0;
    for (size_t i = 0; i < json_array_size(items); i++)
        found |= json_integer_value(json_object_get(json_array_get(items, i), "id")) == id;
    H_CHECK(*t_json_str(&r, "next_cursor") == 0, "one page: %s", r.raw);
    t_resp_free(&r);
    return found;
}

/* One cell of the matrix: viewer and a lead of target (own if the same). */
static void s_cell(const s_user_t *viewer, const s_user_t *target, int visible, const char *what)
{
    long long id = s_lead(target);
    int own = viewer == target;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", id);
    t_resp_t r = t_expect(visible ? 200 : 404, "GET", base, viewer->token, NULL, path);
    t_resp_free(&r);
    H_CHECK(s_listed(viewer, id) == visible, "%s lists %s's lead: want %d", viewer->name,
            target->name, visible);
    r = t_expect(visible ? 200 : 404, "PATCH", base, viewer->token, "{\"remark\":\"checked\"}",
                 path);
    t_resp_free(&r);
    /* Transferring to oneself: a lead of one's own is refused as a no-op. */
    char *body = crm_sprintf("{\"to_owner_id\":%lld}", viewer->id);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/transfer", id);
    r = t_expect(!visible ? 404 : own ? 409 : 200, "POST", base, viewer->token, body, path);
    t_resp_free(&r);
    free(body);
    h_note("%-6s x %-11s (%s): %s", viewer->name, what, target->name,
           visible ? "read, list, edit, transfer" : "hidden from read, list, edit, transfer");
}

int main(void)
{
    h = h_new("gateway_scope");
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
    s_user(&empR, "employee");
    s_user(&mgrA, "manager");
    s_user(&empA, "employee");
    s_user(&empA2, "employee");
    s_user(&mgrA1, "manager");
    s_user(&empA1, "employee");
    s_user(&empB, "employee");

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
    char *body = crm_sprintf("{\"name\":\"x\",\"owner_id\":%lld}", empA1.id);
    t_resp_t r = t_expect(201, "POST", base, mgrA.token, body, "/api/v1/leads");
    t_resp_free(&r);
    t_expect_error(403, "permission_denied", "/owner_id", "POST", base, empA.token, body,
                   "/api/v1/leads");
    free(body);

    /* Claim: for a pooled lead the pool's members decide, not the owner's
     * department: A's users may claim from A's pool, B's may not. */
    body = crm_sprintf("{\"name\":\"A池\",\"member_department_ids\":[%lld],"
                       "\"allow_claim\":true}",
                       a);
    r = t_expect(201, "POST", base, admin, body, "/api/v1/lead-pools");
    long long pool = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    long long pooled = s_lead(&empB);
    char cpath[96];
    snprintf(cpath, sizeof cpath, "/api/v1/leads/%lld/pool", pooled);
    body = crm_sprintf("{\"pool_id\":%lld}", pool);
    r = t_expect(200, "POST", base, admin, body, cpath);
    t_resp_free(&r);
    free(body);
    snprintf(cpath, sizeof cpath, "/api/v1/leads/%lld/claim", pooled);
    t_expect_error(404, "not_found", NULL, "POST", base, empB.token, "{}", cpath);
    r = t_expect(200, "POST", base, empA.token, "{}", cpath);
    t_resp_free(&r);
    snprintf(cpath, sizeof cpath, "/api/v1/leads/%lld", pooled);
    r = t_expect(200, "GET", base, empA.token, NULL, cpath);
    H_CHECK(t_json_int(&r, "owner_id") == empA.id, "empA claimed it: %s", r.raw);
    t_resp_free(&r);
    h_note("claim from a pool: its members only: ok");

    /* A team member (相关团队成员): empB is on empA2's lead's team: reads it,
     * follows it up, lists it under the team view; edits and transfers are
     * the owner's side (403, not 404: the member can see it). */
    {
        long long tl = s_lead(&empA2);
        char tpath[96];
        snprintf(tpath, sizeof tpath, "/api/v1/leads/%lld", tl);
        t_expect_error(404, "not_found", NULL, "GET", base, empB.token, NULL, tpath);
        char *tbody = crm_sprintf("{\"user_ids\":[%lld]}", empB.id);
        snprintf(tpath, sizeof tpath, "/api/v1/leads/%lld/team-members", tl);
        r = t_expect(200, "POST", base, empA2.token, tbody, tpath);
        t_resp_free(&r);
        free(tbody);
        snprintf(tpath, sizeof tpath, "/api/v1/leads/%lld", tl);
        r = t_expect(200, "GET", base, empB.token, NULL, tpath);
        t_resp_free(&r);
        snprintf(tpath, sizeof tpath, "/api/v1/leads/%lld/follow-ups", tl);
        r = t_expect(201, "POST", base, empB.token,
                     "{\"content\":\"一起拜访\",\"method\":\"visit\"}", tpath);
        t_resp_free(&r);
        r = t_expect(200, "GET", base, empB.token, NULL, "/api/v1/leads?view=team");
        H_CHECK(t_json_int(&r, "items.0.id") == tl, "the team view lists it: %s", r.raw);
        t_resp_free(&r);
        snprintf(tpath, sizeof tpath, "/api/v1/leads/%lld", tl);
        t_expect_error(403, "permission_denied", "id", "PATCH", base, empB.token,
                       "{\"remark\":\"x\"}", tpath);
        char *xbody = crm_sprintf("{\"to_owner_id\":%lld}", empB.id);
        snprintf(tpath, sizeof tpath, "/api/v1/leads/%lld/transfer", tl);
        t_expect_error(403, "permission_denied", "id", "POST", base, empB.token, xbody, tpath);
        free(xbody);
        h_note("team member: read, follow up, team view; not edit or transfer: ok");
    }

    /* empB moves to A: mgrA sees empB's lead at once (the scope cache key
     * carries the organisation's version). */
    long long lead_b = s_lead(&empB);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", lead_b);
    r = t_expect(404, "GET", base, mgrA.token, NULL, path);
    t_resp_free(&r);
    char upath[64];
    snprintf(upath, sizeof upath, "/api/v1/users/%lld", empB.id);
    body = crm_sprintf("{\"department_id\":%lld}", a);
    r = t_expect(200, "PATCH", base, admin, body, upath);
    t_resp_free(&r);
    free(body);
    r = t_expect(200, "GET", base, mgrA.token, NULL, path);
    t_resp_free(&r);
    h_note("scope follows the organisation: ok");

    s_user_t *all[] = {&empR, &mgrA, &empA, &empA2, &mgrA1, &empA1, &empB};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->token);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
