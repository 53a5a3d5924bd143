/* job.h: a service's timed jobs: declared at its start with their schedule,
 * fired by the scheduler, their work done exactly once by the service; and
 * the paged loop such work runs.
 *
 * A service declares each job it owns (crm_job_declare) before its loop
 * runs. Every instance then declares the whole list to the scheduler
 * (Scheduler.DeclareJobs, on CRM_SCHEDULER_RPC): at start, again after a
 * failed attempt (with back-off, so a scheduler that starts later still gets
 * it) and every CRM_JOB_DECLARE_MS. The scheduler adds a new job (due at
 * once), takes a changed schedule, and keeps the next due time of a job
 * declared again unchanged; two instances declaring at once are one upsert
 * each. Until a scheduler has taken the declaration, the health check
 * "jobs" is not ok.
 *
 * The scheduler publishes "scheduler.fired" with the job's name. One
 * consumer of the scheduler's events (consumer.h) per process runs the work
 * inside the consumer's transaction, so its writes and events commit with
 * the consumer's offset: exactly once, whoever crashes when. Several
 * firings in one batch run the work once (a job's rule is a state, not a
 * count). The work gets a run handle (crm_job_run_t) that is the same
 * whether a firing runs it or a call (crm_job_run_now): its transaction,
 * the cached copies to drop once that commits, and how the work ends.
 *
 * crm_tx_pages runs one page query again and again inside a transaction
 * until a page comes back short: "take 500 due rows, change them, return
 * them" for recycling and reminders. */
#ifndef CRM_JOB_H
#define CRM_JOB_H

#include "err.h"
#include "scheduler.pb-c.h"
#include "service.h"
#include "txn.h"

/* ---- declaring ---------------------------------------------------------- */

/* When a job fires: every so many seconds, every day at a local time, or
 * a cron-like expression (crm/cron.h; both in the business time zone).
 * Converted in one place each way: the proto's Schedule (crm_job_schedule_pb
 * / _from_pb) and the one line of text the scheduler stores (crm_job_spec /
 * _spec_parse). */
typedef enum { CRM_JOB_EVERY = 1, CRM_JOB_DAILY, CRM_JOB_CRON } crm_job_kind_t;

typedef struct {
    crm_job_kind_t kind;
    int64_t every_s;  /* CRM_JOB_EVERY: seconds between firings */
    const char *text; /* CRM_JOB_DAILY: "HH:MM"; CRM_JOB_CRON: the expression */
} crm_job_schedule_t;

/* Every so many seconds: crm_job_declare(svc, "leads.recycle", CRM_EVERY(3600), ...). */
#define CRM_EVERY(seconds) ((crm_job_schedule_t){.kind = CRM_JOB_EVERY, .every_s = (seconds)})
/* Every day at a local time: CRM_DAILY("08:30"). */
#define CRM_DAILY(hhmm) ((crm_job_schedule_t){.kind = CRM_JOB_DAILY, .text = (hhmm)})
/* A cron-like expression: CRM_CRON("0 9 * * 1-5"). */
#define CRM_CRON(expr) ((crm_job_schedule_t){.kind = CRM_JOB_CRON, .text = (expr)})

/* Longest schedule interval: a leap year. */
#define CRM_JOB_MAX_EVERY_S 31622400
/* Longest job name, "<service>.<job>". */
#define CRM_JOB_MAX_NAME 100

/* Longest cron expression. */
#define CRM_JOB_MAX_CRON 100

/* A schedule's own rule (known kind, within bounds): 0, or -1 with err
 * naming its field ("schedule.every_s", "schedule.daily",
 * "schedule.cron"). */
int crm_job_schedule_ok(const crm_job_schedule_t *when, crm_err_t *err);

/* The rule of every declaration, checked where a job is declared and again
 * by the scheduler: name "<service>.<job>" of [a-z0-9_.], at most
 * CRM_JOB_MAX_NAME bytes; a schedule of a known kind within its bounds.
 * Returns 0, or -1 with err (field "name" or "schedule"). */
int crm_job_check(const char *service, const char *name, const crm_job_schedule_t *when,
                  crm_err_t *err);

/* The schedule as one line of text ("every 3600", "daily 08:30", "cron 0 9
 * * * 1-5"): how the scheduler stores it. Caller frees. */
char *crm_job_spec(const crm_job_schedule_t *when);
/* The schedule of such a line (its text points into spec): 0, or -1 with
 * err (field "schedule"). */
int crm_job_spec_parse(const char *spec, crm_job_schedule_t *out, crm_err_t *err);

