/* gateway_events.h: the signed-in user's live feed (server-sent events;
 * see gateway_events.c). */
#ifndef GATEWAY_EVENTS_H
#define GATEWAY_EVENTS_H

#include "gateway_call.h"

/* Subscribes to every configured service's events. */
gw_events_t *gw_events_new(gw_t *gw);
/* GET /api/v1/events/stream: the caller's notifications, until they leave
 * or the gateway stops. */
void gw_events_stream(gw_call_t *c);
/* Ends every stream and the subscriptions (at stop). */
void gw_events_stop(gw_events_t *ev);
/* Frees what is left after the loop ended. Safe on NULL. */
void gw_events_destroy(gw_events_t **ev_p);

#endif
