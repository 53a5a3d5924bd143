/* test_sales_performance.c: performance (业绩) and targets (业绩目标) end
 * to end through the HTTP API against the real gateway, customers and
 * sales services, over simulated time (h_clock_fake): a fixture of two
 * months and two departments under a division, every figure worked out
 * by hand below; a later void, refund, reopening and confirmation change
 * the month they happen in and never the month before (the facts of
 * sql/040, credited to whoever the first fact credited even after a
 * transfer); only approved orders and confirmed payments count; periods
 * as months, a range, the person, the subtree, the company; rankings,
 * their order and ties; targets set and their progress by month and year;
 * who may see and set what; every bad input refused naming its field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

#define PW "a-better-one"

static h_t *h;
static const char *base;
static char *admin, *md, *ma, *a1, *a2, *b1;
static long long md_id, ma_id, a1_id, a2_id, b1_id, dept_d, dept_a, dept_b, p1;
static char m1[8], m2[8]; /* the two months, YYYY-MM */

/* ---- steps --------------------------------------------------------------------- */

static void s_post(const char *token, const char *path, const char *body)
{
    t_resp_t r = t_expect(200, "POST", base, token, body, path);
    t_resp_free(&r);
}

static long long s_customer(const char *name, long long owner)
{
    char *body =
        crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld,\"allow_duplicate\":true}", name, owner);
    long long id = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    /* Locked (锁定): never recycled to a pool while the clock jumps months. */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/lock", id);
    s_post(admin, path, "{}");
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sales_customers WHERE id = %lld", id);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "customer %lld in the read model", id);
    return id;
}

/* An order of token's for cust of qty x price at discount_bp off, submitted
 * to approver; decided by approver_token when given ("approve" or "reject"). */
static long long s_order(const char *token, long long cust, int qty, long long price,
                         int discount_bp, long long approver, const char *approver_token,
                         const char *decision)
{
    char *body = crm_sprintf("{\"customer_id\":%lld,\"lines\":[{\"product_id\":%lld,"
                             "\"quantity\":%d,\"unit_price\":%lld,\"discount_bp\":%d}]}",
                             cust, p1, qty, price, discount_bp);
    long long id = t_created(base, token, "/api/v1/orders", body);
    free(body);
    char path[80], to[48];
    snprintf(path, sizeof path, "/api/v1/orders/%lld/submit", id);
    snprintf(to, sizeof to, "{\"approver_id\":%lld}", approver);
    s_post(token, path, to);
    snprintf(path, sizeof path, "/api/v1/orders/%lld/%s", id, decision);
    s_post(approver_token, path, "{\"comment\":\"ok\"}");
    return id;
}

/* A payment of amount on order by token, confirmed by finance (NULL: left
 * pending). */
static long long s_pay(const char *token, long long order, long long amount, const char *finance)
{
    char *body = crm_sprintf("{\"order_id\":%lld,\"amount\":%lld,\"method\":\"bank_transfer\"}",
                             order, amount);
    long long id = t_created(base, token, "/api/v1/payments", body);
    free(body);
    if (finance) {
        char path[80];
        snprintf(path, sizeof path, "/api/v1/payments/%lld/confirm", id);
        s_post(finance, path, "{}");
    }
    return id;
}

/* An opportunity of token's for cust of amount, won. */
static long long s_won(const char *token, long long cust, long long amount)
{
    char *body =
        crm_sprintf("{\"name\":\"业绩商机\",\"customer_id\":%lld,\"amount\":%lld}", cust, amount);
    long long id = t_created(base, token, "/api/v1/opportunities", body);
    free(body);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/stage", id);
    s_post(token, path, "{\"status\":\"won\"}");
    return id;
}

/* Moves every process's clock to the 10th of the next month, 10:00 in the
 * business time zone, and signs everyone in again (tokens expire). */
static void s_next_month(char month[8])
{
    long long secs = h_sql_int(
        h, "sales",
        "SELECT extract(epoch FROM ((date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')"
        " + interval '1 month 9 days 10 hours') AT TIME ZONE 'Asia/Shanghai') - now())::bigint");
    h_clock_advance(secs);
    char *m =
        h_sql_text(h, "sales", "SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')");
    snprintf(month, 8, "%s", m);
    free(m);
    char **tokens[] = {&admin, &md, &ma, &a1, &a2, &b1};
    const char *names[] = {H_ADMIN_USER, "pmd", "pma", "pa1", "pa2", "pb1"};
    for (int i = 0; i < 6; i++) {
        free(*tokens[i]);
        *tokens[i] = t_login(base, names[i], i ? PW : H_ADMIN_PASSWORD);
    }
}

