/* test_rpc.c: the ZeroMQ/libuv socket and the RPC server and client, over
 * tcp:// and ipc://.
 *
 * In-loop tests run servers and clients on one uv loop (normal and async
 * calls, deadline and retry, silent and closed instances, drain, 10,000
 * pipelined calls, destroying things with calls pending). Raw tests run a
 * server on a loop in a thread and talk to it with plain blocking DEALER and
 * REQ sockets: every kind of bad frame gets its documented error reply, and
 * a good request is answered right after. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crm/registry.h"
#include "crm/rpc.h"
#include "crm_suite.h"
#include "crm/util.h"
#include "crm/zsock.h"
#include "scheduler.pb-c.h"
#include "unit.h"

static void *s_zctx;

/* ---- endpoints -------------------------------------------------------- */

/* A fresh endpoint of transport "tcp" or "ipc". Caller frees. */
static char *s_endpoint(const char *transport)
{
    static int n;
    if (strcmp(transport, "ipc") == 0)
        return crm_sprintf("ipc:///tmp/crm-test-rpc-%d-%d.sock", (int)getpid(), n++);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        perror("bind");
        exit(1);
    }
    close(fd);
    return crm_sprintf("tcp://127.0.0.1:%d", ntohs(a.sin_port));
}

static void s_endpoint_free(char *ep)
{
    if (strncmp(ep, "ipc://", 6) == 0)
        unlink(ep + 6);
    free(ep);
}

/* ---- test servers ----------------------------------------------------- */

#define MAX_HELD 64

/* How a test server behaves. */
typedef struct {
    const char *name; /* PingReply.instance */
    int silent;       /* Ping: hold the call instead of replying */
    crm_rpc_call_t *held[MAX_HELD];
    size_t nheld;
    size_t pings;
    int destroy_in_handler; /* FireNow: destroy the server, 1 after failing, 2 before */
    crm_rpc_server_t **srv_p;
    uv_loop_t *loop;
} tsrv_t;

static void s_ping(crm_rpc_call_t *call, void *arg)
{
    tsrv_t *t = arg;
    t->pings++;
    if (t->silent && t->nheld < MAX_HELD) {
        t->held[t->nheld++] = call;
        return;
    }
    CHECK(strcmp(crm_rpc_call_method(call), "System.Ping") == 0);
    CHECK(crm_rpc_call_request(call)->descriptor == &crm__empty__descriptor);
    Crm__PingReply r = CRM__PING_REPLY__INIT;
    r.service = crm_rpc_call_walks(call) ? "walking" : "test"; /* echoes Request.walk */
    r.instance = (char *)t->name;
    r.now_us = crm_rpc_call_caller(call)->user_id; /* echoes the caller */
    crm_rpc_reply(call, &r.base);
}

/* Replies to the calls a silent server held. */
static void s_release(tsrv_t *t)
{
    for (size_t i = 0; i < t->nheld; i++) {
        Crm__PingReply r = CRM__PING_REPLY__INIT;
        r.service = "late";
        r.instance = (char *)t->name;
        crm_rpc_reply(t->held[i], &r.base);
    }
    t->nheld = 0;
}

/* Scheduler.ListJobs answers later, from a timer. */
typedef struct {
    uv_timer_t timer;
    crm_rpc_call_t *call;
} later_t;

static void s_later_closed(uv_handle_t *h)
{
    free(h->data);
}

static void s_later_fire(uv_timer_t *timer)
{
    later_t *l = timer->data;
    Crm__Scheduler__Job job = CRM__SCHEDULER__JOB__INIT;
    job.name = "later";
    Crm__Scheduler__Job *jobs[1] = {&job};
    Crm__Scheduler__ListJobsReply r = CRM__SCHEDULER__LIST_JOBS_REPLY__INIT;
    r.n_jobs = 1;
    r.jobs = jobs;
    crm_rpc_reply(l->call, &r.base);
    uv_close((uv_handle_t *)&l->timer, s_later_closed);
}

static void s_list_jobs(crm_rpc_call_t *call, void *arg)
{
    tsrv_t *t = arg;
    later_t *l = crm_calloc(1, sizeof *l);
    l->call = call;
    uv_timer_init(t->loop, &l->timer);
    l->timer.data = l;
    uv_timer_start(&l->timer, s_later_fire, 30, 0);
}

/* Scheduler.FireNow fails, and may destroy its own server meanwhile. */
static void s_fire_now(crm_rpc_call_t *call, void *arg)
{
    tsrv_t *t = arg;
    const Crm__Scheduler__FireNowRequest *req =
        (const Crm__Scheduler__FireNowRequest *)crm_rpc_call_request(call);
    if (t->destroy_in_handler == 2)
        crm_rpc_server_destroy(t->srv_p); /* the call outlives its server */
    crm_rpc_fail(call, CRM__STATUS__FAILED_PRECONDITION, "name", "job %s is %s", req->name,
                 "paused");
    if (t->destroy_in_handler == 1)
        crm_rpc_server_destroy(t->srv_p);
}

