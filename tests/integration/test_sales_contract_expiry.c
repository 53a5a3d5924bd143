/* test_sales_contract_expiry.c: contracts reaching their end (合同到期,
 * sql/022) over simulated time (h_clock_fake), with the owner reminded 3
 * days before (CRM_SALES_CONTRACT_REMIND_DAYS=3) and the jobs' sweeps put
 * a year away (each run after a jump, t_advance_and_run). Signed on day 0
 * (today in Asia/Shanghai is D):
 *   A ends D+5: reminded from D+2, expired from D+6, not before;
 *   B ends D+1: reminded at once (its reminder's day has passed), expired
 *     from D+2;
 *   E ends D-1 (signed after its end): expired at once, never reminded;
 *   F has no end date, C is a draft ending D+1, T ends D+1 but is
 *     terminated on day 0: nothing, ever.
 * Each event once (contract.expiring, contract.expired), the status
 * expired with its history entry, the owner notified (合同即将到期,
 * 合同已到期), none before its time; an expired contract may still be
 * terminated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

#define DAY (24LL * 3600)

static h_t *h;
static const char *base;
static char *emp;
static long long customer;

static long long s_events(const char *type, long long id)
{
    return h_events(h, "sales", type, id);
}

/* Moves the clock and runs both jobs; the owner signs in anew (tokens
 * expire). */
static void s_advance(long long seconds)
{
    t_advance_and_run(h, base, seconds, "sales", "sales.contract_expiry");
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_run_job(h, base, admin, "sales.contract_expiring");
    free(admin);
    h_wait_consumed(h, "sales", "scheduler");
    free(emp);
    emp = t_login(base, "contractemp", "a-better-one");
}

/* A contract of emp's ending days after today (NULL: no end date), signed
 * when sign. */
static long long s_contract(const char *name, const char *end_days, int sign)
{
    char *end = end_days ? h_sql_text(h, "sales", end_days) : NULL;
    char *body = end ? crm_sprintf("{\"name\":\"%s\",\"customer_id\":%lld,\"end_date\":\"%s\"}",
                                   name, customer, end)
                     : crm_sprintf("{\"name\":\"%s\",\"customer_id\":%lld}", name, customer);
    long long id = t_created(base, emp, "/api/v1/contracts", body);
    free(body);
    free(end);
    if (sign) {
        char path[64];
        snprintf(path, sizeof path, "/api/v1/contracts/%lld/sign", id);
        t_resp_t r = t_expect(200, "POST", base, emp, "{}", path);
        t_resp_free(&r);
    }
    return id;
}

#define TODAY_PLUS(n) "SELECT ((now() AT TIME ZONE 'Asia/Shanghai')::date + " #n ")::text"

static const char *s_status(long long id)
{
    static char status[32];
    char path[64];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld", id);
    t_resp_t r = t_expect(200, "GET", base, emp, NULL, path);
    snprintf(status, sizeof status, "%s", t_json_str(&r, "status"));
    t_resp_free(&r);
    return status;
}

static int s_notified(long long owner, const char *type, long long id)
{
    char *sql = crm_sprintf("SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND"
                            " type = '%s' AND aggregate_id = '%lld'",
                            owner, type, id);
    int64_t n = h_wait_sql(h, "gateway", sql, 1, 15000);
    free(sql);
    return (int)n;
}

