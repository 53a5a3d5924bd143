/* harness.c: the integration-test harness (see harness.h).
 *
 * One h_t owns a temporary folder, a private PostgreSQL cluster and a Redis
 * server in it, and the service processes of the suite. Every child is
 * started with fork + execve and reaped with waitpid. Three nets make sure a
 * test leaves nothing behind:
 *   - h_destroy, called by the test, by h_fail and by an atexit handler;
 *   - a SIGINT/SIGTERM handler that kills every child with async-signal-safe
 *     calls only, removes the folder and re-raises the signal;
 *   - PR_SET_PDEATHSIG in every child, for when the test itself is killed
 *     with SIGKILL (a ctest timeout): services and Redis get SIGKILL,
 *     PostgreSQL gets SIGQUIT (immediate shutdown, which cleans up).
 *
 * As root, initdb and postgres run as the `postgres` user (they refuse
 * root) on folders it owns; the temporary folder itself is 0755 so that
 * user can enter it. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "crm/registry.h"
#include "crm/rpc.h"
#include "crm_suite.h"
#include "crm/util.h"

#define H_NSVC 5 /* the four services of h_suite, and the gateway (h_gateway) */
#define H_GATEWAY 4
#define H_MAX_INSTANCES 16
#define H_START_MS 30000 /* a service must answer System.Ping within this */
#define H_STOP_MS 30000  /* h_stop: a clean exit (sanitizer reports included) */
#define H_TERM_MS 10000  /* h_destroy: SIGTERM, then SIGKILL after this */
#define H_PG_BIN "/usr/lib/postgresql/15/bin" /* CRM_PG_BIN overrides */
#define H_LOG_TAIL 30

extern char **environ;

static const char *const s_services[H_NSVC] = {"leads", "customers", "sales", "scheduler",
                                               "gateway"};

struct h_proc {
    h_t *h;
    int svc;      /* index in s_services */
    int instance; /* 0-based */
    pid_t pid;
    int reaped; /* 1 once waitpid returned it */
    int status; /* exit status, 128+signal if killed; valid when reaped */
    char *log;  /* <dir>/<service>-<i>.log */
};

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
    int suite;             /* h_suite was called */
    int count[H_NSVC];     /* instances per service */
    char **rpc_of[H_NSVC]; /* per instance */
    char **pub_of[H_NSVC];
    char *rpc[H_NSVC]; /* comma-separated */
    char *pub[H_NSVC];
    h_proc_t *procs[H_NSVC][H_MAX_INSTANCES];
    char **env; /* h_setenv "KEY=VALUE", owned */
    size_t n_env;
    void *zctx;     /* for the readiness pings */
    char *http_url; /* the gateway's base URL, once declared */
    int http_port;
    h_t *next; /* in s_live */
};

/* ---- what the signal handler may touch ------------------------------- */

/* Children to kill from the signal handler, and folders to remove. Written
 * by the main code only; the handler only reads them. */
#define H_MAX_PIDS 256
#define H_MAX_DIRS 8
typedef struct {
    volatile pid_t pid;
    volatile int sig; /* what to send: SIGKILL, or SIGQUIT for PostgreSQL */
} h_pid_slot_t;
static h_pid_slot_t s_pids[H_MAX_PIDS];
static char s_dirs[H_MAX_DIRS][512];
static volatile int s_dir_used[H_MAX_DIRS];

static h_t *s_live;     /* every harness not destroyed yet */
static int s_installed; /* atexit and signal handlers installed */
static int s_failing;   /* inside h_fail: no recursion */

static void s_pid_add(pid_t pid, int sig)
{
    for (int i = 0; i < H_MAX_PIDS; i++)
        if (s_pids[i].pid == 0) {
            s_pids[i].sig = sig;
            s_pids[i].pid = pid;
            return;
        }
}

static void s_pid_del(pid_t pid)
{
    for (int i = 0; i < H_MAX_PIDS; i++)
        if (s_pids[i].pid == pid)
            s_pids[i].pid = 0;
}

/* Async-signal-safe: kills every child, waits a little for PostgreSQL to
 * finish its immediate shutdown, removes the folders with a forked rm, then
 * dies of the same signal. */