static crm_rpc_server_t *s_server(uv_loop_t *loop, const char *ep, size_t max_payload, tsrv_t *t,
                                  crm_rpc_server_t **srv_p)
{
    crm_rpc_server_t *srv = crm_rpc_server_new(loop, s_zctx, ep, max_payload);
    if (!srv) {
        fprintf(stderr, "cannot start a server on %s\n", ep);
        exit(1);
    }
    t->loop = loop;
    t->srv_p = srv_p;
    CHECK(crm_rpc_server_handle(srv, &crm__system__descriptor, "Ping", s_ping, t) == 0);
    CHECK(crm_rpc_server_handle(srv, &crm__scheduler__scheduler__descriptor, "ListJobs",
                                s_list_jobs, t) == 0);
    CHECK(crm_rpc_server_handle(srv, &crm__scheduler__scheduler__descriptor, "FireNow", s_fire_now,
                                t) == 0);
    CHECK(crm_rpc_server_handle(srv, &crm__system__descriptor, "Nope", s_ping, t) == -1);
    *srv_p = srv;
    return srv;
}

/* ---- in-loop calls ---------------------------------------------------- */

typedef struct {
    int done;
    int calls; /* callbacks seen: must end at 1 */
    Crm__Status status;
    char message[160];
    char field[32];
    char instance[32];
    char service[16];
    int64_t user;
    size_t njobs;
    uint64_t took_ms;
    uint64_t t0;
} res_t;

static void s_done(void *arg, const crm_rpc_result_t *r)
{
    res_t *res = arg;
    res->done = 1;
    res->calls++;
    res->status = r->status;
    res->took_ms = crm_mono_ms() - res->t0;
    CHECK(r->message != NULL);
    snprintf(res->message, sizeof res->message, "%s", r->message ? r->message : "");
    snprintf(res->field, sizeof res->field, "%s", r->field ? r->field : "");
    if (r->status != CRM__STATUS__OK) {
        CHECK(r->payload == NULL);
        return;
    }
    CHECK(r->payload != NULL);
    if (r->payload && r->payload->descriptor == &crm__ping_reply__descriptor) {
        const Crm__PingReply *p = (const Crm__PingReply *)r->payload;
        snprintf(res->instance, sizeof res->instance, "%s", p->instance);
        snprintf(res->service, sizeof res->service, "%s", p->service);
        res->user = p->now_us;
    } else if (r->payload &&
               r->payload->descriptor == &crm__scheduler__list_jobs_reply__descriptor) {
        res->njobs = ((const Crm__Scheduler__ListJobsReply *)r->payload)->n_jobs;
    }
}

static void s_wake(uv_timer_t *t) {}

/* Runs loop until *flag or timeout_ms. A repeating unreferenced timer,
 * every wake_ms, makes sure a bug cannot block uv_run forever; the tests of
 * the edge-triggered logic use a long one, so that a missed wake-up shows as
 * a stall instead of being rescued. */
static void s_run_wake(uv_loop_t *loop, const int *flag, unsigned timeout_ms, unsigned wake_ms)
{
    uv_timer_t guard;
    uv_timer_init(loop, &guard);
    uv_timer_start(&guard, s_wake, wake_ms, wake_ms);
    uv_unref((uv_handle_t *)&guard);
    uint64_t t0 = crm_mono_ms();
    while (!*flag && crm_mono_ms() - t0 < timeout_ms)
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
}

static void s_run_until(uv_loop_t *loop, const int *flag, unsigned timeout_ms)
{
    s_run_wake(loop, flag, timeout_ms, 10);
}

static void s_ping_call(crm_rpc_client_t *c, res_t *res, int64_t user)
{
    memset(res, 0, sizeof *res);
    res->t0 = crm_mono_ms();
    Crm__Empty e = CRM__EMPTY__INIT;
    Crm__Caller caller = CRM__CALLER__INIT;
    caller.user_id = user;
    CHECK(crm_rpc_call(c, "System.Ping", &e.base, &crm__ping_reply__descriptor,
                       user ? &caller : NULL, s_done, res) == 0);
}

/* Closes what is left and checks the loop closes cleanly. */
static void s_loop_end(uv_loop_t *loop)
{
    uv_run(loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(loop) == 0);
}

