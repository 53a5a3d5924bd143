/* test_leads_probe.c: the pool mask attack (issue #17), over HTTP on real
 * processes. An employee who sees 137****0004 in a pool tries the 10,000
 * candidates through the dedup check (GET /api/v1/leads/duplicates) and a
 * create's duplicate refusal: every answer within the day's masked probes
 * is the same for the right number and the wrong ones, the budget
 * (CRM_DEDUP_MASKED_DAILY, here 8) then stops the check, the create and
 * the edit alike, an admin still sees the exact match, and the next day
 * the budget is whole again. Then through an import of candidate rows:
 * the same budget, the masked duplicate not named, and past the budget
 * every candidate row held back alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

#define BUDGET 8

static h_t *h;
static const char *base;
static char *admin, *emp;
static long long pool, lead;

/* A pool with the employee as its member, and a lead in it. */
static void s_setup(long long emp_id)
{
    char *body = crm_sprintf("{\"name\":\"探测池\",\"member_user_ids\":[%lld]}", emp_id);
    t_resp_t r = t_expect(201, "POST", base, admin, body, "/api/v1/lead-pools");
    pool = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    body = crm_sprintf("{\"name\":\"池中客户\",\"mobile\":\"13712340004\","
                       "\"telephone\":\"021-61234567\",\"pool_id\":%lld}",
                       pool);
    r = t_expect(201, "POST", base, admin, body, "/api/v1/leads");
    lead = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/leads?view=pool&pool_id=%lld", pool);
    r = t_expect(200, "GET", base, emp, NULL, path);
    H_CHECK(strcmp(t_json_str(&r, "items.0.mobile"), "137****0004") == 0, "masked: %s", r.raw);
    t_resp_free(&r);
}

/* A create refused for a masked duplicate names the pool and the masked
 * form, never the lead or its number (and costs nothing: it wrote
 * nothing). */
static void test_create_refusal(void)
{
    t_resp_t r = t_expect(409, "POST", base, emp, "{\"name\":\"探\",\"mobile\":\"13712340004\"}",
                          "/api/v1/leads");
    H_CHECK(strcmp(t_err_code(&r), "already_exists") == 0 && strstr(r.raw, "137****0004") &&
                !strstr(r.raw, "13712340004") && !strstr(r.raw, "021-6"),
            "masked refusal: %s", r.raw);
    char id[32];
    snprintf(id, sizeof id, "lead %lld", lead);
    H_CHECK(!strstr(r.raw, id), "the lead is not named: %s", r.raw);
    t_resp_free(&r);
    h_note("create: a masked duplicate is named by its pool and masked form");
}

/* One masked telephone probe: answered by its form and pool. */
static void test_telephone(void)
{
    t_resp_t r =
        t_expect(200, "GET", base, emp, NULL, "/api/v1/leads/duplicates?telephone=021-99994567");
    H_CHECK(strcmp(t_json_str(&r, "matches.0.masked_number"), "021*****4567") == 0 &&
                strcmp(t_json_str(&r, "matches.0.matched_on"), "telephone") == 0 &&
                t_json_int(&r, "matches.0.pool_id") == pool &&
                t_json_int(&r, "matches.0.lead_id") == 0,
            "telephone's masked match: %s", r.raw);
    t_resp_free(&r);
}

/* The attack: the candidates in order, from 1230 so the right one (1234)
 * comes within the budget. Returns how many were answered. */
static int s_probe_all(void)
{
    char *first = NULL;
    int answered = 0;
    for (int k = 0; k < 10000; k++) {
        int cand = (1230 + k) % 10000;
        t_resp_t r;
        t_httpf(&r, "GET", base, emp, NULL, "/api/v1/leads/duplicates?mobile=137%04d0004", cand);
        if (r.status == 429) {
            H_CHECK(strcmp(t_err_code(&r), "rate_limited") == 0 &&
                        strcmp(t_err_field(&r), "mobile") == 0 && !*r.retry_after,
                    "refused naming mobile, no Retry-After (tomorrow): %s", r.raw);
            t_resp_free(&r);
            break;
        }
        H_CHECK(r.status == 200, "candidate %d: %d %s", cand, r.status, r.raw);
        H_CHECK(!strstr(r.raw, "13712340004") && t_json_int(&r, "matches.0.lead_id") == 0 &&
                    t_json_int(&r, "matches.0.pool_id") == pool &&
                    strcmp(t_json_str(&r, "matches.0.masked_number"), "137****0004") == 0,
                "nothing but the form and the pool: %s", r.raw);
        if (!first)
            first = crm_strdup(r.raw);
        H_CHECK(strcmp(first, r.raw) == 0, "candidate %d answered otherwise: %s vs %s", cand, r.raw,
                first);
        answered++;
        t_resp_free(&r);
    }
    free(first);
    return answered;
}

