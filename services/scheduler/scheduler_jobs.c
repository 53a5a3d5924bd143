/* scheduler_jobs.c: the tick that fires due jobs. A job is due by its
 * schedule (every so many seconds, daily at a local time, cron-like) or by
 * one of its records' timers (scheduler_timers.c). Each firing round is one
 * transaction: take the due jobs (skipping rows another instance holds),
 * move the next due time of those whose schedule was due (computed here),
 * delete the timers the firing covers, write one scheduler.fired per job,
 * commit. */
#include <stdio.h>
#include <stdlib.h>

#include "crm/job.h"
#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "scheduler.h"

void scheduler_store_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "job_list", JOB_WITH_RUN_SQL("ORDER BY name"));
    /* A firing round: the jobs due, by their schedule or by a record's
     * timer (a paused one does not fire), then each with its next due time
     * when its schedule was due (computed here, crm_job_next: a job that
     * missed several due times, the scheduler down or the job paused, fires
     * once; 0: a firing by timers only leaves it), its run counted, the
     * timers it covers deleted, and the due time it fired (the earliest
     * timer's when timers fired it). */
    crm_db_prepare(db, "job_take_due",
                   "SELECT name, COALESCE(override_spec, spec), crm_us(next_fire_at),"
                   " next_fire_at <= now() FROM scheduler_jobs j WHERE NOT paused AND"
                   " (next_fire_at <= now() OR EXISTS (SELECT 1 FROM scheduler_timers t"
                   " WHERE t.job = j.name AND t.due_at <= now()))"
                   " ORDER BY name FOR UPDATE SKIP LOCKED");
    crm_db_prepare(
        db, "job_fired",
        "WITH gone AS (DELETE FROM scheduler_timers t WHERE t.job = ANY($1::text[])"
        "  AND t.due_at <= now() RETURNING t.job, t.due_at),"
        " g AS (SELECT job, count(*) AS n, min(due_at) AS first FROM gone GROUP BY job)"
        " UPDATE scheduler_jobs j SET runs = runs + 1, last_fired_at = now(),"
        " next_fire_at = CASE WHEN d.next = 0 THEN j.next_fire_at ELSE " SCHEDULER_FROM_US(
            "d.next") " END FROM unnest($1::text[], $2::bigint[], $3::bigint[])"
                      " AS d(due_name, next, due) LEFT JOIN g ON g.job = d.due_name"
                      " WHERE j.name = d.due_name RETURNING " JOB_COLUMNS ","
                      " CASE WHEN d.next = 0 THEN crm_us(g.first) ELSE d.due END AS due_at_us,"
                      " COALESCE(g.n, 0) AS timers");
    /* A service's declaration: new jobs are due at their first time ($3:
     * at once for an every-schedule); a job declared again takes a changed
     * schedule (an every-schedule's next due time follows from its last
     * firing, another's is its first time) unless an admin's replaces it,
     * or, unchanged, is not written at all (its next due time stays).
     * Returns the jobs added, re-scheduled or claimed (a row left by an old
     * migration gets its owner). Sorted by name, so two declarations at
     * once lock their rows in one order. */
    crm_db_prepare(
        db, "job_declare",
        "INSERT INTO scheduler_jobs AS j (name, spec, next_fire_at, owner)"
        " SELECT d.name, d.spec, " SCHEDULER_FROM_US(
            "d.first") ", $4 FROM"
                       " unnest($1::text[], $2::text[], $3::bigint[]) AS d(name, spec, first)"
                       " ORDER BY d.name"
                       " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
                       "  spec = excluded.spec,"
                       "  next_fire_at = CASE WHEN j.spec = excluded.spec"
                       "    OR j.override_spec IS NOT NULL THEN j.next_fire_at"
                       "    WHEN excluded.spec LIKE 'every %' THEN COALESCE(j.last_fired_at"
                       "    + make_interval(secs => substr(excluded.spec, 7)::bigint), "
                       "j.next_fire_at)"
                       "    ELSE excluded.next_fire_at END"
                       " WHERE j.spec IS DISTINCT FROM excluded.spec"
                       "  OR j.owner IS DISTINCT FROM excluded.owner"
                       " RETURNING " JOB_COLUMNS);
    crm_db_prepare(db, "job_fire_now",
                   "UPDATE scheduler_jobs SET runs = runs + 1, last_fired_at = now()"
                   " WHERE name = $1 RETURNING " JOB_COLUMNS);
}

/* A stored schedule (column col of row i) as the proto carries it (its
 * text points into r); its seconds when it is an every-schedule. */