static void s_on_signal(int sig)
{
    for (int i = 0; i < H_MAX_PIDS; i++)
        if (s_pids[i].pid > 0)
            kill(s_pids[i].pid, s_pids[i].sig);
    struct timespec ts = {0, 20 * 1000 * 1000};
    for (int round = 0; round < 250; round++) { /* up to 5 s */
        int left = 0;
        for (int i = 0; i < H_MAX_PIDS; i++) {
            pid_t pid = s_pids[i].pid;
            if (pid > 0 && waitpid(pid, NULL, WNOHANG) == 0)
                left++;
        }
        if (!left)
            break;
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < H_MAX_DIRS; i++) {
        if (!s_dir_used[i])
            continue;
        pid_t pid = fork();
        if (pid == 0) {
            char *argv[] = {"rm", "-rf", "--", s_dirs[i], NULL};
            execve("/bin/rm", argv, environ);
            _exit(127);
        }
        if (pid > 0)
            waitpid(pid, NULL, 0);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void s_at_exit(void)
{
    while (s_live) {
        h_t *h = s_live;
        h_destroy(&h);
    }
}

static void s_install(void)
{
    if (s_installed)
        return;
    s_installed = 1;
    crm_registry_set(&crm_suite);
    atexit(s_at_exit);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ---- checks and notes ------------------------------------------------ */

/* Prints the last n lines of file path to stderr. */
static void s_tail(const char *path, int n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long end = ftell(f), pos = end;
    int lines = 0;
    while (pos > 0) {
        fseek(f, pos - 1, SEEK_SET);
        int c = fgetc(f);
        if (c == '\n' && pos != end && ++lines >= n)
            break;
        pos--;
    }
    fseek(f, pos, SEEK_SET);
    fprintf(stderr, "---- last %d lines of %s ----\n", n, path);
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, k, stderr);
    if (end > 0) {
        fseek(f, end - 1, SEEK_SET);
        if (fgetc(f) != '\n')
            fputc('\n', stderr);
    }
    fprintf(stderr, "---- end of %s ----\n", path);
    fclose(f);
}

static void s_dump_logs(h_t *h)
{
    for (int s = 0; s < H_NSVC; s++)
        for (int i = 0; i < h->count[s]; i++)
            if (h->procs[s][i])
                s_tail(h->procs[s][i]->log, H_LOG_TAIL);
}

void h_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fflush(stdout);
    fprintf(stderr, "%s:%d: FAILED: %s: ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (!s_failing) {
        s_failing = 1;
        for (h_t *h = s_live; h; h = h->next)
            s_dump_logs(h);
        s_at_exit();
    }
    fflush(stderr);
    exit(1);
}

/* h_fail for the harness's own failures, pointing at harness.c. */
#define S_FAIL(...) h_fail(__FILE__, __LINE__, "harness", __VA_ARGS__)

void h_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* ---- small helpers --------------------------------------------------- */

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int s_svc_index(const char *service)
{
    for (int s = 0; s < H_NSVC; s++)
        if (strcmp(s_services[s], service) == 0)
            return s;
    S_FAIL("unknown service \"%s\"", service);
}

/* Ports handed out by this process, so no two endpoints share one. */
static int s_ports[1024];
static size_t s_n_ports;

static int s_free_port(void)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            S_FAIL("socket: %s", strerror(errno));
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
            getsockname(fd, (struct sockaddr *)&a, &len) != 0)
            S_FAIL("bind 127.0.0.1:0: %s", strerror(errno));
        close(fd);
        int port = ntohs(a.sin_port), dup = 0;
        for (size_t i = 0; i < s_n_ports; i++)
            dup |= s_ports[i] == port;
        if (dup)
            continue;
        if (s_n_ports < sizeof s_ports / sizeof s_ports[0])
            s_ports[s_n_ports++] = port;
        return port;
    }
    S_FAIL("no free port");
}

char *h_free_endpoint(void)
{
    return crm_sprintf("tcp://127.0.0.1:%d", s_free_port());
}

static int s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void s_rm_rf(const char *dir)
{
    nftw(dir, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A child's environment: ours, with "KEY=VALUE" entries replacing or adding
 * variables. The array and its strings are owned by the env_t. */
typedef struct {
    char **v;
    size_t n, cap;
} s_env_t;

static void s_env_put(s_env_t *e, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->v[i], kv, klen) == 0 && e->v[i][klen] == '=') {
            free(e->v[i]);
            e->v[i] = crm_strdup(kv);
            return;
        }
    if (e->n + 2 > e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->v = crm_realloc(e->v, e->cap * sizeof *e->v);
    }
    e->v[e->n++] = crm_strdup(kv);
    e->v[e->n] = NULL;
}

/* Whether an inherited variable is one the suite sets for a service: such
 * a variable from the caller's shell (say after `source .data/env`) must not
 * point a test's services at another suite. */
static int s_suite_var(const char *kv)
{
    if (strncmp(kv, "CRM_", 4) != 0)
        return 0;
    const char *eq = strchr(kv, '=');
    size_t n = eq ? (size_t)(eq - kv) : strlen(kv);
    return (n > 4 && (strncmp(kv + n - 4, "_RPC", 4) == 0 || strncmp(kv + n - 4, "_PUB", 4) == 0));
}

static void s_env_init(s_env_t *e)
{
    memset(e, 0, sizeof *e);
    for (char **p = environ; *p; p++)
        if (!s_suite_var(*p))
            s_env_put(e, *p);
    if (!e->v)
        s_env_put(e, "CRM_HARNESS=1");
}

