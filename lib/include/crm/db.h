/* db.h: PostgreSQL on the libuv loop, through libpq's non-blocking API.
 *
 * A pool of connections, each watched with uv_poll on PQsocket. Work is
 * submitted as a batch: one or more statements sent in pipeline mode and
 * ended by one Sync, so a batch is one implicit transaction: all its
 * statements commit together or none does. Results come back to one callback.
 * Batches wait in a FIFO queue while every connection is busy.
 *
 * Named statements registered with crm_db_prepare are prepared on every
 * connection when it (re)connects. A lost connection is reconnected with
 * back-off; a batch that was in flight on it fails with CRM_DB_RETRY (it may or
 * may not have committed, as with any database client).
 *
 * Every round trip has a deadline, CRM_DB_ROUND_TIMEOUT_MS (default 30000):
 * a database that answers nothing (stopped, partitioned) is treated as a lost
 * connection: the batch fails (CRM_DB_RETRY), its transaction is dead, and
 * the session is replaced. Sessions use TCP keepalives unless conninfo says
 * otherwise. */
#ifndef CRM_DB_H
#define CRM_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct crm_db crm_db_t;
typedef struct crm_db_batch crm_db_batch_t;

/* What kind of failure a batch met. The layer that answers callers maps it
 * to its own statuses (crm_fail_db for RPC). */
typedef enum {
    CRM_DB_OK = 0,
    CRM_DB_UNIQUE,   /* a unique constraint said no (23505) */
    CRM_DB_REJECTED, /* the data: a check, not-null or foreign key, a bad value (23xxx, 22xxx) */
    CRM_DB_REFUSED,  /* a rule of the database's own said no (RAISE EXCEPTION, P0001) */
    CRM_DB_RETRY,    /* may succeed if tried again: the connection was lost or replaced, a
                        serialization failure or deadlock, the server stopping, the pool closed */
    CRM_DB_BUG,      /* anything else: a bad statement, or the pool used wrongly */
} crm_db_error_t;

/* What a batch returned. On success err is 0 and results[i] holds statement
 * i's result (PGRES_TUPLES_OK or PGRES_COMMAND_OK). On failure err is
 * nonzero, kind says what kind of failure it is, sqlstate the server's code
 * (e.g. "23505") or "" for a connection failure, message the server's text,
 * constraint the violated constraint's name (or ""), detail the server's
 * detail (or ""), failed the index of the statement that failed (-1 if
 * none). Everything is valid during the callback only. */
typedef struct {
    int err;
    crm_db_error_t kind;
    const char *sqlstate;
    const char *message;
    const char *constraint;
    const char *detail;
    int failed;
    PGresult **results;
    size_t nresults;
} crm_db_result_t;

/* Takes the results of res out of the batch (during the callback), for a
 * caller whose records point into them past the callback: an array of
 * res->nresults results the caller frees with crm_db_results_free. */
PGresult **crm_db_results_take(const crm_db_result_t *res);
void crm_db_results_free(PGresult **results, size_t n);

typedef void (*crm_db_cb)(void *arg, const crm_db_result_t *res);

/* Creates a pool of size connections to conninfo (libpq keywords or a
 * postgresql:// URL). Connecting starts at once, in the background (when the
 * loop runs). application_name defaults to the program's name ("crm-leads")
 * unless conninfo sets one; connect_timeout in conninfo is honoured (default
 * 10 s). While no connection is usable and a connection attempt fails, the
 * queued work fails with CRM_DB_RETRY instead of waiting. */
crm_db_t *crm_db_new(uv_loop_t *loop, const char *conninfo, int size);

/* Registers a named statement, prepared on every connection before it takes
 * work. Call before work is submitted. sql uses $1, $2, ...; parameters are
 * text, their types inferred by the server. */
void crm_db_prepare(crm_db_t *db, const char *name, const char *sql);

