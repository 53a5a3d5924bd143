/* test_outbox_retention.c: retention follows the consumers. The customers
 * service registers with the leads service (Bus.Ack) as it consumes; while
 * it is stopped the leads relay keeps every event it has not applied (the
 * keep time is 0 here), names it in a degraded "retention" health check and
 * the log, and once it is back and caught up the events go. Past the
 * ceiling (2 s here, or 2 events behind the newest) events go anyway, the
 * check says the consumer was passed, and its replay is refused as before. Bad Bus.Ack requests are
 * refused naming the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jcall.h"

#define LAST_SEQ "SELECT last_seq FROM crm_outbox_relay"
#define KEPT "SELECT count(*) FROM crm_outbox"
#define APPLIED                                                                                    \
    "SELECT COALESCE(max(last_seq), 0) FROM crm_consumer_offsets WHERE producer = 'leads'"

/* The "retention" check of leads: 1 degraded, 0 fine, -1 absent; its detail
 * into detail. */
static int s_retention(h_t *h, char *detail, size_t size)
{
    json_t *r = t_json_expect(h, CRM__STATUS__OK, "leads", "System.Health", t_system(), "{}");
    int out = -1;
    json_t *checks = json_object_get(r, "checks");
    for (size_t i = 0; i < json_array_size(checks); i++) {
        json_t *c = json_array_get(checks, i);
        if (strcmp(json_string_value(json_object_get(c, "name")), "retention") == 0) {
            out = json_is_true(json_object_get(c, "degraded"));
            snprintf(detail, size, "%s", json_string_value(json_object_get(c, "detail")));
            H_CHECK(json_is_true(json_object_get(c, "ok")) &&
                        json_is_true(json_object_get(r, "ready")),
                    "a degraded retention leaves the producer ready");
        }
    }
    json_decref(r);
    return out;
}

/* Waits until the retention check is degraded (1) or not (0) and its
 * detail holds text. */