static void s_env_free(s_env_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    free(e->v);
    memset(e, 0, sizeof *e);
}

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
} s_spawn_t;

static pid_t s_spawn(h_t *h, const s_spawn_t *sp)
{
    int fd = open(sp->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        S_FAIL("open %s: %s", sp->log, strerror(errno));
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0)
        S_FAIL("open /dev/null: %s", strerror(errno));
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        S_FAIL("fork: %s", strerror(errno));
    if (pid == 0) {
        /* The child: async-signal-safe calls only. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(126);
        if (sp->cwd && chdir(sp->cwd) != 0)
            _exit(126);
        if (sp->as_pg && h->as_root) {
            if (setgroups(0, NULL) != 0 || setgid(h->pg_gid) != 0 || setuid(h->pg_uid) != 0)
                _exit(126);
        }
        /* After setuid, which clears it. */
        if (sp->death_sig && prctl(PR_SET_PDEATHSIG, sp->death_sig) != 0)
            _exit(126);
        if (getppid() != parent)
            _exit(126);
        execve(sp->path, sp->argv, sp->envp ? sp->envp : environ);
        static const char msg[] = "harness: execve failed\n";
        if (write(2, msg, sizeof msg - 1) < 0)
            _exit(127);
        _exit(127);
    }
    close(fd);
    close(null);
    return pid;
}

/* waitpid with a timeout (ms; negative: no limit). Returns the exit status
 * (128+signal if killed) or -1 on timeout. */
static int s_reap(pid_t pid, int timeout_ms)
{
    uint64_t until = crm_mono_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            s_pid_del(pid);
            if (WIFEXITED(st))
                return WEXITSTATUS(st);
            return 128 + WTERMSIG(st);
        }
        if (r < 0 && errno != EINTR) {
            s_pid_del(pid);
            return 255; /* not our child any more */
        }
        if (timeout_ms >= 0 && crm_mono_ms() >= until)
            return -1;
        s_sleep_ms(10);
    }
}

/* Runs a program to completion; fails the test unless it exits 0. */
static void s_run(h_t *h, const s_spawn_t *sp)
{
    pid_t pid = s_spawn(h, sp);
    s_pid_add(pid, SIGKILL);
    int st = s_reap(pid, 120000);
    if (st != 0) {
        s_tail(sp->log, H_LOG_TAIL);
        S_FAIL("%s exited with status %d (log: %s)", sp->path, st, sp->log);
    }
}

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

/* ---- PostgreSQL ------------------------------------------------------ */

static char *s_conninfo(const h_t *h, const char *db)
{
    return crm_sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s connect_timeout=10",
                       h->pg_port, db);
}

static void s_pg_launch(h_t *h);

