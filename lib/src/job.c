/* job.c: scheduler jobs done once by their owning service, and the paged
 * loop inside a transaction (see job.h). */
#include "crm/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"
#include "events.pb-c.h"

#define MAX_JOBS 8
#define MAX_PARAMS 16

/* ---- jobs --------------------------------------------------------------- */

typedef struct {
    const char *job;
    crm_job_fn work;
    void *arg;
} job_t;

/* Jobs live as long as the process: a batch in flight may still use one
 * while the service stops. */
static job_t s_jobs[MAX_JOBS];
static int s_njobs;

static int s_fires(const Crm__Event *ev, const char *job)
{
    if (strcmp(ev->type, "scheduler.fired") != 0)
        return 0;
    Crm__Events__SchedulerFired *f =
        crm__events__scheduler_fired__unpack(NULL, ev->payload.len, ev->payload.data);
    int yes = f && strcmp(f->job, job) == 0;
    crm__events__scheduler_fired__free_unpacked(f, NULL);
    return yes;
}

static void s_done(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    crm_consumer_batch_t *batch = arg;
    if (err) {
        crm_log(CRM_WARN, "job failed; it runs again", "error", err->message, NULL);
        crm_consumer_done(batch, NULL, 0);
        return;
    }
    char n[24];
    crm_log(CRM_INFO, "job done", "count", crm_i64(n, count), NULL);
    crm_consumer_done(batch, &last, 1);
}

static void s_apply(void *arg, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                    crm_consumer_batch_t *batch)
{
    job_t *j = arg;
    for (size_t i = 0; i < n; i++) {
        if (s_fires(events[i], j->job)) {
            j->work(j->arg, tx, s_done, batch);
            return;
        }
    }
    crm_consumer_done(batch, NULL, 1);
}

void crm_job_consume(crm_service_t *svc, const char *job, crm_job_fn work, void *arg)
{
    if (s_njobs == MAX_JOBS) {
        crm_log(CRM_ERROR, "too many jobs", "job", job, NULL);
        abort();
    }
    job_t *j = &s_jobs[s_njobs++];
    j->job = job;
    j->work = work;
    j->arg = arg;
    crm_service_consume(svc, "scheduler", s_apply, j, 0);
}

/* ---- pages -------------------------------------------------------------- */

typedef struct {
    crm_db_tx_t *tx;
    char *sql;
    char *values[MAX_PARAMS + 1];
    int n;
    int page;
    crm_page_fn on_rows;
    crm_pages_done_fn done;
    void *arg;
    int64_t count;
} pages_t;

static void s_pages_free(pages_t *p)
{
    for (int i = 0; i <= p->n; i++)
        free(p->values[i]);
    free(p->sql);
    free(p);
}

static void s_add_page(pages_t *p, crm_db_batch_t *b)
{
    crm_db_batch_add(b, p->sql, p->n + 1, (const char *const *)p->values);
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
    if (n < p->page) {
        p->done(p->arg, b, p->count, NULL);
        s_pages_free(p);
        return;
    }
    s_add_page(p, b);
    crm_db_tx_submit(p->tx, &b, s_page_done, p);
}

void crm_tx_pages(crm_db_tx_t *tx, const char *sql, int n, const char *const *values, int page,
                  crm_page_fn on_rows, crm_pages_done_fn done, void *arg)
{
    if (n < 0 || n > MAX_PARAMS || page < 1) {
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
    p->page = page;
    p->on_rows = on_rows;
    p->done = done;
    p->arg = arg;
    crm_db_batch_t *b = crm_db_batch_new();
    s_add_page(p, b);
    crm_db_tx_submit(tx, &b, s_page_done, p);
}
