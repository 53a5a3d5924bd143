/* job.h: a scheduler job's work, done exactly once by the service that owns
 * it, and the paged loop such work runs.
 *
 * The scheduler publishes "scheduler.fired" with the job's name. A service
 * calls crm_job_consume for each job it owns: a consumer of the scheduler's
 * events (consumer.h) runs the work inside the consumer's transaction, so
 * its writes and events commit with the consumer's offset: exactly once,
 * whoever crashes when. Several firings in one batch run the work once (a
 * job's rule is a state, not a count).
 *
 * crm_tx_pages runs one page query again and again inside a transaction
 * until a page comes back short: "take 500 due rows, change them, return
 * them" for recycling and reminders. */
#ifndef CRM_JOB_H
#define CRM_JOB_H

#include "service.h"
#include "txn.h"

/* How paged work ends: last holds the statements still to run with the
 * commit (ownership passes; NULL on error), count the rows handled, err the
 * failure (then the transaction is dead). */
typedef void (*crm_pages_done_fn)(void *arg, crm_db_batch_t *last, int64_t count,
                                  const crm_db_result_t *err);

/* The work of a job: runs inside tx and ends by calling done(done_arg, ...)
 * exactly once. */
typedef void (*crm_job_fn)(void *arg, crm_db_tx_t *tx, crm_pages_done_fn done, void *done_arg);

/* Does work(arg, ...) each time job fires. One consumer of the scheduler
 * serves every job of the process (call this before the loop runs); the
 * jobs a batch fires run one after the other in its transaction. Needs the
 * scheduler's endpoints (CRM_SCHEDULER_PUB / _RPC); without them it logs a
 * warning and no job is done here. At most 8 jobs per process. */
void crm_job_consume(crm_service_t *svc, const char *job, crm_job_fn work, void *arg);

/* Runs work(arg, ...) now for call, as a write transaction of its own
 * (txn.h, so a retried call is answered from its stored reply): commits
 * what it did with the reply reply(t, count) makes (crm_txn_reply, from the
 * count handled), then answers and wakes the relay. For "run the rule now"
 * methods (Leads.Recycle). */
void crm_job_run_now(const crm_txn_env_t *env, crm_rpc_call_t *call, crm_job_fn work, void *arg,
                     void (*reply)(crm_txn_t *t, int64_t count));

/* For each page: adds to b the statements the page's rows call for (their
 * events), after which the next page is read in the same round trip. */
typedef void (*crm_page_fn)(void *arg, const PGresult *rows, crm_db_batch_t *b);

/* Runs sql with params values[0..n) and the page size as $n+1, inside tx,
 * until a page returns fewer than page rows; each page's rows go to
 * on_rows; then done(arg, last, total, NULL). */
void crm_tx_pages(crm_db_tx_t *tx, const char *sql, int n, const char *const *values, int page,
                  crm_page_fn on_rows, crm_pages_done_fn done, void *arg);

#endif