static void s_pg_start(h_t *h)
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
    s_spawn_t init = {.path = initdb,
                      .argv = initdb_argv,
                      .log = log,
                      .cwd = h->dir,
                      .as_pg = 1,
                      .death_sig = SIGKILL};
    s_run(h, &init);
    free(initdb);
    free(log);
    h->pg_port = s_free_port();
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
    s_spawn_t pg = {.path = postgres,
                    .argv = pg_argv,
                    .log = log,
                    .cwd = h->dir,
                    .as_pg = 1,
                    .death_sig = SIGQUIT};
    h->pg_pid = s_spawn(h, &pg);
    s_pid_add(h->pg_pid, SIGQUIT);

    char *ci = s_conninfo(h, "postgres");
    uint64_t until = crm_mono_ms() + 30000;
    for (;;) {
        if (PQping(ci) == PQPING_OK)
            break;
        int st = s_reap(h->pg_pid, 0);
        if (st >= 0) {
            h->pg_pid = 0;
            s_tail(log, H_LOG_TAIL);
            S_FAIL("postgres exited with status %d while starting", st);
        }
        if (crm_mono_ms() > until) {
            s_tail(log, H_LOG_TAIL);
            S_FAIL("postgres does not accept connections after 30 s");
        }
        s_sleep_ms(50);
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

void h_pg_kill(h_t *h)
{
    if (!h->pg_pid)
        S_FAIL("PostgreSQL is not running");
    pid_t kids[256];
    size_t n = s_children(h->pg_pid, kids, 256);
    kill(h->pg_pid, SIGKILL);
    s_reap(h->pg_pid, -1);
    h->pg_pid = 0;
    /* Backends end once they notice; a new postmaster cannot start while
     * any of them still holds the shared memory. */
    uint64_t until = crm_mono_ms() + 10000;
    for (size_t i = 0; i < n; i++) {
        while (kill(kids[i], 0) == 0 && crm_mono_ms() < until)
            s_sleep_ms(10);
        if (kill(kids[i], 0) == 0)
            kill(kids[i], SIGKILL);
    }
    for (size_t i = 0; i < n; i++)
        while (kill(kids[i], 0) == 0)
            s_sleep_ms(10);
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

int h_log_count(h_t *h, const char *service, int instance, const char *a, const char *b)
{
    h_proc_t *p = h_proc(h, service, instance);
    if (!p)
        S_FAIL("%s %d was never started", service, instance);
    FILE *f = fopen(p->log, "r");
    if (!f)
        return 0;
    int n = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0)
        if (strstr(line, a) && (!b || strstr(line, b)))
            n++;
    free(line);
    fclose(f);
    return n;
}

static void s_pg_stop(h_t *h)
{
    if (!h->pg_pid)
        return;
    kill(h->pg_pid, SIGINT); /* fast shutdown */
    if (s_reap(h->pg_pid, 30000) < 0) {
        kill(h->pg_pid, SIGQUIT);
        if (s_reap(h->pg_pid, 5000) < 0) {
            kill(h->pg_pid, SIGKILL);
            s_reap(h->pg_pid, -1);
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

/* ---- Redis ----------------------------------------------------------- */

static int s_redis_ping(int port)
{
    struct timeval tv = {0, 500 * 1000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    int ok = 0;
    if (c && !c->err) {
        redisSetTimeout(c, tv);
        redisReply *r = redisCommand(c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        if (r)
            freeReplyObject(r);
    }
    redisFree(c);
    return ok;
}

void h_redis_start(h_t *h)
{
    if (h->redis_pid)
        S_FAIL("Redis is running already");
    if (!h->redis_port)
        h->redis_port = s_free_port();
    char port[16];
    snprintf(port, sizeof port, "%d", h->redis_port);
    char *log = crm_sprintf("%s/redis.log", h->dir);
    char *argv[] = {"redis-server", "--port", port,     "--save",    "",      "--appendonly", "no",
                    "--daemonize",  "no",     "--bind", "127.0.0.1", "--dir", h->dir,         NULL};
    const char *path = access("/usr/bin/redis-server", X_OK) == 0 ? "/usr/bin/redis-server"
                                                                  : "/usr/local/bin/redis-server";
    s_spawn_t sp = {.path = path, .argv = argv, .log = log, .death_sig = SIGKILL};
    h->redis_pid = s_spawn(h, &sp);
    s_pid_add(h->redis_pid, SIGKILL);
    uint64_t until = crm_mono_ms() + 30000;
    while (!s_redis_ping(h->redis_port)) {
        int st = s_reap(h->redis_pid, 0);
        if (st >= 0) {
            h->redis_pid = 0;
            s_tail(log, H_LOG_TAIL);
            S_FAIL("redis-server exited with status %d while starting", st);
        }
        if (crm_mono_ms() > until) {
            s_tail(log, H_LOG_TAIL);
            S_FAIL("redis-server does not answer PING after 30 s");
        }
        s_sleep_ms(20);
    }
    free(log);
}

void h_redis_stop(h_t *h)
{
    if (!h->redis_pid)
        return;
    kill(h->redis_pid, SIGKILL);
    s_reap(h->redis_pid, -1);
    h->redis_pid = 0;
}

const char *h_redis_url(const h_t *h)
{
    return h->redis_url;
}

/* ---- the environment ------------------------------------------------- */

/* Removes the folders of earlier tests that died without cleaning up (a
 * SIGKILL from a ctest timeout): crm-* folders in tmp whose harness.pid
 * names a process that no longer exists. Kept folders have no harness.pid. */
static void s_sweep(const char *tmp)
{
    DIR *d = opendir(tmp);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "crm-", 4) != 0)
            continue;
        char *pidfile = crm_sprintf("%s/%s/harness.pid", tmp, e->d_name);
        FILE *f = fopen(pidfile, "r");
        long pid = 0;
        if (f) {
            if (fscanf(f, "%ld", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            char *dir = crm_sprintf("%s/%s", tmp, e->d_name);
            s_rm_rf(dir);
            free(dir);
        }
        free(pidfile);
    }
    closedir(d);
}

h_t *h_new(const char *name)
{
    s_install();
    h_t *h = crm_calloc(1, sizeof *h);
    h->name = crm_strdup(name);
    const char *keep = getenv("CRM_KEEP_TMP");
    h->keep = keep && strcmp(keep, "1") == 0;

    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    char clean[64];
    size_t k = 0;
    for (const char *p = name; *p && k < sizeof clean - 1; p++)
        clean[k++] = (*p == '/' || *p == ' ') ? '_' : *p;
    clean[k] = 0;
    s_sweep(tmp);
    h->dir = crm_sprintf("%s/crm-%s-XXXXXX", tmp, clean);
    if (!mkdtemp(h->dir))
        S_FAIL("mkdtemp %s: %s", h->dir, strerror(errno));
    chmod(h->dir, 0755); /* world-traversable: PostgreSQL runs as another user */
    if (!h->keep) {
        char *pidfile = crm_sprintf("%s/harness.pid", h->dir);
        FILE *f = fopen(pidfile, "w");
        if (f) {
            fprintf(f, "%ld\n", (long)getpid());
            fclose(f);
        }
        free(pidfile);
    }
    for (int i = 0; i < H_MAX_DIRS; i++)
        if (!s_dir_used[i] && strlen(h->dir) < sizeof s_dirs[i]) {
            snprintf(s_dirs[i], sizeof s_dirs[i], "%s", h->dir);
            s_dir_used[i] = h->keep ? 0 : 1;
            break;
        }
    h->next = s_live;
    s_live = h;

    s_pg_start(h);
    h_redis_start(h);
    h->redis_url = crm_sprintf("redis://127.0.0.1:%d", h->redis_port);
    h_note("%s: PostgreSQL on 127.0.0.1:%d, Redis on %s, folder %s", name, h->pg_port, h->redis_url,
           h->dir);
    return h;
}

const char *h_dir(const h_t *h)
{
    return h->dir;
}

/* ---- the suite ------------------------------------------------------- */

void h_suite(h_t *h, int leads, int customers, int sales, int scheduler)
{
    if (h->suite)
        S_FAIL("h_suite called twice");
    h->suite = 1;
    int n[H_NSVC] = {leads, customers, sales, scheduler};
    for (int s = 0; s < H_NSVC; s++) {
        if (n[s] < 0 || n[s] > H_MAX_INSTANCES)
            S_FAIL("%d instances of %s: 0..%d", n[s], s_services[s], H_MAX_INSTANCES);
        h->count[s] = n[s];
        if (!n[s])
            continue;
        h->rpc_of[s] = crm_calloc((size_t)n[s], sizeof(char *));
        h->pub_of[s] = crm_calloc((size_t)n[s], sizeof(char *));
        size_t rlen = 0, plen = 0;
        for (int i = 0; i < n[s]; i++) {
            h->rpc_of[s][i] = h_free_endpoint();
            h->pub_of[s][i] = h_free_endpoint();
            rlen += strlen(h->rpc_of[s][i]) + 1;
            plen += strlen(h->pub_of[s][i]) + 1;
        }
        h->rpc[s] = crm_calloc(1, rlen);
        h->pub[s] = crm_calloc(1, plen);
        for (int i = 0; i < n[s]; i++) {
            if (i) {
                strcat(h->rpc[s], ",");
                strcat(h->pub[s], ",");
            }
            strcat(h->rpc[s], h->rpc_of[s][i]);
            strcat(h->pub[s], h->pub_of[s][i]);
        }
        h_pg(h, s_services[s]);
    }
}

const char *h_rpc(h_t *h, const char *service)
{
    int s = s_svc_index(service);
    if (!h->count[s])
        S_FAIL("%s has no instances in this suite", service);
    return h->rpc[s];
}

const char *h_pub(h_t *h, const char *service)
{
    int s = s_svc_index(service);
    if (!h->count[s])
        S_FAIL("%s has no instances in this suite", service);
    return h->pub[s];
}

const char *h_rpc_of(h_t *h, const char *service, int instance)
{
    int s = s_svc_index(service);
    if (instance < 0 || instance >= h->count[s])
        S_FAIL("%s has no instance %d in this suite", service, instance);
    return h->rpc_of[s][instance];
}

void h_setenv(h_t *h, const char *kv)
{
    if (!strchr(kv, '='))
        S_FAIL("h_setenv(\"%s\"): want KEY=VALUE", kv);
    h->env = crm_realloc(h->env, (h->n_env + 1) * sizeof *h->env);
    h->env[h->n_env++] = crm_strdup(kv);
}

const char *h_bin(const char *rel)
{
    /* Interned: the strings live as long as the process. */
    static char *paths[64];
    static size_t n;
    char *p = crm_sprintf("%s/%s", CRM_BIN_DIR, rel);
    for (size_t i = 0; i < n; i++)
        if (strcmp(paths[i], p) == 0) {
            free(p);
            return paths[i];
        }
    if (n == sizeof paths / sizeof paths[0])
        S_FAIL("h_bin: too many binaries");
    paths[n++] = p;
    return p;
}

static void s_env_suite(h_t *h, s_env_t *e, int s, int i)
{
    char *kv;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        kv = crm_sprintf(__VA_ARGS__);                                                             \
        s_env_put(e, kv);                                                                          \
        free(kv);                                                                                  \
    } while (0)
    PUT("CRM_RPC_BIND=%s", h->rpc_of[s][i]);
    PUT("CRM_PUB_BIND=%s", h->pub_of[s][i]);
    PUT("CRM_DB_URL=%s", h_pg(h, s_services[s]));
    PUT("CRM_REDIS_URL=%s", h->redis_url);
    PUT("CRM_INSTANCE=%s-%d", s_services[s], i);
    if (s == H_GATEWAY) {
        /* Its HTTP listener and first admin; password hashing at libsodium's
         * minimum so tests do not wait on argon2 (h_setenv overrides). */
        PUT("CRM_HTTP_BIND=127.0.0.1:%d", h->http_port);
        PUT("CRM_ADMIN_USER=%s", H_ADMIN_USER);
        PUT("CRM_ADMIN_PASSWORD=%s", H_ADMIN_PASSWORD);
        PUT("CRM_PWHASH_OPSLIMIT=1");
        PUT("CRM_PWHASH_MEMLIMIT=8192");
    }
    for (int o = 0; o < H_NSVC; o++) {
        if (!h->count[o])
            continue;
        char up[32];
        size_t k = 0;
        for (const char *p = s_services[o]; *p && k < sizeof up - 1; p++)
            up[k++] = (char)(*p - 'a' + 'A');
        up[k] = 0;
        PUT("CRM_%s_RPC=%s", up, h->rpc[o]);
        PUT("CRM_%s_PUB=%s", up, h->pub[o]);
    }
#undef PUT
    for (size_t k = 0; k < h->n_env; k++)
        s_env_put(e, h->env[k]);
}

/* One System.Ping on endpoint; 1 if it answered OK. */
static int s_ping(h_t *h, const char *endpoint)
{
    if (!h->zctx) {
        h->zctx = zmq_ctx_new();
        if (!h->zctx)
            S_FAIL("zmq_ctx_new: %s", zmq_strerror(errno));
        zmq_ctx_set(h->zctx, ZMQ_BLOCKY, 0); /* sockets linger 0: term never hangs */
    }
    Crm__Empty req = CRM__EMPTY__INIT;
    ProtobufCMessage *reply = NULL;
    char *err = NULL;
    Crm__Status st = crm_rpc_call_sync(h->zctx, endpoint, 500, "System.Ping", &req.base,
                                       &crm__ping_reply__descriptor, NULL, &reply, &err);
    if (reply)
        protobuf_c_message_free_unpacked(reply, NULL);
    free(err);
    return st == CRM__STATUS__OK;
}

h_proc_t *h_start(h_t *h, const char *service, int instance)
{
    int s = s_svc_index(service);
    if (instance < 0 || instance >= h->count[s])
        S_FAIL("%s has no instance %d (declare it with h_suite)", service, instance);
    h_proc_t *p = h->procs[s][instance];
    if (p && !p->reaped) {
        int st = s_reap(p->pid, 0);
        if (st < 0)
            S_FAIL("%s-%d is running already (pid %d)", service, instance, (int)p->pid);
        p->reaped = 1;
        p->status = st;
    }
    if (!p) {
        p = crm_calloc(1, sizeof *p);
        p->h = h;
        p->svc = s;
        p->instance = instance;
        p->log = crm_sprintf("%s/%s-%d.log", h->dir, service, instance);
        h->procs[s][instance] = p;
    }
    char *path = crm_sprintf("%s/services/%s/crm-%s", CRM_BIN_DIR, service, service);
    if (access(path, X_OK) != 0)
        S_FAIL("no service binary %s: %s", path, strerror(errno));

    s_env_t env;
    s_env_init(&env);
    s_env_suite(h, &env, s, instance);
    char *name = crm_sprintf("crm-%s", service);
    char *argv[] = {name, NULL};
    FILE *lf = fopen(p->log, "a");
    if (lf) {
        fprintf(lf, "---- harness: starting %s-%d ----\n", service, instance);
        fclose(lf);
    }
    s_spawn_t sp = {.path = path, .argv = argv, .envp = env.v, .log = p->log, .death_sig = SIGKILL};
    p->pid = s_spawn(h, &sp);
    p->reaped = 0;
    p->status = 0;
    s_pid_add(p->pid, SIGKILL);
    s_env_free(&env);
    free(name);
    free(path);

    uint64_t until = crm_mono_ms() + H_START_MS;
    while (!s_ping(h, h->rpc_of[s][instance])) {
        int st = s_reap(p->pid, 0);
        if (st >= 0) {
            p->reaped = 1;
            p->status = st;
            S_FAIL("%s-%d exited with status %d while starting (log: %s)", service, instance, st,
                   p->log);
        }
        if (crm_mono_ms() > until)
            S_FAIL("%s-%d does not answer System.Ping on %s after %d s (log: %s)", service,
                   instance, h->rpc_of[s][instance], H_START_MS / 1000, p->log);
        s_sleep_ms(20);
    }
    return p;
}

const char *h_gateway(h_t *h)
{
    if (!h->suite)
        S_FAIL("h_gateway: declare the suite with h_suite first");
    if (!h->count[H_GATEWAY]) {
        h->count[H_GATEWAY] = 1;
        h->rpc_of[H_GATEWAY] = crm_calloc(1, sizeof(char *));
        h->pub_of[H_GATEWAY] = crm_calloc(1, sizeof(char *));
        h->rpc_of[H_GATEWAY][0] = h_free_endpoint();
        h->pub_of[H_GATEWAY][0] = h_free_endpoint();
        h->rpc[H_GATEWAY] = crm_strdup(h->rpc_of[H_GATEWAY][0]);
        h->pub[H_GATEWAY] = crm_strdup(h->pub_of[H_GATEWAY][0]);
        h->http_port = s_free_port();
        h->http_url = crm_sprintf("http://127.0.0.1:%d", h->http_port);
        h_pg(h, "gateway");
    }
    h_start(h, "gateway", 0);
    return h->http_url;
}

const char *h_gateway_url(const h_t *h)
{
    return h->http_url;
}

/* 1 unless instance i of service s reports its health check "jobs" not ok:
 * it has jobs the scheduler has not taken yet (crm/job.h). */
static int s_jobs_taken(h_t *h, int s, int i)
{
    Crm__Empty req = CRM__EMPTY__INIT;
    ProtobufCMessage *reply = NULL;
    Crm__Status st = crm_rpc_call_sync(h->zctx, h->rpc_of[s][i], 1000, "System.Health", &req.base,
                                       &crm__health_reply__descriptor, NULL, &reply, NULL);
    int taken = st == CRM__STATUS__OK;
    const Crm__HealthReply *hr = (const Crm__HealthReply *)reply;
    for (size_t k = 0; taken && k < hr->n_checks; k++)
        if (strcmp(hr->checks[k]->name, "jobs") == 0)
            taken = hr->checks[k]->ok;
    if (reply)
        protobuf_c_message_free_unpacked(reply, NULL);
    return taken;
}

void h_start_all(h_t *h)
{
    for (int s = 0; s < H_GATEWAY; s++)
        for (int i = 0; i < h->count[s]; i++)
            h_start(h, s_services[s], i);
    /* A started suite is settled: every job declared reached the scheduler
     * (which may have started after the service that declares it). */
    for (int s = 0; s < H_GATEWAY; s++)
        for (int i = 0; i < h->count[s]; i++) {
            uint64_t until = crm_mono_ms() + H_START_MS;
            while (!s_jobs_taken(h, s, i)) {
                if (crm_mono_ms() > until)
                    S_FAIL("%s-%d: its jobs are not declared to the scheduler after %d s (log: %s)",
                           s_services[s], i, H_START_MS / 1000, h->procs[s][i]->log);
                s_sleep_ms(20);
            }
        }
}

h_proc_t *h_proc(h_t *h, const char *service, int instance)
{
    int s = s_svc_index(service);
    if (instance < 0 || instance >= h->count[s])
        return NULL;
    return h->procs[s][instance];
}

pid_t h_pid(const h_proc_t *p)
{
    return p->pid;
}

void h_signal(h_proc_t *p, int sig)
{
    if (!p->reaped)
        kill(p->pid, sig);
}

int h_wait(h_proc_t *p, int timeout_ms)
{
    if (p->reaped)
        return p->status;
    int st = s_reap(p->pid, timeout_ms);
    if (st >= 0) {
        p->reaped = 1;
        p->status = st;
    }
    return st;
}

static h_proc_t *s_running(h_t *h, const char *service, int instance)
{
    h_proc_t *p = h_proc(h, service, instance);
    if (!p)
        S_FAIL("%s-%d was never started", service, instance);
    return p;
}

/* Did the process finish its clean stop (its log's last line says
 * "stopped") and hang afterwards with a child of its own: LeakSanitizer's
 * stop-the-world tracer, which sporadically never returns
 * (google/sanitizers#777)? */
static int s_stuck_in_leak_check(const h_proc_t *p)
{
    char path[64], buf[256] = "";
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)p->pid, (int)p->pid);
    FILE *f = fopen(path, "r");
    int child = f && fgets(buf, sizeof buf, f) && buf[0] >= '0' && buf[0] <= '9';
    if (f)
        fclose(f);
    if (!child)
        return 0;
    f = fopen(p->log, "r");
    if (!f)
        return 0;
    char line[1024], last[1024] = "";
    while (fgets(line, sizeof line, f))
        memcpy(last, line, sizeof last);
    fclose(f);
    return strstr(last, "\"msg\":\"stopped\"") != NULL;
}

void h_stop(h_t *h, const char *service, int instance)
{
    h_proc_t *p = s_running(h, service, instance);
    if (p->reaped)
        S_FAIL("%s-%d is not running (it exited with status %d; log: %s)", service, instance,
               p->status, p->log);
    kill(p->pid, SIGTERM);
    kill(p->pid, SIGCONT); /* in case it was stopped */
    int st = h_wait(p, H_STOP_MS);
    if (st < 0 && s_stuck_in_leak_check(p)) {
        /* The service stopped cleanly; the sanitizer's leak scan hung. Not
         * the service's fault, but say so: this run checked no leaks. */
        kill(p->pid, SIGKILL);
        h_wait(p, -1);
        h_note("warning: %s-%d stopped cleanly but LeakSanitizer's scan hung at exit "
               "(google/sanitizers#777); killed, its leaks unchecked this run",
               service, instance);
        return;
    }
    if (st < 0) {
        kill(p->pid, SIGKILL);
        h_wait(p, -1);
        S_FAIL("%s-%d did not exit within %d s of SIGTERM (log: %s)", service, instance,
               H_STOP_MS / 1000, p->log);
    }
    if (st != 0)
        S_FAIL("%s-%d exited with status %d after SIGTERM, want 0 (log: %s)", service, instance, st,
               p->log);
}

void h_kill(h_t *h, const char *service, int instance)
{
    h_proc_t *p = s_running(h, service, instance);
    if (p->reaped)
        return;
    kill(p->pid, SIGKILL);
    h_wait(p, -1);
}

/* ---- waiting --------------------------------------------------------- */

int h_wait_until(int (*cond)(void *arg), void *arg, int timeout_ms)
{
    uint64_t until = crm_mono_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        if (cond(arg))
            return 1;
        if (crm_mono_ms() >= until)
            return 0;
        s_sleep_ms(20);
    }
}

int64_t h_wait_sql(h_t *h, const char *db, const char *sql, int64_t want, int timeout_ms)
{
    uint64_t until = crm_mono_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        int64_t v = h_sql_int(h, db, sql);
        if (v == want || crm_mono_ms() >= until)
            return v;
        s_sleep_ms(20);
    }
}

