/* leads_actions.c: the batch actions on leads: delete (删除), transfer
 * (转移), put in pool (放入线索池), claim (领取), assign (分配), invalidate
 * (无效), resume, void (作废) and restore. Each is an op of the change
 * engine (crm/change.h) on the lead kind (leads_kind.c): the handler checks
 * the request, the op decides per lead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "leads.h"

/* Gives row to owner (department dept, 0: unchanged), from now. */
static void s_give(crm_change_t *c, lead_row_t *row, int64_t owner, int64_t dept)
{
    if (row->lead.owner_id)
        row->lead.previous_owner_id = row->lead.owner_id;
    row->lead.owner_id = owner;
    if (dept)
        row->lead.department_id = dept;
    row->lead.owner_since_us = crm_change_now(c);
}

/* Makes row unowned in pool (0: none). */
static void s_pool(crm_change_t *c, lead_row_t *row, int64_t pool)
{
    row->lead.previous_owner_id = row->lead.owner_id;
    row->lead.owner_id = 0;
    row->lead.owner_since_us = 0;
    row->lead.pool_id = pool;
    row->lead.pooled_at_us = crm_change_now(c);
}

/* ---- delete ------------------------------------------------------------- */

static int s_delete_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    if (before->status == LS(CONVERTED))
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "the lead is converted; it stays as its customer's origin");
    if (leads_check_pool_admin(c, before) < 0)
        return -1;
    row->deleted = 1;
    return 0;
}

static const crm_change_op_t s_delete_op = {
    .action = "deleted", .ids_field = "ids", .apply = s_delete_apply};

/* ---- the new owner, from the organisation --------------------------------- */

/* The new owner and department a transfer or an assignment names, read
 * from the organisation's read model (crm/org.h) in round 1. */
static void s_new_owner_read(crm_change_t *c, int64_t owner, int64_t dept)
{
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "to_owner_id", owner);
    crm_org_department(refs, "to_department_id", dept);
    crm_org_read(crm_change_txn(c), "org", &refs);
}

/* Both must be known and active; the lead's department follows its new
 * owner's unless the caller named one (0: the owner's, or unchanged when
 * the owner has none). Sets *dept; 0, or -1 after refusing. */
static int s_new_owner_check(crm_change_t *c, int64_t *dept)
{
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_change_result(c, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    if (!*dept)
        *dept = crm_org_department_of(org, "to_owner_id");
    return 0;
}

/* ---- transfer ----------------------------------------------------------- */

static int s_transfer_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    const Crm__Leads__TransferLeadsRequest *req = crm_change_request(c);
    if (leads_move(c, row, LEAD_ACT_TRANSFER) < 0)
        return -1;
    if (before->owner_id == req->to_owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "to_owner_id",
                                 "user %lld holds it already", (long long)req->to_owner_id);
    int64_t dept = req->to_department_id;
    if (s_new_owner_check(c, &dept) < 0)
        return -1;
    s_give(c, row, req->to_owner_id, dept);
    return 0;
}

static void s_transfer_read(crm_change_t *c)
{
    const Crm__Leads__TransferLeadsRequest *req = crm_change_request(c);
    s_new_owner_read(c, req->to_owner_id, req->to_department_id);
}

static const crm_change_op_t s_transfer_op = {.action = "transferred",
                                              .ids_field = "ids",
                                              .read = s_transfer_read,
                                              .apply = s_transfer_apply};

/* ---- put in pool -------------------------------------------------------- */

static int s_pool_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    const Crm__Leads__PoolLeadsRequest *req = crm_change_request(c);
    int64_t pool = req->pool_id ? req->pool_id : before->pool_id;
    if (!pool)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "pool_id",
                                 "the lead has no pool of its own; name one");
    if (!leads_change_pool(c, pool))
        return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, "pool_id", "pool %lld not found",
                                 (long long)pool);
    if (leads_move(c, row, LEAD_ACT_POOL) < 0)
        return -1;
    s_pool(c, row, pool);
    return 0;
}

