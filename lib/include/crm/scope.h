/* scope.h: data permissions, as the gateway resolves them into the Caller
 * of every RPC (proto/rpc.proto): may this caller see a record owned by
 * owner_id? Each domain service asks this before it shows or changes one. */
#ifndef CRM_SCOPE_H
#define CRM_SCOPE_H

#include <stdint.h>

#include "rpc.pb-c.h"

/* 1 if caller may see records owned by owner_id (0 = unowned, in a pool:
 * only callers with the whole scope), else 0. Admins and the system see
 * everything; others their own records and those of scope.user_ids. */
int crm_scope_allows(const Crm__Caller *caller, int64_t owner_id);

/* 1 if the caller sees every record. */
int crm_scope_all(const Crm__Caller *caller);

#endif