/* ---- checks -------------------------------------------------------------------- */

/* GET /performance?query as token answers these figures. */
static void s_figures(const char *token, const char *query, long long won_n, long long won_a,
                      long long ord_n, long long ord_a, long long pay, long long rate_bp)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/performance?%s", query);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    H_CHECK(t_json_int(&r, "figures.won_count") == won_n &&
                t_json_int(&r, "figures.won_amount") == won_a &&
                t_json_int(&r, "figures.order_count") == ord_n &&
                t_json_int(&r, "figures.order_amount") == ord_a &&
                t_json_int(&r, "figures.payment_amount") == pay &&
                t_json_int(&r, "figures.payment_rate_bp") == rate_bp,
            "%s: want won %lld/%lld, orders %lld/%lld, paid %lld, rate %lld: %s", query, won_n,
            won_a, ord_n, ord_a, pay, rate_bp, r.raw);
    t_resp_free(&r);
}

static void s_person(const char *token, const char *month, long long owner, long long won_n,
                     long long won_a, long long ord_n, long long ord_a, long long pay,
                     long long rate_bp)
{
    char q[96];
    snprintf(q, sizeof q, "period=%s&owner_id=%lld", month, owner);
    s_figures(token, q, won_n, won_a, ord_n, ord_a, pay, rate_bp);
}

static void s_dept(const char *token, const char *month, long long dept, long long won_n,
                   long long won_a, long long ord_n, long long ord_a, long long pay,
                   long long rate_bp)
{
    char q[96];
    snprintf(q, sizeof q, "period=%s&scope=department&department_id=%lld", month, dept);
    s_figures(token, q, won_n, won_a, ord_n, ord_a, pay, rate_bp);
}

/* The division's figures over [from, to) as its manager. */
static void s_range(const char *from, const char *to, long long won_n, long long won_a,
                    long long ord_n, long long ord_a, long long pay, long long rate_bp)
{
    char q[160];
    snprintf(q, sizeof q, "from=%s&to=%s&scope=department&department_id=%lld", from, to, dept_d);
    s_figures(md, q, won_n, won_a, ord_n, ord_a, pay, rate_bp);
}

/* Restarts sales folding every ms (3600000: not during the test), and
 * waits until everything is folded when it folds. */
static void s_fold_every(const char *ms)
{
    char env[48];
    snprintf(env, sizeof env, "CRM_SALES_FOLD_MS=%s", ms);
    h_stop(h, "sales", 0);
    h_setenv(h, env);
    h_start(h, "sales", 0);
    if (strcmp(ms, "3600000") != 0)
        H_CHECK(h_wait_sql(h, "sales", "SELECT count(*) FROM sales_perf_pending", 0, 20000) == 0,
                "every fact folded into its month");
}

/* The ranking at query: n entries, owners and ranks in order. */
static void s_ranking(const char *token, const char *query, int n, const long long *owners,
                      const int *ranks)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/performance/ranking?%s", query);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    char at[48];
    snprintf(at, sizeof at, "items.%d.owner_id", n);
    H_CHECK(t_json_int(&r, at) == 0, "%s: %d entries: %s", query, n, r.raw);
    for (int i = 0; i < n; i++) {
        snprintf(at, sizeof at, "items.%d.owner_id", i);
        long long owner = t_json_int(&r, at);
        snprintf(at, sizeof at, "items.%d.rank", i);
        long long rank = t_json_int(&r, at);
        H_CHECK(owner == owners[i] && rank == ranks[i],
                "%s: #%d is %lld at rank %lld, want %lld at %d: %s", query, i, owner, rank,
                owners[i], ranks[i], r.raw);
    }
    t_resp_free(&r);
}

/* ---- the fixture --------------------------------------------------------------- */

static long long o2, o4, z, p2, p2b;
static long long cust_a1, cust_a2, cust_b1;

