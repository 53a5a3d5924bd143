/* sales_plan_kind.c: the payment plan's instalment as a record kind of the
 * change engine (crm/change.h): locked after its order's row (sql/031's
 * payment_plans_lock, the order a payment's matching locks first too),
 * acted on by its owner's side (to others it does not exist), saved with
 * its history entry and the matching of its order's payments again, read
 * back (what it received and its status) and announced
 * (payment_plan.<action>) in the change's transaction. Its ops: an edit by
 * merge patch (amount, due date, remind days, remark: a live instalment of
 * an approved order, the order's instalments never above its amount), and
 * void (作废, a reason required; final). */
#include <stdio.h>
#include <stdlib.h>

#include "crm/check.h"
#include "crm/history.h"
#include "crm/mask.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "sales_plan.h"

#define APPROVED CRM__SALES__ORDER_STATUS__ORDER_STATUS_APPROVED

static crm_history_skip_t s_unfollowed = {
    "id",           "creator_id",      "created_at", "updated_at", "customer_name",
    "order_number", "received_amount", "remind_at",  "overdue_at", NULL,
};

static void s_decode(const PGresult *r, int row, void *rec)
{
    plan_t *p = rec;
    crm__sales__payment_plan__init(p);
    sales_row_to(r, row, &p->base);
}

static void s_clear(void *rec)
{
    crm_rowmap_clear(&((plan_t *)rec)->base);
}

static int s_may_act(crm_change_t *c, const void *rec)
{
    if (sales_plan_can_read(crm_change_caller(c), rec))
        return 0;
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((plan_t *)rec)->updated_at_us = crm_change_now(c);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const plan_t *before = prev, *p = rec;
    const sales_t *s = crm_change_ctx(c);
    sales_plan_write(b, "payment_plan_save", p, s->tz);
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &p->base, s_unfollowed);
    sales_change_history(c, b, "payment_plan", p->id, detail, before->owner_id, p->owner_id);
    free(detail);
}

/* What the matching and the times derived from the save. */
static void s_refresh(crm_change_t *c, void *rec, const PGresult *r, int row)
{
    (void)c;
    sales_row_to(r, row, &((plan_t *)rec)->base);
}

static int s_derives(const void *prev, const void *rec)
{
    (void)prev;
    (void)rec;
    return 1;
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const plan_t *before = prev;
    char *changed[32], type[48];
    size_t n =
        crm_history_changed(&before->base, &((plan_t *)rec)->base, s_unfollowed, changed, 32);
    snprintf(type, sizeof type, "payment_plan.%s", crm_change_op(c)->action);
    sales_emit_plan(b, type, rec, crm_change_caller(c)->user_id, crm_change_reason(c), changed, n,
                    before->status);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

static void s_reply(crm_change_t *c)
{
    crm_change_reply(c, &((plan_t *)crm_change_record(c, 0))->base);
}

static const crm_change_kind_t s_kind = {
    .noun = "payment_plan",
    .lock = "payment_plan_lock_many",
    .size = sizeof(plan_t),
    .decode = s_decode,
    .clear = s_clear,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = s_reply,
    .reread = "SELECT q.id, q.status, q.received_amount, crm_us(q.remind_at) AS remind_at_us,"
              " crm_us(q.overdue_at) AS overdue_at_us FROM payment_plans q"
              " WHERE q.id = ANY($1::bigint[])",
    .refresh = s_refresh,
    .derives = s_derives,
};

/* 0 if p is live, else -1 after refusing. */
static int s_live(crm_change_t *c, const plan_t *p)
{
    if (p->status == PLAN_STATUS(VOID))
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "status",
                                 "a voided instalment is final");
    return 0;
}

/* ---- UpdatePaymentPlan ---------------------------------------------------------------- */

static const char *const s_editable[] = {"amount", "due_date", "remind_days", "remark", NULL};

static int s_in_mask(const Crm__Sales__UpdatePaymentPlanRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

/* After the lock: its order, and what its other live instalments come to. */
static void s_update_read(crm_change_t *c)
{
    const Crm__Sales__UpdatePaymentPlanRequest *req = crm_change_request(c);
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_change_read(c, "order",
                    "SELECT d.id, d.status, d.amount, COALESCE((SELECT sum(q.amount) FROM"
                    " payment_plans q WHERE q.order_id = d.id AND q.status <> 5 AND q.id <>"
                    " $1::bigint), 0) FROM orders d WHERE d.id = (SELECT q.order_id FROM"
                    " payment_plans q WHERE q.id = $1::bigint)",
                    1, p);
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    plan_t *p = rec;
    const Crm__Sales__UpdatePaymentPlanRequest *req = crm_change_request(c);
    if (s_live(c, p) < 0)
        return -1;
    const PGresult *r = crm_change_result(c, "order");
    if (PQntuples(r) == 0 || crm_db_get_i64(r, 0, 1) != APPROVED)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "order_id",
                                 "order %lld is not approved (审批通过): its instalments are"
                                 " not edited",
                                 (long long)p->order_id);
    if (s_in_mask(req, "amount")) {
        char msg[256];
        if (sales_plan_room(crm_db_get_i64(r, 0, 2), crm_db_get_i64(r, 0, 3), req->amount, msg,
                            sizeof msg) < 0)
            return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "amount", "%s", msg);
        p->amount = req->amount;
    }
    if (s_in_mask(req, "due_date"))
        p->due_date = req->due_date;
    if (s_in_mask(req, "remind_days"))
        p->remind_days = req->remind_days;
    if (s_in_mask(req, "remark"))
        p->remark = req->remark;
    return 0;
}

static const crm_change_op_t s_update_op = {
    .action = "updated", .ids_field = "id", .read = s_update_read, .apply = s_update_apply};

static void s_update(crm_rpc_call_t *call, const Crm__Sales__UpdatePaymentPlanRequest *req,
                     void *arg)
{
    sales_t *s = arg;
    crm_err_t err;
    if (!crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    crm_errs_t errs = {.n = 0};
    if (!sales_plan_check(call, &errs, s_in_mask(req, "amount"), req->amount,
                          s_in_mask(req, "due_date") ? req->due_date : NULL,
                          s_in_mask(req, "remind_days"), req->remind_days,
                          s_in_mask(req, "remark") ? req->remark : NULL))
        return;
    crm_change_run(&s->env, call, &s_kind, &s_update_op, &req->id, 1, "", NULL);
}

/* ---- VoidPaymentPlan ------------------------------------------------------------------ */

static int s_void_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    plan_t *p = rec;
    if (s_live(c, p) < 0)
        return -1;
    p->status = PLAN_STATUS(VOID);
    p->void_reason = (char *)crm_change_reason(c);
    p->voided_at_us = crm_change_now(c);
    return 0;
}

static const crm_change_op_t s_void_op = {
    .action = "voided", .ids_field = "id", .apply = s_void_apply};

static void s_void(crm_rpc_call_t *call, const Crm__Sales__VoidPaymentPlanRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!crm_check_id(call, "id", req->id) || !crm_check_text(call, "reason", req->reason, 500, 1))
        return;
    crm_change_run(&s->env, call, &s_kind, &s_void_op, &req->id, 1, req->reason, NULL);
}

void sales_plan_kind_handlers(sales_t *s)
{
    s->handlers.update_payment_plan = s_update;
    s->handlers.void_payment_plan = s_void;
}
