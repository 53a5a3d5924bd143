/* harness_pg.c: the harness's private PostgreSQL cluster (see harness.h):
 * initdb and the postmaster as the `postgres` user when run as root, its
 * faults (kill, stall, sessions), databases created on first use and SQL
 * for the checks. */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness_impl.h"

#define H_PG_BIN "/usr/lib/postgresql/15/bin" /* CRM_PG_BIN overrides */

/* A folder under dir owned by the user PostgreSQL runs as. */
static char *s_pg_dir(h_t *h, const char *name)
{
    char *p = crm_sprintf("%s/%s", h->dir, name);
    if (mkdir(p, 0700) != 0)
        S_FAIL("mkdir %s: %s", p, strerror(errno));
    if (h->as_root && chown(p, h->pg_uid, h->pg_gid) != 0)
        S_FAIL("chown %s: %s", p, strerror(errno));
    return p;
}

static char *s_conninfo(const h_t *h, const char *db)
{
    return crm_sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s connect_timeout=10",
                       h->pg_port, db);
}

static void s_pg_launch(h_t *h);

void hi_pg_start(h_t *h)
{
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw)
            S_FAIL("running as root but there is no `postgres` user to run PostgreSQL as");
        h->as_root = 1;
        h->pg_uid = pw->pw_uid;
        h->pg_gid = pw->pw_gid;
    }
    h->pg_data = s_pg_dir(h, "pg");
    h->pg_run = s_pg_dir(h, "pg-run");
    char *log = crm_sprintf("%s/postgres.log", h->dir);

    char *initdb_argv[] = {"initdb",           "-D", h->pg_data, "-A", "trust",
                           "--no-sync",        "-U", "postgres", "-E", "UTF8",
                           "--locale=C.UTF-8", NULL};
    const char *bin = getenv("CRM_PG_BIN") ? getenv("CRM_PG_BIN") : H_PG_BIN;
    char *initdb = crm_sprintf("%s/initdb", bin);
    hi_spawn_t init = {.path = initdb,
                       .argv = initdb_argv,
                       .log = log,
                       .cwd = h->dir,
                       .as_pg = 1,
                       .death_sig = SIGKILL};
    hi_run(h, &init);
    free(initdb);
    free(log);
    h->pg_port = hi_free_port();
    s_pg_launch(h);
}

/* Starts the postmaster on the cluster (its port chosen) and waits until it
 * accepts connections (after a crash: once its recovery is done). */
static void s_pg_launch(h_t *h)
{
    const char *bin = getenv("CRM_PG_BIN") ? getenv("CRM_PG_BIN") : H_PG_BIN;
    char *postgres = crm_sprintf("%s/postgres", bin);
    char *log = crm_sprintf("%s/postgres.log", h->dir);
    char *data = h->pg_data, *run = h->pg_run;
    char port[16];
    snprintf(port, sizeof port, "%d", h->pg_port);
    /* Commits are written to the WAL before they are acknowledged
     * (synchronous_commit stays on), so a crash of the server, which the
     * kill tests cause, keeps every commit it acknowledged. fsync is off
     * since the machine itself does not crash here, unless CRM_PG_DURABLE=1
     * (benchmarks at the durability up.sh runs with: PostgreSQL's defaults). */
    int durable = getenv("CRM_PG_DURABLE") && !strcmp(getenv("CRM_PG_DURABLE"), "1");
    /* clang-format off */
    char *pg_argv[] = {"postgres", "-D", data, "-p", port, "-k", run,
                       "-c", "listen_addresses=127.0.0.1",
                       "-c", "max_connections=200",
                       "-c", "shared_buffers=128MB",
                       "-c", durable ? "fsync=on" : "fsync=off",
                       "-c", durable ? "full_page_writes=on" : "full_page_writes=off",
                       NULL};
    /* clang-format on */
    hi_spawn_t pg = {.path = postgres,
                     .argv = pg_argv,
                     .log = log,
                     .cwd = h->dir,
                     .as_pg = 1,
                     .death_sig = SIGQUIT};
    h->pg_pid = hi_spawn(h, &pg);
    hi_pid_add(h->pg_pid, SIGQUIT);

    char *ci = s_conninfo(h, "postgres");
    uint64_t until = crm_mono_ms() + 30000;
    for (;;) {
        if (PQping(ci) == PQPING_OK)
            break;
        int st = hi_reap(h->pg_pid, 0);
        if (st >= 0) {
            h->pg_pid = 0;
            hi_tail(log, H_LOG_TAIL);
            S_FAIL("postgres exited with status %d while starting", st);
        }
        if (crm_mono_ms() > until) {
            hi_tail(log, H_LOG_TAIL);
            S_FAIL("postgres does not accept connections after 30 s");
        }
        hi_sleep_ms(50);
    }
    free(ci);
    free(log);
    free(postgres);
}

