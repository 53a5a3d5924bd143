/* scheduler.h: what the scheduler service's files share. */
#ifndef SCHEDULER_H
#define SCHEDULER_H

#include <libpq-fe.h>

#include "crm/service.h"
#include "crm/txn.h"
#include "events.pb-c.h"
#include "scheduler.glue.h"
#include "scheduler.pb-c.h"

typedef struct {
    crm_service_t *svc;
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

/* The columns every job read selects, in the order scheduler_job_row reads. */
#define JOB_COLUMNS                                                                                \
    "name, interval_s, crm_us(next_fire_at), COALESCE(crm_us(last_fired_at), 0), runs,"            \
    " COALESCE(owner, '')"

void scheduler_store_prepare(crm_db_t *db);
void scheduler_job_row(const PGresult *r, int i, Crm__Scheduler__Job *job);
/* Every row of r (JOB_COLUMNS) as a job, in *jobs (*n of them); returns
 * the pointers to them (NULL-ended). The caller frees both. */
Crm__Scheduler__Job **scheduler_job_rows(const PGresult *r, Crm__Scheduler__Job **jobs, size_t *n);

/* Adds the scheduler.fired event of row i (JOB_COLUMNS) of r to b. */
void scheduler_emit_fired(crm_db_batch_t *b, const PGresult *r, int i, int manual);

/* Starts the tick that fires due jobs (every CRM_SCHEDULER_TICK_MS), and
 * its health check ("firing": not ok when no round has completed for
 * CRM_SCHEDULER_STALL_MS). */
void scheduler_jobs_start(scheduler_t *s);

/* Scheduler.DeclareJobs: a service's jobs upserted by name (scheduler_declare.c). */
void scheduler_declare_jobs(crm_rpc_call_t *call, const Crm__Scheduler__DeclareJobsRequest *req,
                            void *arg);

/* Serves every Scheduler.* RPC (fails the start if one has no handler). */
void scheduler_rpc_register(scheduler_t *s);

#endif