/* ---- teardown -------------------------------------------------------- */

/* SIGTERM to every live service, up to H_TERM_MS for all of them to exit,
 * then SIGKILL. A non-zero exit is reported, not failed: tests that care
 * call h_stop. */
static void s_stop_services(h_t *h)
{
    int live = 0;
    for (int s = 0; s < H_NSVC; s++)
        for (int i = 0; i < h->count[s]; i++) {
            h_proc_t *p = h->procs[s][i];
            if (p && !p->reaped) {
                kill(p->pid, SIGTERM);
                kill(p->pid, SIGCONT);
                live++;
            }
        }
    uint64_t until = crm_mono_ms() + H_TERM_MS;
    while (live) {
        live = 0;
        for (int s = 0; s < H_NSVC; s++)
            for (int i = 0; i < h->count[s]; i++) {
                h_proc_t *p = h->procs[s][i];
                if (p && !p->reaped && h_wait(p, 0) < 0)
                    live++;
            }
        if (!live)
            break;
        if (crm_mono_ms() >= until) {
            for (int s = 0; s < H_NSVC; s++)
                for (int i = 0; i < h->count[s]; i++) {
                    h_proc_t *p = h->procs[s][i];
                    if (p && !p->reaped) {
                        fprintf(stderr, "harness: %s-%d ignored SIGTERM for %d s; SIGKILL\n",
                                s_services[s], i, H_TERM_MS / 1000);
                        kill(p->pid, SIGKILL);
                        h_wait(p, -1);
                    }
                }
            break;
        }
        s_sleep_ms(10);
    }
}

