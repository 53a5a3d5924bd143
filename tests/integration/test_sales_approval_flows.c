/* test_sales_approval_flows.c: configured, multi-level approval flows
 * (审批流程) of orders, end to end through the HTTP API against the real
 * gateway, customers and sales services: flows made, read, listed, edited
 * and deleted by admins (others refused), every bad definition refused
 * with its field named (unknown user, role, department, a kind, levels);
 * a 3-level flow (a named user, the owner's supervisor, a role) walked end
 * to end with the wrong approver refused at each level, the to-do lists
 * (待我审批, the role's holders included) and the notifications of each
 * level, each step in the order's history; a rejection at level 2; a
 * withdrawal mid-flow; a flow edited mid-approval leaving the orders in
 * approval as they were; the department's own flow, the nearest above,
 * the company's, none (the approver chosen at submit, as before); levels
 * chosen at submit; two holders of a role approving at once moving the
 * order once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin, *mgra, *mgrb, *emp1, *emp2, *empx, *empb, *empc;
static long long mgra_id, mgrb_id, emp1_id, emp2_id, empx_id, empb_id, empc_id;
static long long dept_a, dept_a1, dept_b, dept_c, cust1, custb, custc, p1;
static long long flow_a;    /* dept A's: empx, the supervisor, role manager */
static long long flow_race; /* dept A's next: role manager twice */

static long long s_customer(const char *name, long long owner)
{
    char *body =
        crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld,\"allow_duplicate\":true}", name, owner);
    long long id = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sales_customers WHERE id = %lld", id);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "customer %lld in the read model", id);
    return id;
}

static long long s_order(const char *token, long long cust)
{
    char *body = crm_sprintf("{\"customer_id\":%lld,\"lines\":[{\"product_id\":%lld,"
                             "\"quantity\":2,\"unit_price\":1000}]}",
                             cust, p1);
    long long id = t_created(base, token, "/api/v1/orders", body);
    free(body);
    return id;
}

static t_resp_t s_get(const char *token, long long id, int want)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/orders/%lld", id);
    return t_expect(want, "GET", base, token, NULL, path);
}

/* POST /<things>/{id}/<action> as token: want (and, for an error, code and
 * field). */
static void s_doc_act(const char *things, const char *token, long long id, const char *action,
                      const char *body, int want, const char *code, const char *field)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/%s/%lld/%s", things, id, action);
    if (code) {
        t_expect_error(want, code, field, "POST", base, token, body, path);
        return;
    }
    t_resp_t r = t_expect(want, "POST", base, token, body, path);
    t_resp_free(&r);
}

static void s_act(const char *token, long long id, const char *action, const char *body, int want,
                  const char *code, const char *field)
{
    s_doc_act("orders", token, id, action, body, want, code, field);
}

static void s_kact(const char *token, long long id, const char *action, const char *body, int want,
                   const char *code, const char *field)
{
    s_doc_act("contracts", token, id, action, body, want, code, field);
}

/* The document's status, level waiting, approver and role are these. */
static void s_doc_at(const char *things, long long id, const char *status, long long level,
                     long long approver, const char *role)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/%s/%lld", things, id);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "status"), status) &&
                t_json_int(&r, "approval_level") == level &&
                t_json_int(&r, "approver_id") == approver &&
                !strcmp(t_json_str(&r, "approver_role"), role),
            "%s %lld %s at level %lld, approver %lld, role '%s': %s", things, id, status, level,
            approver, role, r.raw);
    t_resp_free(&r);
}

static void s_at(long long id, const char *status, long long level, long long approver,
                 const char *role)
{
    s_doc_at("orders", id, status, level, approver, role);
}

static void s_kat(long long id, const char *status, long long level, long long approver,
                  const char *role)
{
    s_doc_at("contracts", id, status, level, approver, role);
}

static long long s_notifications(long long user, const char *type, long long order)
{
    return h_sql_intf(h, "gateway",
                      "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type = '%s'"
                      " AND aggregate_id = '%lld'",
                      user, type, order);
}

static int s_to_do(const char *token, long long id)
{
    return t_listed(base, token, "/api/v1/orders?view=to_approve&limit=200", id);
}

/* A flow of orders for dept (0: the company's) with levels (JSON). */
static long long s_flow(const char *name, long long dept, const char *levels)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"doc_kind\":\"order\",\"department_id\":%lld,"
                             "\"levels\":%s}",
                             name, dept, levels);
    long long id = t_created(base, admin, "/api/v1/approval-flows", body);
    free(body);
    return id;
}

