/* test_sales_plans.c: payment plans (回款计划) end to end through the HTTP
 * API against the real gateway, customers, sales and scheduler services,
 * over simulated time (h_clock_fake: every process reads a clock the test
 * moves). Refusals naming their field (an unknown, unapproved or unseen
 * order, a period taken, bad fields); the order's instalments never above
 * its amount, refused with the figure; each instalment's received amount
 * and status (pending, partial, done, void) as payments are confirmed,
 * name an instalment or not, are refunded, and as an instalment is voided;
 * edits and voids by the owner's side only; lists, history and events;
 * four callers racing to plan one order never pass it; a retried create
 * made once; instalments following their order's new owner;
 * then the reminders: payment_plan.due at the start of the business day
 * remind_days before the due date and payment_plan.overdue at the start of
 * the day after it (the instalment overdue from then), once each, not
 * before, never for a done or voided one, with the owner's notifications. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

#define DAY (24LL * 3600)

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

/* An order of token's for cust (3 x 123.45 at 5% off: 35183), approved
 * by mgr unless draft. */
static long long s_order(const char *token, long long cust, int draft)
{
    char *body = crm_sprintf("{\"customer_id\":%lld,\"lines\":[{\"product_id\":%lld,"
                             "\"quantity\":3,\"unit_price\":12345,\"discount_bp\":500}]}",
                             cust, p1);
    long long id = t_created(base, token, "/api/v1/orders", body);
    free(body);
    if (draft)
        return id;
    char path[80], to[48];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/submit", id);
    snprintf(to, sizeof to, "{\"approver_id\":%lld}", mgr_id);
    s_post(token, path, to, 200, NULL, NULL);
    snprintf(path, sizeof path, "/api/v1/orders/%lld/approve", id);
    s_post(mgr, path, "{}", 200, NULL, NULL);
    return id;
}

/* The business day (Asia/Shanghai) days from today, as the sales
 * database's clock says it (simulated). Into out (11 bytes). */
static void s_day(int days, char out[11])
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT to_char((now() AT TIME ZONE 'Asia/Shanghai')::date + %d, 'YYYY-MM-DD')", days);
    PGresult *r = h_sql(h, "sales", sql);
    snprintf(out, 11, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* An instalment of order: amount due in days, reminded remind days before. */
static long long s_plan(const char *token, long long order, long long amount, int days, int remind)
{
    char due[11];
    s_day(days, due);
    char *body = crm_sprintf("{\"order_id\":%lld,\"amount\":%lld,\"due_date\":\"%s\","
                             "\"remind_days\":%d,\"remark\":\"第%lld笔\"}",
                             order, amount, due, remind, amount);
    long long id = t_created(base, token, "/api/v1/payment-plans", body);
    free(body);
    return id;
}

/* A payment of order (naming plan unless 0), confirmed by mgr. */
static long long s_paid(long long order, long long amount, long long plan)
{
    char *body = crm_sprintf("{\"order_id\":%lld,\"amount\":%lld,\"method\":\"bank_transfer\","
                             "\"plan_id\":%lld}",
                             order, amount, plan);
    long long id = t_created(base, emp1, "/api/v1/payments", body);
    free(body);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/payments/%lld/confirm", id);
    s_post(mgr, path, "{}", 200, NULL, NULL);
    return id;
}

static void s_refund(long long payment, long long amount)
{
    char path[80], body[96];
    snprintf(path, sizeof path, "/api/v1/payments/%lld/refund", payment);
    snprintf(body, sizeof body, "{\"amount\":%lld,\"reason\":\"退货\"}", amount);
    s_post(mgr, path, body, 200, NULL, NULL);
}

/* The instalment's status and received amount, as its owner reads it. */
static void s_is(const char *token, long long id, const char *status, long long received)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld", id);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "status"), status) &&
                t_json_int(&r, "received_amount") == received,
            "instalment %lld %s, %lld received: %s", id, status, received, r.raw);
    t_resp_free(&r);
}

/* A refusal whose message names figure. */
static void s_refused_naming(int want, const char *method, const char *path, const char *body,
                             const char *field, const char *figure)
{
    t_resp_t r = t_expect(want, method, base, emp1, body, path);
    H_CHECK(!strcmp(t_err_field(&r), field) && strstr(r.raw, figure) != NULL,
            "refused on %s naming %s: %s", field, figure, r.raw);
    t_resp_free(&r);
}

