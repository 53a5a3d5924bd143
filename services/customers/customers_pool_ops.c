/* customers_pool_ops.c: customers and their pools (公海), batch actions of
 * the change engine on the customer kind (all or nothing, history, events):
 *
 *   PutInPool (放入公海): the owner's side gives customers up into a pool
 *     (the default one unless named): no owner, no team, the previous owner
 *     and the time kept (the cool-off and the days in the pool run from it);
 *   Claim (领取): a member takes pooled customers, within the pool's rules
 *     (crm_pool_may_claim: members, allow_claim, the cool-off, the daily
 *     limit, the holding cap) and its batch size; of two claims of one
 *     customer at once exactly one wins (the engine locks it), the other is
 *     told who has it;
 *   Assign (分配): a pool admin gives pooled customers to someone;
 *   MovePool: a pool admin moves pooled customers to another pool.
 *
 * Nothing moves into a disabled pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/org.h"
#include "crm/util.h"
#include "customers.h"

typedef Crm__Customers__CustomerPool pool_t;

/* The pool an op moves customers to (read as "target_pool"; 0: the
 * default, among the kind's reads): 0 with *pool, or -1 after refusing. */
static int s_target(crm_change_t *c, int64_t id, const pool_t **pool)
{
    *pool = customers_change_pool(c, id);
    if (!*pool)
        return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, "pool_id", "pool %lld not found",
                                 (long long)id);
    if (!(*pool)->enabled)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "pool_id",
                                 "pool %lld is disabled: nothing moves into it",
                                 (long long)(*pool)->id);
    return 0;
}

static void s_read_target(crm_change_t *c, int64_t id)
{
    if (!id)
        return; /* the default pool is among the kind's reads */
    char v[24];
    const char *p[] = {crm_i64(v, id)};
    crm_change_read(c, "target_pool", "customer_pool_get", 1, p);
}

/* The team goes with the owner: the rows of the customer's team. */
static void s_drop_team(crm_db_batch_t *b, int64_t customer)
{
    char id[24];
    const char *p[] = {crm_i64(id, customer)};
    crm_db_batch_add(b, "DELETE FROM customer_team WHERE customer_id = $1::bigint", 1, p);
}

/* ---- PutInPool ---------------------------------------------------------------- */

static void s_pool_read(crm_change_t *c)
{
    const Crm__Customers__PoolCustomersRequest *req = crm_change_request(c);
    s_read_target(c, req->pool_id);
}

static int s_pool_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    const Crm__Customers__PoolCustomersRequest *req = crm_change_request(c);
    const pool_t *pool;
    if (!before->owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "it is in pool %lld already", (long long)before->pool_id);
    if (before->locked)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "it is locked; unlock it first");
    if (s_target(c, req->pool_id, &pool) < 0)
        return -1;
    row->c.previous_owner_id = before->owner_id;
    row->c.owner_id = 0;
    row->c.owner_since_us = 0;
    row->c.pool_id = pool->id;
    row->c.pooled_at_us = crm_change_now(c);
    row->c.team = NULL;
    row->c.n_team = 0;
    return 0;
}

static void s_pool_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)c;
    (void)prev;
    s_drop_team(b, ((customer_row_t *)rec)->c.id);
}

static const crm_change_op_t s_pool_op = {.action = "pooled",
                                          .ids_field = "ids",
                                          .read = s_pool_read,
                                          .apply = s_pool_apply,
                                          .write = s_pool_write};

static void s_put_in_pool(crm_rpc_call_t *call, const Crm__Customers__PoolCustomersRequest *req,
                          void *arg)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, CUSTOMERS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    if (req->pool_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "pool_id",
                     "pool_id must not be"
                     " negative");
        return;
    }
    customers_change_run(arg, call, &s_pool_op, req->ids, req->n_ids, req->reason, NULL);
}

/* ---- Claim -------------------------------------------------------------------- */

