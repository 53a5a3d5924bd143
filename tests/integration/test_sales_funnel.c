/* test_sales_funnel.c: the funnel and the forecast (GET
 * /api/v1/opportunities/funnel, /forecast) against a fixed stage history
 * written into the sales database with its instants, every expected figure
 * derived by hand below (not by running the service's SQL again): first
 * reaches per stage (a skipped stage passed, a move back and forth counted
 * once, won passing the last stage), ends, a reopening taking its end back
 * on its own day, a transfer counting each change for its owner then, the
 * period's bounds in the business time zone (Asia/Shanghai: 00:10 on
 * 1 April there is still 31 March in UTC); for the company, a department
 * with its sub-department, a person; the average days in each stage (stays
 * ended in the period or still going at its end, from their entry, a
 * deletion ending one); the same before and after the service folds the
 * events into days and after a change in a later period; who may ask for what; bad periods
 * named; and one opportunity moved through the API counted today. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;
static long long S[6]; /* the default pipeline's stages 1..5 */
static long long dA, dA1, dB, mgrA, a1, b1;
static char *tmgrA, *ta1;

#define MARCH "from=2026-03-01&to=2026-04-01"

/* ---- the fixture ------------------------------------------------------------------ */

static void s_opp(long long id, long long owner, long long dept, int stage, int status,
                  long long amount, int prob, const char *close)
{
    h_execf(h, "sales",
            "INSERT INTO opportunities (id, name, customer_id, amount, expected_close_on,"
            " pipeline_id, stage_id, status, win_probability, owner_id, department_id)"
            " VALUES (%lld, '漏斗%lld', 1, %lld, %s, 1, %lld, %d, %d, %lld, %lld)",
            id, id, amount, close, S[stage], status, prob, owner, dept);
}

/* One stage change as the service writes it (from 0: the creation). */
static void s_change(long long opp, int from_stage, int from_status, int to_stage, int to_status,
                     long long amount, long long owner, long long dept, const char *reason,
                     const char *at)
{
    h_execf(h, "sales",
            "INSERT INTO opportunity_stage_changes (opportunity_id, pipeline_id, from_stage_id,"
            " to_stage_id, from_status, to_status, lost_reason, amount, probability, owner_id,"
            " department_id, at) VALUES (%lld, 1, NULLIF(%lld, 0), %lld, NULLIF(%d, 0), %d,"
            " '%s', %lld, 0, %lld, %lld, '%s')",
            opp, from_stage ? S[from_stage] : 0, S[to_stage], from_status, to_status, reason,
            amount, owner, dept, at);
}

#define OPEN 1
#define WON 2
#define LOST 3
#define INVALID 4

