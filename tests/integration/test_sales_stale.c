/* test_sales_stale.c: stale opportunities (停滞商机) over simulated time
 * (h_clock_fake: every process reads a clock the test moves). With
 * CRM_SALES_STALE_DAYS=3 and the job's sweep put a year away (it is run
 * after each jump, see s_advance): an opportunity left in its first stage for three
 * days is reported once to its owner (opportunity.stale and a
 * notification 商机停滞未推进), not before; another one moved to the next
 * stage on day 2 is reported three days after the move, not at day 3; a
 * won one never is; and days more in the same stage report nothing again
 * (once per stage entry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

#define DAY (24LL * 3600)

static h_t *h;
static const char *base;

static long long s_stale(long long id)
{
    return h_events(h, "sales", "opportunity.stale", id);
}

/* Moves the clock, then runs sales.stale once more and lets it be
 * applied (t_advance_and_run). */
static void s_advance(long long seconds)
{
    t_advance_and_run(h, base, seconds, "sales", "sales.stale");
}

static void s_stage(const char *token, long long id, const char *body)
{
    char path[80];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/stage", id);
    t_resp_t r = t_expect(200, "POST", base, token, body, path);
    t_resp_free(&r);
}

static long long s_opportunity(const char *token, long long customer, const char *name)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"customer_id\":%lld}", name, customer);
    long long id = t_created(base, token, "/api/v1/opportunities", body);
    free(body);
    return id;
}

int main(void)
{
    h_clock_fake();
    h = h_new("sales_stale");
    h_suite(h, 1, 1, 1, 1);
    h_setenv(h, "CRM_SALES_STALE_DAYS=3");
    base = h_gateway(h);
    h_start_all(h);
    t_job_postpone(h, "sales.stale");
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "商机部", 1), emp_id;
    char *emp = t_new_user(base, admin, "staleemp", "employee", dept, &emp_id);
    long long customer = t_sales_customer(h, base, admin, "停滞客户", emp_id);

    long long left = s_opportunity(emp, customer, "放着不动的商机");
    long long moved = s_opportunity(emp, customer, "第二天推进的商机");
    long long won = s_opportunity(emp, customer, "赢单的商机");
    s_stage(emp, won, "{\"status\":\"won\"}");
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_pending WHERE kind = 'opportunity.stale'") == 2,
            "the two open ones are owed a reminder, the won one is not");

    s_advance(2 * DAY);
    H_CHECK(s_stale(left) == 0 && s_stale(moved) == 0, "nothing stale at day 2");
    /* Day 2: the second one moves on to the next stage (a token of today). */
    free(emp);
    emp = t_login(base, "staleemp", "a-better-one");
    t_resp_t r = t_expect(200, "GET", base, emp, NULL, "/api/v1/pipelines/1");
    char *next = crm_sprintf("{\"stage_id\":%lld}", t_json_int(&r, "stages.1.id"));
    t_resp_free(&r);
    s_stage(emp, moved, next);
    free(next);

    s_advance(1 * DAY + 600); /* day 3 and ten minutes */
    H_CHECK(h_wait_events(h, "sales", "opportunity.stale", left, 1, 30000) == 1,
            "the one left in its stage is stale at day 3");
    H_CHECK(s_stale(moved) == 0 && s_stale(won) == 0,
            "the moved one is not (its count began again), nor the won one");
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type ="
             " 'opportunity.stale' AND title LIKE '商机停滞未推进%%'",
             emp_id);
    H_CHECK(h_wait_sql(h, "gateway", sql, 1, 15000) == 1, "its owner notified");

    s_advance(2 * DAY); /* day 5 and ten minutes: three days after the move */
    H_CHECK(h_wait_events(h, "sales", "opportunity.stale", moved, 1, 30000) == 1,
            "the moved one stale three days after its move");
    s_advance(4 * DAY);
    H_CHECK(s_stale(left) == 1 && s_stale(moved) == 1 && s_stale(won) == 0,
            "once per stage entry: days more in the same stage report nothing again");
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox o JOIN opportunities p ON o.aggregate_id ="
                      " p.id::text WHERE o.type = 'opportunity.stale' AND o.occurred_at <"
                      " p.stage_changed_at + interval '3 days'") == 0,
            "none before its time");
    h_note("stale opportunities: at the stale days after their stage entry, once, never won ones:"
           " ok");
    free(emp);
    free(admin);
    h_destroy(&h);
    printf("sales_stale: ok\n");
    return 0;
}
