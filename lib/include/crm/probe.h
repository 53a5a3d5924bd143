/* probe.h: a process's probe endpoint over HTTP, for Prometheus and for
 * orchestrators (systemd, Kubernetes probes), on its own address
 * (CRM_PROBE_BIND, service.h) beside the process's RPC port:
 *
 *     GET /metrics  the process's figures, Prometheus text format 0.0.4 (metrics.h)
 *     GET /healthz  liveness: 200 "ok" while the loop answers
 *     GET /readyz   readiness: 200 when every health check is ok, else 503;
 *                   the checks as JSON {"service", "instance", "ready",
 *                   "checks": [{"name", "ok", "degraded", "detail"}]}
 *
 * Another path is 404, another method 405. The answers are made on the
 * loop from what the parts hold in memory: a scrape runs no query. */
#ifndef CRM_PROBE_H
#define CRM_PROBE_H

#include <uv.h>

#include "health.h"
#include "metrics.h"

typedef struct crm_probe crm_probe_t;

typedef struct {
    void (*metrics)(void *arg, crm_metrics_t *m); /* the process's figures */
    crm_health_t *(*health)(void *arg);           /* its health report (the probe destroys it) */
    const char *service, *instance;               /* named in /readyz */
    void *arg;
} crm_probe_ops_t;

/* Listens on bind; NULL after a log line when it cannot. ops is copied;
 * its strings must outlive the probe. */
crm_probe_t *crm_probe_new(uv_loop_t *loop, const char *bind, const crm_probe_ops_t *ops);

/* Closes it; done(arg) once its handles are released. */
void crm_probe_stop(crm_probe_t *p, void (*done)(void *arg), void *arg);

/* Frees what is left after the loop ended. Safe on NULL. */
void crm_probe_destroy(crm_probe_t **p_p);

#endif
