/* rpc_db.h: a database failure answered over RPC, in one wording for every
 * handler (the database layer itself names no RPC type). */
#ifndef CRM_RPC_DB_H
#define CRM_RPC_DB_H

#include "db.h"
#include "rpc.h"

/* The RPC status a batch's outcome maps to (unique: already_exists; data:
 * invalid_argument; a database rule: failed_precondition; retry:
 * unavailable; anything else: internal). */
Crm__Status crm_db_rpc_status(const crm_db_result_t *res);

/* Answers call with the RPC status a failed batch maps to, and a message fit
 * for a caller: the server's text for constraint and check failures, a
 * generic one (with the detail logged) for anything internal. The field
 * at fault is the violated constraint's name; a check of ours that names
 * several (SQLSTATE 22023, a line "field: message" of the detail per
 * further field: crm_org_require) is answered with all of them. */
void crm_fail_db(crm_rpc_call_t *call, const crm_db_result_t *res);

#endif