static long long s_order1, s_a, s_b, s_c;

static void test_refusals_and_sum(void)
{
    const char *pp = "/api/v1/payment-plans";
    long long draft = s_order(emp1, cust1, 1);
    long long order = s_order(emp1, cust1, 0);
    s_order1 = order;
    char due[11], b[256];
    s_day(10, due);
    snprintf(b, sizeof b, "{\"order_id\":999999,\"amount\":100,\"due_date\":\"%s\"}", due);
    s_post(emp1, pp, b, 404, "not_found", "/order_id");
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"due_date\":\"%s\"}", draft, due);
    s_post(emp1, pp, b, 409, "failed_precondition", "/order_id");
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"due_date\":\"%s\"}", order, due);
    s_post(empb, pp, b, 404, "not_found", "/order_id"); /* another department's */
    s_post(emp1, pp, "{\"amount\":100}", 400, "invalid_argument", "/order_id");
    t_resp_t r = t_expect(400, "POST", base, emp1, "{\"order_id\":1}", pp);
    H_CHECK(strstr(r.raw, "due_date") && strstr(r.raw, "amount"),
            "every field at fault at once: %s", r.raw);
    t_resp_free(&r);
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"due_date\":\"2026-02-30\"}", order);
    s_post(emp1, pp, b, 400, "invalid_argument", "/due_date");
    snprintf(b, sizeof b,
             "{\"order_id\":%lld,\"amount\":100,\"due_date\":\"%s\",\"remind_days\":366}", order,
             due);
    s_post(emp1, pp, b, 400, "invalid_argument", "/remind_days");
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"due_date\":\"%s\",\"status\":1}",
             order, due);
    s_post(emp1, pp, b, 400, "invalid_argument", "/status");

    /* Three instalments: 10000 (the 5th day), 15000 (the 10th), and at
     * most 10183 more; periods numbered 1, 2, 3; the owner the order's. */
    s_a = s_plan(emp1, order, 10000, 5, 1);
    s_b = s_plan(emp1, order, 15000, 10, 2);
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":10184,\"due_date\":\"%s\"}", order, due);
    s_refused_naming(409, "POST", pp, b, "/amount", "at most 10183");
    s_refused_naming(409, "POST", pp, b, "/amount", "35184");
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"due_date\":\"%s\",\"period\":2}",
             order, due);
    s_post(emp1, pp, b, 409, "already_exists", "/period");
    s_c = s_plan(emp1, order, 10183, 20, 0);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld", s_c);
    r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(t_json_int(&r, "period") == 3 && t_json_int(&r, "owner_id") == emp1_id &&
                t_json_int(&r, "customer_id") == cust1 &&
                !strncmp(t_json_str(&r, "order_number"), "DD-", 3) &&
                !strcmp(t_json_str(&r, "status"), "pending") &&
                strlen(t_json_str(&r, "remind_at")) > 20 &&
                strstr(t_json_str(&r, "overdue_at"), "T00:00:00.000000+08:00"),
            "the third: %s", r.raw);
    t_resp_free(&r);
    /* An edit above what is left: refused with the figure; within: taken. */
    s_refused_naming(409, "PATCH", path, "{\"amount\":10184}", "/amount", "at most 10183");
    t_expect_error(400, "invalid_argument", "/due_date", "PATCH", base, emp1, "{\"due_date\":null}",
                   path);
    t_expect_error(400, "invalid_argument", "/status", "PATCH", base, emp1, "{\"status\":\"done\"}",
                   path);
    t_expect_error(404, "not_found", NULL, "PATCH", base, empb, "{\"remark\":\"x\"}", path);
    r = t_expect(200, "PATCH", base, emp1, "{\"amount\":10000,\"remark\":\"尾款\"}", path);
    H_CHECK(t_json_int(&r, "amount") == 10000 && !strcmp(t_json_str(&r, "remark"), "尾款"),
            "edited: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(
        h_sql_intf(h, "sales",
                   "SELECT sum(amount) FROM payment_plans WHERE order_id = %lld AND status <> 5",
                   order) == 35000,
        "the instalments come to 35000");
    h_note("refused naming order_id (unknown, draft, another department's), due_date,"
           " remind_days, period; above the order's amount: 409 naming at most 10183");
}