static void s_patch_flow(long long id, const char *body, int want, const char *field)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/approval-flows/%lld", id);
    if (field) {
        t_expect_error(want, want == 409 ? "already_exists" : "invalid_argument", field, "PATCH",
                       base, admin, body, path);
        return;
    }
    t_resp_t r = t_expect(want, "PATCH", base, admin, body, path);
    t_resp_free(&r);
}

/* Bad definitions, each refused naming its field; only admins configure. */
static void test_bad_flows(void)
{
    char *user = crm_sprintf("{\"approver\":\"user\",\"user_id\":%lld}", empx_id);
    struct {
        const char *fmt, *field;
    } bad[] = {
        {"{\"name\":\" \",\"doc_kind\":\"order\",\"levels\":[%s]}", "/name"},
        {"{\"name\":\"x\",\"levels\":[%s]}", "/doc_kind"},
        {"{\"name\":\"x\",\"doc_kind\":\"order\",\"levels\":[]}", "/levels"},
        {"{\"name\":\"x\",\"doc_kind\":\"order\",\"levels\":[{\"approver\":\"user\"}]}",
         "/levels/0/user_id"},
        {"{\"name\":\"x\",\"doc_kind\":\"order\",\"levels\":[%s,{\"approver\":\"role\","
         "\"role\":\"cfo\"}]}",
         "/levels/1/role"},
        {"{\"name\":\"x\",\"doc_kind\":\"order\",\"levels\":[%s,{\"approver\":\"user\","
         "\"user_id\":999999}]}",
         "/levels/1/user_id"},
        {"{\"name\":\"x\",\"doc_kind\":\"order\",\"levels\":[{\"name\":\"一级\"}]}",
         "/levels/0/approver"},
        {"{\"name\":\"x\",\"doc_kind\":\"order\",\"levels\":[{\"approver\":\"supervisor\","
         "\"role\":\"admin\"}]}",
         "/levels/0/role"},
        {"{\"name\":\"x\",\"doc_kind\":\"order\",\"department_id\":999999,\"levels\":[%s]}",
         "/department_id"},
        {"{\"name\":\"x\",\"doc_kind\":\"order\",\"levels\":[{\"approver\":\"chosen\","
         "\"user_id\":5}]}",
         "/levels/0/user_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *b = strstr(bad[i].fmt, "%s") ? crm_sprintf(bad[i].fmt, user) : strdup(bad[i].fmt);
        t_expect_error(400, "invalid_argument", bad[i].field, "POST", base, admin, b,
                       "/api/v1/approval-flows");
        free(b);
    }
    H_CHECK(h_sql_intf(h, "sales", "SELECT count(*) FROM approval_flows") == 0,
            "nothing written by a refusal");
    char *ok = crm_sprintf("{\"name\":\"x\",\"doc_kind\":\"order\",\"levels\":[%s]}", user);
    t_expect_error(403, "permission_denied", NULL, "POST", base, mgra, ok,
                   "/api/v1/approval-flows");
    free(ok);
    free(user);
    h_note("bad flows refused naming name, doc_kind, levels, levels/i/user_id (none, unknown, not"
           " a user level), levels/1/role, levels/0/approver, department_id; not an admin: 403");
}

/* The 3-level flow of department A, walked by an order of A1 (A's flow,
 * the nearest above): the wrong approver refused at each level. */
static void test_three_levels(void)
{
    char *levels = crm_sprintf(
        "[{\"approver\":\"user\",\"user_id\":%lld,\"name\":\"商务\"},{\"approver\":\"supervisor\","
        "\"name\":\"主管\"},{\"approver\":\"role\",\"role\":\"manager\",\"name\":\"经理\"}]",
        empx_id);
    flow_a = s_flow("一部订单审批", dept_a, levels);
    free(levels);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/approval-flows/%lld", flow_a);
    t_resp_t r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(t_json_int(&r, "department_id") == dept_a &&
                !strcmp(t_json_str(&r, "levels.1.approver"), "supervisor") &&
                !strcmp(t_json_str(&r, "levels.2.role"), "manager") &&
                !strcmp(t_json_str(&r, "doc_kind"), "order"),
            "the flow read back: %s", r.raw);
    t_resp_free(&r);
    /* One live flow per kind and department. */
    char *dup = crm_sprintf("{\"name\":\"重复\",\"doc_kind\":\"order\",\"department_id\":%lld,"
                            "\"levels\":[{\"approver\":\"supervisor\"}]}",
                            dept_a);
    t_expect_error(409, "already_exists", "/department_id", "POST", base, admin, dup,
                   "/api/v1/approval-flows");
    free(dup);

    long long id = s_order(emp1, cust1);
    s_act(emp1, id, "submit", "{\"comment\":\"请审批\"}", 200, NULL, NULL);
    s_at(id, "pending", 1, empx_id, "");
    r = s_get(emp1, id, 200);
    H_CHECK(t_json_int(&r, "approval_flow_id") == flow_a &&
                !strcmp(t_json_str(&r, "approval_steps.0.decision"), "waiting") &&
                !strcmp(t_json_str(&r, "approval_steps.1.decision"), "queued") &&
                t_json_int(&r, "approval_steps.1.approver_id") == mgra_id &&
                !strcmp(t_json_str(&r, "approval_steps.2.role"), "manager") &&
                !strcmp(t_json_str(&r, "approval_steps.2.name"), "经理"),
            "three steps, the approvers resolved: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(s_to_do(empx, id) && !s_to_do(mgra, id) && !s_to_do(mgrb, id), "level 1: empx's to do");
    /* Level 1: only empx. */
    s_act(emp1, id, "approve", "{}", 403, "permission_denied", NULL); /* the owner */
    s_act(mgra, id, "approve", "{}", 403, "permission_denied", NULL); /* level 2's */
    s_act(mgrb, id, "approve", "{}", 404, NULL, NULL); /* level 3's role: not reached */
    s_act(emp2, id, "approve", "{}", 404, NULL, NULL); /* nobody's */
    r = s_get(empx, id, 200);                          /* out of scope, reads what it decides */
    t_resp_free(&r);
    s_act(empx, id, "approve", "{\"comment\":\"商务同意\",\"level\":1}", 200, NULL, NULL);
    s_at(id, "pending", 2, mgra_id, "");
    H_CHECK(s_to_do(mgra, id) && !s_to_do(empx, id), "level 2: the supervisor's to do");
    /* Level 2: only the supervisor; level 1 is decided. */
    s_act(empx, id, "approve", "{}", 403, "permission_denied", NULL);
    s_act(mgrb, id, "reject", "{\"comment\":\"x\"}", 404, NULL, NULL);
    s_act(mgra, id, "approve", "{\"level\":1}", 409, "failed_precondition", "/level");
    s_act(mgra, id, "approve", "{\"comment\":\"主管同意\"}", 200, NULL, NULL);
    s_at(id, "pending", 3, 0, "manager");
    /* Level 3: any manager but the owner: mgra, mgrb (out of the scope). */
    H_CHECK(s_to_do(mgrb, id) && s_to_do(mgra, id) && !s_to_do(empx, id) && !s_to_do(emp1, id),
            "level 3: the role's holders' to do");
    s_act(empx, id, "approve", "{}", 403, "permission_denied", NULL);
    s_act(emp1, id, "approve", "{}", 403, "permission_denied", NULL);
    r = s_get(mgrb, id, 200);
    t_resp_free(&r);
    s_act(mgrb, id, "approve", "{\"comment\":\"经理同意\"}", 200, NULL, NULL);
    s_at(id, "approved", 3, mgrb_id, "");
    s_act(mgra, id, "approve", "{}", 409, "failed_precondition", "/status");
    r = s_get(emp1, id, 200);
    H_CHECK(t_json_int(&r, "approval_steps.0.decided_by") == empx_id &&
                !strcmp(t_json_str(&r, "approval_steps.0.comment"), "商务同意") &&
                t_json_int(&r, "approval_steps.1.decided_by") == mgra_id &&
                t_json_int(&r, "approval_steps.2.decided_by") == mgrb_id &&
                !strcmp(t_json_str(&r, "approval_steps.2.decision"), "approved") &&
                *t_json_str(&r, "approval_steps.2.decided_at") &&
                !strcmp(t_json_str(&r, "approval_comment"), "经理同意"),
            "each level's decision kept: %s", r.raw);
    t_resp_free(&r);
    /* Events, notifications, history. */
    H_CHECK(h_wait_events(h, "sales", "order.approved", id, 1, 5000) == 1 &&
                h_events(h, "sales", "order.approval_advanced", id) == 2 &&
                h_events(h, "sales", "order.submitted", id) == 1,
            "submitted, advanced twice, approved once");
    h_wait_consumed(h, "gateway", "sales");
    H_CHECK(
        s_notifications(empx_id, "order.submitted", id) == 1 &&
            s_notifications(mgra_id, "order.approval_advanced", id) == 2 &&
            s_notifications(mgrb_id, "order.approval_advanced", id) == 1 &&
            s_notifications(emp1_id, "order.approval_advanced", id) == 0 &&
            s_notifications(emp1_id, "order.approved", id) == 1,
        "each level's approvers told (the role's holders, not the owner), the owner at the end");
    snprintf(path, sizeof path, "/api/v1/orders/%lld/history?limit=10", id);
    r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "approved") &&
                t_json_int(&r, "items.0.detail.level") == 3 &&
                t_json_int(&r, "items.0.actor_id") == mgrb_id &&
                !strcmp(t_json_str(&r, "items.0.reason"), "经理同意") &&
                t_json_int(&r, "items.1.detail.level") == 2 &&
                t_json_int(&r, "items.1.actor_id") == mgra_id &&
                t_json_int(&r, "items.2.detail.level") == 1 &&
                t_json_int(&r, "items.2.actor_id") == empx_id &&
                !strcmp(t_json_str(&r, "items.3.action"), "submitted") &&
                t_json_int(&r, "items.3.detail.levels") == 3,
            "each step in the history (who, level, comment): %s", r.raw);
    t_resp_free(&r);
    h_note("3 levels (named user, supervisor, role manager): each wrong approver refused, each"
           " level's to do and notification, approved once, every step in history");
}