static void s_test_basic(const char *tr)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *ep = s_endpoint(tr);
    tsrv_t t = {.name = "a"};
    crm_rpc_server_t *srv;
    s_server(&loop, ep, 4096, &t, &srv);
    crm_rpc_client_t *c = crm_rpc_client_new(&loop, s_zctx, ep, 2000, 1);
    CHECK(c != NULL);

    res_t r;
    s_ping_call(c, &r, 42);
    CHECK(crm_rpc_client_pending(c) == 1);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.calls == 1 && r.status == CRM__STATUS__OK);
    CHECK(strcmp(r.service, "test") == 0 && strcmp(r.instance, "a") == 0);
    CHECK(r.user == 42);
    CHECK(crm_rpc_client_pending(c) == 0);
    CHECK(crm_rpc_server_inflight(srv) == 0);

    /* A call that walks a list says so (Request.walk). */
    memset(&r, 0, sizeof r);
    Crm__Empty e = CRM__EMPTY__INIT;
    crm_rpc_opts_t walk = {.walk = 1};
    CHECK(crm_rpc_call_with(c, "System.Ping", &e.base, &crm__ping_reply__descriptor, NULL, &walk,
                            s_done, &r) == 0);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.status == CRM__STATUS__OK && strcmp(r.service, "walking") == 0);

    /* A handler that replies later, from a timer. */
    memset(&r, 0, sizeof r);
    r.t0 = crm_mono_ms();
    CHECK(crm_rpc_call(c, "Scheduler.ListJobs", &e.base,
                       &crm__scheduler__list_jobs_reply__descriptor, NULL, s_done, &r) == 0);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.calls == 1 && r.status == CRM__STATUS__OK && r.njobs == 1);
    CHECK(r.took_ms >= 25);

    /* An error from the handler, with its field. */
    memset(&r, 0, sizeof r);
    Crm__Scheduler__FireNowRequest fr = CRM__SCHEDULER__FIRE_NOW_REQUEST__INIT;
    fr.name = "recycle";
    CHECK(crm_rpc_call(c, "Scheduler.FireNow", &fr.base, &crm__scheduler__job__descriptor, NULL,
                       s_done, &r) == 0);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.status == CRM__STATUS__FAILED_PRECONDITION);
    CHECK(strcmp(r.field, "name") == 0 && strcmp(r.message, "job recycle is paused") == 0);

    /* Unknown method through the client. */
    memset(&r, 0, sizeof r);
    CHECK(crm_rpc_call(c, "Leads.Create", &e.base, NULL, NULL, s_done, &r) == 0);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.status == CRM__STATUS__UNIMPLEMENTED && strcmp(r.field, "method") == 0);
    CHECK(strcmp(r.message, "unknown method Leads.Create") == 0);

    /* A handler destroying its own server after replying. The reply may
     * still be lost: a DEALER with ZMQ_IMMEDIATE drops what it received but
     * not yet read when the connection closes (libzmq), so the call may end
     * UNAVAILABLE at its deadline instead. */
    crm_rpc_client_t *quick = crm_rpc_client_new(&loop, s_zctx, ep, 300, 1);
    t.destroy_in_handler = 1;
    memset(&r, 0, sizeof r);
    CHECK(crm_rpc_call(quick, "Scheduler.FireNow", &fr.base, &crm__scheduler__job__descriptor, NULL,
                       s_done, &r) == 0);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.calls == 1);
    CHECK(r.status == CRM__STATUS__FAILED_PRECONDITION || r.status == CRM__STATUS__UNAVAILABLE);
    CHECK(srv == NULL);

    /* Destroying it before failing: the call is finished without a reply.
     * (A fresh endpoint: the closed listener goes away asynchronously.) */
    crm_rpc_client_destroy(&quick);
    char *ep2 = s_endpoint(tr);
    s_server(&loop, ep2, 4096, &t, &srv);
    quick = crm_rpc_client_new(&loop, s_zctx, ep2, 300, 1);
    t.destroy_in_handler = 2;
    memset(&r, 0, sizeof r);
    CHECK(crm_rpc_call(quick, "Scheduler.FireNow", &fr.base, &crm__scheduler__job__descriptor, NULL,
                       s_done, &r) == 0);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.calls == 1 && r.status == CRM__STATUS__UNAVAILABLE);
    CHECK(srv == NULL);
    crm_rpc_client_destroy(&quick);
    s_endpoint_free(ep2);

    crm_rpc_client_destroy(&c);
    CHECK(c == NULL);
    s_loop_end(&loop);
    s_endpoint_free(ep);
}

/* Two instances, the first silent: every call is answered by the second
 * within about two deadlines. */
static void s_test_retry(const char *tr)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *ep1 = s_endpoint(tr), *ep2 = s_endpoint(tr);
    tsrv_t t1 = {.name = "silent", .silent = 1}, t2 = {.name = "second"};
    crm_rpc_server_t *s1, *s2;
    s_server(&loop, ep1, 4096, &t1, &s1);
    s_server(&loop, ep2, 4096, &t2, &s2);
    char *eps = crm_sprintf("%s,%s", ep1, ep2);
    const unsigned deadline = 150;
    crm_rpc_client_t *c = crm_rpc_client_new(&loop, s_zctx, eps, deadline, 2);
    /* Let both connect, so the calls really meet the silent one. */
    int never = 0;
    s_run_until(&loop, &never, 200);

    for (int i = 0; i < 6; i++) {
        res_t r;
        s_ping_call(c, &r, 0);
        s_run_until(&loop, &r.done, 5000);
        CHECK(r.calls == 1 && r.status == CRM__STATUS__OK);
        CHECK(strcmp(r.instance, "second") == 0);
        CHECK(r.took_ms < 2 * deadline + 150);
    }
    CHECK(t1.nheld >= 2); /* round-robin sent some to the silent one first */
    CHECK(crm_rpc_server_inflight(s1) == t1.nheld);

    /* The silent one answers late: the call is finished, the reply ignored. */
    s_release(&t1);
    CHECK(crm_rpc_server_inflight(s1) == 0);
    s_run_until(&loop, &never, 50);
    CHECK(crm_rpc_client_pending(c) == 0);

    /* The second closes: calls go to the next one (now the silent one),
     * and with both silent the call fails after all attempts. */
    crm_rpc_server_destroy(&s2);
    res_t r;
    s_ping_call(c, &r, 0);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.calls == 1 && r.status == CRM__STATUS__UNAVAILABLE);
    CHECK(strstr(r.message, "no instance answered within 300 ms") != NULL);
    CHECK(r.took_ms >= 2 * deadline - 20 && r.took_ms < 2 * deadline + 300);

    /* Destroying the silent server with calls held: they stay valid, and
     * replying to them later sends nothing and frees them. */
    CHECK(t1.nheld >= 1);
    crm_rpc_server_destroy(&s1);
    s_release(&t1);

    crm_rpc_client_destroy(&c);
    s_loop_end(&loop);
    free(eps);
    s_endpoint_free(ep1);
    s_endpoint_free(ep2);
}