static void test_attack(void)
{
    int answered = s_probe_all();
    H_CHECK(answered == BUDGET - 1, "answered %d probes (one went on the telephone)", answered);
    h_note("dedup check: %d masked probes answered alike, the right one among them, then 429",
           answered);
    /* The budget is the create's too; a number of no masked form is not
     * counted. */
    t_expect_error(429, "rate_limited", "/mobile", "POST", base, emp,
                   "{\"name\":\"探\",\"mobile\":\"13712340004\"}", "/api/v1/leads");
    t_resp_t r = t_expect(201, "POST", base, emp, "{\"name\":\"正常\",\"mobile\":\"13900000001\"}",
                          "/api/v1/leads");
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", t_json_int(&r, "id"));
    t_resp_free(&r);
    /* And an edit's. */
    t_expect_error(429, "rate_limited", "/mobile", "PATCH", base, emp,
                   "{\"mobile\":\"13712340004\"}", path);
    r = t_expect(200, "GET", base, emp, NULL, "/api/v1/leads/duplicates?mobile=13900000001");
    H_CHECK(strcmp(t_json_str(&r, "matches.0.mobile"), "") == 0 &&
                t_json_int(&r, "matches.0.lead_id") > 0,
            "own lead found exactly: %s", r.raw);
    t_resp_free(&r);
    /* Admins see every contact: the exact match, the lead named. */
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/leads/duplicates?mobile=13712340004");
    H_CHECK(t_json_int(&r, "matches.0.lead_id") == lead &&
                *t_json_str(&r, "matches.0.masked_number") == 0,
            "admin's exact match: %s", r.raw);
    t_resp_free(&r);
    h_note("create: refused past the budget; admins match exactly");
}

/* The budget is per day: yesterday's probes do not count, and are dropped
 * with the next one. */
static void test_next_day(void)
{
    PQclear(h_sql(h, "leads", "UPDATE lead_probes SET day = day - 1"));
    t_resp_t r =
        t_expect(200, "GET", base, emp, NULL, "/api/v1/leads/duplicates?mobile=13700000004");
    H_CHECK(strcmp(t_json_str(&r, "matches.0.masked_number"), "137****0004") == 0, "%s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM lead_probes") == 1 &&
                h_sql_int(h, "leads", "SELECT sum(used) FROM lead_probes") == 1,
            "one day's row left, one probe used");
    h_note("the next day: the budget is whole again");
}

/* A chunk of rows with these mobiles (and names) for import imp. */
static t_resp_t s_chunk(long long imp, int seq, int last, const char *const *mobiles, int n)
{
    char *rows = crm_strdup("");
    for (int i = 0; i < n; i++) {
        char *more = crm_sprintf("%s%s{\"name\":\"导入%d-%d\",\"mobile\":\"%s\"}", rows,
                                 i ? "," : "", seq, i, mobiles[i]);
        free(rows);
        rows = more;
    }
    char *body =
        crm_sprintf("{\"seq\":%d,\"last\":%s,\"rows\":[%s]}", seq, last ? "true" : "false", rows);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/lead-imports/%lld/chunks", imp);
    t_resp_t r = t_expect(200, "POST", base, emp, body, path);
    free(body);
    free(rows);
    return r;
}

/* Row i's outcome, field and message ("" when absent). */
static const char *s_row(const t_resp_t *r, int i, const char *what)
{
    char path[48];
    snprintf(path, sizeof path, "results.%d.%s", i, what);
    return t_json_str(r, path);
}

/* Row i is held back for the budget, as held_msg says (the first such
 * row's message when held_msg is NULL). */
static void s_held(const t_resp_t *r, int i, char **held_msg)
{
    H_CHECK(strcmp(s_row(r, i, "outcome"), "invalid") == 0 &&
                strcmp(s_row(r, i, "field"), "mobile") == 0,
            "row %d held back on its mobile: %s", i, r->raw);
    if (!*held_msg)
        *held_msg = crm_strdup(s_row(r, i, "message"));
    H_CHECK(strcmp(s_row(r, i, "message"), *held_msg) == 0 && strstr(*held_msg, "137****0004"),
            "row %d held back like the others: %s", i, r->raw);
}

/* The attack through an import: rows of candidates for the employee
 * themself. The day's budget (8, whole again) answers the first 8 rows of
 * the masked form, the right number's as a duplicate of a lead named only
 * by its pool and form; every later row of the form is held back alike,
 * the right number's too; a number of no masked form is imported. */