/* Month 1. a1: two orders approved (35183: 3 x 123.45 at 5% off; 100000),
 * a third rejected (not counted); 20000 paid on the first and 50000 on
 * the second, confirmed; 10000 on the second left pending; a won
 * opportunity of 50000. a2: an order of 100000 approved and paid whole; a
 * won opportunity of 30000. b1 (department B): an order of 35183
 * approved, nothing paid; a won opportunity of 20000. */
static void s_month1(void)
{
    long long o1 = s_order(a1, cust_a1, 3, 12345, 500, ma_id, ma, "approve");
    o2 = s_order(a1, cust_a1, 1, 100000, 0, ma_id, ma, "approve");
    s_order(a1, cust_a1, 1, 777, 0, ma_id, ma, "reject");
    long long o3 = s_order(a2, cust_a2, 2, 50000, 0, ma_id, ma, "approve");
    o4 = s_order(b1, cust_b1, 3, 12345, 500, md_id, md, "approve");
    s_pay(a1, o1, 20000, ma);
    p2 = s_pay(a1, o2, 50000, ma);
    p2b = s_pay(a1, o2, 10000, NULL);
    s_pay(a2, o3, 100000, ma);
    s_won(a1, cust_a1, 50000);
    z = s_won(a2, cust_a2, 30000);
    s_won(b1, cust_b1, 20000);
}

/* Month 1's figures, the same before and after month 2. a1's rate:
 * 70000 * 10000 / 135183 = 5178.17 -> 5178; A's: 170000 * 10000 / 235183
 * = 7228.40 -> 7228; D's: 170000 * 10000 / 270366 = 6287.77 -> 6287. */
static void s_month1_figures(const char *when)
{
    s_person(a1, m1, 0, 1, 50000, 2, 135183, 70000, 5178);
    s_person(ma, m1, a2_id, 1, 30000, 1, 100000, 100000, 10000);
    s_person(md, m1, b1_id, 1, 20000, 1, 35183, 0, 0);
    s_person(ma, m1, ma_id, 0, 0, 0, 0, 0, 0);
    s_dept(ma, m1, dept_a, 2, 80000, 3, 235183, 170000, 7228);
    s_dept(md, m1, dept_b, 1, 20000, 1, 35183, 0, 0);
    s_dept(md, m1, dept_d, 3, 100000, 4, 270366, 170000, 6287);
    char q[64];
    snprintf(q, sizeof q, "period=%s&scope=company", m1);
    s_figures(admin, q, 3, 100000, 4, 270366, 170000, 6287);
    h_note("month 1 %s: a person, a department, the division, the company: ok", when);
}

/* Month 2: a1's second payment refunded 20000, its pending 10000
 * confirmed (the month of the confirmation, not of the paid date); b1's
 * order transferred to a2 and voided (taken back from b1 and B, who had
 * it approved); a2's won opportunity reopened; a2's new order of 50000
 * approved and 25000 of it paid. */
static void s_month2(void)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/payments/%lld/refund", p2);
    s_post(ma, path, "{\"amount\":20000,\"reason\":\"部分退货\"}");
    snprintf(path, sizeof path, "/api/v1/payments/%lld/confirm", p2b);
    s_post(ma, path, "{}");
    char body[96];
    snprintf(body, sizeof body, "{\"to_owner_id\":%lld,\"reason\":\"调岗\"}", a2_id);
    snprintf(path, sizeof path, "/api/v1/orders/%lld/transfer", o4);
    s_post(md, path, body);
    snprintf(path, sizeof path, "/api/v1/orders/%lld/void", o4);
    s_post(a2, path, "{\"reason\":\"客户取消\"}");
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/reopen", z);
    s_post(admin, path, "{\"note\":\"客户反悔\"}");
    long long o6 = s_order(a2, cust_a2, 1, 50000, 0, ma_id, ma, "approve");
    s_pay(a2, o6, 25000, ma);
}

/* Month 2's figures. a2's rate: 25000 * 10000 / 50000 = 5000; A's: 15000
 * * 10000 / 50000 = 3000; D's orders 50000 - 35183 = 14817, its rate
 * 15000 * 10000 / 14817 = 10123.50 -> 10123. a1 has no orders: rate 0. */
