/* test_sales_stale_pipelines.c: stale days per pipeline (停滞天数, sql/012)
 * over simulated time (h_clock_fake). The service's days are 3
 * (CRM_SALES_STALE_DAYS); pipeline "快" carries 1, "不催" 0 (never) until it
 * is given 2 on day 1, "改回" 4 until a patch of null gives it back the
 * service's 3, and the default pipeline is given 5. One opportunity in each,
 * made on day 0: stale on day 1 (快), day 2 (不催, two days after its
 * entry, its days set after one), day 3 (改回: the service's again), day 5
 * (the default: its own 5, not the service's 3), each once and not before;
 * the days out of 0..3650 refused naming stale_days; a pipeline read shows
 * its own days and none when it has the service's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

#define DAY (24LL * 3600)

static h_t *h;
static const char *base;
static char *admin;

static long long s_stale(long long id)
{
    return h_events(h, "sales", "opportunity.stale", id);
}

static void s_advance(long long seconds)
{
    t_advance_and_run(h, base, seconds, "sales", "sales.stale");
    free(admin);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
}

/* A pipeline of one stage with stale days days ("null": none given). */
static long long s_pipeline(const char *name, const char *days)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"stages\":[{\"name\":\"接洽\",\"probability\":10}],"
                             "\"lost_reasons\":[\"其他\"],\"stale_days\":%s}",
                             name, days);
    long long id = t_created(base, admin, "/api/v1/pipelines", body);
    free(body);
    return id;
}

static void s_patch_days(long long pipeline, const char *days)
{
    char path[64], body[48];
    snprintf(path, sizeof path, "/api/v1/pipelines/%lld", pipeline);
    snprintf(body, sizeof body, "{\"stale_days\":%s}", days);
    t_resp_t r = t_expect(200, "PATCH", base, admin, body, path);
    t_resp_free(&r);
}

/* Whether pipeline id reads with stale_days days (-1: none, the service's). */
static int s_reads_days(long long pipeline, long long days)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/pipelines/%lld", pipeline);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    json_t *v = json_object_get(r.body, "stale_days");
    int ok = days < 0 ? v == NULL : json_is_integer(v) && json_integer_value(v) == days;
    t_resp_free(&r);
    return ok;
}

static long long s_opportunity(const char *token, long long customer, long long pipeline)
{
    char *body = crm_sprintf("{\"name\":\"流程%lld的商机\",\"customer_id\":%lld,"
                             "\"pipeline_id\":%lld}",
                             pipeline, customer, pipeline);
    long long id = t_created(base, token, "/api/v1/opportunities", body);
    free(body);
    return id;
}

static void s_refusals(long long pipeline)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/pipelines/%lld", pipeline);
    t_expect_error(400, "invalid_argument", "/stale_days", "PATCH", base, admin,
                   "{\"stale_days\":-1}", path);
    t_expect_error(400, "invalid_argument", "/stale_days", "PATCH", base, admin,
                   "{\"stale_days\":3651}", path);
    t_expect_error(400, "invalid_argument", "/stale_days", "POST", base, admin,
                   "{\"name\":\"太久\",\"stages\":[{\"name\":\"接洽\",\"probability\":10}],"
                   "\"lost_reasons\":[\"其他\"],\"stale_days\":5000}",
                   "/api/v1/pipelines");
}

int main(void)
{
    h_clock_fake();
    h = h_new("sales_stale_pipelines");
    h_suite(h, 1, 1, 1, 1);
    h_setenv(h, "CRM_SALES_STALE_DAYS=3");
    base = h_gateway(h);
    h_start_all(h);
    t_job_postpone(h, "sales.stale");
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "流程部", 1), emp_id;
    char *emp = t_new_user(base, admin, "pipeemp", "employee", dept, &emp_id);
    long long customer = t_sales_customer(h, base, admin, "流程客户", emp_id);

    long long fast = s_pipeline("快", "1"), never = s_pipeline("不催", "0");
    long long back = s_pipeline("改回", "4");
    H_CHECK(s_reads_days(fast, 1) && s_reads_days(never, 0) && s_reads_days(1, -1),
            "a pipeline reads with its own days, the default with none (the service's)");
    s_refusals(fast);
    long long in_default = s_opportunity(emp, customer, 1);
    long long in_fast = s_opportunity(emp, customer, fast);
    long long in_never = s_opportunity(emp, customer, never);
    long long in_back = s_opportunity(emp, customer, back);
    s_patch_days(back, "null");
    s_patch_days(1, "5");
    H_CHECK(s_reads_days(back, -1) && s_reads_days(1, 5), "patched: null, and 5");
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_pending WHERE kind = 'opportunity.stale'") == 3,
            "three owe a reminder; the one whose pipeline says never does not");

    s_advance(DAY + 600); /* day 1 and ten minutes */
    H_CHECK(h_wait_events(h, "sales", "opportunity.stale", in_fast, 1, 30000) == 1,
            "快 (1 day) stale on day 1");
    H_CHECK(s_stale(in_default) == 0 && s_stale(in_never) == 0 && s_stale(in_back) == 0,
            "the others not yet");
    s_patch_days(never, "2"); /* two days after its entry: day 2 */

    s_advance(DAY); /* day 2 */
    H_CHECK(h_wait_events(h, "sales", "opportunity.stale", in_never, 1, 30000) == 1,
            "不催 given 2 days on day 1: stale on day 2");
    H_CHECK(s_stale(in_default) == 0 && s_stale(in_back) == 0, "day 2: not the others");

    s_advance(DAY); /* day 3 */
    H_CHECK(h_wait_events(h, "sales", "opportunity.stale", in_back, 1, 30000) == 1,
            "改回 (null: the service's 3) stale on day 3");
    H_CHECK(s_stale(in_default) == 0, "the default pipeline's 5 days, not the service's 3");

    s_advance(2 * DAY); /* day 5 */
    H_CHECK(h_wait_events(h, "sales", "opportunity.stale", in_default, 1, 30000) == 1,
            "the default pipeline's stale on day 5");
    H_CHECK(s_stale(in_fast) == 1 && s_stale(in_never) == 1 && s_stale(in_back) == 1, "each once");
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox o JOIN opportunities p ON o.aggregate_id ="
                      " p.id::text WHERE o.type = 'opportunity.stale' AND o.occurred_at <"
                      " p.stage_changed_at + sales_stale_days(p.pipeline_id) * interval"
                      " '1 day' - interval '1 minute'") == 0,
            "none before its pipeline's time (within the minute the processes' clocks may"
            " differ by around a jump: docs/scheduler.md, clocks)");
    h_note("stale days per pipeline: its own, 0 never, null the service's, changed while open:"
           " ok");
    free(emp);
    free(admin);
    h_destroy(&h);
    printf("sales_stale_pipelines: ok\n");
    return 0;
}