/* The processes whose parent is pid (PostgreSQL's backends and workers). */
static size_t s_children(pid_t pid, pid_t *out, size_t max)
{
    DIR *d = opendir("/proc");
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *end = strrchr(buf, ')'); /* the name may hold spaces */
        int ppid = 0;
        if (end && sscanf(end + 1, " %*c %d", &ppid) == 1 && ppid == pid)
            out[n++] = (pid_t)atoi(e->d_name);
    }
    if (d)
        closedir(d);
    return n;
}

/* Closes the harness's own sessions: after a crash they are gone, though
 * libpq will not know until a query fails. */
static void s_drop_conns(h_t *h)
{
    for (size_t i = 0; i < h->n_dbs; i++)
        if (h->dbs[i].conn) {
            PQfinish(h->dbs[i].conn);
            h->dbs[i].conn = NULL;
        }
}

void h_pg_kill(h_t *h)
{
    if (!h->pg_pid)
        S_FAIL("PostgreSQL is not running");
    s_drop_conns(h);
    pid_t kids[256];
    size_t n = s_children(h->pg_pid, kids, 256);
    kill(h->pg_pid, SIGKILL);
    hi_reap(h->pg_pid, -1);
    h->pg_pid = 0;
    /* Backends end once they notice; a new postmaster cannot start while
     * any of them still holds the shared memory. */
    uint64_t until = crm_mono_ms() + 10000;
    for (size_t i = 0; i < n; i++) {
        while (kill(kids[i], 0) == 0 && crm_mono_ms() < until)
            hi_sleep_ms(10);
        if (kill(kids[i], 0) == 0)
            kill(kids[i], SIGKILL);
    }
    for (size_t i = 0; i < n; i++)
        while (kill(kids[i], 0) == 0)
            hi_sleep_ms(10);
}

void h_pg_start(h_t *h)
{
    if (h->pg_pid)
        S_FAIL("PostgreSQL is running already");
    s_pg_launch(h);
}

void h_pg_signal(h_t *h, int sig)
{
    if (!h->pg_pid)
        S_FAIL("PostgreSQL is not running");
    pid_t kids[256];
    size_t n = s_children(h->pg_pid, kids, 256);
    kill(h->pg_pid, sig);
    for (size_t i = 0; i < n; i++)
        kill(kids[i], sig);
}

size_t h_pg_backends(h_t *h, const char *application_name, pid_t *out, size_t max)
{
    char *esc = crm_sprintf("SELECT pid FROM pg_stat_activity WHERE application_name = '%s'"
                            " ORDER BY pid",
                            application_name);
    PGresult *r = h_sql(h, "postgres", esc);
    free(esc);
    size_t n = 0;
    for (int i = 0; i < PQntuples(r) && n < max; i++)
        out[n++] = (pid_t)atoi(PQgetvalue(r, i, 0));
    PQclear(r);
    return n;
}

void hi_pg_stop(h_t *h)
{
    for (size_t i = 0; i < h->n_dbs; i++) {
        if (h->dbs[i].conn)
            PQfinish(h->dbs[i].conn);
        free(h->dbs[i].name);
        free(h->dbs[i].conninfo);
    }
    free(h->dbs);
    h->dbs = NULL;
    h->n_dbs = 0;
    if (!h->pg_pid)
        return;
    kill(h->pg_pid, SIGINT); /* fast shutdown */
    if (hi_reap(h->pg_pid, 30000) < 0) {
        kill(h->pg_pid, SIGQUIT);
        if (hi_reap(h->pg_pid, 5000) < 0) {
            kill(h->pg_pid, SIGKILL);
            hi_reap(h->pg_pid, -1);
        }
    }
    h->pg_pid = 0;
}

static h_db_t *s_db_find(h_t *h, const char *db)
{
    for (size_t i = 0; i < h->n_dbs; i++)
        if (strcmp(h->dbs[i].name, db) == 0)
            return &h->dbs[i];
    return NULL;
}

