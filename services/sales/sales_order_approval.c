/* sales_order_approval.c: an order's approval (审批) as ops of the order
 * kind (sales_order_kind): submit, approve, reject, withdraw.
 *
 * Submit resolves the levels of the flow configured for the order's
 * department (sales_approval_flow_for: its own, the nearest above, the
 * company's), else one level to the approver chosen or the owner's
 * supervisor, into steps written with the order (sql/050): a later edit
 * of the flow leaves them as they are. Approve decides the level waiting:
 * the next then waits (order.approval_advanced, its approver told), the
 * last approves the order (order.approved). Reject ends it at any level
 * (order.rejected); withdraw (撤回) takes it back to a draft. Only the
 * level waiting's approver decides (a named user, or a holder of its role
 * but the owner); a request naming a level that is no longer the one
 * waiting is refused, so two holders of a role deciding at once move it
 * once: the order's row lock orders them, and the steps are read after it.
 * Each decision is a history entry: who, when, the comment, and the level
 * in its detail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales_approval.h"

#define PENDING CRM__SALES__ORDER_STATUS__ORDER_STATUS_PENDING

static order_t *s_order(void *rec)
{
    return &((order_row_t *)rec)->o;
}

/* The order's steps copied for the change, or, for an order submitted
 * before flows existed (pending without steps), its one approver's. */
static approval_step_t **s_steps(crm_change_t *c, order_t *o, size_t *n)
{
    approval_step_t **read = sales_order_steps(c, o->id, n);
    if (*n || o->status != PENDING)
        return sales_steps_copy(c, read, *n);
    approval_step_t *one = crm_change_keep(c, crm_calloc(1, sizeof *one));
    crm__sales__approval_step__init(one);
    one->level = 1;
    one->approver = CRM__SALES__APPROVER_KIND__APPROVER_KIND_CHOSEN;
    one->approver_id = o->approver_id;
    one->decision = CRM__SALES__APPROVAL_DECISION__APPROVAL_DECISION_WAITING;
    *n = 1;
    return sales_steps_copy(c, &one, 1);
}

static void s_set_steps(order_t *o, approval_step_t **steps, size_t n)
{
    o->approval_steps = steps;
    o->n_approval_steps = n;
    sales_order_approval_summary(o);
}

static void s_write_steps(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)c;
    (void)prev;
    const order_t *o = s_order(rec);
    sales_steps_write(b, SALES_DOC_ORDER, o->id, o->approval_steps, o->n_approval_steps);
}

/* ---- SubmitOrder ------------------------------------------------------------------ */

/* The approvers the submitter chose, and the request field that gave them. */
static void s_chosen(const Crm__Sales__SubmitOrderRequest *req, sales_approval_facts_t *f)
{
    if (req->n_approver_ids) {
        f->chosen = req->approver_ids;
        f->n_chosen = req->n_approver_ids;
        f->chosen_field = "approver_ids";
    } else {
        f->chosen = req->approver_id ? &req->approver_id : NULL;
        f->n_chosen = req->approver_id ? 1 : 0;
        f->chosen_field = "approver_id";
    }
}

static void s_submit_read(crm_change_t *c)
{
    const Crm__Sales__SubmitOrderRequest *req = crm_change_request(c);
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_change_read(c, "manager",
                    "SELECT crm_org_manager_of(owner_id) FROM orders WHERE id = $1::bigint", 1, p);
    sales_approval_facts_t f;
    s_chosen(req, &f);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_users(refs, f.chosen_field, f.chosen, f.n_chosen);
    crm_org_read(crm_change_txn(c), "org", &refs);
    sales_read_doc_flow(crm_change_txn(c), SALES_DOC_ORDER, req->id);
}

/* Resolves the order's levels into steps (kept by the change): 0, or -1
 * after refusing. */
