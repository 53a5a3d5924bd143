/* harness.h: the integration-test harness. It starts real parts in a
 * temporary folder: a private PostgreSQL cluster and Redis on free ports, and
 * the suite's service processes (the binaries of this build), and kills,
 * restarts and stops them. Everything is torn down by h_destroy (also when a
 * test fails with h_fail, and at exit).
 *
 * Runs as root or not: as root, PostgreSQL runs as the `postgres` user on a
 * folder it owns (initdb and postgres refuse root). PostgreSQL's programs are
 * taken from /usr/lib/postgresql/15/bin, or from CRM_PG_BIN when set.
 * PostgreSQL runs with fsync off (the machine does not crash in a test)
 * unless CRM_PG_DURABLE=1, which benchmarks use to measure at the
 * durability up.sh runs with. */
#ifndef CRM_HARNESS_H
#define CRM_HARNESS_H

#include <libpq-fe.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct h h_t;
typedef struct h_proc h_proc_t;

/* ---- checks ---------------------------------------------------------- */

/* Fails the test: prints file:line and the message, tears down, exit(1). */
#define H_CHECK(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            h_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                        \
    } while (0)
void h_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

/* Prints "name: ok" style progress lines to stdout. */
void h_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the environment ------------------------------------------------- */

/* A clock the test moves (harness_clock.c): called before h_new, every
 * process the harness then starts (PostgreSQL, Redis, the services) reads
 * the wall clock through Debian's libfaketime, offset by what the test
 * says; monotonic clocks stay real. h_clock_advance moves every process's
 * date forward by seconds (in about a second). The test's own process is
 * not moved: read the suite's time from PostgreSQL (now()). */
void h_clock_fake(void);
void h_clock_advance(long long seconds);

/* Makes a temporary folder for test name and starts PostgreSQL and Redis in
 * it (each on a free port). */
h_t *h_new(const char *name);

/* Stops every process it started (SIGTERM, then SIGKILL), removes the
 * folder (kept when CRM_KEEP_TMP=1). Safe on NULL. */
void h_destroy(h_t **h_p);

/* The temporary folder. */
const char *h_dir(const h_t *h);

/* A libpq conninfo for database db, created on first use. */
const char *h_pg(h_t *h, const char *db);

/* The Redis URL ("redis://127.0.0.1:PORT"). */
const char *h_redis_url(const h_t *h);
void h_redis_stop(h_t *h);  /* SIGKILL Redis */
void h_redis_start(h_t *h); /* starts it again on the same port */
/* Does Redis hold key now (a cached copy)? Fails the test if Redis does
 * not answer. */
int h_redis_exists(h_t *h, const char *key);

/* PostgreSQL faults. h_pg_kill SIGKILLs the postmaster, as a crash would,
 * and waits until its backends have ended too; h_pg_start starts it again
 * on the same cluster and port and waits until it accepts connections (its
 * crash recovery done). h_pg_signal sends sig (SIGSTOP, SIGCONT) to the
 * postmaster and every process it started: a stalled database. */
void h_pg_kill(h_t *h);
void h_pg_start(h_t *h);
void h_pg_signal(h_t *h, int sig);

/* The server processes of the sessions named application_name (up to max),
 * for pg_terminate_backend or a signal; returns how many. */
size_t h_pg_backends(h_t *h, const char *application_name, pid_t *out, size_t max);

/* Lines of the log of instance i of service holding a (and b, unless NULL). */
int h_log_count(h_t *h, const char *service, int instance, const char *a, const char *b);

/* A fresh endpoint "tcp://127.0.0.1:PORT" on a free port; caller frees. */
char *h_free_endpoint(void);

/* Runs sql on database db and returns the result (caller PQclear()s);
 * fails the test on an error. */
PGresult *h_sql(h_t *h, const char *db, const char *sql);
/* The first column of the first row as text ("" for none or NULL; caller
 * frees). */
char *h_sql_text(h_t *h, const char *db, const char *sql);
/* The first column of the first row as an integer. */
int64_t h_sql_int(h_t *h, const char *db, const char *sql);
/* Runs the statement written printf-style (an UPDATE), failing the test on
 * an error. */
