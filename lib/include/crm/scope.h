/* scope.h: data permissions, as the gateway resolves them into the Caller
 * of every RPC (proto/rpc.proto): may this caller see a record owned by
 * owner_id? Each domain service asks this before it shows or changes one.
 * And whose records a list's preset view (预设场景) covers: all in the
 * caller's scope, mine, the team's I am in, my subordinates'. */
#ifndef CRM_SCOPE_H
#define CRM_SCOPE_H

#include <stdint.h>

#include <stddef.h>

#include "rpc.pb-c.h"
#include "sqlbuf.h"

/* 1 if caller may see records owned by owner_id (0 = unowned, in a pool:
 * only callers with the whole scope), else 0. Admins and the system see
 * everything; others their own records and those of scope.user_ids. */
int crm_scope_allows(const Crm__Caller *caller, int64_t owner_id);

/* 1 if the caller sees every record. */
int crm_scope_all(const Crm__Caller *caller);

/* The preset views every list of owned records has (customers,
 * opportunities): 全部 (every record of the caller's data scope), 我负责的,
 * 我下属负责的 (in scope, not mine), 我参与的 (records whose team the caller
 * is on). A domain maps its own views onto these (a "today" view is MINE
 * with a condition of its own). */
typedef enum { CRM_VIEW_ALL, CRM_VIEW_MINE, CRM_VIEW_SUBORDINATES, CRM_VIEW_TEAM } crm_view_t;

/* Whose records a view covers for a caller. */
typedef struct {
    int team;        /* the team view: the records whose team the caller is on */
    int everyone;    /* a caller who sees every owner (no owner condition) */
    int others;      /* with everyone: everyone but the caller (SUBORDINATES) */
    int64_t *owners; /* otherwise these owners' records (n may be 0: none) */
    size_t n;
    int64_t me;
} crm_view_scope_t;

/* The scope of view for caller c, narrowed to the owners filter[0..nf)
 * when nf (an owner outside the caller's data scope is left out). Free with
 * crm_view_scope_clear. */
void crm_view_scope(const Crm__Caller *c, crm_view_t view, const int64_t *filter, size_t nf,
                    crm_view_scope_t *s);
void crm_view_scope_clear(crm_view_scope_t *s);

/* Appends the team view's condition on the records aliased alias for the
 * caller me (" AND ..."): each domain keeps its teams its own way. */
typedef void (*crm_view_team_fn)(crm_sqlbuf_t *q, const char *alias, int64_t me);

/* Appends " AND <the scope's condition>" on the records aliased alias, whose
 * owner is the column owner_id and whose records have an owner (owner_id
 * <> 0) when everyone sees them. */
void crm_view_scope_sql(crm_sqlbuf_t *q, const crm_view_scope_t *s, const char *alias,
                        crm_view_team_fn team);

#endif