static void s_month2_figures(const char *when)
{
    s_person(a1, m2, 0, 0, 0, 0, 0, -10000, 0);
    s_person(a2, m2, 0, -1, -30000, 1, 50000, 25000, 5000);
    s_person(b1, m2, 0, 0, 0, -1, -35183, 0, 0);
    s_dept(ma, m2, dept_a, -1, -30000, 1, 50000, 15000, 3000);
    s_dept(md, m2, dept_b, 0, 0, -1, -35183, 0, 0);
    s_dept(md, m2, dept_d, -1, -30000, 0, 14817, 15000, 10123);
    /* Both months as a range: 185000 * 10000 / 285183 = 6487.06 -> 6487;
     * whole months, a whole month and days of the next, days of both (every
     * event happened on the 10th), days with none. */
    char *after = h_sql_text(h, "sales",
                             "SELECT (date_trunc('month', now() AT TIME ZONE"
                             " 'Asia/Shanghai') + interval '1 month')::date::text");
    char m1_1[16], m1_10[16], m2_1[16], m2_11[16];
    snprintf(m1_1, sizeof m1_1, "%s-01", m1);
    snprintf(m1_10, sizeof m1_10, "%s-10", m1);
    snprintf(m2_1, sizeof m2_1, "%s-01", m2);
    snprintf(m2_11, sizeof m2_11, "%s-11", m2);
    s_range(m1_1, after, 2, 70000, 4, 285183, 185000, 6487);
    s_range(m1_1, m2_11, 2, 70000, 4, 285183, 185000, 6487);
    s_range(m1_10, m2_11, 2, 70000, 4, 285183, 185000, 6487);
    s_range(m1_10, m2_1, 3, 100000, 4, 270366, 170000, 6287); /* month 1's */
    s_range(m2_11, after, 0, 0, 0, 0, 0, 0);
    free(after);
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM sales_perf_facts WHERE kind = 2 AND record_id = %lld"
                       " AND count = -1 AND owner_id = %lld AND department_id = %lld",
                       o4, b1_id, dept_b) == 1,
            "the void taken back from who had the order approved");
    h_note("month 2 %s: the void, the refund, the reopening and a late confirmation in month 2;"
           " ranges of whole and partial months: ok",
           when);
}

/* ---- rankings ------------------------------------------------------------------ */

static void test_rankings(void)
{
    char q[160];
    /* A in month 1 by order amount: a1 135183, a2 100000, ma 0 (a member
     * with no fact). */
    snprintf(q, sizeof q, "period=%s&department_id=%lld&by=order_amount", m1, dept_a);
    s_ranking(ma, q, 3, (long long[]){a1_id, a2_id, ma_id}, (int[]){1, 2, 3});
    /* Ties: the division by won count, three at 1 (by id), two at 0. */
    snprintf(q, sizeof q, "period=%s&department_id=%lld&by=won_count", m1, dept_d);
    long long lo = md_id < ma_id ? md_id : ma_id, hi = md_id < ma_id ? ma_id : md_id;
    s_ranking(md, q, 5, (long long[]){a1_id, a2_id, b1_id, lo, hi}, (int[]){1, 1, 1, 4, 4});
    /* The payment rate: a2 10000, a1 5178, then three at 0 (by id: md, ma, b1). */
    snprintf(q, sizeof q, "period=%s&department_id=%lld&by=payment_rate", m1, dept_d);
    s_ranking(md, q, 5, (long long[]){a2_id, a1_id, md_id, ma_id, b1_id}, (int[]){1, 2, 3, 3, 3});
    /* Month 2 by payments, the manager's department by default: a2 25000;
     * md, ma, b1 at 0; a1 -10000 last. */
    snprintf(q, sizeof q, "period=%s&by=payment_amount", m2);
    s_ranking(md, q, 5, (long long[]){a2_id, md_id, ma_id, b1_id, a1_id}, (int[]){1, 2, 2, 2, 5});
    /* A limit keeps the first. */
    snprintf(q, sizeof q, "period=%s&department_id=%lld&by=won_count&limit=2", m1, dept_d);
    s_ranking(md, q, 2, (long long[]){a1_id, a2_id}, (int[]){1, 1});
    /* An admin's: the company, everyone in a department (the admin too,
     * when in one) and everyone with facts. */
    char path[160];
    snprintf(path, sizeof path, "/api/v1/performance/ranking?period=%s&by=order_amount", m1);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    long long people = h_sql_int(
        h, "sales", "SELECT count(*) FROM crm_org_users WHERE active AND department_id <> 0");
    char at[48];
    snprintf(at, sizeof at, "items.%lld.owner_id", people - 1);
    H_CHECK(t_json_int(&r, "items.0.owner_id") == a1_id &&
                t_json_int(&r, "items.1.owner_id") == a2_id &&
                t_json_int(&r, "items.2.owner_id") == b1_id &&
                t_json_int(&r, "items.2.rank") == 3 && t_json_int(&r, "items.3.rank") == 4 &&
                t_json_int(&r, at) != 0 && t_json_int(&r, "department_id") == 0 &&
                !strcmp(t_json_str(&r, "by"), "order_amount") &&
                !strcmp(t_json_str(&r, "items.0.owner_name"), "pa1"),
            "the company's ranking of %lld people, names beside ids: %s", people, r.raw);
    t_resp_free(&r);
    h_note("rankings: order, ties sharing a rank, a member with nothing, a limit: ok");
}

