/* sales_order_kind.c: the order as a record kind of the change engine
 * (crm/change.h): locked in id order, read with its lines, acted on by its
 * owner's side (its approver reads it and decides; to others it does not
 * exist), its status moved by its table (sales_docs.c), saved with its
 * history entry (old and new values) and announced (order.<action>) in the
 * change's transaction. Its approval steps (sql/050) are read with it
 * after the lock, so a change decides on the steps as the last one left
 * them. Its ops: an edit by merge patch (lines, discount, remark: drafts,
 * rejected and voided orders), void (作废, with a reason; not while it has
 * payments), ship (发货) and transfer (转移, one or many); the approval's
 * (submit, approve, reject, withdraw) are sales_order_approval.c's. */
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
#include "sales_approval.h"
#include "sales_rules.h"

/* The approval's fields are told by the approval's own entries (their
 * detail: the level and the decision). */
static crm_history_skip_t s_unfollowed = {
    "id", "creator_id", "created_at", "updated_at", "customer_name", SALES_APPROVAL_UNFOLLOWED,
    NULL,
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

static void s_read(crm_change_t *c)
{
    sales_steps_read(c, SALES_DOC_ORDER);
}

/* o with its steps as read. */
static void s_with_steps(crm_change_t *c, order_t *o)
{
    o->approval_steps = sales_doc_steps(c, o->id, &o->n_approval_steps);
    sales_order_approval_summary(o);
}

/* Refuses the caller: told what (403) if they read o, else not found. */
static int s_refuse(crm_change_t *c, const order_t *o, const char *what)
{
    order_t seen = *o;
    s_with_steps(c, &seen);
    if (sales_order_can_read(crm_change_caller(c), &seen))
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

static void s_stamp(crm_change_t *c, void *rec)
{
    order_t *o = &s_row(rec)->o;
    o->updated_at_us = crm_change_now(c);
    s_with_steps(c, o);
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

void sales_order_emit_as(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b,
                         const char *as)
{
    const order_t *before = &((const order_row_t *)prev)->o;
    order_t *o = &s_row(rec)->o;
    char *changed[32], type[48];
    size_t n = crm_history_changed(&before->base, &o->base, s_unfollowed, changed, 32);
    snprintf(type, sizeof type, "order.%s", as ? as : crm_change_op(c)->action);
    sales_emit_order(b, type, o, crm_change_caller(c)->user_id, crm_change_reason(c), changed, n,
                     before);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    sales_order_emit_as(c, prev, rec, b, NULL);
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

void sales_order_single_reply(crm_change_t *c)
{
    crm_change_reply(c, &((order_row_t *)crm_change_record(c, 0))->o.base);
}

const crm_change_kind_t sales_order_kind = {
    .noun = "order",
    .lock = "order_lock_many",
    .size = sizeof(order_row_t),
    .decode = s_decode,
    .clear = s_clear,
    .read = s_read,
    .loaded = sales_steps_loaded,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = s_reply,
};

int sales_order_move(crm_change_t *c, order_t *o, sales_order_action_t action)
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
    if (sales_order_move(c, o, SALES_ORDER_EDIT) < 0)
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
                                            .reply = sales_order_single_reply};

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
    crm_change_run(&s->env, call, &sales_order_kind, &s_update_op, &req->id, 1, "", NULL);
}

/* ---- Void, Ship: its owner's side ------------------------------------------------------ */

/* Not while it has money: its payments rejected or refunded first. */
static int s_void_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    order_t *o = &s_row(rec)->o;
    if (sales_order_move(c, o, SALES_ORDER_VOID) < 0)
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
    if (sales_order_move(c, o, SALES_ORDER_SHIP) < 0)
        return -1;
    if (o->delivery_status == CRM__SALES__DELIVERY_STATUS__DELIVERY_STATUS_SHIPPED)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "delivery_status",
                                 "the order is shipped already (已发货)");
    o->delivery_status = CRM__SALES__DELIVERY_STATUS__DELIVERY_STATUS_SHIPPED;
    o->shipped_at_us = crm_change_now(c);
    return 0;
}

static const crm_change_op_t s_void_op = {.action = "voided",
                                          .ids_field = "id",
                                          .apply = s_void_apply,
                                          .reply = sales_order_single_reply};
static const crm_change_op_t s_ship_op = {.action = "shipped",
                                          .ids_field = "id",
                                          .apply = s_ship_apply,
                                          .reply = sales_order_single_reply};

static void s_act(crm_rpc_call_t *call, const Crm__Sales__OrderActionRequest *req, sales_t *s,
                  const crm_change_op_t *op, int reason_required)
{
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "reason", req->reason, 500, reason_required))
        return;
    crm_change_run(&s->env, call, &sales_order_kind, op, &req->id, 1, req->reason, NULL);
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
    if (sales_order_move(c, o, SALES_ORDER_TRANSFER) < 0 ||
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
    crm_change_run(&s->env, call, &sales_order_kind, &s_transfer_op, req->ids, req->n_ids,
                   req->reason, NULL);
}

void sales_order_kind_handlers(sales_t *s)
{
    s->handlers.update_order = s_update;
    s->handlers.void_order = s_void;
    s->handlers.ship_order = s_ship;
    s->handlers.transfer_orders = s_transfer;
}
