/* customers_access.c: who may do what with a customer: its owner's side
 * by data scope (crm/scope.h), and its team members (相关团队) by their
 * access, until their membership expires. Pure. */
#include "crm/scope.h"
#include "customers.h"

Crm__Customers__TeamAccess customers_team_access(const customer_t *c, int64_t user)
{
    for (size_t i = 0; i < c->n_team; i++)
        if (c->team[i]->user_id == user)
            return c->team[i]->access;
    return CRM__CUSTOMERS__TEAM_ACCESS__TEAM_ACCESS_UNSPECIFIED;
}

int customers_can_manage(const Crm__Caller *caller, const customer_t *c)
{
    /* Pooled customers (owner 0) belong to the pools' people: the pools
     * issue gives them their rules; until then only the whole scope. */
    return crm_scope_allows(caller, c->owner_id);
}

int customers_can_read(const Crm__Caller *caller, const customer_t *c)
{
    return customers_can_manage(caller, c) || customers_team_access(c, caller->user_id) != 0;
}

int customers_can_edit(const Crm__Caller *caller, const customer_t *c)
{
    return customers_can_manage(caller, c) || customers_team_access(c, caller->user_id) ==
                                                  CRM__CUSTOMERS__TEAM_ACCESS__TEAM_ACCESS_WRITE;
}

int customers_readable(const Crm__Caller *caller, const PGresult *r)
{
    if (PQntuples(r) == 0)
        return 0;
    customer_row_t row;
    customers_store_row(r, 0, &row);
    int ok = customers_can_read(caller, &row.c);
    customers_row_clear(&row);
    return ok;
}
