/* bench_latency.c: event latency at 1,000 events/s. Leads are converted at
 * a steady 1,000 per second; for each, the clock runs from the convert
 * call's reply (its transaction has committed) until the customer.created
 * event of the customer made from it arrives on the customers service's
 * bus. That path holds two relays and one consumer (lead.converted →
 * customers' transaction → customer.created), so it bounds from above the
 * commit-to-applied latency of one hop. The raw limit beside it: a bare
 * ZeroMQ round trip is in bench_rpc. An optional second argument sets the
 * rate (1,000/s by default; one conversion every 1000/rate ms, whole ms), so
 * the fixed cost of the path can be told from queueing at load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bus.pb-c.h"
#include "crm/rpc.h"
#include "crm/zsock.h"
#include "events.pb-c.h"
#include "harness.h"
#include "leads.pb-c.h"
#include "stats.h"

static int s_n = 5000;
static int s_every_ms = 1; /* one conversion every this many ms */
static stats_t s_hop1;

typedef struct {
    uv_loop_t loop;
    crm_rpc_client_t *leads;
    crm_zsock_t *sub;
    uv_timer_t pace;
    uv_timer_t watchdog; /* wakes the loop so the deadline is seen */
    int64_t *ids;        /* lead ids to convert */
    int64_t first_id;
    uint64_t *committed; /* by lead id - first_id: reply time */
    uint64_t *arrived;   /* by lead id - first_id: event time, if before the reply */
    int created, sent, replied, received, early;
    stats_t st;
} bench_t;

typedef struct {
    bench_t *b;
    int64_t id;
} call_t;

static void s_created(void *arg, const crm_rpc_result_t *res)
{
    call_t *c = arg;
    if (res->status != CRM__STATUS__OK) {
        fprintf(stderr, "create failed: %s\n", res->message);
        exit(1);
    }
    c->b->ids[c->b->created++] = ((Crm__Leads__Lead *)res->payload)->id;
    free(c);
}

static void s_converted(void *arg, const crm_rpc_result_t *res)
{
    call_t *c = arg;
    if (res->status != CRM__STATUS__OK) {
        fprintf(stderr, "convert failed: %s\n", res->message);
        exit(1);
    }
    bench_t *b = c->b;
    int64_t i = c->id - b->first_id;
    b->committed[i] = stats_now_ns();
    b->replied++;
    if (b->arrived[i]) { /* the event beat the reply: latency counts as 0 */
        stats_add(&b->st, 0);
        b->received++;
        b->early++;
    }
    free(c);
}

static void s_tick(uv_timer_t *t)
{
    bench_t *b = t->data;
    if (b->sent == s_n) {
        uv_timer_stop(t);
        return;
    }
    call_t *c = malloc(sizeof *c);
    c->b = b;
    c->id = b->ids[b->sent++];
    Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    req.id = c->id;
    crm_rpc_call(b->leads, "Leads.Convert", &req.base, NULL, NULL, s_converted, c);
}

static void s_wake(uv_timer_t *t)
{
    (void)t;
}

