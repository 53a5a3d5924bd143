/* db.c: PostgreSQL on the libuv loop, through libpq's non-blocking API (see
 * db.h).
 *
 * Each connection of the pool goes DOWN -> CONNECTING (PQconnectStartParams
 * and PQconnectPoll driven by a uv_poll, under our own timer since libpq
 * ignores connect_timeout here) -> SETUP (registered statements prepared and
 * LISTENs issued, in one pipeline) -> READY. A READY connection runs one
 * "round" at a time: the statements of a batch (or of an internal chore:
 * setup, ROLLBACK) sent in pipeline mode and ended by Sync, then read back
 * until the PGRES_PIPELINE_SYNC. The socket is always watched for readable,
 * so NOTIFYs are seen while idle, and for writable while PQflush has more to
 * send.
 *
 * Every round runs under a deadline (CRM_DB_ROUND_TIMEOUT_MS): libpq has no
 * timeout of its own on the asynchronous API, and a database that stalls
 * (stopped, partitioned, its host gone) answers nothing, not even an error.
 * A round past its deadline is abandoned: the session is dropped (its batch
 * and transaction fail with UNAVAILABLE) and a new one is made. The server
 * is asked (client_connection_check_interval) to notice a vanished client
 * and end what it was running for it.
 *
 * libuv stops a poll handle when it reports an error on the socket; the
 * connection then watches again from scratch, so a session whose socket
 * erred (the server crashed) is read to its end and replaced, never left
 * unwatched.
 *
 * Callbacks into the user run only from the loop (a poll or timer callback
 * of ours), never from inside a call the user made, except once the pool is
 * being destroyed: there is no loop left to come back from, so late work
 * fails at once. Work that fails without a round (a dead transaction, a
 * lost connection) goes to the "done" list, delivered by the zero-timeout
 * "defer" timer, which also runs the chores a call from user context may
 * have left (a connection given back by a transaction, a failed send).
 *
 * Destruction is hiredis-style: it may come from inside any callback. It
 * closes every handle and fails everything pending; the memory is freed once
 * the last handle's close callback has run, no callback of ours is on the
 * stack and every transaction handed out has been given back. */
#include "crm/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crm/config.h"
#include "crm/log.h"
#include "crm/util.h"

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
    int off;                               /* index of the first statement of ours in res */
    char *sqlstate, *message, *constraint; /* owned error text, when not in res */
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
    char *sqlstate, *message, *constraint;
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
    char *last_error;       /* why the last session was lost or not made */
    uint64_t last_error_ms; /* when (crm_mono_ms), 0: never */
    uint64_t abandoned;     /* rounds abandoned past their deadline */
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

static void s_pump(crm_db_t *db);
static void s_conn_next(s_conn_t *c);
static void s_tx_pump(crm_db_tx_t *tx);

/* ---- small helpers --------------------------------------------------- */

static void s_fifo_push(s_fifo_t *f, crm_db_batch_t *b)
{
    b->next = NULL;
    if (f->tail)
        f->tail->next = b;
    else
        f->head = b;
    f->tail = b;
}

static crm_db_batch_t *s_fifo_pop(s_fifo_t *f)
{
    crm_db_batch_t *b = f->head;
    if (b) {
        f->head = b->next;
        if (!f->head)
            f->tail = NULL;
        b->next = NULL;
    }
    return b;
}

/* A copy of libpq's message without its trailing newline; caller frees. */
static char *s_msg(const char *m)
{
    if (!m || !*m)
        return crm_strdup("connection lost");
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    return crm_strndup(m, n);
}

/* The kind of error a SQLSTATE is. "" is a lost connection. */
static crm_db_error_t s_kind(const char *st)
{
    if (!st || !*st)
        return CRM_DB_RETRY;
    if (!strcmp(st, "23505"))
        return CRM_DB_UNIQUE;
    if (!strcmp(st, "23503") || !strcmp(st, "23502") || !strcmp(st, "23514") ||
        !strncmp(st, "22", 2))
        return CRM_DB_REJECTED;
    if (!strcmp(st, "40001") || !strcmp(st, "40P01"))
        return CRM_DB_RETRY;
    if (!strcmp(st, "P0001"))
        return CRM_DB_REFUSED;
    /* connection exceptions, the server shutting down or cancelling us */
    if (!strncmp(st, "08", 2) || !strcmp(st, "57P01") || !strcmp(st, "57P02") ||
        !strcmp(st, "57P03"))
        return CRM_DB_RETRY;
    return CRM_DB_BUG;
}

static void s_clear_results(PGresult **res, int n)
{
    if (!res)
        return;
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
    free(res);
}

static void s_batch_free(crm_db_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        s_stmt_t *s = &b->stmts[i];
        for (int j = 0; j < s->nparams; j++)
            free(s->values[j]);
        free(s->values);
        free(s->stmt);
    }
    free(b->stmts);
    s_clear_results(b->res, b->nres);
    free(b->sqlstate);
    free(b->message);
    free(b->constraint);
    free(b);
}

/* Marks b failed with the given error (copied); its results are dropped. */
static void s_fail(crm_db_batch_t *b, crm_db_error_t kind, const char *sqlstate,
                   const char *message, const char *constraint)
{
    s_clear_results(b->res, b->nres);
    b->res = NULL;
    b->nres = 0;
    free(b->sqlstate);
    free(b->message);
    free(b->constraint);
    b->sqlstate = crm_strdup(sqlstate ? sqlstate : "");
    b->message = crm_strdup(message ? message : "");
    b->constraint = crm_strdup(constraint ? constraint : "");
    b->out = (crm_db_result_t){.err = 1,
                               .kind = kind,
                               .sqlstate = b->sqlstate,
                               .message = b->message,
                               .constraint = b->constraint,
                               .failed = -1};
}

