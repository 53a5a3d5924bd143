/* test_kill_customers.c: kill -9 the customers service (two instances,
 * one consuming, one standing by) again and again while 2,000 leads are
 * converted; after restarts there are exactly 2,000 customers, each made
 * once, and the consumer's offset has reached the producer's last event. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "suite.h"

#define LEADS 2000
#define CHUNK 200

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

int main(void)
{
    h_t *h = h_new("kill_customers");
    h_suite(h, 1, 2, 0, 1);
    h_start_all(h);

    int64_t *ids = malloc(sizeof *ids * LEADS);
    for (int i = 0; i < LEADS; i++) {
        char name[32];
        snprintf(name, sizeof name, "线索%04d", i);
        ids[i] = t_create_lead(h, name, NULL, 1 + i % 7);
    }
    h_note("created %d leads", LEADS);

    /* Kills land wherever the consumers are: mid-batch, between commit and
     * offset, during a replay. */
    for (int i = 0; i < LEADS; i++) {
        t_convert(h, ids[i]);
        if (i % CHUNK != CHUNK - 1)
            continue;
        switch (i / CHUNK) {
        case 1:
            h_kill(h, "customers", 0);
            break;
        case 2:
            h_start(h, "customers", 0);
            break;
        case 3:
            h_kill(h, "customers", 1);
            break;
        case 4:
            h_start(h, "customers", 1);
            break;
        case 5:
            h_kill(h, "customers", 0);
            h_kill(h, "customers", 1);
            break;
        case 6:
            h_start(h, "customers", 0);
            h_start(h, "customers", 1);
            break;
        case 7:
            h_kill(h, "customers", 0);
            s_sleep_ms(300);
            h_start(h, "customers", 0);
            break;
        default:
            break;
        }
    }
    h_note("converted %d leads with customers killed 5 times", LEADS);
    free(ids);

    int64_t n = h_wait_sql(h, "customers", "SELECT count(*) FROM customers", LEADS, 120000);
    H_CHECK(n == LEADS, "customers: %lld, want %d", (long long)n, LEADS);
    H_CHECK(h_sql_int(h, "customers", "SELECT count(DISTINCT lead_id) FROM customers") == LEADS,
            "one customer per lead");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'customer.created'") == LEADS,
            "one customer.created per customer");
    int64_t last = h_sql_int(h, "leads", "SELECT last_seq FROM crm_outbox_relay");
    H_CHECK(last == 2 * LEADS, "leads published %lld events, want %d", (long long)last, 2 * LEADS);
    H_CHECK(h_wait_sql(h, "customers",
                       "SELECT last_seq FROM crm_consumer_offsets WHERE producer = 'leads'", last,
                       30000) == last,
            "the offset reached the producer's last event");
    h_note("exactly %d customers after 5 kills", LEADS);
    h_stop(h, "customers", 0);
    h_stop(h, "customers", 1);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_customers: ok\n");
    return 0;
}