/* The pool the leads go to, when named: the kind finds it among its pools. */
static void s_pool_read(crm_change_t *c)
{
    char pool[24];
    const char *p[] = {
        crm_i64(pool, ((const Crm__Leads__PoolLeadsRequest *)crm_change_request(c))->pool_id)};
    crm_change_read(c, "target_pool",
                    "SELECT " POOL_COLUMNS " FROM lead_pools WHERE id = $1::bigint", 1, p);
}

static const crm_change_op_t s_pool_op = {
    .action = "pooled", .ids_field = "ids", .read = s_pool_read, .apply = s_pool_apply};

/* ---- claim -------------------------------------------------------------- */

/* The claimer as the pool rules see them: their department and its
 * ancestors from the organisation (crm/org.h), so a pool's member
 * department takes in its sub-departments. */
static crm_pool_person_t s_claimer(crm_change_t *c)
{
    const Crm__Caller *caller = crm_change_caller(c);
    crm_pool_person_t who = crm_pool_person(caller);
    who.departments =
        crm_change_keep(c, crm_org_path_of(crm_change_result(c, "claimer_path"),
                                           caller->department_id, &who.n_departments));
    return who;
}

/* The caller's claims today ("claimed_today") and holdings ("holding"),
 * per pool; the first read serialises the caller's claims so the counts
 * hold until commit. */
static void s_claim_read(crm_change_t *c)
{
    char user[24];
    const leads_t *l = crm_change_ctx(c);
    const char *p[] = {crm_i64(user, crm_change_caller(c)->user_id), l->tz};
    crm_change_read(c, "claim_lock", "SELECT pg_advisory_xact_lock(hashtext('lead.claim:' || $1))",
                    1, p);
    crm_org_read_path(crm_change_txn(c), "claimer_path", crm_change_caller(c)->department_id);
    crm_change_read(c, "claimed_today",
                    "SELECT pool_id, count(*) FROM lead_claims WHERE user_id = $1::bigint"
                    " AND at >= date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2"
                    " GROUP BY pool_id",
                    2, p);
    crm_change_read(c, "holding",
                    "SELECT pool_id, count(*) FROM leads WHERE owner_id = $1::bigint"
                    " AND deleted_at IS NULL AND status IN (2, 3, 4) GROUP BY pool_id",
                    1, p);
}

/* The count for pool in a (pool_id, count) result. */
static int64_t s_count_of(const PGresult *r, int64_t pool)
{
    for (int i = 0; r && i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == pool)
            return crm_db_get_i64(r, i, 1);
    return 0;
}

/* The kit's claim rules (crm_pool_may_claim) for lead index of the
 * request: the caller's claims today and holdings include the leads of the
 * pool this request took before it. */
static int s_claim_rules(crm_change_t *c, const Crm__Leads__Lead *before, size_t index)
{
    crm_pool_t pool;
    const crm_pool_t *p = leads_pool_rules(leads_change_pool(c, before->pool_id), &pool);
    if (!p)
        return 0; /* a department's lead: its users may take it */
    int64_t here = 0;
    for (size_t i = 0; i < index; i++)
        here += leads_row(c, i)->lead.pool_id == p->id;
    crm_pool_claim_t claim = {
        .previous_owner_id = before->previous_owner_id,
        .pooled_at_us = before->pooled_at_us,
        .claimed_today = s_count_of(crm_change_result(c, "claimed_today"), p->id) + here,
        .holding = s_count_of(crm_change_result(c, "holding"), p->id) + here,
    };
    crm_pool_person_t who = s_claimer(c);
    crm_err_t err;
    if (crm_pool_may_claim(p, &who, &claim, crm_change_now(c), &err) < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    return 0;
}

static int s_claim_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    if (before->status != LS(UNASSIGNED))
        return leads_move(c, row, LEAD_ACT_CLAIM); /* refuses with the reason */
    if (s_claim_rules(c, before, crm_change_current(c)) < 0 ||
        leads_move(c, row, LEAD_ACT_CLAIM) < 0)
        return -1;
    const Crm__Caller *caller = crm_change_caller(c);
    s_give(c, row, caller->user_id, caller->department_id);
    return 0;
}

