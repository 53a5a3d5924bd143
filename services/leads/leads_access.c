/* leads_access.c: who may see and act on which lead. Owned leads follow
 * the caller's data scope (crm/scope.h); pooled leads belong to the pool's
 * admins and members; leads imported for a department to its users. In a
 * pool, contact fields stay masked until someone claims the lead. The pool
 * rules are the kit's (crm/pool.h); a lead pool is handed to them as a view
 * (leads_pool_rules). */
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/org.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
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

const crm_pool_t *leads_pool_rules(const Crm__Leads__LeadPool *p, crm_pool_t *buf)
{
    return crm_pool_view(p ? &p->base : NULL, "lead", "leads", buf);
}

int leads_pool_is_admin(const Crm__Leads__LeadPool *p, const Crm__Caller *c)
{
    crm_pool_t pool;
    crm_pool_person_t who = crm_pool_person(c);
    return crm_pool_is_admin(leads_pool_rules(p, &pool), &who);
}

int leads_pool_is_member(const Crm__Leads__LeadPool *p, const Crm__Caller *c)
{
    crm_pool_t pool;
    crm_pool_person_t who = crm_pool_person(c);
    return crm_pool_is_member(leads_pool_rules(p, &pool), &who);
}

int leads_pool_is_member_at(const Crm__Leads__LeadPool *p, const Crm__Caller *c,
                            const PGresult *path)
{
    crm_pool_t pool;
    crm_pool_person_t who = crm_pool_person(c);
    int64_t *depts = crm_org_path_of(path, c->department_id, &who.n_departments);
    who.departments = depts;
    int yes = crm_pool_is_member(leads_pool_rules(p, &pool), &who);
    free(depts);
    return yes;
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
    for (size_t i = 0; c->user_id && i < lead->n_team_member_ids; i++)
        if (lead->team_member_ids[i] == c->user_id)
            return 1;
    return 0;
}

int leads_can_read(const Crm__Caller *c, const Crm__Leads__Lead *lead,
                   const Crm__Leads__LeadPool *pool)
{
    return leads_can_see(c, lead, pool) || leads_in_team(c, lead);
}

int leads_must_mask(const Crm__Caller *c, const Crm__Leads__Lead *lead,
                    const Crm__Leads__LeadPool *pool)
{
    crm_pool_t p;
    crm_pool_person_t who = crm_pool_person(c);
    return crm_pool_must_mask(leads_pool_rules(pool, &p), lead->pool_id, lead->owner_id, &who);
}

void leads_mask(Crm__Leads__Lead *lead, char buf[5][CRM_POOL_MASK_LEN])
{
    char **const fields[] = {&lead->mobile, &lead->telephone, &lead->email, &lead->wechat,
                             &lead->qq};
    crm_pool_mask(fields, 5, buf);
    lead->masked = 1;
}
