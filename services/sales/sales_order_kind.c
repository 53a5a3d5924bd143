/* sales_order_kind.c: the order as a record kind of the change engine
 * (crm/change.h): locked in id order, read with its lines, acted on by its
 * owner's side (its approver reads it and decides; to others it does not
 * exist), its status moved by its table (sales_docs.c), saved with its
 * history entry (old and new values) and announced (order.<action>) in the
 * change's transaction. Its ops: an edit by merge patch (lines, discount,
 * remark: drafts, rejected and voided orders), submit (to a named approver
 * or the manager of the owner's department), approve and reject (its
 * approver, a rejection with a comment), withdraw (撤回), void (作废, with
 * a reason; not while it has payments), ship (发货) and transfer (转移, one or many). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/history.h"
#include "crm/mask.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

static crm_history_skip_t s_unfollowed = {
    "id", "creator_id", "created_at", "updated_at", "customer_name", NULL,
};

static order_row_t *s_row(void *rec)
{
    return rec;
}

static void s_decode(const PGresult *r, int row, void *rec)
{
    sales_order_row(r, row, rec);
}

static void s_clear(void *rec)
{
    sales_order_row_clear(rec);
}

/* Not seen: not found; seen (its approver), not this: say so. */
static int s_refuse(crm_change_t *c, const order_t *o, const char *what)
{
    if (sales_order_can_read(crm_change_caller(c), o))
        return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL, "%s", what);
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

static int s_may_act(crm_change_t *c, const void *rec)
{
    const order_t *o = &((const order_row_t *)rec)->o;
    if (crm_scope_allows(crm_change_caller(c), o->owner_id))
        return 0;
    return s_refuse(c, o, "this is for its owner's side");
}

/* Approve, reject: its approver only; one who reads an order that is not
 * pending is told its status (by the table, in apply). */
static int s_may_decide(crm_change_t *c, const void *rec)
{
    const order_t *o = &((const order_row_t *)rec)->o;
    const Crm__Caller *caller = crm_change_caller(c);
    if ((o->approver_id && o->approver_id == caller->user_id) ||
        (o->status != CRM__SALES__ORDER_STATUS__ORDER_STATUS_PENDING &&
         sales_order_can_read(caller, o)))
        return 0;
    char what[96];
    snprintf(what, sizeof what, "only its approver (user %lld) approves or rejects it",
             (long long)o->approver_id);
    return s_refuse(c, o, what);
}

static void s_stamp(crm_change_t *c, void *rec)
{
    s_row(rec)->o.updated_at_us = crm_change_now(c);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const order_t *before = &((const order_row_t *)prev)->o, *o = &((const order_row_t *)rec)->o;
    sales_order_write(b, "order_save", o);
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &o->base, s_unfollowed);
    sales_change_history(c, b, "order", o->id, detail, before->owner_id, o->owner_id);
    free(detail);
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const order_t *before = &((const order_row_t *)prev)->o;
    order_t *o = &s_row(rec)->o;
    char *changed[32], type[48];
    size_t n = crm_history_changed(&before->base, &o->base, s_unfollowed, changed, 32);
    snprintf(type, sizeof type, "order.%s", crm_change_op(c)->action);
    sales_emit_order(b, type, o, crm_change_caller(c)->user_id, crm_change_reason(c), changed, n,
                     before);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

/* The default reply: the changed orders. */
static void s_reply(crm_change_t *c)
{
    size_t n = crm_change_count(c);
    Crm__Sales__OrdersReply reply = CRM__SALES__ORDERS_REPLY__INIT;
    order_t **os = crm_calloc(n + 1, sizeof *os);
    for (size_t i = 0; i < n; i++)
        os[i] = &((order_row_t *)crm_change_record(c, i))->o;
    reply.orders = os;
    reply.n_orders = n;
    crm_change_reply(c, &reply.base);
    free(os);
}

