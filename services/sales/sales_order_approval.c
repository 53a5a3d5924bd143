/* sales_order_approval.c: an order's approval (审批): the order as a kind
 * of document that follows approval flows (sales_doc_approval.c), and its
 * routes: submit (without a flow, one level to the approver chosen or the
 * owner's supervisor, as before flows), approve, reject, withdraw. An
 * order keeps in its row the approver waiting (0: a role's holders; once
 * decided, who decided last), the last decision's comment and the
 * submission's and decision's times. */
#include "sales_approval.h"

#define PENDING CRM__SALES__ORDER_STATUS__ORDER_STATUS_PENDING

static void s_view(void *rec, sales_approval_view_t *v)
{
    order_t *o = &((order_row_t *)rec)->o;
    *v = (sales_approval_view_t){.id = o->id,
                                 .owner_id = o->owner_id,
                                 .steps = &o->approval_steps,
                                 .n_steps = &o->n_approval_steps,
                                 .approver_id = &o->approver_id,
                                 .comment = &o->approval_comment};
}

static void s_summary(void *rec)
{
    sales_order_approval_summary(&((order_row_t *)rec)->o);
}

static int s_can_read(const Crm__Caller *caller, const void *rec, approval_step_t *const *steps,
                      size_t n)
{
    order_t o = ((const order_row_t *)rec)->o;
    o.approval_steps = (approval_step_t **)steps;
    o.n_approval_steps = n;
    return sales_order_can_read(caller, &o);
}

static int s_move(crm_change_t *c, void *rec, sales_step_act_t act, int last)
{
    order_t *o = &((order_row_t *)rec)->o;
    static const sales_order_action_t actions[] = {
        [SALES_STEP_SUBMIT] = SALES_ORDER_SUBMIT,
        [SALES_STEP_APPROVE] = SALES_ORDER_APPROVE,
        [SALES_STEP_REJECT] = SALES_ORDER_REJECT,
        [SALES_STEP_WITHDRAW] = SALES_ORDER_WITHDRAW,
    };
    if (sales_order_move(c, o, actions[act]) < 0)
        return -1;
    if (act == SALES_STEP_APPROVE && !last) /* the next level waits */
        o->status = PENDING;
    if (act == SALES_STEP_SUBMIT) {
        o->submitted_at_us = crm_change_now(c);
        o->decided_at_us = 0;
    } else if (act != SALES_STEP_WITHDRAW) {
        o->decided_at_us = crm_change_now(c);
    }
    return 0;
}

static const sales_approval_kind_t s_kind = {
    .doc_kind = SALES_DOC_ORDER,
    .noun = "order",
    .kind = &sales_order_kind,
    .manager_sql = "SELECT crm_org_manager_of(owner_id) FROM orders WHERE id = $1::bigint",
    .one_level_without_flow = 1,
    .view = s_view,
    .summary = s_summary,
    .can_read = s_can_read,
    .move = s_move,
    .emit_as = sales_order_emit_as,
    .reply = sales_order_single_reply,
};

static void s_submit(crm_rpc_call_t *call, const Crm__Sales__SubmitOrderRequest *req, void *arg)
{
    sales_approval_ask_t ask;
    if (sales_submit_ask(call, &req->approver_id, req->approver_ids, req->n_approver_ids,
                         req->comment, NULL, &ask))
        sales_doc_submit(arg, call, &s_kind, req->id, &ask);
}

static void s_approve(crm_rpc_call_t *call, const Crm__Sales__DecideOrderRequest *req, void *arg)
{
    sales_approval_ask_t ask = {.comment = req->comment, .level = req->level};
    sales_doc_decide(arg, call, &s_kind, req->id, &ask, 1);
}

static void s_reject(crm_rpc_call_t *call, const Crm__Sales__DecideOrderRequest *req, void *arg)
{
    sales_approval_ask_t ask = {.comment = req->comment, .level = req->level};
    sales_doc_decide(arg, call, &s_kind, req->id, &ask, 0);
}

static void s_withdraw(crm_rpc_call_t *call, const Crm__Sales__OrderActionRequest *req, void *arg)
{
    sales_approval_ask_t ask = {.comment = req->reason};
    sales_doc_withdraw(arg, call, &s_kind, req->id, &ask);
}

void sales_order_approval_handlers(sales_t *s)
{
    s->handlers.submit_order = s_submit;
    s->handlers.approve_order = s_approve;
    s->handlers.reject_order = s_reject;
    s->handlers.withdraw_order = s_withdraw;
}
