/* db.c: PostgreSQL on the libuv loop, through libpq's non-blocking API (see
 * db.h): the pool, its queue and its transactions. The connections, their
 * sockets and rounds are in db_conn.c; batches and their outcomes in
 * db_batch.c; what they share in db_impl.h.
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
#include "db_impl.h"

/* ---- small helpers --------------------------------------------------- */

void db_fifo_push(s_fifo_t *f, crm_db_batch_t *b)
{
    b->next = NULL;
    if (f->tail)
        f->tail->next = b;
    else
        f->head = b;
    f->tail = b;
}

crm_db_batch_t *db_fifo_pop(s_fifo_t *f)
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

/* Runs the user's callback for a finished entry, then frees it. */
void db_finish(crm_db_t *db, crm_db_batch_t *b)
{
    db->pending--;
    db->depth++;
    if (b->kind == B_BEGIN)
        b->begin_cb(b->arg, NULL, &b->out);
    else if (b->cb)
        b->cb(b->arg, &b->out);
    db->depth--;
    db_batch_free(b);
}

/* Frees the pool once nothing can touch it any more. */
void db_maybe_free(crm_db_t *db)
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
void db_drain(crm_db_t *db)
{
    db->depth++;
    crm_db_batch_t *b;
    while ((b = db_fifo_pop(&db->done)))
        db_finish(db, b);
    db->depth--;
}

void db_on_defer(uv_timer_t *t);

/* Asks for the defer timer: chores and callbacks from the loop. */
void db_kick(crm_db_t *db)
{
    if (!db->closing && !uv_is_active((uv_handle_t *)&db->defer))
        uv_timer_start(&db->defer, db_on_defer, 0, 0);
}

/* b is finished (out filled): its callback runs from the loop. */
void db_complete_later(crm_db_t *db, crm_db_batch_t *b)
{
    db_fifo_push(&db->done, b);
    db_kick(db);
}

/* The end of every public call that may have finished work: once the pool
 * is closing there is no loop to come back from, so callbacks run now. */
void db_tail(crm_db_t *db)
{
    if (db->closing) {
        db_drain(db);
        db_maybe_free(db);
    }
}

/* ---- transactions (internal) ----------------------------------------- */

/* Records tx's first error; everything after fails with it. */
void db_tx_kill(crm_db_tx_t *tx, crm_db_error_t kind, const char *sqlstate, const char *message,
                const char *constraint, const char *detail)
{
    if (tx->dead)
        return;
    tx->dead = 1;
    tx->kind = kind;
    tx->sqlstate = crm_strdup(sqlstate ? sqlstate : "");
    tx->message = crm_strdup(message ? message : "");
    tx->constraint = crm_strdup(constraint ? constraint : "");
    tx->detail = crm_strdup(detail ? detail : "");
}

/* The transaction is over: gives its connection back (rolled back from the
 * loop if it is still inside a transaction) and frees it. */
void db_tx_end(crm_db_tx_t *tx)
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
    while ((b = db_fifo_pop(&tx->queue))) { /* nothing can follow the end; be safe */
        if (b->kind == B_ROLLBACK) {
            db_batch_free(b);
            continue;
        }
        b->tx = NULL;
        db_fail(b, CRM_DB_BUG, "", "transaction already ended", "", "");
        db_complete_later(db, b);
    }
    free(tx->sqlstate);
    free(tx->message);
    free(tx->constraint);
    free(tx->detail);
    free(tx);
    db->ntx--;
    db_kick(db);
}

/* ---- the queue ------------------------------------------------------- */

/* Gives queued work to free connections. Loop context (a transaction's
 * begin callback runs from here). */
void db_pump(crm_db_t *db)
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
            if (c->state != C_READY || c->tx || db_conn_chores(c))
                continue;
            crm_db_batch_t *b = db_fifo_pop(&db->queue);
            if (b->kind == B_BATCH) {
                db_send_batch(c, b);
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
            db_batch_free(b);
        }
    } while (db->pump_again && !db->closing);
    db->pumping = 0;
}

/* Runs the next batch of tx, or fails it if tx is dead. No callback runs
 * here: it may be called from the user's context. */
void db_tx_pump(crm_db_tx_t *tx)
{
    crm_db_t *db = tx->db;
    while (!tx->running) {
        crm_db_batch_t *b = db_fifo_pop(&tx->queue);
        if (!b)
            return;
        if (b->kind == B_ROLLBACK) {
            db_batch_free(b);
            db_tx_end(tx);
            return;
        }
        int commit = b->commit;
        if (tx->dead || !tx->conn) {
            if (!tx->dead)
                db_tx_kill(tx, CRM_DB_RETRY, "", "connection lost", "", "");
            b->tx = NULL;
            db_fail(b, tx->kind, tx->sqlstate, tx->message, tx->constraint, tx->detail);
            db_complete_later(db, b);
            if (commit) {
                db_tx_end(tx);
                return;
            }
            continue;
        }
        if (commit && b->n == 0 && !tx->begun) { /* nothing was ever sent */
            b->tx = NULL;
            db_outcome(b, crm_calloc(1, sizeof(PGresult *)), 0);
            db_complete_later(db, b);
            db_tx_end(tx);
            return;
        }
        tx->running = b;
        db_send_batch(tx->conn, b);
    }
}

