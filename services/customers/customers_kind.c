/* customers_kind.c: the customer as a record kind of the change engine
 * (crm/change.h): how customers are locked, read, checked, saved with
 * their history, announced and replied with. Every action on existing
 * customers is an op run on this kind (customers_rpc.c, customers_actions.c,
 * customers_followups.c). */
#include <stdlib.h>
#include <string.h>

#include "crm/history.h"
#include "crm/util.h"
#include "customers.h"

/* The fields a history entry leaves out: bookkeeping that moves with every
 * change or that the entry itself says. */
static crm_history_skip_t s_unfollowed = {
    "id",
    "creator_id",
    "created_at",
    "updated_at",
    "owner_since",
    "completeness",
    "previous_owner_id",
    "last_followup_at",
    "last_followup_content",
    "claim_count",
    NULL,
};

char *customers_history_detail(const char *op_detail, const customer_t *before,
                               const customer_t *after)
{
    return crm_history_detail(op_detail, &before->base, &after->base, s_unfollowed);
}

size_t customers_changed_fields(const customer_t *before, const customer_t *after, char **out,
                                size_t max)
{
    return crm_history_changed(&before->base, &after->base, s_unfollowed, out, max);
}

/* ---- the pools of a change ---------------------------------------------------- */

/* The pools a change read (those of its customers, and the default), and
 * the caller as a pool person (with their department path). */
typedef struct {
    Crm__Customers__CustomerPool *pools;
    size_t n;
    int64_t *depts;
    crm_pool_person_t who;
} s_pools_t;

static void s_pools_free(void *arg)
{
    s_pools_t *p = arg;
    for (size_t i = 0; i < p->n; i++)
        customers_pool_clear(&p->pools[i]);
    free(p->pools);
    free(p->depts);
    free(p);
}

static void s_read(crm_change_t *c)
{
    char *ids = crm_db_i64_array(crm_change_ids(c), crm_change_count(c));
    const char *p[] = {ids, "0"};
    crm_change_read(c, "pools", "customer_pools_of_many", 2, p);
    crm_org_read_path(crm_change_txn(c), "path", crm_change_caller(c)->department_id);
    free(ids);
}

static void s_add_pools(s_pools_t *p, const PGresult *r)
{
    int n = PQntuples(r);
    p->pools = crm_realloc(p->pools, (p->n + (size_t)n + 1) * sizeof *p->pools);
    for (int i = 0; i < n; i++)
        customers_pool_row(r, i, &p->pools[p->n++]);
}

static void s_loaded(crm_change_t *c)
{
    s_pools_t *p = crm_calloc(1, sizeof *p);
    s_add_pools(p, crm_change_result(c, "pools"));
    if (crm_txn_has(crm_change_txn(c), "target_pool"))
        s_add_pools(p, crm_change_result(c, "target_pool"));
    p->who = crm_pool_person(crm_change_caller(c));
    p->depts = crm_org_path_of(crm_change_result(c, "path"), crm_change_caller(c)->department_id,
                               &p->who.n_departments);
    p->who.departments = p->depts;
    crm_change_set_state(c, p, s_pools_free);
}

const Crm__Customers__CustomerPool *customers_change_pool(const crm_change_t *c, int64_t id)
{
    const s_pools_t *p = crm_change_state(c);
    for (size_t i = 0; p && i < p->n; i++)
        if (id ? p->pools[i].id == id : p->pools[i].is_default)
            return &p->pools[i];
    return NULL;
}

const crm_pool_person_t *customers_change_person(const crm_change_t *c)
{
    const s_pools_t *p = crm_change_state(c);
    return &p->who;
}

/* For a caller who may not see the customer: not found, as if it did not
 * exist; read-only team members are told what they may do. */
static int s_refuse_unseen(crm_change_t *c, const customer_t *cust)
{
    if (customers_can_read(crm_change_caller(c), cust))
        return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                                 "team members with read access read the customer and follow"
                                 " it up; this is for its owner's side");
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

/* A pooled customer is acted on by its pool's admins; its members are
 * told to claim it; to others it does not exist. */
int customers_may_act_pooled(crm_change_t *c, const customer_t *cust)
{
    const Crm__Customers__CustomerPool *pool = customers_change_pool(c, cust->pool_id);
    const crm_pool_person_t *who = customers_change_person(c);
    if (customers_pool_is_admin(pool, who))
        return 0;
    if (pool && customers_pool_is_member(pool, who))
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "the customer is in pool %lld; claim it first",
                                 (long long)cust->pool_id);
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

static int s_may_act(crm_change_t *c, const void *rec)
{
    const customer_t *cust = &((const customer_row_t *)rec)->c;
    if (!cust->owner_id)
        return customers_may_act_pooled(c, cust);
    return customers_can_manage(crm_change_caller(c), cust) ? 0 : s_refuse_unseen(c, cust);
}

