/* test_customer_recycle_rules.c: a customer pool's recycle rules through
 * the HTTP API, over simulated time (a customer is aged by moving the time
 * its owner got it back, as N days passing would): N per level (a level
 * left out exempt), several rules (the earliest deadline wins), dealt and
 * locked customers exempt, an open opportunity exempt; each deadline
 * stored on the customer and moved by what it depends on (a follow-up, a
 * level change: the change's own reply shows it), sortable and
 * filterable; the warning at N - D, once; the dry run of a rule change
 * equal to what the change and the recycle then do; a manual pool left
 * alone by the scheduler and recycled by hand; the refusals of bad rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin, *emp;
static long long emp_id;

static long long s_customer(const char *name, const char *level)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"level\":\"%s\"}", name, level);
    t_resp_t r = t_expect(201, "POST", base, emp, body, "/api/v1/customers");
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    return id;
}

/* Moves customer id back in time: its owner got it (and it was made) days
 * ago, never followed up. */
static void s_age(long long id, int days)
{
    char *sql = crm_sprintf("UPDATE customers SET owner_since = now() - interval '%d days',"
                            " created_at = now() - interval '%d days', last_followup_at = NULL"
                            " WHERE id = %lld",
                            days, days, id);
    PQclear(h_sql(h, "customers", sql));
    free(sql);
}

static t_resp_t s_get(long long id)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", id);
    return t_expect(200, "GET", base, emp, NULL, path);
}

/* The customer's rule and days, and its whole days left (-1: no deadline). */
static void s_deadline(long long id, const char **rule, long long *days, long long *left)
{
    static char kept[32];
    t_resp_t r = s_get(id);
    snprintf(kept, sizeof kept, "%s", t_json_str(&r, "recycle_rule"));
    *rule = kept;
    *days = t_json_int(&r, "recycle_rule_days");
    *left = *t_json_str(&r, "recycle_at") ? t_json_int(&r, "recycle_days_left") : -1;
    t_resp_free(&r);
}

static void s_expect_deadline(long long id, const char *rule, long long days, long long left)
{
    const char *got_rule;
    long long got_days, got_left;
    s_deadline(id, &got_rule, &got_days, &got_left);
    H_CHECK(!strcmp(got_rule, rule) && got_days == days && got_left == left,
            "customer %lld: want %s %lld days, %lld left; got %s %lld days, %lld left", id, rule,
            days, left, got_rule, got_days, got_left);
}

static void s_patch_pool(const char *path, const char *body)
{
    t_resp_t r = t_expect(200, "PATCH", base, admin, body, path);
    t_resp_free(&r);
}

static int s_pooled(long long id)
{
    char *sql = crm_sprintf("SELECT count(*) FROM customers WHERE id = %lld AND owner_id = 0", id);
    int n = (int)h_sql_int(h, "customers", sql);
    free(sql);
    return n;
}