/* Fills b->out from the results of its round (res, owned from now on). */
static void s_outcome(crm_db_batch_t *b, PGresult **res, int nres)
{
    b->res = res;
    b->nres = nres;
    crm_db_result_t *o = &b->out;
    *o = (crm_db_result_t){.kind = CRM_DB_OK,
                           .sqlstate = "",
                           .message = "",
                           .constraint = "",
                           .failed = -1,
                           .results = res + b->off,
                           .nresults = b->n};
    int aborted = 0;
    for (int i = 0; i < nres; i++) {
        ExecStatusType st = res[i] ? PQresultStatus(res[i]) : PGRES_FATAL_ERROR;
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
            continue;
        if (st == PGRES_PIPELINE_ABORTED) {
            aborted = 1;
            continue;
        }
        o->err = 1;
        o->failed = i >= b->off && (size_t)(i - b->off) < b->n ? i - b->off : -1;
        if (res[i] && st == PGRES_FATAL_ERROR) {
            const char *f = PQresultErrorField(res[i], PG_DIAG_SQLSTATE);
            o->sqlstate = f ? f : "";
            f = PQresultErrorField(res[i], PG_DIAG_MESSAGE_PRIMARY);
            o->message = f ? f : PQresultErrorMessage(res[i]);
            f = PQresultErrorField(res[i], PG_DIAG_CONSTRAINT_NAME);
            o->constraint = f ? f : "";
            o->kind = s_kind(o->sqlstate);
            if (o->kind == CRM_DB_RETRY && !*o->sqlstate)
                o->kind = CRM_DB_BUG; /* an error without a code */
        } else {
            o->kind = CRM_DB_BUG;
            o->message = res[i] ? PQresStatus(st) : "no result";
        }
        return;
    }
    if (aborted) {
        o->err = 1;
        o->kind = CRM_DB_BUG;
        o->message = "pipeline aborted";
    }
}

/* Runs the user's callback for a finished entry, then frees it. */
static void s_finish(crm_db_t *db, crm_db_batch_t *b)
{
    db->pending--;
    db->depth++;
    if (b->kind == B_BEGIN)
        b->begin_cb(b->arg, NULL, &b->out);
    else if (b->cb)
        b->cb(b->arg, &b->out);
    db->depth--;
    s_batch_free(b);
}

/* Frees the pool once nothing can touch it any more. */
static void s_maybe_free(crm_db_t *db)
{
    if (!db->closing || db->open_handles || db->ntx || db->depth || db->done.head)
        return;
    for (int i = 0; i < db->nstmts; i++) {
        free(db->names[i]);
        free(db->sqls[i]);
    }
    free(db->names);
    free(db->sqls);
    for (int i = 0; i < db->nlistens; i++)
        free(db->listens[i].channel);
    free(db->listens);
    free(db->conns);
    free(db->conninfo);
    free(db->appname);
    free(db->last_error);
    free(db);
}

/* Runs every callback on the done list. */
static void s_drain(crm_db_t *db)
{
    db->depth++;
    crm_db_batch_t *b;
    while ((b = s_fifo_pop(&db->done)))
        s_finish(db, b);
    db->depth--;
}

static void s_on_defer(uv_timer_t *t);

/* Asks for the defer timer: chores and callbacks from the loop. */
static void s_kick(crm_db_t *db)
{
    if (!db->closing && !uv_is_active((uv_handle_t *)&db->defer))
        uv_timer_start(&db->defer, s_on_defer, 0, 0);
}

/* b is finished (out filled): its callback runs from the loop. */
static void s_complete_later(crm_db_t *db, crm_db_batch_t *b)
{
    s_fifo_push(&db->done, b);
    s_kick(db);
}

/* The end of every public call that may have finished work: once the pool
 * is closing there is no loop to come back from, so callbacks run now. */
static void s_tail(crm_db_t *db)
{
    if (db->closing) {
        s_drain(db);
        s_maybe_free(db);
    }
}

/* ---- transactions (internal) ----------------------------------------- */

/* Records tx's first error; everything after fails with it. */
static void s_tx_kill(crm_db_tx_t *tx, crm_db_error_t kind, const char *sqlstate,
                      const char *message, const char *constraint)
{
    if (tx->dead)
        return;
    tx->dead = 1;
    tx->kind = kind;
    tx->sqlstate = crm_strdup(sqlstate ? sqlstate : "");
    tx->message = crm_strdup(message ? message : "");
    tx->constraint = crm_strdup(constraint ? constraint : "");
}

/* The transaction is over: gives its connection back (rolled back from the
 * loop if it is still inside a transaction) and frees it. */
static void s_tx_end(crm_db_tx_t *tx)
{
    crm_db_t *db = tx->db;
    if (tx->conn)
        tx->conn->tx = NULL;
    if (tx->prev)
        tx->prev->next = tx->next;
    else
        db->txs = tx->next;
    if (tx->next)
        tx->next->prev = tx->prev;
    crm_db_batch_t *b;
    while ((b = s_fifo_pop(&tx->queue))) { /* nothing can follow the end; be safe */
        if (b->kind == B_ROLLBACK) {
            s_batch_free(b);
            continue;
        }
        b->tx = NULL;
        s_fail(b, CRM_DB_BUG, "", "transaction already ended", "");
        s_complete_later(db, b);
    }
    free(tx->sqlstate);
    free(tx->message);
    free(tx->constraint);
    free(tx);
    db->ntx--;
    s_kick(db);
}