static void s_fixture(void)
{
    /* 1 (a1): created at S1 2 March, S2 on the 5th, S4 on the 10th
     * (passing S3), won on the 20th at 1,200 (passing S5). */
    s_opp(9001, a1, dA1, 4, WON, 1200, 100, "NULL");
    s_change(9001, 0, 0, 1, OPEN, 1000, a1, dA1, "", "2026-03-02 10:00+08");
    s_change(9001, 1, OPEN, 2, OPEN, 1000, a1, dA1, "", "2026-03-05 10:00+08");
    s_change(9001, 2, OPEN, 4, OPEN, 1000, a1, dA1, "", "2026-03-10 10:00+08");
    s_change(9001, 4, OPEN, 4, WON, 1200, a1, dA1, "", "2026-03-20 10:00+08");
    /* 2 (a1): created in February; S2 3 March, back to S1, S2 again
     * (reached once); lost on the 15th for 价格因素. */
    s_opp(9002, a1, dA1, 2, LOST, 500, 0, "NULL");
    s_change(9002, 0, 0, 1, OPEN, 500, a1, dA1, "", "2026-02-25 10:00+08");
    s_change(9002, 1, OPEN, 2, OPEN, 500, a1, dA1, "", "2026-03-03 10:00+08");
    s_change(9002, 2, OPEN, 1, OPEN, 500, a1, dA1, "", "2026-03-04 10:00+08");
    s_change(9002, 1, OPEN, 2, OPEN, 500, a1, dA1, "", "2026-03-06 10:00+08");
    s_change(9002, 2, OPEN, 2, LOST, 500, a1, dA1, "价格因素", "2026-03-15 10:00+08");
    /* 3 (mgrA, department A): created 31 March 23:30, S2 1 April 00:10
     * (local April, UTC March: out of March). */
    s_opp(9003, mgrA, dA, 2, OPEN, 2000, 30, "'2026-04-15'");
    s_change(9003, 0, 0, 1, OPEN, 2000, mgrA, dA, "", "2026-03-31 23:30+08");
    s_change(9003, 1, OPEN, 2, OPEN, 2000, mgrA, dA, "", "2026-04-01 00:10+08");
    /* 4 (b1): created at S3 on the 8th (passing S1, S2), invalid the 9th. */
    s_opp(9004, b1, dB, 3, INVALID, 300, 0, "NULL");
    s_change(9004, 0, 0, 3, OPEN, 300, b1, dB, "", "2026-03-08 10:00+08");
    s_change(9004, 3, OPEN, 3, INVALID, 300, b1, dB, "", "2026-03-09 10:00+08");
    /* 5 (a1): created in January, won in February (passing every
     * stage), reopened 12 March (the win taken back that day), lost on
     * the 25th for 竞争对手. */
    s_opp(9005, a1, dA1, 5, LOST, 800, 0, "NULL");
    s_change(9005, 0, 0, 1, OPEN, 800, a1, dA1, "", "2026-01-10 10:00+08");
    s_change(9005, 1, OPEN, 5, WON, 800, a1, dA1, "", "2026-02-10 10:00+08");
    s_change(9005, 5, WON, 5, OPEN, 800, a1, dA1, "", "2026-03-12 10:00+08");
    s_change(9005, 5, OPEN, 5, LOST, 800, a1, dA1, "竞争对手", "2026-03-25 10:00+08");
    /* 6: created by b1 (department B) at 1 March 00:00 sharp, then
     * transferred to a1 (no stage change), who moves it to S2 on the
     * 18th: S1 counts for b1, S2 for a1. */
    s_opp(9006, a1, dA1, 2, OPEN, 100, 30, "'2026-04-30'");
    s_change(9006, 0, 0, 1, OPEN, 100, b1, dB, "", "2026-03-01 00:00+08");
    s_change(9006, 1, OPEN, 2, OPEN, 100, a1, dA1, "", "2026-03-18 10:00+08");
    /* 7 (b1): created at S4 on the 5th (passing S1..S3), won on the 6th. */
    s_opp(9007, b1, dB, 4, WON, 700, 100, "NULL");
    s_change(9007, 0, 0, 4, OPEN, 700, b1, dB, "", "2026-03-05 10:00+08");
    s_change(9007, 4, OPEN, 4, WON, 700, b1, dB, "", "2026-03-06 10:00+08");
    /* The forecast's others: open, with no history in March. */
    s_opp(9008, a1, dA1, 3, OPEN, 333, 50, "'2026-05-02'");
    s_opp(9009, b1, dB, 1, OPEN, 1001, 10, "'2026-04-10'");
    s_opp(9010, b1, dB, 1, OPEN, 5000, 10, "'2026-07-01'"); /* after the period */
    /* 11 (b1): created at S3 on 20 February, deleted open on 2 March:
     * its stay in S3 ends at the deletion (10 days, in March's). */
    s_opp(9011, b1, dB, 3, OPEN, 900, 50, "'2026-04-20'");
    s_change(9011, 0, 0, 3, OPEN, 900, b1, dB, "", "2026-02-20 10:00+08");
    h_execf(h, "sales",
            "UPDATE opportunities SET deleted_at = '2026-03-02 10:00+08' WHERE id = 9011");
}

