/* test_scheduler_admin.c: admins see and steer the timed jobs over HTTP:
 * the list with each job's schedule, next due time and last run; a run
 * now whose run history shows the work's outcome and how many records it
 * changed, as the owning service reported it (committed with the work); a
 * failed attempt reported failed with its reason, then the retry ok; pause
 * (a due job does not fire) and resume (it fires once); an admin's
 * schedule kept over the owner's declarations, and cleared; the refusals
 * (not an admin, unknown job, a bad schedule). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;

static void s_sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* Runs of job in the scheduler's history with this outcome (1 ok, 2 failed). */
static char *s_runs_sql(const char *job, int outcome)
{
    return crm_sprintf("SELECT count(*) FROM scheduler_runs WHERE job = '%s' AND outcome = %d", job,
                       outcome);
}

int main(void)
{
    h = h_new("scheduler_admin");
    h_suite(h, 1, 1, 0, 1);
    h_setenv(h, "CRM_SCHEDULER_TICK_MS=100");
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "调度部", 1), emp_id;
    char *emp = t_new_user(base, admin, "semp", "employee", dept, &emp_id);
    H_CHECK(h_wait_sql(h, "scheduler", "SELECT count(*) FROM scheduler_jobs WHERE runs > 0", 7,
                       15000) == 7,
            "the seven interval jobs declared and fired at start (the daily digests wait for"
            " their hour)");

    /* The list: schedule, next due time, the last run as its owner
     * reported it. */
    char *ok_remind = s_runs_sql("customers.remind", 1);
    H_CHECK(h_wait_sql(h, "scheduler", ok_remind, 1, 15000) >= 1, "the start's run reported");
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, "/api/v1/scheduler/jobs");
    H_CHECK(!strcmp(t_json_str(&r, "jobs.3.name"), "customers.remind") &&
                t_json_int(&r, "jobs.3.interval_s") == 600 &&
                *t_json_str(&r, "jobs.3.next_fire_at") &&
                !strcmp(t_json_str(&r, "jobs.3.last_run.outcome"), "ok") &&
                !strcmp(t_json_str(&r, "jobs.3.owner"), "customers"),
            "the list: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(403, "permission_denied", NULL, "GET", base, emp, NULL,
                   "/api/v1/scheduler/jobs");

    /* Run now: one neglected customer recycled; the history says 1. The
     * job held meanwhile, so the customer's own timer (due at once) does
     * not fire it first: run now fires a paused job. */
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET paused = true WHERE name = 'customers.recycle'"));
    PQclear(h_sql(h, "customers",
                  "UPDATE customer_pools SET recycle_rules = '[{\"kind\":\"followup\",\"days\":3}]'"
                  " WHERE is_default"));
    PQclear(h_sql(h, "customers",
                  "INSERT INTO customers (name, owner_id, department_id, pool_id, owner_since,"
                  " created_at) SELECT '久未跟进', 11, 5, id, now() - interval '7 days', now() -"
                  " interval '7 days' FROM customer_pools WHERE is_default"));
    r = t_expect(200, "POST", base, admin, "{}", "/api/v1/scheduler/jobs/customers.recycle/run");
    long long run = t_json_int(&r, "runs");
    t_resp_free(&r);
    char *ran = crm_sprintf("SELECT count(*) FROM scheduler_runs WHERE job = 'customers.recycle'"
                            " AND run = %lld AND outcome = 1 AND affected = 1 AND manual",
                            run);
    H_CHECK(h_wait_sql(h, "scheduler", ran, 1, 15000) == 1, "its run reported: 1 recycled");
    free(ran);
    r = t_expect(200, "GET", base, admin, NULL,
                 "/api/v1/scheduler/jobs/customers.recycle/runs?limit=1");
    H_CHECK(t_json_int(&r, "items.0.affected") == 1 &&
                !strcmp(t_json_str(&r, "items.0.outcome"), "ok") &&
                t_json_int(&r, "items.0.run") == run && *t_json_str(&r, "items.0.started_at") &&
                *t_json_str(&r, "next_cursor"),
            "the history, newest first, paged: %s", r.raw);
    t_resp_free(&r);
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET paused = false WHERE name = 'customers.recycle'"));
    h_note("the list, run now, the run history: ok");

    /* A failed attempt: reported failed with its reason; the firing is
     * consumed again, and once the cause is gone it runs ok. */
    PQclear(h_sql(h, "customers",
                  "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE"
                  " EXCEPTION 'history is read-only today'; END $$;"
                  " CREATE TRIGGER boom BEFORE INSERT ON customer_history FOR EACH ROW EXECUTE"
                  " FUNCTION boom();"
                  " INSERT INTO customers (name, owner_id, department_id, pool_id, owner_since,"
                  " created_at) SELECT '又一个', 11, 5, id, now() - interval '7 days', now() -"
                  " interval '7 days' FROM customer_pools WHERE is_default"));
    char *failed = s_runs_sql("customers.recycle", 2);
    r = t_expect(200, "POST", base, admin, "{}", "/api/v1/scheduler/jobs/customers.recycle/run");
    t_resp_free(&r);
    H_CHECK(h_wait_sql(h, "scheduler", failed, 1, 15000) >= 1, "the failure reported");
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_runs WHERE outcome = 2 AND error LIKE"
                      " '%history is read-only today%'") >= 1,
            "with its reason");
    PQclear(h_sql(h, "customers", "DROP TRIGGER boom ON customer_history"));
    char *ok_recycle = crm_sprintf("SELECT count(*) FROM scheduler_runs WHERE job ="
                                   " 'customers.recycle' AND outcome = 1 AND affected = 1");
    H_CHECK(h_wait_sql(h, "scheduler", ok_recycle, 2, 30000) == 2, "the retry ran ok");
    free(ok_recycle);
    free(failed);
    h_note("a failed attempt reported, then the retry: ok");

    /* Pause: due, it does not fire; resumed, it fires once. */
    r = t_expect(200, "POST", base, admin, "{}", "/api/v1/scheduler/jobs/leads.recycle/pause");
    H_CHECK(strstr(r.raw, "\"paused\":true"), "paused: %s", r.raw);
    long long before = t_json_int(&r, "runs");
    t_resp_free(&r);
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET next_fire_at = now() - interval '1 hour'"
                  " WHERE name = 'leads.recycle'"));
    s_sleep_ms(800);
    char *runs_sql = crm_sprintf("SELECT runs FROM scheduler_jobs WHERE name = 'leads.recycle'");
    H_CHECK(h_sql_int(h, "scheduler", runs_sql) == before, "a paused job does not fire");
    r = t_expect(200, "POST", base, admin, "{}", "/api/v1/scheduler/jobs/leads.recycle/resume");
    H_CHECK(!strstr(r.raw, "\"paused\":true"), "resumed: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_wait_sql(h, "scheduler", runs_sql, before + 1, 10000) == before + 1,
            "resumed, it fires the missed time once");
    s_sleep_ms(500);
    H_CHECK(h_sql_int(h, "scheduler", runs_sql) == before + 1, "once");
    free(runs_sql);
    h_note("pause and resume: ok");

    /* An admin's schedule stays over the owner's declarations, until
     * cleared. */
    r = t_expect(200, "PUT", base, admin, "{\"schedule\":{\"every_s\":120}}",
                 "/api/v1/scheduler/jobs/leads.remind/schedule");
    H_CHECK(t_json_int(&r, "interval_s") == 120 && t_json_int(&r, "declared_interval_s") == 60 &&
                strstr(r.raw, "\"overridden\":true"),
            "the admin's schedule: %s", r.raw);
    t_resp_free(&r);
    json_decref(t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.DeclareJobs", t_system(),
                              "{\"service\":\"leads\",\"jobs\":[{\"name\":\"leads.remind\","
                              "\"schedule\":{\"every_s\":60}},{\"name\":\"leads.recycle\","
                              "\"schedule\":{\"every_s\":3600}}]}"));
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_jobs WHERE name = 'leads.remind' AND"
                      " override_spec = 'every 120' AND spec = 'every 60'") == 1,
            "kept over the owner's declaration");
    r = t_expect(200, "PUT", base, admin, "{}", "/api/v1/scheduler/jobs/leads.remind/schedule");
    H_CHECK(t_json_int(&r, "interval_s") == 60 && !strstr(r.raw, "\"overridden\":true"),
            "cleared: the owner's again: %s", r.raw);
    t_resp_free(&r);
    h_note("an admin's schedule over the owner's, and cleared: ok");

    /* Daily at a local time and cron-like, in the business time zone:
     * next due at the next matching minute; fired, the next one after. */
    r = t_expect(200, "PUT", base, admin, "{\"schedule\":{\"daily\":\"08:30\"}}",
                 "/api/v1/scheduler/jobs/leads.recycle/schedule");
    H_CHECK(!strcmp(t_json_str(&r, "schedule.daily"), "08:30") &&
                t_json_int(&r, "declared_schedule.every_s") == 3600 &&
                t_json_int(&r, "interval_s") == 0,
            "daily at 08:30: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_jobs WHERE name = 'leads.recycle' AND"
                      " to_char(next_fire_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI:SS') ="
                      " '08:30:00' AND next_fire_at > now() AND next_fire_at <= now() +"
                      " interval '1 day'") == 1,
            "next due at the next 08:30 in the business time zone");
    r = t_expect(200, "PUT", base, admin, "{\"schedule\":{\"cron\":\"*/5 * * * *\"}}",
                 "/api/v1/scheduler/jobs/leads.recycle/schedule");
    H_CHECK(!strcmp(t_json_str(&r, "schedule.cron"), "*/5 * * * *"), "cron: %s", r.raw);
    t_resp_free(&r);
    const char *on_five = "SELECT count(*) FROM scheduler_jobs WHERE name = 'leads.recycle' AND"
                          " extract(minute FROM next_fire_at)::int % 5 = 0 AND"
                          " extract(second FROM next_fire_at) = 0 AND next_fire_at > now() AND"
                          " next_fire_at <= now() + interval '5 minutes'";
    H_CHECK(h_sql_int(h, "scheduler", on_five) == 1, "next due at the next fifth minute");
    /* Its due time come (moved here), it fires once and is next due at the
     * following fifth minute, not at once again. */
    long long fired =
        h_sql_int(h, "scheduler", "SELECT runs FROM scheduler_jobs WHERE name = 'leads.recycle'");
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET next_fire_at = now() - interval '1 second'"
                  " WHERE name = 'leads.recycle'"));
    char *after = crm_sprintf("SELECT runs FROM scheduler_jobs WHERE name = 'leads.recycle'");
    H_CHECK(h_wait_sql(h, "scheduler", after, fired + 1, 10000) == fired + 1, "fired");
    free(after);
    H_CHECK(h_sql_int(h, "scheduler", on_five) == 1, "then due at the next fifth minute");
    t_expect_error(400, "invalid_argument", "/schedule/cron", "PUT", base, admin,
                   "{\"schedule\":{\"cron\":\"61 * * * *\"}}",
                   "/api/v1/scheduler/jobs/leads.recycle/schedule");
    t_expect_error(400, "invalid_argument", "/schedule/cron", "PUT", base, admin,
                   "{\"schedule\":{\"cron\":\"0 0 31 2 *\"}}",
                   "/api/v1/scheduler/jobs/leads.recycle/schedule");
    t_expect_error(400, "invalid_argument", "/schedule/daily", "PUT", base, admin,
                   "{\"schedule\":{\"daily\":\"8:30\"}}",
                   "/api/v1/scheduler/jobs/leads.recycle/schedule");
    r = t_expect(200, "PUT", base, admin, "{}", "/api/v1/scheduler/jobs/leads.recycle/schedule");
    t_resp_free(&r);
    h_note("daily at a local time and cron-like: ok");

    /* Refusals, each named. */
    t_expect_error(404, "not_found", "name", "POST", base, admin, "{}",
                   "/api/v1/scheduler/jobs/nobody.nothing/pause");
    t_expect_error(404, "not_found", "name", "GET", base, admin, NULL,
                   "/api/v1/scheduler/jobs/nobody.nothing/runs");
    t_expect_error(400, "invalid_argument", "/schedule/every_s", "PUT", base, admin,
                   "{\"schedule\":{\"every_s\":0}}",
                   "/api/v1/scheduler/jobs/leads.remind/schedule");
    t_expect_error(400, "invalid_argument", "/schedule", "PUT", base, admin, "{\"schedule\":{}}",
                   "/api/v1/scheduler/jobs/leads.remind/schedule");
    t_expect_error(403, "permission_denied", NULL, "POST", base, emp, "{}",
                   "/api/v1/scheduler/jobs/leads.remind/run");
    t_expect_error(400, "invalid_argument", "limit", "GET", base, admin, NULL,
                   "/api/v1/scheduler/jobs/leads.remind/runs?limit=500");
    h_note("refusals: ok");

    free(ok_remind);
    free(emp);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
