/* sales_access.c: the rule every admin-only action of the sales service
 * shares (creating products and pipelines, deleting and reopening
 * opportunities): the caller is an admin or the system, else the call is
 * refused, as an RPC or inside a change of the change engine. */
#include "crm/scope.h"
#include "sales_store.h"

int sales_admin_only(crm_rpc_call_t *call, const char *what)
{
    if (crm_scope_all(crm_rpc_call_caller(call)))
        return 1;
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin may %s", what);
    return 0;
}

int sales_change_admin_only(crm_change_t *c, const char *what)
{
    if (crm_scope_all(crm_change_caller(c)))
        return 0;
    return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin may %s", what);
}
