/* test_kill_handover.c: the leads service is killed -9 again and again
 * while it hands 3,000 leads (six pages) of a leaver over to her
 * successor. The handover commits with the consumer's offset of the
 * gateway's user.deactivated, so after the restarts every lead has moved
 * exactly once: one "handed_over" history entry and one lead.transferred
 * each, one handover.progressed, and the admin's view says 3,000 of
 * 3,000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "jcall.h"

enum { LEADS = 3000 };

static void s_sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void s_expect(h_t *h, const char *what, const char *sql, int64_t want)
{
    int64_t got = h_sql_int(h, "leads", sql);
    H_CHECK(got == want, "%s: %lld, want %lld", what, (long long)got, (long long)want);
}

int main(void)
{
    h_t *h = h_new("kill_handover");
    h_org_fixture(h, 0);
    h_suite_counts(h, "leads=1");
    const char *base = h_gateway(h);
    h_start_all(h);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long ann = 0, bob = 0;
    free(t_new_user(base, admin, "ann", "employee", 1, &ann));
    free(t_new_user(base, admin, "bob", "employee", 1, &bob));
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id IN (%lld, %lld)", ann,
             bob);
    H_CHECK(h_wait_sql(h, "leads", sql, 2, 15000) == 2, "ann and bob reach the leads service");
    /* ann's leads, seeded in SQL (their creation is not what is tested). */
    snprintf(sql, sizeof sql,
             "INSERT INTO leads (name, owner_id, department_id, status)"
             " SELECT '交接' || g, %lld, 1, 2 FROM generate_series(1, %d) g",
             ann, LEADS);
    PQclear(h_sql(h, "leads", sql));

    /* ann leaves; kill the leads service while it hands her leads over. */
    char body[64], path[96];
    snprintf(body, sizeof body, "{\"successor_id\": %lld}", bob);
    snprintf(path, sizeof path, "/api/v1/users/%lld/deactivate", ann);
    t_resp_t r = t_expect(200, "POST", base, admin, body, path);
    t_resp_free(&r);
    /* Each kill waits until a handover transaction is open (its page
     * statement seen in pg_stat_activity, whose text is cut at 1 kB: its
     * start), then lands a moment later. */
    srand((unsigned)time(NULL));
    int kills = 0, mid = 0;
    for (; kills < 3; kills++) {
        mid += h_wait_sql(h, "leads",
                          "SELECT count(*) FROM pg_stat_activity WHERE datname = 'leads'"
                          " AND xact_start IS NOT NULL AND query LIKE 'WITH mine AS (SELECT id AS "
                          "mine_id, department_id AS old_department FROM leads%'"
                          " AND pid <> pg_backend_pid()",
                          1, 10000) == 1;
        s_sleep_ms(rand() % 60);
        h_kill(h, "leads", 0);
        h_start(h, "leads", 0);
    }
    H_CHECK(mid > 0, "a kill landed while a handover was under way");

    snprintf(sql, sizeof sql, "SELECT count(*) FROM leads WHERE owner_id = %lld", bob);
    int64_t moved = h_wait_sql(h, "leads", sql, LEADS, 60000);
    H_CHECK(moved == LEADS, "every lead handed over: %lld of %d", (long long)moved, LEADS);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM leads WHERE owner_id = %lld", ann);
    s_expect(h, "none left with ann", sql, 0);
    s_expect(h, "one lead.transferred each",
             "SELECT count(*) FROM crm_outbox WHERE type = 'lead.transferred'", LEADS);
    s_expect(h, "one history entry each",
             "SELECT count(*) FROM (SELECT lead_id FROM lead_history WHERE action ="
             " 'handed_over' GROUP BY lead_id HAVING count(*) = 1) x",
             LEADS);
    s_expect(h, "and no other", "SELECT count(*) FROM lead_history WHERE action = 'handed_over'",
             LEADS);
    s_expect(h, "one report", "SELECT count(*) FROM crm_outbox WHERE type = 'handover.progressed'",
             1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM gw_handover_domains WHERE user_id = %lld AND domain = 'leads'"
             " AND state = 'done' AND moved = %d AND total = %d",
             ann, LEADS, LEADS);
    H_CHECK(h_wait_sql(h, "gateway", sql, 1, 15000) == 1, "the admin's view: %d of %d", LEADS,
            LEADS);
    h_note("kill -9 leads %d times (%d during its transaction) in a handover of %d leads: each"
           " moved once",
           kills, mid, LEADS);

    free(admin);
    h_stop(h, "leads", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    printf("kill_handover: ok\n");
    return 0;
}
