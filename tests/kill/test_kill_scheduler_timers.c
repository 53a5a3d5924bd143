/* test_kill_scheduler_timers.c: 2,000 customers' next contact times fall
 * due over eight seconds while both scheduler instances and the customers
 * service are killed -9 again and again, and Redis is lost once (killed,
 * back empty). The jobs' sweeps are a year away,
 * so only the timers can remind: after the restarts every customer was
 * reminded exactly once (one customer.reminder each), none before its time,
 * and no timer is left. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suite.h"

enum { CUSTOMERS = 2000 };

static void s_sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

int main(void)
{
    h_t *h = h_new("kill_scheduler_timers");
    h_suite(h, 1, 1, 0, 2);
    h_setenv(h, "CRM_SCHEDULER_TICK_MS=100");
    h_start_all(h);
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET override_spec = 'every 31622400',"
                  " next_fire_at = now() + interval '1 year' WHERE name LIKE 'customers.%'"));
    /* Held by user 11, due from 4 s to 12 s from now (seeded in SQL: the
     * insert trigger publishes their timers). */
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO customers (name, owner_id, department_id, pool_id, owner_since,"
             " next_contact_at) SELECT '定时' || g, 11, 5, (SELECT id FROM customer_pools WHERE"
             " is_default), now(), now() + interval '4 seconds' + (g %% 80) * interval '100"
             " milliseconds' FROM generate_series(1, %d) g",
             CUSTOMERS);
    PQclear(h_sql(h, "customers", sql));
    H_CHECK(h_wait_sql(h, "scheduler",
                       "SELECT count(*) FROM scheduler_timers WHERE job ="
                       " 'customers.remind_contacts'",
                       CUSTOMERS, 20000) == CUSTOMERS,
            "every timer reached the scheduler");

    srand((unsigned)time(NULL));
    int kills = 0;
    for (int round = 0; round < 8; round++, kills++) {
        if (round == 4) { /* Redis lost, and back empty: no timer lives there */
            h_redis_stop(h);
            h_redis_start(h);
        }
        s_sleep_ms(300 + rand() % 700);
        const char *who = round % 3 == 2 ? "customers" : "scheduler";
        int instance = round % 3 == 1;
        h_kill(h, who, who[0] == 'c' ? 0 : instance);
        h_start(h, who, who[0] == 'c' ? 0 : instance);
    }

    int64_t reminded = h_wait_sql(h, "customers",
                                  "SELECT count(DISTINCT aggregate_id) FROM crm_outbox"
                                  " WHERE type = 'customer.reminder'",
                                  CUSTOMERS, 60000);
    H_CHECK(reminded == CUSTOMERS, "every customer reminded: %lld of %d", (long long)reminded,
            CUSTOMERS);
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_pending WHERE kind = 'customer.contact'") == 0,
            "no reminder still owed");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'customer.reminder'") ==
                CUSTOMERS,
            "one customer.reminder each");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox o JOIN customers c ON o.aggregate_id ="
                      " c.id::text WHERE o.type = 'customer.reminder' AND o.occurred_at <"
                      " c.next_contact_at") == 0,
            "none before its time");
    H_CHECK(h_wait_sql(h, "scheduler",
                       "SELECT count(*) FROM scheduler_timers WHERE job ="
                       " 'customers.remind_contacts' AND due_at <= now()",
                       0, 10000) == 0,
            "no due timer left");
    H_CHECK(h_wait_sql(h, "customers", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0,
                       15000) == 0,
            "every event published");
    h_note("kill -9 the schedulers and customers %d times while 2,000 timers came due: each"
           " reminded once, at or after its time",
           kills);
    h_destroy(&h);
    printf("kill_scheduler_timers: ok\n");
    return 0;
}
