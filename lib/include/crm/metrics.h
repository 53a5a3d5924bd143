/* metrics.h: a process's figures in Prometheus' text exposition format
 * (version 0.0.4), served by its probe endpoint (probe.h, GET /metrics).
 *
 * Nothing is registered ahead: each part keeps its own counts (an RPC
 * method its calls by status and a latency histogram, a pool its queries'
 * latency, a consumer its positions) and, when a scrape comes, writes them
 * into a crm_metrics_t through these calls, family by family:
 *
 *     crm_metrics_family(m, "crm_rpc_calls_total", "counter", "RPC calls served");
 *     crm_metrics_value(m, "crm_rpc_calls_total", 12, "method", "Leads.Create",
 *                       "status", "ok", NULL);
 *
 * Labels are name, value pairs ending with NULL; values are escaped here.
 * A family's samples must follow its family line, before the next family
 * (the format's rule). Names are the caller's, [a-zA-Z_:][a-zA-Z0-9_:]*. */
#ifndef CRM_METRICS_H
#define CRM_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct crm_metrics crm_metrics_t;

crm_metrics_t *crm_metrics_new(void);
void crm_metrics_destroy(crm_metrics_t **m_p);

/* The text so far, and its length; valid until the next write. */
const char *crm_metrics_text(const crm_metrics_t *m, size_t *len);

/* Starts a family: type is "counter", "gauge" or "histogram". */
void crm_metrics_family(crm_metrics_t *m, const char *name, const char *type, const char *help);

/* One sample of the current family with its labels (pairs, NULL-ended). */
void crm_metrics_value(crm_metrics_t *m, const char *name, double value, ...)
    __attribute__((sentinel));

/* A latency histogram in seconds over fixed buckets (CRM_HIST_BOUNDS:
 * 0.5 ms to 10 s), cheap enough for every call: observe is a few
 * comparisons and additions, no allocation. */
#define CRM_HIST_BUCKETS 14
typedef struct {
    uint64_t bucket[CRM_HIST_BUCKETS]; /* observations <= each bound (not cumulative) */
    uint64_t count;                    /* all, the ones above the last bound included */
    double sum;                        /* seconds */
} crm_hist_t;

void crm_hist_observe(crm_hist_t *h, double seconds);

/* One histogram of the current family (name its base name: _bucket, _sum
 * and _count are added) with its labels (pairs, NULL-ended). */
void crm_metrics_hist(crm_metrics_t *m, const char *name, const crm_hist_t *h, ...)
    __attribute__((sentinel));

#endif