static void test_matching(void)
{
    long long order = s_order1;
    /* Unnamed payments fill the earliest due first. */
    long long pay1 = s_paid(order, 6000, 0);
    s_is(emp1, s_a, "partial", 6000);
    s_is(emp1, s_b, "pending", 0);
    long long pay2 = s_paid(order, 9000, 0);
    s_is(emp1, s_a, "done", 10000);
    s_is(emp1, s_b, "partial", 5000);
    /* A payment naming the third goes to it. */
    long long pay3 = s_paid(order, 5000, s_c);
    s_is(emp1, s_c, "partial", 5000);
    s_is(emp1, s_b, "partial", 5000);
    /* A pending one counts for nothing until confirmed. */
    char b[160];
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"method\":\"cash\"}", order);
    long long pending = t_created(base, emp1, "/api/v1/payments", b);
    s_is(emp1, s_b, "partial", 5000);
    /* Refunds take back, latest due first: 11000 net left unnamed. */
    s_refund(pay2, 4000);
    s_is(emp1, s_a, "done", 10000);
    s_is(emp1, s_b, "partial", 1000);
    s_refund(pay1, 6000);
    s_is(emp1, s_a, "partial", 5000);
    s_is(emp1, s_b, "pending", 0);
    s_is(emp1, s_c, "partial", 5000);
    /* A payment naming another order's instalment, or a voided one: refused. */
    long long other = s_order(emp1, cust1, 0);
    long long elsewhere = s_plan(emp1, other, 100, 30, 0);
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"method\":\"cash\",\"plan_id\":%lld}",
             order, elsewhere);
    s_post(emp1, "/api/v1/payments", b, 400, "invalid_argument", "/plan_id");
    /* Voided: a reason required, final; what it had goes to the next. */
    char path[80];
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld/void", s_a);
    s_post(emp1, path, "{}", 400, "invalid_argument", "/reason");
    s_post(empb, path, "{\"reason\":\"x\"}", 404, "not_found", NULL);
    s_post(emp1, path, "{\"reason\":\"客户改为两期\"}", 200, NULL, NULL);
    s_is(emp1, s_a, "void", 0);
    s_is(emp1, s_b, "partial", 5000);
    s_post(emp1, path, "{\"reason\":\"again\"}", 409, "failed_precondition", "/status");
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld", s_a);
    t_expect_error(409, "failed_precondition", "/status", "PATCH", base, emp1, "{\"remark\":\"x\"}",
                   path);
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":100,\"method\":\"cash\",\"plan_id\":%lld}",
             order, s_a);
    s_post(emp1, "/api/v1/payments", b, 409, "failed_precondition", "/plan_id");
    /* An edit lowering the third to what it received: done. */
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld", s_c);
    t_resp_t r = t_expect(200, "PATCH", base, emp1, "{\"amount\":5000}", path);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "done") && t_json_int(&r, "received_amount") == 5000,
            "the edit's reply shows what it received: %s", r.raw);
    t_resp_free(&r);
    /* The pending one rejected changes nothing; confirmed, it fills the second. */
    snprintf(path, sizeof path, "/api/v1/payments/%lld/confirm", pending);
    s_post(mgr, path, "{}", 200, NULL, NULL);
    s_is(emp1, s_b, "partial", 5100);
    /* A payment naming a full instalment: what overflows goes to the earliest open. */
    s_paid(order, 1000, s_c);
    s_is(emp1, s_c, "done", 5000);
    s_is(emp1, s_b, "partial", 6100);
    (void)pay3;
    /* History and events. */
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld/history", s_a);
    r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "voided") &&
                !strcmp(t_json_str(&r, "items.0.reason"), "客户改为两期") &&
                !strcmp(t_json_str(&r, "items.1.action"), "created"),
            "history: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_events(h, "sales", "payment_plan.created", s_a) == 1 &&
                h_events(h, "sales", "payment_plan.voided", s_a) == 1 &&
                h_events(h, "sales", "payment_plan.updated", s_c) == 2,
            "the events");
    h_note("matching: unnamed payments fill the earliest due first, named ones their own;"
           " pending -> partial -> done, back to partial and pending as refunds come; a void"
           " one's share to the next");
}

