/* calls.c: RPC calls kept in flight on one loop (calls.h). */
#include "calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "crm/rpc.h"
#include "stats.h"

typedef struct {
    uv_loop_t loop;
    crm_rpc_client_t *client;
    const char *method;
    const ProtobufCMessageDescriptor *out;
    calls_make_fn make;
    void *arg;
    int inflight, issued, done, total;
    stats_t st;
} runner_t;

typedef struct {
    runner_t *r;
    uint64_t sent;
} pending_t;

static void s_issue(runner_t *r);

static void s_replied(void *arg, const crm_rpc_result_t *res)
{
    pending_t *p = arg;
    runner_t *r = p->r;
    if (res->status != CRM__STATUS__OK) {
        fprintf(stderr, "%s failed: %s [%s]\n", r->method, res->message,
                res->field ? res->field : "");
        exit(1);
    }
    stats_add(&r->st, stats_now_ns() - p->sent);
    r->done++;
    free(p);
    s_issue(r);
}

static void s_issue(runner_t *r)
{
    while (r->issued < r->total && r->issued - r->done < r->inflight) {
        pending_t *p = malloc(sizeof *p);
        p->r = r;
        const Crm__Caller *caller = NULL;
        const ProtobufCMessage *req = r->make(r->arg, r->issued, &caller);
        r->issued++;
        p->sent = stats_now_ns();
        crm_rpc_call(r->client, r->method, req, r->out, caller, s_replied, p);
    }
}

double calls_run(void *zctx, const char *endpoint, const char *method,
                 const ProtobufCMessageDescriptor *out, calls_make_fn make, void *arg, int total,
                 int inflight, const char *label)
{
    runner_t r = {.method = method,
                  .out = out,
                  .make = make,
                  .arg = arg,
                  .inflight = inflight,
                  .total = total};
    uv_loop_init(&r.loop);
    r.client = crm_rpc_client_new(&r.loop, zctx, endpoint, 10000, 1);
    uint64_t t0 = stats_now_ns();
    s_issue(&r);
    while (r.done < r.total)
        uv_run(&r.loop, UV_RUN_ONCE);
    double rate = (double)total / ((double)(stats_now_ns() - t0) / 1e9);
    stats_print(&r.st, label);
    stats_free(&r.st);
    crm_rpc_client_destroy(&r.client);
    uv_run(&r.loop, UV_RUN_DEFAULT);
    uv_loop_close(&r.loop);
    return rate;
}

const Crm__Caller *calls_caller(Crm__Role role, int64_t user, int64_t dept, int all,
                                const int64_t *users, size_t n)
{
    static Crm__Caller c;
    static Crm__DataScope scope;
    crm__caller__init(&c);
    crm__data_scope__init(&scope);
    c.user_id = user;
    c.department_id = dept;
    c.role = role;
    c.scope = &scope;
    scope.all = all;
    scope.user_ids = (int64_t *)users;
    scope.n_user_ids = n;
    return &c;
}
