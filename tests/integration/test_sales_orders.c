/* test_sales_orders.c: sales orders (销售订单) with their approval, end to
 * end through the HTTP API against the real gateway, customers and sales
 * services: lines priced from the catalogue and the total exact in
 * integer minor units (each line rounded half up, then the order's
 * discount rounded half up, against the figures worked by hand); unknown
 * customer, product, approver and a contract of another customer refused
 * naming the field; every approval move legal and refused (submit to the
 * owner's department manager or a named user, approve and reject by the
 * approver only, a rejection's comment, withdraw, edits refused while
 * pending or approved, void with a reason, ship once); the approver's
 * to-do list (待我审批) and the approver reading what is not in their
 * scope; notifications to the approver and the owner; the data scope;
 * transfer kept in history; the events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin, *mgr, *emp1, *emp2, *empb;
static long long mgr_id, emp1_id, emp2_id, empb_id;
static long long cust1, cust2, custb, p1, p2;

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

static long long s_product(const char *code, long long price)
{
    char *body =
        crm_sprintf("{\"name\":\"产品%s\",\"code\":\"%s\",\"list_price\":%lld}", code, code, price);
    long long id = t_created(base, admin, "/api/v1/products", body);
    free(body);
    return id;
}

/* A simple order of token's for cust: one line of p1. */
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

static void s_status(long long id, const char *status)
{
    t_resp_t r = s_get(admin, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), status), "order %lld %s: %s", id, status, r.raw);
    t_resp_free(&r);
}

/* POST /orders/{id}/<action> as token: want (and, for an error, code and
 * field). */
static void s_act(const char *token, long long id, const char *action, const char *body, int want,
                  const char *code, const char *field)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/%s", id, action);
    if (code) {
        t_expect_error(want, code, field, "POST", base, token, body, path);
        return;
    }
    t_resp_t r = t_expect(want, "POST", base, token, body, path);
    t_resp_free(&r);
}

static void s_patch(const char *token, long long id, const char *body, int want, const char *code)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/orders/%lld", id);
    if (code) {
        t_expect_error(want, code, NULL, "PATCH", base, token, body, path);
        return;
    }
    t_resp_t r = t_expect(want, "PATCH", base, token, body, path);
    t_resp_free(&r);
}

static long long s_notifications(long long user, const char *type, long long order)
{
    return h_sql_intf(h, "gateway",
                      "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type = '%s'"
                      " AND aggregate_id = '%lld'",
                      user, type, order);
}