static void s_claim_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    char user[24], pool[24], id[24];
    const char *p[] = {crm_i64(user, row->lead.owner_id), crm_i64(pool, before->pool_id),
                       crm_i64(id, row->lead.id)};
    crm_db_batch_add(b,
                     "INSERT INTO lead_claims (user_id, pool_id, lead_id) VALUES"
                     " ($1::bigint, $2::bigint, $3::bigint)",
                     3, p);
}

/* A pool's members may try to claim its leads, also one someone took a
 * moment ago: they are told it is taken, not that it does not exist. */
static int s_claim_may_act(crm_change_t *c, const void *rec)
{
    const Crm__Leads__Lead *lead = leads_before(rec);
    const Crm__Caller *caller = crm_change_caller(c);
    const Crm__Leads__LeadPool *pool = leads_change_pool(c, lead->pool_id);
    crm_pool_t rules;
    crm_pool_person_t who = s_claimer(c);
    return leads_may_act_if(c, lead,
                            leads_can_see(caller, lead, pool) ||
                                (pool && crm_pool_is_member(leads_pool_rules(pool, &rules), &who)));
}

static const crm_change_op_t s_claim_op = {.action = "claimed",
                                           .ids_field = "ids",
                                           .read = s_claim_read,
                                           .apply = s_claim_apply,
                                           .write = s_claim_write,
                                           .may_act = s_claim_may_act};

/* ---- assign ------------------------------------------------------------- */

static int s_assign_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    const Crm__Leads__AssignLeadsRequest *req = crm_change_request(c);
    if (before->status != LS(UNASSIGNED))
        return leads_move(c, row, LEAD_ACT_CLAIM);
    int64_t dept = req->to_department_id;
    if (leads_check_pool_admin(c, before) < 0 || leads_move(c, row, LEAD_ACT_CLAIM) < 0 ||
        s_new_owner_check(c, &dept) < 0)
        return -1;
    s_give(c, row, req->to_owner_id, dept);
    return 0;
}

static void s_assign_read(crm_change_t *c)
{
    const Crm__Leads__AssignLeadsRequest *req = crm_change_request(c);
    s_new_owner_read(c, req->to_owner_id, req->to_department_id);
}

static const crm_change_op_t s_assign_op = {
    .action = "assigned", .ids_field = "ids", .read = s_assign_read, .apply = s_assign_apply};

/* ---- invalidate, resume, void, restore ---------------------------------- */

static int s_invalidate_apply(crm_change_t *c, void *rec, const void *prev)
{
    return leads_move(c, rec, LEAD_ACT_INVALIDATE);
}

static int s_resume_apply(crm_change_t *c, void *rec, const void *prev)
{
    return leads_move(c, rec, LEAD_ACT_RESUME);
}

static int s_void_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    if (leads_check_pool_admin(c, before) < 0)
        return -1;
    return leads_move(c, row, LEAD_ACT_VOID);
}

static int s_restore_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    if (leads_move(c, row, LEAD_ACT_RESTORE) < 0)
        return -1;
    row->lead.status = leads_restored_status(before->owner_id, before->last_followup_at_us != 0);
    return 0;
}

static const crm_change_op_t s_invalidate_op = {
    .action = "invalidated", .ids_field = "ids", .apply = s_invalidate_apply};
static const crm_change_op_t s_resume_op = {
    .action = "resumed", .ids_field = "ids", .apply = s_resume_apply};
static const crm_change_op_t s_void_op = {
    .action = "voided", .ids_field = "ids", .apply = s_void_apply};
