/* test_db.c: the PostgreSQL pool (db.c) against a real server started by the
 * harness: single and prepared statements, a failing batch commits nothing
 * (the pipeline's implicit transaction), error mapping (unique violation,
 * bad input, RAISE EXCEPTION), interactive transactions (commit, rollback,
 * a failed statement), a batch that leaves a transaction open is rolled
 * back, NOTIFY, backends killed with pg_terminate_backend (in flight and
 * idle, with a transaction open), a socket that errs while a batch is sent
 * (the pool watches it again and fails the batch at once), a backend that
 * stops answering (the round deadline abandons and replaces the session;
 * what the transaction wrote is not committed; health says so), 1,000
 * batches queued on 4 connections, a
 * batch larger than the socket buffers, bytea, destruction with work pending
 * (also from inside a callback and with a transaction handed out), and the
 * loop closes cleanly at the end. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"
#include "harness.h"

#define MAXRES 4

typedef struct {
    int calls; /* must end as 1 */
    int err;
    crm_db_error_t kind;
    char sqlstate[8];
    char message[256];
    char constraint[64];
    int failed;
    size_t nresults;
    int ntuples[MAXRES];
    char value[MAXRES][64]; /* row 0, column 0 of each result */
    crm_db_t **destroy;     /* destroy this pool from inside the callback */
} s_res_t;

static uv_loop_t s_loop;
static h_t *s_h;

static void s_on_res(void *arg, const crm_db_result_t *r)
{
    s_res_t *o = arg;
    o->calls++;
    o->err = r->err;
    o->kind = r->kind;
    snprintf(o->sqlstate, sizeof o->sqlstate, "%s", r->sqlstate);
    snprintf(o->message, sizeof o->message, "%s", r->message);
    snprintf(o->constraint, sizeof o->constraint, "%s", r->constraint);
    o->failed = r->failed;
    o->nresults = r->nresults;
    for (size_t i = 0; !r->err && i < r->nresults && i < MAXRES; i++) {
        o->ntuples[i] = PQntuples(r->results[i]);
        snprintf(o->value[i], sizeof o->value[i], "%s",
                 o->ntuples[i] ? crm_db_get(r->results[i], 0, 0) : "");
    }
    if (o->destroy)
        crm_db_destroy(o->destroy);
}

static void s_tick(uv_timer_t *t) {}

/* Runs the loop until *flag is non-zero (flag NULL: for ms) or ms pass. */
static int s_run(const int *flag, unsigned ms)
{
    uv_timer_t tick;
    uv_timer_init(&s_loop, &tick);
    uv_timer_start(&tick, s_tick, 5, 5);
    uint64_t end = crm_mono_ms() + ms;
    while ((!flag || !*flag) && crm_mono_ms() < end)
        uv_run(&s_loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&s_loop, UV_RUN_NOWAIT);
    return flag ? *flag : 0;
}

/* Runs the loop until db has n usable connections. */
static int s_wait_ready(crm_db_t *db, int n, unsigned ms)
{
    uint64_t end = crm_mono_ms() + ms;
    while (crm_db_ready(db) < n && crm_mono_ms() < end)
        s_run(NULL, 10);
    return crm_db_ready(db) >= n;
}

/* Runs one batch and waits for its callback. */
static void s_exec(crm_db_t *db, const char *stmt, int n, const char *const *v, s_res_t *o)
{
    memset(o, 0, sizeof *o);
    crm_db_exec(db, stmt, n, v, s_on_res, o);
    H_CHECK(s_run(&o->calls, 10000), "no answer to %s", stmt);
}

static void s_submit(crm_db_t *db, crm_db_batch_t **b, s_res_t *o)
{
    memset(o, 0, sizeof *o);
    crm_db_submit(db, b, s_on_res, o);
    H_CHECK(*b == NULL, "submit takes the batch");
    H_CHECK(s_run(&o->calls, 10000), "no answer to a batch");
}

/* ---- callbacks of the pool ------------------------------------------- */

typedef struct {
    int up, down;
} s_connects_t;

static void s_on_connect(void *arg, int connected)
{
    s_connects_t *c = arg;
    if (connected)
        c->up++;
    else
        c->down++;
}

typedef struct {
    int calls;
    char channel[64], payload[64];
} s_notes_t;

static void s_on_notify(void *arg, const char *channel, const char *payload)
{
    s_notes_t *n = arg;
    n->calls++;
    snprintf(n->channel, sizeof n->channel, "%s", channel);
    snprintf(n->payload, sizeof n->payload, "%s", payload);
}

typedef struct {
    int calls;
    crm_db_tx_t *tx;
    int err;
    crm_db_error_t kind;
} s_began_t;

static void s_on_begin(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    s_began_t *b = arg;
    b->calls++;
    b->tx = tx;
    b->err = err ? err->err : 0;
    b->kind = err ? err->kind : CRM_DB_OK;
}

