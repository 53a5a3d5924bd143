/* main.c: the leads service (线索): wiring of the runtime, store and RPC. */
#include "leads.h"

extern const crm_migration_t crm_migrations_leads[];

int main(void)
{
    leads_t l = {0};
    l.svc = crm_service_new("leads", crm_migrations_leads);
    l.db = crm_service_db(l.svc);
    l.cache = crm_service_cache(l.svc);
    l.relay = crm_service_relay(l.svc);
    leads_store_prepare(l.db);
    leads_rpc_register(&l);
    return crm_service_run(l.svc);
}