/* Rejected at level 2: over; the third never reached; submitted again,
 * from level 1. */
static void test_reject(void)
{
    long long id = s_order(emp1, cust1);
    s_act(emp1, id, "submit", "{}", 200, NULL, NULL);
    s_act(empx, id, "approve", "{}", 200, NULL, NULL);
    s_act(mgra, id, "reject", "{}", 400, "invalid_argument", "/comment");
    s_act(mgra, id, "reject", "{\"comment\":\"价格太低\"}", 200, NULL, NULL);
    s_at(id, "rejected", 2, mgra_id, "");
    t_resp_t r = s_get(emp1, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "approval_steps.1.decision"), "rejected") &&
                !strcmp(t_json_str(&r, "approval_steps.2.decision"), "queued") &&
                !strcmp(t_json_str(&r, "approval_comment"), "价格太低"),
            "rejected at level 2: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(!s_to_do(mgrb, id) && !s_to_do(mgra, id), "off every to do");
    s_act(mgrb, id, "approve", "{}", 404, NULL, NULL); /* never reached: not theirs */
    H_CHECK(h_wait_events(h, "sales", "order.rejected", id, 1, 5000) == 1 &&
                h_events(h, "sales", "order.approved", id) == 0,
            "order.rejected, never approved");
    s_act(emp1, id, "submit", "{}", 200, NULL, NULL);
    s_at(id, "pending", 1, empx_id, "");
    r = s_get(emp1, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "approval_steps.1.decision"), "queued") &&
                t_json_int(&r, "approval_steps.1.decided_by") == 0,
            "submitted again: fresh steps: %s", r.raw);
    t_resp_free(&r);
    h_note("rejected at level 2 (comment required): over, level 3 never reached; resubmitted");
}

