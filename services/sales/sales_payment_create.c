/* sales_payment_create.c: CreatePayment (新建回款), a write transaction of
 * its own (crm/txn.h). Round 1 locks the order (FOR UPDATE: payments of one
 * order are decided one after another, so together they never pass it),
 * reads the business day and the owner named. It decides: the order read
 * by the caller's side, approved, with room for the amount (its amount
 * less what is paid and pending: else 409 naming amount and the
 * outstanding figure), the instalment it names (if any) one of the
 * order's live ones; and writes the payment (pending), the order's
 * pending amount, the history and payment.created. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/form.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_plan.h"
#include "sales_rules.h"

#define APPROVED CRM__SALES__ORDER_STATUS__ORDER_STATUS_APPROVED

typedef struct {
    payment_t p;
    const Crm__Sales__CreatePaymentRequest *req;
    const char *tz;
} create_t;

static void s_done(void *data)
{
    free(data);
}

static void s_read(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    char id[24];
    const char *p[] = {crm_i64(id, c->req->order_id)};
    const char *z[] = {c->tz};
    crm_txn_read(t, "next_id", "SELECT nextval('payments_id_seq'), crm_us(now())", 0, NULL);
    crm_txn_read(t, "order",
                 "SELECT d.id, d.customer_id, COALESCE(d.contract_id, 0), d.status, d.amount,"
                 " d.paid_amount, d.pending_payment_amount, d.owner_id, d.department_id,"
                 " d.approver_id, d.number, COALESCE((SELECT c.name FROM sales_customers c"
                 " WHERE c.id = d.customer_id), '') FROM orders d WHERE d.id = $1::bigint"
                 " FOR UPDATE OF d",
                 1, p);
    crm_txn_read(t, "today", "SELECT to_char(now() AT TIME ZONE $1, 'YYYY-MM-DD')", 1, z);
    if (c->req->plan_id)
        sales_read_payment_plan(t, c->req->plan_id);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "owner_id", c->req->owner_id);
    crm_org_read(t, "org", &refs);
}

/* The order: seen by the caller's side, approved, with room for amount. */
static int s_order_ok(crm_txn_t *t, create_t *c)
{
    const Crm__Caller *caller = crm_txn_caller(t);
    const PGresult *r = crm_txn_result(t, "order");
    int64_t order_id = c->req->order_id;
    if (PQntuples(r) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "order_id", "order %lld not found",
                              (long long)order_id);
    int64_t owner = crm_db_get_i64(r, 0, 7), approver = crm_db_get_i64(r, 0, 9);
    if (!crm_scope_allows(caller, owner)) {
        if (approver && approver == caller->user_id)
            return crm_txn_refuse(t, CRM__STATUS__PERMISSION_DENIED, "order_id",
                                  "payments of order %lld are recorded by its owner's side",
                                  (long long)order_id);
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "order_id", "order %lld not found",
                              (long long)order_id);
    }
    if (crm_db_get_i64(r, 0, 3) != APPROVED)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "order_id",
                              "order %lld is not approved (审批通过): payments are recorded for"
                              " approved orders",
                              (long long)order_id);
    int64_t amount = crm_db_get_i64(r, 0, 4), paid = crm_db_get_i64(r, 0, 5),
            pending = crm_db_get_i64(r, 0, 6);
    int64_t room = sales_payment_room(amount, paid, pending);
    if (c->p.amount > room)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "amount",
                              "the order's outstanding amount (待回款) is %lld (amount %lld, paid"
                              " %lld), %lld of it pending confirmation: at most %lld may be"
                              " recorded",
                              (long long)(amount - paid), (long long)amount, (long long)paid,
                              (long long)pending, (long long)room);
    c->p.customer_id = crm_db_get_i64(r, 0, 1);
    c->p.contract_id = crm_db_get_i64(r, 0, 2);
    c->p.order_number = (char *)crm_db_get(r, 0, 10);
    c->p.customer_name = (char *)crm_db_get(r, 0, 11);
    if (!c->p.owner_id) {
        c->p.owner_id = owner;
        c->p.department_id = crm_db_get_i64(r, 0, 8);
    }
    return 0;
}

