/* scope.c: data permissions (see scope.h). */
#include "crm/scope.h"

int crm_scope_all(const Crm__Caller *c)
{
    return c && (c->role == CRM__ROLE__ROLE_ADMIN || c->role == CRM__ROLE__ROLE_SYSTEM ||
                 (c->scope && c->scope->all));
}

int crm_scope_allows(const Crm__Caller *c, int64_t owner_id)
{
    if (!c)
        return 0;
    if (crm_scope_all(c))
        return 1;
    if (owner_id == 0)
        return 0;
    if (c->user_id == owner_id)
        return 1;
    for (size_t i = 0; c->scope && i < c->scope->n_user_ids; i++)
        if (c->scope->user_ids[i] == owner_id)
            return 1;
    return 0;
}