/* Withdrawn at level 2: a draft; nobody's to do; submitted again. */
static void test_withdraw(void)
{
    long long id = s_order(emp1, cust1);
    s_act(emp1, id, "submit", "{}", 200, NULL, NULL);
    s_act(empx, id, "approve", "{}", 200, NULL, NULL);
    s_act(empx, id, "withdraw", "{}", 403, "permission_denied", NULL); /* not the owner's side */
    s_act(emp1, id, "withdraw", "{\"reason\":\"改价\"}", 200, NULL, NULL);
    s_at(id, "draft", 2, mgra_id, "");
    t_resp_t r = s_get(emp1, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "approval_steps.0.decision"), "approved") &&
                !strcmp(t_json_str(&r, "approval_steps.1.decision"), "withdrawn"),
            "withdrawn at level 2: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(!s_to_do(mgra, id), "off the supervisor's to do");
    s_act(mgra, id, "approve", "{}", 409, "failed_precondition", "/status");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/orders/%lld", id);
    r = t_expect(200, "PATCH", base, emp1, "{\"remark\":\"改价\"}", path);
    t_resp_free(&r);
    s_act(emp1, id, "submit", "{}", 200, NULL, NULL);
    s_at(id, "pending", 1, empx_id, "");
    H_CHECK(h_events(h, "sales", "order.withdrawn", id) == 1, "order.withdrawn");
    h_note("withdrawn mid-flow: a draft, off the to do lists, edited, submitted from level 1");
}

/* The flow edited, then deleted, while an order is in approval: the order
 * keeps its levels; orders submitted after follow the flow as it is. */
