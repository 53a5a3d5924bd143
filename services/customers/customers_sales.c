/* customers_sales.c: what the customers service keeps of the sales
 * service's opportunities (商机), from its events, never reading its
 * database: a row per opportunity (customer_opportunities, sql/017: its
 * customer, status, amount, when made, deleted), the customer's totals
 * recomputed from those rows with every event (open count and amount, won
 * count and amount, the last opportunity's time: exact integer minor
 * units), the deal (成交) a won opportunity makes, the sales summary of a
 * customer's detail and the count that refuses a customer's deletion.
 *
 * Each event is applied once (the consumer's offsets, crm/consumer.h) and
 * in sales' commit order; besides, a row keeps the opportunity's
 * updated_at as its version, so an older state never overwrites a newer
 * one, and the totals are recomputed from the rows rather than moved by
 * deltas, so they always equal what the rows say. A won opportunity makes
 * its customer dealt when its row enters won (not on a replay, not when it
 * was won already) and the customer is not dealt yet (by hand or by another
 * win): deal status and time set, a history entry `dealt`, and a
 * customer.dealt as the manual path emits, all in the consumer's
 * transaction. A signed contract (contract.signed) deals its customer the
 * same way, once: not when it is dealt already.
 *
 * Orders and payments (订单, 回款) are kept the same way: a row per order
 * (status, amount) and per payment (status, amount, refunded), versioned
 * by the record's updated_at, and the customer's approved orders, paid
 * (confirmed net of refunds) and pending amounts recomputed from the rows
 * in the statement that writes the row (sql/030). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"
#include "customers.h"

/* One opportunity's state applied: $1 its id, $2 its customer, $3 status,
 * $4 amount, $5 created (µs), $6 version (its updated_at, µs), $7 deleted,
 * $8 the deal time should it deal the customer, $9 who did it. The row is
 * written unless it holds a newer version; the customer's totals are those
 * of its other rows plus this one's as it now stands; the customer is
 * dealt when this row enters won now and it is not dealt yet (locked
 * first, so a deal by hand and this one never cross). One statement: a
 * consumer's batch has no round trips of its own. */
#define APPLY_SQL                                                                                  \
    "WITH prev AS (SELECT status, deleted FROM customer_opportunities"                             \
    "  WHERE opportunity_id = $1::bigint FOR UPDATE),"                                             \
    " up AS (INSERT INTO customer_opportunities AS o (opportunity_id, customer_id, status,"        \
    "  amount, created_at, version, deleted) VALUES ($1::bigint, $2::bigint, $3::smallint,"        \
    "  $4::bigint, crm_ts($5::bigint), $6::bigint, $7::boolean) ON CONFLICT (opportunity_id)"      \
    "  DO UPDATE SET status = EXCLUDED.status, amount = EXCLUDED.amount, version ="                \
    "  EXCLUDED.version, deleted = EXCLUDED.deleted WHERE o.version <= EXCLUDED.version"           \
    "  RETURNING status, amount, created_at, deleted),"                                            \
    " mine AS (SELECT status, amount, created_at FROM up WHERE NOT deleted UNION ALL"              \
    "  SELECT status, amount, created_at FROM customer_opportunities WHERE opportunity_id ="       \
    "  $1::bigint AND NOT deleted AND NOT EXISTS (SELECT 1 FROM up)),"                             \
    " t AS (SELECT count(*) FILTER (WHERE x.status = 1) AS open_n,"                                \
    "  COALESCE(sum(x.amount) FILTER (WHERE x.status = 1), 0) AS open_amount,"                     \
    "  count(*) FILTER (WHERE x.status = 2) AS won_n,"                                             \
    "  COALESCE(sum(x.amount) FILTER (WHERE x.status = 2), 0) AS won_amount,"                      \
    "  max(x.created_at) AS last_at FROM (SELECT status, amount, created_at"                       \
    "  FROM customer_opportunities WHERE customer_id = $2::bigint AND opportunity_id <>"           \
    "  $1::bigint AND NOT deleted UNION ALL SELECT * FROM mine) x),"                               \
    " won AS (SELECT EXISTS (SELECT 1 FROM up WHERE status = 2 AND NOT deleted) AND NOT EXISTS"    \
    "  (SELECT 1 FROM prev WHERE status = 2 AND NOT deleted) AS now_won),"                         \
    " was AS (SELECT c.deal_status, crm_us(c.dealt_at) AS dealt_at_us, c.deleted_at IS NULL"       \
    "  AND c.deal_status <> 2 AND w.now_won AS deal FROM customers c, won w"                       \
    "  WHERE c.id = $2::bigint FOR UPDATE OF c)"                                                   \
    " UPDATE customers c SET open_opportunities = t.open_n, open_opportunity_amount ="             \
    "  t.open_amount, won_opportunities = t.won_n, won_opportunity_amount = t.won_amount,"         \
    "  last_opportunity_at = t.last_at,"                                                           \
    "  deal_status = CASE WHEN was.deal THEN 2 ELSE c.deal_status END,"                            \
    "  dealt_at = CASE WHEN was.deal THEN crm_ts($8::bigint) ELSE c.dealt_at END"                  \
    " FROM t, was WHERE c.id = $2::bigint"                                                         \
    " RETURNING " CUSTOMER_COLUMNS ", was.deal AS dealt_now, was.deal_status AS was_status,"       \
    " COALESCE(was.dealt_at_us, 0) AS was_dealt_at_us, 'opportunity ' || $1::bigint || ' won'"     \
    " AS deal_reason, json_build_object('opportunity_id', $1::bigint)::text AS deal_op,"           \
    " $9::bigint AS won_by"

