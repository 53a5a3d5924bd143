/* bench_relay.c: relay throughput. 200,000 events are committed into the
 * leads service's outbox in one transaction; the clock runs from the commit
 * until a subscriber has received the last one. Beside it, the raw limit:
 * a bare ZeroMQ PUB→SUB stream of frames of the same size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "harness.h"
#include "stats.h"

#define PAYLOAD 120

static int s_events = 200000;

static void s_sub_opts(void *sub)
{
    int hwm = 0;
    zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
}

static void s_bare(void)
{
    void *ctx = zmq_ctx_new();
    void *pub = zmq_socket(ctx, ZMQ_PUB), *sub = zmq_socket(ctx, ZMQ_SUB);
    int hwm = 0;
    zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    s_sub_opts(sub);
    char *ep = h_free_endpoint();
    zmq_bind(pub, ep);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    zmq_connect(sub, ep);
    /* Wait out the slow joiner. */
    for (;;) {
        zmq_send(pub, "x", 1, ZMQ_SNDMORE);
        zmq_send(pub, "hello", 5, 0);
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 50) > 0)
            break;
    }
    char buf[512];
    while (zmq_recv(sub, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        ;
    char payload[PAYLOAD + 60] = {0};
    uint64_t t0 = stats_now_ns();
    for (int i = 0; i < s_events; i++) {
        zmq_send(pub, "bench.event", 11, ZMQ_SNDMORE);
        zmq_send(pub, payload, sizeof payload, 0);
    }
    int got = 0;
    while (got < s_events) {
        zmq_recv(sub, buf, sizeof buf, 0);
        int more = 0;
        size_t ml = sizeof more;
        zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &ml);
        if (!more && strncmp(buf, "x", 1) != 0)
            got++;
    }
    double secs = (double)(stats_now_ns() - t0) / 1e9;
    printf("%-40s %9.0f events/s (%d in %.3f s)\n", "bare zmq PUB->SUB (raw limit)",
           s_events / secs, s_events, secs);
    zmq_close(pub);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    free(ep);
}

static void s_relay(h_t *h)
{
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    s_sub_opts(sub);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "bench.", 6);
    zmq_connect(sub, h_pub(h, "leads"));
    /* Wait for the relay to be active and the subscription to be in place:
     * one probe event until it comes through. */
    for (int seen = 0; !seen;) {
        PQclear(h_sql(h, "leads",
                      "INSERT INTO crm_outbox (event_id, type, payload)"
                      " VALUES (gen_random_uuid(), 'bench.probe', '\\x00')"));
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 500) > 0) {
            char buf[512];
            while (zmq_recv(sub, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
                ;
            seen = 1;
        }
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)"
             " SELECT gen_random_uuid(), 'bench.event', g::text,"
             " convert_to(repeat('x', %d), 'UTF8') FROM generate_series(1, %d) g",
             PAYLOAD, s_events);
    uint64_t t0 = stats_now_ns();
    PQclear(h_sql(h, "leads", sql)); /* returns after the commit */
    uint64_t committed = stats_now_ns();
    int got = 0;
    char buf[1024];
    while (got < s_events) {
        int n = zmq_recv(sub, buf, sizeof buf, 0);
        int more = 0;
        size_t ml = sizeof more;
        zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &ml);
        if (!more && n > 0)
            got++;
    }
    uint64_t t1 = stats_now_ns();
    double secs = (double)(t1 - committed) / 1e9;
    printf("%-40s %9.0f events/s (%d from commit to last received in %.3f s; insert took %.3f s)\n",
           "crm relay (outbox -> PUB)", s_events / secs, s_events, secs,
           (double)(committed - t0) / 1e9);
    zmq_close(sub);
    zmq_ctx_term(ctx);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_events = atoi(argv[1]);
    h_t *h = h_new("bench_relay");
    h_suite(h, 1, 0, 0, 0);
    h_setenv(h, "CRM_RELAY_BATCH=5000");
    h_start(h, "leads", 0);
    printf("Relay throughput, %d events of %d payload bytes\n", s_events, PAYLOAD);
    s_bare();
    s_relay(h);
    h_destroy(&h);
    return 0;
}