/* ---- the socket ------------------------------------------------------ */

static void s_on_poll(uv_poll_t *p, int status, int events);

static void s_poll_closed(uv_handle_t *h)
{
    crm_db_t *db = h->data;
    free(h);
    db->open_handles--;
    s_maybe_free(db);
}

static void s_handle_closed(uv_handle_t *h)
{
    crm_db_t *db = h->data;
    db->open_handles--;
    s_maybe_free(db);
}

static void s_unwatch(s_conn_t *c)
{
    if (!c->poll)
        return;
    c->poll->data = c->db;
    uv_close((uv_handle_t *)c->poll, s_poll_closed);
    c->poll = NULL;
    c->events = 0;
}

/* Watches the connection's socket for events. While connecting, libpq may
 * have replaced the socket (even under the same number): then the old poll
 * handle is closed and a new one made. Returns 0 or -1. */
static int s_watch(s_conn_t *c, int events)
{
    int fd = PQsocket(c->pg);
    if (fd < 0)
        return -1;
    if (c->poll && c->state == C_CONNECTING) {
        struct stat st;
        if (fstat(fd, &st) != 0 || fd != c->poll_fd || st.st_dev != c->poll_dev ||
            st.st_ino != c->poll_ino)
            s_unwatch(c);
    }
    if (!c->poll) {
        struct stat st;
        if (fstat(fd, &st) != 0)
            return -1;
        uv_poll_t *p = crm_malloc(sizeof *p);
        if (uv_poll_init(c->db->loop, p, fd) != 0) {
            free(p);
            return -1;
        }
        c->db->open_handles++;
        p->data = c;
        c->poll = p;
        c->poll_fd = fd;
        c->poll_dev = st.st_dev;
        c->poll_ino = st.st_ino;
        c->events = 0;
    }
    if (events != c->events) {
        if (uv_poll_start(c->poll, events, s_on_poll) != 0)
            return -1;
        c->events = events;
    }
    return 0;
}

/* Sends what libpq holds; watches for writable while some is left.
 * Returns 0 or -1 (the connection is broken). */
static int s_flush(s_conn_t *c)
{
    int r = PQflush(c->pg);
    if (r < 0)
        return -1;
    return s_watch(c, r ? UV_READABLE | UV_WRITABLE : UV_READABLE);
}

/* A send failed in a context where the user may be on the stack: the
 * connection is dropped from the loop. */
static void s_broken(s_conn_t *c)
{
    if (!c->broken)
        c->broken = s_msg(PQerrorMessage(c->pg));
    s_kick(c->db);
}

/* ---- rounds ---------------------------------------------------------- */

static void s_on_conn_timer(uv_timer_t *t);

/* Starts a round, under its deadline (c->timer: a READY or SETUP
 * connection uses it for nothing else). */
static void s_round_start(s_conn_t *c, int kind, int nitems, int nsyncs)
{
    uv_timer_start(&c->timer, s_on_conn_timer, c->db->round_timeout_ms, 0);
    c->round = kind;
    c->res = crm_calloc(nitems ? (size_t)nitems : 1, sizeof *c->res);
    c->nitems = nitems;
    c->nsyncs = nsyncs;
    c->cur = c->got = c->synced = 0;
}

static int s_send_text(PGconn *pg, const char *sql)
{
    return PQsendQueryParams(pg, sql, 0, NULL, NULL, NULL, NULL, 0);
}

/* Sends batch b on c: [BEGIN] statements [COMMIT], Sync. */
static void s_send_batch(s_conn_t *c, crm_db_batch_t *b)
{
    crm_db_tx_t *tx = b->tx;
    int begin = tx && !tx->begun;
    b->off = begin;
    s_round_start(c, R_BATCH, begin + (int)b->n + b->commit, 1);
    c->batch = b;
    if (tx)
        tx->begun = 1;
    PGconn *pg = c->pg;
    int ok = PQenterPipelineMode(pg);
    if (ok && begin)
        ok = s_send_text(pg, "BEGIN");
    for (size_t i = 0; ok && i < b->n; i++) {
        s_stmt_t *s = &b->stmts[i];
        const char *const *v = (const char *const *)s->values;
        if (s->text)
            ok = PQsendQueryParams(pg, s->stmt, s->nparams, NULL, v, NULL, NULL, 0);
        else
            ok = PQsendQueryPrepared(pg, s->stmt, s->nparams, v, NULL, NULL, 0);
    }
    if (ok && b->commit)
        ok = s_send_text(pg, "COMMIT");
    if (ok)
        ok = PQpipelineSync(pg);
    if (!ok || s_flush(c) < 0)
        s_broken(c);
}

/* Prepares the statements and LISTENs on the channels registered since c
 * last did, each with its own Sync so one failure does not stop the rest. */
static void s_send_setup(s_conn_t *c)
{
    crm_db_t *db = c->db;
    PGconn *pg = c->pg;
    int n = (db->nstmts - c->nprep) + (db->nlistens - c->nlisten);
    s_round_start(c, R_SETUP, n, n);
    c->setup_prep = db->nstmts;
    c->setup_listen = db->nlistens;
    int ok = PQenterPipelineMode(pg);
    for (int i = c->nprep; ok && i < db->nstmts; i++)
        ok = PQsendPrepare(pg, db->names[i], db->sqls[i], 0, NULL) && PQpipelineSync(pg);
    for (int i = c->nlisten; ok && i < db->nlistens; i++) {
        const char *ch = db->listens[i].channel;
        char *id = PQescapeIdentifier(pg, ch, strlen(ch));
        if (!id) {
            ok = 0;
            break;
        }
        char *sql = crm_sprintf("LISTEN %s", id);
        PQfreemem(id);
        ok = s_send_text(pg, sql) && PQpipelineSync(pg);
        free(sql);
    }
    if (!ok || s_flush(c) < 0)
        s_broken(c);
}

