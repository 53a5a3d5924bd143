/* test_failover.c: several instances of a service. A caller's request to a
 * frozen instance is retried on another within the deadline; when the
 * instance relaying the outbox dies, another takes over and events keep
 * flowing; two instances started at once migrate once. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "suite.h"

static void test_retry_on_second_instance(h_t *h, int64_t id)
{
    h_signal(h_proc(h, "leads", 0), SIGSTOP);
    Crm__Leads__GetLeadRequest req = CRM__LEADS__GET_LEAD_REQUEST__INIT;
    req.id = id;
    for (int i = 0; i < 6; i++) {
        uint64_t t0 = crm_mono_ms();
        char *err = NULL;
        Crm__Status st = t_call_at(h_rpc(h, "leads"), 300, "Leads.Get", &req.base,
                                   &crm__leads__lead__descriptor, t_system(), NULL, &err);
        uint64_t took = crm_mono_ms() - t0;
        H_CHECK(st == CRM__STATUS__OK, "answered by the other instance: %s %s", crm_status_name(st),
                err ? err : "");
        H_CHECK(took < 1500, "within about two deadlines (%llu ms)", (unsigned long long)took);
        free(err);
    }
    /* Every instance frozen: a clear UNAVAILABLE, not a hang. */
    h_signal(h_proc(h, "leads", 1), SIGSTOP);
    char *err = NULL;
    Crm__Status st = t_call_at(h_rpc(h, "leads"), 200, "Leads.Get", &req.base,
                               &crm__leads__lead__descriptor, t_system(), NULL, &err);
    H_CHECK(st == CRM__STATUS__UNAVAILABLE, "no instance answers: %s", crm_status_name(st));
    free(err);
    h_signal(h_proc(h, "leads", 0), SIGCONT);
    h_signal(h_proc(h, "leads", 1), SIGCONT);
    h_note("RPC: deadline, then retry on the second instance");
}

static void test_relay_failover(h_t *h)
{
    int64_t a = t_create_lead(h, "接力前", NULL, 2);
    t_convert(h, a);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE lead_id = %lld", (long long)a);
    H_CHECK(h_wait_sql(h, "customers", sql, 1, 10000) == 1, "flowing before");
    /* Kill both in turn, so whichever held the relay lease dies once. */
    for (int victim = 0; victim < 2; victim++) {
        h_kill(h, "leads", victim);
        int64_t b = t_create_lead(h, "接力后", NULL, 2);
        t_convert(h, b);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE lead_id = %lld",
                 (long long)b);
        H_CHECK(h_wait_sql(h, "customers", sql, 1, 15000) == 1,
                "events flow after instance %d died", victim);
        h_start(h, "leads", victim);
    }
    h_note("relay: another instance takes over when the active one dies");
}

int main(void)
{
    h_t *h = h_new("failover");
    h_suite(h, 2, 1, 0, 1);
    h_start_all(h); /* two leads instances migrate the same database */
    H_CHECK(
        h_sql_int(h, "leads", "SELECT count(*) FROM crm_migrations WHERE component = 'leads'") ==
            h_sql_int(h, "leads",
                      "SELECT count(DISTINCT version) FROM crm_migrations"
                      " WHERE component = 'leads'"),
        "each migration recorded once");
    int64_t id = t_create_lead(h, "多实例", NULL, 1);
    test_retry_on_second_instance(h, id);
    test_relay_failover(h);
    h_stop(h, "leads", 0);
    h_stop(h, "leads", 1);
    h_stop(h, "customers", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("failover: ok\n");
    return 0;
}
