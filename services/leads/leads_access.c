/* leads_access.c: who may see and act on which lead. Owned leads follow
 * the caller's data scope (crm/scope.h); pooled leads belong to the pool's
 * admins and members; leads imported for a department to its users. In a
 * pool, contact fields stay masked until someone claims the lead. */
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/validate.h"
#include "leads.h"

void leads_pool_row(const PGresult *r, int i, Crm__Leads__LeadPool *p)
{
    crm__leads__lead_pool__init(p);
    leads_row_to(r, i, &p->base);
}

void leads_pool_clear(Crm__Leads__LeadPool *p)
{
    crm_rowmap_clear(&p->base);
}

int leads_pool_find(const PGresult *r, int64_t id)
{
    int col = PQfnumber(r, "id");
    for (int i = 0; col >= 0 && i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, col) == id)
            return i;
    return -1;
}

static int s_has(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

int leads_pool_is_admin(const Crm__Leads__LeadPool *p, const Crm__Caller *c)
{
    return crm_scope_all(c) || (p && c->user_id && s_has(p->admin_ids, p->n_admin_ids, c->user_id));
}

int leads_pool_is_member(const Crm__Leads__LeadPool *p, const Crm__Caller *c)
{
    if (leads_pool_is_admin(p, c))
        return 1;
    if (!p || !c->user_id)
        return 0;
    return s_has(p->member_user_ids, p->n_member_user_ids, c->user_id) ||
           (c->department_id &&
            s_has(p->member_department_ids, p->n_member_department_ids, c->department_id));
}

int leads_can_see(const Crm__Caller *c, const Crm__Leads__Lead *lead,
                  const Crm__Leads__LeadPool *pool)
{
    if (lead->owner_id)
        return crm_scope_allows(c, lead->owner_id);
    if (crm_scope_all(c))
        return 1;
    if (lead->pool_id)
        return leads_pool_is_member(pool, c);
    return lead->department_id && c->user_id && c->department_id == lead->department_id;
}

int leads_in_team(const Crm__Caller *c, const Crm__Leads__Lead *lead)
{
    return c->user_id && s_has(lead->team_member_ids, lead->n_team_member_ids, c->user_id);
}

int leads_can_read(const Crm__Caller *c, const Crm__Leads__Lead *lead,
                   const Crm__Leads__LeadPool *pool)
{
    return leads_can_see(c, lead, pool) || leads_in_team(c, lead);
}

int leads_must_mask(const Crm__Caller *c, const Crm__Leads__Lead *lead,
                    const Crm__Leads__LeadPool *pool)
{
    return lead->owner_id == 0 && lead->pool_id && !leads_pool_is_admin(pool, c);
}

void leads_mask(Crm__Leads__Lead *lead, char buf[5][64])
{
    char **fields[] = {&lead->mobile, &lead->telephone, &lead->email, &lead->wechat, &lead->qq};
    for (size_t i = 0; i < 5; i++) {
        if (!**fields[i])
            continue;
        if (strlen(*fields[i]) >= 64)
            strcpy(buf[i], "****");
        else
            crm_phone_mask(*fields[i], buf[i], 64);
        *fields[i] = buf[i];
    }
    lead->masked = 1;
}