static void s_send_rollback(s_conn_t *c)
{
    s_round_start(c, R_ROLLBACK, 1, 1);
    if (!PQenterPipelineMode(c->pg) || !s_send_text(c->pg, "ROLLBACK") || !PQpipelineSync(c->pg) ||
        s_flush(c) < 0)
        s_broken(c);
}

/* Reads the results that have arrived. Returns 1 once the round's last
 * Sync has come back. */
static int s_read(s_conn_t *c)
{
    while (!PQisBusy(c->pg)) {
        PGresult *r = PQgetResult(c->pg);
        if (!r) {
            if (!c->got)
                return 0; /* nothing more for now */
            c->cur++;     /* the NULL that ends one statement's results */
            c->got = 0;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            if (c->got) {
                c->cur++;
                c->got = 0;
            }
            if (++c->synced == c->nsyncs)
                return 1;
            continue;
        }
        if (c->cur < c->nitems && !c->res[c->cur])
            c->res[c->cur] = r;
        else
            PQclear(r); /* a second result for one statement: keep the first */
        c->got = 1;
    }
    return 0;
}

/* Logs the chores that failed (a statement that cannot be prepared is
 * reported by every batch using it). */
static void s_setup_done(s_conn_t *c, PGresult **res, int n)
{
    crm_db_t *db = c->db;
    int nprep = c->setup_prep - c->nprep;
    for (int i = 0; i < n; i++) {
        if (res[i] && PQresultStatus(res[i]) == PGRES_COMMAND_OK)
            continue;
        const char *what =
            i < nprep ? db->names[c->nprep + i] : db->listens[c->nlisten + i - nprep].channel;
        const char *m = res[i] ? PQresultErrorField(res[i], PG_DIAG_MESSAGE_PRIMARY) : NULL;
        char *msg = s_msg(m ? m : res[i] ? PQresultErrorMessage(res[i]) : "no result");
        crm_log(CRM_ERROR, i < nprep ? "cannot prepare statement" : "cannot listen",
                i < nprep ? "statement" : "channel", what, "error", msg, NULL);
        free(msg);
    }
    c->nprep = c->setup_prep;
    c->nlisten = c->setup_listen;
}

/* The round on c is complete: hand out what it produced, then give c its
 * next work. Loop context. */
static void s_round_done(s_conn_t *c)
{
    crm_db_t *db = c->db;
    int kind = c->round;
    PGresult **res = c->res;
    int n = c->nitems;
    crm_db_batch_t *b = c->batch;
    uv_timer_stop(&c->timer);
    c->round = R_NONE;
    c->res = NULL;
    c->batch = NULL;
    if (!PQexitPipelineMode(c->pg))
        s_broken(c);
    if (kind == R_SETUP) {
        s_setup_done(c, res, n);
        s_clear_results(res, n);
    } else if (kind == R_ROLLBACK) {
        s_clear_results(res, n);
    } else if (b) {
        s_outcome(b, res, n);
        crm_db_tx_t *tx = b->tx;
        if (tx) {
            tx->running = NULL;
            if (b->out.err)
                s_tx_kill(tx, b->out.kind, b->out.sqlstate, b->out.message, b->out.constraint);
            if (b->commit)
                s_tx_end(tx);
            b->tx = NULL;
        }
        s_finish(db, b);
        if (db->closing)
            return;
    }
    s_conn_next(c);
}

/* ---- connections ----------------------------------------------------- */

static void s_notice(void *arg, const char *message)
{
    char *m = s_msg(message);
    crm_log(CRM_DEBUG, "postgres notice", "notice", m, NULL);
    free(m);
}

/* Drops c's session: the handles stop, the PGconn is finished, the round
 * in flight is failed (UNAVAILABLE) and so is the transaction holding c.
 * No callback runs here. */
static void s_conn_drop(s_conn_t *c, const char *why)
{
    crm_db_t *db = c->db;
    if (c->state == C_READY)
        db->ready--;
    c->state = C_DOWN;
    s_unwatch(c);
    uv_timer_stop(&c->timer);
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
    free(c->broken);
    c->broken = NULL;
    s_clear_results(c->res, c->nitems);
    c->res = NULL;
    c->round = R_NONE;
    crm_db_batch_t *b = c->batch;
    c->batch = NULL;
    crm_db_tx_t *tx = c->tx;
    c->tx = NULL;
    if (tx) {
        tx->conn = NULL;
        s_tx_kill(tx, CRM_DB_RETRY, "", why, "");
    }
    if (b) {
        s_fail(b, CRM_DB_RETRY, "", why, "");
        if (b->tx) {
            crm_db_tx_t *btx = b->tx;
            btx->running = NULL;
            b->tx = NULL;
            if (b->commit)
                s_tx_end(btx);
            else
                s_tx_pump(btx);
        }
        s_complete_later(db, b);
    } else if (tx) {
        s_tx_pump(tx);
    }
}

/* Remembers why a session was lost or could not be made (for health). */
static void s_note_error(crm_db_t *db, const char *why)
{
    free(db->last_error);
    db->last_error = crm_strdup(why);
    db->last_error_ms = crm_mono_ms();
}

