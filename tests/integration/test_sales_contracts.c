/* test_sales_contracts.c: contracts (合同) end to end, through the HTTP API
 * against the real gateway, customers and sales services: made for a
 * customer or from an opportunity (its customer and amount), numbers given
 * (unique whatever their case) or generated from the pattern
 * (HT-{yyyyMMdd}-{seq}); every refusal names its field (unknown customer,
 * opportunity, signatory; an opportunity of another customer; bad dates);
 * an edit by merge patch while a draft; every status move legal and
 * refused (submit, sign, terminate with a reason); history and events;
 * the data scope (an employee does not see another's, a manager sees a
 * subordinate's) in reads and the list's views, filters and keyword; a
 * signed contract deals its customer (成交) once, a second one not again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin, *mgr, *emp1, *emp2;
static long long mgr_id, emp1_id, emp2_id;

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

static long long s_contract(const char *token, const char *body)
{
    return t_created(base, token, "/api/v1/contracts", body);
}

static t_resp_t s_get(const char *token, long long id, int want)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld", id);
    return t_expect(want, "GET", base, token, NULL, path);
}

static void s_act(const char *token, long long id, const char *action, const char *body, int want,
                  const char *code, const char *field)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld/%s", id, action);
    if (code)
        t_expect_error(want, code, field, "POST", base, token, body, path);
    else {
        t_resp_t r = t_expect(want, "POST", base, token, body, path);
        t_resp_free(&r);
    }
}

/* Numbers: given (unique whatever the case and spaces), or generated. */
static void test_numbers(long long cust)
{
    char *given = crm_sprintf("{\"name\":\"年度服务合同\",\"customer_id\":%lld,"
                              "\"number\":\" ht-given-1 \",\"amount\":123456}",
                              cust);
    long long a = s_contract(emp1, given);
    free(given);
    t_resp_t r = s_get(emp1, a, 200);
    H_CHECK(!strcmp(t_json_str(&r, "number"), "ht-given-1") && t_json_int(&r, "amount") == 123456 &&
                !strcmp(t_json_str(&r, "status"), "draft") &&
                t_json_int(&r, "customer_id") == cust && *t_json_str(&r, "customer_name"),
            "a given number, trimmed; a draft: %s", r.raw);
    t_resp_free(&r);
    char *dup =
        crm_sprintf("{\"name\":\"重复\",\"customer_id\":%lld,\"number\":\"HT-GIVEN-1\"}", cust);
    t_expect_error(409, "already_exists", "/number", "POST", base, emp1, dup, "/api/v1/contracts");
    free(dup);

    char *gen = crm_sprintf("{\"name\":\"生成编号\",\"customer_id\":%lld}", cust);
    long long g1 = s_contract(emp1, gen), g2 = s_contract(emp1, gen);
    free(gen);
    r = s_get(emp1, g1, 200);
    char want1[64], want2[64], day[16] = "";
    const char *n1 = t_json_str(&r, "number");
    if (strlen(n1) == 16)
        snprintf(day, sizeof day, "%.8s", n1 + 3);
    snprintf(want1, sizeof want1, "HT-%s-0001", day);
    snprintf(want2, sizeof want2, "HT-%s-0002", day);
    H_CHECK(strlen(day) == 8 && strspn(day, "0123456789") == 8 && !strcmp(n1, want1),
            "generated HT-<day>-0001: %s", r.raw);
    t_resp_free(&r);
    r = s_get(emp1, g2, 200);
    H_CHECK(!strcmp(t_json_str(&r, "number"), want2), "generated %s: %s", want2, r.raw);
    t_resp_free(&r);
    h_note("numbers: given (unique any case), generated %s, %s", want1, want2);
}

/* From an opportunity: its customer and amount; refusals name the field. */
static void test_refs(long long cust, long long other)
{
    char *body = crm_sprintf("{\"name\":\"商机\",\"customer_id\":%lld,\"amount\":777}", cust);
    long long opp = t_created(base, emp1, "/api/v1/opportunities", body);
    free(body);
    body = crm_sprintf("{\"name\":\"由商机\",\"opportunity_id\":%lld}", opp);
    long long k = s_contract(emp1, body);
    free(body);
    t_resp_t r = s_get(emp1, k, 200);
    H_CHECK(t_json_int(&r, "customer_id") == cust && t_json_int(&r, "amount") == 777 &&
                t_json_int(&r, "opportunity_id") == opp,
            "the opportunity's customer and amount: %s", r.raw);
    t_resp_free(&r);

    struct {
        const char *body, *field;
        int status;
    } bad[] = {
        {"{\"name\":\"x\",\"customer_id\":999999}", "/customer_id", 400},
        {"{\"name\":\"x\",\"opportunity_id\":999999}", "/opportunity_id", 400},
        {"{\"name\":\"x\"}", "/customer_id", 400},
        {"{\"customer_id\":%lld}", "/name", 400},
        {"{\"name\":\"x\",\"customer_id\":%lld,\"signatory_id\":999999}", "/signatory_id", 400},
        {"{\"name\":\"x\",\"customer_id\":%lld,\"sign_date\":\"2026-02-30\"}", "/sign_date", 400},
        {"{\"name\":\"x\",\"customer_id\":%lld,\"start_date\":\"2026-05-01\","
         "\"end_date\":\"2026-04-30\"}",
         "/end_date", 400},
        {"{\"name\":\"x\",\"customer_id\":%lld,\"amount\":-1}", "/amount", 400},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *b = crm_sprintf(bad[i].body, cust);
        t_expect_error(bad[i].status, "invalid_argument", bad[i].field, "POST", base, emp1, b,
                       "/api/v1/contracts");
        free(b);
    }
    /* The opportunity of another customer. */
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"opportunity_id\":%lld}", other, opp);
    t_expect_error(400, "invalid_argument", "/opportunity_id", "POST", base, emp1, body,
                   "/api/v1/contracts");
    free(body);
    h_note("from an opportunity: its customer and amount; %zu refusals naming their field",
           sizeof bad / sizeof bad[0] + 1);
}

