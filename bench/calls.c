/* calls.c: RPC calls kept in flight on one loop, from one client or
 * several callers (calls.h). */
#include "calls.h"
#include "seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "stats.h"

typedef struct runner runner_t;

/* One caller: its client and the next call it makes. */
typedef struct {
    runner_t *r;
    crm_rpc_client_t *client;
    int next, inflight;
} caller_t;

struct runner {
    uv_loop_t loop;
    const calls_spec_t *spec;
    caller_t *callers;
    int ncallers, inflight, done, total;
    stats_t st;
};

typedef struct {
    caller_t *c;
    int i;
    uint64_t sent;
} pending_t;

static void s_issue(caller_t *c);

static void s_replied(void *arg, const crm_rpc_result_t *res)
{
    pending_t *p = arg;
    caller_t *c = p->c;
    runner_t *r = c->r;
    const calls_spec_t *spec = r->spec;
    int ok = spec->check ? spec->check(spec->arg, p->i, res) == 0 : res->status == CRM__STATUS__OK;
    if (!ok) {
        fprintf(stderr, "%s failed: %s [%s]\n", spec->method, res->message,
                res->field ? res->field : "");
        exit(1);
    }
    stats_add(&r->st, stats_now_ns() - p->sent);
    r->done++;
    c->inflight--;
    free(p);
    s_issue(c);
}

static void s_issue(caller_t *c)
{
    runner_t *r = c->r;
    while (c->next < r->total && c->inflight < r->inflight) {
        pending_t *p = malloc(sizeof *p);
        p->c = c;
        p->i = c->next;
        const Crm__Caller *caller = NULL;
        const ProtobufCMessage *req = r->spec->make(r->spec->arg, p->i, &caller);
        c->next += r->ncallers;
        c->inflight++;
        p->sent = stats_now_ns();
        crm_rpc_call(c->client, r->spec->method, req, r->spec->out, caller, s_replied, p);
    }
}

double calls_run_spec(void *zctx, const calls_spec_t *spec, int total, int callers, int inflight)
{
    runner_t r = {.spec = spec, .ncallers = callers, .inflight = inflight, .total = total};
    uv_loop_init(&r.loop);
    r.callers = calloc((size_t)callers, sizeof *r.callers);
    for (int k = 0; k < callers; k++) {
        r.callers[k] = (caller_t){.r = &r, .next = k};
        r.callers[k].client = crm_rpc_client_new(&r.loop, zctx, spec->endpoint, 10000, 1);
    }
    uint64_t t0 = stats_now_ns();
    for (int k = 0; k < callers; k++)
        s_issue(&r.callers[k]);
    while (r.done < r.total)
        uv_run(&r.loop, UV_RUN_ONCE);
    double rate = (double)total / ((double)(stats_now_ns() - t0) / 1e9);
    stats_print(&r.st, spec->label);
    stats_free(&r.st);
    for (int k = 0; k < callers; k++)
        crm_rpc_client_destroy(&r.callers[k].client);
    uv_run(&r.loop, UV_RUN_DEFAULT);
    uv_loop_close(&r.loop);
    free(r.callers);
    return rate;
}

double calls_run(void *zctx, const char *endpoint, const char *method,
                 const ProtobufCMessageDescriptor *out, calls_make_fn make, void *arg, int total,
                 int inflight, const char *label)
{
    calls_spec_t spec = {.endpoint = endpoint,
                         .method = method,
                         .out = out,
                         .make = make,
                         .arg = arg,
                         .label = label};
    return calls_run_spec(zctx, &spec, total, 1, inflight);
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

const Crm__Caller *calls_seeded_caller(int role, int i)
{
    static int64_t everyone[SEED_OWNERS], user;
    for (int t = 0; t < SEED_OWNERS; t++)
        everyone[t] = t + 1;
    user = 1 + (i * 37) % SEED_OWNERS;
    if (role == 0)
        return calls_caller(CRM__ROLE__ROLE_EMPLOYEE, user, 1 + (user - 1) / SEED_TEAM, 0, &user,
                            1);
    if (role == 1)
        return calls_caller(CRM__ROLE__ROLE_MANAGER, 5000, CALLS_DIVISION, 0, everyone,
                            SEED_OWNERS);
    return calls_caller(CRM__ROLE__ROLE_ADMIN, 1, 1, 1, NULL, 0);
}