static crm_db_tx_t *s_begin(crm_db_t *db)
{
    s_began_t b = {0};
    crm_db_begin(db, s_on_begin, &b);
    H_CHECK(b.calls == 0, "begin's callback runs from the loop, not from crm_db_begin");
    H_CHECK(s_run(&b.calls, 10000), "no transaction");
    H_CHECK(b.tx && !b.err, "begin failed");
    return b.tx;
}

static void s_tx_submit(crm_db_tx_t *tx, crm_db_batch_t **b, s_res_t *o)
{
    memset(o, 0, sizeof *o);
    crm_db_tx_submit(tx, b, s_on_res, o);
    H_CHECK(s_run(&o->calls, 10000), "no answer in the transaction");
}

static void s_tx_commit(crm_db_tx_t *tx, crm_db_batch_t **b, s_res_t *o)
{
    memset(o, 0, sizeof *o);
    crm_db_tx_commit(tx, b, s_on_res, o);
    H_CHECK(s_run(&o->calls, 10000), "no answer to commit");
}

static crm_db_batch_t *s_batch1(const char *stmt, int n, const char *const *v)
{
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, stmt, n, v);
    return b;
}

static int64_t s_count(const char *where)
{
    char *sql = crm_sprintf("SELECT count(*) FROM items WHERE %s", where);
    int64_t n = h_sql_int(s_h, "dbtest", sql);
    free(sql);
    return n;
}

/* ---- the sections ---------------------------------------------------- */

static void s_statements(crm_db_t *db)
{
    s_res_t r;
    s_exec(db, "SELECT 1 + 1", 0, NULL, &r);
    H_CHECK(r.calls == 1 && !r.err && r.nresults == 1, "select: %s", r.message);
    H_CHECK(strcmp(r.value[0], "2") == 0, "1 + 1 = %s", r.value[0]);

    const char *seven[] = {"7"};
    s_exec(db, "SELECT $1::int * 3", 1, seven, &r);
    H_CHECK(!r.err && strcmp(r.value[0], "21") == 0, "7 * 3 = %s", r.value[0]);

    const char *null[] = {NULL};
    s_exec(db, "SELECT $1::text IS NULL", 1, null, &r);
    H_CHECK(!r.err && strcmp(r.value[0], "t") == 0, "NULL parameter: %s", r.value[0]);

    /* Prepared statements, registered before connecting. */
    const char *one[] = {"1", "one"};
    s_exec(db, "item_insert", 2, one, &r);
    H_CHECK(!r.err && r.nresults == 1 && r.ntuples[0] == 0, "insert: %s", r.message);
    H_CHECK(s_count("id = 1 AND name = 'one'") == 1, "the insert is committed");
    const char *id1[] = {"1"};
    s_exec(db, "item_get", 1, id1, &r);
    H_CHECK(!r.err && strcmp(r.value[0], "one") == 0, "item_get: %s", r.value[0]);

    /* A statement registered after the connections are up is prepared
     * before their next work. */
    crm_db_prepare(db, "late_stmt", "SELECT $1::int + 100");
    for (int i = 0; i < 8; i++) {
        s_exec(db, "late_stmt", 1, seven, &r);
        H_CHECK(!r.err && strcmp(r.value[0], "107") == 0, "late statement: %s", r.message);
    }

    /* A statement that cannot be prepared does not keep the pool down; its
     * use fails. */
    s_exec(db, "bad_stmt", 0, NULL, &r);
    H_CHECK(r.err && r.kind == CRM_DB_BUG && strcmp(r.sqlstate, "26000") == 0,
            "unprepared statement: %d %s %s", r.kind, r.sqlstate, r.message);

    /* Several statements: results in order. */
    crm_db_batch_t *b = crm_db_batch_new();
    const char *two[] = {"2", "two"};
    crm_db_batch_add(b, "item_insert", 2, two);
    crm_db_batch_add(b, "SELECT name FROM items WHERE id = $1::int", 1, two);
    crm_db_batch_add(b, "SELECT count(*) FROM items", 0, NULL);
    H_CHECK(crm_db_batch_size(b) == 3, "batch size");
    s_submit(db, &b, &r);
    H_CHECK(!r.err && r.nresults == 3, "three statements: %s", r.message);
    H_CHECK(strcmp(r.value[1], "two") == 0 && strcmp(r.value[2], "2") == 0,
            "a batch sees its own writes, results in order: %s %s", r.value[1], r.value[2]);
    h_note("statements: ok");
}

