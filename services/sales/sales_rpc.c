/* sales_rpc.c: the Sales.* handler table filled by each module and served,
 * and the checks every module's handlers share (admins only, a value
 * unique among a kind's records). */
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"

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

void sales_read_unique(crm_txn_t *t, const char *kind, const char *stmt, const char *value,
                       int64_t id)
{
    char v[24];
    const char *lock[] = {kind, value};
    const char *p[] = {value, crm_i64(v, id)};
    crm_txn_read(t, "unique_lock",
                 "SELECT pg_advisory_xact_lock(hashtext($1 || ':' || lower(btrim($2))))", 2, lock);
    crm_txn_read(t, "unique", stmt, 2, p);
}

int sales_unique_free(crm_txn_t *t, const char *field, const char *noun)
{
    if (!crm_txn_has(t, "unique"))
        return 0;
    const PGresult *r = crm_txn_result(t, "unique");
    if (PQntuples(r) == 0)
        return 0;
    return crm_txn_refuse(t, CRM__STATUS__ALREADY_EXISTS, field, "%s %lld (%s) has this %s", noun,
                          (long long)crm_db_get_i64(r, 0, 0), crm_db_get(r, 0, 1), field);
}

void sales_rpc_register(sales_t *s)
{
    s->handlers.arg = s;
    sales_products_handlers(s);
    sales_product_kind_handlers(s);
    sales_pipelines_handlers(s);
    sales_opp_create_handlers(s);
    sales_opp_kind_handlers(s);
    sales_opp_stage_handlers(s);
    sales_opp_followup_handlers(s);
    sales_opp_list_handlers(s);
    sales_opp_board_handlers(s);
    sales_serve(crm_service_rpc(s->svc), &s->handlers);
}
