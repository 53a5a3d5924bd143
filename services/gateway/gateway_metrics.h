/* gateway_metrics.h: the gateway's HTTP figures on /metrics (crm/metrics.h,
 * beside every process's common ones): requests by route and status code,
 * and their latency by route. */
#ifndef GATEWAY_METRICS_H
#define GATEWAY_METRICS_H

#include <stdint.h>

#include "crm/service.h"
#include "gateway_routes.h"

typedef struct gw_metrics gw_metrics_t;

/* Registers the figures' writer with svc; destroy after the loop ends. */
gw_metrics_t *gw_metrics_new(crm_service_t *svc);
void gw_metrics_destroy(gw_metrics_t **m_p);

/* One request answered: route NULL when none matched; code the status
 * sent (0: the client went away first); started_ns its uv_hrtime(). */
void gw_metrics_request(gw_metrics_t *m, const gw_route_t *route, int code, uint64_t started_ns);

#endif
