/* customers_actions.c: the batch actions on customers, each an op of the
 * change engine (crm/change.h) on the customer kind (customers_kind.c),
 * all or nothing: Delete (admins), Transfer (转移: a new owner, its
 * department following unless named, the previous owner optionally kept in
 * the team) and the team's members (相关团队: added with read or write
 * access, optionally until a time; removed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

#define ACCESS_READ CRM__CUSTOMERS__TEAM_ACCESS__TEAM_ACCESS_READ
#define ACCESS_WRITE CRM__CUSTOMERS__TEAM_ACCESS__TEAM_ACCESS_WRITE

/* ---- the team in memory ----------------------------------------------------- */

/* A copy of c's team with room for more members, kept for the run. */
static Crm__Customers__TeamMember **s_team_copy(crm_change_t *ch, const customer_t *c, size_t more)
{
    Crm__Customers__TeamMember **t =
        crm_change_keep(ch, crm_calloc(c->n_team + more + 1, sizeof *t));
    for (size_t i = 0; i < c->n_team; i++)
        t[i] = c->team[i];
    return t;
}

/* Sets user's membership in c's team (t, *n: the copy) to access and
 * expiry: the member's entry replaced, or a new one. */
static void s_team_put(crm_change_t *ch, Crm__Customers__TeamMember **t, size_t *n, int64_t user,
                       Crm__Customers__TeamAccess access, int64_t expires)
{
    Crm__Customers__TeamMember *m = crm_change_keep(ch, crm_calloc(1, sizeof *m));
    crm__customers__team_member__init(m);
    m->user_id = user;
    m->access = access;
    m->expires_at_us = expires;
    for (size_t i = 0; i < *n; i++)
        if (t[i]->user_id == user) {
            t[i] = m;
            return;
        }
    t[(*n)++] = m;
}

/* Adds the statement writing user's membership of customer. */
static void s_team_write(crm_db_batch_t *b, int64_t customer, const Crm__Customers__TeamMember *m,
                         int64_t by)
{
    char c[24], u[24], a[8], e[24], who[24];
    const char *p[] = {crm_i64(c, customer), crm_i64(u, m->user_id), crm_i64(a, m->access),
                       crm_i64(e, m->expires_at_us), crm_i64(who, by)};
    crm_db_batch_add(b,
                     "INSERT INTO customer_team (customer_id, user_id, access, expires_at,"
                     " added_by) VALUES ($1::bigint, $2::bigint, $3::smallint, crm_ts($4::bigint),"
                     " $5::bigint) ON CONFLICT (customer_id, user_id) DO UPDATE SET access ="
                     " EXCLUDED.access, expires_at = EXCLUDED.expires_at, added_by ="
                     " EXCLUDED.added_by, added_at = now()",
                     5, p);
}

static void s_team_drop(crm_db_batch_t *b, int64_t customer, int64_t user)
{
    char c[24], u[24];
    const char *p[] = {crm_i64(c, customer), crm_i64(u, user)};
    crm_db_batch_add(b,
                     "DELETE FROM customer_team WHERE customer_id = $1::bigint AND user_id ="
                     " $2::bigint",
                     2, p);
}

/* ---- Delete ----------------------------------------------------------------- */

/* Refused while sales records exist: the customer's opportunities and
 * orders as the customers service keeps them from sales' events
 * (customers_sales.c). */
static int s_delete_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    const customer_t *cust = &((customer_row_t *)rec)->c;
    if (!crm_scope_all(crm_change_caller(c)))
        return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                                 "only an admin may delete customers");
    int64_t opps = customers_sales_opportunities(c, cust->id);
    if (opps)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "customer %lld has %lld opportunit%s in sales; delete %s first",
                                 (long long)cust->id, (long long)opps, opps == 1 ? "y" : "ies",
                                 opps == 1 ? "it" : "them");
    int64_t orders = customers_sales_orders(c, cust->id);
    if (orders)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "customer %lld has %lld order%s in sales; a customer with orders"
                                 " is kept",
                                 (long long)cust->id, (long long)orders, orders == 1 ? "" : "s");
    ((customer_row_t *)rec)->deleted = 1;
    return 0;
}

static const crm_change_op_t s_delete_op = {.action = "deleted",
                                            .ids_field = "ids",
                                            .read = customers_sales_read_many,
                                            .apply = s_delete_apply};

