/* test_sales_payments.c: payments (回款) of sales orders, end to end through
 * the HTTP API against the real gateway, customers and sales services:
 * refusals naming their field (an unapproved or unknown order, an amount,
 * a method, a date); the outstanding amount (待回款): a payment that would
 * make what is paid and pending pass the order's amount refused with the
 * figure named, exact to the minor unit, the room given back by a
 * rejection and a refund; every status move legal and refused (confirm and
 * reject by finance only: admins and managers above the owner, never the
 * owner; a rejection's comment; refunds in part and whole with a reason,
 * only of confirmed ones); the order's paid, pending and outstanding
 * amounts; four callers racing to pay one order never pass it; an order
 * with payments not voided; the data scope, views,
 * filters, export; history and events; and the customer's order, paid and
 * outstanding totals kept by the customers service from sales' events. */
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
static char *admin, *mgr, *emp1, *emp2, *empb;
static long long mgr_id, emp1_id, emp2_id, empb_id;
static long long cust1, custb, p1;

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

static void s_post(const char *token, const char *path, const char *body, int want,
                   const char *code, const char *field)
{
    if (code) {
        t_expect_error(want, code, field, "POST", base, token, body, path);
        return;
    }
    t_resp_t r = t_expect(want, "POST", base, token, body, path);
    t_resp_free(&r);
}

/* An order of token's for cust, approved by mgr: 3 x
 * 123.45 at 5% off, 351.83 (35183 minor units). */
static long long s_approved_order(const char *token, long long cust)
{
    char *body = crm_sprintf("{\"customer_id\":%lld,\"lines\":[{\"product_id\":%lld,"
                             "\"quantity\":3,\"unit_price\":12345,\"discount_bp\":500}]}",
                             cust, p1);
    long long id = t_created(base, token, "/api/v1/orders", body);
    free(body);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/submit", id);
    char to[48];
    snprintf(to, sizeof to, "{\"approver_id\":%lld}", mgr_id); /* the other department has none */
    s_post(token, path, to, 200, NULL, NULL);
    snprintf(path, sizeof path, "/api/v1/orders/%lld/approve", id);
    s_post(mgr, path, "{}", 200, NULL, NULL);
    return id;
}

static long long s_pay(const char *token, long long order, long long amount)
{
    char *body = crm_sprintf("{\"order_id\":%lld,\"amount\":%lld,\"method\":\"bank_transfer\","
                             "\"payer_account\":\"6222 0000 1111\",\"paid_date\":\"2026-11-30\"}",
                             order, amount);
    long long id = t_created(base, token, "/api/v1/payments", body);
    free(body);
    return id;
}

/* POST /payments/{id}/<action> as token. */
static void s_act(const char *token, long long id, const char *action, const char *body, int want,
                  const char *code, const char *field)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/payments/%lld/%s", id, action);
    s_post(token, path, body, want, code, field);
}

/* The order's paid, pending and outstanding amounts. */
static void s_order_money(long long id, long long paid, long long pending, long long outstanding)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/orders/%lld", id);
    t_resp_t r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(t_json_int(&r, "paid_amount") == paid &&
                t_json_int(&r, "pending_payment_amount") == pending &&
                t_json_int(&r, "outstanding_amount") == outstanding,
            "order %lld paid %lld, pending %lld, outstanding %lld: %s", id, paid, pending,
            outstanding, r.raw);
    t_resp_free(&r);
}

static void s_payment_status(long long id, const char *status, long long refunded)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/payments/%lld", id);
    t_resp_t r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "status"), status) &&
                t_json_int(&r, "refunded_amount") == refunded,
            "payment %lld %s, %lld refunded: %s", id, status, refunded, r.raw);
    t_resp_free(&r);
}

/* A refusal whose message names figure. */
static void s_refused_naming(const char *token, const char *path, const char *body,
                             const char *figure)
{
    t_resp_t r = t_expect(409, "POST", base, token, body, path);
    H_CHECK(strstr(r.raw, figure) != NULL, "the refusal names %s: %s", figure, r.raw);
    t_resp_free(&r);
}

