/* bench_gateway.c: the gateway under 64 keep-alive connections, in one run:
 * a bare reply from the same h2o server (GET /healthz: routing, no token, no
 * RPC), GET /api/v1/leads/{id} and POST /api/v1/leads through the gateway
 * (token, scope, JSON <-> protobuf, RPC), and beside them the same two
 * calls as direct RPCs with 64 in flight. The HTTP load comes from a small
 * epoll client here (one request at a time per connection, no pipelining).
 *
 *     bench_gateway [requests]          the figures above
 *     bench_gateway [requests] write    the write path: POST /api/v1/leads
 *                                       (a unique mobile each, so the
 *                                       duplicate check runs) at 1 and 16
 *                                       connections, beside pgbench's bare
 *                                       lead-and-outbox transaction at 1
 *                                       and 16 clients on the same database
 *
 * CRM_PG_DURABLE=1 runs PostgreSQL with fsync on, as up.sh does;
 * CRM_DB_POOL, when set, is passed to the services. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crm/rpc.h"
#include "crm/util.h"
#include "harness.h"
#include "http.h"
#include "jcall.h"
#include "leads.pb-c.h"
#include "pgbench.h"
#include "stats.h"
#include "suite.h"

#define CONNS 64
#define WARMUP 2000

static int s_requests = 60000;
static int s_port;
static int s_conns = CONNS; /* HTTP connections of the next run */

/* ---- the HTTP load ------------------------------------------------------ */

typedef struct {
    int fd;
    char buf[8192];
    size_t have;
    uint64_t sent_ns;
} s_conn_t;

/* Fills out with request number i of a kind; returns its length. */
typedef size_t (*s_request_fn)(char *out, size_t cap, int i, const char *arg);

static size_t s_get(char *out, size_t cap, int i, const char *arg)
{
    return (size_t)snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: b\r\n%s\r\n", arg, "");
}

static const char *s_token;

static size_t s_get_auth(char *out, size_t cap, int i, const char *path)
{
    return (size_t)snprintf(
        out, cap, "GET %s HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer %s\r\n\r\n", path, s_token);
}

static size_t s_post_lead(char *out, size_t cap, int i, const char *arg)
{
    char body[128];
    int n = snprintf(body, sizeof body, "{\"name\":\"压测线索 %d\",\"source\":\"广告\"}", i);
    return (size_t)snprintf(out, cap,
                            "POST /api/v1/leads HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer %s\r\n"
                            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                            s_token, n, body);
}

/* A lead with a mobile of its own (the duplicate check runs, finds none). */
static size_t s_post_lead_mobile(char *out, size_t cap, int i, const char *arg)
{
    static int base;
    if (i == 0)
        base += 1000000; /* a run's numbers differ from the last run's */
    char body[160];
    int n = snprintf(body, sizeof body, "{\"name\":\"压测线索 %d\",\"mobile\":\"139%08d\"}", i,
                     base + i);
    return (size_t)snprintf(out, cap,
                            "POST /api/v1/leads HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer %s\r\n"
                            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                            s_token, n, body);
}

static int s_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* Length of the complete response at the start of buf, or 0. Checks the
 * status is 200 (a read) or 201 (a create). */
static size_t s_response_len(const char *buf, size_t have)
{
    const char *end = memmem(buf, have, "\r\n\r\n", 4);
    if (!end)
        return 0;
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0 && strncmp(buf, "HTTP/1.1 201", 12) != 0) {
        fprintf(stderr, "unexpected response: %.*s\n", (int)have, buf);
        exit(1);
    }
    const char *cl = strcasestr(buf, "content-length:");
    size_t head = (size_t)(end - buf) + 4;
    size_t len = cl && cl < end ? (size_t)atol(cl + 15) : 0;
    return have >= head + len ? head + len : 0;
}

static void s_send(s_conn_t *c, s_request_fn fn, int i, const char *arg)
{
    char req[1024];
    size_t n = fn(req, sizeof req, i, arg);
    c->sent_ns = stats_now_ns();
    if (write(c->fd, req, n) != (ssize_t)n) {
        perror("write");
        exit(1);
    }
}