/* The caller's claims today (business time zone) and holdings, per pool.
 * Holdings are counted only in the pools with a holding cap, the only
 * ones whose rule reads them, and not at all while no pool has one (the
 * EXISTS is a one-time condition): a member holds thousands of
 * customers. */
static void s_claim_read(crm_change_t *c)
{
    customers_t *cs = crm_change_ctx(c);
    char user[24];
    const char *p[] = {crm_i64(user, crm_change_caller(c)->user_id), cs->tz};
    crm_change_read(c, "claimed_today",
                    "SELECT pool_id, count(*) FROM customer_claims WHERE user_id = $1::bigint AND"
                    " at >= date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2"
                    " GROUP BY pool_id",
                    2, p);
    crm_change_read(c, "holding",
                    "SELECT c.pool_id, count(*) FROM customers c JOIN customer_pools p ON"
                    " p.id = c.pool_id WHERE c.owner_id = $1::bigint AND c.deleted_at IS NULL"
                    " AND p.holding_cap > 0 AND (p.cap_counts_dealt OR c.deal_status <> 2)"
                    " AND EXISTS (SELECT 1 FROM customer_pools WHERE holding_cap > 0)"
                    " GROUP BY c.pool_id",
                    1, p);
}

/* The count of pool in a (pool_id, count) read. */
static int64_t s_count(const PGresult *r, int64_t pool)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == pool)
            return crm_db_get_i64(r, i, 1);
    return 0;
}

/* Pooled customers are claimed by their pool's members. */
static int s_claim_may_act(crm_change_t *c, const void *rec)
{
    const customer_t *cust = &((const customer_row_t *)rec)->c;
    const pool_t *pool = customers_change_pool(c, cust->pool_id);
    if (cust->owner_id) /* claimed a moment ago (the other of two claims at once) */
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "it is not in a pool any more: someone has claimed it");
    if (!pool || !customers_pool_is_member(pool, customers_change_person(c)))
        return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
    return 0;
}

static int s_claim_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    const Crm__Caller *caller = crm_change_caller(c);
    const pool_t *pool = customers_change_pool(c, before->pool_id);
    int32_t batch = pool->claim_batch_max ? pool->claim_batch_max : CUSTOMERS_MAX_IDS;
    if (crm_change_count(c) > (size_t)batch)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "pool %lld lets one claim take at most %d customers",
                                 (long long)pool->id, batch);
    /* This request's earlier claims of the same pool count too. */
    int64_t earlier = 0;
    for (size_t i = 0; i < crm_change_current(c); i++)
        earlier += customers_before(crm_change_before(c, i))->pool_id == before->pool_id;
    crm_pool_claim_t claim = {
        .previous_owner_id = before->previous_owner_id,
        .pooled_at_us = before->pooled_at_us,
        .claimed_today = s_count(crm_change_result(c, "claimed_today"), pool->id) + earlier,
        .holding = s_count(crm_change_result(c, "holding"), pool->id) + earlier,
    };
    crm_pool_t rules;
    crm_err_t err;
    if (crm_pool_may_claim(customers_pool_rules(pool, &rules), customers_change_person(c), &claim,
                           crm_change_now(c), &err) < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    row->c.owner_id = caller->user_id;
    if (caller->department_id)
        row->c.department_id = caller->department_id;
    row->c.owner_since_us = crm_change_now(c);
    row->c.claim_count = before->claim_count + 1;
    return 0;
}

static void s_claim_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)prev;
    const customer_t *cust = &((customer_row_t *)rec)->c;
    char user[24], pool[24], id[24];
    const char *p[] = {crm_i64(user, crm_change_caller(c)->user_id), crm_i64(pool, cust->pool_id),
                       crm_i64(id, cust->id)};
    crm_db_batch_add(b,
                     "INSERT INTO customer_claims (user_id, pool_id, customer_id) VALUES"
                     " ($1::bigint, $2::bigint, $3::bigint)",
                     3, p);
}