static void s_errors(crm_db_t *db)
{
    s_res_t r;
    /* The second statement fails: the first is not committed either. */
    crm_db_batch_t *b = crm_db_batch_new();
    const char *ten[] = {"10", "ten"};
    crm_db_batch_add(b, "item_insert", 2, ten);
    const char *bad[] = {"not a number"};
    crm_db_batch_add(b, "INSERT INTO items (id, name) VALUES ($1::int, 'x')", 1, bad);
    const char *twenty[] = {"11", "eleven"};
    crm_db_batch_add(b, "item_insert", 2, twenty);
    s_submit(db, &b, &r);
    H_CHECK(r.err && r.failed == 1, "the second statement fails (failed %d)", r.failed);
    H_CHECK(r.kind == CRM_DB_REJECTED && strcmp(r.sqlstate, "22P02") == 0,
            "bad input: status %d sqlstate %s", r.kind, r.sqlstate);
    H_CHECK(strstr(r.message, "invalid input syntax") != NULL, "message: %s", r.message);
    H_CHECK(s_count("id IN (10, 11)") == 0, "nothing of a failed batch is committed");

    /* Unique violation. */
    const char *dup[] = {"12", "one"};
    s_exec(db, "item_insert", 2, dup, &r);
    H_CHECK(r.err && r.kind == CRM_DB_UNIQUE && r.failed == 0, "duplicate: status %d failed %d",
            r.kind, r.failed);
    H_CHECK(strcmp(r.sqlstate, "23505") == 0, "sqlstate %s", r.sqlstate);
    H_CHECK(strcmp(r.constraint, "items_name_key") == 0, "constraint '%s'", r.constraint);

    /* NOT NULL, RAISE EXCEPTION, an unknown table. */
    const char *nul[] = {"13", NULL};
    s_exec(db, "item_insert", 2, nul, &r);
    H_CHECK(r.err && r.kind == CRM_DB_REJECTED && !strcmp(r.sqlstate, "23502"), "not null: %d %s",
            r.kind, r.sqlstate);
    s_exec(db, "DO $$ BEGIN RAISE EXCEPTION 'lead already converted'; END $$", 0, NULL, &r);
    H_CHECK(r.err && r.kind == CRM_DB_REFUSED && !strcmp(r.message, "lead already converted"),
            "raise: %d %s", r.kind, r.message);
    s_exec(db, "SELECT * FROM no_such_table", 0, NULL, &r);
    H_CHECK(r.err && r.kind == CRM_DB_BUG && !strcmp(r.sqlstate, "42P01"), "unknown table: %d %s",
            r.kind, r.sqlstate);
    h_note("errors: ok");
}

static void s_transactions(crm_db_t *db)
{
    s_res_t r;
    /* Read, check, write, commit. */
    crm_db_tx_t *tx = s_begin(db);
    const char *id1[] = {"1"};
    crm_db_batch_t *b = s_batch1("SELECT name FROM items WHERE id = $1::int FOR UPDATE", 1, id1);
    s_tx_submit(tx, &b, &r);
    H_CHECK(!r.err && r.nresults == 1 && !strcmp(r.value[0], "one"), "read in tx: %s", r.message);
    const char *twenty[] = {"20", "twenty"};
    b = s_batch1("item_insert", 2, twenty);
    s_tx_submit(tx, &b, &r);
    H_CHECK(!r.err && r.nresults == 1, "insert in tx: %s", r.message);
    H_CHECK(s_count("id = 20") == 0, "not visible before commit");
    const char *upd[] = {"1", "uno"};
    b = s_batch1("UPDATE items SET name = $2 WHERE id = $1::int", 2, upd);
    s_tx_commit(tx, &b, &r);
    H_CHECK(!r.err && r.nresults == 1, "commit: %s", r.message);
    H_CHECK(s_count("id = 20") == 1 && s_count("id = 1 AND name = 'uno'") == 1, "committed");

    /* Rollback. */
    tx = s_begin(db);
    const char *thirty[] = {"30", "thirty"};
    b = s_batch1("item_insert", 2, thirty);
    s_tx_submit(tx, &b, &r);
    H_CHECK(!r.err, "insert in tx: %s", r.message);
    crm_db_tx_rollback(tx);
    s_run(NULL, 50);
    H_CHECK(s_count("id = 30") == 0, "rolled back");

    /* Commit with nothing sent. */
    tx = s_begin(db);
    s_tx_commit(tx, NULL, &r);
    H_CHECK(!r.err && r.nresults == 0, "empty commit: %s", r.message);

    /* A statement fails: later batches fail at once, commit reports the
     * first error and nothing is committed. */
    tx = s_begin(db);
    const char *forty[] = {"40", "forty"};
    b = s_batch1("item_insert", 2, forty);
    s_tx_submit(tx, &b, &r);
    H_CHECK(!r.err, "insert in tx: %s", r.message);
    const char *dup[] = {"41", "twenty"};
    b = s_batch1("item_insert", 2, dup);
    s_tx_submit(tx, &b, &r);
    H_CHECK(r.err && r.kind == CRM_DB_UNIQUE && r.failed == 0, "duplicate in tx: %d", r.kind);
    const char *fifty[] = {"42", "fortytwo"};
    b = s_batch1("item_insert", 2, fifty);
    s_tx_submit(tx, &b, &r);
    H_CHECK(r.err && r.kind == CRM_DB_UNIQUE && !strcmp(r.constraint, "items_name_key"),
            "a dead transaction fails at once with the first error: %d", r.kind);
    b = s_batch1("item_insert", 2, fifty);
    s_tx_commit(tx, &b, &r);
    H_CHECK(r.err && r.kind == CRM_DB_UNIQUE && !strcmp(r.sqlstate, "23505"),
            "commit reports the first error: %d %s", r.kind, r.sqlstate);
    H_CHECK(s_count("id IN (40, 41, 42)") == 0, "nothing of the failed transaction committed");

    /* The statement fails in the commit batch itself. */
    tx = s_begin(db);
    b = s_batch1("item_insert", 2, forty);
    crm_db_batch_add(b, "item_insert", 2, dup);
    s_tx_commit(tx, &b, &r);
    H_CHECK(r.err && r.failed == 1 && r.kind == CRM_DB_UNIQUE,
            "failing commit batch: failed %d status %d", r.failed, r.kind);
    H_CHECK(s_count("id IN (40, 41)") == 0, "nothing committed");

    /* No connection is left inside a transaction, and all still work. */
    s_run(NULL, 100);
    H_CHECK(h_sql_int(s_h, "dbtest",
                      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'test_db'"
                      " AND state LIKE 'idle in transaction%'") == 0,
            "a connection was left in a transaction");
    for (int i = 0; i < 8; i++) {
        s_exec(db, "SELECT 1", 0, NULL, &r);
        H_CHECK(!r.err, "after transactions: %s", r.message);
    }
    h_note("transactions: ok");
}