/* Money: exact, half up per line, then half up for the order. */
static void test_money(void)
{
    char *body =
        crm_sprintf("{\"customer_id\":%lld,\"discount_bp\":333,\"lines\":["
                    "{\"product_id\":%lld,\"quantity\":3,\"unit_price\":12345,\"discount_bp\":500},"
                    "{\"product_id\":%lld,\"quantity\":7,\"unit_price\":333,\"discount_bp\":3333},"
                    "{\"product_id\":%lld,\"quantity\":2}]}",
                    cust1, p1, p2, p2);
    long long id = t_created(base, emp1, "/api/v1/orders", body);
    free(body);
    t_resp_t r = s_get(emp1, id, 200);
    /* 3 x 12345 x 0.95 = 35183.25 -> 35183; 7 x 333 x 0.6667 = 1554.0777
     * -> 1554; 2 x 999 (the list price) = 1998; subtotal 38735;
     * 38735 x 0.9667 = 37445.1245 -> 37445. */
    H_CHECK(t_json_int(&r, "lines.0.amount") == 35183 && t_json_int(&r, "lines.1.amount") == 1554 &&
                t_json_int(&r, "lines.2.amount") == 1998 &&
                t_json_int(&r, "lines.2.unit_price") == 999 &&
                t_json_int(&r, "subtotal") == 38735 && t_json_int(&r, "amount") == 37445 &&
                !strcmp(t_json_str(&r, "status"), "draft") &&
                !strcmp(t_json_str(&r, "delivery_status"), "unshipped") &&
                !strncmp(t_json_str(&r, "number"), "DD-", 3) &&
                !strcmp(t_json_str(&r, "lines.1.product_code"), "P2"),
            "the amounts worked by hand: %s", r.raw);
    t_resp_free(&r);
    /* Half a minor unit rounds up; an edit computes again. */
    char *patch = crm_sprintf("{\"discount_bp\":5000,\"lines\":[{\"product_id\":%lld,"
                              "\"quantity\":1,\"unit_price\":1}]}",
                              p1);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/orders/%lld", id);
    r = t_expect(200, "PATCH", base, emp1, patch, path);
    free(patch);
    H_CHECK(t_json_int(&r, "subtotal") == 1 && t_json_int(&r, "amount") == 1 &&
                t_json_int(&r, "discount_bp") == 5000,
            "0.5 rounds up to 1: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, emp1, "{\"discount_bp\":5001}", path);
    H_CHECK(t_json_int(&r, "amount") == 0, "0.4999 rounds down: %s", r.raw);
    t_resp_free(&r);
    h_note("money: 35183 + 1554 + 1998 = 38735, less 3.33%% = 37445 (half up); 0.5 -> 1");
}

/* Unknown references and bad fields, each named. */
static void test_refusals(void)
{
    char *ok_line = crm_sprintf("{\"product_id\":%lld,\"quantity\":1}", p1);
    struct {
        const char *fmt, *field;
    } bad[] = {
        {"{\"customer_id\":999999,\"lines\":[%s]}", "/customer_id"},
        {"{\"customer_id\":%lld,\"lines\":[%s,{\"product_id\":999999,\"quantity\":1}]}",
         "/lines/1/product_id"},
        {"{\"customer_id\":%lld,\"lines\":[]}", "/lines"},
        {"{\"customer_id\":%lld,\"discount_bp\":10001,\"lines\":[%s]}", "/discount_bp"},
        {"{\"customer_id\":%lld,\"lines\":[{\"product_id\":%lld,\"quantity\":0}]}",
         "/lines/0/quantity"},
        {"{\"customer_id\":%lld,\"contract_id\":999999,\"lines\":[%s]}", "/contract_id"},
        {"{\"customer_id\":%lld,\"opportunity_id\":999999,\"lines\":[%s]}", "/opportunity_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *b = i == 0   ? crm_sprintf(bad[i].fmt, ok_line)
                  : i == 4 ? crm_sprintf(bad[i].fmt, cust1, p1)
                  : i == 2 ? crm_sprintf(bad[i].fmt, cust1)
                           : crm_sprintf(bad[i].fmt, cust1, ok_line);
        t_expect_error(400, "invalid_argument", bad[i].field, "POST", base, emp1, b,
                       "/api/v1/orders");
        free(b);
    }
    /* A contract of another customer. */
    char *k = crm_sprintf("{\"name\":\"合同\",\"customer_id\":%lld}", cust2);
    long long contract = t_created(base, admin, "/api/v1/contracts", k);
    free(k);
    char *b = crm_sprintf("{\"customer_id\":%lld,\"contract_id\":%lld,\"lines\":[%s]}", cust1,
                          contract, ok_line);
    t_expect_error(400, "invalid_argument", "/contract_id", "POST", base, admin, b,
                   "/api/v1/orders");
    free(b);
    /* Its own customer's contract gives the customer. */
    b = crm_sprintf("{\"contract_id\":%lld,\"lines\":[%s]}", contract, ok_line);
    long long o = t_created(base, admin, "/api/v1/orders", b);
    free(b);
    t_resp_t r = s_get(admin, o, 200);
    H_CHECK(t_json_int(&r, "customer_id") == cust2 && t_json_int(&r, "contract_id") == contract,
            "the contract's customer: %s", r.raw);
    t_resp_free(&r);
    /* An unknown approver. */
    long long mine = s_order(emp1, cust1);
    s_act(emp1, mine, "submit", "{\"approver_id\":999999}", 400, "invalid_argument",
          "/approver_id");
    s_act(emp1, mine, "submit", "{\"approver_id\":-1}", 400, "invalid_argument", "/approver_id");
    char self[48];
    snprintf(self, sizeof self, "{\"approver_id\":%lld}", emp1_id);
    s_act(emp1, mine, "submit", self, 400, "invalid_argument", "/approver_id");
    /* No manager in or above department B. */
    long long theirs = s_order(empb, custb);
    s_act(empb, theirs, "submit", "{}", 409, "failed_precondition", "/approver_id");
    free(ok_line);
    h_note("refusals name customer_id, lines/1/product_id, lines, discount_bp, contract_id,"
           " opportunity_id, approver_id");
}

/* The approval, every move legal and refused. */
static void test_approval(void)
{
    long long id = s_order(emp1, cust1);
    s_act(emp1, id, "approve", "{}", 409, "failed_precondition", NULL); /* a draft */
    s_act(emp1, id, "withdraw", "{}", 409, "failed_precondition", NULL);
    s_act(emp1, id, "void", "{\"reason\":\"x\"}", 409, "failed_precondition", NULL);
    s_act(emp1, id, "ship", "{}", 409, "failed_precondition", NULL);
    /* To the manager of the owner's department. */
    s_act(emp1, id, "submit", "{\"comment\":\"请审批\"}", 200, NULL, NULL);
    t_resp_t r = s_get(emp1, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "pending") &&
                t_json_int(&r, "approver_id") == mgr_id && *t_json_str(&r, "submitted_at"),
            "pending with the manager: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(t_listed(base, mgr, "/api/v1/orders?view=to_approve", id), "待我审批 lists it");
    H_CHECK(!t_listed(base, emp2, "/api/v1/orders?view=to_approve", id), "not emp2's to do");
    char *told = crm_sprintf("SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND"
                             " type = 'order.submitted' AND aggregate_id = '%lld'",
                             mgr_id, id);
    H_CHECK(h_wait_sql(h, "gateway", told, 1, 10000) == 1, "the approver told");
    free(told);
    s_patch(emp1, id, "{\"remark\":\"x\"}", 409, "failed_precondition");
    s_act(emp1, id, "submit", "{}", 409, "failed_precondition", NULL);
    s_act(emp1, id, "approve", "{}", 403, "permission_denied", NULL); /* the owner */
    s_act(emp2, id, "approve", "{}", 404, NULL, NULL);                /* not theirs to see */
    /* Withdrawn, then to a named approver out of the owner's scope. */
    s_act(emp1, id, "withdraw", "{}", 200, NULL, NULL);
    s_status(id, "draft");
    H_CHECK(!t_listed(base, mgr, "/api/v1/orders?view=to_approve", id), "withdrawn: off the list");
    char named[48];
    snprintf(named, sizeof named, "{\"approver_id\":%lld}", emp2_id);
    s_act(emp1, id, "submit", named, 200, NULL, NULL);
    r = s_get(emp2, id, 200); /* the approver reads it */
    H_CHECK(t_json_int(&r, "approver_id") == emp2_id, "emp2 approves: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(t_listed(base, emp2, "/api/v1/orders?view=to_approve", id), "emp2's to do");
    s_act(mgr, id, "approve", "{}", 403, "permission_denied", NULL); /* not the approver */
    s_act(emp2, id, "reject", "{}", 400, "invalid_argument", "/comment");
    s_act(emp2, id, "reject", "{\"comment\":\"价格太低\"}", 200, NULL, NULL);
    r = s_get(emp1, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "rejected") &&
                !strcmp(t_json_str(&r, "approval_comment"), "价格太低") &&
                *t_json_str(&r, "decided_at"),
            "rejected with the comment: %s", r.raw);
    t_resp_free(&r);
    s_act(emp2, id, "approve", "{}", 409, "failed_precondition", NULL);
    /* Edited, submitted again (the manager), approved. */
    s_patch(emp1, id, "{\"remark\":\"改价\"}", 200, NULL);
    s_act(emp1, id, "submit", "{}", 200, NULL, NULL);
    s_act(emp2, id, "approve", "{}", 404, NULL, NULL); /* the last approver sees it no more */
    s_act(mgr, id, "approve", "{\"comment\":\"同意\"}", 200, NULL, NULL);
    s_status(id, "approved");
    s_patch(emp1, id, "{\"remark\":\"x\"}", 409, "failed_precondition");
    s_act(emp1, id, "submit", "{}", 409, "failed_precondition", NULL);
    s_act(emp1, id, "withdraw", "{}", 409, "failed_precondition", NULL);
    s_act(mgr, id, "reject", "{\"comment\":\"x\"}", 409, "failed_precondition", NULL);
    s_act(emp1, id, "ship", "{}", 200, NULL, NULL);
    r = s_get(emp1, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "delivery_status"), "shipped") && *t_json_str(&r, "shipped_at"),
            "shipped: %s", r.raw);
    t_resp_free(&r);
    s_act(emp1, id, "ship", "{}", 409, "failed_precondition", "/delivery_status");
    s_act(emp1, id, "void", "{}", 400, "invalid_argument", "/reason");
    s_act(emp1, id, "void", "{\"reason\":\"客户取消\"}", 200, NULL, NULL);
    s_status(id, "voided");
    s_patch(emp1, id, "{\"remark\":\"作废后修改\"}", 200, NULL);
    s_act(emp1, id, "void", "{\"reason\":\"x\"}", 409, "failed_precondition", NULL);

    /* Notifications: the approvers asked, the owner told of each decision. */
    H_CHECK(h_wait_events(h, "sales", "order.approved", id, 1, 5000) == 1 &&
                h_events(h, "sales", "order.submitted", id) == 3 &&
                h_events(h, "sales", "order.rejected", id) == 1 &&
                h_events(h, "sales", "order.withdrawn", id) == 1 &&
                h_events(h, "sales", "order.shipped", id) == 1 &&
                h_events(h, "sales", "order.voided", id) == 1,
            "one event per move");
    h_wait_consumed(h, "gateway", "sales");
    H_CHECK(s_notifications(mgr_id, "order.submitted", id) == 2 &&
                s_notifications(emp2_id, "order.submitted", id) == 1 &&
                s_notifications(emp1_id, "order.rejected", id) == 1 &&
                s_notifications(emp1_id, "order.approved", id) == 1,
            "notified: the approver of each submission, the owner of each decision");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/history", id);
    r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(strstr(r.raw, "\"action\":\"approved\"") && strstr(r.raw, "\"reason\":\"同意\"") &&
                strstr(r.raw, "\"action\":\"rejected\"") &&
                strstr(r.raw, "\"action\":\"withdrawn\"") && strstr(r.raw, "\"action\":\"voided\""),
            "history: %s", r.raw);
    t_resp_free(&r);
    h_note("draft -> pending -> withdrawn -> pending -> rejected -> pending -> approved -> shipped"
           " -> voided; wrong moves and wrong people refused; approvers and owner notified");
}

