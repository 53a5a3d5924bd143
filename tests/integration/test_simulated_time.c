/* test_simulated_time.c: the scheduler's duties over simulated time. Every
 * process of the suite reads a clock the test moves (h_clock_fake: Debian's
 * libfaketime), so days pass in seconds: a customer and a lead neglected
 * under a 10-day rule with a 3-day warning are warned at day 7 and not
 * recycled; a follow-up then pushes both back, so day 10 passes and they
 * stay; 7 days after the follow-up they are warned again and 10 days after
 * it recycled, once each, never before their times; a next contact time two
 * days ahead reminds its owner once when the days have passed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
#include "suite.h"

#define DAY (24LL * 3600)

static h_t *h;
static const char *base;
static char *emp;

/* Waits until db wrote n events of type for record id. */
static void s_await(const char *db, const char *type, long long id, int64_t n)
{
    int64_t got = h_wait_events(h, db, type, id, n, 30000);
    H_CHECK(got == n, "%s of %lld: %lld, want %lld", type, id, (long long)got, (long long)n);
}

static const char *const s_sweeps[] = {"customers.recycle", "customers.remind", "leads.recycle",
                                       "leads.remind"};

/* Moves the suite's clock by seconds, then runs the sweeps once more and
 * lets their effects be applied. The scheduler fires whatever the jump made
 * due at once, but each process reads the jump up to a second apart: a run
 * in a process (or a database session) that had not read it yet finds
 * nothing due, and the jobs are not due again for a while. So, every
 * process having read it (h_clock_advance waits for that), each sweep is
 * run now too: what is due is done, what was done is not done again. */
static void s_advance(long long seconds)
{
    h_clock_advance(seconds);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD); /* the old one has expired */
    for (size_t i = 0; i < sizeof s_sweeps / sizeof s_sweeps[0]; i++)
        t_run_job(h, base, admin, s_sweeps[i]);
    free(admin);
    h_wait_consumed(h, "customers", "scheduler");
    h_wait_consumed(h, "leads", "scheduler");
}

static void s_follow_up(const char *kind, long long id)
{
    /* Days have passed: the token of day 0 has expired; a new one. */
    free(emp);
    emp = t_login(base, "simemp", "a-better-one");
    char path[96], *body = crm_sprintf("{\"content\":\"电话回访\",\"method\":\"phone\"}");
    snprintf(path, sizeof path, "/api/v1/%s/%lld/follow-ups", kind, id);
    t_resp_t r = t_expect(201, "POST", base, emp, body, path);
    t_resp_free(&r);
    free(body);
}

/* An event of type for id written before the time (microseconds) is a
 * failure. */
static void s_not_before(const char *db, const char *type, long long id, int64_t at_us)
{
    H_CHECK(h_sql_intf(h, db,
                       "SELECT count(*) FROM crm_outbox WHERE type = '%s' AND aggregate_id ="
                       " '%lld' AND crm_us(occurred_at) < %lld",
                       type, id, (long long)at_us) == 0,
            "%s of %lld not before its time", type, id);
}