static void s_wait_retention(h_t *h, int degraded, const char *text)
{
    char detail[512] = "";
    int got = -1;
    for (int i = 0; i < 100; i++) {
        got = s_retention(h, detail, sizeof detail);
        if (got == degraded && strstr(detail, text))
            return;
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
    H_CHECK(0, "retention %s with \"%s\": got %d, %s", degraded ? "degraded" : "fine", text, got,
            detail);
}

static void s_leads(h_t *h, int n)
{
    for (int i = 0; i < n; i++)
        t_create_lead(h, "保留", NULL, 3);
}

int main(void)
{
    h_t *h = h_new("outbox_retention");
    h_suite(h, 1, 1, 0, 0);
    h_setenv(h, "CRM_OUTBOX_KEEP_HOURS=0");
    h_setenv(h, "CRM_OUTBOX_PRUNE_MS=200");
    h_setenv(h, "CRM_CONSUMER_ACK_MS=200");
    h_setenv(h, "CRM_OUTBOX_ALERT_S=1"); /* a consumer 1 s behind is named */
    h_start_all(h);

    /* The consumer registers; what it applied goes. */
    H_CHECK(h_wait_sql(h, "leads",
                       "SELECT count(*) FROM crm_bus_consumers WHERE consumer ="
                       " 'customers'",
                       1, 10000) == 1,
            "customers registered with leads");
    s_leads(h, 3);
    H_CHECK(h_wait_sql(h, "customers", APPLIED, 3, 10000) == 3, "customers applied 3");
    H_CHECK(h_wait_sql(h, "leads", KEPT, 0, 10000) == 0, "applied by all: pruned");
    s_wait_retention(h, 0, "customers, has applied 3");
    h_note("registered; applied events pruned: ok");

    /* Stopped, it holds retention: its events stay, the check names it. */
    h_stop(h, "customers", 0);
    s_leads(h, 5);
    H_CHECK(h_wait_sql(h, "leads", LAST_SEQ, 8, 10000) == 8, "8 published");
    s_wait_retention(h, 1, "consumer customers holds retention: applied 3");
    H_CHECK(h_sql_int(h, "leads", KEPT) == 5, "the 5 customers has not applied are kept");
    H_CHECK(h_log_count(h, "leads", 0, "holds the outbox's retention", "customers") == 1,
            "the log names the consumer, once");
    h_note("a stopped consumer holds its events: ok");

    /* Back, it replays them (nothing refused) and they go. */
    h_start(h, "customers", 0);
    H_CHECK(h_wait_sql(h, "customers", APPLIED, 8, 10000) == 8, "customers caught up");
    H_CHECK(h_wait_sql(h, "leads", KEPT, 0, 10000) == 0, "then pruned");
    s_wait_retention(h, 0, "has applied 8");
    H_CHECK(h_log_count(h, "customers", 0, "no longer kept", NULL) == 0, "no replay was refused");
    h_note("back, it replays and the events go: ok");

    /* The ceiling: 2 s. Stopped again, its events go anyway. */
    h_stop(h, "leads", 0);
    h_setenv(h, "CRM_OUTBOX_CEILING_S=2");
    h_start(h, "leads", 0);
    h_stop(h, "customers", 0);
    s_leads(h, 3);
    H_CHECK(h_wait_sql(h, "leads", LAST_SEQ, 11, 10000) == 11, "11 published");
    H_CHECK(h_sql_int(h, "leads", KEPT) == 3, "kept within the ceiling");
    H_CHECK(h_wait_sql(h, "leads", KEPT, 0, 10000) == 0, "past the ceiling: pruned anyway");
    s_wait_retention(h, 1, "consumer customers (applied 8) is behind the oldest kept event 12");
    H_CHECK(h_log_count(h, "leads", 0, "retention ceiling pruned", "customers") == 1,
            "the log says the ceiling passed customers");
    h_start(h, "customers", 0);
    H_CHECK(h_wait_sql(h, "leads",
                       "SELECT count(*) FROM crm_bus_consumers WHERE acked_at >"
                       " now() - interval '1 second'",
                       1, 10000) == 1,
            "customers reports again");
    H_CHECK(h_sql_int(h, "customers", APPLIED) == 8, "and has not skipped the pruned events");
    h_note("the ceiling prunes anyway and says whom it passed: ok");

    /* The ceiling by count: 2 events behind the newest at most. */
    h_stop(h, "leads", 0);
    h_setenv(h, "CRM_OUTBOX_CEILING_S=3600");
    h_setenv(h, "CRM_OUTBOX_CEILING_EVENTS=2");
    h_start(h, "leads", 0);
    s_leads(h, 4);
    H_CHECK(h_wait_sql(h, "leads", LAST_SEQ, 15, 10000) == 15, "15 published");
    H_CHECK(h_wait_sql(h, "leads", KEPT, 2, 10000) == 2 &&
                h_sql_int(h, "leads", "SELECT min(seq) FROM crm_outbox") == 14,
            "only the 2 newest are kept, though customers has not applied them");
    h_note("the ceiling by count: ok");

    /* Bad reports. */
    t_json_expect(h, CRM__STATUS__INVALID_ARGUMENT, "leads", "Bus.Ack", t_system(),
                  "{\"consumer\": \"\", \"applied_sequence\": 1}");
    H_CHECK(!strcmp(t_json_field(), "consumer"), "no consumer: %s", t_json_field());
    t_json_expect(h, CRM__STATUS__INVALID_ARGUMENT, "leads", "Bus.Ack", t_system(),
                  "{\"consumer\": \"x\", \"applied_sequence\": \"18446744073709551615\"}");
    H_CHECK(!strcmp(t_json_field(), "applied_sequence"), "too big: %s", t_json_field());
    /* Past 2^62 too: a position past the sequence raises it, and the next
     * events need numbers above it. */
    t_json_expect(h, CRM__STATUS__INVALID_ARGUMENT, "leads", "Bus.Ack", t_system(),
                  "{\"consumer\": \"x\", \"applied_sequence\": \"4611686018427387905\"}");
    H_CHECK(!strcmp(t_json_field(), "applied_sequence"), "past 2^62: %s", t_json_field());
    H_CHECK(h_sql_int(h, "leads", LAST_SEQ) < 1000, "the sequence was not raised by it");
    h_note("bad Bus.Ack refused, naming the field: ok");

    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    return 0;
}