static const crm_change_op_t s_restore_op = {
    .action = "restored", .ids_field = "ids", .apply = s_restore_apply};

/* ---- team members ------------------------------------------------------- */

static int s_in(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* The lead's team after adding (add) or removing the request's users. */
static int s_team_apply(crm_change_t *c, lead_row_t *row, const Crm__Leads__Lead *before, int add)
{
    const Crm__Leads__TeamMembersRequest *req = crm_change_request(c);
    const char *why;
    if (!leads_next_status(LEAD_ACT_EDIT, before->status, 0, &why))
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL, "%s", why);
    if (!before->owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "the lead has no owner yet; a team works with its owner");
    size_t cap = before->n_team_member_ids + req->n_user_ids;
    int64_t *team = crm_change_keep(c, crm_calloc(cap + 1, sizeof *team));
    size_t n = 0;
    for (size_t i = 0; i < before->n_team_member_ids; i++)
        if (add || !s_in(req->user_ids, req->n_user_ids, before->team_member_ids[i]))
            team[n++] = before->team_member_ids[i];
    crm_errs_t errs = {.n = 0};
    if (add && crm_org_check(crm_change_result(c, "org"), &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    for (size_t i = 0; add && i < req->n_user_ids; i++) {
        if (req->user_ids[i] == before->owner_id)
            return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "user_ids",
                                     "user %lld owns it; the team is the others",
                                     (long long)req->user_ids[i]);
        if (!s_in(team, n, req->user_ids[i]))
            team[n++] = req->user_ids[i];
    }
    row->lead.team_member_ids = team;
    row->lead.n_team_member_ids = n;
    return 0;
}

static int s_team_add_apply(crm_change_t *c, void *rec, const void *prev)
{
    return s_team_apply(c, rec, leads_before(prev), 1);
}

static int s_team_remove_apply(crm_change_t *c, void *rec, const void *prev)
{
    return s_team_apply(c, rec, leads_before(prev), 0);
}

static void s_team_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    char *changed[] = {"team_member_ids"};
    leads_emit_changed(b, "team_changed", before, &row->lead, crm_change_caller(c)->user_id,
                       crm_change_reason(c), changed, 1);
}

/* The users joining a team must be known and active (crm/org.h); those
 * leaving it need not be. */
static void s_team_add_read(crm_change_t *c)
{
    const Crm__Leads__TeamMembersRequest *req = crm_change_request(c);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_users(refs, "user_ids", req->user_ids, req->n_user_ids);
    crm_org_read(crm_change_txn(c), "org", &refs);
}

/* The team is a column of the lead: the engine's save writes it. */
static const crm_change_op_t s_team_add_op = {.action = "team_changed",
                                              .ids_field = "ids",
                                              .read = s_team_add_read,
                                              .apply = s_team_add_apply,
                                              .emit = s_team_emit};
static const crm_change_op_t s_team_remove_op = {.action = "team_changed",
                                                 .ids_field = "ids",
                                                 .apply = s_team_remove_apply,
                                                 .emit = s_team_emit};

static void s_team(crm_rpc_call_t *call, const Crm__Leads__TeamMembersRequest *req, leads_t *l,
                   const crm_change_op_t *op)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, LEADS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    if (req->n_user_ids == 0 || req->n_user_ids > 50) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "user_ids", "give 1 to 50 users");
        return;
    }
    for (size_t i = 0; i < req->n_user_ids; i++) {
        if (req->user_ids[i] < 1) {
            crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "user_ids", "user %lld is not valid",
                         (long long)req->user_ids[i]);
            return;
        }
    }
    leads_change_run(l, call, op, req->ids, req->n_ids, req->reason, NULL);
}

static void s_team_add(crm_rpc_call_t *call, const Crm__Leads__TeamMembersRequest *req, void *l)
{
    s_team(call, req, l, &s_team_add_op);
}

