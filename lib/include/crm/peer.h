/* peer.h: a service calling another domain's service (RPC): the customers
 * service asking leads for duplicates, and leads asking customers. The
 * endpoints are the suite's (CRM_<DOMAIN>_RPC, crm_peer_rpc); the client
 * lives as long as the service and goes at its stop. A peer that is not
 * deployed has no client: callers answer without it and say so. */
#ifndef CRM_PEER_H
#define CRM_PEER_H

#include "rpc.h"
#include "service.h"

/* A client of domain's service for s (one attempt per call, the
 * configured deadline), or NULL when the suite has no endpoints for it. */
crm_rpc_client_t *crm_service_peer(crm_service_t *s, const char *domain);

#endif
