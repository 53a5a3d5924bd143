/* rpc_db.c: a database failure answered over RPC: the status each kind of
 * failure maps to, and the message a caller may read (see rpc_db.h). */
#include "crm/rpc_db.h"

#include "crm/log.h"

Crm__Status crm_db_rpc_status(const crm_db_result_t *res)
{
    switch (res->kind) {
    case CRM_DB_OK:
        return CRM__STATUS__OK;
    case CRM_DB_UNIQUE:
        return CRM__STATUS__ALREADY_EXISTS;
    case CRM_DB_REJECTED:
        return CRM__STATUS__INVALID_ARGUMENT;
    case CRM_DB_REFUSED:
        return CRM__STATUS__FAILED_PRECONDITION;
    case CRM_DB_RETRY:
        return CRM__STATUS__UNAVAILABLE;
    case CRM_DB_BUG:
        break;
    }
    return CRM__STATUS__INTERNAL;
}

int crm_err_db(crm_err_t *err, const crm_db_result_t *res)
{
    Crm__Status status = crm_db_rpc_status(res);
    switch (status) {
    case CRM__STATUS__INVALID_ARGUMENT:
    case CRM__STATUS__ALREADY_EXISTS:
    case CRM__STATUS__FAILED_PRECONDITION:
        return crm_err_set(err, status, res->constraint[0] ? res->constraint : NULL, "%s",
                           res->message);
    case CRM__STATUS__UNAVAILABLE:
        return crm_err_set(err, status, NULL, "the database is unavailable; retry");
    default:
        crm_log(CRM_ERROR, "database error", "sqlstate", res->sqlstate, "error", res->message,
                NULL);
        return crm_err_set(err, CRM__STATUS__INTERNAL, NULL, "internal error");
    }
}

void crm_fail_db(crm_rpc_call_t *call, const crm_db_result_t *res)
{
    crm_err_t err;
    crm_err_db(&err, res);
    crm_rpc_fail_err(call, &err);
}