static Crm__Scheduler__Schedule *s_schedule(const PGresult *r, int i, const char *col,
                                            int64_t *every_s)
{
    int c = PQfnumber(r, col);
    crm_job_schedule_t when;
    crm_err_t err;
    if (c < 0 || crm_job_spec_parse(PQgetvalue(r, i, c), &when, &err) < 0)
        return NULL;
    Crm__Scheduler__Schedule *pb = crm_malloc(sizeof *pb);
    crm_job_schedule_pb(&when, pb);
    *every_s = when.kind == CRM_JOB_EVERY ? when.every_s : 0;
    return pb;
}

void scheduler_job_row(const PGresult *r, int i, Crm__Scheduler__Job *job)
{
    crm__scheduler__job__init(job);
    crm_err_t err;
    if (crm_row_to_message(r, i, &job->base, &err) < 0)
        crm_log(CRM_ERROR, "a job row does not map", "error", err.message, NULL);
    job->schedule = s_schedule(r, i, "schedule_spec", &job->interval_s);
    job->declared_schedule = s_schedule(r, i, "declared_spec", &job->declared_interval_s);
    int id = PQfnumber(r, "id");
    if (id < 0 || PQgetisnull(r, i, id))
        return;
    job->last_run = crm_calloc(1, sizeof *job->last_run);
    crm__scheduler__job_run__init(job->last_run);
    if (crm_row_to_message(r, i, &job->last_run->base, &err) < 0)
        crm_log(CRM_ERROR, "a run row does not map", "error", err.message, NULL);
}

void scheduler_job_clear(Crm__Scheduler__Job *job)
{
    free(job->last_run);
    free(job->schedule);
    free(job->declared_schedule);
    job->last_run = NULL;
    job->schedule = job->declared_schedule = NULL;
}

Crm__Scheduler__Job **scheduler_job_rows(const PGresult *r, Crm__Scheduler__Job **jobs, size_t *n)
{
    *n = (size_t)PQntuples(r);
    *jobs = crm_calloc(*n + 1, sizeof **jobs);
    Crm__Scheduler__Job **ptrs = crm_calloc(*n + 1, sizeof *ptrs);
    for (size_t i = 0; i < *n; i++) {
        scheduler_job_row(r, (int)i, &(*jobs)[i]);
        ptrs[i] = &(*jobs)[i];
    }
    return ptrs;
}

void scheduler_job_rows_free(Crm__Scheduler__Job **ptrs, Crm__Scheduler__Job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        scheduler_job_clear(&jobs[i]);
    free(ptrs);
    free(jobs);
}

void scheduler_emit_fired(crm_db_batch_t *b, const PGresult *r, int i, int manual)
{
    Crm__Scheduler__Job job;
    scheduler_job_row(r, i, &job);
    int due = PQfnumber(r, "due_at_us");
    Crm__Events__SchedulerFired ev = CRM__EVENTS__SCHEDULER_FIRED__INIT;
    ev.job = job.name;
    ev.run = job.runs;
    ev.due_at_us = manual || due < 0 ? job.last_fired_at_us : crm_db_get_i64(r, i, due);
    ev.manual = manual;
    int timers = PQfnumber(r, "timers");
    ev.timers = timers < 0 ? 0 : (uint32_t)crm_db_get_i64(r, i, timers);
    crm_outbox_add(b, "scheduler.fired", job.name, &ev.base);
    crm_log(CRM_INFO, "job fired", "job", job.name, "manual", manual ? "true" : "false", NULL);
    scheduler_job_clear(&job);
}

typedef struct {
    scheduler_t *s;
    crm_db_tx_t *tx;
    char **fired; /* the jobs the round fires, counted once it commits */
    size_t nfired;
} fire_t;

/* A firing round is over: err is why it failed, NULL if it did its work. */
static void s_fire_done(fire_t *f, const char *err)
{
    scheduler_t *s = f->s;
    s->firing = 0;
    free(s->last_error);
    s->last_error = NULL;
    if (err) {
        crm_log(CRM_WARN, "firing failed; the next tick retries", "error", err, NULL);
        if (!s->stopping) /* s_stop has freed it for the last time */
            s->last_error = crm_strdup(err);
    } else {
        s->fired_ok_ms = crm_mono_ms();
    }
    scheduler_metrics_round(s->metrics, !err);
    crm_strv_free(f->fired, f->nfired);
    free(f);
}

static void s_committed(void *arg, const crm_db_result_t *res)
{
    fire_t *f = arg;
    if (!res->err) {
        crm_relay_kick(f->s->relay);
        for (size_t i = 0; i < f->nfired; i++)
            scheduler_metrics_fired(f->s->metrics, f->fired[i]);
    }
    s_fire_done(f, res->err ? res->message : NULL);
}