static void test_edit_mid_flow(void)
{
    long long old = s_order(emp1, cust1);
    s_act(emp1, old, "submit", "{}", 200, NULL, NULL);
    s_patch_flow(flow_a, "{\"levels\":[{\"approver\":\"role\",\"role\":\"cfo\"}]}", 400,
                 "/levels/0/role");
    s_patch_flow(flow_a, "{\"levels\":[{\"approver\":\"supervisor\"}],\"name\":\"一级审批\"}", 200,
                 NULL);
    s_patch_flow(flow_a, "{\"department_id\":999999}", 400, "/department_id");
    long long fresh = s_order(emp1, cust1);
    s_act(emp1, fresh, "submit", "{}", 200, NULL, NULL);
    s_at(fresh, "pending", 1, mgra_id, "");
    t_resp_t r = s_get(emp1, old, 200);
    H_CHECK(t_json_int(&r, "approval_steps.0.approver_id") == empx_id &&
                !strcmp(t_json_str(&r, "approval_steps.2.role"), "manager"),
            "the order in approval keeps its three levels: %s", r.raw);
    t_resp_free(&r);
    s_act(mgra, fresh, "approve", "{}", 200, NULL, NULL);
    s_at(fresh, "approved", 1, mgra_id, "");
    /* The old one goes on through its own three. */
    s_act(mgra, old, "approve", "{}", 403, "permission_denied", NULL);
    s_act(empx, old, "approve", "{}", 200, NULL, NULL);
    s_act(mgra, old, "approve", "{}", 200, NULL, NULL);
    s_at(old, "pending", 3, 0, "manager");
    /* Deleted: then none for A; the old order still finishes. */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/approval-flows/%lld", flow_a);
    r = t_expect(200, "DELETE", base, admin, NULL, path);
    t_resp_free(&r);
    r = t_expect(404, "GET", base, admin, NULL, path);
    t_resp_free(&r);
    s_act(mgrb, old, "approve", "{}", 200, NULL, NULL);
    s_at(old, "approved", 3, mgrb_id, "");
    long long none = s_order(emp1, cust1);
    s_act(emp1, none, "submit", "{}", 200, NULL, NULL);
    r = s_get(emp1, none, 200);
    H_CHECK(t_json_int(&r, "approval_flow_id") == 0 && t_json_int(&r, "approver_id") == mgra_id &&
                !strcmp(t_json_str(&r, "approval_steps.0.approver"), "chosen") &&
                !t_json_str(&r, "approval_steps.1.approver")[0],
            "no flow: the owner's manager, one level, as before: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/approval-flows/%lld/history", flow_a);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "deleted") &&
                !strcmp(t_json_str(&r, "items.1.action"), "updated") &&
                !strcmp(t_json_str(&r, "items.2.action"), "created"),
            "the flow's history: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_wait_events(h, "sales", "approval_flow.deleted", flow_a, 1, 5000) == 1 &&
                h_events(h, "sales", "approval_flow.updated", flow_a) == 1,
            "the flow's events");
    h_note("flow edited then deleted mid-approval: the order in approval keeps its 3 levels;"
           " later orders follow the flow as it is, then none (the manager)");
}

/* The company's flow for departments without their own; levels chosen at
 * submit; no flow at all refuses several approvers. */
