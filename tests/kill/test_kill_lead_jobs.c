/* test_kill_lead_jobs.c: the leads service is killed -9 while it runs the
 * scheduler's recycle job over 3,000 neglected leads, and the scheduler is
 * killed too. The job's work commits with the consumer's offset, so after
 * the restarts every neglected lead is back in its pool exactly once: one
 * lead.recycled and one history entry each, and the offset past the
 * firing. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jcall.h"

enum { LEADS = 3000 };

static void s_sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

int main(void)
{
    h_t *h = h_new("kill_lead_jobs");
    h_suite(h, 1, 0, 0, 1);
    h_start_all(h);
    json_t *p = t_json_expect(h, CRM__STATUS__OK, "leads", "Leads.CreatePool", t_admin(0, 1),
                              "{\"name\": \"回收池\", \"recycle_days\": 3, \"warn_days\": 0}");
    int64_t pool = t_int(p, "id");
    json_decref(p);
    /* 3,000 leads held by user 11 for a week, never followed up: seeded in
     * SQL (their creation is not what is tested). */
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO leads (name, owner_id, department_id, status, pool_id, owner_since)"
             " SELECT '回收' || g, 11, 5, 2, %lld, now() - interval '7 days'"
             " FROM generate_series(1, %d) g",
             (long long)pool, LEADS);
    PQclear(h_sql(h, "leads", sql));

    /* Fire the job, and kill the leads service while it works; kill the
     * scheduler as well. */
    json_decref(t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.FireNow", t_admin(0, 1),
                              "{\"name\": \"leads.recycle\"}"));
    srand((unsigned)time(NULL));
    int kills = 0;
    for (; kills < 3; kills++) {
        s_sleep_ms(20 + rand() % 150);
        h_kill(h, "leads", 0);
        h_start(h, "leads", 0);
    }
    h_kill(h, "scheduler", 0);
    h_start(h, "scheduler", 0);

    int64_t moved = h_wait_sql(h, "leads",
                               "SELECT count(*) FROM leads WHERE owner_id = 0 AND status = 1"
                               " AND name LIKE '回收%'",
                               LEADS, 60000);
    H_CHECK(moved == LEADS, "every neglected lead recycled: %lld of %d", (long long)moved, LEADS);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'lead.recycled'") ==
                LEADS,
            "one lead.recycled each");
    H_CHECK(h_sql_int(h, "leads",
                      "SELECT count(*) FROM (SELECT lead_id FROM lead_history WHERE action ="
                      " 'recycled' GROUP BY lead_id HAVING count(*) = 1) x") == LEADS,
            "one history entry each");
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 15000) ==
                0,
            "every event published");
    h_note("kill -9 leads %d times during a recycle of %d leads (and the scheduler once): each"
           " recycled once",
           kills, LEADS);
    h_stop(h, "scheduler", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("kill_lead_jobs: ok\n");
    return 0;
}
