/* notify.h: the notification centre (通知待办): the gateway's own service
 * Notifications (proto/gateway.proto), and the consumers that make
 * notifications from the leads and customers services' events. Like
 * identity it knows nothing of HTTP: its handlers are RPC handlers served
 * on an RPC server (the gateway's in-process one). */
#ifndef GW_NOTIFY_H
#define GW_NOTIFY_H

#include "crm/service.h"

typedef struct gw_notify gw_notify_t;

/* Prepares its statements on db (the pool its handlers use, which must
 * outlive their calls) and starts the consumers on svc (before the loop
 * runs). Caller owns the result. */
gw_notify_t *gw_notify_new(crm_service_t *svc, crm_db_t *db);

/* Serves Notifications.* on srv (which must not outlive n). */
void gw_notify_serve(gw_notify_t *n, crm_rpc_server_t *srv);

/* Safe on NULL; sets *n_p to NULL. */
void gw_notify_destroy(gw_notify_t **n_p);

#endif