/* A change after the period (6 moves on in April): March's figures stay
 * as they were. */
static void s_later_change(void)
{
    s_change(9006, 2, OPEN, 3, OPEN, 100, a1, dA1, "", "2026-04-05 10:00+08");
}

/* ---- checks ----------------------------------------------------------------------- */

typedef struct {
    long long count[6], amount[6];
    int conv[6];
    long long won, won_amount, lost, lost_amount, invalid;
    int win_rate;
    const char *reason1, *reason2;    /* lost reasons, most first (then by name) */
    long long stays[6], average_s[6]; /* days in each stage: stays, seconds */
} s_funnel_t;

static void s_expect_funnel(const char *who, const char *token, const char *query,
                            const s_funnel_t *w)
{
    char path[200];
    snprintf(path, sizeof path, "/api/v1/opportunities/funnel?%s", query);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    for (int i = 1; i <= 5; i++) {
        char p[48], q[48], c[48], id[48];
        snprintf(id, sizeof id, "stages.%d.stage_id", i - 1);
        snprintf(p, sizeof p, "stages.%d.count", i - 1);
        snprintf(q, sizeof q, "stages.%d.amount", i - 1);
        snprintf(c, sizeof c, "stages.%d.conversion_bp", i - 1);
        H_CHECK(t_json_int(&r, id) == S[i] && t_json_int(&r, p) == w->count[i] &&
                    t_json_int(&r, q) == w->amount[i] && t_json_int(&r, c) == w->conv[i],
                "%s, S%d: want %lld / %lld / %d bp: %s", who, i, w->count[i], w->amount[i],
                w->conv[i], r.raw);
    }
    for (int i = 1; i <= 5; i++) {
        char n[48], a[48];
        snprintf(n, sizeof n, "stages.%d.stay_count", i - 1);
        snprintf(a, sizeof a, "stages.%d.average_stay_s", i - 1);
        H_CHECK(t_json_int(&r, n) == w->stays[i] && t_json_int(&r, a) == w->average_s[i],
                "%s, S%d: want %lld stays of %lld s on average: %s", who, i, w->stays[i],
                w->average_s[i], r.raw);
    }
    H_CHECK(t_json_int(&r, "won_count") == w->won &&
                t_json_int(&r, "won_amount") == w->won_amount &&
                t_json_int(&r, "lost_count") == w->lost &&
                t_json_int(&r, "lost_amount") == w->lost_amount &&
                t_json_int(&r, "invalid_count") == w->invalid &&
                t_json_int(&r, "win_rate_bp") == w->win_rate,
            "%s: ends: %s", who, r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "lost_reasons.0.reason"), w->reason1) &&
                !strcmp(t_json_str(&r, "lost_reasons.1.reason"), w->reason2),
            "%s: lost reasons: %s", who, r.raw);
    t_resp_free(&r);
}