/* Called on the loop with each NOTIFY on channel received by any connection
 * of the pool (LISTEN is issued on every connection, so a pool of N hears
 * each NOTIFY N times). */
typedef void (*crm_db_notify_cb)(void *arg, const char *channel, const char *payload);
void crm_db_listen(crm_db_t *db, const char *channel, crm_db_notify_cb cb, void *arg);

/* Called when a connection is established (first time or after a loss;
 * connected=1, once its statements are prepared) or a working one is lost
 * (connected=0), so session state (advisory locks) can be re-evaluated. */
typedef void (*crm_db_connect_cb)(void *arg, int connected);
void crm_db_on_connect(crm_db_t *db, crm_db_connect_cb cb, void *arg);

/* Names the pool's sessions for the server (application_name
 * "crm-leads/<role>", seen in pg_stat_activity and in our logs) unless
 * conninfo sets application_name. Call before the loop runs. */
void crm_db_set_role(crm_db_t *db, const char *role);

/* Number of connections currently usable. */
int crm_db_ready(const crm_db_t *db);

/* The pool's state, for health reports. last_error is the pool's (valid
 * until its next loss), NULL if no session was ever lost. */
typedef struct {
    int size, ready;        /* connections, and how many are usable */
    uint64_t abandoned;     /* rounds abandoned past their deadline */
    const char *last_error; /* why the last session was lost or not made */
    uint64_t last_error_ago_ms;
} crm_db_health_t;
void crm_db_health(const crm_db_t *db, crm_db_health_t *out);

/* Writes the figures (metrics.h) of n pools, each labelled pool=pools[i]:
 * sessions ready and down, batches waiting, batch latency, failures,
 * abandoned rounds. */
struct crm_metrics;
void crm_db_metrics(struct crm_metrics *m, size_t n, const crm_db_t *const *dbs,
                    const char *const *pools);

/* A new, empty batch. */
crm_db_batch_t *crm_db_batch_new(void);

/* Adds a statement: a registered name (see crm_db_prepare) or, when stmt
 * contains a space, SQL text sent unprepared. values are copied; a NULL
 * entry is SQL NULL. */
void crm_db_batch_add(crm_db_batch_t *b, const char *stmt, int nparams, const char *const *values);

/* Asks the last statement added to b for its results in binary (libpq's
 * resultFormat 1) instead of text: the server sends each value as it
 * holds it and formats nothing, the reader parses nothing. The getters
 * below and the row map (crm/rowmap.h) read both formats. For lists
 * read in pages (a million rows walked by an export): their time columns
 * are then selected bare (CRM_US_BINARY, crm/rowmap.h), a timestamptz
 * read as its microseconds, instead of through crm_us. */
void crm_db_batch_binary(crm_db_batch_t *b);

/* Number of statements in b. */
size_t crm_db_batch_size(const crm_db_batch_t *b);

/* Frees an unsubmitted batch; safe on NULL. Sets *b_p to NULL. */
void crm_db_batch_destroy(crm_db_batch_t **b_p);

/* Moves the statements of *src_p (may be NULL) to the end of dst, in order;
 * *src_p is freed and set to NULL. */
void crm_db_batch_append(crm_db_batch_t *dst, crm_db_batch_t **src_p);

/* Queues the batch (taking ownership; *b_p becomes NULL). cb runs exactly
 * once from the loop, also if the pool is destroyed first (err set, status
 * CRM_DB_RETRY; then it runs inside crm_db_destroy, or at once for work
 * submitted after it). Results are freed after cb returns; read them
 * only on success. */
void crm_db_submit(crm_db_t *db, crm_db_batch_t **b_p, crm_db_cb cb, void *arg);

/* Shorthand: one statement as its own batch. */
void crm_db_exec(crm_db_t *db, const char *stmt, int nparams, const char *const *values,
                 crm_db_cb cb, void *arg);

