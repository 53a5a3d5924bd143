/* harness_proc.c: the harness's child processes (see harness_impl.h):
 * free ports, environments, fork + execve with the nets of harness.c, reaping
 * with a timeout; and waiting for a condition. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness_impl.h"

extern char **environ;

void hi_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Ports handed out by this process, so no two endpoints share one. */
static int s_ports[1024];
static size_t s_n_ports;

/* Ports come from below the kernel's ephemeral range (32768 and up), where
 * no outgoing connection of another test takes them between our check and
 * the service's bind, and from a slice of that range of this process's own
 * (by its pid), so tests running side by side rarely meet. */
#define PORT_LOW 10000
#define PORT_SLICES 100
#define PORT_SLICE 220 /* 10000 + 100 * 220 = 32000 */

static int s_bindable(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        S_FAIL("socket: %s", strerror(errno));
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

int hi_free_port(void)
{
    int base = PORT_LOW + (int)(getpid() % PORT_SLICES) * PORT_SLICE;
    int start = (int)(crm_mono_ms() % PORT_SLICE);
    for (int k = 0; k < PORT_SLICE; k++) {
        int port = base + (start + k) % PORT_SLICE, dup = 0;
        for (size_t i = 0; i < s_n_ports; i++)
            dup |= s_ports[i] == port;
        if (dup || !s_bindable(port))
            continue;
        if (s_n_ports < sizeof s_ports / sizeof s_ports[0])
            s_ports[s_n_ports++] = port;
        return port;
    }
    S_FAIL("no free port in %d..%d", base, base + PORT_SLICE - 1);
}

char *h_free_endpoint(void)
{
    return crm_sprintf("tcp://127.0.0.1:%d", hi_free_port());
}

static int s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

void hi_rm_rf(const char *dir)
{
    nftw(dir, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void hi_env_put(hi_env_t *e, const char *kv)
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

void hi_env_init(hi_env_t *e)
{
    memset(e, 0, sizeof *e);
    for (char **p = environ; *p; p++)
        if (!s_suite_var(*p))
            hi_env_put(e, *p);
    if (!e->v)
        hi_env_put(e, "CRM_HARNESS=1");
}

void hi_env_free(hi_env_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    free(e->v);
    memset(e, 0, sizeof *e);
}

pid_t hi_spawn(h_t *h, const hi_spawn_t *sp)
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

int hi_reap(pid_t pid, int timeout_ms)
{
    uint64_t until = crm_mono_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            hi_pid_del(pid);
            if (WIFEXITED(st))
                return WEXITSTATUS(st);
            return 128 + WTERMSIG(st);
        }
        if (r < 0 && errno != EINTR) {
            hi_pid_del(pid);
            return 255; /* not our child any more */
        }
        if (timeout_ms >= 0 && crm_mono_ms() >= until)
            return -1;
        hi_sleep_ms(10);
    }
}

void hi_run(h_t *h, const hi_spawn_t *sp)
{
    pid_t pid = hi_spawn(h, sp);
    hi_pid_add(pid, SIGKILL);
    int st = hi_reap(pid, 120000);
    if (st != 0) {
        hi_tail(sp->log, H_LOG_TAIL);
        S_FAIL("%s exited with status %d (log: %s)", sp->path, st, sp->log);
    }
}

/* ---- waiting ------------------------------------------------------------ */

int h_wait_until(int (*cond)(void *arg), void *arg, int timeout_ms)
{
    uint64_t until = crm_mono_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        if (cond(arg))
            return 1;
        if (crm_mono_ms() >= until)
            return 0;
        hi_sleep_ms(20);
    }
}

int64_t h_wait_sql(h_t *h, const char *db, const char *sql, int64_t want, int timeout_ms)
{
    uint64_t until = crm_mono_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        int64_t v = h_sql_int(h, db, sql);
        if (v == want || crm_mono_ms() >= until)
            return v;
        hi_sleep_ms(20);
    }
}
