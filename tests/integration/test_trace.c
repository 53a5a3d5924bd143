/* test_trace.c: a request id (crm/trace.h) followed through the suite on
 * real processes. The gateway answers every request with its X-Request-Id
 * (the client's, or one it makes); a malformed one is a 400 naming the
 * header. A lead created and then converted with ids of the test's own:
 * the leads service's log names each id on the calls it answered; the
 * events those calls committed carry it (leads' outbox); the customers
 * service applies lead.converted in that trace (its log) and the customer
 * it makes is published with the same id (customers' outbox), and so is
 * the opportunity sales makes from it: one id across three services and
 * two hops of the bus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;

/* The events of type in db's outbox written under trace. */
static long long s_traced(const char *db, const char *type, const char *trace)
{
    char *sql = crm_sprintf("SELECT count(*) FROM crm_outbox WHERE type = '%s' AND trace_id = '%s'",
                            type, trace);
    long long n = h_wait_sql(h, db, sql, 1, 15000);
    free(sql);
    return n;
}

/* Log lines of service holding both the message and "trace":"<trace>". */
static int s_logged(const char *service, const char *msg, const char *trace)
{
    char *t = crm_sprintf("\"trace\":\"%s\"", trace);
    int n = 0;
    for (int waited = 0; waited < 10000 && !n; waited += 200) {
        n = h_log_count(h, service, 0, msg, t);
        if (!n)
            usleep(200 * 1000);
    }
    free(t);
    return n;
}

int main(void)
{
    h = h_new("trace");
    h_suite(h, 1, 1, 1, 1);
    h_setenv(h, "CRM_LOG_LEVEL=debug");
    const char *base = h_gateway(h);
    h_start_all(h);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);

    /* Made by the gateway when the client gives none. */
    t_resp_t r;
    t_httpf(&r, "GET", base, admin, NULL, "/api/v1/leads?limit=1");
    H_CHECK(r.status == 200 && strlen(r.request_id) == 32, "a request id made: '%s'", r.request_id);
    t_resp_free(&r);
    /* A malformed one: 400 naming the header, with no id echoed. */
    t_http_header("X-Request-Id: not an id");
    t_httpf(&r, "GET", base, admin, NULL, "/api/v1/leads?limit=1");
    H_CHECK(r.status == 400 && !strcmp(t_json_str(&r, "errors.0.header"), "X-Request-Id"),
            "a malformed X-Request-Id refused, naming it: %d %s", r.status, r.raw);
    t_resp_free(&r);
    h_note("the gateway makes a request id, echoes it, refuses a malformed one: ok");

    /* A lead created under the client's id. */
    t_http_header("X-Request-Id: crm-test.create-1");
    t_httpf(&r, "POST", base, admin, "{\"name\":\"追踪线索\",\"mobile\":\"13800138111\"}",
            "/api/v1/leads");
    H_CHECK(r.status == 201 && !strcmp(r.request_id, "crm-test.create-1"),
            "created, the id echoed: %d '%s'", r.status, r.request_id);
    long long lead = t_json_int(&r, "id");
    t_resp_free(&r);
    H_CHECK(s_logged("leads", "\"method\":\"Leads.Create\"", "crm-test.create-1") >= 1,
            "leads logged the call in its trace");
    H_CHECK(s_traced("leads", "lead.created", "crm-test.create-1") == 1,
            "lead.created carries the trace");
    h_note("a create: the call's log line and its event carry the client's id: ok");

    /* Converted into a customer and an opportunity under another id: it
     * crosses to customers, then to sales, on the bus. */
    t_http_header("X-Request-Id: crm-test.convert-2");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/convert", lead);
    t_httpf(&r, "POST", base, admin, "{\"opportunity\":{\"name\":\"追踪商机\",\"amount\":100000}}",
            "%s", path);
    H_CHECK(r.status == 200 && !strcmp(r.request_id, "crm-test.convert-2"), "converted: %d %s",
            r.status, r.raw);
    t_resp_free(&r);
    H_CHECK(s_traced("leads", "lead.converted", "crm-test.convert-2") == 1,
            "lead.converted carries it");
    H_CHECK(s_logged("customers", "\"type\":\"lead.converted\"", "crm-test.convert-2") >= 1,
            "customers applied lead.converted in its trace");
    H_CHECK(s_traced("customers", "customer.created", "crm-test.convert-2") == 1,
            "the customer made from it is published in the same trace");
    H_CHECK(s_traced("sales", "opportunity.created", "crm-test.convert-2") == 1,
            "and so is the opportunity sales made from that");
    H_CHECK(h_sql_int(h, "leads",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'lead.created'"
                      " AND trace_id = 'crm-test.convert-2'") == 0,
            "an event keeps the trace it was written in");
    h_note("a conversion: one id from the HTTP request through leads, customers and sales: ok");

    free(admin);
    h_destroy(&h);
    printf("trace: ok\n");
    return 0;
}
