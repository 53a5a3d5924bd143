/* main.c: the leads service (线索): wiring of the runtime, store, RPC, the
 * organisation's read model and the scheduler's jobs. */
#include "crm/config.h"
#include "crm/org.h"
#include "crm/peer.h"
#include "leads.h"
#include "leads_import.h"

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
    leads_import_prepare(l.db);
    leads_probe_prepare(l.db);
    leads_dedup_prepare(l.db);
    /* Checks of numbers masked to their caller, per user per day
     * (leads_probe.c). */
    l.probe_budget = (int)crm_env_int("CRM_DEDUP_MASKED_DAILY", 20, 0, 1000000);
    /* The duplicate check looks at customers too (leads_dedup.c). */
    l.customers = crm_service_peer(l.svc, "customers");
    l.handlers.arg = &l;
    leads_rpc_handlers(&l.handlers);
    leads_progress_handlers(&l.handlers);
    leads_stats_handlers(&l.handlers);
    leads_dedup_handlers(&l.handlers);
    leads_actions_handlers(&l.handlers);
    leads_pools_handlers(&l.handlers);
    leads_list_handlers(&l.handlers);
    leads_import_handlers(&l.handlers);
    leads_recycle_handlers(&l.handlers);
    leads_serve(crm_service_rpc(l.svc), &l.handlers);
    /* Who exists: the gateway's users and departments (crm/org.h); the
     * leads of someone who leaves go to their successor. */
    crm_org_consume(l.svc, "gateway", leads_handover());
    /* Recycling of neglected leads hourly (each lead pool's rule says how
     * many days without a follow-up is too many); reminders of due
     * follow-ups and warnings before recycling every minute. */
    crm_job_declare(l.svc, "leads.recycle", CRM_EVERY(3600), leads_recycle, NULL);
    crm_job_declare(l.svc, "leads.remind", CRM_EVERY(60), leads_remind, NULL);
    /* Each owner's daily digest; follow-ups left undone to their manager. */
    leads_digest_declare(&l);
    leads_escalate_declare(&l);
    return crm_service_run(l.svc);
}
