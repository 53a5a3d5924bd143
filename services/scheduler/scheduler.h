/* scheduler.h: what the scheduler service's files share. */
#ifndef SCHEDULER_H
#define SCHEDULER_H

#include <libpq-fe.h>

#include "bus.pb-c.h"
#include "crm/service.h"
#include "crm/txn.h"
#include "events.pb-c.h"
#include "scheduler.glue.h"
#include "scheduler.pb-c.h"

/* Its figures on /metrics (scheduler_metrics.c). */
typedef struct scheduler_metrics scheduler_metrics_t;
/* Registers the figures' writer with svc (freed by scheduler_metrics_destroy
 * after the loop ends). */
scheduler_metrics_t *scheduler_metrics_new(crm_service_t *svc);
void scheduler_metrics_destroy(scheduler_metrics_t **m_p);
void scheduler_metrics_round(scheduler_metrics_t *m, int ok);
void scheduler_metrics_fired(scheduler_metrics_t *m, const char *job);
void scheduler_metrics_ran(scheduler_metrics_t *m, const char *job, int ok, double seconds);

typedef struct {
    crm_service_t *svc;
    scheduler_metrics_t *metrics;
    crm_db_t *db;
    crm_relay_t *relay;
    crm_txn_env_t env; /* where FireNow's change goes */
    uv_timer_t tick;
    int firing; /* a tick's transaction is in flight */
    int stopping;
    uint64_t tick_ms;     /* CRM_SCHEDULER_TICK_MS */
    uint64_t stall_ms;    /* CRM_SCHEDULER_STALL_MS: no firing round this long is a stall */
    uint64_t fired_ok_ms; /* the last firing round that completed */
    char *last_error;     /* why the last firing round failed; NULL after a success */
    scheduler_handlers_t handlers; /* what serves Scheduler.* (scheduler.glue.h) */
} scheduler_t;

/* The columns every job read selects, each named after its field of Job
 * (crm/rowmap.h), and its schedules as stored (crm_job_spec): the one in
 * force (an admin's override_spec, else its owner's spec) and the owner's. */
#define JOB_COLUMNS                                                                                \
    "name, COALESCE(override_spec, spec) AS schedule_spec, spec AS declared_spec,"                 \
    " crm_us(next_fire_at) AS next_fire_at_us, COALESCE(crm_us(last_fired_at), 0) AS"              \
    " last_fired_at_us, runs, COALESCE(owner, '') AS owner, paused,"                               \
    " override_spec IS NOT NULL AS overridden, COALESCE((SELECT crm_us(min(t.due_at)) FROM"        \
    " scheduler_timers t WHERE t.job = name), 0) AS next_timer_at_us"
/* Microseconds since the epoch (an SQL expression) as a time. */
#define SCHEDULER_FROM_US(x) "('epoch'::timestamptz + (" x ") * interval '1 microsecond')"

/* The same with the job's last run beside it (JobRun's fields), for the
 * job list and the admins' actions. */
#define JOB_WITH_RUN_SQL(where)                                                                    \
    "SELECT " JOB_COLUMNS ", r.* FROM scheduler_jobs LEFT JOIN LATERAL (SELECT " RUN_COLUMNS       \
    " FROM scheduler_runs r WHERE r.job = scheduler_jobs.name ORDER BY r.id DESC LIMIT 1) r ON"    \
    " true " where
/* A run's columns, named after JobRun's fields. */
#define RUN_COLUMNS                                                                                \
    "r.id, r.job, r.run, crm_us(r.due_at) AS due_at_us, r.manual, crm_us(r.started_at) AS"         \
    " started_at_us, crm_us(r.finished_at) AS finished_at_us, r.duration_ms, r.affected,"          \
    " r.outcome, r.error, r.instance"

void scheduler_store_prepare(crm_db_t *db);
/* Row i of r (JOB_COLUMNS) as a job (initialised here; strings point into
 * r); with its last_run when r has RUN_COLUMNS and the job has run
 * (allocated: scheduler_job_clear). */
void scheduler_job_row(const PGresult *r, int i, Crm__Scheduler__Job *job);
void scheduler_job_clear(Crm__Scheduler__Job *job);
/* Every row of r as a job, in *jobs (*n of them); returns the pointers to
 * them (NULL-ended). Free with scheduler_job_rows_free. */
Crm__Scheduler__Job **scheduler_job_rows(const PGresult *r, Crm__Scheduler__Job **jobs, size_t *n);
void scheduler_job_rows_free(Crm__Scheduler__Job **ptrs, Crm__Scheduler__Job *jobs, size_t n);

/* Adds the scheduler.fired event of row i (JOB_COLUMNS) of r to b: the due
 * time fired is its column due_at_us, or a manual firing's time. */
void scheduler_emit_fired(crm_db_batch_t *b, const PGresult *r, int i, int manual);

/* Starts the tick that fires due jobs (every CRM_SCHEDULER_TICK_MS), and
 * its health check ("firing": not ok when no round has completed for
 * CRM_SCHEDULER_STALL_MS). */
void scheduler_jobs_start(scheduler_t *s);

/* Scheduler.DeclareJobs: a service's jobs upserted by name (scheduler_declare.c). */
void scheduler_declare_jobs(crm_rpc_call_t *call, const Crm__Scheduler__DeclareJobsRequest *req,
                            void *arg);

/* The admins' steering (scheduler_admin.c): PauseJob, ResumeJob, SetSchedule. */
void scheduler_admin_handlers(scheduler_t *s);
void scheduler_admin_prepare(crm_db_t *db);
/* 1 if the caller is an admin (or the system); else refuses the call. */
int scheduler_admin_only(crm_rpc_call_t *call);

/* What the scheduler consumes from the services that own jobs
 * (scheduler_owners.c): starts one consumer per owner. */
void scheduler_owners_start(scheduler_t *s);

/* The run history (scheduler_runs.c): a job.ran report into
 * scheduler_runs (a crm_event_add_fn); ListRuns. */
void scheduler_runs_prepare(crm_db_t *db);
int scheduler_run_report(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                         crm_db_batch_t *b);
void scheduler_runs_handlers(scheduler_t *s);

/* The owners' per-record timers (scheduler_timers.c): a timer.set's
 * timers gathered (a crm_event_add_fn), and a batch's gathered timers
 * into scheduler_timers as one statement (the table's gathered). */
void scheduler_timers_prepare(crm_db_t *db);
int scheduler_timer_set(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                        crm_db_batch_t *b);
void scheduler_timers_gathered(void *arg, crm_db_batch_t *b);

/* Serves every Scheduler.* RPC (fails the start if one has no handler). */
void scheduler_rpc_register(scheduler_t *s);

#endif
