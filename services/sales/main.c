/* main.c: the sales service (产品, 商机, 合同, 订单, 回款, 回款计划): wiring of the
 * runtime, the RPC handlers and the event consumers. */
#include "crm/config.h"
#include "crm/org.h"
#include "sales.h"
#include "sales_plan.h"
#include "sales_approval.h"

extern const crm_migration_t crm_migrations_sales[];

int main(void)
{
    sales_t s = {0};
    s.svc = crm_service_new("sales", crm_migrations_sales);
    s.db = crm_service_db(s.svc);
    s.relay = crm_service_relay(s.svc);
    s.tz = crm_service_config(s.svc)->tz;
    s.env = (crm_txn_env_t){.db = s.db, .relay = s.relay, .ctx = &s};
    sales_store_prepare(s.db);
    sales_products_prepare(s.db);
    sales_pipelines_prepare(s.db);
    sales_opps_prepare(s.db);
    sales_contracts_prepare(s.db);
    sales_orders_prepare(s.db);
    sales_payments_prepare(s.db);
    sales_plans_prepare(s.db);
    sales_perf_prepare(s.db);
    sales_targets_prepare(s.db);
    sales_approval_prepare(s.db);
    sales_approval_flows_prepare(s.db);
    sales_rpc_register(&s);
    /* The business time zone the triggers take days in (contracts' ends,
     * performance facts). */
    sales_tz_start(s.db, s.tz);
    /* The stage view's totals: the writers' deltas folded in. */
    sales_totals_start(&s);
    /* Opportunities left in their stage: their owners told (opportunity.stale). */
    sales_stale_start(&s);
    /* Payment plans' instalments: their owners reminded (payment_plan.due, .overdue). */
    sales_plan_remind_start(&s);
    /* Signed contracts past their end date expired, their owners reminded. */
    sales_contract_expiry_start(&s);
    /* Who exists: the gateway's users and departments (crm/org.h); a
     * leaver's opportunities to their successor. */
    crm_org_consume(s.svc, "gateway", sales_handover());
    /* The customers it refers to: a read model of the customers service's. */
    sales_customers_consume(&s);
    return crm_service_run(s.svc);
}
