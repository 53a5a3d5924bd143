/* test_customer_opportunities.c: what the customers service keeps of a
 * customer's opportunities (商机) from the sales service's events, through
 * the HTTP API against the real gateway, customers and sales services: the
 * totals on the customer (open count and amount, won count and amount, the
 * last opportunity's time; exact integer minor units) follow every create,
 * edit, win, loss, reopen and delete; a won opportunity makes its customer
 * dealt (成交) once, with a history entry and one customer.dealt (a second
 * win, or a win after a deal by hand, deals nothing); the detail's sales
 * summary by status (absent in lists); the list's total fields; a customer
 * with opportunities is not deleted (409 naming how many), and is once
 * they are gone. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin, *emp;
static long long emp_id;

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static t_resp_t s_customer_get(long long id)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", id);
    return t_expect(200, "GET", base, admin, NULL, path);
}

/* Waits (10 s) until the customer's detail reads want at each of the
 * dotted paths (path, want, ..., NULL); fails saying the detail. */
static void s_wait_customer(long long id, const char *what, ...)
{
    for (int tries = 0;; tries++) {
        t_resp_t r = s_customer_get(id);
        va_list ap;
        va_start(ap, what);
        int same = 1;
        for (const char *path; (path = va_arg(ap, const char *));)
            same &= t_json_int(&r, path) == va_arg(ap, long long);
        va_end(ap);
        if (same) {
            t_resp_free(&r);
            return;
        }
        H_CHECK(tries < 200, "%s: customer %lld reads %s", what, id, r.raw);
        t_resp_free(&r);
        s_sleep_ms(50);
    }
}

static long long s_opp(long long cust, const char *name, long long amount)
{
    char *body =
        crm_sprintf("{\"name\":\"%s\",\"customer_id\":%lld,\"amount\":%lld}", name, cust, amount);
    long long id = t_created(base, emp, "/api/v1/opportunities", body);
    free(body);
    return id;
}

static void s_post(const char *token, const char *path_fmt, long long id, const char *body,
                   int want)
{
    char path[96];
    snprintf(path, sizeof path, path_fmt, id);
    t_resp_t r = t_expect(want, "POST", base, token, body, path);
    t_resp_free(&r);
}

static long long s_customer(const char *name)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld}", name, emp_id);
    long long id = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sales_customers WHERE id = %lld", id);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "sales knows customer %lld", id);
    return id;
}