void h_execf(h_t *h, const char *db, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with sql written printf-style. */
int64_t h_sql_intf(h_t *h, const char *db, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the suite ------------------------------------------------------- */

/* Declares how many instances of each service the suite runs, which fixes
 * every endpoint (RPC and PUB per instance) before any starts, so each
 * process is told all its peers: counts is "leads=1,customers=2,scheduler=1",
 * each name a domain of the suite registry (generated from proto; the
 * gateway is declared by h_gateway); a domain not named runs no instance.
 * h_start_all starts them in this order. Each service gets database
 * "<service>" in the cluster. */
void h_suite_counts(h_t *h, const char *counts);

/* The same for the first four domains, as positional counts:
 * "leads=L,customers=C,sales=S,scheduler=D". */
void h_suite(h_t *h, int leads, int customers, int sales, int scheduler);

/* Comma-separated RPC / PUB endpoints of all instances of service. */
const char *h_rpc(h_t *h, const char *service);
const char *h_pub(h_t *h, const char *service);
/* The RPC endpoint of one instance (0-based). */
const char *h_rpc_of(h_t *h, const char *service, int instance);
/* The probe endpoint (probe.h: /metrics, /healthz, /readyz) of one
 * instance, host:port. */
const char *h_probe_of(h_t *h, const char *service, int instance);

/* Extra environment for every service started after this call
 * ("KEY=VALUE"). */
void h_setenv(h_t *h, const char *kv);

/* Starts instance i of service (binary services/<s>/crm-<s> of this build)
 * with the suite's environment, its stderr logged to <dir>/<s>-<i>.log, and
 * waits until it answers System.Ping (fails the test after 30 s). */
h_proc_t *h_start(h_t *h, const char *service, int instance);

/* Starts every declared instance, in the order h_suite_counts named them,
 * then waits until each has its jobs declared to the scheduler (its health
 * check "jobs" ok, crm/job.h). */
void h_start_all(h_t *h);

/* The gateway (services/gateway): declares it on first use (its RPC and PUB
 * endpoints, database "gateway", an HTTP port) and starts it with the
 * suite's endpoints, CRM_HTTP_BIND, the first admin H_ADMIN_USER /
 * H_ADMIN_PASSWORD and the fastest password hashing (h_setenv overrides
 * any of these). Call after h_suite; h_stop(h, "gateway", 0) stops it.
 * Returns its base URL, "http://127.0.0.1:PORT". */
#define H_ADMIN_USER "admin"
#define H_ADMIN_PASSWORD "admin-password"
const char *h_gateway(h_t *h);
/* The base URL once h_gateway was called, else NULL. */
const char *h_gateway_url(const h_t *h);

/* The organisation the domain services know (crm/org.h). The gateway owns
 * users and departments and announces them as events; most tests run no
 * gateway and name people by number (owner 11, department 5), so each
 * domain service started gets a fixture organisation in its read model:
 * departments 1-99 (roots) and users 1-999 (no department), all active,
 * the rows those events would leave (added if missing). A test of the
 * organisation itself turns it off before starting anything and makes
 * users and departments through the gateway. */
#define H_ORG_USERS 999
#define H_ORG_DEPARTMENTS 99
void h_org_fixture(h_t *h, int on);

/* The process of a started instance, or NULL. The same object is reused
 * when the instance is started again; it lives until h_destroy. */
h_proc_t *h_proc(h_t *h, const char *service, int instance);

/* Sends sig (SIGKILL, SIGTERM, SIGSTOP, SIGCONT) to the process. */
void h_signal(h_proc_t *p, int sig);

/* Waits for the process to exit; returns its exit status (128+signal if
 * killed), or -1 after timeout_ms (negative: no limit). */
int h_wait(h_proc_t *p, int timeout_ms);

/* Stops with SIGTERM and checks a clean exit (status 0: no leak reports,
 * no sanitizer errors). Fails the test otherwise. */
void h_stop(h_t *h, const char *service, int instance);

/* SIGKILL and reap. */
void h_kill(h_t *h, const char *service, int instance);

/* pid of a started process. */
pid_t h_pid(const h_proc_t *p);

/* ---- waiting --------------------------------------------------------- */

/* Polls cond(arg) every 20 ms until true or timeout_ms; returns 1 if true. */
int h_wait_until(int (*cond)(void *arg), void *arg, int timeout_ms);

/* Polls `sql` (returning one integer) until it equals want or timeout_ms;
 * returns the last value seen. */
int64_t h_wait_sql(h_t *h, const char *db, const char *sql, int64_t want, int timeout_ms);

/* How many events of type the service of database db wrote about record
 * id (its outbox, published or not); h_wait_events polls it until it is
 * want or timeout_ms passes, and returns the last count. */
int64_t h_events(h_t *h, const char *db, const char *type, long long id);
int64_t h_wait_events(h_t *h, const char *db, const char *type, long long id, int64_t want,
                      int timeout_ms);

/* Waits until every consumer that database db keeps offsets of has
 * applied every event the outbox of producer (its database has the
 * producer's name) holds now; fails the test after 30 s. */
void h_wait_consumed(h_t *h, const char *db, const char *producer);

/* The path of a binary of this build, e.g. h_bin("tools/crmctl"). */
const char *h_bin(const char *rel);

#endif
