/* stats.h: latency samples and their percentiles, for the benchmarks. */
#ifndef CRM_BENCH_STATS_H
#define CRM_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    uint64_t *ns;
    size_t n, cap;
} stats_t;

void stats_add(stats_t *s, uint64_t ns);
/* Sorts and prints "label: n=… p50=…us p90 p99 p99.9 max" on stdout. */
void stats_print(stats_t *s, const char *label);
/* The p-th percentile (0..100) in microseconds; sorts first. */
double stats_pct_us(stats_t *s, double p);
void stats_free(stats_t *s);
/* stats_print, then the rate of n operations since t0_ns ("<rate> <unit>/s"
 * on its own line), then stats_free. */
void stats_report(stats_t *s, const char *label, int n, uint64_t t0_ns, const char *unit);

/* Prints "load <when>: " and the machine's load averages
 * (/proc/loadavg): the figures beside it are read against it. */
void stats_load(const char *when);

/* The resident memory of process pid in KiB (VmRSS), and its peak
 * (VmHWM); -1 when unreadable. stats_peak_reset starts the peak again
 * (exits the benchmark if it cannot). */
long stats_rss_kb(int pid);
long stats_peak_kb(int pid);
void stats_peak_reset(int pid);

/* CPU seconds (user and system, every thread) pid has spent so far, from
 * /proc/<pid>/stat; with_children adds its children's that it has waited
 * for (a postmaster's ended backends). -1 if it cannot be read. */
double stats_cpu_s(pid_t pid, int with_children);
/* The same summed over pid (with its waited-for children) and its living
 * children: a PostgreSQL cluster from its postmaster. */
double stats_cpu_tree_s(pid_t pid);

/* Monotonic nanoseconds. */
uint64_t stats_now_ns(void);

#endif