/* A killed (closed) instance: the other answers every call. */
static void s_test_closed_instance(const char *tr)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *ep1 = s_endpoint(tr), *ep2 = s_endpoint(tr);
    tsrv_t t1 = {.name = "one"}, t2 = {.name = "two"};
    crm_rpc_server_t *s1, *s2;
    s_server(&loop, ep1, 4096, &t1, &s1);
    s_server(&loop, ep2, 4096, &t2, &s2);
    char *eps = crm_sprintf("%s,%s", ep1, ep2);
    crm_rpc_client_t *c = crm_rpc_client_new(&loop, s_zctx, eps, 200, 2);
    int never = 0;
    s_run_until(&loop, &never, 150);
    res_t r;
    for (int i = 0; i < 4; i++) {
        s_ping_call(c, &r, 0);
        s_run_until(&loop, &r.done, 5000);
        CHECK(r.status == CRM__STATUS__OK);
    }
    CHECK(t1.pings > 0 && t2.pings > 0);
    crm_rpc_server_destroy(&s1);
    s_run_until(&loop, &never, 100); /* the client notices the disconnect */
    uint64_t t0 = crm_mono_ms();
    for (int i = 0; i < 6; i++) {
        s_ping_call(c, &r, 0);
        s_run_until(&loop, &r.done, 5000);
        CHECK(r.status == CRM__STATUS__OK && strcmp(r.instance, "two") == 0);
    }
    CHECK(crm_mono_ms() - t0 < 200); /* no deadline was waited for */
    crm_rpc_client_destroy(&c);
    crm_rpc_server_destroy(&s2);
    s_loop_end(&loop);
    free(eps);
    s_endpoint_free(ep1);
    s_endpoint_free(ep2);
}

/* Drain: new requests get UNAVAILABLE, the one in flight still replies. */
static void s_test_drain(const char *tr)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *ep = s_endpoint(tr);
    tsrv_t t = {.name = "d", .silent = 1};
    crm_rpc_server_t *srv;
    s_server(&loop, ep, 4096, &t, &srv);
    crm_rpc_client_t *c = crm_rpc_client_new(&loop, s_zctx, ep, 3000, 1);
    res_t held, r;
    s_ping_call(c, &held, 0);
    while (t.nheld == 0)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(crm_rpc_server_inflight(srv) == 1);
    crm_rpc_server_drain(srv);
    s_ping_call(c, &r, 0);
    s_run_until(&loop, &r.done, 5000);
    CHECK(r.status == CRM__STATUS__UNAVAILABLE && strcmp(r.message, "stopping") == 0);
    CHECK(!held.done);
    s_release(&t);
    s_run_until(&loop, &held.done, 5000);
    CHECK(held.status == CRM__STATUS__OK && strcmp(held.service, "late") == 0);
    CHECK(crm_rpc_server_inflight(srv) == 0);
    crm_rpc_client_destroy(&c);
    crm_rpc_server_destroy(&srv);
    s_loop_end(&loop);
    s_endpoint_free(ep);
}

/* 10,000 calls, 100 in flight, over two instances: each answered once. */
#define PIPE_TOTAL 10000
#define PIPE_WINDOW 100

typedef struct {
    crm_rpc_client_t *c;
    unsigned char answered[PIPE_TOTAL];
    int idx[PIPE_TOTAL];
    int next, completed, bad, finished;
} pipe_t;

static pipe_t *s_pipe;

static void s_pipe_send(pipe_t *p);

static void s_pipe_done(void *arg, const crm_rpc_result_t *r)
{
    int i = *(int *)arg;
    pipe_t *p = s_pipe;
    p->answered[i]++;
    p->completed++;
    if (r->status != CRM__STATUS__OK)
        p->bad++;
    if (p->completed == PIPE_TOTAL)
        p->finished = 1;
    s_pipe_send(p);
}

static void s_pipe_send(pipe_t *p)
{
    if (p->next >= PIPE_TOTAL || !p->c)
        return;
    int i = p->next++;
    p->idx[i] = i;
    Crm__Empty e = CRM__EMPTY__INIT;
    CHECK(crm_rpc_call(p->c, "System.Ping", &e.base, &crm__ping_reply__descriptor, NULL,
                       s_pipe_done, &p->idx[i]) == 0);
}