static double s_http_run(const char *label, s_request_fn fn, const char *arg)
{
    int ep = epoll_create1(0);
    s_conn_t *conns = calloc((size_t)s_conns, sizeof *conns);
    int total = s_requests + WARMUP, issued = 0, done = 0;
    stats_t st = {0};
    uint64_t t0 = 0;
    for (int i = 0; i < s_conns; i++) {
        conns[i].fd = s_connect();
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
        s_send(&conns[i], fn, issued++, arg);
    }
    struct epoll_event evs[CONNS];
    while (done < total) {
        int n = epoll_wait(ep, evs, s_conns, 10000);
        if (n <= 0) {
            fprintf(stderr, "%s: no response for 10 s\n", label);
            exit(1);
        }
        for (int k = 0; k < n; k++) {
            s_conn_t *c = evs[k].data.ptr;
            ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - c->have - 1);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN)
                    continue;
                fprintf(stderr, "%s: connection closed\n", label);
                exit(1);
            }
            c->have += (size_t)r;
            c->buf[c->have] = 0;
            size_t len = s_response_len(c->buf, c->have);
            if (!len)
                continue;
            memmove(c->buf, c->buf + len, c->have - len);
            c->have -= len;
            if (++done == WARMUP)
                t0 = stats_now_ns();
            else if (done > WARMUP)
                stats_add(&st, stats_now_ns() - c->sent_ns);
            if (issued < total)
                s_send(c, fn, issued++, arg);
        }
    }
    double rate = s_requests / ((double)(stats_now_ns() - t0) / 1e9);
    stats_report(&st, label, s_requests, t0, "req");
    for (int i = 0; i < s_conns; i++)
        close(conns[i].fd);
    free(conns);
    close(ep);
    return rate;
}

/* ---- the direct RPC ----------------------------------------------------- */

typedef struct {
    crm_rpc_client_t *client;
    const char *method;
    const ProtobufCMessageDescriptor *out;
    int64_t lead_id;
    int issued, done, total;
    uint64_t t0;
    stats_t st;
} s_rpc_t;

typedef struct {
    s_rpc_t *b;
    uint64_t sent_ns;
} s_rpc_call_t;

static void s_rpc_issue(s_rpc_t *b);

static void s_rpc_replied(void *arg, const crm_rpc_result_t *res)
{
    s_rpc_call_t *c = arg;
    s_rpc_t *b = c->b;
    if (res->status != CRM__STATUS__OK) {
        fprintf(stderr, "%s failed: %s\n", b->method, res->message);
        exit(1);
    }
    if (++b->done == WARMUP)
        b->t0 = stats_now_ns();
    else if (b->done > WARMUP)
        stats_add(&b->st, stats_now_ns() - c->sent_ns);
    free(c);
    if (b->issued < b->total)
        s_rpc_issue(b);
}

static void s_rpc_issue(s_rpc_t *b)
{
    s_rpc_call_t *c = calloc(1, sizeof *c);
    c->b = b;
    char name[64];
    Crm__Leads__GetLeadRequest get = CRM__LEADS__GET_LEAD_REQUEST__INIT;
    Crm__Leads__CreateLeadRequest create = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    const ProtobufCMessage *req = &get.base;
    get.id = b->lead_id;
    if (!strcmp(b->method, "Leads.Create")) {
        snprintf(name, sizeof name, "直连线索 %d", b->issued);
        create.name = name;
        create.source = "广告";
        req = &create.base;
    }
    b->issued++;
    c->sent_ns = stats_now_ns();
    crm_rpc_call(b->client, b->method, req, b->out, t_admin(0, 1), s_rpc_replied, c);
}

static double s_rpc_run(void *zctx, const char *endpoint, const char *method, int64_t lead_id,
                        const char *label)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    s_rpc_t b = {.method = method, .out = &crm__leads__lead__descriptor, .lead_id = lead_id};
    b.total = s_requests + WARMUP;
    b.client = crm_rpc_client_new(&loop, zctx, endpoint, 10000, 1);
    for (int i = 0; i < CONNS; i++)
        s_rpc_issue(&b);
    while (b.done < b.total)
        uv_run(&loop, UV_RUN_ONCE);
    double rate = s_requests / ((double)(stats_now_ns() - b.t0) / 1e9);
    stats_report(&b.st, label, s_requests, b.t0, "calls");
    crm_rpc_client_destroy(&b.client);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return rate;
}

