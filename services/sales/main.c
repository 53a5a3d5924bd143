/* main.c: the sales service (商机, 合同, 回款). The domain comes in its own
 * issue; for now the service runs on the shared runtime, migrates its
 * (empty) schema and answers System.Ping and Bus.Replay. */
#include "crm/service.h"

extern const crm_migration_t crm_migrations_sales[];

int main(void)
{
    return crm_service_run(crm_service_new("sales", crm_migrations_sales));
}