/* When a job of this (checked) schedule is due next, at now_us, after its
 * last due time last_us (0: none yet). Every: last + every_s while that is
 * ahead, else now + every_s (a missed time fires once, not again and
 * again); a new job is due at once. Daily and cron: the first matching
 * minute after now (0 if none comes). */
int64_t crm_job_next(const crm_job_schedule_t *when, int64_t last_us, int64_t now_us);

/* A schedule as the proto carries it: fills *pb (its storage is *pb's). */
void crm_job_schedule_pb(const crm_job_schedule_t *when, Crm__Scheduler__Schedule *pb);

/* The schedule a proto carries; -1 with err (field "schedule") when it has
 * no kind this build knows, or is NULL. */
int crm_job_schedule_from_pb(const Crm__Scheduler__Schedule *pb, crm_job_schedule_t *out,
                             crm_err_t *err);

/* How paged work ends: last holds the statements still to run with the
 * commit (ownership passes; NULL on error), count the rows handled, err the
 * failure (then the transaction is dead). */
typedef void (*crm_pages_done_fn)(void *arg, crm_db_batch_t *last, int64_t count,
                                  const crm_db_result_t *err);

/* One run of a job's work: in the consumer's transaction of a firing, or
 * in a call's (crm_job_run_now). Lib owns it; it is valid until the work
 * ends (crm_job_end). */
typedef struct crm_job_run crm_job_run_t;

/* The work of a job: runs inside crm_job_tx(run) and ends by calling
 * crm_job_end(run, ...) exactly once. */
typedef void (*crm_job_fn)(void *arg, crm_job_run_t *run);

/* The transaction the work runs in. */
/* When the scheduler fired the run, by its clock (microseconds since the
 * epoch; 0 for a run made by a call). A job that takes what is due takes
 * what is due by then too (crm/pending.h): a record the scheduler found due
 * is found due here, though this database's clock be a little behind. */
int64_t crm_job_fired_at_us(const crm_job_run_t *run);

crm_db_tx_t *crm_job_tx(const crm_job_run_t *run);

/* Drops key (copied) from the service's cache once the run's transaction
 * has committed: the cached copy of a record the work changed. Nothing is
 * dropped if it rolls back. */
void crm_job_uncache(crm_job_run_t *run, const char *key);

/* Ends the work (run: the crm_job_run_t; a crm_pages_done_fn, so paged
 * work ends with crm_tx_pages(crm_job_tx(run), ..., crm_job_end, run)):
 * last holds the statements to run with the commit (ownership passes; may
 * be NULL), count the records handled, err the failure (then the
 * transaction is dead and rolls back). */
void crm_job_end(void *run, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err);

/* Declares job (a literal: it must outlive the process), owned by this
 * service, firing on schedule when, and does work(arg, ...) each time it
 * fires. Call before the loop runs. The first declaration starts the
 * process's one consumer of the scheduler and its declarations to the
 * scheduler; the jobs a batch fires run one after the other in its
 * transaction. Needs the scheduler's endpoints (CRM_SCHEDULER_PUB / _RPC);
 * without them it logs a warning and no job is declared or done here. A
 * declaration that breaks crm_job_check, a name declared twice or more than
 * 16 jobs per process is a programmer's error: it logs and aborts. */
void crm_job_declare(crm_service_t *svc, const char *job, crm_job_schedule_t when, crm_job_fn work,
                     void *arg);

/* Runs work(arg, ...) now for call, as a write transaction of its own
 * (txn.h, so a retried call is answered from its stored reply): commits
 * what it did with the reply reply(t, count) makes (crm_txn_reply, from the
 * count handled), then drops the cached copies the work named
 * (crm_job_uncache), answers and wakes the relay. For "run the rule now"
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

/* The same for a page query that returns its rows in an order: the values
 * of the key columns after[0..nafter) (static text, at most 4) of each
 * page's last row are the parameters $n+2.. of the next page (NULL on the
 * first), so a page starts where the last one ended, and the loop ends at
 * an empty page (not a short one: a page that locks its rows, FOR UPDATE
 * without SKIP LOCKED, waits for a row another transaction holds and
 * leaves it out if it no longer matches, short with more after it). Within one
 * transaction the index entries of the rows earlier pages changed stay
 * until the commit; a query that starts from the top again visits them
 * all on every page (quadratic work for a big run); one that starts after
 * the last key does not. */
void crm_tx_pages_after(crm_db_tx_t *tx, const char *sql, int n, const char *const *values,
                        int page, const char *const *after, int nafter, crm_page_fn on_rows,
                        crm_pages_done_fn done, void *arg);

#endif
