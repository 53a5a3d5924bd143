/* main.c: the customers service (客户, 联系人, 企业, 公海): wiring of the
 * runtime, the RPC handlers and the event consumers. */
#include "crm/config.h"
#include "crm/peer.h"
#include "customers.h"

extern const crm_migration_t crm_migrations_customers[];

int main(void)
{
    customers_t c = {0};
    c.svc = crm_service_new("customers", crm_migrations_customers);
    c.db = crm_service_db(c.svc);
    c.relay = crm_service_relay(c.svc);
    c.tz = crm_service_config(c.svc)->tz;
    c.env = (crm_txn_env_t){.db = c.db, .relay = c.relay, .ctx = &c};
    customers_store_prepare(c.db);
    customers_events_prepare(c.db);
    customers_sales_prepare(c.db);
    customers_recycle_prepare(c.db);
    customers_rules_prepare(c.db);
    customers_contacts_prepare(c.db);
    customers_enterprises_prepare(c.db);
    customers_dedup_prepare(c.db);
    customers_pools_prepare(c.db);
    customers_import_prepare(c.db);
    customers_contacts_many_prepare(c.db);
    customers_contact_import_prepare(c.db);
    c.leads = crm_service_peer(c.svc, "leads");
    customers_rpc_register(&c);
    customers_events_start(&c);
    customers_digest_declare(&c);
    customers_escalate_declare(&c);
    customers_snapshot_serve(&c);
    return crm_service_run(c.svc);
}
