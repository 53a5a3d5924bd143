/* scheduler_rpc.c: the Scheduler.* request handlers. */
#include <stdlib.h>

#include "crm/check.h"
#include "crm/util.h"
#include "scheduler.h"

typedef struct {
    scheduler_t *s;
    crm_rpc_call_t *call;
    crm_db_tx_t *tx;
    PGresult *row;
} req_t;

static void s_listed(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    const PGresult *r = res->results[0];
    int n = PQntuples(r);
    Crm__Scheduler__Job *jobs = crm_calloc((size_t)n, sizeof *jobs);
    Crm__Scheduler__Job **ptrs = crm_calloc((size_t)n, sizeof *ptrs);
    for (int i = 0; i < n; i++) {
        scheduler_job_row(r, i, &jobs[i]);
        ptrs[i] = &jobs[i];
    }
    Crm__Scheduler__ListJobsReply reply = CRM__SCHEDULER__LIST_JOBS_REPLY__INIT;
    reply.n_jobs = (size_t)n;
    reply.jobs = ptrs;
    crm_rpc_reply(call, &reply.base);
    free(ptrs);
    free(jobs);
}

static void s_list(crm_rpc_call_t *call, const Crm__Empty *req, void *arg)
{
    scheduler_t *s = arg;
    crm_db_exec(s->db, "job_list", 0, NULL, s_listed, call);
}

static void s_fired(void *arg, const crm_db_result_t *res)
{
    req_t *r = arg;
    if (res->err) {
        crm_fail_db(r->call, res);
    } else {
        Crm__Scheduler__Job job;
        scheduler_job_row(r->row, 0, &job);
        crm_rpc_reply(r->call, &job.base);
        crm_relay_kick(r->s->relay);
    }
    PQclear(r->row);
    free(r);
}

static void s_fire_updated(void *arg, const crm_db_result_t *res)
{
    req_t *r = arg;
    const Crm__Scheduler__FireNowRequest *req =
        (const Crm__Scheduler__FireNowRequest *)crm_rpc_call_request(r->call);
    if (res->err || PQntuples(res->results[0]) == 0) {
        crm_db_tx_rollback(r->tx);
        if (res->err)
            crm_fail_db(r->call, res);
        else
            crm_rpc_fail(r->call, CRM__STATUS__NOT_FOUND, "name", "no job named %s", req->name);
        free(r);
        return;
    }
    r->row = PQcopyResult(res->results[0], PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    crm_db_batch_t *b = crm_db_batch_new();
    scheduler_emit_fired(b, r->row, 0, 1);
    crm_db_tx_commit(r->tx, &b, s_fired, r);
}

static void s_fire_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    req_t *r = arg;
    if (!tx) {
        crm_fail_db(r->call, err);
        free(r);
        return;
    }
    r->tx = tx;
    const Crm__Scheduler__FireNowRequest *req =
        (const Crm__Scheduler__FireNowRequest *)crm_rpc_call_request(r->call);
    const char *p[] = {req->name};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "job_fire_now", 1, p);
    crm_db_tx_submit(tx, &b, s_fire_updated, r);
}

static void s_fire_now(crm_rpc_call_t *call, const Crm__Scheduler__FireNowRequest *req, void *arg)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (!crm_check_text(call, "name", req->name, 100, 1))
        return;
    if (caller->role != CRM__ROLE__ROLE_ADMIN && caller->role != CRM__ROLE__ROLE_SYSTEM) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin may fire jobs");
        return;
    }
    req_t *r = crm_calloc(1, sizeof *r);
    r->s = arg;
    r->call = call;
    crm_db_begin(r->s->db, s_fire_began, r);
}

void scheduler_rpc_register(scheduler_t *s)
{
    s->handlers = (scheduler_handlers_t){.arg = s, .list_jobs = s_list, .fire_now = s_fire_now};
    scheduler_serve(crm_service_rpc(s->svc), &s->handlers);
}