int main(void)
{
    h_clock_fake();
    h = h_new("sales_contract_expiry");
    h_suite(h, 1, 1, 1, 1);
    h_setenv(h, "CRM_SALES_CONTRACT_REMIND_DAYS=3");
    base = h_gateway(h);
    h_start_all(h);
    t_job_postpone(h, "sales.contract_expiry");
    t_job_postpone(h, "sales.contract_expiring");
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "合同部", 1), emp_id;
    emp = t_new_user(base, admin, "contractemp", "employee", dept, &emp_id);
    customer = t_sales_customer(h, base, admin, "到期客户", emp_id);

    long long a = s_contract("五天后到期", TODAY_PLUS(5), 1);
    long long b = s_contract("明天到期", TODAY_PLUS(1), 1);
    long long e = s_contract("昨天已到期", TODAY_PLUS(-1), 1);
    long long f = s_contract("没有结束日期", NULL, 1);
    long long c = s_contract("草稿", TODAY_PLUS(1), 0);
    long long t = s_contract("终止的", TODAY_PLUS(1), 1);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/contracts/%lld/terminate", t);
    t_resp_t r = t_expect(200, "POST", base, emp, "{\"reason\":\"客户解约\"}", path);
    t_resp_free(&r);
    /* (B's reminder and E's dues are past: their timers may have fired.) */
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM crm_pending WHERE kind LIKE 'contract.%%' AND"
                       " record_id = %lld",
                       a) == 2,
            "A owes an expiry and a reminder");
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM crm_pending WHERE kind LIKE 'contract.%%' AND"
                       " record_id IN (%lld, %lld, %lld)",
                       f, c, t) == 0,
            "F, the draft and the terminated owe nothing");

    s_advance(60); /* day 0 */
    H_CHECK(h_wait_events(h, "sales", "contract.expiring", b, 1, 30000) == 1,
            "B (ends tomorrow) reminded at once");
    H_CHECK(h_wait_events(h, "sales", "contract.expired", e, 1, 30000) == 1 &&
                !strcmp(s_status(e), "expired"),
            "E (ended yesterday) expired at once");
    H_CHECK(s_events("contract.expiring", e) == 0, "E not reminded: it has ended");
    H_CHECK(s_events("contract.expiring", a) == 0 && s_events("contract.expired", b) == 0 &&
                !strcmp(s_status(a), "signed") && !strcmp(s_status(b), "signed"),
            "day 0: A not reminded, B not expired");

    s_advance(2 * DAY); /* day 2 */
    H_CHECK(h_wait_events(h, "sales", "contract.expiring", a, 1, 30000) == 1,
            "A reminded three days before its end");
    H_CHECK(h_wait_events(h, "sales", "contract.expired", b, 1, 30000) == 1 &&
                !strcmp(s_status(b), "expired"),
            "B expired the day after its end");
    H_CHECK(s_events("contract.expired", a) == 0 && !strcmp(s_status(a), "signed"),
            "day 2: A still signed");

    s_advance(3 * DAY); /* day 5: A's last day */
    H_CHECK(s_events("contract.expired", a) == 0 && !strcmp(s_status(a), "signed"),
            "day 5: A still signed on its end date");
    s_advance(DAY); /* day 6 */
    H_CHECK(h_wait_events(h, "sales", "contract.expired", a, 1, 30000) == 1 &&
                !strcmp(s_status(a), "expired"),
            "A expired the day after its end");
    s_advance(30 * DAY);
    long long ids[] = {a, b, e};
    for (int i = 0; i < 3; i++)
        H_CHECK(s_events("contract.expired", ids[i]) == 1 &&
                    s_events("contract.expiring", ids[i]) == (ids[i] != e),
                "contract %lld: each event once", ids[i]);
    long long never[] = {f, c, t};
    for (int i = 0; i < 3; i++)
        H_CHECK(s_events("contract.expired", never[i]) == 0 &&
                    s_events("contract.expiring", never[i]) == 0,
                "contract %lld (no end, a draft, terminated): nothing", never[i]);
    H_CHECK(!strcmp(s_status(f), "signed") && !strcmp(s_status(c), "draft") &&
                !strcmp(s_status(t), "terminated"),
            "their statuses unchanged");
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox o JOIN contracts k ON o.aggregate_id ="
                      " k.id::text WHERE (o.type = 'contract.expired' AND o.occurred_at <"
                      " sales_day_start(k.end_date + 1, 'Asia/Shanghai') - interval '1 minute')"
                      " OR (o.type = 'contract.expiring' AND o.occurred_at <"
                      " sales_day_start(k.end_date - 3, 'Asia/Shanghai') - interval '1 minute')") ==
                0,
            "none before its time (within the minute the clocks may differ by around a jump)");
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM sales_history WHERE kind = 'contract' AND"
                       " record_id = %lld AND action = 'expired' AND actor_id = 0",
                       a) == 1,
            "A's history: expired, by the system");
    H_CHECK(s_notified(emp_id, "contract.expiring", a) == 1 &&
                s_notified(emp_id, "contract.expiring", b) == 1 &&
                s_notified(emp_id, "contract.expired", a) == 1 &&
                s_notified(emp_id, "contract.expired", e) == 1,
            "the owner notified of each");
    snprintf(path, sizeof path, "/api/v1/contracts/%lld/terminate", a);
    r = t_expect(200, "POST", base, emp, "{\"reason\":\"到期终止\"}", path);
    t_resp_free(&r);
    H_CHECK(!strcmp(s_status(a), "terminated"), "an expired contract may be terminated");
    h_note("contract expiry: reminded N days before, expired the day after the end, once each,"
           " never drafts, terminated or endless ones: ok");
    free(emp);
    free(admin);
    h_destroy(&h);
    printf("sales_contract_expiry: ok\n");
    return 0;
}
