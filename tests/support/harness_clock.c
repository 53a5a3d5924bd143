/* harness_clock.c: a clock the test moves (h_clock_fake, h_clock_advance):
 * every process the harness starts after h_clock_fake (PostgreSQL, Redis,
 * the services; not Redis, a cache) reads the wall clock through
 * libfaketime (Debian's libfaketime, preloaded), offset by what a file says; the test rewrites
 * the file. Monotonic clocks stay real, so timers, time-outs and leases
 * run as always while the date moves: thirty days pass in a second. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness_impl.h"

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

static char s_path[64];
static long long s_offset_s;

static void s_remove(void)
{
    if (*s_path)
        unlink(s_path);
}

/* Writes the offset to the file, readable by PostgreSQL's user. */
static void s_write(void)
{
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%s.new", s_path);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%+lld\n", s_offset_s) < 0 || fclose(f) != 0 || chmod(tmp, 0644) < 0 ||
        rename(tmp, s_path) < 0) {
        fprintf(stderr, "harness: cannot write the clock %s: %s\n", s_path, strerror(errno));
        exit(1);
    }
}

void h_clock_fake(void)
{
    if (access(FAKETIME_LIB, R_OK) != 0) {
        fprintf(stderr, "harness: %s is missing (Debian's libfaketime)\n", FAKETIME_LIB);
        exit(1);
    }
    snprintf(s_path, sizeof s_path, "/tmp/crm-clock-%d", (int)getpid());
    s_write();
    atexit(s_remove);
    setenv("LD_PRELOAD", FAKETIME_LIB, 1);
    setenv("FAKETIME_TIMESTAMP_FILE", s_path, 1);
    setenv("FAKETIME_CACHE_DURATION", "1", 1);
    setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    setenv("DONT_FAKE_MONOTONIC", "1", 1);
    /* The sanitizers' runtime is not first in the preload list then. */
    const char *asan = getenv("ASAN_OPTIONS");
    char *opts =
        crm_sprintf("%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    free(opts);
}

void h_clock_advance(long long seconds)
{
    if (!*s_path) {
        fprintf(stderr, "harness: h_clock_advance without h_clock_fake\n");
        exit(1);
    }
    s_offset_s += seconds;
    s_write();
    /* Each process reads the file again at its first reading of the clock
     * a second after its last (FAKETIME_CACHE_DURATION): twice that and
     * more, so a process busy elsewhere on a loaded machine has read it too. */
    struct timespec t = {2, 500 * 1000000L};
    nanosleep(&t, NULL);
}

extern char **environ;

char *const *hi_env_unfaked(void)
{
    static char **env;
    if (!*s_path)
        return NULL; /* ours */
    free(env);
    size_t n = 0;
    while (environ[n])
        n++;
    env = crm_calloc(n + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            env[k++] = environ[i];
    return env;
}