/* The matching rule worked out here from the order's instalments and
 * payments as stored (docs/sales.md, "Payment plans"), against what the
 * database derived, after random payments (named or not), refunds and a
 * void. */
static void s_check_matching(long long order)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id, amount, status, received_amount FROM payment_plans WHERE order_id = %lld"
             " ORDER BY due_date, period, id",
             order);
    PGresult *plans = h_sql(h, "sales", sql);
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(plan_id, 0), amount - refunded_amount FROM payments WHERE order_id ="
             " %lld AND status IN (2, 4)",
             order);
    PGresult *pays = h_sql(h, "sales", sql);
    int n = PQntuples(plans);
    long long want[64] = {0}, pool = 0;
    for (int j = 0; j < PQntuples(pays); j++)
        pool += atoll(PQgetvalue(pays, j, 1));
    for (int i = 0; i < n && i < 64; i++) { /* named first, up to each amount */
        if (atoi(PQgetvalue(plans, i, 2)) == 5)
            continue;
        long long named = 0;
        for (int j = 0; j < PQntuples(pays); j++)
            if (!strcmp(PQgetvalue(pays, j, 0), PQgetvalue(plans, i, 0)))
                named += atoll(PQgetvalue(pays, j, 1));
        long long amount = atoll(PQgetvalue(plans, i, 1));
        want[i] = named < amount ? named : amount;
        pool -= want[i];
    }
    for (int i = 0; i < n && i < 64; i++) { /* the rest, earliest due first */
        if (atoi(PQgetvalue(plans, i, 2)) == 5)
            continue;
        long long room = atoll(PQgetvalue(plans, i, 1)) - want[i];
        long long give = pool < room ? pool : room;
        want[i] += give;
        pool -= give;
    }
    for (int i = 0; i < n && i < 64; i++) {
        long long got = atoll(PQgetvalue(plans, i, 3)), amount = atoll(PQgetvalue(plans, i, 1));
        int status = atoi(PQgetvalue(plans, i, 2));
        int want_status = status == 5 ? 5 : want[i] >= amount ? 3 : want[i] > 0 ? 2 : 1;
        H_CHECK(got == want[i] && status == want_status,
                "instalment %s: received %lld (want %lld), status %d (want %d)",
                PQgetvalue(plans, i, 0), got, want[i], status, want_status);
    }
    PQclear(plans);
    PQclear(pays);
}

static void test_matching_random(void)
{
    unsigned seed = 20261201;
    srand(seed);
    long long order = s_order(emp1, cust1, 0), planned = 0, plans[10];
    int n = 0;
    while (n < 10) {
        long long amount = 1000 + rand() % 3000;
        if (planned + amount > 35183)
            break;
        plans[n++] = s_plan(emp1, order, amount, 10 + rand() % 5, 0); /* some due the same day */
        planned += amount;
    }
    long long paid = 0;
    for (int k = 0; k < 16; k++) {
        long long amount = 100 + rand() % 3000;
        if (paid + amount > 35183)
            break;
        int live = k > 8; /* plans[0] is void from then on */
        long long named = rand() % 2 ? plans[live + rand() % (n - live)] : 0;
        long long id = s_paid(order, amount, named);
        paid += amount;
        if (rand() % 3 == 0) {
            long long back = 1 + rand() % amount;
            s_refund(id, back);
            paid -= back;
        }
        if (k == 8) { /* one voided half way: its share moves on */
            char path[80];
            snprintf(path, sizeof path, "/api/v1/payment-plans/%lld/void", plans[0]);
            s_post(emp1, path, "{\"reason\":\"合并\"}", 200, NULL, NULL);
        }
        s_check_matching(order);
    }
    h_note("matching: %d instalments, random payments named or not, refunds and a void: each"
           " instalment's received amount and status as the rule says after every step (seed %u)",
           n, seed);
}

