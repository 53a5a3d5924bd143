/* rpc_db.c: a database failure answered over RPC: the status each kind of
 * failure maps to, the message a caller may read, and the further fields
 * at fault of a check that names several (see rpc_db.h). */
#include "crm/rpc_db.h"

#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"

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

/* A check of ours that finds several fields at fault (lib/sql: the
 * organisation's guard) raises one error, SQLSTATE 22023 with the first
 * field as its constraint and a line "field: message" of its detail per
 * further field: those are added to errs. Returns the storage the fields
 * point into (caller frees), or NULL. */
static char *s_further(crm_errs_t *errs, const crm_db_result_t *res)
{
    if (strcmp(res->sqlstate, "22023") != 0 || !*res->constraint || !*res->detail)
        return NULL;
    char *text = crm_strdup(res->detail), *line = text;
    while (line && *line) {
        char *next = strchr(line, '\n'), *colon = strstr(line, ": ");
        if (next)
            *next++ = 0;
        if (colon) {
            *colon = 0;
            crm_errs_invalid(errs, line, "%s", colon + 2);
        }
        line = next;
    }
    return text;
}

void crm_fail_db(crm_rpc_call_t *call, const crm_db_result_t *res)
{
    crm_errs_t errs = {.n = 1};
    crm_err_db(&errs.e[0], res);
    char *further =
        errs.e[0].status == CRM__STATUS__INVALID_ARGUMENT ? s_further(&errs, res) : NULL;
    crm_rpc_fail_errs(call, &errs);
    free(further);
}