static int s_resolve(crm_change_t *c, order_t *o, approval_step_t ***out, size_t *n)
{
    const Crm__Sales__SubmitOrderRequest *req = crm_change_request(c);
    const PGresult *m = crm_change_result(c, "manager");
    int64_t inactive;
    Crm__Sales__ApprovalFlow *flow = sales_doc_flow_of(crm_change_txn(c), &inactive);
    if (flow && inactive) {
        int64_t id = flow->id;
        sales_approval_flow_free(flow);
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "id",
                                 "approval flow %lld names user %lld, who is deactivated: an"
                                 " admin changes the flow",
                                 (long long)id, (long long)inactive);
    }
    sales_approval_facts_t f = {.owner_id = o->owner_id,
                                .manager_id = PQntuples(m) ? crm_db_get_i64(m, 0, 0) : 0,
                                .flow_id = flow ? flow->id : 0,
                                .noun = "order"};
    s_chosen(req, &f);
    *n = flow ? flow->n_levels : 1;
    approval_step_t *steps = crm_change_keep(c, crm_calloc(*n, sizeof *steps));
    approval_step_t **ptrs = crm_change_keep(c, crm_calloc(*n + 1, sizeof *ptrs));
    for (size_t i = 0; i < *n; i++) {
        crm__sales__approval_step__init(&steps[i]);
        ptrs[i] = &steps[i];
    }
    crm_err_t err;
    int rc = sales_approval_resolve(flow ? flow->levels : NULL, flow ? flow->n_levels : 0, &f,
                                    steps, &err);
    for (size_t i = 0; rc == 0 && i < *n; i++) { /* their strings were the flow's */
        steps[i].name = crm_change_keep(c, crm_strdup(steps[i].name));
        steps[i].role = crm_change_keep(c, crm_strdup(steps[i].role));
    }
    sales_approval_flow_free(flow);
    if (rc < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    *out = ptrs;
    return 0;
}

static int s_submit_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    order_t *o = s_order(rec);
    crm_errs_t errs = {.n = 0};
    if (sales_order_move(c, o, SALES_ORDER_SUBMIT) < 0)
        return -1;
    if (crm_org_check(crm_change_result(c, "org"), &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    approval_step_t **steps;
    size_t n;
    if (s_resolve(c, o, &steps, &n) < 0)
        return -1;
    s_set_steps(o, steps, n);
    o->approver_id = steps[0]->approver_id;
    o->approval_comment = "";
    o->submitted_at_us = crm_change_now(c);
    o->decided_at_us = 0;
    char *detail =
        crm_sprintf("{\"levels\": %zu, \"flow_id\": %lld}", n, (long long)o->approval_flow_id);
    crm_change_detail(c, detail);
    free(detail);
    return 0;
}

static const crm_change_op_t s_submit_op = {.action = "submitted",
                                            .ids_field = "id",
                                            .read = s_submit_read,
                                            .apply = s_submit_apply,
                                            .write = s_write_steps,
                                            .reply = sales_order_single_reply};

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
    if (req->n_approver_ids && req->approver_id) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "approver_id",
                     "give approver_ids or approver_id, not both");
        return;
    }
    if (req->n_approver_ids && !crm_change_check_ids(call, "approver_ids", req->approver_ids,
                                                     req->n_approver_ids, SALES_FLOW_LEVELS_MAX))
        return;
    crm_change_run(&s->env, call, &sales_order_kind, &s_submit_op, &req->id, 1, req->comment, NULL);
}

/* ---- ApproveOrder, RejectOrder: the level waiting's approver --------------------------- */

/* Who decides step s, in words. */
static void s_who(const approval_step_t *s, char *out, size_t cap)
{
    if (s->approver == CRM__SALES__APPROVER_KIND__APPROVER_KIND_ROLE)
        snprintf(out, cap, "a holder of role %s but its owner", s->role);
    else
        snprintf(out, cap, "user %lld", (long long)s->approver_id);
}

/* Only the approver of the level waiting; one who reads an order that is
 * not pending is told its status (by the table, in apply); a level named
 * that is not the one waiting is decided already. */
static int s_may_decide(crm_change_t *c, const void *rec)
{
    order_t o = ((const order_row_t *)rec)->o;
    const Crm__Caller *caller = crm_change_caller(c);
    const Crm__Sales__DecideOrderRequest *req = crm_change_request(c);
    o.approval_steps = sales_order_steps(c, o.id, &o.n_approval_steps);
    if (!sales_order_can_read(caller, &o))
        return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
    if (o.status != PENDING)
        return 0;
    size_t n;
    approval_step_t **steps = s_steps(c, &o, &n);
    int w = sales_approval_waiting(steps, n);
    if (w < 0) /* a bug: a pending order waits on a level */
        return crm_change_refuse(c, CRM__STATUS__INTERNAL, NULL, "no level is waiting");
    const approval_step_t *s = steps[w];
    if (req->level && req->level != s->level)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "level",
                                 "level %d is decided already: level %d of %zu waits", req->level,
                                 s->level, n);
    if (sales_approval_is_approver(s, caller->user_id, sales_role_word(caller->role), o.owner_id))
        return 0;
    char who[96];
    s_who(s, who, sizeof who);
    return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                             "level %d of %zu waits on %s: only they approve or reject it",
                             s->level, n, who);
}

