/* test_timer_clocks.c: a job fired by the scheduler takes what is due by
 * the firing's time when its own database's clock is behind the
 * scheduler's (two hosts' clocks a little apart; docs/scheduler.md,
 * "Clocks"). Real processes; the skew is made by hand: a firing of
 * customers.remind_contacts is written into the scheduler's outbox as if
 * its clock were twenty seconds ahead. A customer whose next contact time
 * is ten seconds ahead is then reminded by that firing, at once (before its
 * own timer could), though by
 * the customers database's clock it is not due yet; one due in a minute is
 * not (due by neither clock); the sweep is a year away, so nothing else
 * fires the job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;

static long long s_customer(const char *base, const char *admin, const char *name, int seconds)
{
    char *body = crm_sprintf("{\"name\":\"%s\"}", name);
    long long id = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    h_execf(h, "customers",
            "UPDATE customers SET next_contact_at = now() + interval '%d seconds' WHERE id = %lld",
            seconds, id);
    return id;
}

int main(void)
{
    h = h_new("timer_clocks");
    h_suite(h, 1, 1, 0, 1);
    const char *base = h_gateway(h);
    h_start_all(h);
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET override_spec = 'every 31622400',"
                  " next_fire_at = now() + interval '1 year' WHERE name LIKE 'customers.%'"));
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long soon = s_customer(base, admin, "十秒后联系", 10);
    long long later = s_customer(base, admin, "一分钟后联系", 60);
    /* The scheduler's clock twenty seconds ahead: its firing, written by hand
     * (crm.events.SchedulerFired: job, run, due_at_us), numbered and
     * published by its relay as any other. */
    PQclear(
        h_sql(h, "scheduler",
              "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload, occurred_at)"
              " SELECT gen_random_uuid(), 'scheduler.fired', 'customers.remind_contacts',"
              " crm_pb_field(1, convert_to('customers.remind_contacts', 'UTF8'))"
              " || crm_pb_varint(2 << 3) || crm_pb_varint(1000)"
              " || crm_pb_varint(3 << 3) || crm_pb_varint(crm_us(now() + interval '20 seconds')),"
              " now() + interval '20 seconds'; NOTIFY crm_outbox"));
    /* Within 6 s: before the customer's own timer (10 s) could fire it. */
    H_CHECK(h_wait_events(h, "customers", "customer.reminder", soon, 1, 6000) == 1,
            "due by the firing's time: reminded");
    H_CHECK(h_sql_intf(h, "customers",
                       "SELECT count(*) FROM customers WHERE id = %lld AND next_contact_at > now()",
                       soon) == 1,
            "though not yet due by the customers database's clock");
    H_CHECK(h_events(h, "customers", "customer.reminder", later) == 0,
            "one due by neither clock is not");
    H_CHECK(h_sql_intf(h, "customers",
                       "SELECT count(*) FROM crm_pending WHERE kind = 'customer.contact' AND"
                       " record_id = %lld",
                       later) == 1,
            "and is still owed");
    h_note("a firing of a scheduler whose clock is ahead takes what is due by its time: ok");
    free(admin);
    h_destroy(&h);
    printf("timer_clocks: ok\n");
    return 0;
}
