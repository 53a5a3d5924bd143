/* test_kill_customer_payments.c: payments (回款) and the customers' order
 * and payment totals kept from sales' events, under kill -9. Two sales
 * instances (one killed at a time so calls go on) and the customers service
 * are killed eight times during a burst of 480 changes over 12 customers:
 * orders made and approved, payments recorded (many refused for passing
 * what is outstanding), confirmed, rejected, refunded in part. Whatever a
 * killed call did or did not do, afterwards each order's paid and pending
 * amounts equal its payments' (nothing applied twice, nothing lost), no
 * order is paid beyond its amount, and every customer's approved orders,
 * paid and pending amounts in the customers service equal what sales'
 * database says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "jcall.h"
#include "kills.h"
#include "suite.h"

#define CUSTOMERS 12
#define CHANGES 480
#define CHUNK 60

static h_t *h;
static int64_t cust[CUSTOMERS], product;
static int64_t orders[CHANGES], payments[CHANGES];
static size_t norders, npayments;
static int failed;

static const char *const s_rounds[] = {
    "kill sales 0; start sales 0",
    "kill customers 0; start customers 0",
    "kill sales 1; kill customers 0; start sales 1; sleep 200; start customers 0",
    "kill customers 0; kill sales 0; start sales 0; start customers 0",
    "kill sales 0; start sales 0",
    "kill customers 0; sleep 100; start customers 0",
    "kill customers 0; kill sales 1; start sales 1; start customers 0",
};

/* A call to sales as caller with req (freed); one a kill cut off or sales
 * refused counts as failed (sales' own database is the truth). */
static json_t *s_sales(const Crm__Caller *caller, const char *method, char *req)
{
    json_t *reply = NULL;
    if (t_json(h, "sales", method, caller, &reply, NULL, "%s", req) != CRM__STATUS__OK)
        failed++;
    free(req);
    return reply;
}

/* An order of owner 7 for customer c, submitted to user 8 and approved by
 * them (any step may be cut off: the order then stays where it got). */
static void s_order(int i)
{
    json_t *o = s_sales(t_system(), "Sales.CreateOrder",
                        crm_sprintf("{\"customer_id\":%lld,\"owner_id\":7,\"lines\":[{"
                                    "\"product_id\":%lld,\"quantity\":%d,\"unit_price\":%d,"
                                    "\"discount_bp\":%d}]}",
                                    (long long)cust[(i / 8) % CUSTOMERS], (long long)product,
                                    1 + i % 5, 1000 + i * 37 % 9000, i % 7 * 333));
    if (!o)
        return;
    long long id = t_int(o, "id");
    json_decref(o);
    orders[norders++] = id;
    json_decref(s_sales(t_system(), "Sales.SubmitOrder",
                        crm_sprintf("{\"id\":%lld,\"approver_id\":8}", id)));
    json_decref(s_sales(t_admin(0, 8), "Sales.ApproveOrder", crm_sprintf("{\"id\":%lld}", id)));
}

/* Change i of the burst. */
static void s_change(int i)
{
    if (i % 8 == 0 || norders == 0) {
        s_order(i);
        return;
    }
    if (i % 8 <= 3 || npayments == 0) {
        json_t *m = s_sales(t_system(), "Sales.CreatePayment",
                            crm_sprintf("{\"order_id\":%lld,\"amount\":%d,"
                                        "\"method\":\"PAYMENT_METHOD_CASH\"}",
                                        (long long)orders[(size_t)(i * 7) % norders],
                                        500 + i * 7919 % 4000));
        if (m)
            payments[npayments++] = t_int(m, "id");
        json_decref(m);
        return;
    }
    long long id = payments[(size_t)(i * 5) % npayments];
    switch (i % 8) {
    case 4:
    case 5:
        json_decref(s_sales(t_system(), "Sales.ConfirmPayment", crm_sprintf("{\"id\":%lld}", id)));
        break;
    case 6:
        json_decref(s_sales(t_system(), "Sales.RejectPayment",
                            crm_sprintf("{\"id\":%lld,\"comment\":\"未到账\"}", id)));
        break;
    default:
        json_decref(s_sales(
            t_system(), "Sales.RefundPayment",
            crm_sprintf("{\"id\":%lld,\"amount\":%d,\"reason\":\"退货\"}", id, 1 + i % 300)));
        break;
    }
}

