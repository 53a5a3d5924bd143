/* sales_plan_remind.c: payment plans' reminders, the pattern of stale
 * opportunities (sales_stale.c). The job "sales.plan_due" tells the owner
 * of each instalment not yet received whole that it falls due in its
 * remind days (payment_plan.due, a notification 回款计划即将到期), at the
 * start of that business day; "sales.plan_overdue" tells them, at the
 * start of the day after its due date, that it passed short of its amount
 * (payment_plan.overdue, 回款计划已逾期), and marks it overdue. Each once
 * per due date, never for a done or void instalment, nor one of an order
 * no longer approved. What each instalment is owed is kept in crm_pending
 * by sql/031's triggers, which also publish its times to the scheduler as
 * per-record timers, so each job fires at that minute; their own schedule
 * (every 10 minutes) is the sweep behind the timers. */
#include "crm/job.h"
#include "crm/outbox.h"
#include "crm/pending.h"
#include "crm/util.h"
#include "sales_plan.h"

/* How often the sweeps behind the timers run. */
#define SWEEP_S 600

/* An instalment of an approved order (r), its columns for the events. */
#define PLAN_OF_APPROVED_ORDER                                                                     \
    " AND EXISTS (SELECT 1 FROM orders d WHERE d.id = r.order_id AND d.status = 3)"
#define PLAN_REMINDER_COLS                                                                         \
    "r.id, r.order_id, (SELECT d.number FROM orders d WHERE d.id = r.order_id), r.customer_id,"    \
    " r.period, r.amount, r.received_amount, r.due_date::text, r.remind_days, r.owner_id"

/* Due: pending or partial (an overdue one is told as such). */
#define DUE_SQL                                                                                    \
    CRM_PENDING_TAKE_SQL("payment_plan.due", "payment_plans",                                      \
                         "r.status IN (1, 2)" PLAN_OF_APPROVED_ORDER, PLAN_REMINDER_COLS)
/* Overdue: not done, not void. */
#define OVERDUE_SQL                                                                                \
    CRM_PENDING_TAKE_SQL("payment_plan.overdue", "payment_plans",                                  \
                         "r.status IN (1, 2, 4)" PLAN_OF_APPROVED_ORDER, PLAN_REMINDER_COLS)

/* The events of a page of instalments taken (rows: PLAN_REMINDER_COLS,
 * then due_at_us). */
static void s_page(const char *type, const PGresult *rows, crm_db_batch_t *b)
{
    int due_at = PQfnumber(rows, "due_at_us");
    crm_outbox_many_t *m = crm_outbox_many_begin(b, type);
    for (int i = 0; i < PQntuples(rows); i++) {
        if (crm_pending_skip(rows, i))
            continue;
        Crm__Events__PaymentPlanReminder ev = CRM__EVENTS__PAYMENT_PLAN_REMINDER__INIT;
        ev.plan_id = crm_db_get_i64(rows, i, 0);
        ev.order_id = crm_db_get_i64(rows, i, 1);
        ev.order_number = (char *)crm_db_get(rows, i, 2);
        ev.customer_id = crm_db_get_i64(rows, i, 3);
        ev.period = (int32_t)crm_db_get_i64(rows, i, 4);
        ev.amount = crm_db_get_i64(rows, i, 5);
        ev.received_amount = crm_db_get_i64(rows, i, 6);
        ev.due_date = (char *)crm_db_get(rows, i, 7);
        ev.remind_days = (int32_t)crm_db_get_i64(rows, i, 8);
        ev.owner_id = crm_db_get_i64(rows, i, 9);
        ev.due_at_us = crm_db_get_i64(rows, i, due_at);
        crm_outbox_many_put(m, crm_db_get(rows, i, 0), &ev.base);
    }
    crm_outbox_many_end(&m);
}

static void s_due_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    s_page("payment_plan.due", rows, b);
}

/* Whatever is past its overdue time unreceived is overdue from the
 * firing's time (sql/031's rule; along a partial index of the open ones).
 * A row another transaction holds is skipped: that transaction (a
 * payment's, an edit's) sets its status by the same rule as it commits. */
static void s_overdue_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    s_page("payment_plan.overdue", rows, b);
    char at[24];
    const char *v[] = {crm_i64(at, crm_job_fired_at_us(arg))};
    crm_db_batch_add(b,
                     "UPDATE payment_plans q SET status = 4 WHERE q.id IN (SELECT l.id FROM"
                     " payment_plans l WHERE l.status IN (1, 2) AND l.overdue_at <= GREATEST(now(),"
                     " crm_ts($1::bigint)) FOR UPDATE SKIP LOCKED)",
                     1, v);
}

static void s_due_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    crm_pending_take(run, DUE_SQL, s_due_page);
}

static void s_overdue_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    crm_pending_take(run, OVERDUE_SQL, s_overdue_page);
}

void sales_plan_remind_start(sales_t *s)
{
    crm_job_declare(s->svc, "sales.plan_due", CRM_EVERY(SWEEP_S), s_due_job, s);
    crm_job_declare(s->svc, "sales.plan_overdue", CRM_EVERY(SWEEP_S), s_overdue_job, s);
}