static void test_import(long long emp_id)
{
    PQclear(h_sql(h, "leads", "UPDATE lead_probes SET day = day - 1")); /* a new day */
    char *body = crm_sprintf("{\"target\":{\"owner_id\":%lld}}", emp_id);
    t_resp_t r = t_expect(201, "POST", base, emp, body, "/api/v1/lead-imports");
    long long imp = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    /* Rows 0-11: 137 1230..1241 0004 (the right one, 1234, is row 4); row
     * 12 of no masked form; row 13 the right one again. */
    char nums[14][16];
    const char *mobiles[14];
    for (int i = 0; i < 12; i++)
        snprintf(nums[i], sizeof nums[i], "137%04d0004", 1230 + i);
    snprintf(nums[12], sizeof nums[12], "13900000002");
    snprintf(nums[13], sizeof nums[13], "13712340004");
    for (int i = 0; i < 14; i++)
        mobiles[i] = nums[i];
    r = s_chunk(imp, 1, 0, mobiles, 14);
    H_CHECK(!strstr(r.raw, "13712340004"), "the number is never said: %s", r.raw);
    char lead_id[32], pool_says[32], *held = NULL;
    snprintf(lead_id, sizeof lead_id, "\"duplicate_of\":%lld,", lead);
    snprintf(pool_says, sizeof pool_says, "pool %lld", pool);
    H_CHECK(!strstr(r.raw, lead_id), "the masked lead is not named: %s", r.raw);
    for (int i = 0; i < 8; i++) {
        if (i == 4)
            continue;
        H_CHECK(strcmp(s_row(&r, i, "outcome"), "created") == 0, "row %d created: %s", i, r.raw);
    }
    for (int i = 4; i < 14; i += 9) {
        H_CHECK(strcmp(s_row(&r, i, "outcome"), "duplicate") == 0 &&
                    t_json_int(&r, i == 4 ? "results.4.duplicate_of" : "results.13.duplicate_of") ==
                        0 &&
                    strstr(s_row(&r, i, "message"), "137****0004") &&
                    strstr(s_row(&r, i, "message"), pool_says),
                "row %d: a duplicate named by its pool and masked form only: %s", i, r.raw);
    }
    for (int i = 8; i < 12; i++)
        s_held(&r, i, &held);
    H_CHECK(strcmp(s_row(&r, 12, "outcome"), "created") == 0, "no masked form: created: %s", r.raw);
    t_resp_free(&r);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT sum(used) FROM lead_probes WHERE user_id = %lld", emp_id);
    H_CHECK(h_sql_int(h, "leads", sql) == BUDGET, "the import used the day's budget");
    /* Past the budget, the right number, a wrong one and one the employee
     * now owns are held back alike, and so is a repeat of the first. */
    const char *again[] = {"13712340004", "13712420004", "13712300004", "13900000003",
                           "13712340004"};
    r = s_chunk(imp, 2, 1, again, 5);
    for (int i = 0; i < 5; i += i == 2 ? 2 : 1)
        s_held(&r, i, &held);
    H_CHECK(strcmp(s_row(&r, 3, "outcome"), "created") == 0, "no masked form: created: %s", r.raw);
    H_CHECK(t_json_int(&r, "import.created") == 9 && t_json_int(&r, "import.duplicates") == 2 &&
                t_json_int(&r, "import.invalid") == 8,
            "the import's counts: %s", r.raw);
    t_resp_free(&r);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM leads WHERE owner_id = %lld AND mobile LIKE '137____0004'",
             emp_id);
    H_CHECK(h_sql_int(h, "leads", sql) == 7, "only the wrong candidates within the budget made");
    /* The budget is the check's too. */
    t_expect_error(429, "rate_limited", "mobile", "GET", base, emp, NULL,
                   "/api/v1/leads/duplicates?mobile=13712340004");
    free(held);
    /* An admin's import names the lead, at no cost. */
    body = crm_sprintf("{\"target\":{\"pool_id\":%lld}}", pool);
    r = t_expect(201, "POST", base, admin, body, "/api/v1/lead-imports");
    free(body);
    snprintf(sql, sizeof sql, "/api/v1/lead-imports/%lld/chunks", t_json_int(&r, "id"));
    t_resp_free(&r);
    r = t_expect(200, "POST", base, admin,
                 "{\"seq\":1,\"last\":true,\"rows\":[{\"name\":\"管理员\","
                 "\"mobile\":\"13712340004\"}]}",
                 sql);
    H_CHECK(t_json_int(&r, "results.0.duplicate_of") == lead &&
                !*t_json_str(&r, "results.0.message"),
            "admin: the duplicate named: %s", r.raw);
    t_resp_free(&r);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM lead_probes WHERE user_id <> %lld", emp_id);
    H_CHECK(h_sql_int(h, "leads", sql) == 0, "admins are not counted");
    h_note("import: %d rows of the masked form answered, then held back alike", BUDGET);
}

int main(void)
{
    h = h_new("leads_probe");
    h_setenv(h, "CRM_DEDUP_MASKED_DAILY=8");
    base = t_leads_gateway(h, &admin);
    long long emp_id;
    emp = t_new_user(base, admin, "prober", "employee", 1, &emp_id);
    s_setup(emp_id);
    test_create_refusal();
    test_telephone();
    test_attack();
    test_next_day();
    test_import(emp_id);
    free(emp);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
