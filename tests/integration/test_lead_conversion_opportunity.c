/* test_lead_conversion_opportunity.c: a lead converted into a customer and
 * an opportunity (转为客户和商机, seed 002), end to end over HTTP through the
 * gateway with the real leads, customers and sales services: the
 * conversion's opportunity part checked at the request, each field at fault
 * named (and the lead left unconverted); the customer made from
 * lead.converted, then the opportunity for it, once: the name, amount and
 * expected close date asked for, owned by the lead's owner in its
 * department, its lead and source the lead's, at the first stage of the
 * pipeline asked for (the default's when that one is disabled, said in its
 * history), announced (the customer's totals count it); a conversion
 * without the part makes no opportunity. */
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
static long long emp_id, dept;

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static long long s_lead(const char *name)
{
    char *body =
        crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld,\"source\":\"展会\"}", name, emp_id);
    long long id = t_created(base, admin, "/api/v1/leads", body);
    free(body);
    return id;
}

static void s_convert(long long lead, const char *body, int want)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/convert", lead);
    t_resp_t r = t_expect(want, "POST", base, emp, body, path);
    t_resp_free(&r);
}

/* The lead's customer (waiting for it); its id. */
static long long s_customer_of(long long lead)
{
    for (int i = 0; i < 20; i++) {
        t_resp_t r;
        t_httpf(&r, "GET", base, emp, NULL, "/api/v1/leads/%lld/customer?wait_ms=1500", lead);
        long long id = r.status == 200 ? t_json_int(&r, "id") : 0;
        t_resp_free(&r);
        if (id)
            return id;
    }
    H_CHECK(0, "no customer for lead %lld", lead);
    return 0;
}

/* The customer's opportunities as the owner lists them, waiting (10 s)
 * until there are want. */
static t_resp_t s_opps_of(long long cust, int want)
{
    for (int i = 0;; i++) {
        t_resp_t r;
        t_httpf(&r, "GET", base, emp, NULL, "/api/v1/opportunities?customer_id=%lld&total=true",
                cust);
        H_CHECK(r.status == 200, "list: %s", r.raw);
        if (t_json_int(&r, "total") == want)
            return r;
        H_CHECK(i < 200, "customer %lld: want %d opportunities: %s", cust, want, r.raw);
        t_resp_free(&r);
        s_sleep_ms(50);
    }
}

static void test_refused(void)
{
    long long lead = s_lead("坏请求");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/convert", lead);
    t_expect_error(400, "invalid_argument", "/opportunity/name", "POST", base, emp,
                   "{\"opportunity\":{\"name\":\"  \",\"amount\":100}}", path);
    t_expect_error(400, "invalid_argument", "/opportunity/amount", "POST", base, emp,
                   "{\"opportunity\":{\"name\":\"商机\",\"amount\":-1}}", path);
    t_expect_error(400, "invalid_argument", "/opportunity/expected_close_date", "POST", base, emp,
                   "{\"opportunity\":{\"name\":\"商机\",\"expected_close_date\":\"2026-02-30\"}}",
                   path);
    t_expect_error(400, "invalid_argument", "/opportunity/pipeline_id", "POST", base, emp,
                   "{\"opportunity\":{\"name\":\"商机\",\"pipeline_id\":-2}}", path);
    /* Every field at fault at once. */
    t_resp_t r;
    t_httpf(&r, "POST", base, emp,
            "{\"opportunity\":{\"name\":\"\",\"amount\":-5,\"expected_close_date\":\"明天\"}}",
            "%s", path);
    H_CHECK(r.status == 400 && strstr(r.raw, "/opportunity/name") &&
                strstr(r.raw, "/opportunity/amount") &&
                strstr(r.raw, "/opportunity/expected_close_date"),
            "each field named: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads/%lld", lead);
    r = t_expect(200, "GET", base, emp, NULL, path);
    H_CHECK(strcmp(t_json_str(&r, "status"), "converted") != 0, "still a lead: %s", r.raw);
    t_resp_free(&r);
    h_note("the opportunity part checked at the request, each field named; nothing converted");
}