/* March, worked out from the fixture above by hand. */
static const s_funnel_t s_company = {
    /* S1: 1 (1000), 3 (2000), 4 (300), 6 (100), 7 (700)
     * S2: 1 (1000), 2 (500), 4 (300), 6 (100), 7 (700); 3's is April
     * S3: 1 (1000), 4 (300), 7 (700); S4: 1 (1000), 7 (700)
     * S5: 1 (1200, passed when won), 7 (700) */
    .count = {0, 5, 5, 3, 2, 2},
    .amount = {0, 4100, 2600, 2000, 1700, 1900},
    /* 5/5, 3/5, 2/3, 2/2, won 1/2 */
    .conv = {0, 10000, 6000, 6666, 10000, 5000},
    /* won: 1 (+1200), 7 (+700), 5's win taken back (-800) */
    .won = 1,
    .won_amount = 1100,
    .lost = 2,
    .lost_amount = 1300,
    .invalid = 1,
    .win_rate = 3333, /* 1 / (1 + 2) */
    .reason1 = "价格因素",
    .reason2 = "竞争对手",
    /* Stays ended in March or still going at its end (1 April 00:00),
     * each from its entry: S1: 1 3 days, 2 6 days (from 25 February), 2
     * again 2 days, 3 30 minutes (to the end), 6 17 days 10 hours (b1's);
     * 5's S1 ended in February. S2: 1 5 days, 2 1 day and 9 days, 6 13 days
     * 14 hours (to the end). S3: 4 1 day, 11 10 days (to its deletion).
     * S4: 1 10 days, 7 1 day. S5: 5 13 days (reopened). */
    .stays = {0, 5, 4, 2, 2, 1},
    .average_s = {0, (259200 + 518400 + 172800 + 1800 + 1504800) / 5,
                  (432000 + 86400 + 777600 + 1173600) / 4, (86400 + 864000) / 2,
                  (864000 + 86400) / 2, 1123200},
};
/* Department A with A1: 1, 2, 3, 5 and 6's S2 (its S1 was b1's, B). */
static const s_funnel_t s_dept_a = {
    .count = {0, 2, 3, 1, 1, 1},
    .amount = {0, 3000, 1600, 1000, 1000, 1200},
    .conv = {0, 15000, 3333, 10000, 10000, 0},
    .won = 0,
    .won_amount = 400,
    .lost = 2,
    .lost_amount = 1300,
    .invalid = 0,
    .win_rate = 0,
    .reason1 = "价格因素",
    .reason2 = "竞争对手",
    /* S1: 1, 2 twice, 3; S2 as the company's (6's S2 is a1's); S4: 1. */
    .stays = {0, 4, 4, 0, 1, 1},
    .average_s = {0, (259200 + 518400 + 172800 + 1800) / 4, (432000 + 86400 + 777600 + 1173600) / 4,
                  0, 864000, 1123200},
};
/* a1 alone (and department A1): department A's without 3. */
static const s_funnel_t s_a1 = {
    .count = {0, 1, 3, 1, 1, 1},
    .amount = {0, 1000, 1600, 1000, 1000, 1200},
    .conv = {0, 30000, 3333, 10000, 10000, 0},
    .won = 0,
    .won_amount = 400,
    .lost = 2,
    .lost_amount = 1300,
    .invalid = 0,
    .win_rate = 0,
    .reason1 = "价格因素",
    .reason2 = "竞争对手",
    .stays = {0, 3, 4, 0, 1, 1},
    .average_s = {0, (259200 + 518400 + 172800) / 3, (432000 + 86400 + 777600 + 1173600) / 4, 0,
                  864000, 1123200},
};

static void s_funnels(const char *when)
{
    char q[160], who[64];
    snprintf(who, sizeof who, "company (%s)", when);
    s_expect_funnel(who, admin, MARCH "&scope=company", &s_company);
    snprintf(who, sizeof who, "department A (%s)", when);
    snprintf(q, sizeof q, MARCH "&scope=department&department_id=%lld", dA);
    s_expect_funnel(who, admin, q, &s_dept_a);
    s_expect_funnel(who, tmgrA, MARCH "&scope=department", &s_dept_a);
    snprintf(who, sizeof who, "department A1 (%s)", when);
    snprintf(q, sizeof q, MARCH "&scope=department&department_id=%lld", dA1);
    s_expect_funnel(who, tmgrA, q, &s_a1);
    snprintf(who, sizeof who, "a1 (%s)", when);
    s_expect_funnel(who, ta1, MARCH, &s_a1);
    snprintf(q, sizeof q, MARCH "&scope=person&owner_id=%lld", a1);
    s_expect_funnel(who, tmgrA, q, &s_a1);
}

static void s_expect_forecast(const char *who, const char *token, const char *query,
                              const char *months, long long count, long long amount,
                              long long weighted)
{
    char path[200];
    snprintf(path, sizeof path, "/api/v1/opportunities/forecast?%s", query);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    json_t *m = json_object_get(r.body, "months");
    char *got = json_dumps(m, JSON_COMPACT);
    H_CHECK(!strcmp(got, months) && t_json_int(&r, "count") == count &&
                t_json_int(&r, "amount") == amount && t_json_int(&r, "weighted_amount") == weighted,
            "%s forecast: want %s, %lld / %lld / %lld: %s", who, months, count, amount, weighted,
            r.raw);
    free(got);
    t_resp_free(&r);
}