int customers_may_edit(crm_change_t *c, const void *rec)
{
    const customer_t *cust = &((const customer_row_t *)rec)->c;
    if (!cust->owner_id)
        return customers_may_act_pooled(c, cust);
    return customers_can_edit(crm_change_caller(c), cust) ? 0 : s_refuse_unseen(c, cust);
}

static void s_decode(const PGresult *r, int row, void *rec)
{
    customers_store_row(r, row, rec);
}

static void s_clear(void *rec)
{
    customers_row_clear(rec);
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((customer_row_t *)rec)->c.updated_at_us = crm_change_now(c);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const customer_t *before = customers_before(prev);
    const customer_row_t *row = rec;
    customers_store_save(b, row);
    char *detail =
        customers_history_detail(crm_change_detail_of(c, crm_change_current(c)), before, &row->c);
    customers_history_t h = {
        .kind = "customer",
        .record_id = row->c.id,
        .action = crm_change_op(c)->action,
        .actor_id = crm_change_caller(c)->user_id,
        .at_us = crm_change_now(c),
        .from_owner_id = before->owner_id,
        .to_owner_id = row->c.owner_id,
        .reason = crm_change_reason(c),
        .detail = detail,
    };
    customers_store_history(b, &h);
    free(detail);
}

/* The default event: customer.<action> (updated, team_changed, deleted). */
static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    customer_t *cust = &((customer_row_t *)rec)->c;
    cust->completeness = customers_completeness(cust);
    char *changed[64], type[48];
    size_t n = customers_changed_fields(customers_before(prev), cust, changed, 64);
    snprintf(type, sizeof type, "customer.%s", crm_change_op(c)->action);
    customers_emit_changed(b, type, cust, crm_change_caller(c)->user_id, crm_change_reason(c),
                           changed, n);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

/* The default reply: the changed customers. */
static void s_reply(crm_change_t *c)
{
    size_t n = crm_change_count(c);
    Crm__Customers__CustomersReply reply = CRM__CUSTOMERS__CUSTOMERS_REPLY__INIT;
    customer_t **cs = crm_calloc(n, sizeof *cs);
    for (size_t i = 0; i < n; i++) {
        cs[i] = &customers_row(c, i)->c;
        cs[i]->completeness = customers_completeness(cs[i]);
        customers_change_mask(c, i);
    }
    reply.n_customers = n;
    reply.customers = cs;
    crm_change_reply(c, &reply.base);
    free(cs);
}

void customers_change_mask(crm_change_t *c, size_t i)
{
    customer_t *cust = &customers_row(c, i)->c;
    const Crm__Customers__CustomerPool *pool = customers_change_pool(c, cust->pool_id);
    if (!cust->owner_id && !customers_pool_is_admin(pool, customers_change_person(c)))
        customers_mask(cust, pool,
                       crm_change_keep(c, crm_malloc(sizeof(char[5][CRM_POOL_MASK_LEN]))));
}

/* A change's customers' deadlines as the trigger of sql/008 left them. */
static void s_refresh(crm_change_t *c, void *rec, const PGresult *r, int row)
{
    (void)c;
    customer_t *cust = &((customer_row_t *)rec)->c;
    /* A NULL column leaves its field as it was: none is the default. */
    cust->recycle_at_us = cust->recycle_warn_at_us = cust->last_opportunity_at_us = 0;
    cust->recycle_rule = CRM__CUSTOMERS__RECYCLE_RULE_KIND__RECYCLE_RULE_KIND_UNSPECIFIED;
    cust->recycle_rule_days = cust->recycle_days_left = 0;
    customers_row_to(r, row, &cust->base);
}

/* Does the save move the deadline (the columns the trigger of sql/008
 * watches; last_opportunity_at and open_opportunities are sales' and
 * never changed here)? */
static int s_derives(const void *prev, const void *rec)
{
    const customer_t *a = customers_before(prev), *b = &((const customer_row_t *)rec)->c;
    return a->owner_id != b->owner_id || a->pool_id != b->pool_id ||
           strcmp(a->level, b->level) != 0 || a->locked != b->locked ||
           a->deal_status != b->deal_status || a->dealt_at_us != b->dealt_at_us ||
           a->last_followup_at_us != b->last_followup_at_us ||
           a->owner_since_us != b->owner_since_us || a->created_at_us != b->created_at_us ||
           ((const customer_row_t *)rec)->deleted;
}

const crm_change_kind_t customers_kind = {
    .noun = "customer",
    .lock = "customer_lock_many",
    .size = sizeof(customer_row_t),
    .decode = s_decode,
    .clear = s_clear,
    .read = s_read,
    .loaded = s_loaded,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = s_reply,
    .reread = "SELECT c.id, " CUSTOMER_DEADLINE_COLUMNS " FROM customers c"
              " WHERE c.id = ANY($1::bigint[])",
    .refresh = s_refresh,
    .derives = s_derives,
};

void customers_change_run(customers_t *cs, crm_rpc_call_t *call, const crm_change_op_t *op,
                          const int64_t *ids, size_t n, const char *reason, void *data)
{
    crm_change_run(&cs->env, call, &customers_kind, op, ids, n, reason, data);
}