/* Scope, transfer. */
static void test_scope(void)
{
    long long a = s_order(emp1, cust1), b = s_order(emp2, cust2);
    t_resp_t r = s_get(emp2, a, 404);
    t_resp_free(&r);
    r = s_get(mgr, a, 200);
    t_resp_free(&r);
    H_CHECK(!t_listed(base, emp2, "/api/v1/orders?limit=200", a), "emp2 does not list emp1's");
    H_CHECK(t_listed(base, emp2, "/api/v1/orders?view=mine", b), "emp2's own");
    H_CHECK(t_listed(base, mgr, "/api/v1/orders?view=subordinates&limit=200", a) &&
                t_listed(base, mgr, "/api/v1/orders?view=subordinates&limit=200", b),
            "the manager's subordinates'");
    H_CHECK(!t_listed(base, empb, "/api/v1/orders?limit=200", a), "another department's");
    H_CHECK(t_exported(base, mgr, "/api/v1/orders/export?format=csv", a), "exported");
    s_patch(emp2, a, "{\"remark\":\"x\"}", 404, NULL);
    char body[96];
    snprintf(body, sizeof body, "{\"to_owner_id\":%lld,\"reason\":\"调岗\"}", emp2_id);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/transfer", a);
    r = t_expect(200, "POST", base, mgr, body, path);
    t_resp_free(&r);
    r = s_get(emp2, a, 200);
    H_CHECK(t_json_int(&r, "owner_id") == emp2_id, "transferred: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/orders/%lld/history", a);
    r = t_expect(200, "GET", base, emp2, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "transferred") &&
                t_json_int(&r, "items.0.from_owner_id") == emp1_id &&
                t_json_int(&r, "items.0.to_owner_id") == emp2_id,
            "the owner change in history: %s", r.raw);
    t_resp_free(&r);
    /* Not while pending. */
    s_act(emp2, b, "submit", "{}", 200, NULL, NULL);
    snprintf(body, sizeof body, "{\"to_owner_id\":%lld}", emp1_id);
    snprintf(path, sizeof path, "/api/v1/orders/%lld/transfer", b);
    t_expect_error(409, "failed_precondition", NULL, "POST", base, mgr, body, path);
    snprintf(path, sizeof path, "/api/v1/orders?statuses=pending&customer_id=%lld&total=true",
             cust2);
    r = t_expect(200, "GET", base, mgr, NULL, path);
    H_CHECK(t_json_int(&r, "total") >= 1 && t_json_int(&r, "items.0.id") == b, "filters: %s",
            r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "view", "GET", base, mgr, NULL,
                   "/api/v1/orders?view=nobody");
    h_note("scope: a peer sees nothing, the manager sees subordinates'; transfer in history");
}

int main(void)
{
    h = h_new("sales_orders");
    h_suite(h, 1, 1, 1, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long a = t_new_dept(base, admin, "销售一部", 1),
              b = t_new_dept(base, admin, "销售二部", 1);
    mgr = t_new_user(base, admin, "mgr", "manager", a, &mgr_id);
    emp1 = t_new_user(base, admin, "emp1", "employee", a, &emp1_id);
    emp2 = t_new_user(base, admin, "emp2", "employee", a, &emp2_id);
    empb = t_new_user(base, admin, "empb", "employee", b, &empb_id);
    cust1 = s_customer("甲公司", emp1_id);
    cust2 = s_customer("乙公司", emp2_id);
    custb = s_customer("丙公司", empb_id);
    p1 = s_product("P1", 999);
    p2 = s_product("P2", 999);

    test_money();
    test_refusals();
    test_approval();
    test_scope();

    free(mgr);
    free(emp1);
    free(emp2);
    free(empb);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