static void s_forecasts(void)
{
    /* April: 3 (2000 x 30%), 6 (100 x 30%), 9 (1001 x 10%): 73010 / 100
     * = 730.1 -> 730; May: 8 (333 x 50% = 166.5 -> 167); 10 is July. */
    s_expect_forecast(
        "company", admin, "from=2026-04-01&to=2026-07-01&scope=company",
        "[{\"month\":\"2026-04\",\"count\":3,\"amount\":3101,\"weighted_amount\":730},"
        "{\"month\":\"2026-05\",\"count\":1,\"amount\":333,\"weighted_amount\":167}]",
        4, 3434, 897);
    /* Department A: 3 and 6 in April (63000 / 100), 8 in May. */
    s_expect_forecast(
        "department A", tmgrA, "from=2026-04-01&to=2026-07-01&scope=department",
        "[{\"month\":\"2026-04\",\"count\":2,\"amount\":2100,\"weighted_amount\":630},"
        "{\"month\":\"2026-05\",\"count\":1,\"amount\":333,\"weighted_amount\":167}]",
        3, 2433, 797);
}

static void s_refusals(void)
{
    char q[200];
    t_expect_error(400, "invalid_argument", "from", "GET", base, admin, NULL,
                   "/api/v1/opportunities/funnel?to=2026-04-01&scope=company");
    t_expect_error(400, "invalid_argument", "to", "GET", base, admin, NULL,
                   "/api/v1/opportunities/funnel?from=2026-04-01&to=2026-03-01&scope=company");
    t_expect_error(400, "invalid_argument", "to", "GET", base, admin, NULL,
                   "/api/v1/opportunities/funnel?from=2020-01-01&to=2026-03-01&scope=company");
    t_expect_error(400, "invalid_argument", "pipeline_id", "GET", base, admin, NULL,
                   "/api/v1/opportunities/funnel?" MARCH "&scope=company&pipeline_id=999");
    t_expect_error(403, "permission_denied", "scope", "GET", base, tmgrA, NULL,
                   "/api/v1/opportunities/funnel?" MARCH "&scope=company");
    t_expect_error(403, "permission_denied", "scope", "GET", base, ta1, NULL,
                   "/api/v1/opportunities/funnel?" MARCH "&scope=department");
    snprintf(q, sizeof q,
             "/api/v1/opportunities/funnel?" MARCH "&scope=department"
             "&department_id=%lld",
             dB);
    t_expect_error(403, "permission_denied", "department_id", "GET", base, tmgrA, NULL, q);
    snprintf(q, sizeof q,
             "/api/v1/opportunities/forecast?" MARCH "&scope=department"
             "&department_id=%lld",
             dB);
    t_expect_error(403, "permission_denied", "department_id", "GET", base, tmgrA, NULL, q);
    snprintf(q, sizeof q, "/api/v1/opportunities/funnel?" MARCH "&scope=person&owner_id=%lld", b1);
    t_expect_error(403, "permission_denied", "owner_id", "GET", base, ta1, NULL, q);
    t_expect_error(403, "permission_denied", "owner_id", "GET", base, tmgrA, NULL, q);
}

/* An opportunity of a1's made and moved through the API today: its first
 * three stages reached today, in a1's funnel of today; its stay in S1
 * (from its creation to the move) and in S3 (to tomorrow, still going),
 * beside 6's stay in S3 since 5 April, still going too. */