/* The jobs fired, their next due times written: their events, commit. */
static void s_fired(void *arg, const crm_db_result_t *res)
{
    fire_t *f = arg;
    if (res->err) {
        crm_db_tx_rollback(f->tx);
        s_fire_done(f, res->message);
        return;
    }
    const PGresult *fired = res->results[0];
    crm_db_batch_t *b = crm_db_batch_new();
    f->nfired = (size_t)PQntuples(fired);
    f->fired = crm_calloc(f->nfired + 1, sizeof *f->fired);
    for (int i = 0; i < PQntuples(fired); i++) {
        scheduler_emit_fired(b, fired, i, 0);
        f->fired[i] = crm_strdup(crm_db_get(fired, i, 0));
    }
    crm_db_tx_commit(f->tx, &b, s_committed, f);
}

/* When a job whose schedule is due (row i of due: name, schedule, due
 * time) fires next. */
static int64_t s_next_due(const PGresult *due, int i, int64_t now)
{
    crm_job_schedule_t when;
    crm_err_t err;
    int64_t next = 0;
    if (crm_job_spec_parse(crm_db_get(due, i, 1), &when, &err) == 0)
        next = crm_job_next(&when, crm_db_get_i64(due, i, 2), now);
    if (next > now)
        return next;
    crm_log(CRM_ERROR, "a job's schedule gives no next time: an hour from now", "job",
            crm_db_get(due, i, 0), "schedule", crm_db_get(due, i, 1), NULL);
    return now + 3600 * 1000000LL;
}

static void s_taken(void *arg, const crm_db_result_t *res)
{
    fire_t *f = arg;
    if (res->err || PQntuples(res->results[0]) == 0) {
        crm_db_tx_rollback(f->tx);
        s_fire_done(f, res->err ? res->message : NULL);
        return;
    }
    const PGresult *due = res->results[0];
    int n = PQntuples(due);
    char **names = crm_calloc((size_t)n + 1, sizeof *names);
    int64_t *next = crm_calloc((size_t)n + 1, sizeof *next),
            *at = crm_calloc((size_t)n + 1, sizeof *at), now = crm_now_us();
    for (int i = 0; i < n; i++) {
        names[i] = (char *)crm_db_get(due, i, 0);
        at[i] = crm_db_get_i64(due, i, 2);
        next[i] = crm_db_get_bool(due, i, 3) ? s_next_due(due, i, now) : 0;
    }
    char *p[3] = {crm_db_text_array(names, (size_t)n), crm_db_i64_array(next, (size_t)n),
                  crm_db_i64_array(at, (size_t)n)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "job_fired", 3, (const char *const *)p);
    for (int k = 0; k < 3; k++)
        free(p[k]);
    free(names);
    free(next);
    free(at);
    crm_db_tx_submit(f->tx, &b, s_fired, f);
}

static void s_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    fire_t *f = arg;
    if (!tx) {
        s_fire_done(f, err ? err->message : "no database connection");
        return;
    }
    f->tx = tx;
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "job_take_due", 0, NULL);
    crm_db_tx_submit(tx, &b, s_taken, f);
}

static void s_tick(uv_timer_t *t)
{
    scheduler_t *s = t->data;
    if (s->firing || s->stopping)
        return;
    s->firing = 1;
    fire_t *f = crm_calloc(1, sizeof *f);
    f->s = s;
    crm_db_begin(s->db, s_began, f);
}

static void s_stop(void *arg)
{
    scheduler_t *s = arg;
    s->stopping = 1;
    uv_timer_stop(&s->tick);
    uv_close((uv_handle_t *)&s->tick, NULL);
    free(s->last_error);
    s->last_error = NULL;
}

/* "firing": ok while firing rounds complete. */
static void s_health(void *arg, crm_health_t *h)
{
    scheduler_t *s = arg;
    uint64_t ago = crm_mono_ms() - s->fired_ok_ms;
    if (ago > s->stall_ms)
        crm_health_check(h, "firing", 0, "no firing round has completed for %llu ms: %s",
                         (unsigned long long)ago,
                         s->last_error ? s->last_error
                         : s->firing   ? "a round gets no answer from the database"
                                       : "no round starts");
    else
        crm_health_check(h, "firing", 1, "last round completed %llu ms ago",
                         (unsigned long long)ago);
}

void scheduler_jobs_start(scheduler_t *s)
{
    s->tick_ms = (uint64_t)crm_env_int("CRM_SCHEDULER_TICK_MS", 250, 10, 3600000);
    s->stall_ms = (uint64_t)crm_env_int("CRM_SCHEDULER_STALL_MS", 10000, 100, 3600000);
    if (s->stall_ms < 2 * s->tick_ms)
        s->stall_ms = 2 * s->tick_ms;
    s->fired_ok_ms = crm_mono_ms();
    uv_timer_init(crm_service_loop(s->svc), &s->tick);
    s->tick.data = s;
    uv_timer_start(&s->tick, s_tick, s->tick_ms, s->tick_ms);
    crm_service_on_stop(s->svc, s_stop, s);
    crm_service_on_health(s->svc, s_health, s);
}
