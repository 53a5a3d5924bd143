/* job.c: a service's jobs: their rule, their declaration here, and their
 * work done once by the consumer of the scheduler's firings, or now for a
 * call, through one run handle (its transaction, the cached copies to drop
 * after the commit); the paged loop inside a transaction (see job.h).
 * Declaring them to the scheduler is job_declare.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/consumer.h"
#include "crm/cron.h"
#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "events.pb-c.h"
#include "job_impl.h"

#define MAX_PARAMS 16
#define MAX_AFTER 4

/* ---- the rule of a declaration ------------------------------------------ */

int crm_job_check(const char *service, const char *name, const crm_job_schedule_t *when,
                  crm_err_t *err)
{
    size_t slen = strlen(service), nlen = strlen(name);
    if (nlen > CRM_JOB_MAX_NAME)
        return crm_err_invalid(err, "name", "%s: longer than %d bytes", name, CRM_JOB_MAX_NAME);
    if (nlen <= slen + 1 || strncmp(name, service, slen) != 0 || name[slen] != '.')
        return crm_err_invalid(err, "name", "%s: a job of %s is named \"%s.<job>\"", name, service,
                               service);
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return crm_err_invalid(err, "name", "%s: use [a-z0-9_.]", name);
    crm_err_t why;
    if (crm_job_schedule_ok(when, &why) < 0)
        return crm_err_invalid(err, why.field, "%s: %s", name, why.message);
    return 0;
}

int crm_job_schedule_ok(const crm_job_schedule_t *when, crm_err_t *err)
{
    crm_cron_t c;
    crm_err_t why;
    switch (when->kind) {
    case CRM_JOB_EVERY:
        if (when->every_s < 1 || when->every_s > CRM_JOB_MAX_EVERY_S)
            return crm_err_invalid(err, "schedule.every_s", "every %lld s: 1 .. %d s",
                                   (long long)when->every_s, CRM_JOB_MAX_EVERY_S);
        return 0;
    case CRM_JOB_DAILY:
        if (crm_cron_daily(when->text, &c, &why) < 0)
            return crm_err_invalid(err, "schedule.daily", "%s", why.message);
        return 0;
    case CRM_JOB_CRON:
        if (when->text && strlen(when->text) > CRM_JOB_MAX_CRON)
            return crm_err_invalid(err, "schedule.cron", "longer than %d bytes", CRM_JOB_MAX_CRON);
        if (crm_cron_parse(when->text, &c, &why) < 0)
            return crm_err_invalid(err, "schedule.cron", "%s", why.message);
        if (crm_cron_next(&c, crm_now_us()) == 0)
            return crm_err_invalid(err, "schedule.cron", "%s never comes", when->text);
        return 0;
    }
    return crm_err_invalid(err, "schedule", "unknown kind of schedule %d", (int)when->kind);
}

char *crm_job_spec(const crm_job_schedule_t *when)
{
    switch (when->kind) {
    case CRM_JOB_DAILY:
        return crm_sprintf("daily %s", when->text);
    case CRM_JOB_CRON:
        return crm_sprintf("cron %s", when->text);
    default:
        return crm_sprintf("every %lld", (long long)when->every_s);
    }
}

int crm_job_spec_parse(const char *spec, crm_job_schedule_t *out, crm_err_t *err)
{
    if (spec && !strncmp(spec, "every ", 6))
        *out = CRM_EVERY(strtoll(spec + 6, NULL, 10));
    else if (spec && !strncmp(spec, "daily ", 6))
        *out = CRM_DAILY(spec + 6);
    else if (spec && !strncmp(spec, "cron ", 5))
        *out = CRM_CRON(spec + 5);
    else
        return crm_err_invalid(err, "schedule", "not a schedule: %s", spec ? spec : "");
    return crm_job_schedule_ok(out, err);
}