static void test_company_and_chosen(void)
{
    long long b1 = s_order(empb, custb);
    char body[96];
    snprintf(body, sizeof body, "{\"approver_ids\":[%lld,%lld]}", mgrb_id, mgra_id);
    s_act(empb, b1, "submit", body, 400, "invalid_argument", "/approver_ids");
    long long company = s_flow("公司订单审批", 0,
                               "[{\"approver\":\"chosen\",\"name\":\"自选\"},"
                               "{\"approver\":\"role\",\"role\":\"admin\"}]");
    s_act(empb, b1, "submit", "{}", 400, "invalid_argument", "/approver_id");
    s_act(empb, b1, "submit", body, 400, "invalid_argument", "/approver_ids");
    snprintf(body, sizeof body, "{\"approver_id\":%lld}", empb_id);
    s_act(empb, b1, "submit", body, 400, "invalid_argument", "/approver_id"); /* the owner */
    snprintf(body, sizeof body, "{\"approver_ids\":[999999]}");
    s_act(empb, b1, "submit", body, 400, "invalid_argument", "/approver_ids");
    snprintf(body, sizeof body, "{\"approver_ids\":[%lld]}", mgrb_id);
    s_act(empb, b1, "submit", body, 200, NULL, NULL);
    t_resp_t r = s_get(empb, b1, 200);
    H_CHECK(t_json_int(&r, "approval_flow_id") == company &&
                t_json_int(&r, "approver_id") == mgrb_id &&
                !strcmp(t_json_str(&r, "approval_steps.1.role"), "admin"),
            "B follows the company's flow, its chosen level mgrb: %s", r.raw);
    t_resp_free(&r);
    s_act(mgrb, b1, "approve", "{}", 200, NULL, NULL);
    s_at(b1, "pending", 2, 0, "admin");
    H_CHECK(s_to_do(admin, b1) && !s_to_do(mgrb, b1), "the admins' to do");
    s_act(mgrb, b1, "approve", "{}", 403, "permission_denied", NULL);
    s_act(admin, b1, "approve", "{}", 200, NULL, NULL);
    long long admin_id =
        h_sql_intf(h, "gateway", "SELECT id FROM users WHERE username = '%s'", H_ADMIN_USER);
    s_at(b1, "approved", 2, admin_id, "");
    /* A department's own flow is nearer than the company's. */
    char *own = crm_sprintf("[{\"approver\":\"user\",\"user_id\":%lld}]", empx_id);
    long long c_flow = s_flow("三部订单审批", dept_c, own);
    free(own);
    long long c1 = s_order(empc, custc);
    s_act(empc, c1, "submit", "{}", 200, NULL, NULL);
    r = s_get(empc, c1, 200);
    H_CHECK(t_json_int(&r, "approval_flow_id") == c_flow &&
                t_json_int(&r, "approver_id") == empx_id,
            "C follows its own flow: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp1, NULL, "/api/v1/approval-flows?doc_kind=order&total=true");
    H_CHECK(t_json_int(&r, "total") == 3 && t_json_int(&r, "items.0.id") == flow_race &&
                t_json_int(&r, "items.1.id") == company && t_json_int(&r, "items.2.id") == c_flow,
            "the live flows listed: %s", r.raw);
    t_resp_free(&r);
    /* C's own flow moved onto the company's place is refused. */
    char path[64];
    snprintf(path, sizeof path, "{\"department_id\":0}");
    s_patch_flow(c_flow, path, 409, "/department_id");
    h_note("the company's flow for B (a level chosen at submit, role admin), C's own nearer; the"
           " chosen counted, known, not the owner");
}

/* Two managers approve the order's role level at once: it moves once. */
static int s_racer(long long id, const char *token, const char *body)
{
    t_http_after_fork();
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/approve", id);
    t_resp_t r;
    t_httpf(&r, "POST", base, token, body, path);
    int st = r.status;
    t_resp_free(&r);
    return st;
}

/* Both managers at once on order id's level waiting: the statuses. */
static void s_race(long long id, const char *body, int *a, int *b)
{
    pid_t kids[2];
    const char *tokens[2] = {mgra, mgrb};
    for (int k = 0; k < 2; k++) {
        fflush(NULL);
        kids[k] = fork();
        H_CHECK(kids[k] >= 0, "fork");
        if (kids[k] == 0)
            _exit(s_racer(id, tokens[k], body) / 100);
    }
    int st[2];
    for (int k = 0; k < 2; k++) {
        waitpid(kids[k], &st[k], 0);
        H_CHECK(WIFEXITED(st[k]), "racer %d", k);
        st[k] = WEXITSTATUS(st[k]);
    }
    *a = st[0];
    *b = st[1];
}

static void test_race(void)
{
    /* Department A's new flow: two levels of role manager. */
    flow_race = s_flow("双经理审批", dept_a,
                       "[{\"approver\":\"role\",\"role\":\"manager\"},"
                       "{\"approver\":\"role\",\"role\":\"manager\"}]");
    for (int round = 0; round < 3; round++) {
        long long id = s_order(emp1, cust1);
        s_act(emp1, id, "submit", "{}", 200, NULL, NULL);
        int a, b;
        /* Level 1, each naming it: one moves it, the other is told it is
         * decided (409 on level). */
        s_race(id, "{\"level\":1}", &a, &b);
        H_CHECK((a == 2 && b == 4) || (a == 4 && b == 2), "level 1: one 2xx, one 4xx (%d, %d)", a,
                b);
        s_at(id, "pending", 2, 0, "manager");
        /* The last level, neither naming it: one approves, the other finds
         * it approved (409 on status). */
        s_race(id, "{}", &a, &b);
        H_CHECK((a == 2 && b == 4) || (a == 4 && b == 2), "level 2: one 2xx, one 4xx (%d, %d)", a,
                b);
        s_at(id, "approved", 2, a == 2 ? mgra_id : mgrb_id, "");
        H_CHECK(h_wait_events(h, "sales", "order.approved", id, 1, 5000) == 1 &&
                    h_events(h, "sales", "order.approval_advanced", id) == 1 &&
                    h_sql_intf(h, "sales",
                               "SELECT count(*) FROM sales_history WHERE kind = 'order' AND"
                               " record_id = %lld AND action = 'approved'",
                               id) == 2,
                "round %d: advanced once, approved once, two approvals in history", round);
        h_wait_consumed(h, "gateway", "sales");
        H_CHECK(s_notifications(mgra_id, "order.submitted", id) == 1 &&
                    s_notifications(mgrb_id, "order.submitted", id) == 1 &&
                    s_notifications(emp1_id, "order.submitted", id) == 0 &&
                    s_notifications(empx_id, "order.submitted", id) == 0,
                "round %d: a first level of role manager: every manager told, nobody else", round);
    }
    h_note("two managers approving a role level at once, 3 rounds: each level moved once");
}

static int s_k_to_do(const char *token, long long id)
{
    return t_listed(base, token, "/api/v1/contracts?view=to_approve&limit=200", id);
}

/* Contracts: department A's contract flow (the supervisor, then role
 * manager); signed only once approved; rejected: a draft again;
 * withdrawn; without a flow (department B), signed freely as before. */
static void test_contracts(void)
{
    char *levels = crm_sprintf("{\"name\":\"一部合同审批\",\"doc_kind\":\"contract\","
                               "\"department_id\":%lld,\"levels\":[{\"approver\":\"supervisor\"},"
                               "{\"approver\":\"role\",\"role\":\"manager\"}]}",
                               dept_a);
    long long flow = t_created(base, admin, "/api/v1/approval-flows", levels);
    free(levels);
    char *body =
        crm_sprintf("{\"name\":\"年度合同\",\"customer_id\":%lld,\"amount\":500000}", cust1);
    long long k = t_created(base, emp1, "/api/v1/contracts", body);
    free(body);
    s_kact(emp1, k, "sign", "{}", 409, "failed_precondition", "/status"); /* a flow applies */
    s_kact(emp1, k, "submit", "{\"reason\":\"请审批\"}", 200, NULL, NULL);
    s_kat(k, "pending", 1, mgra_id, "");
    H_CHECK(s_k_to_do(mgra, k) && !s_k_to_do(mgrb, k) && !s_k_to_do(emp1, k),
            "level 1: the supervisor's to do");
    s_kact(emp1, k, "sign", "{}", 409, "failed_precondition", "/status"); /* in approval */
    s_kact(emp1, k, "approve", "{}", 403, "permission_denied", NULL);     /* the owner */
    s_kact(mgrb, k, "approve", "{}", 404, NULL, NULL);                    /* not reached */
    s_kact(mgra, k, "approve", "{\"comment\":\"主管同意\"}", 200, NULL, NULL);
    s_kat(k, "pending", 2, 0, "manager");
    H_CHECK(s_k_to_do(mgrb, k) && !s_k_to_do(emp1, k), "level 2: the managers' to do");
    /* Rejected at level 2: a draft again, edited, submitted, withdrawn. */
    s_kact(mgrb, k, "reject", "{}", 400, "invalid_argument", "/comment");
    s_kact(mgrb, k, "reject", "{\"comment\":\"条款不清\"}", 200, NULL, NULL);
    s_kat(k, "draft", 2, mgrb_id, "");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld", k);
    t_resp_t r = t_expect(200, "PATCH", base, emp1, "{\"remark\":\"改条款\"}", path);
    H_CHECK(!strcmp(t_json_str(&r, "approval_steps.1.decision"), "rejected") &&
                !strcmp(t_json_str(&r, "approval_comment"), "条款不清"),
            "the rejection kept: %s", r.raw);
    t_resp_free(&r);
    s_kact(mgrb, k, "approve", "{}", 409, "failed_precondition", "/status");
    s_kact(emp1, k, "submit", "{}", 200, NULL, NULL);
    s_kat(k, "pending", 1, mgra_id, "");
    s_kact(emp1, k, "withdraw", "{}", 200, NULL, NULL);
    s_kat(k, "draft", 1, mgra_id, "");
    H_CHECK(!s_k_to_do(mgra, k), "withdrawn: off the to do");
    /* Approved by both levels: still pending, then signed. */
    s_kact(emp1, k, "submit", "{}", 200, NULL, NULL);
    s_kact(mgra, k, "approve", "{\"level\":1}", 200, NULL, NULL);
    s_kact(mgra, k, "approve", "{\"level\":1}", 409, "failed_precondition", "/level");
    s_kact(mgrb, k, "approve", "{\"comment\":\"经理同意\",\"level\":2}", 200, NULL, NULL);
    s_kat(k, "pending", 2, mgrb_id, "");
    s_kact(mgrb, k, "approve", "{}", 409, "failed_precondition", "/status"); /* none waits */
    s_kact(emp1, k, "sign", "{}", 200, NULL, NULL);
    s_kat(k, "signed", 2, mgrb_id, "");
    H_CHECK(h_wait_events(h, "sales", "contract.approved", k, 1, 5000) == 1 &&
                h_events(h, "sales", "contract.approval_advanced", k) == 2 &&
                h_events(h, "sales", "contract.rejected", k) == 1 &&
                h_events(h, "sales", "contract.withdrawn", k) == 1 &&
                h_events(h, "sales", "contract.submitted", k) == 3 &&
                h_events(h, "sales", "contract.signed", k) == 1,
            "the contract's events");
    h_wait_consumed(h, "gateway", "sales");
    H_CHECK(s_notifications(mgra_id, "contract.submitted", k) == 3 &&
                s_notifications(mgrb_id, "contract.approval_advanced", k) == 2 &&
                s_notifications(emp1_id, "contract.rejected", k) == 1 &&
                s_notifications(emp1_id, "contract.approved", k) == 1,
            "the contract's approvers and owner told");
    snprintf(path, sizeof path, "/api/v1/contracts/%lld/history?limit=3", k);
    r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "signed") &&
                !strcmp(t_json_str(&r, "items.1.action"), "approved") &&
                t_json_int(&r, "items.1.detail.level") == 2 &&
                t_json_int(&r, "items.1.actor_id") == mgrb_id &&
                t_json_int(&r, "items.2.detail.level") == 1,
            "the contract's steps in its history: %s", r.raw);
    t_resp_free(&r);
    /* Department B has no contract flow: submitted and signed as before;
     * nobody approves it. */
    body = crm_sprintf("{\"name\":\"二部合同\",\"customer_id\":%lld}", custb);
    long long kb = t_created(base, empb, "/api/v1/contracts", body);
    free(body);
    s_kact(empb, kb, "submit", "{\"approver_id\":5}", 400, "invalid_argument", "/approver_id");
    s_kact(empb, kb, "submit", "{}", 200, NULL, NULL);
    s_kat(kb, "pending", 0, 0, "");
    s_kact(mgrb, kb, "approve", "{}", 409, "failed_precondition", "/status");
    s_kact(empb, kb, "sign", "{}", 200, NULL, NULL);
    (void)flow;
    h_note("contracts: a 2-level flow (supervisor, role): sign refused until approved, rejected to"
           " a draft, withdrawn, approved then signed; without a flow, as before");
}

