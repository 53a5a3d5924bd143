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

/* Starts declaring crm_jobs to the scheduler at rpc_endpoints (on the next
 * loop iteration, so every job declared before the loop runs goes in the
 * first attempt), and the health check "jobs". Once per process. */
void crm_job_declarer_start(crm_service_t *svc, const char *rpc_endpoints);

#endif
