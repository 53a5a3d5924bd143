/* test_scheduler_declare.c: services declare their jobs at start. The
 * leads service starts before any scheduler and still gets its jobs in once
 * one starts; a declaration made again (a restart, a repeated call) keeps
 * the next due time; a changed schedule is taken; declarations that break
 * the rule, or come from a user, are refused; FireNow and ListJobs see the
 * declared jobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcall.h"

#define NEXT_RECYCLE "SELECT crm_us(next_fire_at) FROM scheduler_jobs WHERE name = 'leads.recycle'"

/* The health check "jobs" of leads-0: 1 ok, 0 not, -1 absent. */
static int s_jobs_check(h_t *h, char *detail, size_t size)
{
    json_t *r = t_json_expect(h, CRM__STATUS__OK, "leads", "System.Health", t_system(), "{}");
    int out = -1;
    json_t *checks = json_object_get(r, "checks");
    for (size_t i = 0; i < json_array_size(checks); i++) {
        json_t *c = json_array_get(checks, i);
        if (strcmp(json_string_value(json_object_get(c, "name")), "jobs") == 0) {
            out = json_is_true(json_object_get(c, "ok"));
            snprintf(detail, size, "%s", json_string_value(json_object_get(c, "detail")));
        }
    }
    json_decref(r);
    return out;
}

/* Scheduler.DeclareJobs as leads would send it, recycling every every_s;
 * returns how many jobs the scheduler says changed. */
static int64_t s_declare(h_t *h, int64_t every_s)
{
    json_t *r = t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.DeclareJobs", t_system(),
                              "{\"service\": \"leads\", \"jobs\": ["
                              "{\"name\": \"leads.recycle\", \"schedule\": {\"every_s\": %lld}},"
                              "{\"name\": \"leads.remind\", \"schedule\": {\"every_s\": 60}}]}",
                              (long long)every_s);
    int64_t n = (int64_t)json_array_size(json_object_get(r, "changed"));
    json_decref(r);
    return n;
}

