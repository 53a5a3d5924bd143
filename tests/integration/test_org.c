/* test_org.c: references that must exist (#17). The gateway announces its
 * users and departments (user.*, department.*) and the leads service keeps
 * them as its read model (crm/org.h), with no fixture organisation: the
 * ones made before (the first admin and root department) arrive by the
 * start-up backfill, the rest with each change. Every reference kind of
 * leads is refused when unknown or deactivated, naming its field; a lead's
 * department follows its new owner unless the caller names one. HTTP is
 * used only to change the organisation (status codes and ids only); leads
 * is called directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jcall.h"

#define OK CRM__STATUS__OK
#define INVALID CRM__STATUS__INVALID_ARGUMENT

static h_t *h;
static const char *base;
static char *admin;

/* A create through the gateway (200, or 201 once creates answer so); the new id. */
static long long s_create(const char *path, const char *body)
{
    t_resp_t r;
    t_httpf(&r, "POST", base, admin, body, "%s", path);
    H_CHECK(r.status == 200 || r.status == 201, "POST %s: %d %s", path, r.status, r.raw);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    return id;
}

/* A delete through the gateway (200, or 204). */
static void s_delete(const char *what, long long id)
{
    t_resp_t r;
    t_httpf(&r, "DELETE", base, admin, NULL, "/api/v1/%s/%lld", what, id);
    H_CHECK(r.status == 200 || r.status == 204, "DELETE %s %lld: %d %s", what, id, r.status, r.raw);
    t_resp_free(&r);
}

/* Waits until the leads service's read model says sql (a count) is 1. */
static void s_known(const char *what, const char *sql)
{
    H_CHECK(h_wait_sql(h, "leads", sql, 1, 15000) == 1, "%s reaches the leads service", what);
}

/* A refused leads call: invalid_argument naming field, saying part. */
static void s_refused(const char *field, const char *part, const char *method, const char *json)
{
    t_json_expect(h, INVALID, "leads", method, t_system(), "%s", json);
    t_json_says(method, field, part);
}

/* An import's target owner and department must exist and be active, when
 * it starts and again with each chunk (bob and the department gone are
 * deactivated). */
static void s_imports(long long bob, long long gone)
{
    char body[256];
    const char *start = "{\"target\": {\"%s\": %lld}}";
    snprintf(body, sizeof body, start, "owner_id", 999999LL);
    s_refused("target.owner_id", "does not exist", "Leads.StartImport", body);
    snprintf(body, sizeof body, start, "owner_id", bob);
    s_refused("target.owner_id", "deactivated", "Leads.StartImport", body);
    snprintf(body, sizeof body, start, "department_id", 999999LL);
    s_refused("target.department_id", "does not exist", "Leads.StartImport", body);
    snprintf(body, sizeof body, start, "department_id", gone);
    s_refused("target.department_id", "deactivated", "Leads.StartImport", body);

    /* carl's import starts; he leaves; its next chunk is refused. */
    long long carl = 0;
    free(t_new_user(base, admin, "carl", "employee", 1, &carl));
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id = %lld AND active",
             carl);
    s_known("carl", sql);
    snprintf(body, sizeof body, start, "owner_id", carl);
    json_t *j = t_json_expect(h, OK, "leads", "Leads.StartImport", t_system(), "%s", body);
    long long imp = t_int(j, "id");
    json_decref(j);
    s_delete("users", carl);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id = %lld AND NOT active",
             carl);
    s_known("carl's leaving", sql);
    snprintf(body, sizeof body,
             "{\"import_id\": %lld, \"seq\": 1, \"last\": true,"
             " \"rows\": [{\"name\": \"戊\", \"mobile\": \"13900000001\"}]}",
             imp);
    s_refused("target.owner_id", "deactivated", "Leads.ImportChunk", body);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM leads WHERE owner_id = %lld", carl);
    H_CHECK(h_sql_int(h, "leads", sql) == 0, "no lead is imported for carl");
    h_note("org: an import's target owner and department must exist, at start and per chunk");
}

