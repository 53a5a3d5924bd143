/* job_impl.h: what the files of a service's jobs share (job.c: the jobs
 * declared here and the consumer that runs them; job_declare.c: their
 * declaration to the scheduler). Not part of lib's public face. */
#ifndef CRM_JOB_IMPL_H
#define CRM_JOB_IMPL_H

#include "crm/job.h"

/* The scheduler's name: its events' producer and its endpoints
 * (CRM_SCHEDULER_RPC / _PUB). The job kit is the scheduler's client. */
#define CRM_JOB_SCHEDULER "scheduler"

#define CRM_JOB_MAX 16

typedef struct {
    const char *name;
    crm_job_schedule_t when;
    crm_job_fn work;
    void *arg;
} crm_job_t;

/* The jobs this process declared, in the order declared. They live as long
 * as the process: a batch in flight may still use them while it stops. */
extern crm_job_t crm_jobs[CRM_JOB_MAX];
extern int crm_njobs;

/* Adds a checked job to crm_jobs (job.c). Returns 1 for the first job, once
 * the consumer of the scheduler's firings runs (the declarer is then
 * started), 0 for a later one, -1 for the first when no scheduler is
 * configured (logged). A job declared twice, or too many, aborts. */
int crm_job_add(crm_service_t *svc, const char *job, crm_job_schedule_t when, crm_job_fn work,
                void *arg);

#endif