static int s_decide(crm_change_t *c, void *rec, sales_order_action_t action)
{
    order_t *o = s_order(rec);
    const Crm__Sales__DecideOrderRequest *req = crm_change_request(c);
    if (sales_order_move(c, o, action) < 0)
        return -1;
    size_t n;
    approval_step_t **steps = s_steps(c, o, &n);
    int last;
    int w = sales_approval_decide(
        steps, n, action == SALES_ORDER_APPROVE ? SALES_APPROVAL_APPROVE : SALES_APPROVAL_REJECT,
        crm_change_caller(c)->user_id, req->comment, crm_change_now(c), &last);
    if (!last) /* the next level waits */
        o->status = PENDING;
    s_set_steps(o, steps, n);
    o->approver_id = last ? crm_change_caller(c)->user_id : steps[w + 1]->approver_id;
    o->approval_comment = req->comment;
    o->decided_at_us = crm_change_now(c);
    char *detail = crm_sprintf("{\"level\": %d, \"levels\": %zu, \"final\": %s}", w + 1, n,
                               last ? "true" : "false");
    crm_change_detail(c, detail);
    free(detail);
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

/* order.approved once the last level is; before, order.approval_advanced. */
static void s_approve_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    sales_order_emit_as(c, prev, rec, b,
                        s_order(rec)->status == PENDING ? "approval_advanced" : NULL);
}

static const crm_change_op_t s_approve_op = {.action = "approved",
                                             .ids_field = "id",
                                             .may_act = s_may_decide,
                                             .apply = s_approve_apply,
                                             .write = s_write_steps,
                                             .emit = s_approve_emit,
                                             .reply = sales_order_single_reply};
static const crm_change_op_t s_reject_op = {.action = "rejected",
                                            .ids_field = "id",
                                            .may_act = s_may_decide,
                                            .apply = s_reject_apply,
                                            .write = s_write_steps,
                                            .reply = sales_order_single_reply};

static void s_decision(crm_rpc_call_t *call, const Crm__Sales__DecideOrderRequest *req, sales_t *s,
                       const crm_change_op_t *op, int comment_required)
{
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "comment", req->comment, 500, comment_required))
        return;
    if (req->level < 0 || req->level > SALES_FLOW_LEVELS_MAX) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "level",
                     "a level is 1 to %d, or 0: the one waiting", SALES_FLOW_LEVELS_MAX);
        return;
    }
    crm_change_run(&s->env, call, &sales_order_kind, op, &req->id, 1, req->comment, NULL);
}

static void s_approve(crm_rpc_call_t *call, const Crm__Sales__DecideOrderRequest *req, void *arg)
{
    s_decision(call, req, arg, &s_approve_op, 0);
}

static void s_reject(crm_rpc_call_t *call, const Crm__Sales__DecideOrderRequest *req, void *arg)
{
    s_decision(call, req, arg, &s_reject_op, 1);
}

/* ---- WithdrawOrder: its owner's side --------------------------------------------------- */

static int s_withdraw_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    order_t *o = s_order(rec);
    size_t n;
    approval_step_t **steps = s_steps(c, o, &n);
    if (sales_order_move(c, o, SALES_ORDER_WITHDRAW) < 0)
        return -1;
    int last;
    int w = sales_approval_decide(steps, n, SALES_APPROVAL_WITHDRAW, 0, NULL, 0, &last);
    s_set_steps(o, steps, n);
    if (w >= 0) {
        char *detail = crm_sprintf("{\"level\": %d, \"levels\": %zu}", w + 1, n);
        crm_change_detail(c, detail);
        free(detail);
    }
    return 0;
}

static const crm_change_op_t s_withdraw_op = {.action = "withdrawn",
                                              .ids_field = "id",
                                              .apply = s_withdraw_apply,
                                              .write = s_write_steps,
                                              .reply = sales_order_single_reply};

static void s_withdraw(crm_rpc_call_t *call, const Crm__Sales__OrderActionRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!crm_check_id(call, "id", req->id) || !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    crm_change_run(&s->env, call, &sales_order_kind, &s_withdraw_op, &req->id, 1, req->reason,
                   NULL);
}

void sales_order_approval_handlers(sales_t *s)
{
    s->handlers.submit_order = s_submit;
    s->handlers.approve_order = s_approve;
    s->handlers.reject_order = s_reject;
    s->handlers.withdraw_order = s_withdraw;
}
