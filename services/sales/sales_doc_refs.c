/* sales_doc_refs.c: what a contract or an order refers to, read and
 * checked in its create's transaction: a customer the caller sees (as the
 * read model has it), perhaps one of its opportunities the caller reads,
 * perhaps one of its contracts; the customer may come from either. One
 * outside the caller's sight is answered as one that does not exist. */
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"

void sales_read_doc_refs(crm_txn_t *t, const sales_doc_refs_t *r)
{
    char v[2][24];
    sales_read_customer_of(t, r->customer_id, r->opportunity_id, r->contract_id);
    const char *o[] = {crm_i64(v[0], r->opportunity_id)}, *k[] = {crm_i64(v[1], r->contract_id)};
    if (r->opportunity_id)
        crm_txn_read(t, "ref_opportunity", "opportunity_get", 1, o);
    if (r->contract_id)
        crm_txn_read(t, "ref_contract", "contract_get", 1, k);
}

/* The customer of a record the caller reads, or -1 after refusing. */
static int s_customer_of(crm_txn_t *t, sales_doc_refs_t *r, const char *field, int64_t id, int seen,
                         int64_t customer)
{
    if (!seen)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, field, "%s %lld does not exist",
                              field[0] == 'o' ? "opportunity" : "contract", (long long)id);
    if (r->customer_id && r->customer_id != customer)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, field,
                              "%s %lld is customer %lld's, not customer %lld's",
                              field[0] == 'o' ? "opportunity" : "contract", (long long)id,
                              (long long)customer, (long long)r->customer_id);
    r->customer_id = customer;
    return 0;
}

static int s_opportunity_ok(crm_txn_t *t, sales_doc_refs_t *r)
{
    const PGresult *res = crm_txn_result(t, "ref_opportunity");
    opportunity_row_t row = {0};
    int have = PQntuples(res) > 0;
    if (have)
        sales_opp_row(res, 0, &row);
    int seen = have && sales_opp_can_read(crm_txn_caller(t), &row.o);
    int rc = s_customer_of(t, r, "opportunity_id", r->opportunity_id, seen, row.o.customer_id);
    r->opportunity_amount = row.o.amount;
    if (have)
        sales_opp_row_clear(&row);
    return rc;
}

static int s_contract_ok(crm_txn_t *t, sales_doc_refs_t *r)
{
    const PGresult *res = crm_txn_result(t, "ref_contract");
    contract_t k;
    crm__sales__contract__init(&k);
    int have = PQntuples(res) > 0;
    if (have)
        sales_contract_row(res, 0, &k);
    int seen = have && sales_contract_can_read(crm_txn_caller(t), &k);
    int rc = s_customer_of(t, r, "contract_id", r->contract_id, seen, k.customer_id);
    if (have)
        sales_contract_row_clear(&k);
    return rc;
}

int sales_doc_refs_ok(crm_txn_t *t, sales_doc_refs_t *r)
{
    if ((r->opportunity_id && s_opportunity_ok(t, r) < 0) ||
        (r->contract_id && s_contract_ok(t, r) < 0))
        return -1;
    const PGresult *c = crm_txn_result(t, "customer");
    if (!sales_customer_visible(crm_txn_caller(t), c, crm_txn_now(t)) ||
        crm_db_get_i64(c, 0, PQfnumber(c, "id")) != r->customer_id)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "customer_id",
                              "customer %lld does not exist", (long long)r->customer_id);
    r->customer_name = crm_db_get(c, 0, PQfnumber(c, "name"));
    return 0;
}

int64_t sales_doc_owner(crm_rpc_call_t *call, const sales_doc_refs_t *r, int64_t owner_id,
                        int64_t department_id, const char *nouns)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    const char *negative = r->customer_id < 0      ? "customer_id"
                           : r->opportunity_id < 0 ? "opportunity_id"
                           : r->contract_id < 0    ? "contract_id"
                           : owner_id < 0          ? "owner_id"
                           : department_id < 0     ? "department_id"
                                                   : NULL;
    int64_t owner = owner_id ? owner_id : caller->user_id;
    if (negative)
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, negative, "must not be negative");
    else if (!r->customer_id && !r->opportunity_id && !r->contract_id)
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "customer_id",
                     "customer_id is required (or an opportunity or a contract of it)");
    else if (!crm_scope_allows(caller, owner))
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "owner_id",
                     "you may not create %s for user %lld", nouns, (long long)owner);
    else
        return owner;
    return 0;
}
