/* harness_impl.h: what the harness's files share (harness.h is their public
 * face). harness.c: the environment of one test (its folder, the nets that
 * tear everything down, failures); harness_proc.c: child processes, ports
 * and environments; harness_pg.c: the private PostgreSQL; harness_redis.c:
 * the private Redis; harness_suite.c: the suite's service processes, their
 * list taken from the registry generated from proto. Helpers shared across
 * these files start with hi_. */
#ifndef CRM_HARNESS_IMPL_H
#define CRM_HARNESS_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

#define H_MAX_INSTANCES 16
#define H_START_MS 30000 /* a service must answer System.Ping within this */
#define H_STOP_MS 30000  /* h_stop: a clean exit (sanitizer reports included) */
#define H_TERM_MS 10000  /* h_destroy: SIGTERM, then SIGKILL after this */
#define H_LOG_TAIL 30

struct h_proc {
    h_t *h;
    int svc;      /* index in h->svcs */
    int instance; /* 0-based */
    pid_t pid;
    int reaped; /* 1 once waitpid returned it */
    int status; /* exit status, 128+signal if killed; valid when reaped */
    char *log;  /* <dir>/<service>-<i>.log */
};

/* One service of the suite: a domain of the registry, or the gateway. */
typedef struct {
    const char *name;
    int count;               /* instances declared */
    char **rpc_of, **pub_of; /* per instance */
    char **probe_of; /* per instance: its probe endpoint (CRM_PROBE_BIND), tcp://host:port */
    char *rpc, *pub; /* comma-separated */
    h_proc_t *procs[H_MAX_INSTANCES];
} h_svc_t;

typedef struct {
    char *name;     /* database name */
    char *conninfo; /* libpq conninfo */
    PGconn *conn;   /* h_sql's connection, opened on first use */
} h_db_t;

struct h {
    char *name;
    char *dir;
    int keep;     /* CRM_KEEP_TMP=1 */
    uid_t pg_uid; /* as root: the postgres user; else our own */
    gid_t pg_gid;
    int as_root;
    int pg_port;
    pid_t pg_pid;
    char *pg_data, *pg_run; /* the cluster's folder and its socket folder */
    int redis_port;
    pid_t redis_pid;
    char *redis_url;
    h_db_t *dbs;
    size_t n_dbs;
    int suite;     /* h_suite_counts was called */
    int no_org;    /* h_org_fixture(h, 0): no fixture organisation */
    h_svc_t *svcs; /* the registry's domains, then the gateway */
    int nsvc;
    int *order; /* h_start_all's order: the services as h_suite_counts named them */
    int norder;
    char **env; /* h_setenv "KEY=VALUE", owned */
    size_t n_env;
    void *zctx;     /* for the readiness pings */
    char *http_url; /* the gateway's base URL, once declared */
    int http_port;
    h_t *next; /* in the live list (harness.c) */
};

/* h_fail for the harness's own failures, pointing at the harness's file. */
#define S_FAIL(...) h_fail(__FILE__, __LINE__, "harness", __VA_ARGS__)

/* ---- harness.c ----------------------------------------------------------- */

/* Children the signal handler kills (with sig) if the test is interrupted. */
void hi_pid_add(pid_t pid, int sig);
void hi_pid_del(pid_t pid);

/* Prints the last n lines of file path to stderr. */
void hi_tail(const char *path, int n);

/* ---- harness_proc.c ------------------------------------------------------ */

void hi_sleep_ms(int ms);
int hi_free_port(void);
void hi_rm_rf(const char *dir);

/* A child's environment: ours without the suite's endpoints, with
 * "KEY=VALUE" entries replacing or adding variables. The array and its
 * strings are owned by the hi_env_t. */
typedef struct {
    char **v;
    size_t n, cap;
} hi_env_t;
void hi_env_init(hi_env_t *e);
void hi_env_put(hi_env_t *e, const char *kv);
void hi_env_free(hi_env_t *e);
/* The environment without the faked clock's preload (harness_clock.c),
 * for a process that keeps real time (Redis: libfaketime trips over its
 * allocator's clock calls); NULL, ours, when the clock is not faked. */
char *const *hi_env_unfaked(void);

/* How a child is started: everything decided before fork, so the child
 * only calls async-signal-safe functions before execve. */
typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp; /* NULL: ours */
    const char *log;   /* stdout and stderr, appended */
    const char *cwd;   /* NULL: ours */
    int as_pg;         /* switch to the postgres user (as root) */
    int death_sig;     /* PR_SET_PDEATHSIG */
} hi_spawn_t;

pid_t hi_spawn(h_t *h, const hi_spawn_t *sp);

/* waitpid with a timeout (ms; negative: no limit). Returns the exit status
 * (128+signal if killed) or -1 on timeout. */
int hi_reap(pid_t pid, int timeout_ms);

/* Runs a program to completion; fails the test unless it exits 0. */
void hi_run(h_t *h, const hi_spawn_t *sp);

/* ---- harness_pg.c, harness_redis.c ---------------------------------------- */

/* Starts the cluster (initdb, then the postmaster on a free port). */
void hi_pg_start(h_t *h);
/* Closes h_sql's connections and stops the postmaster (fast shutdown). */
void hi_pg_stop(h_t *h);

/* ---- harness_suite.c ------------------------------------------------------ */

/* Prints the log tails of every started service to stderr. */
void hi_dump_logs(h_t *h);
/* SIGTERM to every live service, then SIGKILL after H_TERM_MS. */
void hi_stop_services(h_t *h);
/* Frees the suite's declarations and processes. */
void hi_suite_free(h_t *h);

#endif
