/* notify.c: the notification centre's wiring (see notify.h). */
#include <stdlib.h>

#include "crm/util.h"
#include "notify_impl.h"

gw_notify_t *gw_notify_new(crm_service_t *svc, crm_db_t *db)
{
    gw_notify_t *n = crm_calloc(1, sizeof *n);
    n->svc = svc;
    n->db = db;
    n->env = (crm_txn_env_t){.db = db, .ctx = n};
    ntf_store_prepare(db);
    ntf_store_prepare_consumer(crm_service_db(svc));
    ntf_feed_prepare(crm_service_db(svc));
    ntf_digest_prepare(crm_service_db(svc));
    ntf_escalation_prepare(crm_service_db(svc));
    ntf_events_start(n);
    n->handlers.arg = n;
    ntf_rpc_fill(&n->handlers);
    return n;
}

void gw_notify_serve(gw_notify_t *n, crm_rpc_server_t *srv)
{
    notifications_serve(srv, &n->handlers);
}

void gw_notify_destroy(gw_notify_t **n_p)
{
    if (!n_p || !*n_p)
        return;
    free(*n_p);
    *n_p = NULL;
}