static void s_team_remove(crm_rpc_call_t *call, const Crm__Leads__TeamMembersRequest *req, void *l)
{
    s_team(call, req, l, &s_team_remove_op);
}

/* ---- handlers ----------------------------------------------------------- */

/* Runs op for a LeadIdsRequest. */
static void s_ids_action(crm_rpc_call_t *call, const Crm__Leads__LeadIdsRequest *req, leads_t *l,
                         const crm_change_op_t *op)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, LEADS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, op == &s_void_op))
        return;
    leads_change_run(l, call, op, req->ids, req->n_ids, req->reason, NULL);
}

static void s_delete(crm_rpc_call_t *call, const Crm__Leads__LeadIdsRequest *req, void *l)
{
    s_ids_action(call, req, l, &s_delete_op);
}

static void s_claim(crm_rpc_call_t *call, const Crm__Leads__LeadIdsRequest *req, void *l)
{
    if (!crm_rpc_call_caller(call)->user_id) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL,
                     "claims are made by a user; the system assigns instead");
        return;
    }
    s_ids_action(call, req, l, &s_claim_op);
}

static void s_invalidate(crm_rpc_call_t *call, const Crm__Leads__LeadIdsRequest *req, void *l)
{
    s_ids_action(call, req, l, &s_invalidate_op);
}

static void s_resume(crm_rpc_call_t *call, const Crm__Leads__LeadIdsRequest *req, void *l)
{
    s_ids_action(call, req, l, &s_resume_op);
}

static void s_void(crm_rpc_call_t *call, const Crm__Leads__LeadIdsRequest *req, void *l)
{
    s_ids_action(call, req, l, &s_void_op);
}

static void s_restore(crm_rpc_call_t *call, const Crm__Leads__LeadIdsRequest *req, void *l)
{
    if (!crm_scope_all(crm_rpc_call_caller(call))) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL,
                     "only an admin may restore voided leads");
        return;
    }
    s_ids_action(call, req, l, &s_restore_op);
}

/* The new owner of a transfer or an assignment: given (whether the user
 * exists and is active is read in the change: s_new_owner_read; leads may
 * go across departments, as in the seeds). */
static int s_check_new_owner(crm_rpc_call_t *call, int64_t owner, int64_t dept)
{
    if (owner < 1) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "to_owner_id", "give the new owner");
        return 0;
    }
    if (dept < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "to_department_id",
                     "must not be negative");
        return 0;
    }
    return 1;
}

static void s_transfer(crm_rpc_call_t *call, const Crm__Leads__TransferLeadsRequest *req, void *l)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, LEADS_MAX_IDS) ||
        !s_check_new_owner(call, req->to_owner_id, req->to_department_id) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    leads_change_run(l, call, &s_transfer_op, req->ids, req->n_ids, req->reason, NULL);
}

static void s_put_in_pool(crm_rpc_call_t *call, const Crm__Leads__PoolLeadsRequest *req, void *l)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, LEADS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    if (req->pool_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "pool_id", "must not be negative");
        return;
    }
    leads_change_run(l, call, &s_pool_op, req->ids, req->n_ids, req->reason, NULL);
}

static void s_assign(crm_rpc_call_t *call, const Crm__Leads__AssignLeadsRequest *req, void *l)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, LEADS_MAX_IDS) ||
        !s_check_new_owner(call, req->to_owner_id, req->to_department_id))
        return;
    leads_change_run(l, call, &s_assign_op, req->ids, req->n_ids, "", NULL);
}

void leads_actions_handlers(leads_handlers_t *h)
{
    h->delete = s_delete;
    h->transfer = s_transfer;
    h->put_in_pool = s_put_in_pool;
    h->claim = s_claim;
    h->assign = s_assign;
    h->invalidate = s_invalidate;
    h->resume = s_resume;
    h->discard = s_void;
    h->restore = s_restore;
    h->add_team_members = s_team_add;
    h->remove_team_members = s_team_remove;
}
