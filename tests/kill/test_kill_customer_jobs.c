/* test_kill_customer_jobs.c: the customers service is killed -9 while it
 * runs the scheduler's recycle job over 3,000 neglected customers, and the
 * scheduler is killed too. The job's work commits with the consumer's
 * offset, so after the restarts every neglected customer is back in its
 * pool exactly once: one customer.recycled and one history entry each, the
 * locked ones untouched, every event published. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jcall.h"

enum { CUSTOMERS = 3000, LOCKED = 100 };

static void s_sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

int main(void)
{
    h_t *h = h_new("kill_customer_jobs");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    /* The default pool's rule: 3 days; 3,100 customers held by user 11 for
     * a week, never followed up, the last 100 of them locked: seeded in SQL
     * (their creation is not what is tested). */
    PQclear(h_sql(h, "customers",
                  "UPDATE customer_pools SET recycle_rules = '[{\"kind\":\"followup\","
                  "\"days\":3}]' WHERE is_default"));
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO customers (name, owner_id, department_id, pool_id, owner_since,"
             " created_at, locked) SELECT '回收' || g, 11, 5, (SELECT id FROM customer_pools"
             " WHERE is_default), now() - interval '7 days', now() - interval '7 days', g > %d"
             " FROM generate_series(1, %d) g",
             CUSTOMERS, CUSTOMERS + LOCKED);
    PQclear(h_sql(h, "customers", sql));

    json_decref(t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.FireNow", t_admin(0, 1),
                              "{\"name\": \"customers.recycle\"}"));
    srand((unsigned)time(NULL));
    int kills = 0;
    for (; kills < 3; kills++) {
        s_sleep_ms(20 + rand() % 150);
        h_kill(h, "customers", 0);
        h_start(h, "customers", 0);
    }
    h_kill(h, "scheduler", 0);
    h_start(h, "scheduler", 0);

    int64_t moved = h_wait_sql(h, "customers",
                               "SELECT count(*) FROM customers WHERE owner_id = 0 AND"
                               " previous_owner_id = 11 AND name LIKE '回收%'",
                               CUSTOMERS, 60000);
    H_CHECK(moved == CUSTOMERS, "every neglected customer recycled: %lld of %d", (long long)moved,
            CUSTOMERS);
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM customers WHERE locked AND owner_id = 11") == LOCKED,
            "the locked ones kept");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'customer.recycled'") ==
                CUSTOMERS,
            "one customer.recycled each");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM (SELECT record_id FROM customer_history WHERE action ="
                      " 'recycled' GROUP BY record_id HAVING count(*) = 1) x") == CUSTOMERS,
            "one history entry each");
    H_CHECK(h_wait_sql(h, "customers", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0,
                       15000) == 0,
            "every event published");
    h_note("kill -9 customers %d times during a recycle of %d customers (and the scheduler"
           " once): each recycled once, the locked kept",
           kills, CUSTOMERS);
    h_stop(h, "scheduler", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("kill_customer_jobs: ok\n");
    return 0;
}
