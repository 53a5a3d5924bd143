/* peer.c: a service's client of another domain's service (crm/peer.h). */
#include "crm/peer.h"

#include "crm/config.h"
#include "crm/log.h"

static void s_stop(void *arg)
{
    crm_rpc_client_t *c = arg;
    crm_rpc_client_destroy(&c);
}

crm_rpc_client_t *crm_service_peer(crm_service_t *s, const char *domain)
{
    const char *eps = crm_peer_rpc(domain, NULL);
    if (!eps || !*eps) {
        crm_log(CRM_WARN, "no endpoints for a peer: its answers will be missing", "peer", domain,
                NULL);
        return NULL;
    }
    crm_rpc_client_t *c =
        crm_rpc_client_new(crm_service_loop(s), crm_service_zctx(s), eps,
                           (unsigned)crm_service_config(s)->rpc_deadline_ms / 2, 1);
    if (c)
        crm_service_on_stop(s, s_stop, c);
    return c;
}