static void s_reconnect_later(s_conn_t *c)
{
    uv_timer_start(&c->timer, s_on_conn_timer, c->backoff_ms, 0);
    c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

/* A connection that was working is gone. Loop context. */
static void s_conn_lost(s_conn_t *c, const char *msg)
{
    crm_db_t *db = c->db;
    int was_ready = c->state == C_READY;
    char *why = s_msg(msg);
    char id[16];
    snprintf(id, sizeof id, "%d", c->id);
    crm_log(CRM_WARN, "database connection lost", "session", db->appname, "conn", id, "error", why,
            NULL);
    s_note_error(db, why);
    s_conn_drop(c, why);
    free(why);
    s_reconnect_later(c);
    if (was_ready && db->on_connect) {
        db->depth++;
        db->on_connect(db->on_connect_arg, 0);
        db->depth--;
    }
}

/* A connection attempt failed. With no connection working, the work that
 * waits fails rather than waiting for the database to come back. */
static void s_conn_failed(s_conn_t *c, const char *msg)
{
    crm_db_t *db = c->db;
    char *why = s_msg(msg);
    char id[16];
    snprintf(id, sizeof id, "%d", c->id);
    crm_log(CRM_WARN, "cannot connect to the database", "session", db->appname, "conn", id, "error",
            why, NULL);
    s_note_error(db, why);
    s_conn_drop(c, why);
    s_reconnect_later(c);
    if (db->ready == 0) {
        char *m = crm_sprintf("database unreachable: %s", why);
        crm_db_batch_t *b;
        while ((b = s_fifo_pop(&db->queue))) {
            s_fail(b, CRM_DB_RETRY, "", m, "");
            s_complete_later(db, b);
        }
        free(m);
    }
    free(why);
}

/* Advances the connection handshake. */
static void s_connect_step(s_conn_t *c)
{
    switch (PQconnectPoll(c->pg)) {
    case PGRES_POLLING_READING:
        if (s_watch(c, UV_READABLE) < 0)
            s_conn_failed(c, "cannot watch the socket");
        return;
    case PGRES_POLLING_WRITING:
    case PGRES_POLLING_ACTIVE:
        if (s_watch(c, UV_WRITABLE) < 0)
            s_conn_failed(c, "cannot watch the socket");
        return;
    case PGRES_POLLING_FAILED:
        s_conn_failed(c, PQerrorMessage(c->pg));
        return;
    case PGRES_POLLING_OK:
        break;
    }
    uv_timer_stop(&c->timer);
    if (PQsetnonblocking(c->pg, 1) != 0 || s_watch(c, UV_READABLE) < 0) {
        s_conn_failed(c, PQerrorMessage(c->pg));
        return;
    }
    c->state = C_SETUP;
    c->nprep = c->nlisten = 0;
    s_conn_next(c);
}

static void s_conn_start(s_conn_t *c)
{
    crm_db_t *db = c->db;
    /* Defaults first: what conninfo (expanded from dbname) sets wins. TCP
     * keepalives find a peer that vanished while the session is idle. */
    const char *keys[] = {
        "keepalives", "keepalives_idle", "keepalives_interval",       "keepalives_count",
        "options",    "dbname",          "fallback_application_name", NULL};
    const char *vals[] = {"1",          "30",        "10", "3", SERVER_CLIENT_CHECK,
                          db->conninfo, db->appname, NULL};
    c->pg = PQconnectStartParams(keys, vals, 1);
    c->state = C_CONNECTING;
    if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
        s_conn_failed(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
        return;
    }
    PQsetNoticeProcessor(c->pg, s_notice, c);
    uv_timer_start(&c->timer, s_on_conn_timer, db->connect_timeout_ms, 0);
    /* As if PQconnectPoll had answered PGRES_POLLING_WRITING. */
    if (s_watch(c, UV_WRITABLE) < 0)
        s_conn_failed(c, "cannot watch the socket");
}

/* A round past its deadline: the session is abandoned and replaced. */
static void s_round_timeout(s_conn_t *c)
{
    crm_db_t *db = c->db;
    db->abandoned++;
    char *why = crm_sprintf("no answer from the database in %llu ms; session replaced",
                            (unsigned long long)db->round_timeout_ms);
    s_conn_lost(c, why);
    free(why);
}

static void s_on_conn_timer(uv_timer_t *t)
{
    s_conn_t *c = t->data;
    if (c->state == C_DOWN)
        s_conn_start(c);
    else if (c->state == C_CONNECTING)
        s_conn_failed(c, "connect timeout");
    else if (c->round != R_NONE)
        s_round_timeout(c);
}

/* Runs the internal work c needs before it can take the user's: a ROLLBACK
 * of a transaction left open, preparing what was registered since. Returns
 * 1 if c is busy (or not usable), 0 if it is free for work. */
static int s_conn_chores(s_conn_t *c)
{
    crm_db_t *db = c->db;
    if ((c->state != C_SETUP && c->state != C_READY) || c->round != R_NONE || c->broken)
        return 1;
    if (c->tx)
        return 0;
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        s_send_rollback(c);
        return 1;
    }
    if (c->nprep < db->nstmts || c->nlisten < db->nlistens) {
        s_send_setup(c);
        return 1;
    }
    return 0;
}

/* c has nothing in flight: gives it its next work. Loop context. */
static void s_conn_next(s_conn_t *c)
{
    crm_db_t *db = c->db;
    if (db->closing || s_conn_chores(c))
        return;
    if (c->state == C_SETUP) {
        c->state = C_READY;
        db->ready++;
        c->backoff_ms = BACKOFF_MIN_MS;
        char id[16];
        snprintf(id, sizeof id, "%d", c->id);
        crm_log(CRM_DEBUG, "database connected", "conn", id, NULL);
        if (db->on_connect) {
            db->depth++;
            db->on_connect(db->on_connect_arg, 1);
            db->depth--;
            if (db->closing || c->state != C_READY)
                return;
        }
    }
    if (c->tx)
        s_tx_pump(c->tx);
    else
        s_pump(db);
}

