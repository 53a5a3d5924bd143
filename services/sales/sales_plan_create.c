/* sales_plan_create.c: CreatePaymentPlan (新建回款计划), a write transaction
 * of its own (crm/txn.h). Round 1 locks the order (FOR UPDATE: the
 * instalments of one order are decided one after another, so together
 * they never pass it), then reads what its live instalments come to and
 * their periods. It decides: the order seen by the caller's side and
 * approved; the period free (or the next one); the amount within what the
 * order leaves (else 409 naming amount and the figures); and writes the
 * instalment (its owner the order's), the matching of the order's
 * payments (sql/031: a new instalment may receive at once what no other
 * took), its history; then reads it back for payment_plan.created and the
 * reply. */
#include <stdlib.h>

#include "crm/check.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales_plan.h"

#define APPROVED CRM__SALES__ORDER_STATUS__ORDER_STATUS_APPROVED
#define PERIOD_MAX 1000

typedef struct {
    plan_t p;
    plan_t back; /* as read back after the writes */
    const Crm__Sales__CreatePaymentPlanRequest *req;
    const char *tz;
} create_t;

static void s_done(void *data)
{
    create_t *c = data;
    crm_rowmap_clear(&c->back.base);
    free(c);
}

static void s_read(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    char id[24], period[24];
    const char *p[] = {crm_i64(id, c->req->order_id), crm_i64(period, c->req->period)};
    crm_txn_read(t, "next_id", "SELECT nextval('payment_plans_id_seq'), crm_us(now())", 0, NULL);
    crm_txn_read(t, "order",
                 "SELECT d.customer_id, COALESCE(d.contract_id, 0), d.status, d.amount, d.owner_id,"
                 " d.department_id FROM orders d WHERE d.id = $1::bigint FOR UPDATE OF d",
                 1, p);
    /* After the lock: what its live instalments come to, its highest
     * period, whether the one asked for is taken. */
    crm_txn_read(t, "planned",
                 "SELECT COALESCE(sum(q.amount) FILTER (WHERE q.status <> 5), 0),"
                 " COALESCE(max(q.period), 0), count(*) FILTER (WHERE q.status <> 5 AND q.period ="
                 " $2::int) FROM payment_plans q WHERE q.order_id = $1::bigint",
                 2, p);
}

/* The order: seen by the caller's side, approved, with room for amount. */
static int s_order_ok(crm_txn_t *t, create_t *c)
{
    const PGresult *r = crm_txn_result(t, "order");
    int64_t order_id = c->req->order_id;
    if (PQntuples(r) == 0 || !crm_scope_allows(crm_txn_caller(t), crm_db_get_i64(r, 0, 4)))
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "order_id", "order %lld not found",
                              (long long)order_id);
    if (crm_db_get_i64(r, 0, 2) != APPROVED)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "order_id",
                              "order %lld is not approved (审批通过): payment plans are made for"
                              " approved orders",
                              (long long)order_id);
    const PGresult *planned = crm_txn_result(t, "planned");
    char msg[256];
    if (sales_plan_room(crm_db_get_i64(r, 0, 3), crm_db_get_i64(planned, 0, 0), c->p.amount, msg,
                        sizeof msg) < 0)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "amount", "%s", msg);
    if (crm_db_get_i64(planned, 0, 2) > 0)
        return crm_txn_refuse(t, CRM__STATUS__ALREADY_EXISTS, "period",
                              "order %lld has a live instalment %d already", (long long)order_id,
                              c->p.period);
    if (!c->p.period) {
        int64_t next = crm_db_get_i64(planned, 0, 1) + 1;
        if (next > PERIOD_MAX)
            return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "period",
                                  "an order has at most %d instalments", PERIOD_MAX);
        c->p.period = (int32_t)next;
    }
    c->p.customer_id = crm_db_get_i64(r, 0, 0);
    c->p.contract_id = crm_db_get_i64(r, 0, 1);
    c->p.owner_id = crm_db_get_i64(r, 0, 4);
    c->p.department_id = crm_db_get_i64(r, 0, 5);
    return 0;
}

/* Read back: the instalment as the matching left it, announced and replied. */
static int s_written(crm_txn_t *t, const crm_db_result_t *res)
{
    create_t *c = crm_txn_data(t);
    const PGresult *r = res->results[res->nresults - 1];
    crm__sales__payment_plan__init(&c->back);
    sales_row_to(r, 0, &c->back.base);
    sales_emit_plan(crm_txn_batch(t), "payment_plan.created", &c->back, c->p.creator_id, NULL, NULL,
                    0, 0);
    crm_txn_reply(t, &c->back.base);
    return 0;
}

static int s_decide(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    plan_t *p = &c->p;
    if (s_order_ok(t, c) < 0)
        return -1;
    const PGresult *next = crm_txn_result(t, "next_id");
    p->id = crm_db_get_i64(next, 0, 0);
    p->created_at_us = p->updated_at_us = crm_db_get_i64(next, 0, 1);
    crm_db_batch_t *b = crm_txn_batch(t);
    sales_plan_write(b, "payment_plan_insert", p, c->tz);
    sales_history_t h = {.kind = "payment_plan",
                         .record_id = p->id,
                         .action = "created",
                         .actor_id = p->creator_id,
                         .at_us = p->created_at_us,
                         .to_owner_id = p->owner_id};
    sales_store_history(b, &h);
    char id[24];
    const char *v[] = {crm_i64(id, p->id)};
    return crm_txn_then_writes(t, "payment_plan_get", 1, v, s_written);
}

static const crm_txn_op_t s_op = {.read = s_read, .decide = s_decide, .done = s_done};

static void s_create(crm_rpc_call_t *call, const Crm__Sales__CreatePaymentPlanRequest *req,
                     void *arg)
{
    sales_t *s = arg;
    crm_errs_t errs = {.n = 0};
    if (req->order_id <= 0)
        crm_errs_invalid(&errs, "order_id", "order_id is required");
    if (req->period < 0 || req->period > PERIOD_MAX)
        crm_errs_invalid(&errs, "period", "a period is 1 to %d (0: the next)", PERIOD_MAX);
    if (!sales_plan_check(call, &errs, 1, req->amount, req->due_date, 1, req->remind_days,
                          req->remark))
        return;
    create_t *c = crm_calloc(1, sizeof *c);
    plan_t *p = &c->p;
    crm__sales__payment_plan__init(p);
    crm__sales__payment_plan__init(&c->back);
    c->req = req;
    c->tz = s->tz;
    p->order_id = req->order_id;
    p->period = req->period;
    p->amount = req->amount;
    p->due_date = req->due_date;
    p->remind_days = req->remind_days;
    p->remark = req->remark;
    p->status = PLAN_STATUS(PENDING);
    p->creator_id = crm_rpc_call_caller(call)->user_id;
    crm_txn_run(&s->env, call, &s_op, c);
}

void sales_plan_create_handlers(sales_t *s)
{
    s->handlers.create_payment_plan = s_create;
}
