/* db_conn.c: the connections of a database pool (see db.c): connecting,
 * the socket watched on the loop, the rounds of statements in pipeline mode
 * under their deadline, and losing and replacing a session. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crm/config.h"
#include "crm/log.h"
#include "crm/util.h"
#include "db_impl.h"

/* ---- the socket ------------------------------------------------------ */

static void s_on_poll(uv_poll_t *p, int status, int events);

static void s_poll_closed(uv_handle_t *h)
{
    crm_db_t *db = h->data;
    free(h);
    db->open_handles--;
    db_maybe_free(db);
}

void db_handle_closed(uv_handle_t *h)
{
    crm_db_t *db = h->data;
    db->open_handles--;
    db_maybe_free(db);
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
        c->broken = db_msg(PQerrorMessage(c->pg));
    db_kick(c->db);
}

/* ---- rounds ---------------------------------------------------------- */

void db_on_conn_timer(uv_timer_t *t);

/* Starts a round, under its deadline (c->timer: a READY or SETUP
 * connection uses it for nothing else). */
static void s_round_start(s_conn_t *c, int kind, int nitems, int nsyncs)
{
    uv_timer_start(&c->timer, db_on_conn_timer, c->db->round_timeout_ms, 0);
    c->round = kind;
    c->round_started_ns = uv_hrtime();
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
void db_send_batch(s_conn_t *c, crm_db_batch_t *b)
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
            ok = PQsendQueryParams(pg, s->stmt, s->nparams, NULL, v, NULL, NULL, s->binary);
        else
            ok = PQsendQueryPrepared(pg, s->stmt, s->nparams, v, NULL, NULL, s->binary);
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
        char *msg = db_msg(m ? m : res[i] ? PQresultErrorMessage(res[i]) : "no result");
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
        db_clear_results(res, n);
    } else if (kind == R_ROLLBACK) {
        db_clear_results(res, n);
    } else if (b) {
        db_outcome(b, res, n);
        crm_hist_observe(&db->batch_seconds, (double)(uv_hrtime() - c->round_started_ns) / 1e9);
        db->batches_failed += b->out.err != 0;
        crm_db_tx_t *tx = b->tx;
        if (tx) {
            tx->running = NULL;
            if (b->out.err)
                db_tx_kill(tx, b->out.kind, b->out.sqlstate, b->out.message, b->out.constraint,
                           b->out.detail);
            if (b->commit)
                db_tx_end(tx);
            b->tx = NULL;
        }
        db_finish(db, b);
        if (db->closing)
            return;
    }
    db_conn_next(c);
}

/* ---- connections ----------------------------------------------------- */

static void s_notice(void *arg, const char *message)
{
    char *m = db_msg(message);
    crm_log(CRM_DEBUG, "postgres notice", "notice", m, NULL);
    free(m);
}

/* Drops c's session: the handles stop, the PGconn is finished, the round
 * in flight is failed (UNAVAILABLE) and so is the transaction holding c.
 * No callback runs here. */
void db_conn_drop(s_conn_t *c, const char *why)
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
    db_clear_results(c->res, c->nitems);
    c->res = NULL;
    c->round = R_NONE;
    crm_db_batch_t *b = c->batch;
    c->batch = NULL;
    crm_db_tx_t *tx = c->tx;
    c->tx = NULL;
    if (tx) {
        tx->conn = NULL;
        db_tx_kill(tx, CRM_DB_RETRY, "", why, "", "");
    }
    if (b) {
        db_fail(b, CRM_DB_RETRY, "", why, "", "");
        if (b->tx) {
            crm_db_tx_t *btx = b->tx;
            btx->running = NULL;
            b->tx = NULL;
            if (b->commit)
                db_tx_end(btx);
            else
                db_tx_pump(btx);
        }
        db_complete_later(db, b);
    } else if (tx) {
        db_tx_pump(tx);
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
    uv_timer_start(&c->timer, db_on_conn_timer, c->backoff_ms, 0);
    c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

/* A connection that was working is gone. Loop context. */
void db_conn_lost(s_conn_t *c, const char *msg)
{
    crm_db_t *db = c->db;
    int was_ready = c->state == C_READY;
    char *why = db_msg(msg);
    char id[16];
    snprintf(id, sizeof id, "%d", c->id);
    crm_log(CRM_WARN, "database connection lost", "session", db->appname, "conn", id, "error", why,
            NULL);
    s_note_error(db, why);
    db_conn_drop(c, why);
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
    char *why = db_msg(msg);
    char id[16];
    snprintf(id, sizeof id, "%d", c->id);
    crm_log(CRM_WARN, "cannot connect to the database", "session", db->appname, "conn", id, "error",
            why, NULL);
    s_note_error(db, why);
    db_conn_drop(c, why);
    s_reconnect_later(c);
    if (db->ready == 0) {
        char *m = crm_sprintf("database unreachable: %s", why);
        crm_db_batch_t *b;
        while ((b = db_fifo_pop(&db->queue))) {
            db_fail(b, CRM_DB_RETRY, "", m, "", "");
            db_complete_later(db, b);
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
    db_conn_next(c);
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
    uv_timer_start(&c->timer, db_on_conn_timer, db->connect_timeout_ms, 0);
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
    db_conn_lost(c, why);
    free(why);
}

void db_on_conn_timer(uv_timer_t *t)
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
int db_conn_chores(s_conn_t *c)
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
void db_conn_next(s_conn_t *c)
{
    crm_db_t *db = c->db;
    if (db->closing || db_conn_chores(c))
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
        db_tx_pump(c->tx);
    else
        db_pump(db);
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
        db_conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    if ((events & UV_READABLE) && !PQconsumeInput(c->pg)) {
        db_conn_lost(c, PQerrorMessage(c->pg));
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
        db_conn_lost(c, PQerrorMessage(c->pg));
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
