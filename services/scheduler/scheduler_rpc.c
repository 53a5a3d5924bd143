/* scheduler_rpc.c: the Scheduler.* request handlers. */
#include <stdlib.h>

#include "crm/check.h"
#include "crm/txn.h"
#include "crm/util.h"
#include "scheduler.h"

static void s_listed(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    Crm__Scheduler__Job *jobs;
    size_t n;
    Crm__Scheduler__Job **ptrs = scheduler_job_rows(res->results[0], &jobs, &n);
    Crm__Scheduler__ListJobsReply reply = CRM__SCHEDULER__LIST_JOBS_REPLY__INIT;
    reply.n_jobs = n;
    reply.jobs = ptrs;
    crm_rpc_reply(call, &reply.base);
    scheduler_job_rows_free(ptrs, jobs, n);
}

static void s_list(crm_rpc_call_t *call, const Crm__Empty *req, void *arg)
{
    (void)req;
    if (!scheduler_admin_only(call))
        return;
    scheduler_t *s = arg;
    crm_db_exec(s->db, "job_list", 0, NULL, s_listed, call);
}

/* Round 1 moves the job's run counter (rolled back if the firing is
 * refused); the decision writes its scheduler.fired. A retried call fires
 * once (its stored reply answers the retry). */
static void s_fire_read(crm_txn_t *t)
{
    const Crm__Scheduler__FireNowRequest *req = crm_txn_request(t);
    const char *p[] = {req->name};
    crm_txn_read(t, "job", "job_fire_now", 1, p);
}

static int s_fire_decide(crm_txn_t *t)
{
    const Crm__Scheduler__FireNowRequest *req = crm_txn_request(t);
    const PGresult *row = crm_txn_result(t, "job");
    if (PQntuples(row) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "name", "no job named %s", req->name);
    scheduler_emit_fired(crm_txn_batch(t), row, 0, 1);
    Crm__Scheduler__Job job;
    scheduler_job_row(row, 0, &job);
    crm_txn_reply(t, &job.base);
    scheduler_job_clear(&job);
    return 0;
}

static const crm_txn_op_t s_fire_op = {.read = s_fire_read, .decide = s_fire_decide};

static void s_fire_now(crm_rpc_call_t *call, const Crm__Scheduler__FireNowRequest *req, void *arg)
{
    if (!scheduler_admin_only(call) || !crm_check_text(call, "name", req->name, 100, 1))
        return;
    scheduler_t *s = arg;
    crm_txn_run(&s->env, call, &s_fire_op, NULL);
}

void scheduler_rpc_register(scheduler_t *s)
{
    s->handlers = (scheduler_handlers_t){.arg = s,
                                         .list_jobs = s_list,
                                         .fire_now = s_fire_now,
                                         .declare_jobs = scheduler_declare_jobs};
    scheduler_admin_handlers(s);
    scheduler_runs_handlers(s);
    scheduler_serve(crm_service_rpc(s->svc), &s->handlers);
}