/* A signed contract ($1 its id, $2 its customer, $3 when signed (µs), $4
 * who signed it) deals its customer when it is not dealt yet (locked
 * first), as a won opportunity does; a dealt one stays as it is. */
#define SIGNED_SQL                                                                                 \
    "WITH was AS (SELECT c.deal_status, crm_us(c.dealt_at) AS dealt_at_us FROM customers c"        \
    "  WHERE c.id = $2::bigint AND c.deleted_at IS NULL AND c.deal_status <> 2 FOR UPDATE OF c)"   \
    " UPDATE customers c SET deal_status = 2, dealt_at = crm_ts($3::bigint) FROM was"              \
    " WHERE c.id = $2::bigint"                                                                     \
    " RETURNING " CUSTOMER_COLUMNS ", true AS dealt_now, was.deal_status AS was_status,"           \
    " COALESCE(was.dealt_at_us, 0) AS was_dealt_at_us, 'contract ' || $1::bigint || ' signed'"     \
    " AS deal_reason, json_build_object('contract_id', $1::bigint)::text AS deal_op,"              \
    " $4::bigint AS won_by"

/* One order's state applied: $1 its id, $2 its customer, $3 status, $4
 * amount, $5 version (its updated_at, µs). The row is written unless it
 * holds a newer version; the customer's approved orders and their amount
 * are those of its other rows plus this one's as it now stands. */
#define ORDER_SQL                                                                                  \
    "WITH up AS (INSERT INTO customer_orders AS o (order_id, customer_id, status, amount,"         \
    "  version) VALUES ($1::bigint, $2::bigint, $3::smallint, $4::bigint, $5::bigint)"             \
    "  ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, amount = EXCLUDED.amount,"   \
    "  version = EXCLUDED.version WHERE o.version <= EXCLUDED.version RETURNING status, amount),"  \
    " mine AS (SELECT status, amount FROM up UNION ALL SELECT status, amount FROM"                 \
    "  customer_orders WHERE order_id = $1::bigint AND NOT EXISTS (SELECT 1 FROM up)),"            \
    " t AS (SELECT count(*) FILTER (WHERE x.status = 3) AS n,"                                     \
    "  COALESCE(sum(x.amount) FILTER (WHERE x.status = 3), 0) AS amount FROM (SELECT status,"      \
    "  amount FROM customer_orders WHERE customer_id = $2::bigint AND order_id <> $1::bigint"      \
    "  UNION ALL SELECT * FROM mine) x)"                                                           \
    " UPDATE customers c SET approved_orders = t.n, approved_order_amount = t.amount FROM t"       \
    " WHERE c.id = $2::bigint"

/* One payment's state applied: $1 its id, $2 its customer, $3 its order,
 * $4 status, $5 amount, $6 refunded, $7 version. The customer's paid
 * amount (confirmed or refunded ones, net of refunds) and pending amount
 * are recomputed from its rows the same way. */