static void s_single_reply(crm_change_t *c)
{
    crm_change_reply(c, &((order_row_t *)crm_change_record(c, 0))->o.base);
}

static const crm_change_kind_t s_kind = {
    .noun = "order",
    .lock = "order_lock_many",
    .size = sizeof(order_row_t),
    .decode = s_decode,
    .clear = s_clear,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = s_reply,
};

/* Moves o by its status table: 0, or -1 after refusing with its reason. */
static int s_move(crm_change_t *c, order_t *o, sales_order_action_t action)
{
    const char *why;
    int to = sales_order_next(o->status, action, &why);
    if (!to)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "status", "%s", why);
    o->status = (Crm__Sales__OrderStatus)to;
    return 0;
}

/* ---- UpdateOrder ------------------------------------------------------------------ */

static const char *const s_editable[] = {"lines", "discount_bp", "remark", NULL};

static int s_in_mask(const Crm__Sales__UpdateOrderRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

static void s_update_read(crm_change_t *c)
{
    const Crm__Sales__UpdateOrderRequest *req = crm_change_request(c);
    if (s_in_mask(req, "lines"))
        sales_read_products(crm_change_txn(c), req->lines, req->n_lines);
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    order_t *o = &s_row(rec)->o;
    const Crm__Sales__UpdateOrderRequest *req = crm_change_request(c);
    if (s_move(c, o, SALES_ORDER_EDIT) < 0)
        return -1;
    if (s_in_mask(req, "lines")) {
        Crm__Sales__OpportunityLine **lines =
            crm_change_keep(c, crm_calloc(req->n_lines + 1, sizeof *lines));
        crm_err_t err;
        int rc = sales_lines_price(req->lines, req->n_lines, crm_change_result(c, "products"),
                                   lines, &err);
        for (size_t i = 0; i < req->n_lines && lines[i]; i++)
            crm_change_keep(c, lines[i]);
        if (rc < 0)
            return crm_change_refuse(c, err.status, err.field, "%s", err.message);
        o->lines = lines;
        o->n_lines = req->n_lines;
    }
    if (s_in_mask(req, "discount_bp"))
        o->discount_bp = req->discount_bp;
    if (s_in_mask(req, "remark"))
        o->remark = req->remark;
    o->subtotal = sales_lines_total(o->lines, o->n_lines);
    o->amount = sales_order_amount(o->subtotal, o->discount_bp);
    if (o->amount < 0)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "lines",
                                 "the lines' total is over 10^17 minor units");
    return 0;
}

static const crm_change_op_t s_update_op = {.action = "updated",
                                            .ids_field = "id",
                                            .read = s_update_read,
                                            .apply = s_update_apply,
                                            .reply = s_single_reply};

static void s_update(crm_rpc_call_t *call, const Crm__Sales__UpdateOrderRequest *req, void *arg)
{
    sales_t *s = arg;
    crm_err_t err;
    if (!crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (!sales_order_check(call, NULL, req->lines, req->n_lines, s_in_mask(req, "lines"),
                           req->discount_bp, s_in_mask(req, "remark") ? req->remark : NULL))
        return;
    crm_change_run(&s->env, call, &s_kind, &s_update_op, &req->id, 1, "", NULL);
}

/* ---- SubmitOrder: to its approver --------------------------------------------------- */

static void s_submit_read(crm_change_t *c)
{
    const Crm__Sales__SubmitOrderRequest *req = crm_change_request(c);
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_change_read(c, "manager",
                    "SELECT crm_org_manager_of(owner_id) FROM orders WHERE id = $1::bigint", 1, p);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "approver_id", req->approver_id);
    crm_org_read(crm_change_txn(c), "org", &refs);
}