static void test_scope(void)
{
    long long order = s_order(empb, custb, 0);
    long long theirs = s_plan(empb, order, 100, 30, 0);
    H_CHECK(!t_listed(base, emp1, "/api/v1/payment-plans?limit=200", theirs),
            "emp1 does not list empb's");
    H_CHECK(t_listed(base, empb, "/api/v1/payment-plans?view=mine", theirs), "empb's own");
    H_CHECK(t_listed(base, mgr, "/api/v1/payment-plans?view=subordinates&limit=200", s_b) &&
                !t_listed(base, mgr, "/api/v1/payment-plans?limit=200", theirs),
            "the manager's subordinates', not another department's");
    char path[160];
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld", theirs);
    t_expect_error(404, "not_found", "id", "GET", base, emp1, NULL, path);
    snprintf(path, sizeof path,
             "/api/v1/payment-plans?order_id=%lld&statuses=partial,done&ascending=true&total=true",
             s_order1);
    t_resp_t r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 2 && t_json_int(&r, "items.0.id") == s_b &&
                t_json_int(&r, "items.1.id") == s_c,
            "filters, by due date: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(t_exported(base, emp1, "/api/v1/payment-plans/export?format=csv", s_b), "exported");
    h_note("scope: own, subordinates', not another department's (404); filters, export");
}

/* A child's share of the race: n instalments of 1000 on order, each
 * answered 201 or 409 naming amount. Exits with how many were taken (255:
 * another answer). */
static void s_racer(long long order, const char *due, int n)
{
    t_http_after_fork();
    int taken = 0;
    char b[160];
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":1000,\"due_date\":\"%s\"}", order, due);
    for (int i = 0; i < n; i++) {
        t_resp_t r;
        t_httpf(&r, "POST", base, emp1, b, "/api/v1/payment-plans");
        if (r.status == 201)
            taken++;
        else if (r.status != 409 || strcmp(t_err_field(&r), "/amount") != 0)
            _exit(255);
        t_resp_free(&r);
    }
    _exit(taken);
}

/* Four callers at once add 48 instalments of 1000 to an order of 35183:
 * exactly 35 are taken, numbered 1 to 35, the rest refused; a create
 * retried with its Idempotency-Key is made once; the instalments follow
 * their order to its new owner. */
static void test_race_retry_transfer(void)
{
    long long order = s_order(emp1, cust1, 0);
    char due[11];
    s_day(40, due);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        fflush(NULL);
        kids[k] = fork();
        H_CHECK(kids[k] >= 0, "fork");
        if (kids[k] == 0)
            s_racer(order, due, 12);
    }
    int taken = 0;
    for (int k = 0; k < 4; k++) {
        int st = 0;
        waitpid(kids[k], &st, 0);
        H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 255, "racer %d: 201 or 409 on amount", k);
        taken += WEXITSTATUS(st);
    }
    H_CHECK(taken == 35 &&
                h_sql_intf(h, "sales",
                           "SELECT count(DISTINCT period) FROM payment_plans WHERE order_id = %lld"
                           " AND period BETWEEN 1 AND 35",
                           order) == 35 &&
                h_sql_intf(h, "sales",
                           "SELECT sum(amount) FROM payment_plans WHERE order_id = %lld",
                           order) == 35000,
            "35 of 48 taken (%d), periods 1..35", taken);
    /* A retry with the same key: the same instalment, written once. */
    long long other = s_order(emp1, cust1, 0);
    char b[160];
    snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":500,\"due_date\":\"%s\"}", other, due);
    long long ids[2];
    for (int i = 0; i < 2; i++) {
        t_http_header("Idempotency-Key: plan-retry-1");
        t_resp_t r = t_expect(201, "POST", base, emp1, b, "/api/v1/payment-plans");
        ids[i] = t_json_int(&r, "id");
        t_resp_free(&r);
    }
    H_CHECK(ids[0] == ids[1] &&
                h_sql_intf(h, "sales", "SELECT count(*) FROM payment_plans WHERE order_id = %lld",
                           other) == 1,
            "a retried create made once (%lld, %lld)", ids[0], ids[1]);
    /* The order transferred: its instalments' owner with it. */
    char path[64], body[96];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/transfer", other);
    snprintf(body, sizeof body, "{\"to_owner_id\":%lld,\"reason\":\"调岗\"}", emp2_id);
    s_post(mgr, path, body, 200, NULL, NULL);
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld", ids[0]);
    t_resp_t r = t_expect(200, "GET", base, emp2, NULL, path);
    H_CHECK(t_json_int(&r, "owner_id") == emp2_id, "the new owner's: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, emp1, NULL, path);
    h_note("four callers at once: 35 of 48 instalments of 1000 taken into 35183, the rest refused"
           " on amount; a retried create made once; instalments follow their order's owner");
}