/* The totals follow every change; a win deals once. */
static void test_totals_and_deal(long long cust)
{
    long long o1 = s_opp(cust, "一期", 100001), o2 = s_opp(cust, "二期", 250000);
    s_wait_customer(cust, "two open", "open_opportunities", 2LL, "open_opportunity_amount",
                    350001LL, "won_opportunities", 0LL, NULL);
    t_resp_t r = s_customer_get(cust);
    H_CHECK(*t_json_str(&r, "last_opportunity_at") &&
                !strcmp(t_json_str(&r, "deal_status"), "open"),
            "the last opportunity's time, still open: %s", r.raw);
    t_resp_free(&r);

    /* An edit of the amount. */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld", o2);
    r = t_expect(200, "PATCH", base, emp, "{\"amount\":260000}", path);
    t_resp_free(&r);
    s_wait_customer(cust, "edited", "open_opportunity_amount", 360001LL, NULL);

    /* Won: the customer is dealt, once. */
    s_post(emp, "/api/v1/opportunities/%lld/stage", o1, "{\"status\":\"won\"}", 200);
    s_wait_customer(cust, "won", "open_opportunities", 1LL, "open_opportunity_amount", 260000LL,
                    "won_opportunities", 1LL, "won_opportunity_amount", 100001LL, NULL);
    r = s_customer_get(cust);
    H_CHECK(!strcmp(t_json_str(&r, "deal_status"), "dealt") && *t_json_str(&r, "dealt_at"),
            "dealt by the win: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_wait_events(h, "customers", "customer.dealt", cust, 1, 5000) == 1,
            "one customer.dealt");
    H_CHECK(h_sql_intf(h, "customers",
                       "SELECT count(*) FROM customer_history WHERE record_id = %lld AND action ="
                       " 'dealt' AND reason = 'opportunity %lld won' AND detail LIKE"
                       " '%%deal_status%%'",
                       cust, o1) == 1,
            "a history entry naming the opportunity");
    /* The sales service's read model hears of the deal too (customer.dealt). */
    h_wait_consumed(h, "sales", "customers");

    /* Lost, reopened, won again: no second deal. */
    s_post(emp, "/api/v1/opportunities/%lld/stage", o2,
           "{\"status\":\"lost\",\"lost_reason\":\"价格因素\"}", 200);
    s_post(admin, "/api/v1/opportunities/%lld/reopen", o1, "{}", 200);
    s_wait_customer(cust, "one lost, one reopened", "open_opportunities", 1LL,
                    "open_opportunity_amount", 100001LL, "won_opportunities", 0LL,
                    "won_opportunity_amount", 0LL, NULL);
    s_post(emp, "/api/v1/opportunities/%lld/stage", o1, "{\"status\":\"won\"}", 200);
    s_wait_customer(cust, "won again", "won_opportunities", 1LL, "open_opportunities", 0LL, NULL);
    h_wait_consumed(h, "customers", "sales");
    H_CHECK(h_events(h, "customers", "customer.dealt", cust) == 1,
            "a customer dealt already is not dealt again");

    /* The detail's summary by status; a list's items carry the totals, not it. */
    r = s_customer_get(cust);
    H_CHECK(
        t_json_int(&r, "sales.all.count") == 2 && t_json_int(&r, "sales.all.amount") == 360001 &&
            t_json_int(&r, "sales.won.count") == 1 &&
            t_json_int(&r, "sales.won.amount") == 100001 &&
            t_json_int(&r, "sales.lost.count") == 1 &&
            t_json_int(&r, "sales.lost.amount") == 260000 &&
            t_json_int(&r, "sales.open.count") == 0 && t_json_int(&r, "sales.invalid.count") == 0,
        "the sales summary: %s", r.raw);
    t_resp_free(&r);
    char *lpath = crm_sprintf("/api/v1/customers?view=all&owner_ids=%lld", emp_id);
    r = t_expect(200, "GET", base, admin, NULL, lpath);
    free(lpath);
    int found = 0;
    for (int i = 0; i < 10; i++) {
        char p[48];
        snprintf(p, sizeof p, "items.%d.id", i);
        if (t_json_int(&r, p) != cust)
            continue;
        snprintf(p, sizeof p, "items.%d.won_opportunity_amount", i);
        found = t_json_int(&r, p) == 100001 && !strstr(r.raw, "\"sales\"");
    }
    H_CHECK(found, "the list's item carries the totals, not the summary: %s", r.raw);
    t_resp_free(&r);

    /* Deleting the customer is refused while its opportunities exist. */
    snprintf(path, sizeof path, "/api/v1/customers/%lld", cust);
    t_resp_t d;
    t_httpf(&d, "DELETE", base, admin, NULL, "%s", path);
    H_CHECK(d.status == 409 && !strcmp(t_err_code(&d), "failed_precondition") &&
                strstr(d.raw, "has 2 opportunities"),
            "409 naming how many opportunities: %d %s", d.status, d.raw);
    t_resp_free(&d);
    /* Once they are deleted in sales, it goes. */
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/api/v1/opportunities/%lld", i ? o2 : o1);
        r = t_expect(200, "DELETE", base, admin, NULL, path);
        t_resp_free(&r);
    }
    s_wait_customer(cust, "deleted ones gone", "sales.all.count", 0LL, "won_opportunities", 0LL,
                    "open_opportunities", 0LL, "won_opportunity_amount", 0LL, NULL);
    snprintf(path, sizeof path, "/api/v1/customers/%lld", cust);
    r = t_expect(200, "DELETE", base, admin, NULL, path);
    t_resp_free(&r);
    h_note("totals follow create, edit, win, loss, reopen, delete; one deal; 409 while sales"
           " records exist");
}

/* A customer dealt by hand first is not dealt again by a win; set open
 * again by hand, the next win deals it. */
static void test_deal_by_hand(long long cust)
{
    s_post(emp, "/api/v1/customers/%lld/deal", cust, "{\"deal_status\":\"dealt\"}", 200);
    t_resp_t r = s_customer_get(cust);
    char by_hand[64];
    snprintf(by_hand, sizeof by_hand, "%s", t_json_str(&r, "dealt_at"));
    t_resp_free(&r);
    long long o = s_opp(cust, "手工成交后", 5);
    s_post(emp, "/api/v1/opportunities/%lld/stage", o, "{\"status\":\"won\"}", 200);
    s_wait_customer(cust, "won", "won_opportunities", 1LL, "won_opportunity_amount", 5LL, NULL);
    r = s_customer_get(cust);
    H_CHECK(!strcmp(t_json_str(&r, "dealt_at"), by_hand), "the deal time by hand kept: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_events(h, "customers", "customer.dealt", cust) == 1, "only the deal by hand");
    s_post(emp, "/api/v1/customers/%lld/deal", cust, "{\"deal_status\":\"open\"}", 200);
    long long o2 = s_opp(cust, "再次成交", 7);
    s_post(emp, "/api/v1/opportunities/%lld/stage", o2, "{\"status\":\"won\"}", 200);
    s_wait_customer(cust, "won again", "won_opportunities", 2LL, "won_opportunity_amount", 12LL,
                    NULL);
    H_CHECK(h_wait_events(h, "customers", "customer.dealt", cust, 3, 5000) == 3,
            "by hand, open by hand, dealt by the second win");
    r = s_customer_get(cust);
    H_CHECK(!strcmp(t_json_str(&r, "deal_status"), "dealt"), "dealt: %s", r.raw);
    t_resp_free(&r);
    h_note("a deal by hand kept; open again, the next win deals it");
}

int main(void)
{
    h = h_new("customer_opportunities");
    h_suite(h, 1, 1, 1, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "销售一部", 1);
    emp = t_new_user(base, admin, "emp", "employee", dept, &emp_id);

    test_totals_and_deal(s_customer("甲公司"));
    test_deal_by_hand(s_customer("乙公司"));

    free(emp);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
