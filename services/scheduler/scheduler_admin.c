/* scheduler_admin.c: admins steer the jobs (Scheduler.PauseJob, ResumeJob,
 * SetSchedule; over HTTP under /api/v1/scheduler/jobs/{name}). A paused
 * job does not fire on schedule (FireNow still fires it); resumed, a due
 * time it missed fires once, as after a scheduler outage. An admin's
 * schedule replaces the one its owner declares (the owner's declarations
 * keep arriving and are kept beside it) until it is cleared. Each is one
 * transaction under the call's idempotency key. */
#include <stdio.h>
#include <stdlib.h>

#include "crm/check.h"
#include "crm/job.h"
#include "crm/util.h"
#include "scheduler.h"

void scheduler_admin_prepare(crm_db_t *db)
{
    crm_db_prepare(
        db, "job_pause",
        "UPDATE scheduler_jobs SET paused = true WHERE name = $1 RETURNING " JOB_COLUMNS);
    crm_db_prepare(db, "job_resume",
                   "UPDATE scheduler_jobs SET paused = false WHERE name = $1"
                   " RETURNING " JOB_COLUMNS);
    /* The new schedule counts from the last firing, never into the past. */
    crm_db_prepare(
        db, "job_set_schedule",
        "UPDATE scheduler_jobs SET override_s = $2::bigint, next_fire_at = GREATEST(now(),"
        " COALESCE(last_fired_at, now()) + make_interval(secs => COALESCE($2::bigint,"
        " interval_s))) WHERE name = $1 RETURNING " JOB_COLUMNS);
}

int scheduler_admin_only(crm_rpc_call_t *call)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (caller->role == CRM__ROLE__ROLE_ADMIN || caller->role == CRM__ROLE__ROLE_SYSTEM)
        return 1;
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin steers the jobs");
    return 0;
}

/* One change of a job: the statement and its parameters (round 1), the
 * job as changed (the reply). */
typedef struct {
    const char *stmt;
    int nparams; /* the name, and a schedule's seconds (NULL: the owner's) */
    const char *name;
    char every[24];
    int has_every;
} steer_t;

static void s_read(crm_txn_t *t)
{
    steer_t *st = crm_txn_data(t);
    const char *p[] = {st->name, st->has_every ? st->every : NULL};
    crm_txn_read(t, "job", st->stmt, st->nparams, p);
}

static int s_decide(crm_txn_t *t)
{
    steer_t *st = crm_txn_data(t);
    const PGresult *row = crm_txn_result(t, "job");
    if (PQntuples(row) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "name", "no job named %s", st->name);
    Crm__Scheduler__Job job;
    scheduler_job_row(row, 0, &job);
    crm_txn_reply(t, &job.base);
    scheduler_job_clear(&job);
    return 0;
}

static const crm_txn_op_t s_op = {.read = s_read, .decide = s_decide, .done = free};

static void s_steer(crm_rpc_call_t *call, scheduler_t *s, const char *stmt, int nparams,
                    const char *name, const int64_t *every)
{
    steer_t *st = crm_calloc(1, sizeof *st);
    st->stmt = stmt;
    st->nparams = nparams;
    st->name = name;
    if (every) {
        st->has_every = 1;
        snprintf(st->every, sizeof st->every, "%lld", (long long)*every);
    }
    crm_txn_run(&s->env, call, &s_op, st);
}

static int s_named(crm_rpc_call_t *call, const char *name)
{
    return scheduler_admin_only(call) && crm_check_text(call, "name", name, CRM_JOB_MAX_NAME, 1);
}

static void s_pause(crm_rpc_call_t *call, const Crm__Scheduler__JobRequest *req, void *arg)
{
    if (s_named(call, req->name))
        s_steer(call, arg, "job_pause", 1, req->name, NULL);
}

static void s_resume(crm_rpc_call_t *call, const Crm__Scheduler__JobRequest *req, void *arg)
{
    if (s_named(call, req->name))
        s_steer(call, arg, "job_resume", 1, req->name, NULL);
}

static void s_set_schedule(crm_rpc_call_t *call, const Crm__Scheduler__SetScheduleRequest *req,
                           void *arg)
{
    if (!s_named(call, req->name))
        return;
    if (!req->schedule) { /* back to the owner's */
        s_steer(call, arg, "job_set_schedule", 2, req->name, NULL);
        return;
    }
    crm_job_schedule_t when;
    crm_err_t err;
    if (crm_job_schedule_from_pb(req->schedule, &when, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (when.every_s < 1 || when.every_s > CRM_JOB_MAX_EVERY_S) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "schedule.every_s",
                     "every_s is 1 .. %d seconds", CRM_JOB_MAX_EVERY_S);
        return;
    }
    s_steer(call, arg, "job_set_schedule", 2, req->name, &when.every_s);
}

void scheduler_admin_handlers(scheduler_t *s)
{
    s->handlers.pause_job = s_pause;
    s->handlers.resume_job = s_resume;
    s->handlers.set_schedule = s_set_schedule;
}