static void test_refusals(void)
{
    char *body = crm_sprintf("{\"customer_id\":%lld,\"lines\":[{\"product_id\":%lld,"
                             "\"quantity\":1}]}",
                             cust1, p1);
    long long draft = t_created(base, emp1, "/api/v1/orders", body);
    free(body);
    long long order = s_approved_order(emp1, cust1);
    const char *pp = "/api/v1/payments";
    char b[256];
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"method\":\"cash\"}", draft);
    s_post(emp1, pp, b, 409, "failed_precondition", "/order_id");
    s_post(emp1, pp, "{\"order_id\":999999,\"amount\":100,\"method\":\"cash\"}", 404, "not_found",
           "/order_id");
    s_post(emp1, pp, "{\"amount\":100,\"method\":\"cash\"}", 400, "invalid_argument", "/order_id");
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":0,\"method\":\"cash\"}", order);
    s_post(emp1, pp, b, 400, "invalid_argument", "/amount");
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":-5,\"method\":\"cash\"}", order);
    s_post(emp1, pp, b, 400, "invalid_argument", "/amount");
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100}", order);
    s_post(emp1, pp, b, 400, "invalid_argument", "/method");
    snprintf(b, sizeof b,
             "{\"order_id\":%lld,\"amount\":100,\"method\":\"cash\",\"paid_date\":\"2026-13-01\"}",
             order);
    s_post(emp1, pp, b, 400, "invalid_argument", "/paid_date");
    /* Another department's employee does not see the order. */
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"method\":\"cash\"}", order);
    s_post(empb, pp, b, 404, "not_found", "/order_id");
    /* More than the order: refused, the outstanding amount named. */
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":35184,\"method\":\"cash\"}", order);
    s_post(emp1, pp, b, 409, "failed_precondition", "/amount");
    s_refused_naming(emp1, pp, b, "35183");
    H_CHECK(h_sql_intf(h, "sales", "SELECT count(*) FROM payments WHERE order_id IN (%lld, %lld)",
                       order, draft) == 0,
            "nothing written by a refusal");
    h_note("refused naming order_id, amount, method, paid_date; over the order: 409 with 35183");
}

static long long s_flow_order, s_p3;