static const crm_change_op_t s_claim_op = {.action = "claimed",
                                           .ids_field = "ids",
                                           .read = s_claim_read,
                                           .may_act = s_claim_may_act,
                                           .apply = s_claim_apply,
                                           .write = s_claim_write};

static void s_claim(crm_rpc_call_t *call, const Crm__Customers__CustomerIdsRequest *req, void *arg)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, CUSTOMERS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    customers_change_run(arg, call, &s_claim_op, req->ids, req->n_ids, req->reason, NULL);
}

/* ---- Assign ------------------------------------------------------------------- */

/* A pool's admins act on its pooled customers. */
static int s_admin_may_act(crm_change_t *c, const void *rec)
{
    const customer_t *cust = &((const customer_row_t *)rec)->c;
    if (cust->owner_id)
        return customers_can_read(crm_change_caller(c), cust)
                   ? crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                       "it is not in a pool (user %lld holds it)",
                                       (long long)cust->owner_id)
                   : crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
    return customers_may_act_pooled(c, cust);
}

static void s_assign_read(crm_change_t *c)
{
    const Crm__Customers__AssignCustomersRequest *req = crm_change_request(c);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "to_owner_id", req->to_owner_id);
    crm_org_department(refs, "to_department_id", req->to_department_id);
    crm_org_read(crm_change_txn(c), "org", &refs);
}

static int s_assign_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    const Crm__Customers__AssignCustomersRequest *req = crm_change_request(c);
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_change_result(c, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    int64_t dept =
        req->to_department_id ? req->to_department_id : crm_org_department_of(org, "to_owner_id");
    row->c.owner_id = req->to_owner_id;
    if (dept)
        row->c.department_id = dept;
    row->c.owner_since_us = crm_change_now(c);
    row->c.claim_count = before->claim_count + 1;
    return 0;
}

static const crm_change_op_t s_assign_op = {.action = "assigned",
                                            .ids_field = "ids",
                                            .read = s_assign_read,
                                            .may_act = s_admin_may_act,
                                            .apply = s_assign_apply};

static void s_assign(crm_rpc_call_t *call, const Crm__Customers__AssignCustomersRequest *req,
                     void *arg)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, CUSTOMERS_MAX_IDS) ||
        !crm_check_id(call, "to_owner_id", req->to_owner_id))
        return;
    if (req->to_department_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "to_department_id",
                     "to_department_id must not be negative");
        return;
    }
    customers_change_run(arg, call, &s_assign_op, req->ids, req->n_ids, "", NULL);
}

/* ---- MovePool ------------------------------------------------------------------ */

static void s_move_read(crm_change_t *c)
{
    const Crm__Customers__MoveCustomersRequest *req = crm_change_request(c);
    s_read_target(c, req->pool_id);
}

static int s_move_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    const Crm__Customers__MoveCustomersRequest *req = crm_change_request(c);
    const pool_t *pool;
    if (s_target(c, req->pool_id, &pool) < 0)
        return -1;
    if (pool->id == before->pool_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "pool_id",
                                 "it is in pool %lld already", (long long)pool->id);
    row->c.pool_id = pool->id;
    row->c.pooled_at_us = crm_change_now(c);
    return 0;
}

static const crm_change_op_t s_move_op = {.action = "moved",
                                          .ids_field = "ids",
                                          .read = s_move_read,
                                          .may_act = s_admin_may_act,
                                          .apply = s_move_apply};

static void s_move(crm_rpc_call_t *call, const Crm__Customers__MoveCustomersRequest *req, void *arg)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, CUSTOMERS_MAX_IDS) ||
        !crm_check_id(call, "pool_id", req->pool_id) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    customers_change_run(arg, call, &s_move_op, req->ids, req->n_ids, req->reason, NULL);
}

void customers_pool_ops_handlers(customers_t *cs)
{
    cs->handlers.put_in_pool = s_put_in_pool;
    cs->handlers.claim = s_claim;
    cs->handlers.assign = s_assign;
    cs->handlers.move_pool = s_move;
}