#define PAYMENT_SQL                                                                                \
    "WITH up AS (INSERT INTO customer_payments AS p (payment_id, customer_id, order_id, status,"   \
    "  amount, refunded_amount, version) VALUES ($1::bigint, $2::bigint, $3::bigint,"              \
    "  $4::smallint, $5::bigint, $6::bigint, $7::bigint) ON CONFLICT (payment_id) DO UPDATE SET"   \
    "  status = EXCLUDED.status, amount = EXCLUDED.amount, refunded_amount ="                      \
    "  EXCLUDED.refunded_amount, version = EXCLUDED.version WHERE p.version <= EXCLUDED.version"   \
    "  RETURNING status, amount, refunded_amount),"                                                \
    " mine AS (SELECT status, amount, refunded_amount FROM up UNION ALL SELECT status, amount,"    \
    "  refunded_amount FROM customer_payments WHERE payment_id = $1::bigint AND NOT EXISTS"        \
    "  (SELECT 1 FROM up)),"                                                                       \
    " t AS (SELECT COALESCE(sum(x.amount - x.refunded_amount) FILTER (WHERE x.status IN (2, 4)),"  \
    "  0) AS paid, COALESCE(sum(x.amount) FILTER (WHERE x.status = 1), 0) AS pending FROM"         \
    "  (SELECT status, amount, refunded_amount FROM customer_payments WHERE customer_id ="         \
    "  $2::bigint AND payment_id <> $1::bigint UNION ALL SELECT * FROM mine) x)"                   \
    " UPDATE customers c SET paid_amount = t.paid, pending_payment_amount = t.pending FROM t"      \
    " WHERE c.id = $2::bigint"

/* A customer's opportunities by status, deleted ones left out. */
#define SUMMARY_SQL(customer)                                                                      \
    "SELECT status, count(*) AS n, COALESCE(sum(amount), 0) AS amount"                             \
    " FROM customer_opportunities WHERE customer_id = " customer " AND NOT deleted"                \
    " GROUP BY status"

void customers_sales_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "customer_opportunity_apply", APPLY_SQL);
    crm_db_prepare(db, "customer_contract_signed", SIGNED_SQL);
    crm_db_prepare(db, "customer_order_apply", ORDER_SQL);
    crm_db_prepare(db, "customer_payment_apply", PAYMENT_SQL);
    crm_db_prepare(db, "customer_sales", SUMMARY_SQL("$1::bigint"));
    crm_db_prepare(db, "customer_sales_of_lead",
                   SUMMARY_SQL("(SELECT id FROM customers WHERE lead_id = $1::bigint"
                               " AND deleted_at IS NULL)"));
}

/* ---- the sales stream ----------------------------------------------------------- */

static int s_apply(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                   crm_db_batch_t *b)
{
    (void)arg;
    const Crm__Events__OpportunityChanged *e = (const Crm__Events__OpportunityChanged *)payload;
    const Crm__Sales__Opportunity *o = e->opportunity;
    if (!o || !o->id || !o->customer_id || !o->status) {
        crm_log(CRM_ERROR, "an opportunity event without its opportunity", "type", ev->type,
                "event_id", ev->event_id, NULL);
        return -1;
    }
    char n[8][24];
    int64_t deal_at = o->closed_at_us ? o->closed_at_us : ev->occurred_at_us;
    const char *p[] = {crm_i64(n[0], o->id),
                       crm_i64(n[1], o->customer_id),
                       crm_i64(n[2], o->status),
                       crm_i64(n[3], o->amount),
                       crm_i64(n[4], o->created_at_us),
                       crm_i64(n[5], o->updated_at_us),
                       !strcmp(ev->type, "opportunity.deleted") ? "true" : "false",
                       crm_i64(n[6], deal_at),
                       crm_i64(n[7], e->by)};
    crm_db_batch_add(b, "customer_opportunity_apply", 9, p);
    return 0;
}

/* contract.signed: the customer dealt unless it is already. */
static int s_signed(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                    crm_db_batch_t *b)
{
    (void)arg;
    const Crm__Events__ContractChanged *e = (const Crm__Events__ContractChanged *)payload;
    const Crm__Sales__Contract *k = e->contract;
    if (!k || !k->id || !k->customer_id) {
        crm_log(CRM_ERROR, "a contract event without its contract", "type", ev->type, "event_id",
                ev->event_id, NULL);
        return -1;
    }
    char n[4][24];
    const char *p[] = {crm_i64(n[0], k->id), crm_i64(n[1], k->customer_id),
                       crm_i64(n[2], k->signed_at_us ? k->signed_at_us : ev->occurred_at_us),
                       crm_i64(n[3], e->by)};
    crm_db_batch_add(b, "customer_contract_signed", 4, p);
    return 0;
}

