/* test_kill_leads.c: the producer dies. (1) Between the commit that numbers
 * an event and its publication (fault injection at exactly that point): the
 * event still reaches the consumer after the restart, through replay.
 * (2) kill -9 at arbitrary moments while leads are converted: every
 * conversion that committed gives exactly one customer. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suite.h"

static void test_crash_between_commit_and_publish(h_t *h)
{
    int64_t id = t_create_lead(h, "提交后崩溃", NULL, 3);
    /* The jobs' first runs at start (due at once) reported, so the first
     * event after the restart is the conversion's. */
    int64_t fired = h_wait_sql(h, "scheduler",
                               "SELECT count(*) FROM scheduler_jobs WHERE owner = 'leads' AND"
                               " runs > 0",
                               3, 10000);
    H_CHECK(fired >= 3, "the interval jobs fired at start: %lld", (long long)fired);
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'job.ran'", fired,
                       10000) >= fired,
            "the jobs' first runs reported");
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 10000) ==
                0,
            "lead.created published");
    h_stop(h, "leads", 0);
    char *marker = NULL;
    if (asprintf(&marker, "CRM_FAULT_RELAY_CRASH=%s/relay-crashed", h_dir(h)) < 0)
        abort();
    h_setenv(h, marker);
    free(marker);
    h_start(h, "leads", 0);
    /* The conversion commits; the relay numbers its event and the process
     * dies, maybe before the reply left: the database says what happened. */
    Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    req.id = id;
    t_call_at(h_rpc(h, "leads"), 2000, "Leads.Convert", &req.base,
              &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, NULL);
    int st = h_wait(h_proc(h, "leads", 0), 10000);
    H_CHECK(st == 137, "leads exited between commit and publish (status %d)", st);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT status FROM leads WHERE id = %lld", (long long)id);
    H_CHECK(h_sql_int(h, "leads", sql) == 5, "the conversion committed");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE lead_id = %lld", (long long)id);
    H_CHECK(h_sql_int(h, "leads",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'lead.converted'"
                      " AND seq IS NOT NULL") == 1,
            "the event was numbered before the crash");
    H_CHECK(h_sql_int(h, "customers", sql) == 0, "and not yet applied");
    h_start(h, "leads", 0);
    H_CHECK(h_wait_sql(h, "customers", sql, 1, 15000) == 1, "the event arrived after the restart");
    h_note("crash between commit and publish: the event still arrives");
}

static void test_kill_during_conversions(h_t *h)
{
    enum { N = 300 };
    int64_t ids[N];
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "杀进程%03d", i);
        ids[i] = t_create_lead(h, name, NULL, 4);
    }
    int kills = 0;
    for (int i = 0; i < N; i++) {
        Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
        req.id = ids[i];
        /* An UNAVAILABLE reply (the service died mid-call) may or may not
         * have committed: the database says which. */
        t_call_at(h_rpc(h, "leads"), 1000, "Leads.Convert", &req.base,
                  &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, NULL);
        if (i % 60 == 30) {
            h_kill(h, "leads", 0);
            kills++;
            h_start(h, "leads", 0);
        }
    }
    int64_t converted = h_sql_int(h, "leads", "SELECT count(*) FROM leads WHERE status = 5");
    int64_t got = h_wait_sql(h, "customers", "SELECT count(*) FROM customers", converted, 60000);
    H_CHECK(got == converted, "customers %lld, converted leads %lld", (long long)got,
            (long long)converted);
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'customer.created'") ==
                converted,
            "one customer.created per converted lead");
    h_note("kill -9 leads %d times during %d conversions: %lld customers, exactly one each", kills,
           N, (long long)converted);
}

int main(void)
{
    h_t *h = h_new("kill_leads");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    test_crash_between_commit_and_publish(h);
    test_kill_during_conversions(h);
    h_stop(h, "leads", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_leads: ok\n");
    return 0;
}
