/* main.c: the leads service (线索): wiring of the runtime, store, RPC and
 * the scheduler's recycle job. */
#include "leads.h"

extern const crm_migration_t crm_migrations_leads[];

int main(void)
{
    leads_t l = {0};
    l.svc = crm_service_new("leads", crm_migrations_leads);
    l.db = crm_service_db(l.svc);
    l.cache = crm_service_cache(l.svc);
    l.relay = crm_service_relay(l.svc);
    l.tz = crm_service_config(l.svc)->tz;
    l.env = (crm_txn_env_t){.db = l.db, .cache = l.cache, .relay = l.relay, .ctx = &l};
    leads_store_prepare(l.db);
    leads_rpc_register(&l);
    leads_actions_register(&l);
    leads_pools_register(&l);
    leads_list_register(&l);
    leads_import_register(&l);
    leads_recycle_register(&l);
    crm_job_consume(l.svc, "leads.recycle", leads_recycle, NULL);
    crm_job_consume(l.svc, "leads.remind", leads_remind, NULL);
    return crm_service_run(l.svc);
}
