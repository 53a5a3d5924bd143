/* stats.c: latency samples and their percentiles (see stats.h). */
#include "stats.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm/util.h"

void stats_add(stats_t *s, uint64_t ns)
{
    if (s->n == s->cap)
        s->ns = crm_realloc(s->ns, (s->cap = s->cap ? s->cap * 2 : 1024) * sizeof *s->ns);
    s->ns[s->n++] = ns;
}

static int s_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

double stats_pct_us(stats_t *s, double p)
{
    if (s->n == 0)
        return 0;
    qsort(s->ns, s->n, sizeof *s->ns, s_cmp);
    size_t i = (size_t)(p / 100.0 * (double)(s->n - 1) + 0.5);
    return (double)s->ns[i] / 1000.0;
}

void stats_print(stats_t *s, const char *label)
{
    printf("%-34s n=%-7zu p50=%8.1fus p90=%8.1fus p99=%8.1fus p99.9=%8.1fus max=%8.1fus\n", label,
           s->n, stats_pct_us(s, 50), stats_pct_us(s, 90), stats_pct_us(s, 99),
           stats_pct_us(s, 99.9), stats_pct_us(s, 100));
    fflush(stdout);
}

void stats_free(stats_t *s)
{
    free(s->ns);
    s->ns = NULL;
    s->n = s->cap = 0;
}

uint64_t stats_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void stats_report(stats_t *s, const char *label, int n, uint64_t t0_ns, const char *unit)
{
    double secs = (double)(stats_now_ns() - t0_ns) / 1e9;
    stats_print(s, label);
    printf("%-34s %.0f %s/s\n", "", (double)n / secs, unit);
    stats_free(s);
}

void stats_load(const char *when)
{
    char line[128] = "";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fgets(line, sizeof line, f))
        printf("load %s: %s", when, line);
    if (f)
        fclose(f);
}

/* The value of field (e.g. "VmHWM:") in /proc/<pid>/status, in KiB. */
static long s_status_kb(int pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n))
            kb = atol(line + n);
    if (f)
        fclose(f);
    return kb;
}

long stats_rss_kb(int pid)
{
    return s_status_kb(pid, "VmRSS:");
}

long stats_peak_kb(int pid)
{
    return s_status_kb(pid, "VmHWM:");
}

void stats_peak_reset(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/clear_refs", pid);
    FILE *f = fopen(path, "w");
    if (!f || fputs("5", f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot reset the peak memory of %d (%s)\n", pid, path);
        exit(1);
    }
}

/* Fields 14-17 of /proc/<pid>/stat (utime, stime, cutime, cstime) and 4
 * (ppid), after the command's closing parenthesis. */
static int s_stat(pid_t pid, double t[4], pid_t *ppid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    char *p = ok ? strrchr(line, ')') : NULL;
    long long v[4];
    int pp;
    if (!p || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld %lld %lld", &pp,
                     &v[0], &v[1], &v[2], &v[3]) != 5)
        return -1;
    double hz = (double)sysconf(_SC_CLK_TCK);
    for (int i = 0; i < 4; i++)
        t[i] = (double)v[i] / hz;
    *ppid = pp;
    return 0;
}

double stats_cpu_s(pid_t pid, int with_children)
{
    double t[4];
    pid_t pp;
    if (s_stat(pid, t, &pp) < 0)
        return -1;
    return t[0] + t[1] + (with_children ? t[2] + t[3] : 0);
}

double stats_cpu_tree_s(pid_t pid)
{
    double sum = stats_cpu_s(pid, 1);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (sum >= 0 && d && (e = readdir(d))) {
        pid_t child = (pid_t)atoi(e->d_name);
        double t[4];
        pid_t pp;
        if (child > 0 && child != pid && s_stat(child, t, &pp) == 0 && pp == pid)
            sum += t[0] + t[1];
    }
    if (d)
        closedir(d);
    return sum;
}
