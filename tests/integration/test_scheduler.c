/* test_scheduler.c: timed firing with two scheduler instances ticking every
 * 50 ms against one database: each due time of each job fires once (one
 * run, one scheduler.fired event), the customers and leads services
 * consume every firing, and the run history keeps each report once. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "suite.h"

int main(void)
{
    h_t *h = h_new("scheduler");
    h_suite(h, 1, 1, 0, 2);
    h_setenv(h, "CRM_SCHEDULER_TICK_MS=50");
    h_start_all(h);
    /* A new interval job is due at once: each fired once at start; the
     * daily digests wait for their hour. */
    int64_t njobs = h_sql_int(h, "scheduler", "SELECT count(*) FROM scheduler_jobs");
    H_CHECK(njobs == 9,
            "customers.digest, customers.escalate, customers.recycle, customers.remind,"
            " customers.remind_contacts, leads.digest, leads.escalate, leads.recycle,"
            " leads.remind: %lld jobs",
            (long long)njobs);
    int64_t at_start =
        h_sql_int(h, "scheduler", "SELECT count(*) FROM scheduler_jobs WHERE spec LIKE 'every %'");
    H_CHECK(h_wait_sql(h, "scheduler", "SELECT sum(runs) FROM scheduler_jobs", at_start, 10000) ==
                at_start,
            "each interval job fired once at start");
    PQclear(
        h_sql(h, "scheduler", "UPDATE scheduler_jobs SET spec = 'every 1', next_fire_at = now()"));
    struct timespec ts = {4, 500 * 1000000};
    nanosleep(&ts, NULL);
    int64_t runs = h_sql_int(h, "scheduler", "SELECT sum(runs) FROM scheduler_jobs");
    int64_t events =
        h_sql_int(h, "scheduler", "SELECT count(*) FROM crm_outbox WHERE type = 'scheduler.fired'");
    H_CHECK(runs == events, "one event per run: runs %lld, events %lld", (long long)runs,
            (long long)events);
    /* Once a second for 4.5 s per job, beside the start's: not 2x with
     * two instances. */
    H_CHECK(runs - at_start >= 4 * njobs && runs - at_start <= 6 * njobs,
            "runs %lld after 4.5 s at 1/s", (long long)runs);
    H_CHECK(h_wait_sql(h, "scheduler", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0,
                       5000) == 0,
            "all firings published");
    int64_t last = h_sql_int(h, "scheduler", "SELECT last_seq FROM crm_outbox_relay");
    H_CHECK(h_wait_sql(h, "customers",
                       "SELECT last_seq FROM crm_consumer_offsets WHERE producer = 'scheduler'",
                       last, 10000) >= last,
            "customers consumed every firing");
    H_CHECK(h_wait_sql(h, "leads",
                       "SELECT last_seq FROM crm_consumer_offsets WHERE producer = 'scheduler'",
                       last, 10000) >= last,
            "leads consumed every firing");
    /* Each run's report (job.ran, committed with the work; several firings
     * consumed in one batch run the work once) is kept once in the run
     * history, though both instances consume the reports. The jobs paused,
     * the last firings' work done, the reports are counted. */
    PQclear(h_sql(h, "scheduler", "UPDATE scheduler_jobs SET paused = true"));
    struct timespec settle = {1, 500 * 1000000};
    nanosleep(&settle, NULL);
    int64_t reports =
        h_sql_int(h, "customers", "SELECT count(*) FROM crm_outbox WHERE type = 'job.ran'") +
        h_sql_int(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'job.ran'");
    int64_t fired = h_sql_int(h, "scheduler", "SELECT sum(runs) FROM scheduler_jobs");
    H_CHECK(reports >= at_start + 4 * njobs && reports <= fired,
            "the work reported: %lld reports, %lld runs", (long long)reports, (long long)fired);
    H_CHECK(h_wait_sql(h, "scheduler", "SELECT count(*) FROM scheduler_runs", reports, 10000) ==
                reports,
            "the history holds each report once");
    h_note("scheduler: %lld firings from two instances, each once", (long long)runs);
    h_stop(h, "scheduler", 0);
    h_stop(h, "scheduler", 1);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("scheduler: ok\n");
    return 0;
}
