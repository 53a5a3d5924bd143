/* sales_rpc.c: the Sales.* handler table filled by each module and served,
 * and the checks every module's handlers share (admins only). */
#include "crm/scope.h"
#include "sales.h"

int sales_admin_only(crm_rpc_call_t *call, const char *what)
{
    if (crm_scope_all(crm_rpc_call_caller(call)))
        return 1;
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin may %s", what);
    return 0;
}

void sales_rpc_register(sales_t *s)
{
    s->handlers.arg = s;
    sales_products_handlers(s);
    sales_product_kind_handlers(s);
    sales_serve(crm_service_rpc(s->svc), &s->handlers);
}