static void test_flow(void)
{
    long long order = s_approved_order(emp1, cust1);
    s_flow_order = order;
    /* Dated today when not given; the order's owner by default. */
    char b[256];
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":20000,\"method\":\"cheque\"}", order);
    t_resp_t r = t_expect(201, "POST", base, emp1, b, "/api/v1/payments");
    long long pa = t_json_int(&r, "id");
    H_CHECK(!strcmp(t_json_str(&r, "status"), "pending") &&
                strlen(t_json_str(&r, "paid_date")) == 10 &&
                t_json_int(&r, "owner_id") == emp1_id && t_json_int(&r, "customer_id") == cust1 &&
                !strcmp(t_json_str(&r, "method"), "cheque") &&
                !strncmp(t_json_str(&r, "order_number"), "DD-", 3) &&
                !strcmp(t_json_str(&r, "customer_name"), "甲公司"),
            "made pending: %s", r.raw);
    t_resp_free(&r);
    s_order_money(order, 0, 20000, 35183);
    /* Pending counts: 15184 more is one minor unit too many. */
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":15184,\"method\":\"cash\"}", order);
    s_post(emp1, "/api/v1/payments", b, 409, "failed_precondition", "/amount");
    s_refused_naming(emp1, "/api/v1/payments", b, "at most 15183");
    long long pb = s_pay(emp1, order, 15183);
    s_order_money(order, 0, 35183, 35183);
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":1,\"method\":\"cash\"}", order);
    s_post(emp1, "/api/v1/payments", b, 409, "failed_precondition", "/amount");

    /* Confirm: finance, never the owner; a peer does not see it. */
    s_act(emp1, pa, "confirm", "{}", 403, "permission_denied", NULL);
    s_act(emp2, pa, "confirm", "{}", 404, "not_found", NULL);
    s_act(empb, pa, "confirm", "{}", 404, "not_found", NULL);
    s_act(mgr, pa, "refund", "{\"amount\":1,\"reason\":\"x\"}", 409, "failed_precondition",
          "/status");
    s_act(mgr, pa, "confirm", "{\"comment\":\"已到账\"}", 200, NULL, NULL);
    s_payment_status(pa, "confirmed", 0);
    s_order_money(order, 20000, 15183, 15183);
    s_act(mgr, pa, "confirm", "{}", 409, "failed_precondition", "/status");
    s_act(mgr, pa, "reject", "{\"comment\":\"x\"}", 409, "failed_precondition", "/status");
    /* Reject: a comment required; the room comes back. */
    s_act(mgr, pb, "reject", "{}", 400, "invalid_argument", "/comment");
    s_act(mgr, pb, "reject", "{\"comment\":\"未到账\"}", 200, NULL, NULL);
    s_payment_status(pb, "rejected", 0);
    s_order_money(order, 20000, 0, 15183);
    s_act(mgr, pb, "confirm", "{}", 409, "failed_precondition", "/status");
    s_p3 = s_pay(emp1, order, 15183);
    s_order_money(order, 20000, 15183, 15183);
    /* Refund: finance, a reason, at most what is left, only confirmed ones. */
    s_act(emp1, pa, "refund", "{\"amount\":5000,\"reason\":\"退货\"}", 403, "permission_denied",
          NULL);
    s_act(mgr, pa, "refund", "{\"amount\":5000}", 400, "invalid_argument", "/reason");
    s_act(mgr, pa, "refund", "{\"amount\":0,\"reason\":\"退货\"}", 400, "invalid_argument",
          "/amount");
    s_act(mgr, pa, "refund", "{\"amount\":20001,\"reason\":\"退货\"}", 409, "failed_precondition",
          "/amount");
    s_act(mgr, s_p3, "refund", "{\"amount\":1,\"reason\":\"退货\"}", 409, "failed_precondition",
          "/status");
    s_act(mgr, pa, "refund", "{\"amount\":5000,\"reason\":\"部分退货\"}", 200, NULL, NULL);
    s_payment_status(pa, "confirmed", 5000);
    s_order_money(order, 15000, 15183, 20183);
    /* An order with payments is not voided. */
    char path[80];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/void", order);
    s_post(emp1, path, "{\"reason\":\"作废\"}", 409, "failed_precondition", "/status");
    s_act(mgr, pa, "refund", "{\"amount\":15000,\"reason\":\"全部退货\"}", 200, NULL, NULL);
    s_payment_status(pa, "refunded", 20000);
    s_order_money(order, 0, 15183, 35183);
    s_act(mgr, pa, "refund", "{\"amount\":1,\"reason\":\"x\"}", 409, "failed_precondition",
          "/status");
    /* An admin is finance for anyone. */
    s_act(admin, s_p3, "confirm", "{}", 200, NULL, NULL);
    s_order_money(order, 15183, 0, 20000);
    /* History and events. */
    snprintf(path, sizeof path, "/api/v1/payments/%lld/history", pa);
    r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "refunded") &&
                !strcmp(t_json_str(&r, "items.1.action"), "refunded") &&
                !strcmp(t_json_str(&r, "items.2.action"), "confirmed") &&
                !strcmp(t_json_str(&r, "items.3.action"), "created") &&
                !strcmp(t_json_str(&r, "items.0.reason"), "全部退货"),
            "history: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_wait_events(h, "sales", "payment.refunded", pa, 2, 5000) == 2 &&
                h_events(h, "sales", "payment.created", pa) == 1 &&
                h_events(h, "sales", "payment.confirmed", pa) == 1 &&
                h_events(h, "sales", "payment.rejected", pb) == 1,
            "the events");
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type IN"
             " ('payment.confirmed', 'payment.refunded') AND aggregate_id = '%lld'",
             emp1_id, pa);
    H_CHECK(h_wait_sql(h, "gateway", sql, 3, 10000) == 3 &&
                h_sql_intf(h, "gateway",
                           "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type ="
                           " 'payment.rejected' AND aggregate_id = '%lld'",
                           emp1_id, pb) == 1,
            "the owner told of each decision and refund");
    h_note("pending -> confirmed -> refunded in part -> refunded whole; pending -> rejected;"
           " wrong moves and wrong people refused; the order's amounts exact at each step");
}

static void test_scope(void)
{
    long long order = s_approved_order(empb, custb);
    long long mine = s_pay(empb, order, 100);
    H_CHECK(!t_listed(base, emp1, "/api/v1/payments?limit=200", mine), "emp1 does not list empb's");
    H_CHECK(t_listed(base, empb, "/api/v1/payments?view=mine", mine), "empb's own");
    H_CHECK(t_listed(base, mgr, "/api/v1/payments?view=subordinates&limit=200", s_p3) &&
                !t_listed(base, mgr, "/api/v1/payments?limit=200", mine),
            "the manager's subordinates', not another department's");
    H_CHECK(t_exported(base, mgr, "/api/v1/payments/export?format=csv", s_p3), "exported");
    char path[160];
    snprintf(path, sizeof path,
             "/api/v1/payments?statuses=confirmed&order_id=%lld&methods=bank_transfer&total=true",
             s_flow_order);
    t_resp_t r = t_expect(200, "GET", base, mgr, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 1 && t_json_int(&r, "items.0.id") == s_p3, "filters: %s",
            r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/payments/%lld", mine);
    r = t_expect(404, "GET", base, emp1, NULL, path);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "view", "GET", base, mgr, NULL,
                   "/api/v1/payments?view=nobody");
    h_note("scope: own, subordinates', not another department's; filters, export");
}

