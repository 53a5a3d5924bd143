/* customers_recycle.c: returns customers past their recycle deadline to
 * their pools (公海), in pages inside one transaction: each with a history
 * entry and a customer.recycled event naming the rule. The deadline is
 * stored on the customer and kept current from its pool's rules (sql/008,
 * customer_deadline: no follow-up, no opportunity or no deal for N days,
 * N per level; locked customers have none); customers_remind.c warns
 * before. Fired by the scheduler's "customers.recycle" job for the
 * automatic pools, or by Customers.Recycle (an admin's) for those or for
 * one pool, manual ones included. */
#include <stdint.h>
#include <stdlib.h>

#include "crm/check.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

#define RECYCLE_PAGE 500

/* One page of customers past their deadline, taken out of their owners'
 * hands, with their history; returns what the events need. Pool by pool
 * ($1: one pool; 0: the automatic ones), each pool's overdue customers are
 * read earliest deadline first along the (pool_id, recycle_at, id) index
 * of sql/010, after the last page's (deadline, id) ($3, $4: NULL on the
 * first page), so a page costs its rows however many customers are held
 * or were recycled by the pages before. A customer followed up meanwhile
 * has a later deadline when its row is locked, and is left alone. */
#define AFTER "($3::timestamptz IS NULL OR (c.recycle_at, c.id) > ($3::timestamptz, $4::bigint))"
#define RECYCLE_PAGE_SQL                                                                           \
    "WITH due AS (SELECT x.* FROM customer_pools p CROSS JOIN LATERAL ("                           \
    "  SELECT c.id, c.owner_id, c.pool_id, c.recycle_rule AS rule, c.recycle_rule_days AS days,"   \
    "  c.recycle_at, c.last_followup_at FROM customers c"                                          \
    "  WHERE c.pool_id = p.id AND c.recycle_at <= now() AND " AFTER                                \
    "  ORDER BY c.recycle_at, c.id LIMIT $2::int FOR UPDATE OF c) x"                               \
    "  WHERE p.deleted_at IS NULL AND (p.id = $1::bigint OR ($1::bigint = 0 AND"                   \
    "  NOT p.manual_recycle)) ORDER BY x.recycle_at, x.id LIMIT $2::int),"                         \
    " h AS (INSERT INTO customer_history (kind, record_id, action, from_owner_id, detail)"         \
    "  SELECT 'customer', id, 'recycled', owner_id, json_build_object('pool_id', pool_id,"         \
    "  'rule', rule, 'rule_days', days, 'recycle_at', recycle_at)::text FROM due),"                \
    " upd AS (UPDATE customers c SET owner_id = 0, previous_owner_id = due.owner_id,"              \
    "  owner_since = NULL, pooled_at = now(), updated_at = now() FROM due WHERE c.id = due.id"     \
    "  RETURNING c.id)"                                                                            \
    " SELECT due.id, due.owner_id, due.pool_id, due.days, crm_us(due.last_followup_at),"           \
    " array_position(ARRAY['followup', 'opportunity', 'deal'], due.rule), crm_us(due.recycle_at)," \
    " due.recycle_at AS after_at, due.id AS after_id"                                              \
    " FROM due JOIN upd USING (id) ORDER BY due.recycle_at, due.id"

/* The page's last row's (deadline, id): where the next page starts. */
static const char *const s_after[] = {"after_at", "after_id"};

void customers_recycle_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "customer_recycle_page", RECYCLE_PAGE_SQL);
}

/* One customer.recycled per customer of the page. */
static void s_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "customer.recycled");
    for (int i = 0; i < PQntuples(rows); i++) {
        Crm__Events__CustomerRecycled ev = CRM__EVENTS__CUSTOMER_RECYCLED__INIT;
        ev.customer_id = crm_db_get_i64(rows, i, 0);
        ev.previous_owner_id = crm_db_get_i64(rows, i, 1);
        ev.pool_id = crm_db_get_i64(rows, i, 2);
        ev.days_without_followup = (int32_t)crm_db_get_i64(rows, i, 3);
        ev.last_followup_at_us = crm_db_get_i64(rows, i, 4);
        ev.rule = (Crm__Customers__RecycleRuleKind)crm_db_get_i64(rows, i, 5);
        ev.recycle_at_us = crm_db_get_i64(rows, i, 6);
        crm_outbox_many_put(m, crm_db_get(rows, i, 0), &ev.base);
    }
    crm_outbox_many_end(&m);
}

void customers_recycle(crm_job_run_t *run, int64_t pool_id)
{
    char id[24];
    const char *p[] = {crm_i64(id, pool_id)};
    crm_tx_pages_after(crm_job_tx(run), "customer_recycle_page", 1, p, RECYCLE_PAGE, s_after, 2,
                       s_page, crm_job_end, run);
}

void customers_recycle_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    customers_recycle(run, 0);
}

/* ---- Customers.Recycle -------------------------------------------------- */

/* The work of Customers.Recycle: arg points to the pool asked for (0:
 * the automatic pools). */
static void s_recycle_work(void *arg, crm_job_run_t *run)
{
    customers_recycle(run, *(const int64_t *)arg);
}

static void s_recycle_reply(crm_txn_t *t, int64_t count)
{
    Crm__Customers__RecycleReply reply = CRM__CUSTOMERS__RECYCLE_REPLY__INIT;
    reply.recycled = count;
    crm_txn_reply(t, &reply.base);
}

typedef struct {
    customers_t *cs;
    crm_rpc_call_t *call;
    const int64_t *pool_id; /* the request's, alive until the call is answered */
} recycle_t;

static void s_recycle_pool_read(void *arg, const crm_db_result_t *res)
{
    recycle_t *rc = arg;
    if (res->err)
        crm_fail_db(rc->call, res);
    else if (PQntuples(res->results[0]) == 0)
        crm_rpc_fail(rc->call, CRM__STATUS__NOT_FOUND, "pool_id", "pool %lld not found",
                     (long long)*rc->pool_id);
    else
        crm_job_run_now(&rc->cs->env, rc->call, s_recycle_work, (void *)rc->pool_id,
                        s_recycle_reply);
    free(rc);
}

static void s_recycle(crm_rpc_call_t *call, const Crm__Customers__RecycleRequest *req, void *arg)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    customers_t *cs = arg;
    if (req->pool_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "pool_id",
                     "pool_id is a pool's id, or 0 for every automatic pool");
        return;
    }
    if (caller->role != CRM__ROLE__ROLE_ADMIN && caller->role != CRM__ROLE__ROLE_SYSTEM) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL,
                     "only an admin may run recycling by hand");
        return;
    }
    if (!req->pool_id) {
        crm_job_run_now(&cs->env, call, s_recycle_work, (void *)&req->pool_id, s_recycle_reply);
        return;
    }
    /* The pool named must exist. */
    recycle_t *rc = crm_calloc(1, sizeof *rc);
    *rc = (recycle_t){cs, call, &req->pool_id};
    char id[24];
    const char *p[] = {crm_i64(id, req->pool_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "customer_pool_get", 1, p);
    crm_db_submit(cs->db, &b, s_recycle_pool_read, rc);
}

void customers_recycle_handlers(customers_t *cs)
{
    cs->handlers.recycle = s_recycle;
}
