/* sales_plan_store.c: the payment plans' SQL (sql/031): the lock (the
 * orders' rows first), one INSERT and one UPDATE that carry every column
 * the service writes (the reminder and overdue times computed from the
 * due date in the business time zone), the matching of the order's
 * payments to its instalments after each write, the events
 * (payment_plan.<action>), who reads an instalment, its checks, and the
 * room an order leaves for one more. */
#include <stdio.h>
#include <string.h>

#include "crm/form.h"
#include "crm/outbox.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales_plan.h"
#include "sales_rules.h"

#define PLAN_WRITE                                                                                 \
    "order_id, customer_id, contract_id, period, amount, due_date, remind_days, remark, status,"   \
    " remind_at, overdue_at, void_reason, voided_at, owner_id, department_id, creator_id,"         \
    " updated_at"
/* $17 the business time zone: a reminder at 00:00 of its day there. */
#define PLAN_VALUES                                                                                \
    "$2::bigint, $3::bigint, NULLIF($4::bigint, 0), $5::int, $6::bigint, $7::date, $8::int, $9,"   \
    " $10::smallint, ($7::date - $8::int)::timestamp AT TIME ZONE $17::text,"                      \
    " ($7::date + 1)::timestamp AT TIME ZONE $17::text, $11, crm_ts($12::bigint), $13::bigint,"    \
    " $14::bigint, $15::bigint, crm_ts($16::bigint)"

void sales_plans_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "payment_plan_get",
                   "SELECT " SALES_PLAN_COLUMNS " FROM payment_plans q WHERE q.id = $1::bigint");
    crm_db_prepare(db, "payment_plan_lock_many",
                   "SELECT " SALES_PLAN_COLUMNS " FROM payment_plans_lock($1::bigint[]) q"
                   " ORDER BY q.id");
    /* $18: created_at. */
    crm_db_prepare(db, "payment_plan_insert",
                   "INSERT INTO payment_plans (id, " PLAN_WRITE ", created_at) VALUES ($1::bigint, "
                   "" PLAN_VALUES ", crm_ts($18::bigint))");
    crm_db_prepare(db, "payment_plan_save",
                   "UPDATE payment_plans SET (" PLAN_WRITE ") = (" PLAN_VALUES
                   ") WHERE id = $1::bigint");
    crm_db_prepare(db, "payment_plans_apply", "SELECT payment_plans_apply($1::bigint, now())");
}

void sales_plan_write(crm_db_batch_t *b, const char *stmt, const plan_t *p, const char *tz)
{
    char n[14][24];
    const char *v[] = {crm_i64(n[0], p->id),
                       crm_i64(n[1], p->order_id),
                       crm_i64(n[2], p->customer_id),
                       crm_i64(n[3], p->contract_id),
                       crm_i64(n[4], p->period),
                       crm_i64(n[5], p->amount),
                       p->due_date,
                       crm_i64(n[6], p->remind_days),
                       p->remark,
                       crm_i64(n[7], p->status),
                       p->void_reason,
                       crm_i64(n[8], p->voided_at_us),
                       crm_i64(n[9], p->owner_id),
                       crm_i64(n[10], p->department_id),
                       crm_i64(n[11], p->creator_id),
                       crm_i64(n[12], p->updated_at_us),
                       tz && *tz ? tz : "UTC",
                       crm_i64(n[13], p->created_at_us)};
    crm_db_batch_add(b, stmt, strcmp(stmt, "payment_plan_insert") == 0 ? 18 : 17, v);
    const char *o[] = {n[1]};
    crm_db_batch_add(b, "payment_plans_apply", 1, o);
}

void sales_emit_plan(crm_db_batch_t *b, const char *type, plan_t *p, int64_t by, const char *reason,
                     char **changed, size_t n, int from_status)
{
    Crm__Events__PaymentPlanChanged ev = CRM__EVENTS__PAYMENT_PLAN_CHANGED__INIT;
    ev.plan = p;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.changed_fields = changed;
    ev.n_changed_fields = n;
    ev.from_status = (Crm__Sales__PaymentPlanStatus)from_status;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, p->id), &ev.base);
}

int sales_plan_can_read(const Crm__Caller *caller, const plan_t *p)
{
    return crm_scope_allows(caller, p->owner_id);
}

int sales_plan_check(crm_rpc_call_t *call, crm_errs_t *errs, int has_amount, int64_t amount,
                     const char *due_date, int has_remind_days, int32_t remind_days,
                     const char *remark)
{
    const crm_form_field_t f[] = {
        {.field = "due_date", .value = due_date, .kind = CRM_FORM_DATE, .max = 10, .required = 1},
        {.field = "remark", .value = remark, .kind = CRM_FORM_TEXT, .max = 2000},
    };
    crm_form_check(f, sizeof f / sizeof f[0], errs);
    if (has_amount && (amount <= 0 || amount > SALES_AMOUNT_MAX))
        crm_errs_invalid(errs, "amount", "an instalment is 1 to 10^17 minor units");
    if (has_remind_days && (remind_days < 0 || remind_days > SALES_PLAN_REMIND_MAX))
        crm_errs_invalid(errs, "remind_days", "0 to %d days before the due date",
                         SALES_PLAN_REMIND_MAX);
    if (errs->n)
        return crm_rpc_fail_errs(call, errs);
    return 1;
}

int sales_plan_room(int64_t order_amount, int64_t planned, int64_t amount, char *msg, size_t size)
{
    if (planned <= order_amount && amount <= order_amount - planned)
        return 0;
    int64_t room = planned < order_amount ? order_amount - planned : 0;
    snprintf(msg, size,
             "the order's instalments would come to %lld, above its amount %lld (%lld planned in"
             " its other instalments): at most %lld",
             (long long)(planned + amount), (long long)order_amount, (long long)planned,
             (long long)room);
    return -1;
}

void sales_read_payment_plan(crm_txn_t *t, int64_t id)
{
    char v[24];
    const char *p[] = {crm_i64(v, id)};
    crm_txn_read(t, "plan",
                 "SELECT q.order_id, q.status FROM payment_plans q WHERE q.id = $1::bigint", 1, p);
}

int sales_payment_plan_ok(crm_txn_t *t, int64_t id, int64_t order_id)
{
    if (!id)
        return 0;
    const PGresult *r = crm_txn_result(t, "plan");
    if (PQntuples(r) == 0 || crm_db_get_i64(r, 0, 0) != order_id)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "plan_id",
                              "instalment %lld is not one of order %lld's", (long long)id,
                              (long long)order_id);
    if (crm_db_get_i64(r, 0, 1) == PLAN_STATUS(VOID))
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "plan_id",
                              "instalment %lld is void", (long long)id);
    return 0;
}