int64_t crm_job_next(const crm_job_schedule_t *when, int64_t last_us, int64_t now_us)
{
    crm_cron_t c;
    crm_err_t err;
    switch (when->kind) {
    case CRM_JOB_EVERY:
        if (!last_us)
            return now_us;
        return last_us + when->every_s * 1000000 > now_us ? last_us + when->every_s * 1000000
                                                          : now_us + when->every_s * 1000000;
    case CRM_JOB_DAILY:
        return crm_cron_daily(when->text, &c, &err) < 0 ? 0 : crm_cron_next(&c, now_us);
    case CRM_JOB_CRON:
        return crm_cron_parse(when->text, &c, &err) < 0 ? 0 : crm_cron_next(&c, now_us);
    }
    return 0;
}

void crm_job_schedule_pb(const crm_job_schedule_t *when, Crm__Scheduler__Schedule *pb)
{
    crm__scheduler__schedule__init(pb);
    switch (when->kind) {
    case CRM_JOB_EVERY:
        pb->kind_case = CRM__SCHEDULER__SCHEDULE__KIND_EVERY_S;
        pb->every_s = when->every_s;
        break;
    case CRM_JOB_DAILY:
        pb->kind_case = CRM__SCHEDULER__SCHEDULE__KIND_DAILY;
        pb->daily = (char *)when->text;
        break;
    case CRM_JOB_CRON:
        pb->kind_case = CRM__SCHEDULER__SCHEDULE__KIND_CRON;
        pb->cron = (char *)when->text;
        break;
    }
}

int crm_job_schedule_from_pb(const Crm__Scheduler__Schedule *pb, crm_job_schedule_t *out,
                             crm_err_t *err)
{
    switch (pb ? pb->kind_case : CRM__SCHEDULER__SCHEDULE__KIND__NOT_SET) {
    case CRM__SCHEDULER__SCHEDULE__KIND_EVERY_S:
        *out = CRM_EVERY(pb->every_s);
        return 0;
    case CRM__SCHEDULER__SCHEDULE__KIND_DAILY:
        *out = CRM_DAILY(pb->daily);
        return 0;
    case CRM__SCHEDULER__SCHEDULE__KIND_CRON:
        *out = CRM_CRON(pb->cron);
        return 0;
    default:
        return crm_err_invalid(err, "schedule", "no schedule of a kind this scheduler knows");
    }
}

/* ---- a run of a job's work ---------------------------------------------- */

struct crm_job_run {
    crm_db_tx_t *tx;
    crm_consumer_batch_t *batch; /* a firing's: the keys go to the consumer */
    char **keys;                 /* a call's: dropped by crm_job_run_now */
    size_t nkeys;
    crm_pages_done_fn end; /* how the runner goes on */
    void *end_arg;
    int64_t fired_at_us; /* a firing's time by the scheduler's clock (0: a call's run) */
};

crm_db_tx_t *crm_job_tx(const crm_job_run_t *run)
{
    return run->tx;
}

int64_t crm_job_fired_at_us(const crm_job_run_t *run)
{
    return run->fired_at_us;
}

void crm_job_uncache(crm_job_run_t *run, const char *key)
{
    if (run->batch) {
        crm_consumer_batch_uncache(run->batch, key);
        return;
    }
    run->keys = crm_realloc(run->keys, (run->nkeys + 1) * sizeof *run->keys);
    run->keys[run->nkeys++] = crm_strdup(key);
}

void crm_job_end(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    crm_job_run_t *run = arg;
    run->end(run->end_arg, last, count, err);
}

/* ---- jobs --------------------------------------------------------------- */

/* The jobs of this process, all served by one consumer of the scheduler
 * (one offset per consumer and producer). */
crm_job_t crm_jobs[CRM_JOB_MAX];
int crm_njobs;

/* The firing a job runs for (the last of the batch's firings of it). */
typedef struct {
    int fired;
    uint64_t run;
    int64_t due_at_us;
    int manual;
    int64_t at_us; /* when the scheduler fired it (its clock), the latest of the batch's */
} firing_t;

