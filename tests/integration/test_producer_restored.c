/* test_producer_restored.c: a producer's database restored alone to an
 * earlier point while its consumer keeps its own. The leads database is
 * taken back six events (its outbox and its relay's sequence as a restore
 * leaves them) under a running customers service that applied them; when
 * leads starts again, the customers service's report (Bus.Ack) is past the
 * leads sequence, so leads raises its sequence past it, says so in its log
 * and its metrics, and a lead converted afterwards reaches the customers
 * service. Without the raise the conversion is numbered below what the
 * customers service applied and skipped: no customer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrape.h"
#include "suite.h"

#define LAST_SEQ "SELECT last_seq FROM crm_outbox_relay"
#define APPLIED                                                                                    \
    "SELECT COALESCE((SELECT last_seq FROM crm_consumer_offsets WHERE consumer = 'customers'"      \
    " AND producer = 'leads'), 0)"
#define FROM_LEADS "SELECT count(*) FROM customers WHERE lead_id IS NOT NULL"

static void s_convert_leads(h_t *h, int n)
{
    static int made;
    for (int i = 0; i < n; i++) {
        char mobile[32];
        snprintf(mobile, sizeof mobile, "1380013%04d", made++);
        t_convert(h, t_create_lead(h, "恢复", mobile, 3));
    }
}

/* The leads database as a restore to `back` events ago leaves it: the
 * events after that point and the relay's numbers for them gone, and the
 * consumers' reports as they were then. */
static int64_t s_restore_leads(h_t *h, int back)
{
    int64_t point = h_sql_int(h, "leads", LAST_SEQ) - back;
    h_execf(h, "leads", "DELETE FROM crm_outbox WHERE seq > %lld", (long long)point);
    h_execf(h, "leads", "UPDATE crm_outbox_relay SET last_seq = %lld", (long long)point);
    h_execf(h, "leads", "UPDATE crm_bus_consumers SET applied = LEAST(applied, %lld)",
            (long long)point);
    return point;
}

int main(void)
{
    h_t *h = h_new("producer_restored");
    h_suite(h, 1, 1, 0, 0);
    h_start_all(h);

    s_convert_leads(h, 3);
    H_CHECK(h_wait_sql(h, "customers", FROM_LEADS, 3, 10000) == 3, "3 customers from leads");
    int64_t high = h_sql_int(h, "leads", LAST_SEQ);
    H_CHECK(h_wait_sql(h, "customers", APPLIED, high, 10000) == high,
            "customers applied every leads event (%lld)", (long long)high);
    H_CHECK(high >= 6, "at least 6 events to go back over: %lld", (long long)high);

    h_stop(h, "leads", 0);
    int64_t point = s_restore_leads(h, 6);
    h_start(h, "leads", 0);
    h_note("leads restored to sequence %lld, customers applied %lld", (long long)point,
           (long long)high);

    /* The customers service reports within CRM_CONSUMER_ACK_MS (5 s); leads
     * raises its sequence past its position and says so. */
    char raised[128];
    snprintf(raised, sizeof raised, "SELECT (last_seq >= %lld)::int FROM crm_outbox_relay",
             (long long)high);
    H_CHECK(h_wait_sql(h, "leads", raised, 1, 15000) == 1,
            "leads raised its sequence to at least %lld", (long long)high);
    H_CHECK(h_log_count(h, "leads", 0, "its database was restored to an earlier point",
                        "\"consumer\":\"customers\"") == 1,
            "leads' log names the step back and the consumer, once");
    H_CHECK(t_scraped(h_probe_of(h, "leads", 0), "crm_bus_sequence_raised_total", "producer",
                      "leads", NULL) == 1,
            "crm_bus_sequence_raised_total counts it");

    /* A lead converted now reaches the customers service. */
    s_convert_leads(h, 1);
    H_CHECK(h_wait_sql(h, "customers", FROM_LEADS, 4, 15000) == 4,
            "the conversion after the raise made its customer");
    h_note("a producer restored alone raises its sequence past its consumers: ok");

    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    return 0;
}