int main(void)
{
    h_t *h = h_new("scheduler_declare");
    h_suite_counts(h, "leads=1,scheduler=1");
    h_setenv(h, "CRM_SCHEDULER_TICK_MS=100");

    /* The service first: its jobs wait for a scheduler, and say so. */
    h_start(h, "leads", 0);
    char detail[512] = "";
    H_CHECK(s_jobs_check(h, detail, sizeof detail) == 0, "no scheduler yet: \"jobs\" not ok");
    h_note("before the scheduler: jobs: %s", detail);
    struct timespec ts = {2, 500 * 1000000}; /* past the first attempt's deadline */
    nanosleep(&ts, NULL);

    /* The scheduler after it: the declarations arrive, each job due at
     * once and fired. */
    h_start(h, "scheduler", 0);
    H_CHECK(h_wait_sql(h, "scheduler",
                       "SELECT count(*) FROM scheduler_jobs WHERE owner = 'leads' AND runs > 0", 3,
                       15000) == 3,
            "a scheduler started after the service gets its jobs, and fires the three interval"
            " ones at once");
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_jobs WHERE name = 'leads.recycle' AND"
                      " spec = 'every 3600'") == 1,
            "leads.recycle hourly");
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_jobs WHERE name = 'leads.remind' AND"
                      " spec = 'every 60'") == 1,
            "leads.remind every minute");
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_jobs WHERE (name = 'leads.digest' AND"
                      " spec = 'daily 08:30' AND runs = 0) OR (name = 'leads.escalate' AND"
                      " spec = 'every 300')") == 2,
            "leads.digest daily at 08:30, not yet fired; leads.escalate every 5 minutes");
    H_CHECK(h_sql_int(h, "scheduler", "SELECT count(*) FROM scheduler_jobs") == 4,
            "only the declared jobs: the scheduler's migrations insert none");
    for (int i = 0; i < 250 && s_jobs_check(h, detail, sizeof detail) != 1; i++)
        nanosleep(&(struct timespec){0, 20 * 1000000}, NULL);
    H_CHECK(s_jobs_check(h, detail, sizeof detail) == 1, "\"jobs\" ok once taken: %s", detail);
    h_note("a scheduler started after the service: %s", detail);

    /* Declared again, unchanged: the next due time stays. */
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET next_fire_at = now() + interval '5 days'"
                  " WHERE name = 'leads.recycle'"));
    int64_t next = h_sql_int(h, "scheduler", NEXT_RECYCLE);
    H_CHECK(s_declare(h, 3600) == 0, "an unchanged declaration changes nothing");
    h_stop(h, "leads", 0);
    h_start(h, "leads", 0);
    for (int i = 0; i < 500 && h_log_count(h, "leads", 0, "\"jobs declared\"", NULL) < 2; i++)
        nanosleep(&(struct timespec){0, 20 * 1000000}, NULL);
    H_CHECK(h_log_count(h, "leads", 0, "\"jobs declared\"", NULL) == 2,
            "the restarted service declared its jobs again");
    H_CHECK(h_sql_int(h, "scheduler", NEXT_RECYCLE) == next,
            "a second declaration keeps the next fire time");
    h_note("declared again (a call, a restart): next fire time kept");

    /* A changed schedule is taken: next due one new interval after the
     * last firing. */
    H_CHECK(s_declare(h, 7200) == 1, "a changed schedule changes the job");
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT (spec = 'every 7200' AND next_fire_at = last_fired_at"
                      " + interval '2 hours')::int FROM scheduler_jobs"
                      " WHERE name = 'leads.recycle'") == 1,
            "re-scheduled from its last firing");
    H_CHECK(s_declare(h, 3600) == 1, "and back");

    /* Refusals. */
    t_json_expect(h, CRM__STATUS__PERMISSION_DENIED, "scheduler", "Scheduler.DeclareJobs",
                  t_admin(0, 1),
                  "{\"service\": \"leads\", \"jobs\": [{\"name\": \"leads.recycle\","
                  " \"schedule\": {\"every_s\": 60}}]}");
    t_json_expect(h, CRM__STATUS__INVALID_ARGUMENT, "scheduler", "Scheduler.DeclareJobs",
                  t_system(),
                  "{\"service\": \"leads\", \"jobs\": [{\"name\": \"customers.recycle\","
                  " \"schedule\": {\"every_s\": 60}}]}");
    t_json_says("Scheduler.DeclareJobs", "jobs", "customers.recycle");
    t_json_expect(h, CRM__STATUS__INVALID_ARGUMENT, "scheduler", "Scheduler.DeclareJobs",
                  t_system(), "{\"service\": \"leads\", \"jobs\": [{\"name\": \"leads.x\"}]}");
    t_json_says("Scheduler.DeclareJobs", "jobs", "schedule");
    t_json_expect(h, CRM__STATUS__INVALID_ARGUMENT, "scheduler", "Scheduler.DeclareJobs",
                  t_system(),
                  "{\"service\": \"leads\", \"jobs\": [{\"name\": \"leads.x\","
                  " \"schedule\": {\"every_s\": 0}}]}");
    t_json_says("Scheduler.DeclareJobs", "jobs", "every 0 s");
    h_note("refused: a user's declaration, another service's job, no or a bad schedule");

    /* FireNow and ListJobs see the declared jobs. */
    json_t *j = t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.FireNow", t_admin(0, 1),
                              "{\"name\": \"leads.remind\"}");
    H_CHECK(!strcmp(t_str(j, "owner"), "leads"), "FireNow: owner %s", t_str(j, "owner"));
    json_decref(j);
    j = t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.ListJobs", t_admin(0, 1), "{}");
    H_CHECK(!strcmp(t_str(j, "jobs.0.name"), "leads.digest") &&
                !strcmp(t_str(j, "jobs.1.name"), "leads.escalate") &&
                !strcmp(t_str(j, "jobs.2.name"), "leads.recycle") &&
                !strcmp(t_str(j, "jobs.3.name"), "leads.remind") &&
                !strcmp(t_str(j, "jobs.3.owner"), "leads"),
            "ListJobs lists the declared jobs");
    json_decref(j);

    h_stop(h, "scheduler", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("scheduler_declare: ok\n");
    return 0;
}
