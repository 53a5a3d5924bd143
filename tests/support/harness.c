/* harness.c: the integration-test harness's environment (see harness.h
 * and, for its files, harness_impl.h).
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
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "crm/registry.h"
#include "crm/util.h"
#include "crm_suite.h"
#include "harness_impl.h"

extern char **environ;

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

void hi_pid_add(pid_t pid, int sig)
{
    for (int i = 0; i < H_MAX_PIDS; i++)
        if (s_pids[i].pid == 0) {
            s_pids[i].sig = sig;
            s_pids[i].pid = pid;
            return;
        }
}

void hi_pid_del(pid_t pid)
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

void hi_tail(const char *path, int n)
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
            hi_dump_logs(h);
        s_at_exit();
    }
    fflush(stderr);
    exit(1);
}

void h_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
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
            hi_rm_rf(dir);
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

    hi_pg_start(h);
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

    hi_stop_services(h);
    hi_pg_stop(h);
    h_redis_stop(h);
    if (h->zctx)
        zmq_ctx_term(h->zctx);

    for (int i = 0; i < H_MAX_DIRS; i++)
        if (s_dir_used[i] && strcmp(s_dirs[i], h->dir) == 0)
            s_dir_used[i] = 0;
    if (h->keep)
        fprintf(stderr, "harness: kept %s (CRM_KEEP_TMP=1)\n", h->dir);
    else
        hi_rm_rf(h->dir);

    hi_suite_free(h);
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
