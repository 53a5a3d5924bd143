/* test_kill_webhooks.c: kill -9 crm-webhooks (two instances) while it
 * delivers, each time with a request in flight that the receiver holds
 * unanswered: after restarts every event has arrived at least once, in
 * order, each verified; each event was made into exactly one delivery
 * (the consumer applied it once); nothing was sent by two instances at
 * once (the order would show it). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "crm/util.h"
#include "suite.h"
#include "wh.h"

#define ROUNDS 4
#define PER_ROUND 50

static const char *const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

int main(void)
{
    h_t *h = h_new("kill_webhooks");
    h_setenv(h, "CRM_WEBHOOK_TIMEOUT_MS=500");
    h_setenv(h, "CRM_WEBHOOK_LEASE_MS=1500");
    h_setenv(h, "CRM_WEBHOOK_BACKOFF_MS=50");
    h_setenv(h, "CRM_WEBHOOK_BACKOFF_MAX_MS=400");
    h_setenv(h, "CRM_WEBHOOK_POLL_MS=100");
    h_suite_counts(h, "leads=1,scheduler=1,webhooks=2");
    h_start_all(h);
    t_rcv_t *rcv = t_rcv_new();
    char *url = t_rcv_url(rcv, "/k");
    Crm__Webhooks__Webhook *wh = t_wh_create(h, url, "lead.*", SECRET);
    int made = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* Half the round's events, then hold the next request unanswered
         * and send the other half: the kill lands while that one is in
         * flight, others queued behind it. Both instances are killed, or
         * only the first (the second takes over once the lease runs out). */
        for (int i = 0; i < PER_ROUND; i++) {
            if (i == PER_ROUND / 2)
                t_rcv_mode(rcv, T_RCV_HANG, 1);
            char name[32];
            snprintf(name, sizeof name, "kill hook %d", made++);
            t_create_lead(h, name, "", 1);
        }
        for (int i = 0; i < 1000 && t_rcv_mode_left(rcv) != 0; i++)
            usleep(10000);
        H_CHECK(t_rcv_mode_left(rcv) == 0, "round %d: a delivery is in flight", round);
        h_kill(h, "webhooks", 0);
        if (round % 2 == 0)
            h_kill(h, "webhooks", 1);
        h_start(h, "webhooks", 0);
        if (round % 2 == 0)
            h_start(h, "webhooks", 1);
        h_note("round %d: killed mid-delivery after %zu requests", round, t_rcv_count(rcv));
    }
    size_t n;
    char **ids = t_wh_published(h, "leads", "lead.created", ROUNDS * PER_ROUND, &n);
    size_t repeats = t_wh_expect(rcv, "/k", SECRET, ids, n, 60000);
    int64_t rows = h_sql_int(h, "webhooks", "SELECT count(*) FROM webhook_deliveries");
    int64_t events =
        h_sql_int(h, "webhooks", "SELECT count(DISTINCT event_ref) FROM webhook_deliveries");
    H_CHECK(rows == (int64_t)n && events == (int64_t)n,
            "one delivery per event: %lld rows, %lld "
            "events, %zu published",
            (long long)rows, (long long)events, n);
    h_note("%zu events delivered in order through %d kills (%zu repeated, %zu requests)", n, ROUNDS,
           repeats, t_rcv_count(rcv));
    crm_strv_free(ids, n);
    protobuf_c_message_free_unpacked(&wh->base, NULL);
    free(url);
    h_stop(h, "webhooks", 0);
    h_stop(h, "webhooks", 1);
    t_rcv_destroy(&rcv);
    h_destroy(&h);
    return 0;
}