/* Each customer's approved orders, their amount, paid and pending amounts
 * as text: from sales' rows (truth) and from the customers service. */
static char *s_truth(void)
{
    return h_sql_text(
        h, "sales",
        "SELECT string_agg(format('%s:%s/%s/%s/%s', c, n, amt, paid, pending), ' ' ORDER BY c)"
        " FROM (SELECT c, sum(n) AS n, sum(amt) AS amt, sum(paid) AS paid, sum(pending) AS pending"
        " FROM (SELECT customer_id AS c, count(*) FILTER (WHERE status = 3) AS n,"
        " COALESCE(sum(amount) FILTER (WHERE status = 3), 0) AS amt, 0 AS paid, 0 AS pending"
        " FROM orders GROUP BY customer_id UNION ALL SELECT customer_id, 0, 0,"
        " COALESCE(sum(amount - refunded_amount) FILTER (WHERE status IN (2, 4)), 0),"
        " COALESCE(sum(amount) FILTER (WHERE status = 1), 0) FROM payments GROUP BY customer_id)"
        " x GROUP BY c) y");
}

static char *s_kept(void)
{
    return h_sql_text(h, "customers",
                      "SELECT string_agg(format('%s:%s/%s/%s/%s', id, approved_orders,"
                      " approved_order_amount, paid_amount, pending_payment_amount), ' '"
                      " ORDER BY id) FROM customers WHERE id IN (SELECT customer_id FROM"
                      " customer_orders)");
}

int main(void)
{
    h = h_new("kill_customer_payments");
    h_suite(h, 1, 1, 2, 1);
    h_start_all(h);
    for (int i = 0; i < CUSTOMERS; i++)
        cust[i] = t_json_id(h, "customers", "Customers.Create", t_system(),
                            "{\"name\":\"客户%02d\",\"owner_id\":7,\"allow_duplicate\":true}", i);
    H_CHECK(h_wait_sql(h, "sales", "SELECT count(*) FROM sales_customers", CUSTOMERS, 20000) ==
                CUSTOMERS,
            "sales knows the customers");
    product = t_json_id(h, "sales", "Sales.CreateProduct", t_system(),
                        "{\"name\":\"产品\",\"code\":\"P1\",\"list_price\":999}");

    for (int i = 0; i < CHANGES; i++) {
        s_change(i);
        t_kills_after(h, i, CHUNK, s_rounds, sizeof s_rounds / sizeof s_rounds[0]);
    }
    h_note("%d changes (%zu orders, %zu payments made; %d calls cut off or refused) with sales"
           " and customers killed %d times",
           CHANGES, norders, npayments, failed, CHANGES / CHUNK);

    /* Each order's amounts equal its payments': nothing applied twice. */
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM orders d WHERE paid_amount <> (SELECT"
                      " COALESCE(sum(amount - refunded_amount) FILTER (WHERE status IN (2, 4)), 0)"
                      " FROM payments WHERE order_id = d.id) OR pending_payment_amount <> (SELECT"
                      " COALESCE(sum(amount) FILTER (WHERE status = 1), 0) FROM payments WHERE"
                      " order_id = d.id) OR paid_amount + pending_payment_amount > amount") == 0,
            "every order's paid and pending amounts equal its payments', within its amount");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM payments WHERE status = 2") > 10 &&
                h_sql_int(h, "sales", "SELECT count(*) FROM payments WHERE refunded_amount > 0") >
                    3 &&
                h_sql_int(h, "sales", "SELECT count(*) FROM payments WHERE status = 3") > 3,
            "the burst confirmed, refunded and rejected payments");
    h_wait_consumed(h, "customers", "sales");
    char *truth = s_truth(), *kept = s_kept();
    H_CHECK(truth && kept && !strcmp(truth, kept),
            "the totals equal sales' truth:\n sales %s\n kept %s", truth ? truth : "(none)",
            kept ? kept : "(none)");
    H_CHECK(strlen(truth) > 100, "the burst left totals of several customers: %s", truth);
    h_note("orders' amounts exact; customers' totals equal sales': %s", truth);
    free(truth);
    free(kept);
    h_stop(h, "sales", 0);
    h_stop(h, "sales", 1);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_customer_payments: ok\n");
    return 0;
}