static int s_decide(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    payment_t *p = &c->p;
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_txn_result(t, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    if (s_order_ok(t, c) < 0 || sales_payment_plan_ok(t, p->plan_id, p->order_id) < 0)
        return -1;
    if (c->req->owner_id)
        p->department_id = crm_org_department_of(org, "owner_id");
    if (!*p->paid_date)
        p->paid_date = (char *)crm_db_get(crm_txn_result(t, "today"), 0, 0);
    const PGresult *next = crm_txn_result(t, "next_id");
    p->id = crm_db_get_i64(next, 0, 0);
    p->created_at_us = p->updated_at_us = crm_db_get_i64(next, 0, 1);
    crm_db_batch_t *b = crm_txn_batch(t);
    sales_payment_write(b, "payment_insert", p);
    sales_payment_order_moves(b, p->order_id, 0, p->amount);
    sales_history_t h = {.kind = "payment",
                         .record_id = p->id,
                         .action = "created",
                         .actor_id = p->creator_id,
                         .at_us = p->created_at_us,
                         .to_owner_id = p->owner_id};
    sales_store_history(b, &h);
    sales_emit_payment(b, "payment.created", p, p->creator_id, NULL, 0, p->amount);
    crm_txn_reply(t, &p->base);
    return 0;
}

static const crm_txn_op_t s_op = {.read = s_read, .decide = s_decide, .done = s_done};

/* The request's own fields, every fault at once: 1, or fails call. */
static int s_check(crm_rpc_call_t *call, const Crm__Sales__CreatePaymentRequest *req)
{
    const crm_form_field_t f[] = {
        {.field = "paid_date", .value = req->paid_date, .kind = CRM_FORM_DATE, .max = 10},
        {.field = "payer_account", .value = req->payer_account, .kind = CRM_FORM_TEXT, .max = 100},
        {.field = "remark", .value = req->remark, .kind = CRM_FORM_TEXT, .max = 2000},
    };
    crm_errs_t errs = {.n = 0};
    crm_form_check(f, sizeof f / sizeof f[0], &errs);
    if (req->order_id <= 0)
        crm_errs_invalid(&errs, "order_id", "order_id is required");
    if (req->amount <= 0 || req->amount > SALES_AMOUNT_MAX)
        crm_errs_invalid(&errs, "amount", "a payment is 1 to 10^17 minor units");
    if (req->method < CRM__SALES__PAYMENT_METHOD__PAYMENT_METHOD_BANK_TRANSFER ||
        req->method > CRM__SALES__PAYMENT_METHOD__PAYMENT_METHOD_OTHER)
        crm_errs_invalid(&errs, "method",
                         "a method is required: bank_transfer, cash, cheque, other");
    if (req->owner_id < 0)
        crm_errs_invalid(&errs, "owner_id", "must not be negative");
    if (req->plan_id < 0)
        crm_errs_invalid(&errs, "plan_id", "must not be negative");
    if (errs.n)
        return crm_rpc_fail_errs(call, &errs);
    if (req->owner_id && !crm_scope_allows(crm_rpc_call_caller(call), req->owner_id)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "owner_id",
                     "you may not record payments for user %lld", (long long)req->owner_id);
        return 0;
    }
    return 1;
}

static void s_create(crm_rpc_call_t *call, const Crm__Sales__CreatePaymentRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!s_check(call, req))
        return;
    create_t *c = crm_calloc(1, sizeof *c);
    payment_t *p = &c->p;
    crm__sales__payment__init(p);
    c->req = req;
    c->tz = s->tz;
    p->order_id = req->order_id;
    p->amount = req->amount;
    p->paid_date = req->paid_date;
    p->method = req->method;
    p->payer_account = req->payer_account;
    p->remark = req->remark;
    p->status = CRM__SALES__PAYMENT_STATUS__PAYMENT_STATUS_PENDING;
    p->owner_id = req->owner_id;
    p->plan_id = req->plan_id;
    p->creator_id = crm_rpc_call_caller(call)->user_id;
    crm_txn_run(&s->env, call, &s_op, c);
}

void sales_payment_create_handlers(sales_t *s)
{
    s->handlers.create_payment = s_create;
}