/* One child confirms payments into an order while another edits its
 * instalments (two of them): the two kinds of change lock
 * the order first, so none waits on the other crosswise (a deadlock would
 * answer 5xx or 409 aborted); afterwards the matching is exact. */
static void s_payer(long long order, int n)
{
    t_http_after_fork();
    for (int i = 0; i < n; i++) {
        char b[128], path[80];
        snprintf(b, sizeof b, "{\"order_id\":%lld,\"amount\":500,\"method\":\"cash\"}", order);
        t_resp_t r;
        t_httpf(&r, "POST", base, emp1, b, "/api/v1/payments");
        if (r.status != 201)
            _exit(1);
        snprintf(path, sizeof path, "/api/v1/payments/%lld/confirm", t_json_int(&r, "id"));
        t_resp_free(&r);
        t_httpf(&r, "POST", base, mgr, "{}", path);
        if (r.status != 200)
            _exit(2);
        t_resp_free(&r);
    }
    _exit(0);
}

static void s_editor(long long plan, int n)
{
    t_http_after_fork();
    for (int i = 0; i < n; i++) {
        char path[80], b[64];
        snprintf(path, sizeof path, "/api/v1/payment-plans/%lld", plan);
        snprintf(b, sizeof b, "{\"amount\":%d,\"remind_days\":%d}", i % 2 ? 5000 : 4000, i % 5);
        t_resp_t r;
        t_httpf(&r, "PATCH", base, emp1, b, path);
        if (r.status != 200)
            _exit(3);
        t_resp_free(&r);
    }
    _exit(0);
}

static void test_race_payments_edits(void)
{
    long long order = s_order(emp1, cust1, 0), plans[4];
    for (int i = 0; i < 4; i++)
        plans[i] = s_plan(emp1, order, 5000, 10 + i, 1);
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        fflush(NULL);
        kids[k] = fork();
        H_CHECK(kids[k] >= 0, "fork");
        if (kids[k] == 0) {
            if (k == 0)
                s_payer(order, 12);
            s_editor(plans[k == 1 ? 0 : 3], 12);
        }
    }
    for (int k = 0; k < 3; k++) {
        int st = 0;
        waitpid(kids[k], &st, 0);
        H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d answered as it should (%d)", k,
                WEXITSTATUS(st));
    }
    s_check_matching(order);
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT sum(received_amount) FROM payment_plans WHERE order_id = %lld",
                       order) == 6000,
            "the 12 payments of 500 all matched");
    h_note("payments confirmed while instalments are edited: no deadlock, the matching exact");
}

/* Moves the clock, then runs both jobs once more and lets them be applied
 * (as test_sales_stale: each process reads a jump up to a second apart). */
static void s_advance(long long seconds)
{
    h_clock_advance(seconds);
    char *a = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_run_job(h, base, a, "sales.plan_due");
    t_run_job(h, base, a, "sales.plan_overdue");
    free(a);
    h_wait_consumed(h, "sales", "scheduler");
    free(emp1); /* the old tokens have expired */
    free(mgr);
    emp1 = t_login(base, "emp1", "a-better-one");
    mgr = t_login(base, "mgr", "a-better-one");
}

static long long s_due(long long id)
{
    return h_events(h, "sales", "payment_plan.due", id);
}

static long long s_overdue(long long id)
{
    return h_events(h, "sales", "payment_plan.overdue", id);
}

