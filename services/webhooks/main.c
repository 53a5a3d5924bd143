/* main.c: the webhooks service: wiring of the runtime, the RPC handlers,
 * the consumers of every producer and the delivery worker. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdlib.h>

#include "crm/registry.h"
#include "crm_suite.h"
#include "webhooks.h"

extern const crm_migration_t crm_migrations_webhooks[];

int main(void)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    crm_registry_set(&crm_suite);
    webhooks_t w = {0};
    w.svc = crm_service_new("webhooks", crm_migrations_webhooks);
    w.db = crm_service_db(w.svc);
    w.env = (crm_txn_env_t){.db = w.db, .ctx = &w};
    webhooks_store_prepare(w.db);
    webhooks_rpc_register(&w);
    webhooks_events_start(&w);
    w.sender = wh_sender_new(&w);
    wh_prune_start(&w);
    int rc = crm_service_run(w.svc);
    wh_sender_destroy(&w.sender);
    free(w.event_handlers);
    curl_global_cleanup();
    return rc;
}