/* A connection to db, kept for later calls; reset if it broke. */
static PGconn *s_conn(h_t *h, const char *db)
{
    h_db_t *d = s_db_find(h, db);
    if (!d) {
        h_pg(h, db);
        d = s_db_find(h, db);
    }
    if (!d->conn)
        d->conn = PQconnectdb(d->conninfo);
    else if (PQstatus(d->conn) != CONNECTION_OK)
        PQreset(d->conn);
    if (PQstatus(d->conn) != CONNECTION_OK)
        S_FAIL("cannot connect to database %s: %s", db, PQerrorMessage(d->conn));
    return d->conn;
}

const char *h_pg(h_t *h, const char *db)
{
    h_db_t *d = s_db_find(h, db);
    if (d)
        return d->conninfo;
    for (const char *p = db; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            S_FAIL("database name \"%s\": use [a-z0-9_]", db);
    if (strcmp(db, "postgres") != 0) {
        char *ci = s_conninfo(h, "postgres");
        PGconn *c = PQconnectdb(ci);
        free(ci);
        if (PQstatus(c) != CONNECTION_OK)
            S_FAIL("cannot connect to PostgreSQL: %s", PQerrorMessage(c));
        char *sql = crm_sprintf("CREATE DATABASE \"%s\"", db);
        PGresult *r = PQexec(c, sql);
        free(sql);
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !(state && strcmp(state, "42P04") == 0))
            S_FAIL("CREATE DATABASE %s: %s", db, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
    }
    h->dbs = crm_realloc(h->dbs, (h->n_dbs + 1) * sizeof *h->dbs);
    d = &h->dbs[h->n_dbs++];
    d->name = crm_strdup(db);
    d->conninfo = s_conninfo(h, db);
    d->conn = NULL;
    return d->conninfo;
}

PGresult *h_sql(h_t *h, const char *db, const char *sql)
{
    PGconn *c = s_conn(h, db);
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char *msg =
            crm_strdup(PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(c));
        PQclear(r);
        S_FAIL("SQL on %s failed: %s\n  %s", db, sql, msg);
    }
    return r;
}

char *h_sql_text(h_t *h, const char *db, const char *sql)
{
    PGresult *r = h_sql(h, db, sql);
    char *text = crm_strdup(PQntuples(r) && PQnfields(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return text;
}

int64_t h_sql_int(h_t *h, const char *db, const char *sql)
{
    PGresult *r = h_sql(h, db, sql);
    if (PQntuples(r) < 1 || PQnfields(r) < 1 || PQgetisnull(r, 0, 0)) {
        PQclear(r);
        S_FAIL("SQL on %s returned no integer: %s", db, sql);
    }
    int64_t v;
    if (crm_parse_i64(PQgetvalue(r, 0, 0), &v) != 0) {
        char *text = crm_strdup(PQgetvalue(r, 0, 0));
        PQclear(r);
        S_FAIL("SQL on %s returned \"%s\", not an integer: %s", db, text, sql);
    }
    PQclear(r);
    return v;
}

void h_execf(h_t *h, const char *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = crm_vsprintf(fmt, ap);
    va_end(ap);
    PQclear(h_sql(h, db, sql));
    free(sql);
}

int64_t h_sql_intf(h_t *h, const char *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = crm_vsprintf(fmt, ap);
    va_end(ap);
    int64_t v = h_sql_int(h, db, sql);
    free(sql);
    return v;
}

void h_wait_consumed(h_t *h, const char *db, const char *producer)
{
    H_CHECK(
        h_wait_sql(h, producer, "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 20000) == 0,
        "%s's relay numbered its events", producer);
    long long seq = h_sql_int(h, producer, "SELECT COALESCE(max(seq), 0) FROM crm_outbox");
    char *sql = crm_sprintf("SELECT (count(*) > 0 AND bool_and(last_seq >= %lld))::int FROM"
                            " crm_consumer_offsets WHERE producer = '%s'",
                            seq, producer);
    H_CHECK(h_wait_sql(h, db, sql, 1, 30000) == 1, "%s applied %s's events", db, producer);
    free(sql);
}

/* The count of db's events of type about record id. */
static char *s_events_sql(const char *type, long long id)
{
    return crm_sprintf("SELECT count(*) FROM crm_outbox WHERE type = '%s' AND aggregate_id ="
                       " '%lld'",
                       type, id);
}

int64_t h_events(h_t *h, const char *db, const char *type, long long id)
{
    char *sql = s_events_sql(type, id);
    int64_t n = h_sql_int(h, db, sql);
    free(sql);
    return n;
}

int64_t h_wait_events(h_t *h, const char *db, const char *type, long long id, int64_t want,
                      int timeout_ms)
{
    char *sql = s_events_sql(type, id);
    int64_t n = h_wait_sql(h, db, sql, want, timeout_ms);
    free(sql);
    return n;
}