/* Delivers the NOTIFYs libpq has parsed. */
static void s_notifies(s_conn_t *c)
{
    crm_db_t *db = c->db;
    PGnotify *n;
    while (!db->closing && c->pg && (n = PQnotifies(c->pg))) {
        db->depth++;
        for (int i = 0; i < db->nlistens && !db->closing; i++)
            if (!strcmp(db->listens[i].channel, n->relname))
                db->listens[i].cb(db->listens[i].arg, n->relname, n->extra);
        db->depth--;
        PQfreemem(n);
    }
}

/* The socket of a connected connection is ready. */
static void s_io(s_conn_t *c, int events)
{
    crm_db_t *db = c->db;
    if (c->broken)
        return; /* dropped from the defer timer */
    if ((events & UV_WRITABLE) && s_flush(c) < 0) {
        s_conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    if ((events & UV_READABLE) && !PQconsumeInput(c->pg)) {
        s_conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    if (c->round != R_NONE && s_read(c)) {
        s_round_done(c);
        if (db->closing)
            return;
    }
    if (c->broken || !c->pg)
        return;
    s_notifies(c);
    if (!db->closing && c->pg && !c->broken && PQstatus(c->pg) == CONNECTION_BAD)
        s_conn_lost(c, PQerrorMessage(c->pg));
}

static void s_on_poll(uv_poll_t *p, int status, int events)
{
    s_conn_t *c = p->data;
    if (status < 0) {
        /* libuv has stopped the handle: watch again from scratch, and let
         * libpq find out what is wrong (the session ends, or goes on). */
        c->events = 0;
        events = UV_READABLE | UV_WRITABLE;
    }
    if (c->state == C_CONNECTING)
        s_connect_step(c);
    else if (c->state == C_SETUP || c->state == C_READY)
        s_io(c, events);
}

/* ---- the queue ------------------------------------------------------- */

/* Gives queued work to free connections. Loop context (a transaction's
 * begin callback runs from here). */
static void s_pump(crm_db_t *db)
{
    if (db->pumping) {
        db->pump_again = 1;
        return;
    }
    db->pumping = 1;
    do {
        db->pump_again = 0;
        for (int i = 0; i < db->nconns && db->queue.head && !db->closing; i++) {
            s_conn_t *c = &db->conns[i];
            if (c->state != C_READY || c->tx || s_conn_chores(c))
                continue;
            crm_db_batch_t *b = s_fifo_pop(&db->queue);
            if (b->kind == B_BATCH) {
                s_send_batch(c, b);
                continue;
            }
            crm_db_tx_t *tx = crm_calloc(1, sizeof *tx);
            tx->db = db;
            tx->conn = c;
            c->tx = tx;
            tx->next = db->txs;
            if (db->txs)
                db->txs->prev = tx;
            db->txs = tx;
            db->ntx++;
            db->pending--;
            db->depth++;
            b->begin_cb(b->arg, tx, NULL);
            db->depth--;
            s_batch_free(b);
        }
    } while (db->pump_again && !db->closing);
    db->pumping = 0;
}

/* Runs the next batch of tx, or fails it if tx is dead. No callback runs
 * here: it may be called from the user's context. */
static void s_tx_pump(crm_db_tx_t *tx)
{
    crm_db_t *db = tx->db;
    while (!tx->running) {
        crm_db_batch_t *b = s_fifo_pop(&tx->queue);
        if (!b)
            return;
        if (b->kind == B_ROLLBACK) {
            s_batch_free(b);
            s_tx_end(tx);
            return;
        }
        int commit = b->commit;
        if (tx->dead || !tx->conn) {
            if (!tx->dead)
                s_tx_kill(tx, CRM_DB_RETRY, "", "connection lost", "");
            b->tx = NULL;
            s_fail(b, tx->kind, tx->sqlstate, tx->message, tx->constraint);
            s_complete_later(db, b);
            if (commit) {
                s_tx_end(tx);
                return;
            }
            continue;
        }
        if (commit && b->n == 0 && !tx->begun) { /* nothing was ever sent */
            b->tx = NULL;
            s_outcome(b, crm_calloc(1, sizeof(PGresult *)), 0);
            s_complete_later(db, b);
            s_tx_end(tx);
            return;
        }
        tx->running = b;
        s_send_batch(tx->conn, b);
    }
}

/* Chores left by calls from the user's context, callbacks of finished
 * work, then queued work for free connections. */
static void s_on_defer(uv_timer_t *t)
{
    crm_db_t *db = t->data;
    for (int i = 0; i < db->nconns && !db->closing; i++) {
        s_conn_t *c = &db->conns[i];
        if (c->broken) {
            char *why = c->broken;
            c->broken = NULL;
            s_conn_lost(c, why);
            free(why);
        }
    }
    if (db->closing)
        return;
    s_drain(db);
    for (int i = 0; i < db->nconns && !db->closing; i++)
        s_conn_next(&db->conns[i]);
    if (!db->closing)
        s_pump(db);
}

/* ---- the pool -------------------------------------------------------- */

crm_db_t *crm_db_new(uv_loop_t *loop, const char *conninfo, int size)
{
    crm_db_t *db = crm_calloc(1, sizeof *db);
    db->loop = loop;
    db->conninfo = crm_strdup(conninfo ? conninfo : "");
    db->appname = crm_strdup(program_invocation_short_name && *program_invocation_short_name
                                 ? program_invocation_short_name
                                 : "crm");
    db->connect_timeout_ms = CONNECT_TIMEOUT_MS;
    db->round_timeout_ms =
        (uint64_t)crm_env_int("CRM_DB_ROUND_TIMEOUT_MS", ROUND_TIMEOUT_MS, 100, 3600000);
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(db->conninfo, &errmsg);
    if (!opts) {
        char *m = s_msg(errmsg ? errmsg : "out of memory");
        crm_log(CRM_ERROR, "invalid database conninfo", "error", m, NULL);
        free(m);
        PQfreemem(errmsg);
    } else {
        for (PQconninfoOption *o = opts; o->keyword; o++)
            if (!strcmp(o->keyword, "connect_timeout") && o->val && atoi(o->val) > 0)
                db->connect_timeout_ms = (uint64_t)atoi(o->val) * 1000;
        PQconninfoFree(opts);
    }
    db->nconns = size > 0 ? size : 1;
    db->conns = crm_calloc((size_t)db->nconns, sizeof *db->conns);
    uv_timer_init(loop, &db->defer);
    db->defer.data = db;
    db->open_handles = 1;
    for (int i = 0; i < db->nconns; i++) {
        s_conn_t *c = &db->conns[i];
        c->db = db;
        c->id = i;
        c->backoff_ms = BACKOFF_MIN_MS;
        uv_timer_init(loop, &c->timer);
        c->timer.data = c;
        db->open_handles++;
        uv_timer_start(&c->timer, s_on_conn_timer, 0, 0);
    }
    return db;
}

void crm_db_prepare(crm_db_t *db, const char *name, const char *sql)
{
    db->names = crm_realloc(db->names, (size_t)(db->nstmts + 1) * sizeof *db->names);
    db->sqls = crm_realloc(db->sqls, (size_t)(db->nstmts + 1) * sizeof *db->sqls);
    db->names[db->nstmts] = crm_strdup(name);
    db->sqls[db->nstmts] = crm_strdup(sql);
    db->nstmts++;
    s_kick(db); /* connections already up prepare it before their next work */
}

void crm_db_listen(crm_db_t *db, const char *channel, crm_db_notify_cb cb, void *arg)
{
    db->listens = crm_realloc(db->listens, (size_t)(db->nlistens + 1) * sizeof *db->listens);
    db->listens[db->nlistens++] = (s_listen_t){crm_strdup(channel), cb, arg};
    s_kick(db);
}

void crm_db_on_connect(crm_db_t *db, crm_db_connect_cb cb, void *arg)
{
    db->on_connect = cb;
    db->on_connect_arg = arg;
}

void crm_db_set_role(crm_db_t *db, const char *role)
{
    char *name = crm_sprintf("%s/%s", db->appname, role);
    free(db->appname);
    db->appname = name;
}

int crm_db_ready(const crm_db_t *db)
{
    return db && !db->closing ? db->ready : 0;
}

void crm_db_health(const crm_db_t *db, crm_db_health_t *out)
{
    *out = (crm_db_health_t){0};
    if (!db)
        return;
    out->size = db->nconns;
    out->ready = crm_db_ready(db);
    out->abandoned = db->abandoned;
    out->last_error = db->last_error;
    out->last_error_ago_ms = db->last_error_ms ? crm_mono_ms() - db->last_error_ms : 0;
}

size_t crm_db_pending(const crm_db_t *db)
{
    return db ? db->pending : 0;
}

crm_db_batch_t *crm_db_batch_new(void)
{
    return crm_calloc(1, sizeof(crm_db_batch_t));
}

void crm_db_batch_add(crm_db_batch_t *b, const char *stmt, int nparams, const char *const *values)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4;
        b->stmts = crm_realloc(b->stmts, b->cap * sizeof *b->stmts);
    }
    s_stmt_t *s = &b->stmts[b->n++];
    s->stmt = crm_strdup(stmt);
    s->text = strchr(stmt, ' ') != NULL;
    s->nparams = nparams > 0 ? nparams : 0;
    s->values = s->nparams ? crm_calloc((size_t)s->nparams, sizeof *s->values) : NULL;
    for (int i = 0; i < s->nparams; i++)
        s->values[i] = values && values[i] ? crm_strdup(values[i]) : NULL;
}