static void s_event(crm_zsock_t *sock, crm_zmsg_t *msg, void *arg)
{
    bench_t *b = arg;
    uint64_t now = stats_now_ns();
    if (msg->nparts != 2)
        return;
    Crm__Event *ev =
        crm__event__unpack(NULL, zmq_msg_size(&msg->parts[1]), zmq_msg_data(&msg->parts[1]));
    if (!ev)
        return;
    if (!strcmp(ev->type, "lead.converted")) {
        Crm__Events__LeadConverted *lc =
            crm__events__lead_converted__unpack(NULL, ev->payload.len, ev->payload.data);
        int64_t i = lc && lc->lead ? lc->lead->id - b->first_id : -1;
        if (i >= 0 && i < s_n && b->committed[i])
            stats_add(&s_hop1, now > b->committed[i] ? now - b->committed[i] : 0);
        crm__events__lead_converted__free_unpacked(lc, NULL);
        crm__event__free_unpacked(ev, NULL);
        return;
    }
    Crm__Events__CustomerCreated *cc =
        crm__events__customer_created__unpack(NULL, ev->payload.len, ev->payload.data);
    if (cc && cc->customer) {
        int64_t i = cc->customer->lead_id - b->first_id;
        if (i >= 0 && i < s_n && b->committed[i]) {
            stats_add(&b->st, now > b->committed[i] ? now - b->committed[i] : 0);
            b->received++;
        } else if (i >= 0 && i < s_n) {
            b->arrived[i] = now;
        }
    }
    crm__events__customer_created__free_unpacked(cc, NULL);
    crm__event__free_unpacked(ev, NULL);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_n = atoi(argv[1]);
    if (argc > 2 && atoi(argv[2]) > 0 && atoi(argv[2]) <= 1000)
        s_every_ms = 1000 / atoi(argv[2]);
    h_t *h = h_new("bench_latency");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    bench_t b = {0};
    uv_loop_init(&b.loop);
    b.ids = calloc((size_t)s_n, sizeof *b.ids);
    b.committed = calloc((size_t)s_n, sizeof *b.committed);
    b.arrived = calloc((size_t)s_n, sizeof *b.arrived);
    b.leads = crm_rpc_client_new(&b.loop, zctx, h_rpc(h, "leads"), 5000, 1);

    /* The leads to convert, created 16 at a time. */
    Crm__Caller sys = CRM__CALLER__INIT;
    Crm__DataScope all = CRM__DATA_SCOPE__INIT;
    all.all = 1;
    sys.role = CRM__ROLE__ROLE_SYSTEM;
    sys.scope = &all;
    for (int issued = 0; b.created < s_n;) {
        while (issued < s_n && issued - b.created < 16) {
            call_t *c = malloc(sizeof *c);
            c->b = &b;
            Crm__Leads__CreateLeadRequest req = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
            req.name = "延迟测试";
            req.owner_id = 1;
            crm_rpc_call(b.leads, "Leads.Create", &req.base, &crm__leads__lead__descriptor, &sys,
                         s_created, c);
            issued++;
        }
        uv_run(&b.loop, UV_RUN_ONCE);
    }
    b.first_id = b.ids[0];
    for (int i = 0; i < s_n; i++)
        if (b.ids[i] < b.first_id)
            b.first_id = b.ids[i];

    b.sub = crm_zsock_new(&b.loop, zctx, ZMQ_SUB);
    zmq_setsockopt(crm_zsock_raw(b.sub), ZMQ_SUBSCRIBE, "customer.created", 16);
    zmq_setsockopt(crm_zsock_raw(b.sub), ZMQ_SUBSCRIBE, "lead.converted", 14);
    zmq_connect(crm_zsock_raw(b.sub), h_pub(h, "customers"));
    zmq_connect(crm_zsock_raw(b.sub), h_pub(h, "leads"));
    crm_zsock_start(b.sub, s_event, &b);
    /* Let the subscription reach the publisher before the clock runs. */
    uv_timer_init(&b.loop, &b.pace);
    b.pace.data = &b;
    uv_timer_start(&b.pace, s_tick, 500, (uint64_t)s_every_ms);
    uv_timer_init(&b.loop, &b.watchdog);
    uv_timer_start(&b.watchdog, s_wake, 100, 100);
    uint64_t deadline = stats_now_ns() + (uint64_t)(s_n * s_every_ms / 1000 + 30) * 1000000000u;
    while ((b.received < s_n || b.replied < s_n) && stats_now_ns() < deadline)
        uv_run(&b.loop, UV_RUN_ONCE);

    printf("Event latency, %d conversions at %d/s (lead.converted -> customers -> "
           "customer.created)\n",
           s_n, 1000 / s_every_ms);
    stats_print(&b.st, "commit -> customer.created received");
    stats_print(&s_hop1, "commit -> lead.converted received");
    if (b.early)
        printf("%d events arrived before their convert reply (counted as 0)\n", b.early);
    if (b.received < s_n)
        printf("only %d of %d events arrived in time (%d replies)\n", b.received, s_n, b.replied);

    uv_close((uv_handle_t *)&b.pace, NULL);
    uv_close((uv_handle_t *)&b.watchdog, NULL);
    crm_zsock_destroy(&b.sub);
    crm_rpc_client_destroy(&b.leads);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uv_loop_close(&b.loop);
    zmq_ctx_term(zctx);
    stats_free(&b.st);
    free(b.ids);
    free(b.committed);
    free(b.arrived);
    h_destroy(&h);
    return 0;
}
