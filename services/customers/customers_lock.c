/* customers_lock.c: lock, unlock and deal by hand, batch actions of the
 * change engine on the customer kind (all or nothing, history, events):
 *
 *   Lock (锁定): a locked customer is never recycled; an owner holds at
 *   most lock_cap locked customers (customer-options; 0: no cap), counted
 *   with the ones this request locks. Unlock (解锁). SetDeal: 成交 or open
 *   again, by hand (sales sets it too, once it reports won deals).
 *
 * Each is for the customer's owner's side; a pooled customer is neither
 * locked nor dealt (claim it first). */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/util.h"
#include "customers.h"

#define DEALT CRM__CUSTOMERS__DEAL_STATUS__DEAL_STATUS_DEALT
#define OPEN CRM__CUSTOMERS__DEAL_STATUS__DEAL_STATUS_OPEN

/* A pooled customer is claimed before anything else. */
static int s_owned(crm_change_t *c, const customer_t *before)
{
    if (before->owner_id)
        return 0;
    return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                             "the customer is in a pool; claim it first");
}

/* ---- Lock, Unlock ---------------------------------------------------------- */

/* The cap, and how many customers each owner of the request's customers
 * has locked already. */
static void s_lock_read(crm_change_t *c)
{
    char *ids = crm_db_i64_array(crm_change_ids(c), crm_change_count(c));
    const char *p[] = {ids};
    crm_change_read(c, "lock_cap", "SELECT value FROM customer_settings WHERE name = 'lock_cap'", 0,
                    NULL);
    crm_change_read(c, "locked",
                    "SELECT owner_id, count(*) FROM customers WHERE locked AND deleted_at IS NULL"
                    " AND owner_id IN (SELECT owner_id FROM customers WHERE id ="
                    " ANY($1::bigint[])) GROUP BY owner_id",
                    1, p);
    free(ids);
}

/* The locked customers of owner: as read, plus those this run locked
 * before the current one. */
static int64_t s_locked_of(crm_change_t *c, int64_t owner)
{
    const PGresult *r = crm_change_result(c, "locked");
    int64_t n = 0;
    for (int i = 0; i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == owner)
            n = crm_db_get_i64(r, i, 1);
    for (size_t i = 0; i < crm_change_current(c); i++) {
        const customer_t *x = &customers_row(c, i)->c;
        n += x->owner_id == owner && x->locked;
    }
    return n;
}

static int s_lock_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    if (s_owned(c, before) < 0)
        return -1;
    if (before->locked)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL, "it is locked already");
    const PGresult *cap = crm_change_result(c, "lock_cap");
    int64_t limit = PQntuples(cap) ? crm_db_get_i64(cap, 0, 0) : 0;
    if (limit && s_locked_of(c, before->owner_id) >= limit)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "user %lld holds %lld locked customers, the most allowed"
                                 " (lock_cap); unlock one first",
                                 (long long)before->owner_id, (long long)limit);
    row->c.locked = 1;
    return 0;
}

static int s_unlock_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    if (!before->locked)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL, "it is not locked");
    row->c.locked = 0;
    return 0;
}

static const crm_change_op_t s_lock_op = {
    .action = "locked", .ids_field = "ids", .read = s_lock_read, .apply = s_lock_apply};
static const crm_change_op_t s_unlock_op = {
    .action = "unlocked", .ids_field = "ids", .apply = s_unlock_apply};

static void s_ids_call(crm_rpc_call_t *call, const Crm__Customers__CustomerIdsRequest *req,
                       customers_t *cs, const crm_change_op_t *op)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, CUSTOMERS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    customers_change_run(cs, call, op, req->ids, req->n_ids, req->reason, NULL);
}

static void s_lock(crm_rpc_call_t *call, const Crm__Customers__CustomerIdsRequest *req, void *arg)
{
    s_ids_call(call, req, arg, &s_lock_op);
}

static void s_unlock(crm_rpc_call_t *call, const Crm__Customers__CustomerIdsRequest *req, void *arg)
{
    s_ids_call(call, req, arg, &s_unlock_op);
}

/* ---- SetDeal ------------------------------------------------------------------- */

static int s_deal_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    const Crm__Customers__CustomerDealRequest *req = crm_change_request(c);
    if (s_owned(c, before) < 0)
        return -1;
    if (before->deal_status == req->deal_status)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "deal_status",
                                 "it is %s already", req->deal_status == DEALT ? "dealt" : "open");
    row->c.deal_status = req->deal_status;
    row->c.dealt_at_us = req->deal_status == DEALT ? crm_change_now(c) : 0;
    return 0;
}

static const crm_change_op_t s_deal_op = {
    .action = "dealt", .ids_field = "ids", .apply = s_deal_apply};

static void s_deal(crm_rpc_call_t *call, const Crm__Customers__CustomerDealRequest *req, void *arg)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, CUSTOMERS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    if (req->deal_status != DEALT && req->deal_status != OPEN) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "deal_status",
                     "deal_status is dealt or open");
        return;
    }
    customers_change_run(arg, call, &s_deal_op, req->ids, req->n_ids, req->reason, NULL);
}

void customers_lock_handlers(customers_t *cs)
{
    cs->handlers.lock = s_lock;
    cs->handlers.unlock = s_unlock;
    cs->handlers.set_deal = s_deal;
}