static void s_test_pipelined(const char *tr)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *ep1 = s_endpoint(tr), *ep2 = s_endpoint(tr);
    tsrv_t t1 = {.name = "p1"}, t2 = {.name = "p2"};
    crm_rpc_server_t *s1, *s2;
    s_server(&loop, ep1, 4096, &t1, &s1);
    s_server(&loop, ep2, 4096, &t2, &s2);
    char *eps = crm_sprintf("%s,%s", ep1, ep2);
    pipe_t *p = crm_calloc(1, sizeof *p);
    s_pipe = p;
    p->c = crm_rpc_client_new(&loop, s_zctx, eps, 10000, 1);
    uint64_t t0 = crm_mono_ms();
    for (int i = 0; i < PIPE_WINDOW; i++)
        s_pipe_send(p);
    s_run_wake(&loop, &p->finished, 20000, 5000);
    CHECK(p->finished && p->completed == PIPE_TOTAL && p->bad == 0);
    CHECK(crm_mono_ms() - t0 < 10000);
    int once = 1;
    for (int i = 0; i < PIPE_TOTAL; i++)
        once = once && p->answered[i] == 1;
    CHECK(once);
    CHECK(t1.pings + t2.pings == PIPE_TOTAL);
    CHECK(t1.pings > 0 && t2.pings > 0);
    fprintf(stderr, "  %s: %d pipelined calls in %llu ms\n", tr, PIPE_TOTAL,
            (unsigned long long)(crm_mono_ms() - t0));
    crm_rpc_client_destroy(&p->c);
    crm_rpc_server_destroy(&s1);
    crm_rpc_server_destroy(&s2);
    s_loop_end(&loop);
    free(p);
    free(eps);
    s_endpoint_free(ep1);
    s_endpoint_free(ep2);
}

/* Destroying a client calls back every pending call with UNAVAILABLE, also
 * when done from inside a reply callback. */
static crm_rpc_client_t *s_victim;

static void s_destroy_in_cb(void *arg, const crm_rpc_result_t *r)
{
    s_done(arg, r);
    crm_rpc_client_destroy(&s_victim);
}

static void s_test_client_destroy(const char *tr)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *ep = s_endpoint(tr);
    tsrv_t t = {.name = "s", .silent = 1};
    crm_rpc_server_t *srv;
    s_server(&loop, ep, 4096, &t, &srv);
    crm_rpc_client_t *c = crm_rpc_client_new(&loop, s_zctx, ep, 5000, 1);
    res_t r[5];
    for (int i = 0; i < 5; i++)
        s_ping_call(c, &r[i], 0);
    while (t.nheld < 5)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(crm_rpc_client_pending(c) == 5);
    for (int i = 0; i < 5; i++)
        CHECK(!r[i].done);
    crm_rpc_client_destroy(&c);
    for (int i = 0; i < 5; i++)
        CHECK(r[i].calls == 1 && r[i].status == CRM__STATUS__UNAVAILABLE);
    s_release(&t); /* the replies go to a closed client */

    /* From inside a callback: the other pending call still calls back. */
    t.silent = 0;
    s_victim = crm_rpc_client_new(&loop, s_zctx, ep, 5000, 1);
    res_t a, b;
    memset(&a, 0, sizeof a);
    Crm__Empty e = CRM__EMPTY__INIT;
    CHECK(crm_rpc_call(s_victim, "System.Ping", &e.base, &crm__ping_reply__descriptor, NULL,
                       s_destroy_in_cb, &a) == 0);
    memset(&b, 0, sizeof b);
    CHECK(crm_rpc_call(s_victim, "Scheduler.ListJobs", &e.base, NULL, NULL, s_done, &b) == 0);
    s_run_until(&loop, &a.done, 5000);
    CHECK(a.calls == 1 && a.status == CRM__STATUS__OK);
    CHECK(b.calls == 1 && b.status == CRM__STATUS__UNAVAILABLE);
    CHECK(s_victim == NULL);
    int never = 0;
    s_run_until(&loop, &never, 60); /* ListJobs replies to nobody */

    /* A client whose instances never came up fails after the deadline. */
    char *nowhere = s_endpoint(tr);
    crm_rpc_client_t *c2 = crm_rpc_client_new(&loop, s_zctx, nowhere, 100, 2);
    res_t n;
    s_ping_call(c2, &n, 0);
    s_run_until(&loop, &n.done, 5000);
    CHECK(n.status == CRM__STATUS__UNAVAILABLE && n.took_ms >= 180);
    crm_rpc_client_destroy(&c2);
    CHECK(crm_rpc_client_new(&loop, s_zctx, " , ", 100, 1) == NULL);
    CHECK(crm_rpc_client_new(&loop, s_zctx, "bogus://x", 100, 1) == NULL);

    crm_rpc_server_destroy(&srv);
    s_loop_end(&loop);
    s_endpoint_free(nowhere);
    s_endpoint_free(ep);
}

/* ---- the zsock alone -------------------------------------------------- */

typedef struct {
    int got, want, done;
    crm_zsock_t *sock;
} zcount_t;

static void s_zcount(crm_zsock_t *sock, crm_zmsg_t *msg, void *arg)
{
    zcount_t *z = arg;
    CHECK(msg->nparts == 2);
    z->got++;
    if (z->got == z->want) {
        z->done = 1;
        crm_zsock_destroy(&z->sock); /* inside its own callback */
    }
}

/* A PULL socket fed 1,000 messages before it starts: all are delivered
 * (the edge came before anyone watched), and destroying it from its own
 * callback is safe. Also: oversize multipart messages are dropped. */
