/* bench_orders.c: issue #13's order cycle per second at 16 concurrent
 * callers: create an order (one product line) in draft, submit it to a
 * chosen approver, approve it, record a payment of its whole amount,
 * confirm the payment. Each step is run for every order of the run by 16
 * callers (each its own client, one call in flight each), step after
 * step, so that each step's p50/p99 is its own; cycles per second are the
 * orders over the five steps' time together.
 *
 * The organisation: 16 owners (users 1..16, department 1 under the
 * division 100), their approver (user 5000, the division's manager);
 * payments confirmed by an admin. A customer per owner (customer u is
 * owner u's, in the read model) and one product.
 *
 * Beside it, in the same run on the same database: pgbench at 16 clients
 * running bench_orders.pgbench, the statements the service runs for the
 * five steps in the same five transactions (one pgbench transaction is a
 * whole cycle), as PostgreSQL's statement log of one cycle showed them
 * (log_statement = all, 2026-12-01), the parameters written in, the ids
 * from the sequences, unique numbers and keys. A snapshot of the service's
 * SQL: take it again when the steps' statements change.
 *
 *     bench_orders [orders]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "calls.h"
#include "harness.h"
#include "pgbench.h"
#include "sales.pb-c.h"
#include "stats.h"

#define CALLERS 16
#define APPROVER 5000
#define DIVISION 100
#define PRICE 123456

typedef struct {
    int step; /* 0 create, 1 submit, 2 approve, 3 pay, 4 confirm */
    int64_t *orders, *payments, product;
    int64_t owners[CALLERS];
    Crm__Sales__OpportunityLine line, *lines[1];
    Crm__Sales__CreateOrderRequest create;
    Crm__Sales__SubmitOrderRequest submit;
    Crm__Sales__DecideOrderRequest approve;
    Crm__Sales__CreatePaymentRequest pay;
    Crm__Sales__DecidePaymentRequest confirm;
} cycle_t;

static int64_t s_owner(int i)
{
    return 1 + i % CALLERS;
}

static const ProtobufCMessage *s_make(void *arg, int i, const Crm__Caller **caller)
{
    cycle_t *c = arg;
    int64_t owner = s_owner(i);
    *caller = calls_caller(CRM__ROLE__ROLE_EMPLOYEE, owner, 1, 0, &owner, 1);
    switch (c->step) {
    case 0:
        crm__sales__create_order_request__init(&c->create);
        c->create.customer_id = owner; /* customer u is owner u's */
        c->create.owner_id = owner;
        c->create.lines = c->lines;
        c->create.n_lines = 1;
        return &c->create.base;
    case 1:
        crm__sales__submit_order_request__init(&c->submit);
        c->submit.id = c->orders[i];
        c->submit.approver_id = APPROVER;
        return &c->submit.base;
    case 2:
        crm__sales__decide_order_request__init(&c->approve);
        c->approve.id = c->orders[i];
        c->approve.comment = "同意";
        *caller = calls_caller(CRM__ROLE__ROLE_MANAGER, APPROVER, DIVISION, 0, c->owners, CALLERS);
        return &c->approve.base;
    case 3:
        crm__sales__create_payment_request__init(&c->pay);
        c->pay.order_id = c->orders[i];
        c->pay.amount = 2 * PRICE;
        c->pay.method = CRM__SALES__PAYMENT_METHOD__PAYMENT_METHOD_BANK_TRANSFER;
        return &c->pay.base;
    default:
        crm__sales__decide_payment_request__init(&c->confirm);
        c->confirm.id = c->payments[i];
        *caller = calls_caller(CRM__ROLE__ROLE_ADMIN, 1, 1, 1, NULL, 0);
        return &c->confirm.base;
    }
}

/* Keeps the ids the create steps return (the order's, the payment's). */
static int s_check(void *arg, int i, const crm_rpc_result_t *res)
{
    cycle_t *c = arg;
    if (res->status != CRM__STATUS__OK)
        return -1;
    if (c->step == 0)
        c->orders[i] = ((Crm__Sales__Order *)res->payload)->id;
    else if (c->step == 3)
        c->payments[i] = ((Crm__Sales__Payment *)res->payload)->id;
    return 0;
}

