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
    crm_db_prepare(db, "job_schedule_lock",
                   "SELECT spec, COALESCE(crm_us(last_fired_at), 0) FROM scheduler_jobs"
                   " WHERE name = $1 FOR UPDATE");
    crm_db_prepare(
        db, "job_set_schedule",
        "UPDATE scheduler_jobs SET override_spec = $2, next_fire_at = " SCHEDULER_FROM_US(
            "$3::bigint") " WHERE name = $1 RETURNING " JOB_COLUMNS);
}

int scheduler_admin_only(crm_rpc_call_t *call)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (caller->role == CRM__ROLE__ROLE_ADMIN || caller->role == CRM__ROLE__ROLE_SYSTEM)
        return 1;
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin steers the jobs");
    return 0;
}

/* Pause or resume: the statement (round 1), the job as changed (the
 * reply). */
typedef struct {
    const char *stmt;
    const char *name;
} steer_t;

static void s_read(crm_txn_t *t)
{
    steer_t *st = crm_txn_data(t);
    const char *p[] = {st->name};
    crm_txn_read(t, "job", st->stmt, 1, p);
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

static void s_steer(crm_rpc_call_t *call, scheduler_t *s, const char *stmt, const char *name)
{
    steer_t *st = crm_calloc(1, sizeof *st);
    st->stmt = stmt;
    st->name = name;
    crm_txn_run(&s->env, call, &s_op, st);
}

static int s_named(crm_rpc_call_t *call, const char *name)
{
    return scheduler_admin_only(call) && crm_check_text(call, "name", name, CRM_JOB_MAX_NAME, 1);
}

static void s_pause(crm_rpc_call_t *call, const Crm__Scheduler__JobRequest *req, void *arg)
{
    if (s_named(call, req->name))
        s_steer(call, arg, "job_pause", req->name);
}

static void s_resume(crm_rpc_call_t *call, const Crm__Scheduler__JobRequest *req, void *arg)
{
    if (s_named(call, req->name))
        s_steer(call, arg, "job_resume", req->name);
}

/* ---- SetSchedule: read the job, compute its next due time, write ---- */

typedef struct {
    const char *name;
    crm_job_schedule_t when; /* the admin's (has_when), else the owner's, read */
    int has_when;
} schedule_t;

static void s_schedule_read(crm_txn_t *t)
{
    schedule_t *sc = crm_txn_data(t);
    const char *p[] = {sc->name};
    crm_txn_read(t, "job", "job_schedule_lock", 1, p);
}

static int s_schedule_written(crm_txn_t *t, const crm_db_result_t *res)
{
    Crm__Scheduler__Job job;
    scheduler_job_row(res->results[0], 0, &job);
    crm_txn_reply(t, &job.base);
    scheduler_job_clear(&job);
    return 0;
}

/* The schedule in force from now, counted from the last firing (an
 * every-schedule) or the next matching time. */
static int s_schedule_decide(crm_txn_t *t)
{
    schedule_t *sc = crm_txn_data(t);
    const PGresult *row = crm_txn_result(t, "job");
    if (PQntuples(row) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "name", "no job named %s", sc->name);
    crm_job_schedule_t when = sc->when;
    crm_err_t err;
    if (!sc->has_when && crm_job_spec_parse(crm_db_get(row, 0, 0), &when, &err) < 0)
        return crm_txn_refuse(t, CRM__STATUS__INTERNAL, NULL, "the job's schedule: %s",
                              err.message);
    int64_t now = crm_now_us(), next = crm_job_next(&when, crm_db_get_i64(row, 0, 1), now);
    char *spec = sc->has_when ? crm_job_spec(&when) : NULL, at[24];
    const char *p[] = {sc->name, spec, crm_i64(at, next > now ? next : now)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "job_set_schedule", 3, p);
    free(spec);
    return crm_txn_then(t, &b, s_schedule_written);
}

static const crm_txn_op_t s_schedule_op = {
    .read = s_schedule_read, .decide = s_schedule_decide, .done = free};

static void s_set_schedule(crm_rpc_call_t *call, const Crm__Scheduler__SetScheduleRequest *req,
                           void *arg)
{
    scheduler_t *s = arg;
    if (!s_named(call, req->name))
        return;
    schedule_t *sc = crm_calloc(1, sizeof *sc);
    sc->name = req->name;
    crm_err_t err;
    if (req->schedule && (crm_job_schedule_from_pb(req->schedule, &sc->when, &err) < 0 ||
                          crm_job_schedule_ok(&sc->when, &err) < 0)) {
        free(sc);
        crm_rpc_fail_err(call, &err);
        return;
    }
    sc->has_when = req->schedule != NULL; /* none: back to the owner's */
    crm_txn_run(&s->env, call, &s_schedule_op, sc);
}

void scheduler_admin_handlers(scheduler_t *s)
{
    s->handlers.pause_job = s_pause;
    s->handlers.resume_job = s_resume;
    s->handlers.set_schedule = s_set_schedule;
}