/* A batch being worked on: the jobs it fires, run one after the other in
 * the consumer's transaction. */
typedef struct {
    crm_service_t *svc;
    crm_db_tx_t *tx;
    crm_consumer_batch_t *batch;
    crm_job_run_t run; /* each job's, one after the other */
    firing_t fired[CRM_JOB_MAX];
    int next;
    int64_t count;
    int64_t started_us; /* the running job's */
} run_t;

/* Notes in *f the firing of job that ev is, if it is one. */
static void s_firing(const Crm__Event *ev, const char *job, firing_t *f)
{
    if (strcmp(ev->type, "scheduler.fired") != 0)
        return;
    Crm__Events__SchedulerFired *e =
        crm__events__scheduler_fired__unpack(NULL, ev->payload.len, ev->payload.data);
    if (e && strcmp(e->job, job) == 0) {
        int64_t at = f->at_us > ev->occurred_at_us ? f->at_us : ev->occurred_at_us;
        *f = (firing_t){
            .fired = 1, .run = e->run, .due_at_us = e->due_at_us, .manual = e->manual, .at_us = at};
    }
    crm__events__scheduler_fired__free_unpacked(e, NULL);
}

/* The report of the running job's run (job.ran) onto b: the scheduler's
 * run history. */
static void s_report(run_t *r, crm_db_batch_t *b, int64_t count, const char *error)
{
    const firing_t *f = &r->fired[r->next - 1];
    Crm__Events__JobRan ev = CRM__EVENTS__JOB_RAN__INIT;
    ev.job = (char *)crm_jobs[r->next - 1].name;
    ev.run = f->run;
    ev.due_at_us = f->due_at_us;
    ev.manual = f->manual;
    ev.started_at_us = r->started_us;
    ev.finished_at_us = crm_now_us();
    ev.affected = count;
    ev.ok = error == NULL;
    ev.error = (char *)(error ? error : "");
    ev.instance = (char *)crm_service_config(r->svc)->instance;
    crm_outbox_add(b, "job.ran", ev.job, &ev.base);
}

static void s_next(run_t *r);

static void s_reported(void *arg, const crm_db_result_t *res)
{
    crm_service_t *svc = arg;
    if (res->err)
        crm_log(CRM_WARN, "a failed run could not be reported", "error", res->message, NULL);
    else
        crm_relay_kick(crm_service_relay(svc));
}

/* The work rolled back with the consumer's transaction; its failure is
 * reported on its own, and the firing is consumed again. */
static void s_failed(run_t *r, const crm_db_result_t *err)
{
    crm_log(CRM_WARN, "job failed; it runs again", "job", crm_jobs[r->next - 1].name, "error",
            err->message, NULL);
    crm_db_batch_t *b = crm_db_batch_new();
    s_report(r, b, 0, err->message);
    crm_db_submit(crm_service_db(r->svc), &b, s_reported, r->svc);
    crm_consumer_done(r->batch, NULL, 0);
    free(r);
}

static void s_written(void *arg, const crm_db_result_t *res)
{
    run_t *r = arg;
    if (res->err)
        s_failed(r, res);
    else
        s_next(r);
}

/* One job's work ended: its last statements run, then the next job. */
static void s_done(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    run_t *r = arg;
    if (err) {
        s_failed(r, err);
        return;
    }
    char n[24];
    crm_log(CRM_INFO, "job done", "job", crm_jobs[r->next - 1].name, "count", crm_i64(n, count),
            NULL);
    r->count += count;
    if (!last)
        last = crm_db_batch_new();
    s_report(r, last, count, NULL);
    crm_db_tx_submit(r->tx, &last, s_written, r);
}