static void s_delete(crm_rpc_call_t *call, const Crm__Customers__CustomerIdsRequest *req, void *arg)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, CUSTOMERS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    customers_change_run(arg, call, &s_delete_op, req->ids, req->n_ids, req->reason, NULL);
}

/* ---- Transfer ----------------------------------------------------------------- */

int customers_give(crm_change_t *c, customer_row_t *row, int64_t owner, int64_t named_dept)
{
    int64_t dept;
    if (crm_org_new_owner(c, named_dept, &dept) < 0)
        return -1;
    row->c.owner_id = owner;
    if (dept)
        row->c.department_id = dept;
    row->c.owner_since_us = crm_change_now(c);
    row->c.claim_count++;
    return 0;
}

static void s_transfer_read(crm_change_t *c)
{
    const Crm__Customers__TransferCustomersRequest *req = crm_change_request(c);
    crm_org_read_new_owner(c, req->to_owner_id, req->to_department_id);
}

static int s_transfer_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    const Crm__Customers__TransferCustomersRequest *req = crm_change_request(c);
    if (!before->owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "the customer is in a pool; assign it from the pool");
    if (before->owner_id == req->to_owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "to_owner_id",
                                 "user %lld holds it already", (long long)req->to_owner_id);
    if (customers_give(c, row, req->to_owner_id, req->to_department_id) < 0)
        return -1;
    row->c.previous_owner_id = before->owner_id;
    /* The new owner leaves the team; the previous one joins it if asked. */
    size_t n = 0;
    Crm__Customers__TeamMember **t = s_team_copy(c, before, 1);
    for (size_t i = 0; i < before->n_team; i++)
        if (before->team[i]->user_id != req->to_owner_id)
            t[n++] = before->team[i];
    if (req->keep_previous_owner)
        s_team_put(c, t, &n, before->owner_id, req->keep_previous_owner, 0);
    row->c.team = t;
    row->c.n_team = n;
    return 0;
}

static void s_transfer_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const customer_t *before = customers_before(prev);
    const customer_t *cust = &((customer_row_t *)rec)->c;
    const Crm__Customers__TransferCustomersRequest *req = crm_change_request(c);
    s_team_drop(b, cust->id, cust->owner_id);
    for (size_t i = 0; req->keep_previous_owner && i < cust->n_team; i++)
        if (cust->team[i]->user_id == before->owner_id)
            s_team_write(b, cust->id, cust->team[i], crm_change_caller(c)->user_id);
}

static void s_transfer_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    customer_t *cust = &((customer_row_t *)rec)->c;
    cust->completeness = customers_completeness(cust);
    customers_emit_transferred(b, cust, customers_before(prev)->owner_id,
                               crm_change_caller(c)->user_id, crm_change_reason(c));
}

static const crm_change_op_t s_transfer_op = {.action = "transferred",
                                              .ids_field = "ids",
                                              .read = s_transfer_read,
                                              .apply = s_transfer_apply,
                                              .write = s_transfer_write,
                                              .emit = s_transfer_emit};

static void s_transfer(crm_rpc_call_t *call, const Crm__Customers__TransferCustomersRequest *req,
                       void *arg)
{
    if (!crm_check_transfer(call, req->ids, req->n_ids, CUSTOMERS_MAX_IDS, req->to_owner_id,
                            req->to_department_id, req->reason))
        return;
    if (req->keep_previous_owner && req->keep_previous_owner != ACCESS_READ &&
        req->keep_previous_owner != ACCESS_WRITE) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "keep_previous_owner",
                     "keep_previous_owner is read or write");
        return;
    }
    customers_change_run(arg, call, &s_transfer_op, req->ids, req->n_ids, req->reason, NULL);
}

/* ---- team members ------------------------------------------------------------ */

static int s_in(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

static int s_team_add_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    const Crm__Customers__CustomerTeamRequest *req = crm_change_request(c);
    crm_errs_t errs = {.n = 0};
    if (!before->owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "the customer has no owner; a team works with its owner");
    if (crm_org_check(crm_change_result(c, "org"), &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    size_t n = before->n_team;
    Crm__Customers__TeamMember **t = s_team_copy(c, before, req->n_user_ids);
    for (size_t i = 0; i < req->n_user_ids; i++) {
        if (req->user_ids[i] == before->owner_id)
            return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "user_ids",
                                     "user %lld owns it; the team is the others",
                                     (long long)req->user_ids[i]);
        s_team_put(c, t, &n, req->user_ids[i], req->access, req->expires_at_us);
    }
    if (n > CUSTOMERS_TEAM_MAX)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "user_ids",
                                 "a team has at most %d members", CUSTOMERS_TEAM_MAX);
    row->c.team = t;
    row->c.n_team = n;
    return 0;
}