/* A batch that opens a transaction and does not close it: the connection
 * rolls it back before its next work (pool of 1: the same session). */
static void s_left_open(crm_db_t *db1)
{
    s_res_t r;
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL);
    const char *v[] = {"50", "fifty"};
    crm_db_batch_add(b, "item_insert", 2, v);
    s_submit(db1, &b, &r);
    H_CHECK(!r.err, "open transaction: %s", r.message);
    const char *id[] = {"50"};
    s_exec(db1, "SELECT count(*) FROM items WHERE id = $1::int", 1, id, &r);
    H_CHECK(!r.err && !strcmp(r.value[0], "0"), "the session still saw its insert: %s", r.value[0]);
    H_CHECK(s_count("id = 50") == 0, "rolled back");
    h_note("transaction left open by a batch: ok");
}

static void s_notify(crm_db_t *db, s_notes_t *notes)
{
    PQclear(h_sql(s_h, "dbtest", "NOTIFY crm_test, 'hello'"));
    H_CHECK(s_run(&notes->calls, 5000), "no NOTIFY");
    s_run(NULL, 200);
    H_CHECK(notes->calls == 4, "one NOTIFY per connection of 4: %d", notes->calls);
    H_CHECK(!strcmp(notes->channel, "crm_test") && !strcmp(notes->payload, "hello"), "notify %s %s",
            notes->channel, notes->payload);
    s_res_t r;
    notes->calls = 0;
    const char *p[] = {"from the pool"};
    s_exec(db, "SELECT pg_notify('crm_test', $1)", 1, p, &r);
    H_CHECK(!r.err, "pg_notify: %s", r.message);
    H_CHECK(s_run(&notes->calls, 5000), "no NOTIFY from the pool");
    H_CHECK(!strcmp(notes->payload, "from the pool"), "payload %s", notes->payload);
    h_note("notify: ok");
}

static void s_terminate(const char *like)
{
    char *sql = crm_sprintf("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE application_name = 'test_db' AND query LIKE '%s'",
                            like);
    int64_t n = h_sql_int(s_h, "dbtest", sql);
    free(sql);
    H_CHECK(n >= 1, "no backend to terminate (%s)", like);
}