/* order.*: the order's row and the customer's approved orders. */
static int s_order(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                   crm_db_batch_t *b)
{
    (void)arg;
    const Crm__Sales__Order *o = ((const Crm__Events__OrderChanged *)payload)->order;
    if (!o || !o->id || !o->customer_id || !o->status) {
        crm_log(CRM_ERROR, "an order event without its order", "type", ev->type, "event_id",
                ev->event_id, NULL);
        return -1;
    }
    char n[5][24];
    const char *p[] = {crm_i64(n[0], o->id), crm_i64(n[1], o->customer_id),
                       crm_i64(n[2], o->status), crm_i64(n[3], o->amount),
                       crm_i64(n[4], o->updated_at_us)};
    crm_db_batch_add(b, "customer_order_apply", 5, p);
    return 0;
}

/* payment.*: the payment's row and the customer's paid and pending amounts. */
static int s_payment(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                     crm_db_batch_t *b)
{
    (void)arg;
    const Crm__Sales__Payment *m = ((const Crm__Events__PaymentChanged *)payload)->payment;
    if (!m || !m->id || !m->customer_id || !m->status || m->amount <= 0) {
        crm_log(CRM_ERROR, "a payment event without its payment", "type", ev->type, "event_id",
                ev->event_id, NULL);
        return -1;
    }
    char n[7][24];
    const char *p[] = {crm_i64(n[0], m->id),           crm_i64(n[1], m->customer_id),
                       crm_i64(n[2], m->order_id),     crm_i64(n[3], m->status),
                       crm_i64(n[4], m->amount),       crm_i64(n[5], m->refunded_amount),
                       crm_i64(n[6], m->updated_at_us)};
    crm_db_batch_add(b, "customer_payment_apply", 7, p);
    return 0;
}

/* The history entry and the customer.dealt of a customer a win dealt
 * (row 0 of r, the customer after it), as the manual deal writes them. */
static void s_dealt(const PGresult *r, crm_db_batch_t *b)
{
    customer_row_t row;
    customers_store_row(r, 0, &row);
    row.c.completeness = customers_completeness(&row.c);
    customer_t before = row.c;
    before.deal_status =
        (Crm__Customers__DealStatus)crm_db_get_i64(r, 0, PQfnumber(r, "was_status"));
    before.dealt_at_us = crm_db_get_i64(r, 0, PQfnumber(r, "was_dealt_at_us"));
    int64_t by = crm_db_get_i64(r, 0, PQfnumber(r, "won_by"));
    const char *reason = crm_db_get(r, 0, PQfnumber(r, "deal_reason")),
               *op = crm_db_get(r, 0, PQfnumber(r, "deal_op"));
    char *detail = customers_history_detail(op, &before, &row.c);
    customers_history_t h = {.kind = "customer",
                             .record_id = row.c.id,
                             .action = "dealt",
                             .actor_id = by,
                             .at_us = row.c.dealt_at_us,
                             .from_owner_id = row.c.owner_id,
                             .to_owner_id = row.c.owner_id,
                             .reason = reason,
                             .detail = detail};
    customers_store_history(b, &h);
    free(detail);
    char *changed[8];
    size_t nc = customers_changed_fields(&before, &row.c, changed, 8);
    customers_emit_changed(b, "customer.dealt", &row.c, by, reason, changed, nc);
    for (size_t i = 0; i < nc; i++)
        free(changed[i]);
    customers_row_clear(&row);
}

static void s_applied(void *arg, const crm_db_result_t *res, crm_db_batch_t *commit)
{
    (void)arg;
    for (size_t i = 0; i < res->nresults; i++) {
        const PGresult *r = res->results[i];
        crm_event_applied_trace(i); /* the deal carries the win's request id */
        int col = PQfnumber(r, "dealt_now");
        if (col >= 0 && PQntuples(r) > 0 && !strcmp(PQgetvalue(r, 0, col), "t"))
            s_dealt(r, commit);
    }
}

/* What moves a total or the deal: a transfer and a follow-up move neither. */
#define OPP(type)                                                                                  \
    {                                                                                              \
        type, &crm__events__opportunity_changed__descriptor, s_apply                               \
    }