void h_destroy(h_t **h_p)
{
    if (!h_p || !*h_p)
        return;
    h_t *h = *h_p;
    *h_p = NULL;
    for (h_t **q = &s_live; *q; q = &(*q)->next)
        if (*q == h) {
            *q = h->next;
            break;
        }

    s_stop_services(h);
    for (size_t i = 0; i < h->n_dbs; i++) {
        if (h->dbs[i].conn)
            PQfinish(h->dbs[i].conn);
        free(h->dbs[i].name);
        free(h->dbs[i].conninfo);
    }
    free(h->dbs);
    s_pg_stop(h);
    h_redis_stop(h);
    if (h->zctx)
        zmq_ctx_term(h->zctx);

    for (int i = 0; i < H_MAX_DIRS; i++)
        if (s_dir_used[i] && strcmp(s_dirs[i], h->dir) == 0)
            s_dir_used[i] = 0;
    if (h->keep)
        fprintf(stderr, "harness: kept %s (CRM_KEEP_TMP=1)\n", h->dir);
    else
        s_rm_rf(h->dir);

    for (int s = 0; s < H_NSVC; s++) {
        for (int i = 0; i < h->count[s]; i++) {
            if (h->procs[s][i]) {
                free(h->procs[s][i]->log);
                free(h->procs[s][i]);
            }
            free(h->rpc_of[s][i]);
            free(h->pub_of[s][i]);
        }
        free(h->rpc_of[s]);
        free(h->pub_of[s]);
        free(h->rpc[s]);
        free(h->pub[s]);
    }
    for (size_t i = 0; i < h->n_env; i++)
        free(h->env[i]);
    free(h->env);
    free(h->redis_url);
    free(h->http_url);
    free(h->dir);
    free(h->pg_data);
    free(h->pg_run);
    free(h->name);
    free(h);
}