static void s_next(run_t *r)
{
    while (r->next < crm_njobs && !r->fired[r->next].fired)
        r->next++;
    if (r->next == crm_njobs) {
        crm_consumer_done(r->batch, NULL, 1);
        free(r);
        return;
    }
    crm_job_t *j = &crm_jobs[r->next++];
    r->run = (crm_job_run_t){.tx = r->tx,
                             .batch = r->batch,
                             .end = s_done,
                             .end_arg = r,
                             .fired_at_us = r->fired[r->next - 1].at_us};
    r->started_us = crm_now_us();
    j->work(j->arg, &r->run);
}

/* Several firings of one job in a batch run it once. */
static void s_apply(void *arg, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                    crm_consumer_batch_t *batch)
{
    run_t *r = crm_calloc(1, sizeof *r);
    r->svc = arg;
    r->tx = tx;
    r->batch = batch;
    for (int j = 0; j < crm_njobs; j++)
        for (size_t i = 0; i < n; i++)
            s_firing(events[i], crm_jobs[j].name, &r->fired[j]);
    s_next(r);
}

int crm_job_add(crm_service_t *svc, const char *job, crm_job_schedule_t when, crm_job_fn work,
                void *arg)
{
    for (int i = 0; i < crm_njobs; i++)
        if (strcmp(crm_jobs[i].name, job) == 0) {
            crm_log(CRM_ERROR, "job declared twice", "job", job, NULL);
            abort();
        }
    if (crm_njobs == CRM_JOB_MAX) {
        crm_log(CRM_ERROR, "too many jobs", "job", job, NULL);
        abort();
    }
    crm_jobs[crm_njobs++] = (crm_job_t){.name = job, .when = when, .work = work, .arg = arg};
    if (crm_njobs > 1)
        return 0;
    /* The first job: one consumer of the firings for all. */
    if (crm_service_consume(svc, CRM_JOB_SCHEDULER, s_apply, svc, 0))
        return 1;
    crm_log(CRM_WARN, "no scheduler configured: the jobs of this process are not declared", "job",
            job, NULL);
    return -1;
}

/* ---- now, for a call ------------------------------------------------------ */

/* crm_job_run_now: a txn whose decision is the job's paged work. */
typedef struct {
    crm_job_fn work;
    void *arg;
    void (*reply)(crm_txn_t *t, int64_t count);
    crm_job_run_t run;
} now_t;

static void s_now_free(void *arg)
{
    now_t *n = arg;
    crm_strv_free(n->run.keys, n->run.nkeys);
    free(n);
}

static void s_now_done(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    crm_txn_t *t = arg;
    if (err) {
        crm_txn_resume(t, crm_txn_fail_db(t, err));
        return;
    }
    crm_txn_take_batch(t, &last);
    const now_t *n = crm_txn_data(t);
    n->reply(t, count);
    crm_txn_resume(t, 0);
}

static int s_now_decide(crm_txn_t *t)
{
    now_t *n = crm_txn_data(t);
    n->run = (crm_job_run_t){.tx = crm_txn_tx(t), .end = s_now_done, .end_arg = t};
    n->work(n->arg, &n->run);
    return CRM_TXN_LATER;
}

/* The cached copies of what the work changed, dropped once it committed. */
static void s_now_committed(crm_txn_t *t)
{
    const now_t *n = crm_txn_data(t);
    for (size_t i = 0; i < n->run.nkeys; i++)
        crm_cache_del(crm_txn_env(t)->cache, n->run.keys[i]);
}

static const crm_txn_op_t s_now_op = {
    .decide = s_now_decide, .committed = s_now_committed, .done = s_now_free};

void crm_job_run_now(const crm_txn_env_t *env, crm_rpc_call_t *call, crm_job_fn work, void *arg,
                     void (*reply)(crm_txn_t *t, int64_t count))
{
    now_t *n = crm_calloc(1, sizeof *n);
    n->work = work;
    n->arg = arg;
    n->reply = reply;
    crm_txn_run(env, call, &s_now_op, n);
}

/* ---- pages -------------------------------------------------------------- */