static void s_test_zsock(const char *tr)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *ep = s_endpoint(tr);
    zcount_t z = {.want = 1000};
    z.sock = crm_zsock_new(&loop, s_zctx, ZMQ_PULL);
    CHECK(zmq_bind(crm_zsock_raw(z.sock), ep) == 0);
    void *push = zmq_socket(s_zctx, ZMQ_PUSH);
    int hwm = 0, linger = 0;
    zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    CHECK(zmq_connect(push, ep) == 0);
    for (int i = 0; i < 9; i++) /* nine parts: dropped */
        zmq_send(push, "x", 1, i < 8 ? ZMQ_SNDMORE : 0);
    for (int i = 0; i < z.want; i++) {
        zmq_send(push, "k", 1, ZMQ_SNDMORE);
        zmq_send(push, &i, sizeof i, 0);
    }
    usleep(100 * 1000);
    CHECK(crm_zsock_start(z.sock, s_zcount, &z) == 0);
    s_run_wake(&loop, &z.done, 3000, 5000);
    CHECK(z.got == z.want);
    CHECK(z.sock == NULL);
    zmq_close(push);
    crm_zsock_destroy(&z.sock); /* NULL: a no-op */
    s_loop_end(&loop);
    s_endpoint_free(ep);
}

/* ---- raw clients against a server in a thread ------------------------- */

typedef struct {
    uv_loop_t loop;
    uv_async_t stop;
    crm_rpc_server_t *srv;
    tsrv_t t;
    pthread_t th;
} thr_t;

static void s_thr_stop(uv_async_t *h)
{
    thr_t *x = h->data;
    crm_rpc_server_destroy(&x->srv);
    uv_close((uv_handle_t *)h, NULL);
}