size_t crm_db_batch_size(const crm_db_batch_t *b)
{
    return b ? b->n : 0;
}

void crm_db_batch_append(crm_db_batch_t *dst, crm_db_batch_t **src_p)
{
    crm_db_batch_t *src = src_p ? *src_p : NULL;
    if (!src)
        return;
    *src_p = NULL;
    for (size_t i = 0; i < src->n; i++) {
        if (dst->n == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 4;
            dst->stmts = crm_realloc(dst->stmts, dst->cap * sizeof *dst->stmts);
        }
        dst->stmts[dst->n++] = src->stmts[i]; /* the strings move with it */
    }
    src->n = 0;
    s_batch_free(src);
}

void crm_db_batch_destroy(crm_db_batch_t **b_p)
{
    if (b_p && *b_p) {
        s_batch_free(*b_p);
        *b_p = NULL;
    }
}

/* Takes *b_p (a new empty batch when NULL) and sets it up for cb. */
static crm_db_batch_t *s_take(crm_db_batch_t **b_p, int kind, crm_db_cb cb, void *arg)
{
    crm_db_batch_t *b = b_p && *b_p ? *b_p : crm_db_batch_new();
    if (b_p)
        *b_p = NULL;
    b->kind = kind;
    b->cb = cb;
    b->arg = arg;
    return b;
}

