/* sales_payment_kind.c: the payment as a record kind of the change engine
 * (crm/change.h): locked, acted on by finance (admins and the managers
 * above its owner; its owner's side reads it and is told so; to others it
 * does not exist), its status moved by its table (sales_docs.c), saved
 * with its history entry, the order's paid and pending amounts moved by
 * the difference the change makes, and announced (payment.<action>) in the
 * change's transaction. Its ops: confirm (确认), reject (驳回, a comment
 * required), refund (退款: part or all of a confirmed one, a reason
 * required; whole, the payment is refunded and final). */
#include <stdio.h>
#include <stdlib.h>

#include "crm/check.h"
#include "crm/history.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

#define PS(x) CRM__SALES__PAYMENT_STATUS__PAYMENT_STATUS_##x

static crm_history_skip_t s_unfollowed = {
    "id", "creator_id", "created_at", "updated_at", "customer_name", "order_number", NULL,
};

static void s_decode(const PGresult *r, int row, void *rec)
{
    payment_t *p = rec;
    crm__sales__payment__init(p);
    sales_row_to(r, row, &p->base);
}

static void s_clear(void *rec)
{
    crm_rowmap_clear(&((payment_t *)rec)->base);
}

static int s_may_act(crm_change_t *c, const void *rec)
{
    const payment_t *p = rec;
    const Crm__Caller *caller = crm_change_caller(c);
    if (sales_payment_is_finance(caller, p))
        return 0;
    if (sales_payment_can_read(caller, p))
        return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                                 "only finance (admins and managers above its owner) confirms,"
                                 " rejects or refunds a payment");
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((payment_t *)rec)->updated_at_us = crm_change_now(c);
}

/* What a payment counts for on its order: paid (confirmed, net of
 * refunds), pending. */
static int64_t s_paid(const payment_t *p)
{
    return p->status == PS(CONFIRMED) || p->status == PS(REFUNDED) ? p->amount - p->refunded_amount
                                                                   : 0;
}

static int64_t s_pending(const payment_t *p)
{
    return p->status == PS(PENDING) ? p->amount : 0;
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const payment_t *before = prev, *p = rec;
    sales_payment_write(b, "payment_save", p);
    sales_payment_order_moves(b, p->order_id, s_paid(p) - s_paid(before),
                              s_pending(p) - s_pending(before));
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &p->base, s_unfollowed);
    sales_change_history(c, b, "payment", p->id, detail, before->owner_id, p->owner_id);
    free(detail);
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const payment_t *before = prev;
    payment_t *p = rec;
    char type[48];
    snprintf(type, sizeof type, "payment.%s", crm_change_op(c)->action);
    int64_t amount = p->refunded_amount > before->refunded_amount
                         ? p->refunded_amount - before->refunded_amount
                         : p->amount;
    sales_emit_payment(b, type, p, crm_change_caller(c)->user_id, crm_change_reason(c),
                       before->status, amount);
}

static void s_reply(crm_change_t *c)
{
    crm_change_reply(c, &((payment_t *)crm_change_record(c, 0))->base);
}

static const crm_change_kind_t s_kind = {
    .noun = "payment",
    .lock = "payment_lock_many",
    .size = sizeof(payment_t),
    .decode = s_decode,
    .clear = s_clear,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = s_reply,
};

/* Moves p by its status table: 0, or -1 after refusing with its reason. */
static int s_move(crm_change_t *c, payment_t *p, sales_payment_action_t action)
{
    const char *why;
    int to = sales_payment_next(p->status, action, &why);
    if (!to)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "status", "%s", why);
    p->status = (Crm__Sales__PaymentStatus)to;
    return 0;
}

/* ---- Confirm, Reject ------------------------------------------------------------------ */

static int s_decide(crm_change_t *c, void *rec, sales_payment_action_t action)
{
    payment_t *p = rec;
    const Crm__Sales__DecidePaymentRequest *req = crm_change_request(c);
    if (s_move(c, p, action) < 0)
        return -1;
    p->reviewer_id = crm_change_caller(c)->user_id;
    p->review_comment = req->comment;
    p->reviewed_at_us = crm_change_now(c);
    return 0;
}

static int s_confirm_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    return s_decide(c, rec, SALES_PAYMENT_CONFIRM);
}

static int s_reject_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    return s_decide(c, rec, SALES_PAYMENT_REJECT);
}

static const crm_change_op_t s_confirm_op = {
    .action = "confirmed", .ids_field = "id", .apply = s_confirm_apply};
static const crm_change_op_t s_reject_op = {
    .action = "rejected", .ids_field = "id", .apply = s_reject_apply};

static void s_decision(crm_rpc_call_t *call, const Crm__Sales__DecidePaymentRequest *req,
                       sales_t *s, const crm_change_op_t *op, int comment_required)
{
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "comment", req->comment, 500, comment_required))
        return;
    crm_change_run(&s->env, call, &s_kind, op, &req->id, 1, req->comment, NULL);
}

static void s_confirm(crm_rpc_call_t *call, const Crm__Sales__DecidePaymentRequest *req, void *arg)
{
    s_decision(call, req, arg, &s_confirm_op, 0);
}

static void s_reject(crm_rpc_call_t *call, const Crm__Sales__DecidePaymentRequest *req, void *arg)
{
    s_decision(call, req, arg, &s_reject_op, 1);
}

/* ---- Refund: part or all of a confirmed one -------------------------------------------- */

static int s_refund_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    payment_t *p = rec;
    const Crm__Sales__RefundPaymentRequest *req = crm_change_request(c);
    if (s_move(c, p, SALES_PAYMENT_REFUND) < 0)
        return -1;
    int64_t left = p->amount - p->refunded_amount;
    if (req->amount > left)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "amount",
                                 "%lld of the payment's %lld is left to refund (%lld refunded)",
                                 (long long)left, (long long)p->amount,
                                 (long long)p->refunded_amount);
    p->refunded_amount += req->amount;
    p->refund_reason = req->reason;
    if (p->refunded_amount == p->amount)
        p->status = PS(REFUNDED);
    return 0;
}

static const crm_change_op_t s_refund_op = {
    .action = "refunded", .ids_field = "id", .apply = s_refund_apply};

static void s_refund(crm_rpc_call_t *call, const Crm__Sales__RefundPaymentRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!crm_check_id(call, "id", req->id) || !crm_check_text(call, "reason", req->reason, 500, 1))
        return;
    if (req->amount <= 0 || req->amount > SALES_AMOUNT_MAX) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "amount",
                     "a refund is 1 to 10^17 minor units");
        return;
    }
    crm_change_run(&s->env, call, &s_kind, &s_refund_op, &req->id, 1, req->reason, NULL);
}

void sales_payment_kind_handlers(sales_t *s)
{
    s->handlers.confirm_payment = s_confirm;
    s->handlers.reject_payment = s_reject;
    s->handlers.refund_payment = s_refund;
}