static void test_converted(void)
{
    long long lead = s_lead("甲公司线索");
    s_convert(lead,
              "{\"customer_name\":\"甲公司\",\"opportunity\":{\"name\":\"甲公司一期\","
              "\"amount\":12345678,\"expected_close_date\":\"2026-09-30\"}}",
              200);
    long long cust = s_customer_of(lead);
    t_resp_t r = s_opps_of(cust, 1);
    long long opp = t_json_int(&r, "items.0.id");
    t_resp_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld", opp);
    r = t_expect(200, "GET", base, emp, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "name"), "甲公司一期") && t_json_int(&r, "amount") == 12345678 &&
                !strcmp(t_json_str(&r, "expected_close_date"), "2026-09-30") &&
                t_json_int(&r, "owner_id") == emp_id && t_json_int(&r, "department_id") == dept &&
                t_json_int(&r, "lead_id") == lead && !strcmp(t_json_str(&r, "source"), "展会") &&
                t_json_int(&r, "customer_id") == cust &&
                !strcmp(t_json_str(&r, "customer_name"), "甲公司") &&
                !strcmp(t_json_str(&r, "status"), "open") && t_json_int(&r, "pipeline_id") == 1 &&
                !strcmp(t_json_str(&r, "stage_name"), "初步接洽") &&
                t_json_int(&r, "win_probability") == 10,
            "the opportunity asked for: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/history", opp);
    r = t_expect(200, "GET", base, emp, NULL, path);
    char reason[64];
    snprintf(reason, sizeof reason, "converted from lead %lld", lead);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "created") &&
                !strcmp(t_json_str(&r, "items.0.reason"), reason),
            "its history says where it came from: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM opportunity_stage_changes WHERE opportunity_id = %lld"
                       " AND from_stage_id IS NULL AND to_status = 1",
                       opp) == 1,
            "its entry into the first stage, for the funnel");
    H_CHECK(h_wait_events(h, "sales", "opportunity.created", opp, 1, 5000) == 1,
            "opportunity.created once");
    /* The customers service counts it. */
    for (int i = 0;; i++) {
        snprintf(path, sizeof path, "/api/v1/customers/%lld", cust);
        r = t_expect(200, "GET", base, emp, NULL, path);
        int done = t_json_int(&r, "open_opportunities") == 1 &&
                   t_json_int(&r, "open_opportunity_amount") == 12345678;
        H_CHECK(done || i < 200, "the customer's totals: %s", r.raw);
        t_resp_free(&r);
        if (done)
            break;
        s_sleep_ms(50);
    }
    /* Converted twice is refused; the events applied again make nothing. */
    snprintf(path, sizeof path, "/api/v1/leads/%lld/convert", lead);
    t_expect_error(409, "failed_precondition", NULL, "POST", base, emp,
                   "{\"opportunity\":{\"name\":\"再来\"}}", path);
    h_wait_consumed(h, "sales", "customers");
    H_CHECK(h_sql_intf(h, "sales", "SELECT count(*) FROM opportunities WHERE lead_id = %lld",
                       lead) == 1,
            "one opportunity for the lead");
    h_note("converted: the customer, then its opportunity once, as asked, counted on the customer");
}

/* A pipeline asked for: its first stage; disabled by the time: the default. */
static void test_pipelines(void)
{
    long long pipe = t_created(base, admin, "/api/v1/pipelines",
                               "{\"name\":\"渠道\",\"stages\":[{\"name\":\"接触\",\"probability\":"
                               "20},{\"name\":\"签约\",\"probability\":80}],\"lost_reasons\":"
                               "[\"其他\"]}");
    long long off = t_created(base, admin, "/api/v1/pipelines",
                              "{\"name\":\"停用\",\"stages\":[{\"name\":\"一\",\"probability\":"
                              "30}],\"lost_reasons\":[\"其他\"]}");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/pipelines/%lld", off);
    t_resp_t r = t_expect(200, "PATCH", base, admin, "{\"enabled\":false}", path);
    t_resp_free(&r);
    long long l1 = s_lead("渠道线索"), l2 = s_lead("停用线索");
    char *body =
        crm_sprintf("{\"opportunity\":{\"name\":\"渠道商机\",\"pipeline_id\":%lld}}", pipe);
    s_convert(l1, body, 200);
    free(body);
    body = crm_sprintf("{\"opportunity\":{\"name\":\"默认商机\",\"pipeline_id\":%lld}}", off);
    s_convert(l2, body, 200);
    free(body);
    r = s_opps_of(s_customer_of(l1), 1);
    H_CHECK(t_json_int(&r, "items.0.pipeline_id") == pipe &&
                !strcmp(t_json_str(&r, "items.0.stage_name"), "接触") &&
                t_json_int(&r, "items.0.win_probability") == 20 &&
                t_json_int(&r, "items.0.amount") == 0,
            "in the pipeline asked for, its first stage: %s", r.raw);
    t_resp_free(&r);
    r = s_opps_of(s_customer_of(l2), 1);
    long long opp = t_json_int(&r, "items.0.id");
    H_CHECK(t_json_int(&r, "items.0.pipeline_id") == 1, "a disabled one: the default: %s", r.raw);
    t_resp_free(&r);
    char *sql = crm_sprintf("SELECT count(*) FROM sales_history WHERE record_id = %lld AND detail"
                            " LIKE '%%\"pipeline_asked\" : %lld%%'",
                            opp, off);
    H_CHECK(h_sql_int(h, "sales", sql) == 1, "the pipeline asked for in its history");
    free(sql);
    h_note("the pipeline asked for, or the default when it is disabled (said in the history)");
}

static void test_without(void)
{
    long long lead = s_lead("只转客户");
    s_convert(lead, "{}", 200);
    long long cust = s_customer_of(lead);
    h_wait_consumed(h, "sales", "customers");
    t_resp_t r = s_opps_of(cust, 0);
    t_resp_free(&r);
    H_CHECK(h_sql_intf(h, "sales", "SELECT count(*) FROM opportunities WHERE lead_id = %lld",
                       lead) == 0,
            "no opportunity");
    h_note("without the part, a customer only");
}

int main(void)
{
    h = h_new("lead_conversion_opportunity");
    h_suite(h, 1, 1, 1, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    dept = t_new_dept(base, admin, "销售二部", 1);
    emp = t_new_user(base, admin, "emp", "employee", dept, &emp_id);

    test_refused();
    test_converted();
    test_pipelines();
    test_without();

    free(emp);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
