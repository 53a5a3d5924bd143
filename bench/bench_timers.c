/* bench_timers.c: the scheduler's per-record timers at a million.
 *
 *     bench_timers [timers]       (default 1,000,000)
 *
 * Seeds that many customers held by 200 owners with next contact times
 * spread over the next 30 days (one INSERT; its trigger publishes each
 * one's timer.set), and measures how fast the timers reach the scheduler
 * (relay, consumer, upsert into scheduler_timers) and the scheduler's
 * memory with them all held. Then 10,000 more customers fall due in the
 * same second: the time from each one's due time to its customer.reminder
 * published on the bus (the relay's published_at), p50/p99/max, with the
 * parts: the tick's firing (scheduler.fired written), the customers
 * service's run (job.ran's duration). The raw limit in the same run: the
 * owner's bare statement for those 10,000 (their pending reminders
 * deleted and one outbox row each, in a transaction rolled back). The jobs' sweeps are put
 * a year away, so the timers alone fire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness.h"
#include "stats.h"

#define DUE_TOGETHER 10000

static double s_sql_double(h_t *h, const char *db, const char *sql)
{
    PGresult *r = h_sql(h, db, sql);
    double v = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? atof(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

/* Inserts n customers due from due_sql on (g: 1..n) and waits until the
 * scheduler holds want timers; returns the seconds that took. */
static double s_seed(h_t *h, int n, const char *due_sql, int64_t want)
{
    char *sql = crm_sprintf(
        "INSERT INTO customers (name, owner_id, department_id, pool_id, owner_since,"
        " next_contact_at) SELECT '定时客户' || g, 1 + g %% 200, 1 + (g %% 200) / 20, (SELECT id"
        " FROM customer_pools WHERE is_default), now(), %s FROM generate_series(1, %d) g",
        due_sql, n);
    uint64_t t0 = stats_now_ns();
    PQclear(h_sql(h, "customers", sql));
    free(sql);
    int64_t got = h_wait_sql(h, "scheduler",
                             "SELECT count(*) FROM scheduler_timers WHERE job ="
                             " 'customers.remind_contacts'",
                             want, 3600 * 1000);
    if (got != want) {
        fprintf(stderr, "timers: %lld of %lld reached the scheduler\n", (long long)got,
                (long long)want);
        exit(1);
    }
    return (double)(stats_now_ns() - t0) / 1e9;
}

/* The owner's bare work for the customers due at due (a timestamptz
 * literal): their pending reminders taken (crm/pending.h) and an outbox
 * row each, rolled back. */
static double s_raw_ms(h_t *h, const char *due)
{
    PGconn *c = PQconnectdb(h_pg(h, "customers"));
    char *sql = crm_sprintf(
        "WITH del AS (DELETE FROM crm_pending WHERE kind = 'customer.contact' AND due_at = '%s'"
        " RETURNING record_id), due AS (SELECT c.id, c.name FROM del JOIN customers c ON c.id ="
        " del.record_id) INSERT INTO crm_outbox (event_id, type, aggregate_id, payload) SELECT"
        " gen_random_uuid(), 'customer.reminder', id::text, convert_to(name, 'UTF8') FROM due",
        due);
    PQclear(PQexec(c, "BEGIN"));
    uint64_t t0 = stats_now_ns();
    PGresult *r = PQexec(c, sql);
    double ms = (double)(stats_now_ns() - t0) / 1e6;
    if (PQresultStatus(r) != PGRES_COMMAND_OK || atoi(PQcmdTuples(r)) != DUE_TOGETHER) {
        fprintf(stderr, "raw: %s %s\n", PQcmdTuples(r), PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    free(sql);
    return ms;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000000;
    h_t *h = h_new("bench_timers");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET override_spec = 'every 31622400',"
                  " next_fire_at = now() + interval '1 year' WHERE name LIKE 'customers.%'"));
    pid_t sched = h_pid(h_proc(h, "scheduler", 0));
    long rss0 = stats_rss_kb(sched);
    stats_load("before seeding");

    double secs = s_seed(h, n, "now() + interval '1 hour' + (g % 43200) * interval '1 minute'", n);
    printf("%d timers published and held by the scheduler in %.1f s: %.0f timers/s\n", n, secs,
           n / secs);
    printf("scheduler memory: %ld KiB before, %ld KiB with %d timers held (peak %ld KiB)\n", rss0,
           stats_rss_kb(sched), n, stats_peak_kb(sched));
    double table_mb = s_sql_double(h, "scheduler",
                                   "SELECT pg_total_relation_size('scheduler_timers') / 1048576.0");
    printf("scheduler_timers: %.0f MB on disk, indexes included\n", table_mb);

    /* 10,000 due in the same second, 8 s from now (their timers reach the
     * scheduler before). */
    PGresult *r =
        h_sql(h, "customers", "SELECT date_trunc('second', now() + interval '8 seconds')::text");
    char due[64];
    snprintf(due, sizeof due, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    char *due_sql = crm_sprintf("'%s'::timestamptz", due);
    double lag = s_seed(h, DUE_TOGETHER, due_sql, (int64_t)n + DUE_TOGETHER);
    free(due_sql);
    if (lag > 7.5)
        printf("warning: the 10,000 timers took %.1f s to arrive; the due time had passed\n", lag);
    double raw = s_raw_ms(h, due);
    stats_load("while 10,000 fall due");
    int64_t got = h_wait_sql(h, "customers",
                             "SELECT count(*) FROM crm_outbox WHERE type = 'customer.reminder'"
                             " AND published_at IS NOT NULL",
                             DUE_TOGETHER, 120000);
    if (got != DUE_TOGETHER) {
        fprintf(stderr, "reminders: %lld of %d published\n", (long long)got, DUE_TOGETHER);
        return 1;
    }
    char *q = crm_sprintf(
        "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY x), max(x) FROM"
        " (SELECT extract(epoch FROM o.published_at - c.next_contact_at) * 1000 AS x FROM"
        " crm_outbox o JOIN customers c ON c.id::text = o.aggregate_id WHERE o.type ="
        " 'customer.reminder') s");
    r = h_sql(h, "customers", q);
    printf("due -> customer.reminder published, %d due in the same second: p50/p99 %s ms,"
           " max %.0f ms\n",
           DUE_TOGETHER, PQgetvalue(r, 0, 0), atof(PQgetvalue(r, 0, 1)));
    PQclear(r);
    free(q);
    char *fired = crm_sprintf(
        "SELECT extract(epoch FROM min(occurred_at) - '%s'::timestamptz) * 1000 FROM crm_outbox"
        " WHERE type = 'scheduler.fired' AND occurred_at >= '%s'::timestamptz",
        due, due);
    printf("  the scheduler's firing written %.0f ms after the due time\n",
           s_sql_double(h, "scheduler", fired));
    free(fired);
    printf("  the customers service's run: %.0f ms (job.ran); the bare statement: %.0f ms\n",
           s_sql_double(h, "scheduler",
                        "SELECT max(duration_ms) FROM scheduler_runs WHERE job ="
                        " 'customers.remind_contacts' AND affected > 0"),
           raw);
    printf("scheduler memory at the end: %ld KiB (peak %ld KiB)\n", stats_rss_kb(sched),
           stats_peak_kb(sched));
    h_destroy(&h);
    return 0;
}
