/* gateway_health.h: the raw replies that need nothing but the process
 * (see gateway_health.c). */
#ifndef GATEWAY_HEALTH_H
#define GATEWAY_HEALTH_H

#include "gateway_call.h"

void gw_health_healthz(gw_call_t *c);
void gw_health_openapi(gw_call_t *c);

#endif