static void *s_thr_main(void *arg)
{
    thr_t *x = arg;
    uv_run(&x->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void s_thr_start(thr_t *x, const char *ep, size_t max_payload)
{
    memset(x, 0, sizeof *x);
    uv_loop_init(&x->loop);
    x->t.name = "thr";
    s_server(&x->loop, ep, max_payload, &x->t, &x->srv);
    uv_async_init(&x->loop, &x->stop, s_thr_stop);
    x->stop.data = x;
    pthread_create(&x->th, NULL, s_thr_main, x);
}

static void s_thr_stop_join(thr_t *x)
{
    uv_async_send(&x->stop);
    pthread_join(x->th, NULL);
    CHECK(uv_loop_close(&x->loop) == 0);
}

/* An encoded Request. Caller frees. */
static uint8_t *s_request(const char *method, uint64_t id, const uint8_t *payload, size_t plen,
                          size_t *len)
{
    Crm__Request req = CRM__REQUEST__INIT;
    req.method = (char *)method;
    req.request_id = id;
    req.payload.data = (uint8_t *)payload;
    req.payload.len = plen;
    *len = crm__request__get_packed_size(&req);
    uint8_t *buf = crm_malloc(*len + 1);
    crm__request__pack(&req, buf);
    return buf;
}

static void *s_raw_socket(int type, const char *ep)
{
    void *zs = zmq_socket(s_zctx, type);
    int linger = 0, timeo = 3000;
    zmq_setsockopt(zs, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(zs, ZMQ_RCVTIMEO, &timeo, sizeof timeo);
    CHECK(zmq_connect(zs, ep) == 0);
    return zs;
}

/* Sends n frames and receives the reply; expects delimited replies (an
 * empty first frame) when delim. Returns the Reply or NULL on timeout. */
static Crm__Reply *s_xfer(void *zs, const void *const *frames, const size_t *lens, size_t n,
                          int delim)
{
    for (size_t i = 0; i < n; i++)
        if (zmq_send(zs, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            return NULL;
    zmq_msg_t parts[4];
    size_t np = 0;
    for (int more = 1; more;) {
        zmq_msg_init(&parts[np]);
        if (zmq_msg_recv(&parts[np], zs, 0) < 0) {
            zmq_msg_close(&parts[np]);
            for (size_t i = 0; i < np; i++)
                zmq_msg_close(&parts[i]);
            return NULL;
        }
        more = zmq_msg_more(&parts[np]);
        np++;
        if (np == 4)
            break;
    }
    CHECK(np == (delim ? 2u : 1u));
    if (delim)
        CHECK(zmq_msg_size(&parts[0]) == 0);
    Crm__Reply *r =
        crm__reply__unpack(NULL, zmq_msg_size(&parts[np - 1]), zmq_msg_data(&parts[np - 1]));
    for (size_t i = 0; i < np; i++)
        zmq_msg_close(&parts[i]);
    return r;
}

/* Sends a good Ping (delimited or not) and checks it is answered. */
static void s_good(void *zs, int delim, uint64_t id)
{
    size_t len;
    uint8_t *req = s_request("System.Ping", id, NULL, 0, &len);
    const void *f[2] = {"", req};
    size_t l[2] = {0, len};
    Crm__Reply *r = delim ? s_xfer(zs, f, l, 2, 1) : s_xfer(zs, f + 1, l + 1, 1, 0);
    CHECK(r && r->status == CRM__STATUS__OK && r->request_id == id);
    if (r) {
        Crm__PingReply *p = crm__ping_reply__unpack(NULL, r->payload.len, r->payload.data);
        CHECK(p && strcmp(p->instance, "thr") == 0);
        crm__ping_reply__free_unpacked(p, NULL);
    }
    crm__reply__free_unpacked(r, NULL);
    free(req);
}

/* Sends one bad request and checks the error reply, then a good one. */
static void s_bad(void *zs, int delim, const void *const *frames, const size_t *lens, size_t n,
                  Crm__Status st, const char *field, const char *msg_has, uint64_t id)
{
    Crm__Reply *r = s_xfer(zs, frames, lens, n, delim);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->status == st);
        CHECK(r->request_id == id);
        CHECK(strcmp(r->field, field) == 0);
        if (!strstr(r->message, msg_has)) {
            fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", r->message, msg_has);
            unit_failed++;
        }
    }
    crm__reply__free_unpacked(r, NULL);
    s_good(zs, delim, id + 1000);
}

static void s_test_raw(const char *tr)
{
    char *ep = s_endpoint(tr);
    thr_t x;
    s_thr_start(&x, ep, 4096);

    /* Plain DEALER, delimited DEALER, REQ. */
    void *plain = s_raw_socket(ZMQ_DEALER, ep);
    void *dealer = s_raw_socket(ZMQ_DEALER, ep);
    void *req = s_raw_socket(ZMQ_REQ, ep);
    s_good(plain, 0, 1);
    s_good(dealer, 1, 2);
    s_good(req, 0, 3); /* REQ adds and strips the delimiter itself */

    for (int delim = 0; delim < 2; delim++) {
        void *zs = delim ? dealer : plain;
        const void *f[4];
        size_t l[4];
        size_t k = 0;
        if (delim) {
            f[k] = "";
            l[k++] = 0;
        }
        size_t n = k + 1;

        /* Garbage bytes. */
        static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x07, 0x99};
        f[k] = garbage;
        l[k] = sizeof garbage;
        s_bad(zs, delim, f, l, n, CRM__STATUS__INVALID_ARGUMENT, "", "malformed request", 0);

        /* A valid request cut short. */
        uint8_t pl[100];
        memset(pl, 0, sizeof pl);
        size_t len;
        uint8_t *good = s_request("System.Ping", 7, pl, sizeof pl, &len);
        f[k] = good;
        l[k] = len - 10;
        s_bad(zs, delim, f, l, n, CRM__STATUS__INVALID_ARGUMENT, "", "malformed request", 0);
        free(good);

        /* Oversized: still answered, with the request's id. */
        uint8_t *bigp = crm_calloc(1, 5000);
        uint8_t *big = s_request("System.Ping", 8, bigp, 5000, &len);
        f[k] = big;
        l[k] = len;
        s_bad(zs, delim, f, l, n, CRM__STATUS__INVALID_ARGUMENT, "payload", "exceeds", 8);
        free(big);
        free(bigp);

        /* Unknown method. */
        uint8_t *unk = s_request("Nope.Nope", 9, NULL, 0, &len);
        f[k] = unk;
        l[k] = len;
        s_bad(zs, delim, f, l, n, CRM__STATUS__UNIMPLEMENTED, "method", "unknown method Nope.Nope",
              9);
        free(unk);

        /* An idempotency key over the limit. */
        {
            Crm__Request kr = CRM__REQUEST__INIT;
            char key[CRM_RPC_MAX_KEY + 2];
            memset(key, 'k', sizeof key - 1);
            key[sizeof key - 1] = '\0';
            kr.method = "System.Ping";
            kr.request_id = 12;
            kr.idempotency_key = key;
            size_t klen = crm__request__get_packed_size(&kr);
            uint8_t *kb = crm_malloc(klen);
            crm__request__pack(&kr, kb);
            f[k] = kb;
            l[k] = klen;
            s_bad(zs, delim, f, l, n, CRM__STATUS__INVALID_ARGUMENT, "idempotency_key",
                  "longer than 64", 12);
            free(kb);
        }

        /* A payload that is not the method's input. */
        static const uint8_t junk[] = {0x0f, 0x01};
        uint8_t *und = s_request("Scheduler.FireNow", 10, junk, sizeof junk, &len);
        f[k] = und;
        l[k] = len;
        s_bad(zs, delim, f, l, n, CRM__STATUS__INVALID_ARGUMENT, "payload",
              "crm.scheduler.FireNowRequest", 10);
        free(und);

        /* Extra frames. */
        uint8_t *ok = s_request("System.Ping", 11, NULL, 0, &len);
        f[k] = ok;
        l[k] = len;
        f[k + 1] = "extra";
        l[k + 1] = 5;
        s_bad(zs, delim, f, l, n + 1, CRM__STATUS__INVALID_ARGUMENT, "", "unexpected frames", 11);
        free(ok);
    }
    /* REQ with garbage, then a good one. */
    static const uint8_t garbage2[] = {0x07};
    const void *g[1] = {garbage2};
    size_t gl[1] = {1};
    s_bad(req, 0, g, gl, 1, CRM__STATUS__INVALID_ARGUMENT, "", "malformed request", 0);

    /* A frame above the hard cap (4 * 4096 + 64 KiB): the connection is
     * dropped, nothing answers it, and the socket works after reconnecting. */
    size_t hugelen = 4 * 4096 + 64 * 1024 + 100;
    uint8_t *huge = crm_calloc(1, hugelen);
    int timeo = 500;
    zmq_setsockopt(plain, ZMQ_RCVTIMEO, &timeo, sizeof timeo);
    const void *h[1] = {huge};
    Crm__Reply *hr = s_xfer(plain, h, &hugelen, 1, 0);
    CHECK(hr == NULL);
    crm__reply__free_unpacked(hr, NULL);
    free(huge);
    timeo = 3000;
    zmq_setsockopt(plain, ZMQ_RCVTIMEO, &timeo, sizeof timeo);
    s_good(plain, 0, 99);

    /* The blocking client, with a caller and an error's "message [field]". */
    Crm__Empty e = CRM__EMPTY__INIT;
    Crm__Caller caller = CRM__CALLER__INIT;
    caller.user_id = 5;
    ProtobufCMessage *reply = NULL;
    char *err = NULL;
    Crm__Status st = crm_rpc_call_sync(s_zctx, ep, 2000, "System.Ping", &e.base,
                                       &crm__ping_reply__descriptor, &caller, &reply, &err);
    CHECK(st == CRM__STATUS__OK && reply && err == NULL);
    CHECK(reply && ((Crm__PingReply *)reply)->now_us == 5);
    protobuf_c_message_free_unpacked(reply, NULL);
    Crm__Scheduler__FireNowRequest fr = CRM__SCHEDULER__FIRE_NOW_REQUEST__INIT;
    fr.name = "x";
    st = crm_rpc_call_sync(s_zctx, ep, 2000, "Scheduler.FireNow", &fr.base,
                           &crm__scheduler__job__descriptor, NULL, &reply, &err);
    CHECK(st == CRM__STATUS__FAILED_PRECONDITION && reply == NULL);
    CHECK(err && strcmp(err, "job x is paused [name]") == 0);
    free(err);
    st = crm_rpc_call_sync(s_zctx, "", 100, "System.Ping", &e.base, NULL, NULL, NULL, &err);
    CHECK(st == CRM__STATUS__UNAVAILABLE && err);
    free(err);

    zmq_close(plain);
    zmq_close(dealer);
    zmq_close(req);
    s_thr_stop_join(&x);
    s_endpoint_free(ep);
}

/* ---- names ------------------------------------------------------------ */

static void s_test_names(void)
{
    CHECK(strcmp(crm_status_name(CRM__STATUS__OK), "ok") == 0);
    CHECK(strcmp(crm_status_name(CRM__STATUS__INVALID_ARGUMENT), "invalid_argument") == 0);
    CHECK(strcmp(crm_status_name(CRM__STATUS__UNAVAILABLE), "unavailable") == 0);
    CHECK(strcmp(crm_status_name(CRM__STATUS__INTERNAL), "internal") == 0);
    const ProtobufCMessageDescriptor *in, *out;
    CHECK(crm_rpc_method_types("System.Ping", &in, &out) == 0);
    CHECK(in == &crm__empty__descriptor && out == &crm__ping_reply__descriptor);
    CHECK(crm_rpc_method_types("Scheduler.FireNow", &in, &out) == 0);
    CHECK(in == &crm__scheduler__fire_now_request__descriptor);
    CHECK(crm_rpc_method_types("Leads.Create", &in, &out) == 0);
    CHECK(crm_rpc_method_types("Customers.Recycle", &in, &out) == 0);
    CHECK(crm_rpc_method_types("Bus.Replay", &in, &out) == 0);
    CHECK(crm_rpc_method_types("Leads.Nope", &in, &out) == -1);
    CHECK(crm_rpc_method_types("Nope.Ping", &in, &out) == -1);
    CHECK(crm_rpc_method_types("Leads", &in, &out) == -1);
    CHECK(crm_rpc_method_types(".Create", &in, &out) == -1);
}

/* A call made in process says whether it walks too. */
static void s_test_local_walk(void)
{
    tsrv_t t = {.name = "local"};
    crm_rpc_server_t *srv = crm_rpc_server_new_local();
    CHECK(crm_rpc_server_handle(srv, &crm__system__descriptor, "Ping", s_ping, &t) == 0);
    crm_rpc_opts_t walk = {.walk = 1};
    for (int k = 0; k < 2; k++) {
        res_t r = {0};
        ProtobufCMessage *req =
            protobuf_c_message_unpack(&crm__empty__descriptor, NULL, 0, (const uint8_t *)"");
        CHECK(crm_rpc_server_call_with(srv, "System.Ping", &req, NULL, k ? &walk : NULL, s_done,
                                       &r) == 0 &&
              req == NULL);
        CHECK(r.done && strcmp(r.service, k ? "walking" : "test") == 0);
    }
    crm_rpc_server_destroy(&srv);
}

int main(void)
{
    crm_registry_set(&crm_suite);
    s_zctx = zmq_ctx_new();
    s_test_names();
    s_test_local_walk();
    const char *transports[] = {"tcp", "ipc"};
    for (int i = 0; i < 2; i++) {
        const char *tr = transports[i];
        fprintf(stderr, "%s\n", tr);
        s_test_zsock(tr);
        s_test_basic(tr);
        s_test_raw(tr);
        s_test_retry(tr);
        s_test_closed_instance(tr);
        s_test_drain(tr);
        s_test_client_destroy(tr);
        s_test_pipelined(tr);
    }
    zmq_ctx_term(s_zctx);
    if (unit_failed) {
        fprintf(stderr, "test_rpc: %d checks failed\n", unit_failed);
        return 1;
    }
    fprintf(stderr, "test_rpc: ok\n");
    return 0;
}
