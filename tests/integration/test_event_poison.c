/* test_event_poison.c: an event whose payload does not decode is never
 * skipped, and the stall is impossible to miss. A lead.converted with a
 * broken payload is written into the leads outbox ahead of a real
 * conversion: the customers service does not make the real customer (the
 * stream waits at the broken event rather than step over it), its log says
 * which event, and its health reports the leads consumer stalled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

/* The customers service's check "consumer:leads": ok, and its detail. */
static int s_consumer_ok(h_t *h, char *detail, size_t size)
{
    static const Crm__Empty empty = CRM__EMPTY__INIT;
    ProtobufCMessage *out = NULL;
    Crm__Status st = t_call_at(h_rpc_of(h, "customers", 0), 1000, "System.Health", &empty.base,
                               &crm__health_reply__descriptor, NULL, &out, NULL);
    H_CHECK(st == CRM__STATUS__OK, "System.Health: %s", crm_status_name(st));
    const Crm__HealthReply *hr = (const Crm__HealthReply *)out;
    int ok = 1;
    for (size_t i = 0; i < hr->n_checks; i++)
        if (!strcmp(hr->checks[i]->name, "consumer:leads")) {
            ok = hr->checks[i]->ok;
            snprintf(detail, size, "%s", hr->checks[i]->detail);
        }
    protobuf_c_message_free_unpacked(out, NULL);
    return ok;
}

int main(void)
{
    h_t *h = h_new("event_poison");
    h_setenv(h, "CRM_CONSUMER_STALL_MS=1000");
    h_suite(h, 1, 1, 0, 0);
    h_start_all(h);
    PQclear(h_sql(h, "leads",
                  "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)"
                  " VALUES (gen_random_uuid(), 'lead.converted', 'broken', '\\xffffffff'::bytea)"));
    int64_t id = t_create_lead(h, "毒事件之后", NULL, 1);
    t_convert(h, id);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE lead_id = %lld", (long long)id);
    H_CHECK(h_wait_sql(h, "customers", sql, 1, 3000) == 0,
            "the customer after the broken event was made: the broken one was skipped");
    H_CHECK(h_log_count(h, "customers", 0, "does not decode", "lead.converted") > 0,
            "the log names the broken event");
    char detail[512] = "";
    int stalled = 0;
    for (int i = 0; i < 100 && !stalled; i++) {
        stalled = !s_consumer_ok(h, detail, sizeof detail);
        if (!stalled) {
            struct timespec ts = {0, 100 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    H_CHECK(stalled, "health does not report the stalled consumer: %s", detail);
    h_note("a broken event holds the stream, and says so: %s", detail);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("event_poison: ok\n");
    return 0;
}
