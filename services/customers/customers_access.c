/* customers_access.c: who may do what with a customer: its owner's side
 * by data scope (crm/scope.h), and its team members (相关团队) by their
 * access, until their membership expires; a pooled customer seen by its
 * pool's people (itself, its contacts, its follow-ups), its contacts
 * masked for its pool's members. */
#include <stddef.h>
#include <string.h>

#include "crm/scope.h"
#include "crm/util.h"
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
    /* A pooled customer (owner 0) is its pool's people's: the change engine
     * decides for them (customers_may_act_pooled); here only the whole
     * scope. */
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

int customers_history_readable(const Crm__Caller *caller, const PGresult *r)
{
    if (PQntuples(r) == 0)
        return 0;
    customer_row_t row;
    customers_store_row(r, 0, &row);
    int ok = customers_can_read(caller, &row.c) ||
             (row.c.previous_owner_id && row.c.previous_owner_id == caller->user_id);
    customers_row_clear(&row);
    return ok;
}

int customers_sees(const Crm__Caller *caller, const customer_t *c, const PGresult *pool,
                   const PGresult *path, int *masked, Crm__Customers__CustomerPool *out)
{
    *masked = 0;
    if (c->owner_id)
        return customers_can_read(caller, c);
    return customers_pooled_visible(caller, pool, path, masked, out);
}

void customers_seen_reads(crm_db_batch_t *b, const Crm__Caller *caller, const char *id)
{
    char dept[24];
    const char *p[] = {id};
    const char *d[] = {crm_i64(dept, caller->department_id)};
    crm_db_batch_add(b, "customer_get", 1, p);
    crm_db_batch_add(b, "customer_pool_of", 1, p);
    crm_db_batch_add(b, CRM_ORG_PATH_SQL, 1, d);
}

int customers_seen(const Crm__Caller *caller, PGresult *const *r, int *masked)
{
    *masked = 0;
    if (PQntuples(r[0]) == 0)
        return 0;
    customer_row_t row;
    customers_store_row(r[0], 0, &row);
    int seen = customers_sees(caller, &row.c, r[1], r[2], masked, NULL);
    customers_row_clear(&row);
    return seen;
}

void customers_mask(customer_t *c, const Crm__Customers__CustomerPool *pool,
                    char buf[5][CRM_POOL_MASK_LEN])
{
    char **fields[] = {&c->mobile, &c->telephone, &c->email, &c->wechat, &c->qq};
    crm_pool_mask(fields, 5, buf);
    /* The fields the pool hides from its members: blanked. */
    static const struct {
        const char *name;
        size_t at;
    } hideable[] = {
        {"remark", offsetof(customer_t, remark)},
        {"address", offsetof(customer_t, address)},
        {"legal_representative", offsetof(customer_t, legal_representative)},
        {"credit_code", offsetof(customer_t, credit_code)},
        {"bank", offsetof(customer_t, bank)},
        {"bank_account", offsetof(customer_t, bank_account)},
        {"company", offsetof(customer_t, company)},
    };
    for (size_t i = 0; pool && i < pool->n_hidden_fields; i++)
        for (size_t k = 0; k < sizeof hideable / sizeof hideable[0]; k++)
            if (!strcmp(pool->hidden_fields[i], hideable[k].name))
                *(char **)((char *)c + hideable[k].at) = "";
    c->masked = 1;
}

void customers_contact_mask(Crm__Customers__Contact *k, char buf[4][CRM_POOL_MASK_LEN])
{
    char **fields[] = {&k->mobile, &k->telephone, &k->email, &k->wechat};
    crm_pool_mask(fields, 4, buf);
    k->masked = 1;
}