/* The write path at 1 and 16 callers: POSTs through the gateway around
 * pgbench's bare transaction (A B A), the POSTs averaged. */
static void s_bench_write_path(h_t *h)
{
    char *bare = pgbench_bare_lead_script(h);
    double ours[2], raw[2];
    int depth[2] = {1, 16};
    for (int k = 0; k < 2; k++) {
        s_conns = depth[k];
        char label[64];
        snprintf(label, sizeof label, "POST /api/v1/leads, %d connection(s)", depth[k]);
        double a = s_http_run(label, s_post_lead_mobile, NULL);
        raw[k] = pgbench_run(h, "leads", bare, depth[k]);
        double b = s_http_run(label, s_post_lead_mobile, NULL);
        ours[k] = (a + b) / 2;
    }
    printf("\n");
    for (int k = 0; k < 2; k++)
        printf("%2d callers: POST through the gateway %.0f leads/s; pgbench, the lead and its"
               " outbox row only, %.0f/s: %.0f%%\n",
               depth[k], ours[k], raw[k], 100 * ours[k] / raw[k]);
    free(bare);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_requests = atoi(argv[1]);
    h_t *h = h_new("bench_gateway");
    h_suite(h, 1, 1, 0, 1);
    h_setenv(h, "CRM_LOG_LEVEL=warn");
    pgbench_pass_pool(h);
    h_start_all(h);
    h_setenv(h, "CRM_RATE_LIMIT_RPS=0");
    const char *base = h_gateway(h);
    s_port = atoi(strrchr(base, ':') + 1);
    char *token = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    s_token = token;
    t_resp_t r = t_expect(201, "POST", base, token, "{\"name\":\"读的线索\"}", "/api/v1/leads");
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", id);
    if (argc > 2 && !strcmp(argv[2], "write")) {
        s_bench_write_path(h);
        free(token);
        h_destroy(&h);
        return 0;
    }

    printf("gateway, %d connections, %d requests each (after %d warm-up)\n", CONNS, s_requests,
           WARMUP);
    /* Each pair runs A B B A, so a machine getting busier or quieter during
     * the run weighs on both sides alike; the averages are compared. */
    const char *leads = h_rpc(h, "leads");
    double bare = s_http_run("bare h2o reply (GET /healthz)", s_get, "/healthz");
    double g1 = s_http_run("GET /api/v1/leads/{id}", s_get_auth, path);
    double d1 = s_rpc_run(t_zctx(), leads, "Leads.Get", id, "direct RPC Leads.Get");
    double d2 = s_rpc_run(t_zctx(), leads, "Leads.Get", id, "direct RPC Leads.Get");
    double g2 = s_http_run("GET /api/v1/leads/{id}", s_get_auth, path);
    double p1 = s_http_run("POST /api/v1/leads", s_post_lead, NULL);
    double c1 = s_rpc_run(t_zctx(), leads, "Leads.Create", 0, "direct RPC Leads.Create");
    double c2 = s_rpc_run(t_zctx(), leads, "Leads.Create", 0, "direct RPC Leads.Create");
    double p2 = s_http_run("POST /api/v1/leads", s_post_lead, NULL);
    printf("\nbare h2o reply: %.0f req/s\n", bare);
    printf("GET  through the gateway %.0f req/s, direct RPC %.0f calls/s (%.0f%%)\n", (g1 + g2) / 2,
           (d1 + d2) / 2, 100 * (g1 + g2) / (d1 + d2));
    printf("POST through the gateway %.0f req/s, direct RPC %.0f calls/s (%.0f%%)\n", (p1 + p2) / 2,
           (c1 + c2) / 2, 100 * (p1 + p2) / (c1 + c2));
    free(token);
    h_destroy(&h);
    return 0;
}