static void s_fire(const char *job)
{
    char *body = crm_sprintf("{\"name\": \"%s\"}", job);
    json_decref(
        t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.FireNow", t_admin(0, 1), body));
    free(body);
}

int main(void)
{
    h = h_new("customer_recycle_rules");
    h_suite(h, 1, 1, 0, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "规则部", 1);
    emp = t_new_user(base, admin, "remp", "employee", dept, &emp_id);

    /* A pool of its own, the default: new customers belong to it. */
    t_resp_t r = t_expect(201, "POST", base, admin,
                          "{\"name\":\"规则公海\",\"is_default\":true,\"allow_claim\":true}",
                          "/api/v1/customer-pools");
    long long pool = t_json_int(&r, "id");
    t_resp_free(&r);
    char ppath[64];
    snprintf(ppath, sizeof ppath, "/api/v1/customer-pools/%lld", pool);

    /* Rules: no follow-up for 30 days (A) or 10 (B; C left out, exempt),
     * and no deal for 60 days; warned 3 days before. */
    s_patch_pool(ppath, "{\"warn_days\":3,\"recycle_rules\":["
                        "{\"kind\":\"followup\",\"level_days\":[{\"level\":\"A\",\"days\":30},"
                        "{\"level\":\"B\",\"days\":10}]},{\"kind\":\"deal\",\"days\":60}]}");
    r = t_expect(200, "GET", base, admin, NULL, ppath);
    H_CHECK(!strcmp(t_json_str(&r, "recycle_rules.0.kind"), "followup") &&
                t_json_int(&r, "recycle_rules.0.level_days.1.days") == 10 &&
                t_json_int(&r, "recycle_rules.1.days") == 60,
            "the rules read back: %s", r.raw);
    t_resp_free(&r);
    long long ca = s_customer("甲级客户", "A"), cb = s_customer("乙级客户", "B"),
              cc = s_customer("丙级客户", "C");
    s_expect_deadline(ca, "followup", 30, 30);
    s_expect_deadline(cb, "followup", 10, 10);
    s_expect_deadline(cc, "deal", 60, 60); /* C is exempt from the follow-up rule */
    h_note("per level, the earliest rule, a level left out: ok");

    /* A level change moves the deadline, and the change's reply says so. */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", cc);
    r = t_expect(200, "PATCH", base, emp, "{\"level\":\"B\"}", path);
    H_CHECK(!strcmp(t_json_str(&r, "recycle_rule"), "followup") &&
                t_json_int(&r, "recycle_rule_days") == 10 &&
                t_json_int(&r, "recycle_days_left") == 10,
            "the reply shows the new deadline: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, emp, "{\"level\":\"C\"}", path);
    t_resp_free(&r);

    /* Dealt: exempt from the deal rule (and, C, from the follow-up one). */
    snprintf(path, sizeof path, "/api/v1/customers/%lld/deal", cc);
    r = t_expect(200, "POST", base, emp, "{\"deal_status\":\"dealt\"}", path);
    H_CHECK(!*t_json_str(&r, "recycle_at"), "dealt C: no deadline: %s", r.raw);
    t_resp_free(&r);
    /* Locked: none; unlocked: back. */
    snprintf(path, sizeof path, "/api/v1/customers/%lld/lock", ca);
    r = t_expect(200, "POST", base, emp, "{}", path);
    t_resp_free(&r);
    s_expect_deadline(ca, "", 0, -1);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/unlock", ca);
    r = t_expect(200, "POST", base, emp, "{}", path);
    t_resp_free(&r);
    s_expect_deadline(ca, "followup", 30, 30);
    /* An open opportunity exempts (sales keeps the count; set here as its
     * events will). */
    char *sql = crm_sprintf("UPDATE customers SET open_opportunities = 1 WHERE id = %lld", ca);
    PQclear(h_sql(h, "customers", sql));
    free(sql);
    s_expect_deadline(ca, "", 0, -1);
    sql = crm_sprintf("UPDATE customers SET open_opportunities = 0 WHERE id = %lld", ca);
    PQclear(h_sql(h, "customers", sql));
    free(sql);
    s_expect_deadline(ca, "followup", 30, 30);
    h_note("dealt, locked, an open opportunity: exempt: ok");

    /* Time passes: B neglected 8 of its 10 days is 2 days from recycling,
     * inside the warning; warned once; a follow-up moves it back to 10. */
    s_age(cb, 8);
    s_expect_deadline(cb, "followup", 10, 2);
    char *warned = crm_sprintf("SELECT count(*) FROM crm_outbox WHERE type ="
                               " 'customer.recycle_warning' AND aggregate_id = '%lld'",
                               cb);
    s_fire("customers.remind");
    H_CHECK(h_wait_sql(h, "customers", warned, 1, 15000) == 1, "warned at N - D");
    s_fire("customers.remind");
    s_fire("customers.recycle");
    H_CHECK(h_sql_int(h, "customers", warned) == 1 && !s_pooled(cb),
            "warned once, not recycled before N");
    snprintf(path, sizeof path, "/api/v1/customers/%lld/follow-ups", cb);
    r = t_expect(201, "POST", base, emp, "{\"content\":\"回访\",\"method\":\"phone\"}", path);
    t_resp_free(&r);
    s_expect_deadline(cb, "followup", 10, 10);
    h_note("warned at N - D once, a follow-up moves the deadline: ok");

    /* The lists sort and filter by the deadline. */
    long long soon = s_customer("将到期", "B");
    s_age(soon, 9);
    PGresult *within = h_sql(h, "customers",
                             "SELECT to_char((now() + interval '2 days') AT TIME ZONE 'UTC',"
                             " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
    snprintf(path, sizeof path, "/api/v1/customers?view=mine&recycle_to=%s",
             PQgetvalue(within, 0, 0));
    r = t_expect(200, "GET", base, emp, NULL, path);
    H_CHECK(t_json_int(&r, "items.0.id") == soon && t_json_int(&r, "items.1.id") == 0,
            "due within 2 days: %s", r.raw);
    t_resp_free(&r);
    PQclear(within);
    r = t_expect(200, "GET", base, emp, NULL,
                 "/api/v1/customers?view=mine&sort=recycle_at&ascending=true");
    H_CHECK(t_json_int(&r, "items.0.id") == soon && t_json_int(&r, "items.1.id") == cb &&
                t_json_int(&r, "items.2.id") == ca && t_json_int(&r, "items.3.id") == cc,
            "earliest deadline first, none last: %s", r.raw);
    t_resp_free(&r);
    h_note("sorted and filtered by the deadline: ok");

    /* The dry run of a change: no follow-up for 20 days, whatever the
     * level, dealt customers too. A (25 days) and C (dealt, 21) are due at
     * once, "soon" (9) in 11 days; nothing changes yet. */
    /* The recycle timers the change publishes would fire the job at once:
     * paused, so the call below is the run that recycles (s_fire still
     * fires it). */
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET paused = true WHERE name = 'customers.recycle'"));
    s_age(ca, 25);
    s_age(cc, 21);
    const char *change = "{\"recycle_rules\":[{\"kind\":\"followup\",\"days\":20,"
                         "\"include_dealt\":true}]}";
    char prev[96];
    snprintf(prev, sizeof prev, "%s/preview", ppath);
    r = t_expect(200, "POST", base, admin, change, prev);
    H_CHECK(t_json_int(&r, "held") == 4 && t_json_int(&r, "due_now") == 2 &&
                t_json_int(&r, "due_in_30_days") == 4 && t_json_int(&r, "exempt") == 0 &&
                t_json_int(&r, "changed") == 4,
            "the dry run's counts: %s", r.raw);
    long long due[2] = {t_json_int(&r, "items.0.customer_id"),
                        t_json_int(&r, "items.1.customer_id")};
    H_CHECK(due[0] == ca && due[1] == cc && !strcmp(t_json_str(&r, "items.0.rule"), "followup"),
            "which and when: %s", r.raw);
    t_resp_free(&r);
    s_expect_deadline(ca, "followup", 30, 5); /* untouched by the dry run */
    r = t_expect(200, "POST", base, admin, change, "/api/v1/customer-pools/1/preview");
    H_CHECK(t_json_int(&r, "held") == 0 && t_json_int(&r, "items.0.customer_id") == 0,
            "a pool holding none: %s", r.raw);
    t_resp_free(&r);
    /* The change itself, then the recycle: exactly what the dry run said. */
    s_patch_pool(ppath, change);
    s_expect_deadline(ca, "followup", 20, 0);
    r = t_expect(200, "POST", base, admin, "{}", "/api/v1/customers/recycle");
    H_CHECK(t_json_int(&r, "recycled") == 2, "the recycle took what the dry run said: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(s_pooled(ca) && s_pooled(cc) && !s_pooled(cb) && !s_pooled(soon),
            "the two due, no other");
    sql = crm_sprintf("SELECT count(*) FROM customer_history WHERE record_id = %lld AND action ="
                      " 'recycled' AND detail::jsonb->>'rule' = 'followup' AND"
                      " (detail::jsonb->>'rule_days')::int = 20",
                      ca);
    H_CHECK(h_sql_int(h, "customers", sql) == 1, "its history names the rule");
    free(sql);
    h_note("the dry run equals the change and the recycle: ok");

    /* A manual pool: the scheduler leaves its overdue customers; an
     * admin's recycle of the pool takes them. */
    s_patch_pool(ppath, "{\"manual_recycle\":true}");
    s_age(soon, 21);
    s_fire("customers.recycle");
    r = t_expect(200, "POST", base, admin, "{}", "/api/v1/customers/recycle");
    H_CHECK(t_json_int(&r, "recycled") == 0 && !s_pooled(soon), "left alone: %s", r.raw);
    t_resp_free(&r);
    char *one = crm_sprintf("{\"pool_id\":%lld}", pool);
    r = t_expect(200, "POST", base, admin, one, "/api/v1/customers/recycle");
    H_CHECK(t_json_int(&r, "recycled") == 1 && s_pooled(soon), "recycled by hand: %s", r.raw);
    t_resp_free(&r);
    free(one);
    h_note("a manual pool: by hand only: ok");

    /* Warnings page by page (500 a page, each after the last): 1,200
     * customers past their warning time, each warned once by one run (the
     * job paused, so only the runs fired here run). */
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET paused = true WHERE name = 'customers.remind'"));
    sql = crm_sprintf("INSERT INTO customers (name, owner_id, department_id, pool_id,"
                      " owner_since, created_at) SELECT '批量' || g, %lld, %lld, %lld, now() -"
                      " interval '18 days', now() - interval '18 days' FROM"
                      " generate_series(1, 1200) g",
                      emp_id, dept, pool);
    PQclear(h_sql(h, "customers", sql));
    free(sql);
    const char *batch_warned = "SELECT count(*) FROM crm_outbox o JOIN customers c ON"
                               " c.id::text = o.aggregate_id WHERE o.type ="
                               " 'customer.recycle_warning' AND c.name LIKE '批量%'";
    const char *runs = "SELECT count(*) FROM scheduler_runs WHERE job = 'customers.remind'";
    const char *last_affected = "SELECT affected FROM scheduler_runs WHERE job ="
                                " 'customers.remind' ORDER BY id DESC LIMIT 1";
    long long ran = h_sql_int(h, "scheduler", runs);
    s_fire("customers.remind");
    H_CHECK(h_wait_sql(h, "scheduler", runs, ran + 1, 20000) == ran + 1 &&
                h_sql_int(h, "scheduler", last_affected) == 1200 &&
                h_sql_int(h, "customers", batch_warned) == 1200,
            "one run warned the 1,200 across pages");
    s_fire("customers.remind");
    H_CHECK(h_wait_sql(h, "scheduler", runs, ran + 2, 20000) == ran + 2 &&
                h_sql_int(h, "scheduler", last_affected) == 0 &&
                h_sql_int(h, "customers", batch_warned) == 1200,
            "the next run warned none again");
    h_note("warnings across pages, each once: ok");

    /* Next-contact reminders: the time come (moved here), its owner is
     * reminded once (customer.reminder, a notification); a new time, again. */
    sql = crm_sprintf("UPDATE customers SET next_contact_at = now() - interval '1 minute'"
                      " WHERE id = %lld",
                      cb);
    PQclear(h_sql(h, "customers", sql));
    free(sql);
    char *reminded = crm_sprintf("SELECT count(*) FROM crm_outbox WHERE type ="
                                 " 'customer.reminder' AND aggregate_id = '%lld'",
                                 cb);
    s_fire("customers.remind_contacts");
    H_CHECK(h_wait_sql(h, "customers", reminded, 1, 15000) == 1, "reminded when its time came");
    char *notice = crm_sprintf("SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND"
                               " title = '今日需联系客户：乙级客户'",
                               emp_id);
    H_CHECK(h_wait_sql(h, "gateway", notice, 1, 15000) == 1, "its owner notified");
    const char *contact_runs = "SELECT count(*) FROM scheduler_runs WHERE job ="
                               " 'customers.remind_contacts'";
    long long before_runs = h_sql_int(h, "scheduler", contact_runs);
    s_fire("customers.remind_contacts");
    H_CHECK(h_wait_sql(h, "scheduler", contact_runs, before_runs + 1, 15000) == before_runs + 1 &&
                h_sql_int(h, "customers", reminded) == 1,
            "once for its time");
    sql = crm_sprintf("UPDATE customers SET next_contact_at = now() - interval '1 second'"
                      " WHERE id = %lld",
                      cb);
    PQclear(h_sql(h, "customers", sql));
    free(sql);
    s_fire("customers.remind_contacts");
    H_CHECK(h_wait_sql(h, "customers", reminded, 2, 15000) == 2, "a new time, reminded again");
    free(reminded);
    free(notice);
    h_note("next-contact reminders, once per time, with a notification: ok");

    /* Bad rules, each named; the dry run and the recycle refuse as well. */
    t_expect_error(400, "invalid_argument", "/recycle_rules/0/kind", "PATCH", base, admin,
                   "{\"recycle_rules\":[{\"days\":5}]}", ppath);
    t_expect_error(400, "invalid_argument", "/recycle_rules/0/days", "PATCH", base, admin,
                   "{\"recycle_rules\":[{\"kind\":\"deal\",\"days\":0}]}", ppath);
    t_expect_error(400, "invalid_argument", "/recycle_rules/1/kind", "PATCH", base, admin,
                   "{\"recycle_rules\":[{\"kind\":\"deal\",\"days\":5},"
                   "{\"kind\":\"deal\",\"days\":6}]}",
                   ppath);
    t_expect_error(400, "invalid_argument", "/recycle_rules/0/level_days", "PATCH", base, admin,
                   "{\"recycle_rules\":[{\"kind\":\"deal\",\"level_days\":"
                   "[{\"level\":\"A\",\"days\":4000}]}]}",
                   ppath);
    t_expect_error(400, "invalid_argument", "/recycle_rules", "PATCH", base, admin,
                   "{\"recycle_rules\":[{\"kind\":\"deal\",\"level_days\":"
                   "[{\"level\":\"Z\",\"days\":4}]}]}",
                   ppath);
    t_expect_error(400, "invalid_argument", "/recycle_rules/0/kind", "POST", base, admin,
                   "{\"recycle_rules\":[{\"kind\":\"sometimes\",\"days\":5}]}", prev);
    t_expect_error(403, "permission_denied", NULL, "POST", base, emp, change, prev);
    t_expect_error(404, "not_found", "id", "POST", base, admin, change,
                   "/api/v1/customer-pools/999999/preview");
    t_expect_error(404, "not_found", "/pool_id", "POST", base, admin, "{\"pool_id\":999999}",
                   "/api/v1/customers/recycle");
    t_expect_error(400, "invalid_argument", "/pool_id", "POST", base, admin, "{\"pool_id\":-2}",
                   "/api/v1/customers/recycle");
    r = t_expect(200, "GET", base, admin, NULL, ppath);
    H_CHECK(t_json_int(&r, "recycle_rules.0.days") == 20, "nothing written: %s", r.raw);
    t_resp_free(&r);
    h_note("bad rules refused, each named: ok");

    free(warned);
    free(emp);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