static int s_submit_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    order_t *o = &s_row(rec)->o;
    const Crm__Sales__SubmitOrderRequest *req = crm_change_request(c);
    crm_errs_t errs = {.n = 0};
    if (s_move(c, o, SALES_ORDER_SUBMIT) < 0)
        return -1;
    if (crm_org_check(crm_change_result(c, "org"), &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    const PGresult *m = crm_change_result(c, "manager");
    int64_t approver = req->approver_id ? req->approver_id
                       : PQntuples(m)   ? crm_db_get_i64(m, 0, 0)
                                        : 0;
    if (!approver)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "approver_id",
                                 "no manager in or above the owner's department: name an approver");
    if (approver == o->owner_id)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "approver_id",
                                 "user %lld owns the order: another approves it",
                                 (long long)approver);
    o->approver_id = approver;
    o->approval_comment = "";
    o->submitted_at_us = crm_change_now(c);
    o->decided_at_us = 0;
    return 0;
}

static const crm_change_op_t s_submit_op = {.action = "submitted",
                                            .ids_field = "id",
                                            .read = s_submit_read,
                                            .apply = s_submit_apply,
                                            .reply = s_single_reply};

static void s_submit(crm_rpc_call_t *call, const Crm__Sales__SubmitOrderRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "comment", req->comment, 500, 0))
        return;
    if (req->approver_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "approver_id", "must not be negative");
        return;
    }
    crm_change_run(&s->env, call, &s_kind, &s_submit_op, &req->id, 1, req->comment, NULL);
}

/* ---- Approve, Reject: its approver ----------------------------------------------------- */

static int s_decide(crm_change_t *c, void *rec, sales_order_action_t action)
{
    order_t *o = &s_row(rec)->o;
    const Crm__Sales__DecideOrderRequest *req = crm_change_request(c);
    if (s_move(c, o, action) < 0)
        return -1;
    o->approval_comment = req->comment;
    o->decided_at_us = crm_change_now(c);
    return 0;
}

static int s_approve_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    return s_decide(c, rec, SALES_ORDER_APPROVE);
}

static int s_reject_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    return s_decide(c, rec, SALES_ORDER_REJECT);
}

static const crm_change_op_t s_approve_op = {.action = "approved",
                                             .ids_field = "id",
                                             .may_act = s_may_decide,
                                             .apply = s_approve_apply,
                                             .reply = s_single_reply};
static const crm_change_op_t s_reject_op = {.action = "rejected",
                                            .ids_field = "id",
                                            .may_act = s_may_decide,
                                            .apply = s_reject_apply,
                                            .reply = s_single_reply};

static void s_decision(crm_rpc_call_t *call, const Crm__Sales__DecideOrderRequest *req, sales_t *s,
                       const crm_change_op_t *op, int comment_required)
{
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "comment", req->comment, 500, comment_required))
        return;
    crm_change_run(&s->env, call, &s_kind, op, &req->id, 1, req->comment, NULL);
}

static void s_approve(crm_rpc_call_t *call, const Crm__Sales__DecideOrderRequest *req, void *arg)
{
    s_decision(call, req, arg, &s_approve_op, 0);
}

static void s_reject(crm_rpc_call_t *call, const Crm__Sales__DecideOrderRequest *req, void *arg)
{
    s_decision(call, req, arg, &s_reject_op, 1);
}

/* ---- Withdraw, Void, Ship: its owner's side --------------------------------------------- */

static int s_withdraw_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    return s_move(c, &s_row(rec)->o, SALES_ORDER_WITHDRAW);
}

/* Not while it has money: its payments rejected or refunded first. */
static int s_void_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    order_t *o = &s_row(rec)->o;
    if (s_move(c, o, SALES_ORDER_VOID) < 0)
        return -1;
    if (o->paid_amount || o->pending_payment_amount)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "status",
                                 "the order has payments (回款: %lld paid, %lld pending): reject"
                                 " or refund them before it is voided",
                                 (long long)o->paid_amount, (long long)o->pending_payment_amount);
    return 0;
}