/* Chores left by calls from the user's context, callbacks of finished
 * work, then queued work for free connections. */
void db_on_defer(uv_timer_t *t)
{
    crm_db_t *db = t->data;
    for (int i = 0; i < db->nconns && !db->closing; i++) {
        s_conn_t *c = &db->conns[i];
        if (c->broken) {
            char *why = c->broken;
            c->broken = NULL;
            db_conn_lost(c, why);
            free(why);
        }
    }
    if (db->closing)
        return;
    db_drain(db);
    for (int i = 0; i < db->nconns && !db->closing; i++)
        db_conn_next(&db->conns[i]);
    if (!db->closing)
        db_pump(db);
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
        char *m = db_msg(errmsg ? errmsg : "out of memory");
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
        uv_timer_start(&c->timer, db_on_conn_timer, 0, 0);
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
    db_kick(db); /* connections already up prepare it before their next work */
}

void crm_db_listen(crm_db_t *db, const char *channel, crm_db_notify_cb cb, void *arg)
{
    db->listens = crm_realloc(db->listens, (size_t)(db->nlistens + 1) * sizeof *db->listens);
    db->listens[db->nlistens++] = (s_listen_t){crm_strdup(channel), cb, arg};
    db_kick(db);
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

void crm_db_metrics(crm_metrics_t *m, size_t n, const crm_db_t *const *dbs,
                    const char *const *pools)
{
    crm_metrics_family(m, "crm_db_connections", "gauge", "Sessions of a pool, by state");
    for (size_t i = 0; i < n; i++) {
        crm_metrics_value(m, "crm_db_connections", crm_db_ready(dbs[i]), "pool", pools[i], "state",
                          "ready", NULL);
        crm_metrics_value(m, "crm_db_connections", dbs[i]->nconns - crm_db_ready(dbs[i]), "pool",
                          pools[i], "state", "down", NULL);
    }
    crm_metrics_family(m, "crm_db_waiting", "gauge",
                       "Batches submitted to a pool and not yet answered");
    for (size_t i = 0; i < n; i++)
        crm_metrics_value(m, "crm_db_waiting", (double)dbs[i]->pending, "pool", pools[i], NULL);
    crm_metrics_family(m, "crm_db_batch_seconds", "histogram",
                       "A batch's round on its session: sent to answered");
    for (size_t i = 0; i < n; i++)
        crm_metrics_hist(m, "crm_db_batch_seconds", &dbs[i]->batch_seconds, "pool", pools[i], NULL);
    crm_metrics_family(m, "crm_db_batches_failed_total", "counter",
                       "Batches that ended in an error (a constraint, a lost session, ...)");
    for (size_t i = 0; i < n; i++)
        crm_metrics_value(m, "crm_db_batches_failed_total", (double)dbs[i]->batches_failed, "pool",
                          pools[i], NULL);
    crm_metrics_family(m, "crm_db_rounds_abandoned_total", "counter",
                       "Rounds abandoned past their deadline (the session replaced)");
    for (size_t i = 0; i < n; i++)
        crm_metrics_value(m, "crm_db_rounds_abandoned_total", (double)dbs[i]->abandoned, "pool",
                          pools[i], NULL);
}

size_t crm_db_pending(const crm_db_t *db)
{
    return db ? db->pending : 0;
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
        db_fail(b, CRM_DB_RETRY, "", "database pool closed", "", "");
        db_complete_later(db, b);
        db_tail(db);
        return;
    }
    db_fifo_push(&db->queue, b);
    db_kick(db);
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
        db_fail(b, CRM_DB_RETRY, "", "database pool closed", "", "");
        db_complete_later(db, b);
        db_tail(db);
        return;
    }
    db_fifo_push(&db->queue, b);
    db_kick(db);
}

/* Queues b on tx and runs it if tx is idle. */
static void s_tx_queue(crm_db_tx_t *tx, crm_db_batch_t *b)
{
    crm_db_t *db = tx->db;
    b->tx = tx;
    if (b->kind != B_ROLLBACK)
        db->pending++;
    db_fifo_push(&tx->queue, b);
    db_tx_pump(tx);
    db_tail(db);
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
    uv_close((uv_handle_t *)&db->defer, db_handle_closed);
    for (int i = 0; i < db->nconns; i++) {
        s_conn_t *c = &db->conns[i];
        db_conn_drop(c, "database pool closed");
        c->timer.data = db;
        uv_close((uv_handle_t *)&c->timer, db_handle_closed);
    }
    crm_db_batch_t *b;
    while ((b = db_fifo_pop(&db->queue))) {
        db_fail(b, CRM_DB_RETRY, "", "database pool closed", "", "");
        db_fifo_push(&db->done, b);
    }
    /* Transactions handed out stay valid until given back; all are dead. */
    for (crm_db_tx_t *tx = db->txs; tx; tx = tx->next)
        db_tx_kill(tx, CRM_DB_RETRY, "", "database pool closed", "", "");
    for (crm_db_tx_t *tx = db->txs; tx;) {
        crm_db_tx_t *next = tx->next;
        db_tx_pump(tx); /* no callbacks run here, so next stays valid */
        tx = next;
    }
    db_drain(db);
    db_maybe_free(db);
}
