/* test_cron.c: cron-like schedules (crm/cron.h, pure): the next minute of
 * steps, ranges, lists, weekdays and both day fields, a daily time, month
 * and year rollover, an impossible date, in the business time zone; the
 * refusals of bad expressions, each naming the field; and the job kit's
 * schedules on them (crm/job.h): their stored line and next due time. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/cron.h"
#include "crm/job.h"
#include "unit.h"

/* A local time (Asia/Shanghai) in microseconds. */
static int64_t s_at(int y, int mon, int d, int h, int m, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mon - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = s,
                    .tm_isdst = -1};
    return (int64_t)mktime(&tm) * 1000000;
}

static int64_t s_next(const char *expr, int64_t after)
{
    crm_cron_t c;
    crm_err_t err;
    CHECK(crm_cron_parse(expr, &c, &err) == 0);
    return crm_cron_next(&c, after);
}

static void test_next(void)
{
    int64_t t = s_at(2026, 12, 4, 10, 7, 30); /* a Friday */
    CHECK(s_next("*/15 * * * *", t) == s_at(2026, 12, 4, 10, 15, 0));
    CHECK(s_next("* * * * *", t) == s_at(2026, 12, 4, 10, 8, 0));
    CHECK(s_next("0 9 * * 1-5", t) == s_at(2026, 12, 7, 9, 0, 0)); /* Monday */
    CHECK(s_next("30 9 * * *", s_at(2026, 12, 4, 9, 30, 0)) == s_at(2026, 12, 5, 9, 30, 0));
    CHECK(s_next("0 8,18 * * *", t) == s_at(2026, 12, 4, 18, 0, 0));
    CHECK(s_next("0 0 1 1 *", t) == s_at(2027, 1, 1, 0, 0, 0));
    CHECK(s_next("0 0 29 2 *", t) == s_at(2028, 2, 29, 0, 0, 0)); /* a leap day */
    CHECK(s_next("0 0 31 2 *", t) == 0);                          /* never */
    /* Both day fields restricted: either matches (the 15th, or a Sunday). */
    CHECK(s_next("0 12 15 * 0", t) == s_at(2026, 12, 6, 12, 0, 0));
    CHECK(s_next("0 12 5 * 0", t) == s_at(2026, 12, 5, 12, 0, 0));
    CHECK(s_next("0 12 * * 7", t) == s_at(2026, 12, 6, 12, 0, 0)); /* 7 is Sunday */
    CHECK(s_next("10-20/5 3 * * *", t) == s_at(2026, 12, 5, 3, 10, 0));
}

static void test_daily(void)
{
    crm_cron_t c;
    crm_err_t err;
    CHECK(crm_cron_daily("09:30", &c, &err) == 0);
    CHECK(crm_cron_next(&c, s_at(2026, 12, 31, 23, 0, 0)) == s_at(2027, 1, 1, 9, 30, 0));
    const char *bad[] = {"9:30", "24:00", "09:60", "09:30x", "", NULL};
    for (size_t i = 0; bad[i]; i++) {
        CHECK(crm_cron_daily(bad[i], &c, &err) == -1);
        CHECK(!strcmp(err.field, "schedule"));
    }
    CHECK(crm_cron_daily(NULL, &c, &err) == -1);
}

static void test_refused(void)
{
    const char *bad[] = {"61 * * * *",   "* * *",      "a * * * *",  "* * * * * *",   "5-1 * * * *",
                         "*/0 * * * *",  "* 24 * * *", "* * 0 * *",  "* * * 13 *",    "* * * * 8",
                         "1,,2 * * * *", "",           "-1 * * * *", "* * * * 1-5/x", NULL};
    crm_cron_t c;
    crm_err_t err;
    for (size_t i = 0; bad[i]; i++) {
        CHECK(crm_cron_parse(bad[i], &c, &err) == -1);
        CHECK(err.status == CRM__STATUS__INVALID_ARGUMENT && !strcmp(err.field, "schedule"));
    }
    CHECK(crm_cron_parse(NULL, &c, &err) == -1);
    CHECK(crm_cron_parse(" 0  9 * * 1-5 ", &c, &err) == 0); /* spaces around */
}

static void test_job_schedules(void)
{
    int64_t now = s_at(2026, 12, 4, 10, 7, 30), min = 60 * 1000000LL;
    crm_job_schedule_t every = CRM_EVERY(600), daily = CRM_DAILY("08:30"),
                       cron = CRM_CRON("0 9 * * 1-5"), back;
    crm_err_t err;
    CHECK(crm_job_next(&every, 0, now) == now);                         /* new: at once */
    CHECK(crm_job_next(&every, now - min, now) == now + 9 * min);       /* from the last */
    CHECK(crm_job_next(&every, now - 60 * min, now) == now + 10 * min); /* missed: once */
    CHECK(crm_job_next(&daily, 0, now) == s_at(2026, 12, 5, 8, 30, 0));
    CHECK(crm_job_next(&cron, now, now) == s_at(2026, 12, 7, 9, 0, 0));
    const crm_job_schedule_t *all[] = {&every, &daily, &cron};
    const char *lines[] = {"every 600", "daily 08:30", "cron 0 9 * * 1-5"};
    for (int i = 0; i < 3; i++) {
        char *spec = crm_job_spec(all[i]);
        CHECK(!strcmp(spec, lines[i]));
        CHECK(crm_job_spec_parse(spec, &back, &err) == 0 && back.kind == all[i]->kind);
        CHECK(crm_job_next(&back, 0, now) == crm_job_next(all[i], 0, now));
        free(spec);
    }
    CHECK(crm_job_spec_parse("hourly", &back, &err) == -1);
    CHECK(crm_job_spec_parse("cron 99 * * * *", &back, &err) == -1);
    crm_job_schedule_t bad = CRM_EVERY(0);
    CHECK(crm_job_schedule_ok(&bad, &err) == -1 && !strcmp(err.field, "schedule.every_s"));
    bad = CRM_DAILY("25:00");
    CHECK(crm_job_schedule_ok(&bad, &err) == -1 && !strcmp(err.field, "schedule.daily"));
    bad = CRM_CRON("0 0 30 2 *");
    CHECK(crm_job_schedule_ok(&bad, &err) == -1 && !strcmp(err.field, "schedule.cron"));
}

int main(void)
{
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    test_next();
    test_daily();
    test_refused();
    test_job_schedules();
    return unit_result("cron");
}