static void s_today(void)
{
    char *body =
        crm_sprintf("{\"name\":\"a1的客户\",\"owner_id\":%lld,\"allow_duplicate\":true}", a1);
    long long cust = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sales_customers WHERE id = %lld", cust);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "customer in the read model");
    body = crm_sprintf("{\"name\":\"今天的\",\"customer_id\":%lld,\"amount\":4200}", cust);
    long long id = t_created(base, ta1, "/api/v1/opportunities", body);
    free(body);
    char path[80], move[48];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/stage", id);
    snprintf(move, sizeof move, "{\"stage_id\":%lld}", S[3]);
    t_resp_t r = t_expect(200, "POST", base, ta1, move, path);
    t_resp_free(&r);
    char *today = h_sql_text(h, "sales", "SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date");
    char *tomorrow =
        h_sql_text(h, "sales", "SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date + 1");
    char q[96];
    snprintf(q, sizeof q, "from=%s&to=%s", today, tomorrow);
    long long end = h_sql_int(h, "sales",
                              "SELECT extract(epoch FROM ((now() AT TIME ZONE 'Asia/Shanghai')"
                              "::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')::bigint");
    long long made = h_sql_intf(h, "sales",
                                "SELECT floor(extract(epoch FROM min(at)))::bigint FROM"
                                " opportunity_stage_changes WHERE opportunity_id = %lld",
                                id);
    long long moved = h_sql_intf(h, "sales",
                                 "SELECT floor(extract(epoch FROM max(at)))::bigint FROM"
                                 " opportunity_stage_changes WHERE opportunity_id = %lld",
                                 id);
    long long april5 = 1775354400; /* 2026-04-05 10:00+08 */
    s_funnel_t w = {.count = {0, 1, 1, 1, 0, 0},
                    .amount = {0, 4200, 4200, 4200, 0, 0},
                    .conv = {0, 10000, 10000, 0, 0, 0},
                    .reason1 = "",
                    .reason2 = "",
                    .stays = {0, 1, 0, 2, 0, 0},
                    .average_s = {0, moved - made, 0, (end - moved + end - april5) / 2, 0, 0}};
    s_expect_funnel("a1 today", ta1, q, &w);
    free(today);
    free(tomorrow);
}

int main(void)
{
    h = h_new("sales_funnel");
    h_suite(h, 1, 1, 1, 1);
    /* Nothing folded until the service is started again below. */
    h_setenv(h, "CRM_SALES_FOLD_MS=3600000");
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, "/api/v1/pipelines/1");
    for (int i = 1; i <= 5; i++) {
        char p[32];
        snprintf(p, sizeof p, "stages.%d.id", i - 1);
        S[i] = t_json_int(&r, p);
    }
    t_resp_free(&r);
    /* 总部 <- A <- A1;  总部 <- B */
    dA = t_new_dept(base, admin, "A", 1);
    dA1 = t_new_dept(base, admin, "A1", dA);
    dB = t_new_dept(base, admin, "B", 1);
    tmgrA = t_new_user(base, admin, "mgrA", "manager", dA, &mgrA);
    ta1 = t_new_user(base, admin, "a1", "employee", dA1, &a1);
    char *tb1 = t_new_user(base, admin, "b1", "employee", dB, &b1);
    free(tb1);
    /* The sales service knows the departments (a manager's path). */
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_departments WHERE id = %lld", dA1);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "the org model holds A1");

    s_fixture();
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM opportunity_funnel_days") == 0,
            "nothing folded yet");
    s_funnels("events not folded");
    s_later_change();
    s_funnels("a change in April");
    s_forecasts();
    s_refusals();

    h_stop(h, "sales", 0);
    h_setenv(h, "CRM_SALES_FOLD_MS=100");
    h_start(h, "sales", 0);
    H_CHECK(h_wait_sql(h, "sales", "SELECT count(*) FROM opportunity_funnel_pending", 0, 20000) ==
                0,
            "every event folded");
    s_funnels("folded into days");
    s_today();
    h_note("funnel: company, department with sub-department, person, before and after the fold;"
           " forecast; refusals; an API move counted today");

    free(tmgrA);
    free(ta1);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
