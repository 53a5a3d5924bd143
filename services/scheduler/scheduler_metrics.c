/* scheduler_metrics.c: the scheduler's own figures on /metrics
 * (crm/metrics.h, beside the common ones): its firing rounds by outcome,
 * the jobs it fired (counted once their round committed), and the runs
 * their owners reported, by outcome, with their duration (counted as each
 * report is applied: a consumer batch applied again after a failure counts
 * its reports again). Each instance counts its own: sum them. */
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "scheduler.h"

typedef struct job_stats {
    char *job;
    uint64_t fired, runs_ok, runs_failed;
    crm_hist_t run_seconds;
    struct job_stats *next;
} job_stats_t;

struct scheduler_metrics {
    job_stats_t *jobs;
    uint64_t rounds[2]; /* ok, failed */
};

static job_stats_t *s_job(scheduler_metrics_t *m, const char *job)
{
    for (job_stats_t *j = m->jobs; j; j = j->next)
        if (!strcmp(j->job, job))
            return j;
    job_stats_t *j = crm_calloc(1, sizeof *j);
    j->job = crm_strdup(job);
    j->next = m->jobs;
    m->jobs = j;
    return j;
}

void scheduler_metrics_round(scheduler_metrics_t *m, int ok)
{
    m->rounds[ok ? 0 : 1]++;
}

void scheduler_metrics_fired(scheduler_metrics_t *m, const char *job)
{
    s_job(m, job)->fired++;
}

void scheduler_metrics_ran(scheduler_metrics_t *m, const char *job, int ok, double seconds)
{
    job_stats_t *j = s_job(m, job);
    if (ok)
        j->runs_ok++;
    else
        j->runs_failed++;
    crm_hist_observe(&j->run_seconds, seconds);
}

static void s_write(void *arg, crm_metrics_t *out)
{
    scheduler_metrics_t *m = arg;
    crm_metrics_family(out, "crm_scheduler_rounds_total", "counter",
                       "Firing rounds of this instance, by outcome");
    crm_metrics_value(out, "crm_scheduler_rounds_total", (double)m->rounds[0], "outcome", "ok",
                      NULL);
    crm_metrics_value(out, "crm_scheduler_rounds_total", (double)m->rounds[1], "outcome", "failed",
                      NULL);
    crm_metrics_family(out, "crm_scheduler_fired_total", "counter",
                       "Jobs fired by this instance (scheduler.fired committed), by job");
    for (job_stats_t *j = m->jobs; j; j = j->next)
        if (j->fired)
            crm_metrics_value(out, "crm_scheduler_fired_total", (double)j->fired, "job", j->job,
                              NULL);
    crm_metrics_family(out, "crm_scheduler_runs_total", "counter",
                       "Runs reported by the jobs' owners (job.ran), by job and outcome");
    for (job_stats_t *j = m->jobs; j; j = j->next) {
        if (j->runs_ok)
            crm_metrics_value(out, "crm_scheduler_runs_total", (double)j->runs_ok, "job", j->job,
                              "outcome", "ok", NULL);
        if (j->runs_failed)
            crm_metrics_value(out, "crm_scheduler_runs_total", (double)j->runs_failed, "job",
                              j->job, "outcome", "failed", NULL);
    }
    crm_metrics_family(out, "crm_scheduler_run_seconds", "histogram",
                       "How long the owners' runs took, by job");
    for (job_stats_t *j = m->jobs; j; j = j->next)
        if (j->run_seconds.count)
            crm_metrics_hist(out, "crm_scheduler_run_seconds", &j->run_seconds, "job", j->job,
                             NULL);
}

scheduler_metrics_t *scheduler_metrics_new(crm_service_t *svc)
{
    scheduler_metrics_t *m = crm_calloc(1, sizeof *m);
    crm_service_on_metrics(svc, s_write, m);
    return m;
}

void scheduler_metrics_destroy(scheduler_metrics_t **m_p)
{
    if (!m_p || !*m_p)
        return;
    for (job_stats_t *j = (*m_p)->jobs, *next; j; j = next) {
        next = j->next;
        free(j->job);
        free(j);
    }
    free(*m_p);
    *m_p = NULL;
}