static void s_kill(crm_db_t *db, crm_db_t *db1, s_connects_t *c1, s_connects_t *c4)
{
    s_res_t r, later;
    /* In flight: the batch fails UNAVAILABLE; queued work runs after the
     * reconnect. */
    memset(&r, 0, sizeof r);
    memset(&later, 0, sizeof later);
    crm_db_exec(db1, "SELECT pg_sleep(30) AS killme", 0, NULL, s_on_res, &r);
    crm_db_exec(db1, "SELECT 'after'", 0, NULL, s_on_res, &later);
    s_run(NULL, 300);
    H_CHECK(r.calls == 0, "the sleep is in flight");
    s_terminate("%killme%");
    H_CHECK(s_run(&r.calls, 5000), "in-flight batch not failed");
    H_CHECK(r.err && r.kind == CRM_DB_RETRY && !strcmp(r.sqlstate, ""),
            "in flight: status %d sqlstate '%s'", r.kind, r.sqlstate);
    H_CHECK(s_run(&later.calls, 5000), "queued batch never ran");
    H_CHECK(!later.err && !strcmp(later.value[0], "after"), "after reconnect: %s", later.message);
    H_CHECK(c1->down == 1 && c1->up == 2, "connect callbacks: down %d up %d", c1->down, c1->up);

    /* A transaction on a lost connection is dead. */
    crm_db_tx_t *tx = s_begin(db1);
    crm_db_batch_t *b = s_batch1("SELECT 'in tx' AS killtx", 0, NULL);
    s_tx_submit(tx, &b, &r);
    H_CHECK(!r.err, "select in tx: %s", r.message);
    s_terminate("%killtx%");
    s_run(NULL, 300);
    const char *v[] = {"60", "sixty"};
    b = s_batch1("item_insert", 2, v);
    s_tx_submit(tx, &b, &r);
    H_CHECK(r.err && r.kind == CRM_DB_RETRY, "tx after loss: %d", r.kind);
    s_tx_commit(tx, NULL, &r);
    H_CHECK(r.err && r.kind == CRM_DB_RETRY, "commit after loss: %d", r.kind);
    H_CHECK(s_count("id = 60") == 0, "nothing committed");
    H_CHECK(s_wait_ready(db1, 1, 5000), "db1 did not reconnect");

    /* Every idle connection of the pool of 4 killed: later batches succeed. */
    H_CHECK(s_wait_ready(db, 4, 5000), "pool not ready");
    int64_t n = h_sql_int(s_h, "dbtest",
                          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                          " WHERE application_name = 'test_db' AND backend_type = 'client backend'"
                          " AND pid <> pg_backend_pid()");
    H_CHECK(n >= 5, "terminated %lld backends", (long long)n);
    s_run(NULL, 50);
    s_res_t rs[20];
    for (int i = 0; i < 20; i++) {
        memset(&rs[i], 0, sizeof rs[i]);
        crm_db_exec(db, "SELECT 1", 0, NULL, s_on_res, &rs[i]);
    }
    for (int i = 0; i < 20; i++) {
        H_CHECK(s_run(&rs[i].calls, 5000), "batch %d after the kill never ran", i);
        H_CHECK(!rs[i].err, "batch %d after the kill: %s", i, rs[i].message);
    }
    H_CHECK(s_wait_ready(db, 4, 5000), "pool did not come back");
    H_CHECK(c4->down == 4 && c4->up == 8, "connect callbacks: down %d up %d", c4->down, c4->up);
    h_note("backends killed: ok");
}

/* A pool of one connection named test_db/<role>, connected. */
static crm_db_t *s_pool_named(const char *conninfo, const char *role)
{
    crm_db_t *p = crm_db_new(&s_loop, conninfo, 1);
    crm_db_set_role(p, role);
    crm_db_prepare(p, "item_insert", "INSERT INTO items (id, name) VALUES ($1::int, $2)");
    H_CHECK(s_wait_ready(p, 1, 10000), "pool %s not ready", role);
    return p;
}

/* The server process of the session named test_db/<role>. */
static int s_backend_of(const char *role)
{
    char *sql = crm_sprintf("SELECT COALESCE(max(pid), 0) FROM pg_stat_activity"
                            " WHERE application_name = 'test_db/%s'",
                            role);
    int pid = (int)h_sql_int(s_h, "dbtest", sql);
    free(sql);
    return pid;
}

/* The server ends a session while the loop is not looking, and a batch is
 * sent on it before the loop has read the server's goodbye: the server's
 * side answers with a reset, and libuv may report an error on the socket,
 * which stops its watch. The pool must watch again, find the end, fail the
 * batch at once (not at the 30 s round deadline) and connect anew. Whether
 * the error comes with the goodbye still unread is a race, so the test runs
 * it several times. */
static void s_socket_error(const char *conninfo)
{
    for (int round = 0; round < 8; round++) {
        crm_db_t *p = s_pool_named(conninfo, "reset");
        int pid = s_backend_of("reset");
        H_CHECK(pid > 0, "no session test_db/reset");
        char *sql = crm_sprintf("SELECT pg_terminate_backend(%d)::int", pid);
        H_CHECK(h_sql_int(s_h, "dbtest", sql) == 1, "terminate %d", pid);
        free(sql);
        H_CHECK(h_wait_sql(s_h, "dbtest",
                           "SELECT count(*) FROM pg_stat_activity"
                           " WHERE application_name = 'test_db/reset'",
                           0, 5000) == 0,
                "the backend did not end");
        s_res_t r;
        memset(&r, 0, sizeof r);
        crm_db_exec(p, "SELECT 'into the void'", 0, NULL, s_on_res, &r);
        H_CHECK(s_run(&r.calls, 5000),
                "the batch never ended: the pool stopped watching a socket that erred");
        H_CHECK(r.err && r.kind == CRM_DB_RETRY, "status %d: %s", r.kind, r.message);
        s_exec(p, "SELECT 'again'", 0, NULL, &r);
        H_CHECK(!r.err && !strcmp(r.value[0], "again"), "after the reset: %s", r.message);
        crm_db_destroy(&p);
    }
    h_note("socket error while sending: ok");
}

/* A backend stopped with SIGSTOP answers nothing: the batch in flight fails
 * UNAVAILABLE once the round deadline (CRM_DB_ROUND_TIMEOUT_MS, 800 ms here)
 * passes, the transaction is dead and commits nothing, the session is
 * replaced, and the pool's health tells. */