void crm_db_submit(crm_db_t *db, crm_db_batch_t **b_p, crm_db_cb cb, void *arg)
{
    crm_db_batch_t *b = s_take(b_p, B_BATCH, cb, arg);
    db->pending++;
    if (db->closing) {
        s_fail(b, CRM_DB_RETRY, "", "database pool closed", "");
        s_complete_later(db, b);
        s_tail(db);
        return;
    }
    s_fifo_push(&db->queue, b);
    s_kick(db);
}

void crm_db_exec(crm_db_t *db, const char *stmt, int nparams, const char *const *values,
                 crm_db_cb cb, void *arg)
{
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, stmt, nparams, values);
    crm_db_submit(db, &b, cb, arg);
}

void crm_db_begin(crm_db_t *db, crm_db_begin_cb cb, void *arg)
{
    crm_db_batch_t *b = s_take(NULL, B_BEGIN, NULL, arg);
    b->begin_cb = cb;
    db->pending++;
    if (db->closing) {
        s_fail(b, CRM_DB_RETRY, "", "database pool closed", "");
        s_complete_later(db, b);
        s_tail(db);
        return;
    }
    s_fifo_push(&db->queue, b);
    s_kick(db);
}

/* Queues b on tx and runs it if tx is idle. */
static void s_tx_queue(crm_db_tx_t *tx, crm_db_batch_t *b)
{
    crm_db_t *db = tx->db;
    b->tx = tx;
    if (b->kind != B_ROLLBACK)
        db->pending++;
    s_fifo_push(&tx->queue, b);
    s_tx_pump(tx);
    s_tail(db);
}

void crm_db_tx_submit(crm_db_tx_t *tx, crm_db_batch_t **b_p, crm_db_cb cb, void *arg)
{
    s_tx_queue(tx, s_take(b_p, B_BATCH, cb, arg));
}

void crm_db_tx_commit(crm_db_tx_t *tx, crm_db_batch_t **b_p, crm_db_cb cb, void *arg)
{
    crm_db_batch_t *b = s_take(b_p, B_BATCH, cb, arg);
    b->commit = 1;
    s_tx_queue(tx, b);
}

void crm_db_tx_rollback(crm_db_tx_t *tx)
{
    if (tx)
        s_tx_queue(tx, s_take(NULL, B_ROLLBACK, NULL, NULL));
}

void crm_db_destroy(crm_db_t **db_p)
{
    crm_db_t *db = db_p ? *db_p : NULL;
    if (!db)
        return;
    *db_p = NULL;
    if (db->closing)
        return;
    db->closing = 1;
    uv_timer_stop(&db->defer);
    db->defer.data = db;
    uv_close((uv_handle_t *)&db->defer, s_handle_closed);
    for (int i = 0; i < db->nconns; i++) {
        s_conn_t *c = &db->conns[i];
        s_conn_drop(c, "database pool closed");
        c->timer.data = db;
        uv_close((uv_handle_t *)&c->timer, s_handle_closed);
    }
    crm_db_batch_t *b;
    while ((b = s_fifo_pop(&db->queue))) {
        s_fail(b, CRM_DB_RETRY, "", "database pool closed", "");
        s_fifo_push(&db->done, b);
    }
    /* Transactions handed out stay valid until given back; all are dead. */
    for (crm_db_tx_t *tx = db->txs; tx; tx = tx->next)
        s_tx_kill(tx, CRM_DB_RETRY, "", "database pool closed", "");
    for (crm_db_tx_t *tx = db->txs; tx;) {
        crm_db_tx_t *next = tx->next;
        s_tx_pump(tx); /* no callbacks run here, so next stays valid */
        tx = next;
    }
    s_drain(db);
    s_maybe_free(db);
}

/* ---- reading results ------------------------------------------------- */

const char *crm_db_get(const PGresult *r, int row, int col)
{
    if (!r || PQgetisnull(r, row, col))
        return "";
    const char *v = PQgetvalue(r, row, col);
    return v ? v : "";
}

int64_t crm_db_get_i64(const PGresult *r, int row, int col)
{
    return strtoll(crm_db_get(r, row, col), NULL, 10);
}

int crm_db_get_bool(const PGresult *r, int row, int col)
{
    return crm_db_get(r, row, col)[0] == 't';
}

static int s_hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

uint8_t *crm_db_get_bytea(const PGresult *r, int row, int col, size_t *len)
{
    const char *v = crm_db_get(r, row, col);
    *len = 0;
    if (v[0] != '\\' || v[1] != 'x') { /* escape format (bytea_output), or NULL */
        size_t n = 0;
        unsigned char *u = *v ? PQunescapeBytea((const unsigned char *)v, &n) : NULL;
        uint8_t *out = crm_malloc(n ? n : 1);
        if (u)
            memcpy(out, u, n);
        PQfreemem(u);
        *len = n;
        return out;
    }
    v += 2;
    size_t n = strlen(v);
    if (n % 2)
        return NULL;
    uint8_t *out = crm_malloc(n / 2 ? n / 2 : 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = s_hexval(v[2 * i]), lo = s_hexval(v[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

char *crm_db_bytea_hex(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *s = crm_malloc(2 * len + 3);
    s[0] = '\\';
    s[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        s[2 + 2 * i] = digits[data[i] >> 4];
        s[3 + 2 * i] = digits[data[i] & 15];
    }
    s[2 + 2 * len] = '\0';
    return s;
}