/* ---- targets ------------------------------------------------------------------- */

static int s_month_no(const char *ym)
{
    return atoi(ym + 5);
}

/* PUT /targets as token; the reply's progress of month ym (target,
 * achieved, bp) checked when want is 200. */
static void s_put_targets(const char *token, const char *body, int want)
{
    t_resp_t r = t_expect(want, "PUT", base, token, body, "/api/v1/targets");
    t_resp_free(&r);
}

/* GET /targets?query: month index i's target, achieved and bp; the year's. */
static void s_progress(const char *token, const char *query, int i, long long target,
                       long long achieved, long long bp, long long y_target, long long y_achieved,
                       long long y_bp)
{
    char path[160], at[48];
    snprintf(path, sizeof path, "/api/v1/targets?%s", query);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    snprintf(at, sizeof at, "months.%d.target", i);
    long long t = t_json_int(&r, at);
    snprintf(at, sizeof at, "months.%d.achieved", i);
    long long a = t_json_int(&r, at);
    snprintf(at, sizeof at, "months.%d.progress_bp", i);
    long long b = t_json_int(&r, at);
    H_CHECK(t == target && a == achieved && b == bp && t_json_int(&r, "target") == y_target &&
                t_json_int(&r, "achieved") == y_achieved && t_json_int(&r, "progress_bp") == y_bp &&
                strlen(t_json_str(&r, "months.11.month")) == 7,
            "%s month %d: want %lld/%lld (%lld bp), year %lld/%lld (%lld bp): %s", query, i, target,
            achieved, bp, y_target, y_achieved, y_bp, r.raw);
    t_resp_free(&r);
}

