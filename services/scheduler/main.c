/* main.c: the scheduler service: fires timed jobs as events, exactly once
 * across instances. */
#include "scheduler.h"

extern const crm_migration_t crm_migrations_scheduler[];

int main(void)
{
    scheduler_t s = {0};
    s.svc = crm_service_new("scheduler", crm_migrations_scheduler);
    s.db = crm_service_db(s.svc);
    s.metrics = scheduler_metrics_new(s.svc);
    s.relay = crm_service_relay(s.svc);
    s.env = (crm_txn_env_t){.db = s.db, .relay = s.relay, .ctx = &s};
    scheduler_store_prepare(s.db);
    scheduler_admin_prepare(s.db);
    scheduler_rpc_register(&s);
    scheduler_owners_start(&s);
    scheduler_jobs_start(&s);
    int rc = crm_service_run(s.svc);
    scheduler_metrics_destroy(&s.metrics);
    return rc;
}
