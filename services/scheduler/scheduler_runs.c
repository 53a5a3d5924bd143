/* scheduler_runs.c: the jobs' run history. Each service that owns jobs
 * reports every run of a job's work as a job.ran event, committed with the
 * work (a failed attempt on its own: the work rolled back and runs again);
 * the scheduler consumes those of each owner (scheduler_owners.c) into
 * scheduler_runs, exactly once as every consumer, keeping the last
 * RUNS_KEPT runs of each job.
 * Scheduler.ListRuns pages a job's runs, newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/config.h"
#include "crm/event_table.h"
#include "crm/list.h"
#include "crm/log.h"
#include "crm/sqlbuf.h"
#include "crm/util.h"
#include "scheduler.h"

#define RUNS_KEPT 1000
/* Microseconds since the epoch (a parameter) as a time; 0: none. */
#define US(p)                                                                                      \
    "(CASE WHEN " p "::bigint <> 0 THEN 'epoch'::timestamptz + " p "::bigint *"                    \
    " interval '1 microsecond' END)"

/* ---- the reports ----------------------------------------------------------- */

int scheduler_run_report(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                         crm_db_batch_t *b)
{
    scheduler_t *s = arg;
    const Crm__Events__JobRan *r = (const Crm__Events__JobRan *)payload;
    char run[24], due[24], started[24], finished[24], affected[24], kept[16];
    int64_t ms = (r->finished_at_us - r->started_at_us) / 1000;
    char duration[24];
    snprintf(kept, sizeof kept, "%d", RUNS_KEPT);
    const char *p[] = {r->job,
                       crm_i64(run, (int64_t)r->run),
                       crm_i64(due, r->due_at_us),
                       r->manual ? "true" : "false",
                       crm_i64(started, r->started_at_us),
                       crm_i64(finished, r->finished_at_us),
                       crm_i64(duration, ms < 0 ? 0 : ms),
                       crm_i64(affected, r->affected),
                       r->ok ? "1" : "2",
                       r->error,
                       r->instance,
                       ev->producer};
    crm_db_batch_add(b, "job_run_insert", 12, p);
    const char *q[] = {r->job, kept};
    crm_db_batch_add(b, "job_run_prune", 2, q);
    scheduler_metrics_ran(s->metrics, r->job, r->ok, ms < 0 ? 0 : (double)ms / 1e3);
    return 0;
}

void scheduler_runs_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "job_run_insert",
                   "INSERT INTO scheduler_runs (job, run, due_at, manual, started_at, finished_at,"
                   " duration_ms, affected, outcome, error, instance, producer) VALUES ($1,"
                   " $2::bigint, " US("$3") ", $4::boolean, " US("$5") ", " US(
                       "$6") ","
                             " $7::bigint, $8::bigint, $9::smallint, $10, $11, $12)");
    crm_db_prepare(db, "job_run_prune",
                   "DELETE FROM scheduler_runs WHERE job = $1 AND id <= (SELECT id FROM"
                   " scheduler_runs WHERE job = $1 ORDER BY id DESC OFFSET $2::int LIMIT 1)");
}

/* ---- Scheduler.ListRuns ---------------------------------------------------- */

static const crm_key_t s_keys[] = {CRM_KEY_ID};
static const crm_keyset_t s_order = {.tag = "job_runs", .keys = s_keys, .n = 1};

static void s_listed(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    const Crm__Scheduler__ListRunsRequest *req = (const void *)crm_rpc_call_request(call);
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    if (PQntuples(res->results[0]) == 0) {
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "name", "no job named %s", req->name);
        return;
    }
    crm_page_t pg;
    crm_page_check_max(&pg, &s_order, req->limit, 20, crm_page_max(call), req->cursor, NULL);
    crm_reply_page(call, &pg, &crm__scheduler__job_run_list__descriptor, res->results[1], NULL);
}

static void s_list_runs(crm_rpc_call_t *call, const Crm__Scheduler__ListRunsRequest *req, void *arg)
{
    scheduler_t *s = arg;
    crm_page_t pg;
    if (!scheduler_admin_only(call) || !crm_check_text(call, "name", req->name, 100, 1) ||
        !crm_check_page(call, &pg, &s_order, req->limit, 20, req->cursor))
        return;
    crm_db_batch_t *b = crm_db_batch_new();
    const char *p[] = {req->name};
    crm_db_batch_add(b, "SELECT 1 FROM scheduler_jobs WHERE name = $1", 1, p);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT " RUN_COLUMNS " FROM scheduler_runs r WHERE true");
    crm_sqlbuf_addp(q, " AND r.job = $?", req->name);
    crm_page_tail(q, &pg);
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    crm_db_submit(s->db, &b, s_listed, call);
}

void scheduler_runs_handlers(scheduler_t *s)
{
    s->handlers.list_runs = s_list_runs;
}