/* Every status move, legal and refused; edits of drafts only; history. */
static void test_moves(long long cust)
{
    char *body =
        crm_sprintf("{\"name\":\"流转\",\"customer_id\":%lld,\"sign_date\":\"2026-03-01\"}", cust);
    long long k = s_contract(emp1, body);
    free(body);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld", k);
    t_resp_t r = t_expect(200, "PATCH", base, emp1,
                          "{\"name\":\"流转合同\",\"amount\":5000,\"customer_signatory\":\"王总\","
                          "\"attachments\":[\"file://a.pdf\"]}",
                          path);
    H_CHECK(!strcmp(t_json_str(&r, "name"), "流转合同") && t_json_int(&r, "amount") == 5000 &&
                !strcmp(t_json_str(&r, "attachments.0"), "file://a.pdf"),
            "edited: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "/number", "PATCH", base, emp1, "{\"number\":\"\"}",
                   path);
    /* A draft is neither terminated. */
    s_act(emp1, k, "terminate", "{\"reason\":\"x\"}", 409, "failed_precondition", NULL);
    s_act(emp1, k, "submit", "{}", 200, NULL, NULL);
    r = s_get(emp1, k, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "pending"), "pending: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(409, "failed_precondition", NULL, "PATCH", base, emp1, "{\"remark\":\"x\"}",
                   path);
    s_act(emp1, k, "submit", "{}", 409, "failed_precondition", NULL);
    s_act(emp1, k, "sign", "{}", 200, NULL, NULL);
    r = s_get(emp1, k, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "signed") && *t_json_str(&r, "signed_at") &&
                !strcmp(t_json_str(&r, "sign_date"), "2026-03-01"),
            "signed, its sign date kept: %s", r.raw);
    t_resp_free(&r);
    s_act(emp1, k, "sign", "{}", 409, "failed_precondition", NULL);
    s_act(emp1, k, "terminate", "{}", 400, "invalid_argument", "/reason");
    s_act(emp1, k, "terminate", "{\"reason\":\"客户违约\"}", 200, NULL, NULL);
    r = s_get(emp1, k, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "terminated") &&
                !strcmp(t_json_str(&r, "terminate_reason"), "客户违约") &&
                *t_json_str(&r, "terminated_at"),
            "terminated: %s", r.raw);
    t_resp_free(&r);
    s_act(emp1, k, "sign", "{}", 409, "failed_precondition", NULL);
    s_act(emp1, k, "terminate", "{\"reason\":\"again\"}", 409, "failed_precondition", NULL);
    /* A draft signed at once takes today as its sign date. */
    body = crm_sprintf("{\"name\":\"直接签约\",\"customer_id\":%lld}", cust);
    long long d = s_contract(emp1, body);
    free(body);
    s_act(emp1, d, "sign", "{}", 200, NULL, NULL);
    r = s_get(emp1, d, 200);
    H_CHECK(strlen(t_json_str(&r, "sign_date")) == 10, "today's date: %s", r.raw);
    t_resp_free(&r);

    snprintf(path, sizeof path, "/api/v1/contracts/%lld/history", k);
    r = t_expect(200, "GET", base, emp1, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "terminated") &&
                !strcmp(t_json_str(&r, "items.1.action"), "signed") &&
                !strcmp(t_json_str(&r, "items.2.action"), "submitted") &&
                !strcmp(t_json_str(&r, "items.3.action"), "updated") &&
                !strcmp(t_json_str(&r, "items.4.action"), "created") &&
                strstr(r.raw, "{\"field\":\"amount\",\"old\":0,\"new\":5000}"),
            "history: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_wait_events(h, "sales", "contract.created", k, 1, 5000) == 1 &&
                h_events(h, "sales", "contract.signed", k) == 1 &&
                h_events(h, "sales", "contract.terminated", k) == 1 &&
                h_events(h, "sales", "contract.submitted", k) == 1,
            "one event per move");
    h_note("draft -> edit -> pending -> signed -> terminated, every wrong move refused (409)");
}

