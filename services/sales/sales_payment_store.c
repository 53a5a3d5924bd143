/* sales_payment_store.c: the payments' SQL (sql/030): one INSERT and one
 * UPDATE that carry every column, the move of the order's paid and
 * pending amounts each payment's transaction makes (deltas under the
 * order's row lock: exact, and the table's check refuses an overpaid order
 * whatever happens), the events (payment.<action>), and who reads a
 * payment and who is finance for it. */
#include "crm/outbox.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"

#define PAYMENT_WRITE                                                                              \
    "order_id, customer_id, contract_id, amount, paid_date, method, payer_account, remark,"        \
    " status, refunded_amount, refund_reason, reviewer_id, review_comment, reviewed_at,"           \
    " owner_id, department_id, creator_id, updated_at, plan_id"
#define PAYMENT_VALUES                                                                             \
    "$2::bigint, $3::bigint, NULLIF($4::bigint, 0), $5::bigint, $6::date, $7::smallint, $8, $9,"   \
    " $10::smallint, $11::bigint, $12, $13::bigint, $14, crm_ts($15::bigint), $16::bigint,"        \
    " $17::bigint, $18::bigint, crm_ts($19::bigint), NULLIF($20::bigint, 0)"

void sales_payments_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "payment_get",
                   "SELECT " SALES_PAYMENT_COLUMNS " FROM payments m WHERE m.id = $1::bigint");
    crm_db_prepare(db, "payment_lock_many",
                   "SELECT " SALES_PAYMENT_COLUMNS " FROM payments m"
                   " WHERE m.id = ANY($1::bigint[]) ORDER BY m.id FOR UPDATE OF m");
    crm_db_prepare(db, "payment_insert",
                   "INSERT INTO payments (id, " PAYMENT_WRITE
                   ", created_at) VALUES ($1::bigint, " PAYMENT_VALUES ", crm_ts($19::bigint))");
    crm_db_prepare(db, "payment_save",
                   "UPDATE payments SET (" PAYMENT_WRITE ") = (" PAYMENT_VALUES
                   ") WHERE id = $1::bigint");
    crm_db_prepare(db, "payment_order_moves",
                   "UPDATE orders SET paid_amount = paid_amount + $2::bigint,"
                   " pending_payment_amount = pending_payment_amount + $3::bigint"
                   " WHERE id = $1::bigint");
}

void sales_payment_write(crm_db_batch_t *b, const char *stmt, const payment_t *p)
{
    char n[15][24];
    const char *v[] = {crm_i64(n[0], p->id),
                       crm_i64(n[1], p->order_id),
                       crm_i64(n[2], p->customer_id),
                       crm_i64(n[3], p->contract_id),
                       crm_i64(n[4], p->amount),
                       p->paid_date,
                       crm_i64(n[5], p->method),
                       p->payer_account,
                       p->remark,
                       crm_i64(n[6], p->status),
                       crm_i64(n[7], p->refunded_amount),
                       p->refund_reason,
                       crm_i64(n[8], p->reviewer_id),
                       p->review_comment,
                       crm_i64(n[9], p->reviewed_at_us),
                       crm_i64(n[10], p->owner_id),
                       crm_i64(n[11], p->department_id),
                       crm_i64(n[12], p->creator_id),
                       crm_i64(n[13], p->updated_at_us),
                       crm_i64(n[14], p->plan_id)};
    crm_db_batch_add(b, stmt, 20, v);
}

void sales_payment_order_moves(crm_db_batch_t *b, int64_t order_id, int64_t paid, int64_t pending)
{
    char n[3][24];
    const char *v[] = {crm_i64(n[0], order_id), crm_i64(n[1], paid), crm_i64(n[2], pending)};
    crm_db_batch_add(b, "payment_order_moves", 3, v);
}

void sales_emit_payment(crm_db_batch_t *b, const char *type, payment_t *p, int64_t by,
                        const char *reason, int from_status, int64_t amount)
{
    Crm__Events__PaymentChanged ev = CRM__EVENTS__PAYMENT_CHANGED__INIT;
    ev.payment = p;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.from_status = (Crm__Sales__PaymentStatus)from_status;
    ev.amount = amount;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, p->id), &ev.base);
}

int sales_payment_can_read(const Crm__Caller *caller, const payment_t *p)
{
    return crm_scope_allows(caller, p->owner_id);
}

int sales_payment_is_finance(const Crm__Caller *caller, const payment_t *p)
{
    if (crm_scope_all(caller))
        return 1;
    return caller->user_id != p->owner_id && crm_scope_allows(caller, p->owner_id);
}
