/* customers_recycle.c: returns neglected customers to their pools (公海),
 * in pages inside one transaction: each with a history entry and a
 * customer.recycled event. A customer is neglected when its last activity
 * (the later of its last follow-up and the time its owner got it:
 * CUSTOMERS_LAST_ACT) is older than its pool's recycle_days; locked
 * customers are never recycled (customers_remind.c warns before). Fired by
 * the scheduler's "customers.recycle" job, or by Customers.Recycle (an
 * admin's). Rules by level, opportunity or deal come with the rest of the
 * pools issue; this is the rule by days. */
#include <stdint.h>
#include <stdio.h>

#include "crm/check.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

#define RECYCLE_PAGE 500
#define LAST_ACT CUSTOMERS_LAST_ACT
#define RULE_DAYS "(CASE WHEN $1::int > 0 THEN $1::int ELSE p.recycle_days END)"

/* One page of neglected customers, taken out of their owners' hands, with
 * their history; returns what the events need. Pool by pool, each pool's
 * overdue customers are read oldest activity first along the
 * (pool_id, last activity) index of sql/007, so a page costs its rows
 * however many customers are held. */
#define RECYCLE_PAGE_SQL                                                                           \
    "WITH due AS (SELECT x.* FROM customer_pools p CROSS JOIN LATERAL ("                           \
    "  SELECT c.id, c.owner_id, c.pool_id, " LAST_ACT " AS last_act, " RULE_DAYS " AS days"        \
    "  FROM customers c WHERE c.pool_id = p.id AND c.owner_id <> 0 AND c.deleted_at IS NULL"       \
    "    AND NOT c.locked AND " LAST_ACT " < now() - make_interval(days => " RULE_DAYS ")"         \
    "  ORDER BY " LAST_ACT " LIMIT $2::int FOR UPDATE OF c SKIP LOCKED) x"                         \
    "  WHERE p.deleted_at IS NULL AND " RULE_DAYS " > 0 LIMIT $2::int),"                           \
    " h AS (INSERT INTO customer_history (kind, record_id, action, from_owner_id, detail)"         \
    "  SELECT 'customer', id, 'recycled', owner_id, json_build_object('pool_id', pool_id,"         \
    "  'recycle_days', days)::text FROM due),"                                                     \
    " upd AS (UPDATE customers c SET owner_id = 0, previous_owner_id = due.owner_id,"              \
    "  owner_since = NULL, pooled_at = now(), updated_at = now() FROM due WHERE c.id = due.id"     \
    "  RETURNING c.id)"                                                                            \
    " SELECT due.id, due.owner_id, due.pool_id, due.days, crm_us(due.last_act)"                    \
    " FROM due JOIN upd USING (id) ORDER BY due.id"

void customers_recycle_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "customer_recycle_page", RECYCLE_PAGE_SQL);
}

/* One customer.recycled per customer of the page. */
static void s_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    for (int i = 0; i < PQntuples(rows); i++) {
        Crm__Events__CustomerRecycled ev = CRM__EVENTS__CUSTOMER_RECYCLED__INIT;
        ev.customer_id = crm_db_get_i64(rows, i, 0);
        ev.previous_owner_id = crm_db_get_i64(rows, i, 1);
        ev.pool_id = crm_db_get_i64(rows, i, 2);
        ev.days_without_followup = (int32_t)crm_db_get_i64(rows, i, 3);
        ev.last_followup_at_us = crm_db_get_i64(rows, i, 4);
        crm_outbox_add(b, "customer.recycled", crm_db_get(rows, i, 0), &ev.base);
    }
}

void customers_recycle(crm_job_run_t *run, int days)
{
    char d[16];
    snprintf(d, sizeof d, "%d", days);
    const char *p[] = {d};
    crm_tx_pages(crm_job_tx(run), "customer_recycle_page", 1, p, RECYCLE_PAGE, s_page, crm_job_end,
                 run);
}

void customers_recycle_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    customers_recycle(run, 0);
}

/* ---- Customers.Recycle -------------------------------------------------- */

/* The work of Customers.Recycle: arg is the days asked for (0: each
 * pool's rule). */
static void s_recycle_work(void *arg, crm_job_run_t *run)
{
    customers_recycle(run, (int)(intptr_t)arg);
}

static void s_recycle_reply(crm_txn_t *t, int64_t count)
{
    Crm__Customers__RecycleReply reply = CRM__CUSTOMERS__RECYCLE_REPLY__INIT;
    reply.recycled = count;
    crm_txn_reply(t, &reply.base);
}

static void s_recycle(crm_rpc_call_t *call, const Crm__Customers__RecycleRequest *req, void *arg)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (req->days < 0 || req->days > 3650) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "days", "days must be 0..3650");
        return;
    }
    if (caller->role != CRM__ROLE__ROLE_ADMIN && caller->role != CRM__ROLE__ROLE_SYSTEM) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL,
                     "only an admin may run recycling by hand");
        return;
    }
    customers_t *c = arg;
    crm_job_run_now(&c->env, call, s_recycle_work, (void *)(intptr_t)req->days, s_recycle_reply);
}

void customers_recycle_handlers(customers_t *cs)
{
    cs->handlers.recycle = s_recycle;
}