/* Scope: an employee does not see another's; the manager sees both. */
static void test_scope(long long cust1, long long cust2)
{
    char *body = crm_sprintf("{\"name\":\"员工二的合同\",\"customer_id\":%lld,"
                             "\"number\":\"SCOPE-2\"}",
                             cust2);
    long long k2 = s_contract(emp2, body);
    free(body);
    t_resp_t r = s_get(emp1, k2, 404);
    t_resp_free(&r);
    r = s_get(mgr, k2, 200);
    t_resp_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld", k2);
    r = t_expect(404, "PATCH", base, emp1, "{\"remark\":\"x\"}", path);
    t_resp_free(&r);
    s_act(emp1, k2, "sign", "{}", 404, NULL, NULL);
    snprintf(path, sizeof path, "/api/v1/contracts/%lld/history", k2);
    r = t_expect(404, "GET", base, emp1, NULL, path);
    t_resp_free(&r);
    /* emp1 may not make one for emp2's customer, nor for emp2. */
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld}", cust2);
    t_expect_error(400, "invalid_argument", "/customer_id", "POST", base, emp1, body,
                   "/api/v1/contracts");
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"owner_id\":%lld}", cust1, emp2_id);
    t_expect_error(403, "permission_denied", "/owner_id", "POST", base, emp1, body,
                   "/api/v1/contracts");
    free(body);

    H_CHECK(!t_listed(base, emp1, "/api/v1/contracts?limit=200", k2), "emp1 does not list it");
    H_CHECK(t_listed(base, emp2, "/api/v1/contracts?view=mine", k2), "emp2's own");
    H_CHECK(t_listed(base, mgr, "/api/v1/contracts?view=subordinates&limit=200", k2),
            "the manager's subordinates'");
    H_CHECK(!t_listed(base, mgr, "/api/v1/contracts?view=mine", k2), "not the manager's own");
    H_CHECK(t_listed(base, mgr, "/api/v1/contracts?keyword=scope-2", k2), "by its number");
    H_CHECK(t_listed(base, mgr, "/api/v1/contracts?keyword=员工二", k2), "by its name");
    H_CHECK(!t_listed(base, mgr, "/api/v1/contracts?statuses=signed&limit=200", k2),
            "a draft is not signed");
    snprintf(path, sizeof path, "/api/v1/contracts?customer_id=%lld&total=true", cust2);
    r = t_expect(200, "GET", base, mgr, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 1, "one contract of that customer: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(t_exported(base, mgr, "/api/v1/contracts/export?format=csv", k2), "exported");
    t_expect_error(400, "invalid_argument", "view", "GET", base, mgr, NULL,
                   "/api/v1/contracts?view=nobody");
    h_note("scope: hidden from a peer (read, edit, sign, history, list), seen by the manager");
}

/* A signed contract deals its customer once. */
static void test_deal(long long cust)
{
    char *body = crm_sprintf("{\"name\":\"成交合同\",\"customer_id\":%lld}", cust);
    long long k1 = s_contract(emp2, body), k2 = s_contract(emp2, body);
    free(body);
    s_act(emp2, k1, "sign", "{}", 200, NULL, NULL);
    H_CHECK(h_wait_events(h, "customers", "customer.dealt", cust, 1, 10000) == 1,
            "the customer dealt");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", cust);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "deal_status"), "dealt"), "dealt: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_sql_intf(h, "customers",
                       "SELECT count(*) FROM customer_history WHERE record_id = %lld AND action ="
                       " 'dealt' AND reason = 'contract %lld signed'",
                       cust, k1) == 1,
            "its history names the contract");
    s_act(emp2, k2, "sign", "{}", 200, NULL, NULL);
    h_wait_consumed(h, "customers", "sales");
    H_CHECK(h_events(h, "customers", "customer.dealt", cust) == 1, "not dealt twice");
    h_note("a signed contract deals its customer once; a second signed one does not again");
}

int main(void)
{
    h = h_new("sales_contracts");
    h_suite(h, 1, 1, 1, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "销售一部", 1);
    mgr = t_new_user(base, admin, "mgr", "manager", dept, &mgr_id);
    emp1 = t_new_user(base, admin, "emp1", "employee", dept, &emp1_id);
    emp2 = t_new_user(base, admin, "emp2", "employee", dept, &emp2_id);
    long long c1 = s_customer("甲公司", emp1_id), c2 = s_customer("乙公司", emp2_id),
              c3 = s_customer("丙公司", emp1_id);

    test_numbers(c1);
    test_refs(c1, c3);
    test_moves(c1);
    test_scope(c1, c2);
    test_deal(c2);

    free(mgr);
    free(emp1);
    free(emp2);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