/* The customer's detail: its sales summary and its own fields. */
static void s_customer_money(const char *token, long long id, long long n, long long orders,
                             long long paid, long long pending)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", id);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    H_CHECK(t_json_int(&r, "sales.approved_orders.count") == n &&
                t_json_int(&r, "sales.approved_orders.amount") == orders &&
                t_json_int(&r, "sales.paid_amount") == paid &&
                t_json_int(&r, "sales.pending_payment_amount") == pending &&
                t_json_int(&r, "sales.outstanding_amount") == orders - paid &&
                t_json_int(&r, "approved_orders") == n &&
                t_json_int(&r, "approved_order_amount") == orders &&
                t_json_int(&r, "paid_amount") == paid &&
                t_json_int(&r, "outstanding_amount") == orders - paid,
            "customer %lld: %lld approved orders of %lld, %lld paid, %lld pending: %s", id, n,
            orders, paid, pending, r.raw);
    t_resp_free(&r);
}

/* Kept by the customers service from sales' events. */
static void test_customer_totals(void)
{
    h_wait_consumed(h, "customers", "sales");
    /* 甲公司: three approved orders of 35183 (a draft does not count); of
     * the second's payments one confirmed (15183), one refunded whole, one
     * rejected; the third's 35 pending of 1000. 丙公司: one approved order,
     * 100 pending. */
    s_customer_money(emp1, cust1, 3, 105549, 15183, 35000);
    s_customer_money(empb, custb, 1, 35183, 0, 100);
    h_note("the customers' order, paid, pending and outstanding totals equal sales'");
}

/* A child's share of the race: n payments of 1000 on order; each answered
 * 201 or 409 naming amount. Exits with how many were taken (255: another
 * answer). */
static void s_racer(long long order, int n)
{
    t_http_after_fork();
    int taken = 0;
    char b[128];
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":1000,\"method\":\"cash\"}", order);
    for (int i = 0; i < n; i++) {
        t_resp_t r;
        t_httpf(&r, "POST", base, emp1, b, "/api/v1/payments");
        if (r.status == 201)
            taken++;
        else if (r.status != 409 || strcmp(t_err_field(&r), "/amount") != 0)
            _exit(255);
        t_resp_free(&r);
    }
    _exit(taken);
}

/* Four callers at once pay 48 x 1000 into an order of 35183: exactly 35
 * are taken, whatever the interleaving, and the rest refused. */
static void test_race(void)
{
    long long order = s_approved_order(emp1, cust1);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        fflush(NULL);
        kids[k] = fork();
        H_CHECK(kids[k] >= 0, "fork");
        if (kids[k] == 0)
            s_racer(order, 12);
    }
    int taken = 0;
    for (int k = 0; k < 4; k++) {
        int st = 0;
        waitpid(kids[k], &st, 0);
        H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 255, "racer %d: 201 or 409 on amount", k);
        taken += WEXITSTATUS(st);
    }
    H_CHECK(taken == 35 &&
                h_sql_intf(h, "sales", "SELECT count(*) FROM payments WHERE order_id = %lld",
                           order) == 35,
            "35 of 48 taken (%d)", taken);
    s_order_money(order, 0, 35000, 35183);
    h_note("four callers at once: 35 of 48 payments of 1000 taken into 35183, the rest refused");
}

/* A customer with orders is not deleted (409 naming how many), once the
 * customers service has its orders from sales' events. */
static void test_no_delete(void)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT (count(*) > 0)::int FROM customer_orders WHERE customer_id = %lld", custb);
    H_CHECK(h_wait_sql(h, "customers", sql, 1, 15000) == 1, "customers knows custb's orders");
    t_resp_t d;
    t_httpf(&d, "DELETE", base, admin, NULL, "/api/v1/customers/%lld", custb);
    H_CHECK(d.status == 409 && !strcmp(t_err_code(&d), "failed_precondition") &&
                strstr(d.raw, " order") && strstr(d.raw, "in sales"),
            "409 naming its orders: %d %s", d.status, d.raw);
    t_resp_free(&d);
    h_note("a customer with orders is not deleted: ok");
}

int main(void)
{
    h = h_new("sales_payments");
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
    custb = s_customer("丙公司", empb_id);
    p1 = t_created(base, admin, "/api/v1/products",
                   "{\"name\":\"产品P1\",\"code\":\"P1\",\"list_price\":999}");

    test_refusals();
    test_flow();
    test_scope();
    test_race();
    test_customer_totals();
    test_no_delete();

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