static void test_reminders(void)
{
    /* Three instalments due in 3 days, reminded a day before: one left,
     * one paid whole, one voided. */
    long long order = s_order(emp1, cust1, 0);
    long long left = s_plan(emp1, order, 10000, 3, 1);
    long long paid = s_plan(emp1, order, 10000, 3, 1);
    long long gone = s_plan(emp1, order, 10000, 3, 1);
    s_paid(order, 10000, paid);
    s_is(emp1, paid, "done", 10000);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/payment-plans/%lld/void", gone);
    s_post(emp1, path, "{\"reason\":\"取消\"}", 200, NULL, NULL);

    s_advance(1 * DAY); /* day 1: nothing yet */
    H_CHECK(s_due(left) == 0 && s_overdue(left) == 0, "nothing at day 1");
    s_advance(1 * DAY + 60); /* day 2: its reminder day has begun */
    H_CHECK(h_wait_events(h, "sales", "payment_plan.due", left, 1, 30000) == 1,
            "the left one due at day 2");
    H_CHECK(s_due(paid) == 0 && s_due(gone) == 0 && s_overdue(left) == 0,
            "not the done nor the void one; not overdue yet");
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type ="
             " 'payment_plan.due' AND aggregate_id = '%lld' AND title LIKE '回款计划即将到期%%'",
             emp1_id, left);
    H_CHECK(h_wait_sql(h, "gateway", sql, 1, 15000) == 1, "its owner notified");
    s_advance(1 * DAY); /* day 3: the due date itself */
    H_CHECK(s_due(left) == 1 && s_overdue(left) == 0, "not overdue on its due date");
    s_is(emp1, left, "pending", 0);
    s_advance(1 * DAY); /* day 4: the day after */
    H_CHECK(h_wait_events(h, "sales", "payment_plan.overdue", left, 1, 30000) == 1,
            "the left one overdue at day 4");
    s_is(emp1, left, "overdue", 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type ="
             " 'payment_plan.overdue' AND aggregate_id = '%lld' AND title LIKE '回款计划已逾期%%'",
             emp1_id, left);
    H_CHECK(h_wait_sql(h, "gateway", sql, 1, 15000) == 1, "its owner told it is overdue");
    /* Partly paid while overdue: still overdue; paid whole: done. */
    s_paid(order, 4000, left);
    s_is(emp1, left, "overdue", 4000);
    s_advance(3 * DAY);
    H_CHECK(s_due(left) == 1 && s_overdue(left) == 1 && s_due(paid) == 0 && s_overdue(paid) == 0 &&
                s_due(gone) == 0 && s_overdue(gone) == 0,
            "once each; never the done nor the void one");
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox o JOIN payment_plans q ON o.aggregate_id ="
                      " q.id::text WHERE (o.type = 'payment_plan.due' AND o.occurred_at <"
                      " q.remind_at) OR (o.type = 'payment_plan.overdue' AND o.occurred_at <"
                      " q.overdue_at)") == 0,
            "none before its time");
    h_note("reminders: due at the start of the day remind_days before, overdue the day after,"
           " once each, not for done or void instalments; overdue stays until paid whole");
}

int main(void)
{
    h_clock_fake();
    h = h_new("sales_plans");
    h_suite(h, 1, 1, 1, 1);
    base = h_gateway(h);
    h_start_all(h);
    /* The sweeps a year away: the timers alone fire the jobs (and the
     * test's runs after each jump). */
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET override_spec = 'every 31622400', next_fire_at ="
                  " now() + interval '1 year' WHERE name IN ('sales.plan_due',"
                  " 'sales.plan_overdue')"));
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long a = t_new_dept(base, admin, "回款一部", 1),
              b = t_new_dept(base, admin, "回款二部", 1);
    mgr = t_new_user(base, admin, "mgr", "manager", a, &mgr_id);
    emp1 = t_new_user(base, admin, "emp1", "employee", a, &emp1_id);
    emp2 = t_new_user(base, admin, "emp2", "employee", a, &emp2_id);
    empb = t_new_user(base, admin, "empb", "employee", b, &empb_id);
    cust1 = s_customer("甲公司", emp1_id);
    custb = s_customer("丙公司", empb_id);
    p1 = t_created(base, admin, "/api/v1/products",
                   "{\"name\":\"产品P1\",\"code\":\"P1\",\"list_price\":999}");

    test_refusals_and_sum();
    test_matching();
    test_matching_random();
    test_scope();
    test_race_retry_transfer();
    test_race_payments_edits();
    test_reminders();

    free(mgr);
    free(empb);
    free(emp2);
    free(emp1);
    free(admin);
    h_destroy(&h);
    printf("sales_plans: ok\n");
    return 0;
}