int main(void)
{
    h = h_new("sales_approval_flows");
    h_suite(h, 1, 1, 1, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    dept_a = t_new_dept(base, admin, "销售一部", 1);
    dept_a1 = t_new_dept(base, admin, "一部一组", dept_a);
    dept_b = t_new_dept(base, admin, "销售二部", 1);
    dept_c = t_new_dept(base, admin, "销售三部", 1);
    mgra = t_new_user(base, admin, "mgra", "manager", dept_a, &mgra_id);
    mgrb = t_new_user(base, admin, "mgrb", "manager", dept_b, &mgrb_id);
    emp1 = t_new_user(base, admin, "emp1", "employee", dept_a1, &emp1_id);
    emp2 = t_new_user(base, admin, "emp2", "employee", dept_a1, &emp2_id);
    empx = t_new_user(base, admin, "empx", "employee", dept_b, &empx_id);
    empb = t_new_user(base, admin, "empb", "employee", dept_b, &empb_id);
    empc = t_new_user(base, admin, "empc", "employee", dept_c, &empc_id);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id = %lld AND active",
             empc_id);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "the users in sales' read model");
    cust1 = s_customer("甲公司", emp1_id);
    custb = s_customer("乙公司", empb_id);
    custc = s_customer("丙公司", empc_id);
    p1 = t_created(base, admin, "/api/v1/products",
                   "{\"name\":\"产品\",\"code\":\"P1\",\"list_price\":999}");

    test_bad_flows();
    test_three_levels();
    test_reject();
    test_withdraw();
    test_edit_mid_flow();
    test_race();
    test_contracts();
    test_company_and_chosen();

    free(mgra);
    free(mgrb);
    free(emp1);
    free(emp2);
    free(empx);
    free(empb);
    free(empc);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