typedef struct {
    crm_db_tx_t *tx;
    char *sql;
    /* the caller's values, the page size, then the last row's keys */
    char *values[MAX_PARAMS + 1 + MAX_AFTER];
    int n;
    const char *after[MAX_AFTER]; /* the key columns (crm_tx_pages_after) */
    int nafter;
    int page;
    crm_page_fn on_rows;
    crm_pages_done_fn done;
    void *arg;
    int64_t count;
} pages_t;

static void s_pages_free(pages_t *p)
{
    for (int i = 0; i <= p->n + p->nafter; i++)
        free(p->values[i]);
    free(p->sql);
    free(p);
}

static void s_add_page(pages_t *p, crm_db_batch_t *b)
{
    crm_db_batch_add(b, p->sql, p->n + 1 + p->nafter, (const char *const *)p->values);
}

/* The next page starts after the last row of rows: its key columns. */
static void s_after(pages_t *p, const PGresult *rows)
{
    int last = PQntuples(rows) - 1;
    for (int k = 0; k < p->nafter; k++) {
        int col = PQfnumber(rows, p->after[k]);
        if (col < 0) {
            crm_log(CRM_ERROR, "crm_tx_pages_after: a key column is not in the page", "column",
                    p->after[k], NULL);
            abort();
        }
        char **v = &p->values[p->n + 1 + k];
        free(*v);
        *v = PQgetisnull(rows, last, col) ? NULL : crm_strdup(PQgetvalue(rows, last, col));
    }
}

static void s_page_done(void *arg, const crm_db_result_t *res)
{
    pages_t *p = arg;
    if (res->err) {
        p->done(p->arg, NULL, p->count, res);
        s_pages_free(p);
        return;
    }
    /* The page is the batch's last statement; before it ran the statements
     * of the previous page. */
    const PGresult *rows = res->results[res->nresults - 1];
    int n = PQntuples(rows);
    crm_db_batch_t *b = crm_db_batch_new();
    p->on_rows(p->arg, rows, b);
    p->count += n;
    /* A page after the last key ends only when empty: rows that waited for
     * another transaction's lock and no longer matched leave a page short
     * with more rows after it. */
    if (n == 0 || (p->nafter == 0 && n < p->page)) {
        p->done(p->arg, b, p->count, NULL);
        s_pages_free(p);
        return;
    }
    s_after(p, rows);
    s_add_page(p, b);
    crm_db_tx_submit(p->tx, &b, s_page_done, p);
}

void crm_tx_pages_after(crm_db_tx_t *tx, const char *sql, int n, const char *const *values,
                        int page, const char *const *after, int nafter, crm_page_fn on_rows,
                        crm_pages_done_fn done, void *arg)
{
    if (n < 0 || n > MAX_PARAMS || page < 1 || nafter < 0 || nafter > MAX_AFTER) {
        crm_log(CRM_ERROR, "crm_tx_pages: bad arguments", NULL);
        abort();
    }
    pages_t *p = crm_calloc(1, sizeof *p);
    p->tx = tx;
    p->sql = crm_strdup(sql);
    for (int i = 0; i < n; i++)
        p->values[i] = crm_strdup(values[i]);
    p->values[n] = crm_sprintf("%d", page);
    p->n = n;
    for (int k = 0; k < nafter; k++)
        p->after[k] = after[k]; /* static text */
    p->nafter = nafter;
    p->page = page;
    p->on_rows = on_rows;
    p->done = done;
    p->arg = arg;
    crm_db_batch_t *b = crm_db_batch_new();
    s_add_page(p, b);
    crm_db_tx_submit(tx, &b, s_page_done, p);
}

void crm_tx_pages(crm_db_tx_t *tx, const char *sql, int n, const char *const *values, int page,
                  crm_page_fn on_rows, crm_pages_done_fn done, void *arg)
{
    crm_tx_pages_after(tx, sql, n, values, page, NULL, 0, on_rows, done, arg);
}