/* ---- interactive transactions ----------------------------------------
 * For changes that must read before they write (check a state, then change
 * it and write its event into the outbox), a transaction holds one
 * connection across several batches. BEGIN is sent with the first batch and
 * COMMIT with the last, so a read-check-write transaction costs two round
 * trips. After a statement fails, the transaction is dead: later batches
 * fail at once and crm_db_tx_commit rolls back and reports the first error. */
typedef struct crm_db_tx crm_db_tx_t;

/* cb gets the transaction once a connection is free (tx NULL and err set
 * when the pool is destroyed first or the connection cannot be had). */
typedef void (*crm_db_begin_cb)(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err);
void crm_db_begin(crm_db_t *db, crm_db_begin_cb cb, void *arg);

/* Runs b inside tx (ownership taken). cb as for crm_db_submit. Only one
 * batch of a transaction runs at a time: submit the next from cb. */
void crm_db_tx_submit(crm_db_tx_t *tx, crm_db_batch_t **b_p, crm_db_cb cb, void *arg);

/* Runs b (may be NULL) then COMMIT, and gives the connection back. cb sees
 * the results of b's statements (not of COMMIT); err is set if anything
 * failed, in which case nothing of the transaction was committed (failed is
 * -1 when the error came from an earlier batch or from COMMIT itself). tx is
 * freed; do not use it after this call. */
void crm_db_tx_commit(crm_db_tx_t *tx, crm_db_batch_t **b_p, crm_db_cb cb, void *arg);

/* Rolls back and gives the connection back; tx is freed. */
void crm_db_tx_rollback(crm_db_tx_t *tx);

/* Batches queued or running. */
size_t crm_db_pending(const crm_db_t *db);

/* Closes every connection; pending batches fail (CRM_DB_RETRY) (their
 * callbacks run before this returns). May be called from inside any of the
 * pool's callbacks. A transaction handed out stays valid (and dead) until
 * committed or rolled back. The memory is freed after libuv's close
 * callbacks and once every transaction is given back. Safe on NULL. */
void crm_db_destroy(crm_db_t **db_p);

/* Helpers for reading results, in text or in binary (crm_db_batch_binary).
 * crm_db_get: the text ("" for NULL; in binary, "" unless the column is
 * text, varchar, char, name or json). crm_db_get_i64: the integer (0 for
 * NULL; in binary an int2, int4, int8 or oid, or a timestamptz as
 * microseconds since the epoch, ±infinity as INT64_MAX and INT64_MIN).
 * crm_db_get_bool: 1 for true ('t' in text). */
const char *crm_db_get(const PGresult *r, int row, int col);
int64_t crm_db_get_i64(const PGresult *r, int row, int col);
int crm_db_get_bool(const PGresult *r, int row, int col);
/* In a result of (key, value) integer rows (a count per id: GROUP BY), the
 * value of the row whose key is key; 0 when none. */
int64_t crm_db_value_of(const PGresult *r, int64_t key);
/* A bytea column in hex format (text results), decoded; caller frees. */
uint8_t *crm_db_get_bytea(const PGresult *r, int row, int col, size_t *len);
/* A text[] or bigint[] parameter: the array literal of v[0..n), each element
 * quoted and escaped ({"a","b \"c\""}); caller frees. */
char *crm_db_text_array(char *const *v, size_t n);
char *crm_db_i64_array(const int64_t *v, size_t n);

/* A text[] column (text or binary) decoded into an array of n strings; one
 * block: the caller frees it with free() alone. NULL (and *n 0) for an
 * empty or NULL array; a NULL element is "". */
char **crm_db_get_text_array(const PGresult *r, int row, int col, size_t *n);
/* A bigint[] column (text or binary; int4[] and int2[] too in binary)
 * decoded into a malloc'd array (NULL and *n 0 if empty). */
int64_t *crm_db_get_i64_array(const PGresult *r, int row, int col, size_t *n);

/* Encodes bytes as a bytea hex literal ("\x0a1b..."); caller frees. */
char *crm_db_bytea_hex(const uint8_t *data, size_t len);

#endif