static void s_stalled(const char *conninfo)
{
    setenv("CRM_DB_ROUND_TIMEOUT_MS", "800", 1);
    crm_db_t *p = s_pool_named(conninfo, "stall");
    unsetenv("CRM_DB_ROUND_TIMEOUT_MS");
    crm_db_tx_t *tx = s_begin(p);
    s_res_t r;
    crm_db_batch_t *b = s_batch1("SELECT 1", 0, NULL);
    s_tx_submit(tx, &b, &r);
    H_CHECK(!r.err, "select in tx: %s", r.message);
    int pid = s_backend_of("stall");
    H_CHECK(pid > 0 && kill(pid, SIGSTOP) == 0, "cannot stop backend %d", pid);
    const char *v[] = {"80", "eighty"};
    b = s_batch1("item_insert", 2, v);
    uint64_t t0 = crm_mono_ms();
    memset(&r, 0, sizeof r);
    crm_db_tx_submit(tx, &b, s_on_res, &r);
    int ended = s_run(&r.calls, 10000);
    uint64_t took = crm_mono_ms() - t0;
    kill(pid, SIGCONT);
    H_CHECK(ended, "no answer to a batch on a stopped backend after 10 s");
    H_CHECK(took >= 700 && took < 5000, "failed after %llu ms, the deadline is 800",
            (unsigned long long)took);
    H_CHECK(r.err && r.kind == CRM_DB_RETRY && strstr(r.message, "no answer"), "status %d: %s",
            r.kind, r.message);
    s_tx_commit(tx, NULL, &r);
    H_CHECK(r.err && r.kind == CRM_DB_RETRY, "commit of a dead tx: %d", r.kind);
    crm_db_health_t hl;
    crm_db_health(p, &hl);
    H_CHECK(hl.abandoned == 1 && hl.last_error && strstr(hl.last_error, "no answer"),
            "health: %llu abandoned, last error %s", (unsigned long long)hl.abandoned,
            hl.last_error ? hl.last_error : "none");
    s_exec(p, "SELECT 'replaced'", 0, NULL, &r);
    H_CHECK(!r.err && !strcmp(r.value[0], "replaced"), "after the stall: %s", r.message);
    /* The stopped backend, resumed, runs what it had received and then finds
     * its client gone: no COMMIT was ever sent, so nothing is kept. */
    char *sql = crm_sprintf("SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
    H_CHECK(h_wait_sql(s_h, "dbtest", sql, 0, 10000) == 0, "the resumed backend lingers");
    free(sql);
    H_CHECK(s_count("id = 80") == 0, "the stalled transaction committed");
    crm_db_destroy(&p);
    h_note("stalled backend: ok");
}

/* ---- many batches ---------------------------------------------------- */

typedef struct {
    int i;
    int calls;
    int ok;
} s_slot_t;

static void s_on_slot(void *arg, const crm_db_result_t *r)
{
    s_slot_t *s = arg;
    s->calls++;
    char a[16], b[16], c[16];
    snprintf(a, sizeof a, "%d", s->i);
    snprintf(b, sizeof b, "%d", s->i + 1000);
    snprintf(c, sizeof c, "b%d", s->i);
    s->ok = !r->err && r->nresults == 3 && !strcmp(crm_db_get(r->results[0], 0, 0), a) &&
            !strcmp(crm_db_get(r->results[1], 0, 0), b) &&
            !strcmp(crm_db_get(r->results[2], 0, 0), c);
}

typedef struct {
    crm_db_t *db;
    int left;
    int done;
} s_chain_t;

/* Each answer submits the next batch. */
static void s_on_chain(void *arg, const crm_db_result_t *r)
{
    s_chain_t *c = arg;
    if (r->err || --c->left == 0) {
        c->done = 1;
        return;
    }
    crm_db_exec(c->db, "SELECT 1", 0, NULL, s_on_chain, c);
}

typedef struct {
    int calls;
    int ok; /* results saying 1000 */
} s_big_t;

static void s_on_big(void *arg, const crm_db_result_t *r)
{
    s_big_t *b = arg;
    b->calls++;
    for (size_t i = 0; !r->err && i < r->nresults; i++)
        b->ok += !strcmp(crm_db_get(r->results[i], 0, 0), "1000");
}

static void s_many(crm_db_t *db)
{
    enum { N = 1000 };
    s_slot_t *slots = crm_calloc(N, sizeof *slots);
    for (int i = 0; i < N; i++) {
        slots[i].i = i;
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        const char *p[] = {v};
        crm_db_batch_t *b = crm_db_batch_new();
        crm_db_batch_add(b, "SELECT $1::int", 1, p);
        crm_db_batch_add(b, "SELECT $1::int + 1000", 1, p);
        crm_db_batch_add(b, "SELECT 'b' || $1", 1, p);
        crm_db_submit(db, &b, s_on_slot, &slots[i]);
    }
    H_CHECK(crm_db_pending(db) == N, "pending %zu", crm_db_pending(db));
    s_chain_t chain = {db, 50, 0};
    crm_db_exec(db, "SELECT 1", 0, NULL, s_on_chain, &chain);
    uint64_t end = crm_mono_ms() + 30000;
    while ((crm_db_pending(db) > 0 || !chain.done) && crm_mono_ms() < end)
        s_run(NULL, 10);
    H_CHECK(crm_db_pending(db) == 0, "still pending: %zu", crm_db_pending(db));
    H_CHECK(chain.done && chain.left == 0, "chain stopped at %d", chain.left);
    for (int i = 0; i < N; i++)
        H_CHECK(slots[i].calls == 1 && slots[i].ok, "batch %d: calls %d ok %d", i, slots[i].calls,
                slots[i].ok);
    free(slots);
    h_note("1000 batches on 4 connections: ok");

    /* One batch larger than the socket buffers: flushed on writable while
     * the first results already come back. */
    enum { BIG = 3000 };
    char *blob = crm_malloc(1001);
    memset(blob, 'x', 1000);
    blob[1000] = '\0';
    const char *p[] = {blob};
    crm_db_batch_t *b = crm_db_batch_new();
    for (int i = 0; i < BIG; i++)
        crm_db_batch_add(b, "SELECT length($1)", 1, p);
    s_big_t big = {0};
    crm_db_submit(db, &b, s_on_big, &big);
    H_CHECK(s_run(&big.calls, 30000), "no answer to the big batch");
    H_CHECK(big.ok == BIG, "big batch: %d of %d results right", big.ok, BIG);
    free(blob);
    h_note("a 3 MB batch: ok");
}

static void s_bytea(crm_db_t *db)
{
    uint8_t data[256];
    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t)(255 - i);
    char *hex = crm_db_bytea_hex(data, sizeof data);
    H_CHECK(!strncmp(hex, "\\xfffefd", 8) && strlen(hex) == 2 + 2 * sizeof data, "hex %.8s", hex);
    s_res_t r;
    const char *p[] = {hex};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "SELECT $1::bytea", 1, p);
    crm_db_batch_add(b, "SELECT length($1::bytea)", 1, p);
    crm_db_batch_add(b, "SELECT true", 0, NULL);
    s_submit(db, &b, &r);
    H_CHECK(!r.err && !strncmp(r.value[0], hex, sizeof r.value[0] - 1) &&
                !strcmp(r.value[1], "256") && !strcmp(r.value[2], "t"),
            "bytea round trip: %s", r.message);
    free(hex);

    /* Read the helpers on a result of our own. */
    PGresult *res = h_sql(s_h, "dbtest",
                          "SELECT '\\x00ff10'::bytea, 9000000000::bigint, true, NULL::text,"
                          " ''::bytea, false");
    size_t len = 0;
    uint8_t *got = crm_db_get_bytea(res, 0, 0, &len);
    H_CHECK(got && len == 3 && got[0] == 0 && got[1] == 0xff && got[2] == 0x10, "bytea decode");
    free(got);
    H_CHECK(crm_db_get_i64(res, 0, 1) == 9000000000LL, "i64");
    H_CHECK(crm_db_get_bool(res, 0, 2) == 1 && crm_db_get_bool(res, 0, 5) == 0, "bool");
    H_CHECK(!strcmp(crm_db_get(res, 0, 3), "") && crm_db_get_i64(res, 0, 3) == 0, "NULL");
    got = crm_db_get_bytea(res, 0, 4, &len);
    H_CHECK(got && len == 0, "empty bytea");
    free(got);
    PQclear(res);
    h_note("bytea and readers: ok");
}

