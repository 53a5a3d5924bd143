/* sales_plan.h: payment plans (回款计划): the instalments of an approved
 * order (sql/031), their SQL and events (sales_plan_store.c), create
 * (sales_plan_create.c), edit and void (sales_plan_kind.c), reads
 * (sales_plan_list.c) and their owners' reminders (sales_plan_remind.c).
 * A floor above sales.h's, beside the payments'. */
#ifndef SALES_PLAN_H
#define SALES_PLAN_H

#include "sales.h"

typedef Crm__Sales__PaymentPlan plan_t;
#define PLAN_STATUS(x) CRM__SALES__PAYMENT_PLAN_STATUS__PAYMENT_PLAN_STATUS_##x

/* The columns every read of payment_plans q selects, each named after its
 * field of plan_t (crm/rowmap.h). */
#define SALES_PLAN_COLUMNS                                                                         \
    "q.id, q.order_id, (SELECT d.number FROM orders d WHERE d.id = q.order_id) AS order_number,"   \
    " q.customer_id, COALESCE((SELECT c.name FROM sales_customers c WHERE c.id ="                  \
    " q.customer_id), '') AS customer_name, COALESCE(q.contract_id, 0) AS contract_id, q.period,"  \
    " q.amount, q.due_date::text AS due_date, q.remind_days, q.remark, q.status,"                  \
    " q.received_amount, crm_us(q.remind_at) AS remind_at_us, crm_us(q.overdue_at) AS"             \
    " overdue_at_us, q.void_reason, crm_us(q.voided_at) AS voided_at_us, q.owner_id,"              \
    " q.department_id, q.creator_id, crm_us(q.created_at) AS created_at_us, crm_us(q.updated_at)"  \
    " AS updated_at_us"

/* The most days ahead a reminder may be (remind_days). */
#define SALES_PLAN_REMIND_MAX 365

void sales_plans_prepare(crm_db_t *db);
/* Adds "payment_plan_insert" or "payment_plan_save" of p's columns (its
 * reminder and overdue times from its due date in zone tz); then the
 * matching of its order's payments to its instalments (sql/031). */
void sales_plan_write(crm_db_batch_t *b, const char *stmt, const plan_t *p, const char *tz);
/* payment_plan.<action> about p (from_status: before; 0 a creation). */
void sales_emit_plan(crm_db_batch_t *b, const char *type, plan_t *p, int64_t by, const char *reason,
                     char **changed, size_t n, int from_status);
/* Who reads, edits and voids an instalment: its owner's side. */
int sales_plan_can_read(const Crm__Caller *caller, const plan_t *p);
/* Checks the typed fields given (NULL, or has_* 0: not given), every fault
 * at once with those errs holds already. 1 if fine, else fails call. */
int sales_plan_check(crm_rpc_call_t *call, crm_errs_t *errs, int has_amount, int64_t amount,
                     const char *due_date, int has_remind_days, int32_t remind_days,
                     const char *remark);
/* Whether amount fits beside the order's other live instalments (planned)
 * under its amount: 0, or -1 with the refusal's words in msg, the figures
 * named (the caller refuses on "amount"). */
int sales_plan_room(int64_t order_amount, int64_t planned, int64_t amount, char *msg, size_t size);

/* A payment naming its instalment (CreatePayment's plan_id): adds to t's
 * round the read "plan" of instalment id; during decide, 0 when id is 0 or
 * a live instalment of order_id, else -1 after refusing naming plan_id. */
void sales_read_payment_plan(crm_txn_t *t, int64_t id);
int sales_payment_plan_ok(crm_txn_t *t, int64_t id, int64_t order_id);

void sales_plan_create_handlers(sales_t *s); /* CreatePaymentPlan */
void sales_plan_kind_handlers(sales_t *s);   /* UpdatePaymentPlan, VoidPaymentPlan */
void sales_plan_list_handlers(sales_t *s);   /* Get, List, History */
/* Declares sales.plan_due and sales.plan_overdue (payment_plan.due, .overdue). */
void sales_plan_remind_start(sales_t *s);

#endif