int main(void)
{
    h_clock_fake();
    h = h_new("simulated_time");
    h_suite(h, 1, 1, 0, 1);
    base = h_gateway(h);
    h_start_all(h);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "模拟部", 1), emp_id;
    emp = t_new_user(base, admin, "simemp", "employee", dept, &emp_id);

    t_resp_t r = t_expect(201, "POST", base, admin,
                          "{\"name\":\"模拟公海\",\"is_default\":true,\"allow_claim\":true,"
                          "\"warn_days\":3,\"recycle_rules\":[{\"kind\":\"followup\","
                          "\"days\":10}]}",
                          "/api/v1/customer-pools");
    t_resp_free(&r);
    r = t_expect(201, "POST", base, emp, "{\"name\":\"被冷落的客户\"}", "/api/v1/customers");
    long long cust = t_json_int(&r, "id");
    t_resp_free(&r);
    r = t_expect(201, "POST", base, emp,
                 "{\"name\":\"两天后联系\",\"next_contact_at\":\"2099-01-01T00:00:00Z\"}",
                 "/api/v1/customers");
    long long later = t_json_int(&r, "id");
    t_resp_free(&r);
    char *due = crm_sprintf("UPDATE customers SET next_contact_at = now() + interval '2 days'"
                            " WHERE id = %lld",
                            later);
    PQclear(h_sql(h, "customers", due));
    free(due);
    char *lbody = crm_sprintf("{\"name\":\"被冷落的线索\",\"mobile\":\"13900139000\","
                              "\"owner_id\":%lld}",
                              emp_id);
    r = t_expect(201, "POST", base, emp, lbody, "/api/v1/leads");
    long long lead = t_json_int(&r, "id");
    t_resp_free(&r);
    free(lbody);
    char *pool = crm_sprintf("WITH p AS (INSERT INTO lead_pools (name, recycle_days, warn_days)"
                             " VALUES ('模拟线索池', 10, 3) RETURNING id) UPDATE leads SET"
                             " pool_id = (SELECT id FROM p) WHERE id = %lld",
                             lead);
    PQclear(h_sql(h, "leads", pool));
    free(pool);
    int64_t c_deadline = h_sql_intf(
        h, "customers", "SELECT crm_us(recycle_at) FROM customers WHERE id = %lld", cust);
    H_CHECK(c_deadline > 0, "the customer has a deadline");

    /* Two days on: the next contact time reminds, once. */
    s_advance(2 * DAY + 60);
    s_await("customers", "customer.reminder", later, 1);
    H_CHECK(h_events(h, "customers", "customer.recycle_warning", cust) == 0, "no warning at day 2");
    h_note("day 2: the next contact time reminded once: ok");

    /* Day 7: warned (10 - 3), not recycled. */
    s_advance(5 * DAY);
    s_await("customers", "customer.recycle_warning", cust, 1);
    s_await("leads", "lead.recycle_warning", lead, 1);
    s_not_before("customers", "customer.recycle_warning", cust, c_deadline - 3 * DAY * 1000000);
    H_CHECK(h_events(h, "customers", "customer.recycled", cust) == 0 &&
                h_events(h, "leads", "lead.recycled", lead) == 0,
            "day 7: not recycled");
    h_note("day 7: the customer and the lead warned, not recycled: ok");

    /* A follow-up at day 7 pushes both back: day 10 passes. */
    s_follow_up("customers", cust);
    s_follow_up("leads", lead);
    int64_t c_deadline2 = h_sql_intf(
        h, "customers", "SELECT crm_us(recycle_at) FROM customers WHERE id = %lld", cust);
    H_CHECK(c_deadline2 > c_deadline + 6 * DAY * 1000000, "the follow-up moved the deadline");
    s_advance(3 * DAY + 60);
    H_CHECK(h_events(h, "customers", "customer.recycled", cust) == 0 &&
                h_events(h, "leads", "lead.recycled", lead) == 0,
            "day 10: followed up at day 7, not recycled");
    h_note("day 10: a follow-up pushed both back: ok");

    /* 7 days after the follow-up: warned again; 10 days after: recycled,
     * once each. */
    s_advance(4 * DAY);
    s_await("customers", "customer.recycle_warning", cust, 2);
    s_await("leads", "lead.recycle_warning", lead, 2);
    s_advance(3 * DAY);
    s_await("customers", "customer.recycled", cust, 1);
    s_await("leads", "lead.recycled", lead, 1);
    s_not_before("customers", "customer.recycled", cust, c_deadline2);
    H_CHECK(h_sql_intf(h, "customers", "SELECT owner_id FROM customers WHERE id = %lld", cust) ==
                    0 &&
                h_sql_intf(h, "leads", "SELECT owner_id FROM leads WHERE id = %lld", lead) == 0,
            "both back in their pools");
    s_advance(DAY);
    H_CHECK(h_events(h, "customers", "customer.recycled", cust) == 1 &&
                h_events(h, "leads", "lead.recycled", lead) == 1 &&
                h_events(h, "customers", "customer.recycle_warning", cust) == 2 &&
                h_events(h, "customers", "customer.reminder", later) == 1,
            "once each");
    h_note("day 17: warned again at day 14, recycled at day 17, once each: ok");
    free(admin);
    free(emp);
    h_destroy(&h);
    return 0;
}