static void test_targets(void)
{
    int y1 = atoi(m1), y2 = atoi(m2), i1 = s_month_no(m1) - 1, i2 = s_month_no(m2) - 1;
    char body[256], q[128];
    /* a1's orders: 100000 in month 1 (135183 achieved: 13518 bp). */
    snprintf(body, sizeof body,
             "{\"owner_id\":%lld,\"kind\":\"orders\",\"year\":%d,\"months\":[{\"month\":%d,"
             "\"amount\":100000}]}",
             a1_id, y1, i1 + 1);
    t_resp_t r = t_expect(200, "PUT", base, ma, body, "/api/v1/targets");
    char at[48];
    snprintf(at, sizeof at, "months.%d.progress_bp", i1);
    H_CHECK(t_json_int(&r, at) == 13518 && t_json_int(&r, "target") == 100000 &&
                t_json_int(&r, "achieved") == 135183 && t_json_int(&r, "progress_bp") == 13518,
            "the set answers the progress: %s", r.raw);
    t_resp_free(&r);
    snprintf(q, sizeof q, "kind=orders&year=%d", y1);
    s_progress(a1, q, i1, 100000, 135183, 13518, 100000, 135183, 13518);
    /* Set again: replaced. */
    snprintf(body, sizeof body,
             "{\"owner_id\":%lld,\"kind\":\"orders\",\"year\":%d,\"months\":[{\"month\":%d,"
             "\"amount\":200000}]}",
             a1_id, y1, i1 + 1);
    s_put_targets(ma, body, 200);
    s_progress(a1, q, i1, 200000, 135183, 6759, 200000, 135183, 6759); /* 6759.15 */
    /* Department A's payments: 200000 in month 1 (170000: 8500 bp), 100000
     * in month 2 (15000: 1500 bp), set by the division's manager. */
    snprintf(body, sizeof body,
             "{\"department_id\":%lld,\"kind\":\"payments\",\"year\":%d,\"months\":[{\"month\":%d,"
             "\"amount\":200000}]}",
             dept_a, y1, i1 + 1);
    s_put_targets(md, body, 200);
    snprintf(body, sizeof body,
             "{\"department_id\":%lld,\"kind\":\"payments\",\"year\":%d,\"months\":[{\"month\":%d,"
             "\"amount\":100000}]}",
             dept_a, y2, i2 + 1);
    s_put_targets(md, body, 200);
    snprintf(q, sizeof q, "department_id=%lld&kind=payments&year=%d", dept_a, y1);
    if (y1 == y2) {
        /* The year: 185000 of 300000, 6166.66 -> 6166. */
        s_progress(ma, q, i1, 200000, 170000, 8500, 300000, 185000, 6166);
        s_progress(ma, q, i2, 100000, 15000, 1500, 300000, 185000, 6166);
    } else {
        s_progress(ma, q, i1, 200000, 170000, 8500, 200000, 170000, 8500);
        snprintf(q, sizeof q, "department_id=%lld&kind=payments&year=%d", dept_a, y2);
        s_progress(ma, q, i2, 100000, 15000, 1500, 100000, 15000, 1500);
    }
    /* A month with no target: has none, 0 bp. */
    snprintf(q, sizeof q, "kind=won&year=%d", y1);
    s_progress(a1, q, i1, 0, 50000, 0, 0, 50000, 0);
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM crm_outbox WHERE type = 'target.set'") == 4,
            "each set is a target.set event");
    h_note("targets: set, replaced, progress by month and year for a person and a department: ok");
}

/* ---- who may ------------------------------------------------------------------- */

static void test_scope(void)
{
    char p[160];
    snprintf(p, sizeof p, "/api/v1/performance?period=%s&owner_id=%lld", m1, a2_id);
    t_expect_error(403, "permission_denied", "owner_id", "GET", base, a1, NULL, p);
    snprintf(p, sizeof p, "/api/v1/performance?period=%s&owner_id=%lld", m1, b1_id);
    t_expect_error(403, "permission_denied", "owner_id", "GET", base, ma, NULL, p);
    snprintf(p, sizeof p, "/api/v1/performance?period=%s&scope=department", m1);
    t_expect_error(403, "permission_denied", "department_id", "GET", base, a1, NULL, p);
    snprintf(p, sizeof p, "/api/v1/performance?period=%s&scope=department&department_id=%lld", m1,
             dept_b);
    t_expect_error(403, "permission_denied", "department_id", "GET", base, ma, NULL, p);
    snprintf(p, sizeof p, "/api/v1/performance?period=%s&scope=department&department_id=%lld", m1,
             dept_d);
    t_expect_error(403, "permission_denied", "department_id", "GET", base, ma, NULL, p);
    snprintf(p, sizeof p, "/api/v1/performance?period=%s&scope=company", m1);
    t_expect_error(403, "permission_denied", "scope", "GET", base, md, NULL, p);
    snprintf(p, sizeof p, "/api/v1/performance/ranking?period=%s&by=won_count", m1);
    t_expect_error(403, "permission_denied", "department_id", "GET", base, a1, NULL, p);
    snprintf(p, sizeof p, "/api/v1/performance/ranking?period=%s&by=won_count&department_id=%lld",
             m1, dept_b);
    t_expect_error(403, "permission_denied", "department_id", "GET", base, ma, NULL, p);
    /* The manager's own department by default. */
    snprintf(p, sizeof p, "period=%s&scope=department", m1);
    s_figures(ma, p, 2, 80000, 3, 235183, 170000, 7228);
    /* Targets: set by admins and managers above, read by who reads the figures. */
    char body[192];
    int y = atoi(m1);
    const char *fmt = "{\"%s\":%lld,\"kind\":\"orders\",\"year\":%d,\"months\":[{\"month\":1,"
                      "\"amount\":1}]}";
    snprintf(body, sizeof body, fmt, "owner_id", a2_id, y);
    t_expect_error(403, "permission_denied", "/owner_id", "PUT", base, a1, body, "/api/v1/targets");
    snprintf(body, sizeof body, fmt, "owner_id", ma_id, y);
    t_expect_error(403, "permission_denied", "/owner_id", "PUT", base, ma, body, "/api/v1/targets");
    snprintf(body, sizeof body, fmt, "owner_id", b1_id, y);
    t_expect_error(403, "permission_denied", "/owner_id", "PUT", base, ma, body, "/api/v1/targets");
    snprintf(body, sizeof body, fmt, "department_id", dept_a, y);
    t_expect_error(403, "permission_denied", "/department_id", "PUT", base, ma, body,
                   "/api/v1/targets");
    snprintf(body, sizeof body, fmt, "department_id", dept_d, y);
    t_expect_error(403, "permission_denied", "/department_id", "PUT", base, ma, body,
                   "/api/v1/targets");
    snprintf(body, sizeof body, fmt, "department_id", dept_b, y);
    t_expect_error(403, "permission_denied", "/department_id", "PUT", base, ma, body,
                   "/api/v1/targets");
    snprintf(p, sizeof p, "/api/v1/targets?department_id=%lld&kind=orders&year=%d", dept_a, y);
    t_expect_error(403, "permission_denied", "department_id", "GET", base, a1, NULL, p);
    snprintf(p, sizeof p, "/api/v1/targets?owner_id=%lld&kind=orders&year=%d", a1_id, y);
    t_expect_error(403, "permission_denied", "owner_id", "GET", base, b1, NULL, p);
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM sales_targets WHERE amount = 1") == 0,
            "nothing written by a refusal");
    h_note("scope: own, a manager's subtree, admins all; the rest 403 naming the field: ok");
}