static int s_ship_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    order_t *o = &s_row(rec)->o;
    if (s_move(c, o, SALES_ORDER_SHIP) < 0)
        return -1;
    if (o->delivery_status == CRM__SALES__DELIVERY_STATUS__DELIVERY_STATUS_SHIPPED)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "delivery_status",
                                 "the order is shipped already (已发货)");
    o->delivery_status = CRM__SALES__DELIVERY_STATUS__DELIVERY_STATUS_SHIPPED;
    o->shipped_at_us = crm_change_now(c);
    return 0;
}

static const crm_change_op_t s_withdraw_op = {
    .action = "withdrawn", .ids_field = "id", .apply = s_withdraw_apply, .reply = s_single_reply};
static const crm_change_op_t s_void_op = {
    .action = "voided", .ids_field = "id", .apply = s_void_apply, .reply = s_single_reply};
static const crm_change_op_t s_ship_op = {
    .action = "shipped", .ids_field = "id", .apply = s_ship_apply, .reply = s_single_reply};

static void s_act(crm_rpc_call_t *call, const Crm__Sales__OrderActionRequest *req, sales_t *s,
                  const crm_change_op_t *op, int reason_required)
{
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "reason", req->reason, 500, reason_required))
        return;
    crm_change_run(&s->env, call, &s_kind, op, &req->id, 1, req->reason, NULL);
}

static void s_withdraw(crm_rpc_call_t *call, const Crm__Sales__OrderActionRequest *req, void *arg)
{
    s_act(call, req, arg, &s_withdraw_op, 0);
}

static void s_void(crm_rpc_call_t *call, const Crm__Sales__OrderActionRequest *req, void *arg)
{
    s_act(call, req, arg, &s_void_op, 1);
}

static void s_ship(crm_rpc_call_t *call, const Crm__Sales__OrderActionRequest *req, void *arg)
{
    s_act(call, req, arg, &s_ship_op, 0);
}

/* ---- TransferOrders --------------------------------------------------------------------- */

static void s_transfer_read(crm_change_t *c)
{
    const Crm__Sales__TransferOrdersRequest *req = crm_change_request(c);
    crm_org_read_new_owner(c, req->to_owner_id, req->to_department_id);
}

static int s_transfer_apply(crm_change_t *c, void *rec, const void *prev)
{
    order_t *o = &s_row(rec)->o;
    const order_t *before = &((const order_row_t *)prev)->o;
    const Crm__Sales__TransferOrdersRequest *req = crm_change_request(c);
    int64_t dept;
    if (s_move(c, o, SALES_ORDER_TRANSFER) < 0 ||
        crm_org_new_owner(c, req->to_department_id, &dept) < 0)
        return -1;
    if (before->owner_id == req->to_owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "to_owner_id",
                                 "user %lld holds it already", (long long)req->to_owner_id);
    o->owner_id = req->to_owner_id;
    if (dept)
        o->department_id = dept;
    return 0;
}

static const crm_change_op_t s_transfer_op = {.action = "transferred",
                                              .ids_field = "ids",
                                              .read = s_transfer_read,
                                              .apply = s_transfer_apply};

static void s_transfer(crm_rpc_call_t *call, const Crm__Sales__TransferOrdersRequest *req,
                       void *arg)
{
    sales_t *s = arg;
    if (!crm_check_transfer(call, req->ids, req->n_ids, SALES_MAX_IDS, req->to_owner_id,
                            req->to_department_id, req->reason))
        return;
    crm_change_run(&s->env, call, &s_kind, &s_transfer_op, req->ids, req->n_ids, req->reason, NULL);
}

void sales_order_kind_handlers(sales_t *s)
{
    s->handlers.update_order = s_update;
    s->handlers.submit_order = s_submit;
    s->handlers.approve_order = s_approve;
    s->handlers.reject_order = s_reject;
    s->handlers.withdraw_order = s_withdraw;
    s->handlers.void_order = s_void;
    s->handlers.ship_order = s_ship;
    s->handlers.transfer_orders = s_transfer;
}