static void s_team_add_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)prev;
    const customer_t *cust = &((customer_row_t *)rec)->c;
    const Crm__Customers__CustomerTeamRequest *req = crm_change_request(c);
    for (size_t i = 0; i < cust->n_team; i++)
        if (s_in(req->user_ids, req->n_user_ids, cust->team[i]->user_id))
            s_team_write(b, cust->id, cust->team[i], crm_change_caller(c)->user_id);
}

static int s_team_remove_apply(crm_change_t *c, void *rec, const void *prev)
{
    customer_row_t *row = rec;
    const customer_t *before = customers_before(prev);
    const Crm__Customers__CustomerTeamRequest *req = crm_change_request(c);
    size_t n = 0;
    Crm__Customers__TeamMember **t = s_team_copy(c, before, 0);
    for (size_t i = 0; i < before->n_team; i++)
        if (!s_in(req->user_ids, req->n_user_ids, before->team[i]->user_id))
            t[n++] = before->team[i];
    row->c.team = t;
    row->c.n_team = n;
    return 0;
}

static void s_team_remove_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)prev;
    const Crm__Customers__CustomerTeamRequest *req = crm_change_request(c);
    int64_t id = ((customer_row_t *)rec)->c.id;
    for (size_t i = 0; i < req->n_user_ids; i++)
        s_team_drop(b, id, req->user_ids[i]);
}

/* The users joining a team must be known and active (crm/org.h). */
static void s_team_add_read(crm_change_t *c)
{
    const Crm__Customers__CustomerTeamRequest *req = crm_change_request(c);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_users(refs, "user_ids", req->user_ids, req->n_user_ids);
    crm_org_read(crm_change_txn(c), "org", &refs);
}

static const crm_change_op_t s_team_add_op = {.action = "team_changed",
                                              .ids_field = "ids",
                                              .read = s_team_add_read,
                                              .apply = s_team_add_apply,
                                              .write = s_team_add_write};
static const crm_change_op_t s_team_remove_op = {.action = "team_changed",
                                                 .ids_field = "ids",
                                                 .apply = s_team_remove_apply,
                                                 .write = s_team_remove_write};

static void s_team(crm_rpc_call_t *call, const Crm__Customers__CustomerTeamRequest *req,
                   customers_t *cs, int add)
{
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, CUSTOMERS_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    crm_errs_t errs = {.n = 0};
    if (req->n_user_ids == 0 || req->n_user_ids > CUSTOMERS_TEAM_MAX)
        crm_errs_invalid(&errs, "user_ids", "give 1 to %d users", CUSTOMERS_TEAM_MAX);
    for (size_t i = 0; i < req->n_user_ids; i++)
        if (req->user_ids[i] < 1) {
            crm_errs_invalid(&errs, "user_ids", "user %lld is not valid",
                             (long long)req->user_ids[i]);
            break;
        }
    if (add && req->access != ACCESS_READ && req->access != ACCESS_WRITE)
        crm_errs_invalid(&errs, "access", "access is read or write");
    if (add && req->expires_at_us && req->expires_at_us < crm_now_us())
        crm_errs_invalid(&errs, "expires_at_us", "expires_at is in the past");
    if (errs.n) {
        crm_rpc_fail_errs(call, &errs);
        return;
    }
    if (!crm_check_time(call, "expires_at_us", req->expires_at_us))
        return;
    customers_change_run(cs, call, add ? &s_team_add_op : &s_team_remove_op, req->ids, req->n_ids,
                         req->reason, NULL);
}

static void s_team_add(crm_rpc_call_t *call, const Crm__Customers__CustomerTeamRequest *req,
                       void *arg)
{
    s_team(call, req, arg, 1);
}

static void s_team_remove(crm_rpc_call_t *call, const Crm__Customers__CustomerTeamRequest *req,
                          void *arg)
{
    s_team(call, req, arg, 0);
}

void customers_actions_handlers(customers_t *cs)
{
    cs->handlers.delete = s_delete;
    cs->handlers.transfer = s_transfer;
    cs->handlers.add_team_members = s_team_add;
    cs->handlers.remove_team_members = s_team_remove;
}