/* ---- destruction ----------------------------------------------------- */

static void s_destroy(const char *conninfo)
{
    /* Before any connection is made. */
    crm_db_t *d = crm_db_new(&s_loop, conninfo, 2);
    s_res_t r0 = {0};
    s_began_t b0 = {0};
    crm_db_exec(d, "SELECT 1", 0, NULL, s_on_res, &r0);
    crm_db_begin(d, s_on_begin, &b0);
    crm_db_destroy(&d);
    H_CHECK(d == NULL, "destroy sets the pointer to NULL");
    H_CHECK(r0.calls == 1 && r0.err && r0.kind == CRM_DB_RETRY,
            "pending batch at destroy: calls %d kind %d", r0.calls, r0.kind);
    H_CHECK(b0.calls == 1 && !b0.tx && b0.err && b0.kind == CRM_DB_RETRY,
            "pending begin at destroy");
    crm_db_destroy(&d); /* safe on NULL */

    /* With batches in flight and queued. */
    d = crm_db_new(&s_loop, conninfo, 2);
    H_CHECK(s_wait_ready(d, 2, 5000), "pool not ready");
    enum { N = 50 };
    s_res_t rs[N];
    for (int i = 0; i < N; i++) {
        memset(&rs[i], 0, sizeof rs[i]);
        crm_db_exec(d, "SELECT pg_sleep(0.05)", 0, NULL, s_on_res, &rs[i]);
    }
    s_began_t b1 = {0};
    crm_db_begin(d, s_on_begin, &b1);
    H_CHECK(s_run(&rs[0].calls, 5000), "first batch");
    crm_db_destroy(&d);
    int ok = 0, failed = 0;
    for (int i = 0; i < N; i++) {
        H_CHECK(rs[i].calls == 1, "batch %d: %d calls", i, rs[i].calls);
        if (rs[i].err) {
            H_CHECK(rs[i].kind == CRM_DB_RETRY, "status %d", rs[i].kind);
            failed++;
        } else {
            ok++;
        }
    }
    H_CHECK(ok >= 1 && failed >= N - 4, "ok %d failed %d", ok, failed);
    H_CHECK(b1.calls == 1 && !b1.tx, "begin at destroy");

    /* From inside a callback, with more work behind. */
    d = crm_db_new(&s_loop, conninfo, 1);
    crm_db_t *alias = d;
    s_res_t first = {0}, second = {0};
    first.destroy = &d;
    crm_db_exec(alias, "SELECT 1", 0, NULL, s_on_res, &first);
    crm_db_exec(alias, "SELECT 2", 0, NULL, s_on_res, &second);
    H_CHECK(s_run(&first.calls, 5000), "first");
    H_CHECK(d == NULL && first.calls == 1 && !first.err, "destroyed from the callback");
    H_CHECK(second.calls == 1 && second.err && second.kind == CRM_DB_RETRY,
            "the queued batch fails");

    /* With a transaction handed out: it stays valid until given back. */
    d = crm_db_new(&s_loop, conninfo, 1);
    crm_db_tx_t *tx = s_begin(d);
    crm_db_destroy(&d);
    s_res_t r = {0};
    const char *v[] = {"70", "seventy"};
    crm_db_batch_t *b = s_batch1("item_insert", 2, v);
    crm_db_tx_submit(tx, &b, s_on_res, &r);
    H_CHECK(r.calls == 1 && r.err && r.kind == CRM_DB_RETRY, "tx submit after destroy");
    crm_db_tx_rollback(tx);

    d = crm_db_new(&s_loop, conninfo, 1);
    tx = s_begin(d);
    crm_db_destroy(&d);
    memset(&r, 0, sizeof r);
    crm_db_tx_commit(tx, NULL, s_on_res, &r);
    H_CHECK(r.calls == 1 && r.err && r.kind == CRM_DB_RETRY, "tx commit after destroy");
    s_run(NULL, 50);
    h_note("destroy: ok");
}

