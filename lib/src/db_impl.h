/* db_impl.h: what the files of the database pool share (db.c: the pool,
 * its queue and transactions; db_conn.c: the connections, their sockets and
 * rounds). Not part of lib's public face. See db.c for how it works. */
#ifndef CRM_DB_IMPL_H
#define CRM_DB_IMPL_H

#include <sys/types.h>

#include "crm/db.h"
#include "crm/metrics.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define CONNECT_TIMEOUT_MS 10000
#define ROUND_TIMEOUT_MS 30000 /* CRM_DB_ROUND_TIMEOUT_MS overrides */
/* The server checks this often (ms) whether the client of a running query
 * is still there, so a round we abandon does not hold its locks for long. */
#define SERVER_CLIENT_CHECK "-c client_connection_check_interval=5000"

/* ---- types ----------------------------------------------------------- */

typedef struct {
    char *stmt; /* a registered name, or SQL text */
    int text;   /* stmt is SQL text: sent unprepared */
    int binary; /* its results in binary (crm_db_batch_binary) */
    int nparams;
    char **values;
} s_stmt_t;

/* What a queued entry is: a batch, a request for a transaction, or (in a
 * transaction's own queue) the request to roll it back. */
enum { B_BATCH, B_BEGIN, B_ROLLBACK };

struct crm_db_batch {
    s_stmt_t *stmts;
    size_t n, cap;
    int kind;
    int commit; /* the last batch of a transaction: COMMIT follows it */
    crm_db_cb cb;
    crm_db_begin_cb begin_cb;
    void *arg;
    crm_db_tx_t *tx;
    PGresult **res; /* every result of the round, owned */
    int nres;
    int off; /* index of the first statement of ours in res */
    char *sqlstate, *message, *constraint, *detail; /* owned error text, when not in res */
    crm_db_result_t out;
    crm_db_batch_t *next;
};

typedef struct {
    crm_db_batch_t *head, *tail;
} s_fifo_t;

struct crm_db_tx {
    crm_db_t *db;
    struct s_conn *conn; /* NULL once the connection is lost or the pool closed */
    int begun;           /* BEGIN has been sent */
    int dead;            /* something failed: later work fails at once */
    crm_db_error_t kind; /* the first error */
    char *sqlstate, *message, *constraint, *detail;
    s_fifo_t queue;          /* submitted, waiting for the running batch */
    crm_db_batch_t *running; /* in flight on conn */
    crm_db_tx_t *prev, *next;
};

enum { C_DOWN, C_CONNECTING, C_SETUP, C_READY };
enum { R_NONE, R_SETUP, R_BATCH, R_ROLLBACK };

typedef struct s_conn {
    crm_db_t *db;
    int id;
    int state;
    PGconn *pg;
    uv_poll_t *poll; /* NULL when none; freed in its close callback */
    int poll_fd;
    dev_t poll_dev;
    ino_t poll_ino; /* the socket behind poll_fd (the number may be reused) */
    int events;
    uv_timer_t timer; /* connect deadline, or reconnect back-off */
    unsigned backoff_ms;
    char *broken;    /* a send failed (why): the connection is dropped from the loop */
    crm_db_tx_t *tx; /* the transaction holding the connection */
    int round;       /* R_*: what is in flight */
    uint64_t round_started_ns;
    crm_db_batch_t *batch;
    PGresult **res;
    int nitems, nsyncs, cur, got, synced;
    int nprep, nlisten;           /* statements prepared, channels listened to */
    int setup_prep, setup_listen; /* the same, once the setup in flight is done */
} s_conn_t;

typedef struct {
    char *channel;
    crm_db_notify_cb cb;
    void *arg;
} s_listen_t;

struct crm_db {
    uv_loop_t *loop;
    char *conninfo;
    char *appname; /* "crm-leads", or "crm-leads/<role>" (crm_db_set_role) */
    uint64_t connect_timeout_ms;
    uint64_t round_timeout_ms;
    char *last_error;         /* why the last session was lost or not made */
    uint64_t last_error_ms;   /* when (crm_mono_ms), 0: never */
    uint64_t abandoned;       /* rounds abandoned past their deadline */
    crm_hist_t batch_seconds; /* a batch's round, sent to answered (crm_db_metrics) */
    uint64_t batches_failed;
    s_conn_t *conns;
    int nconns;
    int ready;
    char **names, **sqls;
    int nstmts;
    s_listen_t *listens;
    int nlistens;
    crm_db_connect_cb on_connect;
    void *on_connect_arg;
    s_fifo_t queue; /* waiting for a connection */
    s_fifo_t done;  /* finished, callback not yet run */
    crm_db_tx_t *txs;
    size_t ntx;
    size_t pending;
    uv_timer_t defer;
    int open_handles;
    int closing;
    int depth; /* user callbacks on the stack */
    int pumping, pump_again;
};

/* ---- shared between db.c and db_conn.c ---- */

void db_fifo_push(s_fifo_t *f, crm_db_batch_t *b);
crm_db_batch_t *db_fifo_pop(s_fifo_t *f);
char *db_msg(const char *m);
void db_clear_results(PGresult **res, int n);
void db_batch_free(crm_db_batch_t *b);
void db_fail(crm_db_batch_t *b, crm_db_error_t kind, const char *sqlstate, const char *message,
             const char *constraint, const char *detail);
void db_outcome(crm_db_batch_t *b, PGresult **res, int nres);
void db_finish(crm_db_t *db, crm_db_batch_t *b);
void db_maybe_free(crm_db_t *db);
void db_drain(crm_db_t *db);
void db_kick(crm_db_t *db);
void db_complete_later(crm_db_t *db, crm_db_batch_t *b);
void db_tail(crm_db_t *db);
void db_tx_kill(crm_db_tx_t *tx, crm_db_error_t kind, const char *sqlstate, const char *message,
                const char *constraint, const char *detail);
void db_tx_end(crm_db_tx_t *tx);
void db_handle_closed(uv_handle_t *h);
void db_send_batch(s_conn_t *c, crm_db_batch_t *b);
void db_conn_drop(s_conn_t *c, const char *why);
void db_conn_lost(s_conn_t *c, const char *msg);
void db_on_conn_timer(uv_timer_t *t);
int db_conn_chores(s_conn_t *c);
void db_conn_next(s_conn_t *c);
void db_pump(crm_db_t *db);
void db_tx_pump(crm_db_tx_t *tx);
void db_on_defer(uv_timer_t *t);

#endif
