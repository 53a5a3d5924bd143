/* gateway_proxy.h: the domain services behind the gateway (see
 * gateway_proxy.c). */
#ifndef GATEWAY_PROXY_H
#define GATEWAY_PROXY_H

#include "gateway_call.h"

/* Connects the RPC clients of every configured peer. */
void gw_proxy_init(gw_t *gw);
/* Sends in (kept by the caller) to the service of the call's route, and
 * answers c with the outcome (gw_call_answer), the reply decoded as out. */
void gw_proxy_call(gw_call_t *c, const ProtobufCMessage *in, const ProtobufCMessageDescriptor *out);
/* The client that reads from the service of method ("Leads.List"): the one
 * GET routes use (a second instance tried after the deadline), or NULL
 * when the service is not configured or the clients are gone (stop). */
crm_rpc_client_t *gw_proxy_reader(gw_t *gw, const char *method);
/* GET /readyz: System.Health of the gateway and of every service. */
void gw_proxy_readyz(gw_call_t *c);
/* Destroys the clients (pending calls fail with UNAVAILABLE). */
void gw_proxy_destroy(gw_t *gw);

#endif