/* What moves an order's status or amount (a shipment and a transfer move neither). */
#define ORDER(type)                                                                                \
    {                                                                                              \
        type, &crm__events__order_changed__descriptor, s_order                                     \
    }
#define PAYMENT(type)                                                                              \
    {                                                                                              \
        type, &crm__events__payment_changed__descriptor, s_payment                                 \
    }
static const crm_event_handler_t s_handlers[] = {
    OPP("opportunity.created"),
    OPP("opportunity.updated"),
    OPP("opportunity.stage_changed"),
    OPP("opportunity.won"),
    OPP("opportunity.lost"),
    OPP("opportunity.invalidated"),
    OPP("opportunity.reopened"),
    OPP("opportunity.deleted"),
    {"contract.signed", &crm__events__contract_changed__descriptor, s_signed},
    ORDER("order.created"),
    ORDER("order.updated"),
    ORDER("order.submitted"),
    ORDER("order.approved"),
    ORDER("order.rejected"),
    ORDER("order.withdrawn"),
    ORDER("order.voided"),
    PAYMENT("payment.created"),
    PAYMENT("payment.confirmed"),
    PAYMENT("payment.rejected"),
    PAYMENT("payment.refunded"),
};
#undef OPP
#undef ORDER
#undef PAYMENT
static const crm_event_table_t s_table = {
    .handlers = s_handlers, .n = sizeof s_handlers / sizeof s_handlers[0], .applied = s_applied};

void customers_sales_consume(customers_t *c)
{
    /* Not required: a suite without sales has no opportunities to keep. */
    crm_service_consume_events(c->svc, "sales", &s_table, c, 0);
}

/* ---- reads: the summary, the deletion's count ------------------------------------ */

void customers_sales_read(crm_db_batch_t *b, const char *id, int by_lead)
{
    const char *p[] = {id};
    crm_db_batch_add(b, by_lead ? "customer_sales_of_lead" : "customer_sales", 1, p);
}

void customers_sales_fill(const PGresult *r, Crm__Customers__CustomerSales *s,
                          Crm__Customers__OpportunityTotal t[5])
{
    crm__customers__customer_sales__init(s);
    for (int i = 0; i < 5; i++)
        crm__customers__opportunity_total__init(&t[i]);
    /* t[0] all, t[1..4] by status (open, won, lost, invalid). */
    s->all = &t[0];
    s->open = &t[1];
    s->won = &t[2];
    s->lost = &t[3];
    s->invalid = &t[4];
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t status = crm_db_get_i64(r, i, PQfnumber(r, "status"));
        int64_t count = crm_db_get_i64(r, i, PQfnumber(r, "n"));
        int64_t amount = crm_db_get_i64(r, i, PQfnumber(r, "amount"));
        if (status < 1 || status > 4)
            continue;
        t[status].count += (int32_t)count;
        t[status].amount += amount;
        t[0].count += (int32_t)count;
        t[0].amount += amount;
    }
}

void customers_sales_fill_money(const customer_t *c, Crm__Customers__CustomerSales *s,
                                Crm__Customers__OpportunityTotal *orders)
{
    crm__customers__opportunity_total__init(orders);
    orders->count = c->approved_orders;
    orders->amount = c->approved_order_amount;
    s->approved_orders = orders;
    s->paid_amount = c->paid_amount;
    s->pending_payment_amount = c->pending_payment_amount;
    s->outstanding_amount = c->outstanding_amount;
}

void customers_sales_read_many(crm_change_t *c)
{
    char *ids = crm_db_i64_array(crm_change_ids(c), crm_change_count(c));
    const char *p[] = {ids};
    crm_change_read(c, "opportunities",
                    "SELECT customer_id, count(*) FROM customer_opportunities"
                    " WHERE customer_id = ANY($1::bigint[]) AND NOT deleted GROUP BY customer_id",
                    1, p);
    crm_change_read(c, "orders",
                    "SELECT customer_id, count(*) FROM customer_orders"
                    " WHERE customer_id = ANY($1::bigint[]) GROUP BY customer_id",
                    1, p);
    free(ids);
}

int64_t customers_sales_opportunities(crm_change_t *c, int64_t id)
{
    return crm_db_value_of(crm_change_result(c, "opportunities"), id);
}

int64_t customers_sales_orders(crm_change_t *c, int64_t id)
{
    return crm_db_value_of(crm_change_result(c, "orders"), id);
}
