/* gateway_health.c: the replies that are not RPCs: liveness, and the
 * OpenAPI document embedded at build time (openapi.json). Readiness pings
 * the services and lives with their clients in gateway_proxy.c. */
#include <string.h>

#include "gateway_health.h"

void gw_health_healthz(gw_call_t *c)
{
    static const char body[] = "{\"status\":\"ok\"}";
    gw_call_reply_raw(c, 200, "application/json", body, sizeof body - 1);
}

void gw_health_openapi(gw_call_t *c)
{
    gw_call_reply_raw(c, 200, "application/json", c->gw->openapi, c->gw->openapi_len);
}
