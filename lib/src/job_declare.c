/* job_declare.c: crm_job_declare (a job checked, added to the process's
 * jobs) and the jobs declared to the scheduler
 * (Scheduler.DeclareJobs), and the health check "jobs" (see job.h).
 *
 * One declarer per process sends every job it declared, with its schedule,
 * as one request: at the first loop iteration, again after a failed attempt
 * (back-off from 100 ms to 5 s: a scheduler that starts later gets it
 * within moments of answering; the RPC client holds an attempt until some
 * instance is connected, up to its deadline) and every CRM_JOB_DECLARE_MS
 * once taken (a scheduler that comes back on a restored or new database has
 * them again; an unchanged declaration writes nothing there). The
 * scheduler's answer names what it added or re-scheduled. */
#include <stdlib.h>

#include "crm/log.h"
#include "crm/util.h"
#include "job_impl.h"

#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 5000

/* The declarer lives as long as the process, as the jobs do. */
static struct {
    crm_service_t *svc;
    crm_rpc_client_t *rpc;
    uv_timer_t timer;
    uint64_t every_ms; /* CRM_JOB_DECLARE_MS */
    uint64_t retry_ms; /* the next pause after a failure */
    uint64_t taken_ms; /* when a scheduler last took the declaration; 0: never */
    char *last_error;  /* why the last attempt failed; NULL after a success */
    int stopping;
} s_d;

static void s_send(uv_timer_t *t);

static void s_failed(const crm_rpc_result_t *res)
{
    if (!s_d.last_error)
        crm_log(CRM_WARN, "jobs not declared; retrying", "status", crm_status_name(res->status),
                "error", res->message, NULL);
    free(s_d.last_error);
    s_d.last_error = crm_sprintf("%s: %s", crm_status_name(res->status), res->message);
    uv_timer_start(&s_d.timer, s_send, s_d.retry_ms, 0);
    s_d.retry_ms = s_d.retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s_d.retry_ms * 2;
}

static void s_replied(void *arg, const crm_rpc_result_t *res)
{
    if (s_d.stopping)
        return;
    if (res->status != CRM__STATUS__OK) {
        s_failed(res);
        return;
    }
    const Crm__Scheduler__DeclareJobsReply *reply = (const void *)res->payload;
    for (size_t i = 0; i < reply->n_changed; i++) {
        char every[24];
        crm_log(CRM_INFO, "job declared", "job", reply->changed[i]->name, "every_s",
                crm_i64(every, reply->changed[i]->interval_s), NULL);
    }
    if (!s_d.taken_ms || s_d.last_error) {
        char n[24];
        crm_log(CRM_INFO, "jobs declared", "jobs", crm_i64(n, crm_njobs), NULL);
    }
    free(s_d.last_error);
    s_d.last_error = NULL;
    s_d.taken_ms = crm_mono_ms();
    s_d.retry_ms = RETRY_FIRST_MS;
    uv_timer_start(&s_d.timer, s_send, s_d.every_ms, 0);
}

static void s_send(uv_timer_t *t)
{
    Crm__Scheduler__JobDeclaration decl[CRM_JOB_MAX], *ptrs[CRM_JOB_MAX];
    Crm__Scheduler__Schedule when[CRM_JOB_MAX];
    for (int i = 0; i < crm_njobs; i++) {
        crm__scheduler__job_declaration__init(&decl[i]);
        crm_job_schedule_pb(&crm_jobs[i].when, &when[i]);
        decl[i].name = (char *)crm_jobs[i].name;
        decl[i].schedule = &when[i];
        ptrs[i] = &decl[i];
    }
    Crm__Scheduler__DeclareJobsRequest req = CRM__SCHEDULER__DECLARE_JOBS_REQUEST__INIT;
    req.service = (char *)crm_service_config(s_d.svc)->service;
    req.n_jobs = (size_t)crm_njobs;
    req.jobs = ptrs;
    crm_rpc_call(s_d.rpc, "Scheduler.DeclareJobs", &req.base,
                 &crm__scheduler__declare_jobs_reply__descriptor, NULL, s_replied, NULL);
}

static void s_stop(void *arg)
{
    s_d.stopping = 1;
    uv_timer_stop(&s_d.timer);
    uv_close((uv_handle_t *)&s_d.timer, NULL);
    crm_rpc_client_destroy(&s_d.rpc); /* a pending attempt ends in s_replied, ignored */
    free(s_d.last_error);
    s_d.last_error = NULL;
}

/* "jobs": not ok until a scheduler has taken the declaration (until then
 * none of them fires); a later failed attempt is said, but the scheduler
 * keeps what it took. */
static void s_health(void *arg, crm_health_t *h)
{
    if (!s_d.taken_ms) {
        crm_health_check(h, "jobs", 0, "%d jobs not declared yet: %s", crm_njobs,
                         s_d.last_error ? s_d.last_error : "waiting for the scheduler");
        return;
    }
    crm_health_check(h, "jobs", 1, "%d jobs declared to the scheduler %llu ms ago%s%s", crm_njobs,
                     (unsigned long long)(crm_mono_ms() - s_d.taken_ms),
                     s_d.last_error ? "; the last attempt failed: " : "",
                     s_d.last_error ? s_d.last_error : "");
}

/* Starts declaring crm_jobs to the scheduler at rpc_endpoints (on the next
 * loop iteration, so every job declared before the loop runs goes in the
 * first attempt), and the health check "jobs". Once per process. */
static void s_declarer_start(crm_service_t *svc, const char *rpc_endpoints)
{
    const crm_config_t *cfg = crm_service_config(svc);
    char **eps;
    size_t n = crm_split_csv(rpc_endpoints, &eps);
    crm_strv_free(eps, n);
    s_d.svc = svc;
    s_d.every_ms = (uint64_t)crm_env_int("CRM_JOB_DECLARE_MS", 60000, 100, 86400000);
    s_d.retry_ms = RETRY_FIRST_MS;
    s_d.rpc = crm_rpc_client_new(crm_service_loop(svc), crm_service_zctx(svc), rpc_endpoints,
                                 (unsigned)cfg->rpc_deadline_ms, n ? (unsigned)n : 1);
    if (!s_d.rpc) {
        crm_log(CRM_ERROR, "bad scheduler endpoints", "endpoints", rpc_endpoints, NULL);
        exit(2);
    }
    uv_timer_init(crm_service_loop(svc), &s_d.timer);
    uv_timer_start(&s_d.timer, s_send, 0, 0);
    crm_service_on_stop(svc, s_stop, NULL);
    crm_service_on_health(svc, s_health, NULL);
}

void crm_job_declare(crm_service_t *svc, const char *job, crm_job_schedule_t when, crm_job_fn work,
                     void *arg)
{
    crm_err_t err;
    if (crm_job_check(crm_service_config(svc)->service, job, &when, &err) < 0) {
        crm_log(CRM_ERROR, "bad job declaration", "job", job, "error", err.message, NULL);
        abort();
    }
    if (crm_job_add(svc, job, when, work, arg) == 1)
        s_declarer_start(svc, crm_peer_rpc(CRM_JOB_SCHEDULER, ""));
}
