/* bench_rpc.c: the RPC round trip (System.Ping on a real service process,
 * through the library's client and server) beside the raw limit: a bare
 * ZeroMQ DEALER/ROUTER echo of a frame of the same size, also in another
 * process. 1 call in flight, then 16. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "crm/rpc.h"
#include "harness.h"
#include "stats.h"

#define WARMUP 2000

static int s_calls = 20000;

/* ---- the bare ZeroMQ echo (the raw limit) ------------------------------ */

static void s_echo_server(const char *endpoint)
{
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    zmq_bind(router, endpoint);
    for (;;) {
        zmq_msg_t parts[4];
        int n = 0, more = 1;
        while (more && n < 4) {
            zmq_msg_init(&parts[n]);
            if (zmq_msg_recv(&parts[n], router, 0) < 0)
                _exit(0);
            more = zmq_msg_more(&parts[n]);
            n++;
        }
        for (int i = 0; i < n; i++)
            zmq_msg_send(&parts[i], router, i + 1 < n ? ZMQ_SNDMORE : 0);
    }
}

static void s_bare(const char *endpoint, size_t size, int inflight, const char *label)
{
    void *ctx = zmq_ctx_new();
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    zmq_connect(dealer, endpoint);
    char *payload = calloc(1, size);
    stats_t st = {0};
    uint64_t *sent = calloc((size_t)inflight, sizeof *sent);
    uint64_t t0 = 0;
    int total = s_calls + WARMUP, issued = 0, done = 0;
    while (done < total) {
        while (issued < total && issued - done < inflight) {
            uint32_t slot = (uint32_t)(issued % inflight);
            memcpy(payload, &slot, sizeof slot);
            sent[slot] = stats_now_ns();
            zmq_send(dealer, "", 0, ZMQ_SNDMORE);
            zmq_send(dealer, payload, size, 0);
            issued++;
        }
        char buf[64];
        zmq_recv(dealer, buf, sizeof buf, 0); /* the empty delimiter */
        zmq_recv(dealer, buf, sizeof buf, 0);
        uint32_t slot;
        memcpy(&slot, buf, sizeof slot);
        if (done == WARMUP)
            t0 = stats_now_ns();
        if (done >= WARMUP)
            stats_add(&st, stats_now_ns() - sent[slot]);
        done++;
    }
    double secs = (double)(stats_now_ns() - t0) / 1e9;
    stats_print(&st, label);
    printf("%-34s %.0f calls/s\n", "", (double)s_calls / secs);
    stats_free(&st);
    free(sent);
    free(payload);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
}

/* ---- the library's RPC ------------------------------------------------- */

typedef struct {
    uv_loop_t *loop;
    crm_rpc_client_t *client;
    stats_t st;
    int inflight, issued, done, total;
    uint64_t t0;
} rpc_bench_t;

typedef struct {
    rpc_bench_t *b;
    uint64_t sent;
} rpc_call_t;

static void s_issue(rpc_bench_t *b);

static void s_replied(void *arg, const crm_rpc_result_t *res)
{
    rpc_call_t *c = arg;
    rpc_bench_t *b = c->b;
    if (res->status != CRM__STATUS__OK) {
        fprintf(stderr, "ping failed: %s\n", res->message);
        exit(1);
    }
    if (b->done == WARMUP)
        b->t0 = stats_now_ns();
    if (b->done >= WARMUP)
        stats_add(&b->st, stats_now_ns() - c->sent);
    b->done++;
    free(c);
    s_issue(b);
}

static void s_issue(rpc_bench_t *b)
{
    Crm__Empty empty = CRM__EMPTY__INIT;
    while (b->issued < b->total && b->issued - b->done < b->inflight) {
        rpc_call_t *c = malloc(sizeof *c);
        c->b = b;
        c->sent = stats_now_ns();
        b->issued++;
        crm_rpc_call(b->client, "System.Ping", &empty.base, &crm__ping_reply__descriptor, NULL,
                     s_replied, c);
    }
}

static void s_rpc(void *zctx, const char *endpoint, int inflight, const char *label)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    rpc_bench_t b = {0};
    b.loop = &loop;
    b.inflight = inflight;
    b.total = s_calls + WARMUP;
    b.client = crm_rpc_client_new(&loop, zctx, endpoint, 5000, 1);
    s_issue(&b);
    while (b.done < b.total)
        uv_run(&loop, UV_RUN_ONCE);
    double secs = (double)(stats_now_ns() - b.t0) / 1e9;
    stats_print(&b.st, label);
    printf("%-34s %.0f calls/s\n", "", (double)s_calls / secs);
    stats_free(&b.st);
    crm_rpc_client_destroy(&b.client);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_calls = atoi(argv[1]);
    char *echo_ep = h_free_endpoint();
    pid_t echo = fork();
    if (echo == 0)
        s_echo_server(echo_ep);

    h_t *h = h_new("bench_rpc");
    h_suite(h, 0, 0, 1, 0);
    h_start(h, "sales", 0);
    void *zctx = zmq_ctx_new();

    /* The same payload size as the library's Ping request on the wire. */
    Crm__Request req = CRM__REQUEST__INIT;
    req.method = "System.Ping";
    req.request_id = 123456;
    req.deadline_ms = 5000;
    size_t size = crm__request__get_packed_size(&req);

    printf("RPC round trip, %d calls each (after %d warm-up), request frame %zu bytes\n", s_calls,
           WARMUP, size);
    s_bare(echo_ep, size, 1, "bare zmq DEALER/ROUTER, 1 in flight");
    s_rpc(zctx, h_rpc(h, "sales"), 1, "crm RPC System.Ping, 1 in flight");
    s_bare(echo_ep, size, 16, "bare zmq, 16 in flight");
    s_rpc(zctx, h_rpc(h, "sales"), 16, "crm RPC, 16 in flight");

    kill(echo, SIGKILL);
    waitpid(echo, NULL, 0);
    free(echo_ep);
    zmq_ctx_term(zctx);
    h_destroy(&h);
    return 0;
}