/* ---- bad input ----------------------------------------------------------------- */

static void test_bad_input(void)
{
    const char *bad[][2] = {
        {"/api/v1/performance?period=2026-13", "period"},
        {"/api/v1/performance?period=2026-Q5", "period"},
        {"/api/v1/performance?period=26", "period"},
        {"/api/v1/performance", "period"},
        {"/api/v1/performance?period=2026&from=2026-01-01", "period"},
        {"/api/v1/performance?from=2026-01-01", "to"},
        {"/api/v1/performance?from=2026-03-01&to=2026-02-01", "to"},
        {"/api/v1/performance?from=2026-02-30&to=2026-03-01", "from"},
        {"/api/v1/performance?period=2026&owner_id=-3", "owner_id"},
        {"/api/v1/performance?period=2026&owner_id=999999", "owner_id"},
        {"/api/v1/performance?period=2026&scope=department&department_id=999999", "department_id"},
        {"/api/v1/performance?period=2026&scope=galaxy", "scope"},
        {"/api/v1/performance/ranking?period=2026", "by"},
        {"/api/v1/performance/ranking?period=2026&by=order_amount&limit=501", "limit"},
        {"/api/v1/performance/ranking?period=2026-00&by=order_amount", "period"},
        {"/api/v1/targets?kind=orders&year=1999", "year"},
        {"/api/v1/targets?year=2026", "kind"},
        {"/api/v1/targets?kind=orders&year=2026&owner_id=999999", "owner_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        t_expect_error(400, "invalid_argument", bad[i][1], "GET", base, admin, NULL, bad[i][0]);
    /* Bodies of a1's targets ("%lld" a1's id) or of nobody's. */
    const char *puts[][2] = {
        {"{\"owner_id\":%lld,\"kind\":\"orders\",\"year\":2026,\"months\":[{\"month\":1,"
         "\"amount\":-1}]}",
         "/months/0/amount"},
        {"{\"owner_id\":%lld,\"kind\":\"orders\",\"year\":2026,\"months\":[{\"month\":13,"
         "\"amount\":1}]}",
         "/months/0/month"},
        {"{\"owner_id\":%lld,\"kind\":\"orders\",\"year\":2026,\"months\":[{\"month\":2,"
         "\"amount\":1},{\"month\":2,\"amount\":2}]}",
         "/months/1/month"},
        {"{\"owner_id\":%lld,\"year\":2026,\"months\":[{\"month\":1,\"amount\":1}]}", "/kind"},
        {"{\"owner_id\":%lld,\"kind\":\"orders\",\"year\":1999,\"months\":[{\"month\":1,"
         "\"amount\":1}]}",
         "/year"},
        {"{\"owner_id\":%lld,\"kind\":\"orders\",\"year\":2026,\"months\":[]}", "/months"},
        {"{\"owner_id\":%lld,\"department_id\":1,\"kind\":\"orders\",\"year\":2026,"
         "\"months\":[{\"month\":1,\"amount\":1}]}",
         "/department_id"},
        {"{\"owner_id\":999999,\"kind\":\"orders\",\"year\":2026,\"months\":[{\"month\":1,"
         "\"amount\":1}]}",
         "/owner_id"},
        {"{\"department_id\":999999,\"kind\":\"orders\",\"year\":2026,\"months\":[{"
         "\"month\":1,\"amount\":1}]}",
         "/department_id"},
        {"{\"kind\":\"orders\",\"year\":2026,\"months\":[{\"month\":1,\"amount\":1}]}",
         "/owner_id"},
    };
    long long before = h_sql_int(h, "sales", "SELECT count(*) FROM sales_targets");
    for (size_t i = 0; i < sizeof puts / sizeof puts[0]; i++) {
        char body[256];
        if (strstr(puts[i][0], "%lld"))
            snprintf(body, sizeof body, puts[i][0], a1_id);
        else
            snprintf(body, sizeof body, "%s", puts[i][0]);
        t_expect_error(400, "invalid_argument", puts[i][1], "PUT", base, admin, body,
                       "/api/v1/targets");
    }
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM sales_targets") == before,
            "nothing written by a refusal");
    h_note("bad periods, scopes, figures, targets, unknown people and departments: 400 naming"
           " the field: ok");
}

int main(void)
{
    h_clock_fake();
    h = h_new("sales_performance");
    h_suite(h, 1, 1, 1, 1);
    /* The clock moves two months: events are kept past the jumps (a
     * consumer would otherwise find the retention ceiling passed). */
    h_setenv(h, "CRM_OUTBOX_CEILING_S=31536000");
    /* Nothing folded until s_fold_every says. */
    h_setenv(h, "CRM_SALES_FOLD_MS=3600000");
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    dept_d = t_new_dept(base, admin, "销售中心", 1);
    dept_a = t_new_dept(base, admin, "销售一部", dept_d);
    dept_b = t_new_dept(base, admin, "销售二部", dept_d);
    md = t_new_user(base, admin, "pmd", "manager", dept_d, &md_id);
    ma = t_new_user(base, admin, "pma", "manager", dept_a, &ma_id);
    a1 = t_new_user(base, admin, "pa1", "employee", dept_a, &a1_id);
    a2 = t_new_user(base, admin, "pa2", "employee", dept_a, &a2_id);
    b1 = t_new_user(base, admin, "pb1", "employee", dept_b, &b1_id);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id = %lld", b1_id);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "sales knows the people");
    cust_a1 = s_customer("业绩甲", a1_id);
    cust_a2 = s_customer("业绩乙", a2_id);
    cust_b1 = s_customer("业绩丙", b1_id);
    p1 = t_created(base, admin, "/api/v1/products",
                   "{\"name\":\"业绩产品\",\"code\":\"PERF1\",\"list_price\":999}");

    s_next_month(m1);
    s_month1();
    /* Four approvals, three confirmations, three wins. */
    long long folded = h_sql_int(h, "sales", "SELECT count(*) FROM sales_perf_months"),
              pending = h_sql_int(h, "sales", "SELECT count(*) FROM sales_perf_pending");
    H_CHECK(folded == 0 && pending == 10, "ten facts, none folded yet: %lld, %lld", folded,
            pending);
    s_month1_figures("as it happened, nothing folded");
    s_fold_every("100");
    s_month1_figures("folded into months");
    s_fold_every("3600000");
    s_next_month(m2);
    s_month2();
    s_month1_figures("after month 2's voids and refunds");
    s_month2_figures("nothing folded");
    s_fold_every("100");
    s_month2_figures("folded into months");
    test_rankings();
    test_targets();
    test_scope();
    test_bad_input();

    free(admin);
    free(md);
    free(ma);
    free(a1);
    free(a2);
    free(b1);
    h_destroy(&h);
    printf("sales_performance: ok\n");
    return 0;
}