/* bench_orders.pgbench, beside this source. */
static char *s_script(void)
{
    char *path = NULL;
    const char *slash = strrchr(__FILE__, '/');
    if (asprintf(&path, "%.*sbench_orders.pgbench", slash ? (int)(slash - __FILE__ + 1) : 0,
                 __FILE__) < 0)
        exit(1);
    if (access(path, R_OK) != 0) {
        perror(path);
        exit(1);
    }
    return path;
}

/* The owners, their department under the division, the approver; the
 * customer in the sales service's read model; the product. */
static void s_seed(h_t *h, cycle_t *c)
{
    h_execf(h, "sales",
            "INSERT INTO crm_org_departments (id, parent_id) VALUES (%d, 0), (1, %d)"
            " ON CONFLICT (id) DO NOTHING;"
            " INSERT INTO crm_org_users (id, department_id) SELECT u, 1 FROM"
            " generate_series(1, %d) u ON CONFLICT (id) DO NOTHING;"
            " INSERT INTO crm_org_users (id, department_id) VALUES (%d, %d)"
            " ON CONFLICT (id) DO NOTHING;"
            " INSERT INTO sales_customers (id, name, owner_id, department_id) SELECT u,"
            " '压测客户' || u, u, 1 FROM generate_series(1, %d) u ON CONFLICT (id) DO NOTHING",
            DIVISION, DIVISION, CALLERS, APPROVER, DIVISION, CALLERS);
    c->product = h_sql_intf(h, "sales",
                            "INSERT INTO products (name, code, list_price) VALUES ('压测产品',"
                            " 'BENCH-1', %d) RETURNING id",
                            PRICE);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    h_t *h = h_new("bench_orders");
    h_suite_counts(h, "sales=1");
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    cycle_t c;
    memset(&c, 0, sizeof c);
    s_seed(h, &c);
    for (int k = 0; k < CALLERS; k++)
        c.owners[k] = k + 1;
    crm__sales__opportunity_line__init(&c.line);
    c.line.product_id = c.product;
    c.line.quantity = 2;
    c.lines[0] = &c.line;
    c.orders = calloc((size_t)n, sizeof *c.orders);
    c.payments = calloc((size_t)n, sizeof *c.payments);
    static const char *const methods[] = {"Sales.CreateOrder", "Sales.SubmitOrder",
                                          "Sales.ApproveOrder", "Sales.CreatePayment",
                                          "Sales.ConfirmPayment"};
    const ProtobufCMessageDescriptor *outs[] = {
        &crm__sales__order__descriptor, &crm__sales__order__descriptor,
        &crm__sales__order__descriptor, &crm__sales__payment__descriptor,
        &crm__sales__payment__descriptor};
    printf("order cycle: %d orders, %d callers, 1 in flight each, step after step\n", n, CALLERS);
    double seconds = 0;
    for (c.step = 0; c.step < 5; c.step++) {
        calls_spec_t spec = {.endpoint = h_rpc(h, "sales"),
                             .method = methods[c.step],
                             .out = outs[c.step],
                             .make = s_make,
                             .check = s_check,
                             .arg = &c,
                             .label = methods[c.step]};
        double rate = calls_run_spec(zctx, &spec, n, CALLERS, 1);
        printf("  %-20s %8.0f calls/s\n", methods[c.step], rate);
        seconds += n / rate;
    }
    long long paid = h_sql_intf(
        h, "sales", "SELECT count(*) FROM orders WHERE status = 3 AND paid_amount = %d", 2 * PRICE);
    printf("  cycles: %.0f/s (orders approved and paid in full: %lld of %d)\n", n / seconds, paid,
           n);
    char *script = s_script();
    double raw = pgbench_run(h, "sales", script, CALLERS);
    printf("  pgbench, the cycle's statements in its five transactions, %d clients (raw limit):"
           " %.0f cycles/s; the service %.0f%% of it\n",
           CALLERS, raw, 100 * (n / seconds) / raw);
    free(script);
    free(c.orders);
    free(c.payments);
    zmq_ctx_term(zctx);
    h_stop(h, "sales", 0);
    h_destroy(&h);
    return paid == n ? 0 : 1;
}