int main(void)
{
    h = h_new("org");
    h_org_fixture(h, 0);
    h_suite_counts(h, "leads=1");
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);

    /* The first admin and root department, made before any event: backfilled. */
    s_known("the first admin", "SELECT count(*) FROM crm_org_users WHERE id = 1 AND active");
    s_known("the root department", "SELECT count(*) FROM crm_org_departments WHERE id = 1");
    h_note("org: what existed at the first start is announced");

    char body[256];
    long long sales = s_create("/api/v1/departments", "{\"name\": \"销售部\", \"parent_id\": 1}");
    snprintf(body, sizeof body, "{\"name\": \"华东组\", \"parent_id\": %lld}", sales);
    long long east = s_create("/api/v1/departments", body);
    long long gone = s_create("/api/v1/departments", "{\"name\": \"临时部\", \"parent_id\": 1}");
    long long ann = 0, bob = 0;
    free(t_new_user(base, admin, "ann", "employee", east, &ann));
    free(t_new_user(base, admin, "bob", "employee", sales, &bob));
    s_delete("users", bob);
    s_delete("departments", gone);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM crm_org_departments WHERE id = %lld AND parent_id = %lld", east,
             sales);
    s_known("a sub-department and its parent", sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM crm_org_users WHERE id = %lld AND department_id = %lld"
             " AND active",
             ann, east);
    s_known("a new user and their department", sql);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id = %lld AND NOT active",
             bob);
    s_known("a deactivated user", sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM crm_org_departments WHERE id = %lld AND NOT active", gone);
    s_known("a deleted department", sql);
    snprintf(sql, sizeof sql, "SELECT (crm_org_path(%lld) = ARRAY[%lld, %lld, 1]::bigint[])::int",
             east, east, sales);
    H_CHECK(h_sql_int(h, "leads", sql) == 1, "a department's path runs up to the root");
    h_note("org: created, updated and deactivated users and departments reach the service");

    /* Leads.Create: the owner and the department. */
    snprintf(body, sizeof body, "{\"name\": \"甲\", \"owner_id\": 999999}");
    s_refused("owner_id", "does not exist", "Leads.Create", body);
    snprintf(body, sizeof body, "{\"name\": \"甲\", \"owner_id\": %lld}", bob);
    s_refused("owner_id", "deactivated", "Leads.Create", body);
    snprintf(body, sizeof body, "{\"name\": \"甲\", \"owner_id\": 1, \"department_id\": %lld}",
             gone);
    s_refused("department_id", "deactivated", "Leads.Create", body);
    snprintf(body, sizeof body, "{\"name\": \"甲\", \"owner_id\": %lld}", ann);
    json_t *j = t_json_expect(h, OK, "leads", "Leads.Create", t_system(), "%s", body);
    H_CHECK(t_int(j, "department_id") == east, "a new lead of ann's is in her department");
    json_decref(j);
    j = t_json_expect(h, OK, "leads", "Leads.Create", t_system(),
                      "{\"name\": \"乙\", \"owner_id\": 1, \"department_id\": 1}");
    long long lead = t_int(j, "id");
    json_decref(j);
    h_note("org: a lead's owner and department must exist");

    /* Leads.Transfer: the new owner and department; the department follows
     * the new owner unless named. */
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"to_owner_id\": 999999}", lead);
    s_refused("to_owner_id", "does not exist", "Leads.Transfer", body);
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"to_owner_id\": %lld}", lead, bob);
    s_refused("to_owner_id", "deactivated", "Leads.Transfer", body);
    snprintf(body, sizeof body,
             "{\"ids\": [%lld], \"to_owner_id\": %lld, \"to_department_id\": 999999}", lead, ann);
    s_refused("to_department_id", "does not exist", "Leads.Transfer", body);
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"to_owner_id\": %lld}", lead, ann);
    j = t_json_expect(h, OK, "leads", "Leads.Transfer", t_system(), "%s", body);
    H_CHECK(t_int(j, "leads.0.owner_id") == ann && t_int(j, "leads.0.department_id") == east,
            "the lead follows ann into her department");
    json_decref(j);
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"to_owner_id\": 1, \"to_department_id\": %lld}",
             lead, sales);
    j = t_json_expect(h, OK, "leads", "Leads.Transfer", t_system(), "%s", body);
    H_CHECK(t_int(j, "leads.0.owner_id") == 1 && t_int(j, "leads.0.department_id") == sales,
            "a department named is kept");
    json_decref(j);
    h_note("org: a transfer's owner and department must exist; the department follows the owner");

    /* Team members. */
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"user_ids\": [%lld, 999999]}", lead, ann);
    s_refused("user_ids", "999999 does not exist", "Leads.AddTeamMembers", body);
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"user_ids\": [%lld]}", lead, bob);
    s_refused("user_ids", "deactivated", "Leads.AddTeamMembers", body);
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"user_ids\": [%lld]}", lead, ann);
    json_decref(t_json_expect(h, OK, "leads", "Leads.AddTeamMembers", t_system(), "%s", body));
    h_note("org: team members must exist");

    /* Pools: admins, member users, member departments. */
    s_refused("admin_ids", "does not exist", "Leads.CreatePool",
              "{\"name\": \"池\", \"admin_ids\": [999999]}");
    snprintf(body, sizeof body, "{\"name\": \"池\", \"member_user_ids\": [%lld]}", bob);
    s_refused("member_user_ids", "deactivated", "Leads.CreatePool", body);
    snprintf(body, sizeof body, "{\"name\": \"池\", \"member_department_ids\": [%lld]}", gone);
    s_refused("member_department_ids", "deactivated", "Leads.CreatePool", body);
    snprintf(body, sizeof body,
             "{\"name\": \"池\", \"allow_claim\": false, \"admin_ids\": [1],"
             " \"member_user_ids\": [%lld], \"member_department_ids\": [%lld]}",
             ann, sales);
    j = t_json_expect(h, OK, "leads", "Leads.CreatePool", t_system(), "%s", body);
    long long pool = t_int(j, "id");
    json_decref(j);
    snprintf(body, sizeof body,
             "{\"id\": %lld, \"update_mask\": [\"name\", \"admin_ids\"], \"name\": \"池\","
             " \"admin_ids\": [%lld]}",
             pool, bob);
    s_refused("admin_ids", "deactivated", "Leads.UpdatePool", body);
    h_note("org: a pool's admins, members and member departments must exist");

    /* Leads.Assign from the pool: the new owner; the department follows. */
    snprintf(body, sizeof body, "{\"name\": \"丙\", \"pool_id\": %lld}", pool);
    j = t_json_expect(h, OK, "leads", "Leads.Create", t_system(), "%s", body);
    long long pooled = t_int(j, "id");
    json_decref(j);
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"to_owner_id\": %lld}", pooled, bob);
    s_refused("to_owner_id", "deactivated", "Leads.Assign", body);
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"to_owner_id\": %lld}", pooled, ann);
    j = t_json_expect(h, OK, "leads", "Leads.Assign", t_system(), "%s", body);
    H_CHECK(t_int(j, "leads.0.owner_id") == ann && t_int(j, "leads.0.department_id") == east,
            "an assigned lead follows its owner into her department");
    json_decref(j);
    h_note("org: an assignment's owner must exist; the department follows the owner");

    /* A pool's member department takes in its sub-departments (#8): ann,
     * of 华东组 below 销售部, claims from a pool of 销售部's and sees it
     * among her pools; the lead goes into her department. */
    snprintf(body, sizeof body,
             "{\"name\": \"销售池\", \"allow_claim\": true, \"member_department_ids\": [%lld]}",
             sales);
    j = t_json_expect(h, OK, "leads", "Leads.CreatePool", t_system(), "%s", body);
    long long sales_pool = t_int(j, "id");
    json_decref(j);
    snprintf(body, sizeof body, "{\"name\": \"丁\", \"pool_id\": %lld}", sales_pool);
    j = t_json_expect(h, OK, "leads", "Leads.Create", t_system(), "%s", body);
    long long claimable = t_int(j, "id");
    json_decref(j);
    j = t_json_expect(h, OK, "leads", "Leads.ListPools", t_user(0, ann, east), "{\"mine\": true}");
    /* Her pools: 池 (a member by name) and 销售池 (by department). */
    H_CHECK(json_array_size(json_object_get(j, "items")) == 2 &&
                t_int(j, "items.1.id") == sales_pool,
            "ann sees the pool of her parent department");
    json_decref(j);
    snprintf(body, sizeof body, "{\"ids\": [%lld]}", claimable);
    j = t_json_expect(h, OK, "leads", "Leads.Claim", t_user(0, ann, east), "%s", body);
    H_CHECK(t_int(j, "leads.0.owner_id") == ann && t_int(j, "leads.0.department_id") == east,
            "ann claims it by her parent department's membership");
    json_decref(j);
    t_json_expect(h, CRM__STATUS__NOT_FOUND, "leads", "Leads.Claim", t_user(0, 1, 1), "%s", body);
    h_note("org: a pool's member department admits its sub-departments' users");

    /* GetPool and the pool view of Leads.List count the same membership. */
    snprintf(body, sizeof body, "{\"id\": %lld}", sales_pool);
    j = t_json_expect(h, OK, "leads", "Leads.GetPool", t_user(0, ann, east), "%s", body);
    H_CHECK(t_int(j, "id") == sales_pool, "ann reads the pool of her parent department");
    json_decref(j);
    t_json_expect(h, CRM__STATUS__NOT_FOUND, "leads", "Leads.GetPool", t_user(0, 1, 1), "%s", body);
    snprintf(body, sizeof body, "{\"view\": \"LEAD_VIEW_POOL\", \"pool_id\": %lld}", sales_pool);
    json_decref(t_json_expect(h, OK, "leads", "Leads.List", t_user(0, ann, east), "%s", body));
    t_json_expect(h, CRM__STATUS__PERMISSION_DENIED, "leads", "Leads.List", t_user(0, 1, 1), "%s",
                  body);
    h_note("org: GetPool and the pool view admit a member department's sub-departments");

    s_imports(bob, gone);

    free(admin);
    h_stop(h, "leads", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
