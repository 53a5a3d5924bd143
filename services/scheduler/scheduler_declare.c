/* scheduler_declare.c: Scheduler.DeclareJobs, the jobs a service declares
 * at its start. Each declaration is one upsert by name (job_declare in
 * scheduler_jobs.c): idempotent, so every instance of a service may declare
 * at start and again while it runs, and two scheduler instances taking
 * declarations at once both commit the same rows. Firing is untouched: the
 * tick still takes due rows FOR UPDATE SKIP LOCKED. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/job.h"
#include "crm/log.h"
#include "crm/util.h"
#include "scheduler.h"

static void s_declared(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    Crm__Scheduler__Job *jobs;
    size_t n;
    Crm__Scheduler__Job **ptrs = scheduler_job_rows(res->results[0], &jobs, &n);
    for (size_t i = 0; i < n; i++) {
        crm_log(CRM_INFO, "job declared", "job", jobs[i].name, "owner", jobs[i].owner, NULL);
    }
    Crm__Scheduler__DeclareJobsReply reply = CRM__SCHEDULER__DECLARE_JOBS_REPLY__INIT;
    reply.n_changed = n;
    reply.changed = ptrs;
    crm_rpc_reply(call, &reply.base);
    scheduler_job_rows_free(ptrs, jobs, n);
}

void scheduler_declare_jobs(crm_rpc_call_t *call, const Crm__Scheduler__DeclareJobsRequest *req,
                            void *arg)
{
    scheduler_t *s = arg;
    if (crm_rpc_call_caller(call)->role != CRM__ROLE__ROLE_SYSTEM) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL,
                     "only a service declares its jobs");
        return;
    }
    if (!crm_check_text(call, "service", req->service, 60, 1))
        return;
    if (req->n_jobs == 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "jobs", "no jobs declared");
        return;
    }
    char **names = crm_calloc(req->n_jobs, sizeof *names),
         **specs = crm_calloc(req->n_jobs, sizeof *specs);
    int64_t *first = crm_calloc(req->n_jobs, sizeof *first), now = crm_now_us();
    size_t n = req->n_jobs; /* a refusal frees req */
    crm_err_t err = {0};
    size_t bad = 0;
    for (size_t i = 0; i < req->n_jobs && !err.status; i++) {
        crm_job_schedule_t when;
        names[i] = req->jobs[i]->name;
        bad = i;
        if (crm_job_schedule_from_pb(req->jobs[i]->schedule, &when, &err) == 0 &&
            crm_job_check(req->service, names[i], &when, &err) == 0) {
            specs[i] = crm_job_spec(&when);
            first[i] = crm_job_next(&when, 0, now); /* every: at once */
        }
        for (size_t k = 0; k < i && !err.status; k++)
            if (strcmp(names[k], names[i]) == 0)
                crm_err_invalid(&err, "name", "%s: declared twice", names[i]);
    }
    if (err.status) {
        crm_rpc_fail(call, err.status, "jobs", "job %zu: %s", bad, err.message); /* frees req */
    } else {
        char *p[4] = {crm_db_text_array(names, req->n_jobs), crm_db_text_array(specs, req->n_jobs),
                      crm_db_i64_array(first, req->n_jobs), req->service};
        crm_db_exec(s->db, "job_declare", 4, (const char *const *)p, s_declared, call);
        for (int k = 0; k < 3; k++)
            free(p[k]);
    }
    crm_strv_free(specs, n);
    free(first);
    free(names);
}