int main(void)
{
    s_h = h_new("db");
    const char *conninfo = h_pg(s_h, "dbtest");
    PQclear(h_sql(s_h, "dbtest",
                  "CREATE TABLE items (id int PRIMARY KEY,"
                  " name text NOT NULL CONSTRAINT items_name_key UNIQUE)"));
    uv_loop_init(&s_loop);

    crm_db_t *db = crm_db_new(&s_loop, conninfo, 4);
    crm_db_prepare(db, "item_insert", "INSERT INTO items (id, name) VALUES ($1::int, $2)");
    crm_db_prepare(db, "item_get", "SELECT name FROM items WHERE id = $1::int");
    crm_db_prepare(db, "bad_stmt", "SELECT * FROM no_such_table");
    s_notes_t notes = {0};
    crm_db_listen(db, "crm_test", s_on_notify, &notes);
    s_connects_t c4 = {0}, c1 = {0};
    crm_db_on_connect(db, s_on_connect, &c4);
    H_CHECK(crm_db_ready(db) == 0, "nothing connected before the loop runs");
    H_CHECK(s_wait_ready(db, 4, 10000), "pool of 4 not ready: %d", crm_db_ready(db));
    H_CHECK(c4.up == 4 && c4.down == 0, "connect callbacks %d %d", c4.up, c4.down);

    crm_db_t *db1 = crm_db_new(&s_loop, conninfo, 1);
    crm_db_prepare(db1, "item_insert", "INSERT INTO items (id, name) VALUES ($1::int, $2)");
    crm_db_on_connect(db1, s_on_connect, &c1);
    H_CHECK(s_wait_ready(db1, 1, 10000), "pool of 1 not ready");

    s_statements(db);
    s_errors(db);
    s_transactions(db);
    s_left_open(db1);
    s_notify(db, &notes);
    s_many(db);
    s_bytea(db);
    s_kill(db, db1, &c1, &c4);
    s_socket_error(conninfo);
    s_stalled(conninfo);
    s_destroy(conninfo);

    crm_db_destroy(&db);
    crm_db_destroy(&db1);
    uv_run(&s_loop, UV_RUN_DEFAULT);
    H_CHECK(uv_loop_close(&s_loop) == 0, "handles left open on the loop");
    h_destroy(&s_h);
    h_note("test_db: ok");
    return 0;
}
