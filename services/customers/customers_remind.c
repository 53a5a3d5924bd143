/* customers_remind.c: the "customers.remind" job (every minute): warns
 * owners before a pool's recycle rule takes a held customer back
 * (customer.recycle_warning: 客户即将被收回公海), once per deadline: at
 * its stored warning time (sql/008: the pool's warn_days before the
 * deadline); a follow-up moves the deadline, which is
 * then warned again in its time. Locked customers have no deadline, so are
 * never warned. And the "customers.remind_contacts" job (every minute):
 * customer.reminder to the owner of each held customer whose next contact
 * time (下次联系时间) has come, once per that time. What each customer is
 * owed is kept in crm_pending (crm/pending.h, sql/016): a reminder sent
 * deletes its row there, in the transaction of its event. */
#include <stdlib.h>

#include "crm/outbox.h"
#include "crm/pending.h"
#include "crm/util.h"
#include "customers.h"

/* The held customers owed a warning (crm/pending.h) whose warning time
 * has come: each warned once per deadline (sql/016). */
#define WARN_SQL                                                                                   \
    CRM_PENDING_TAKE_SQL("customer.recycle_warning", "customers",                                  \
                         "r.owner_id <> 0 AND r.deleted_at IS NULL AND r.recycle_at IS NOT NULL",  \
                         "r.id, r.name, r.owner_id, r.pool_id, crm_us(r.recycle_at)")

static void s_warnings(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "customer.recycle_warning");
    for (int i = 0; i < PQntuples(rows); i++) {
        if (crm_pending_skip(rows, i))
            continue;
        Crm__Events__CustomerRecycleWarning ev = CRM__EVENTS__CUSTOMER_RECYCLE_WARNING__INIT;
        ev.customer_id = crm_db_get_i64(rows, i, 0);
        ev.name = (char *)crm_db_get(rows, i, 1);
        ev.owner_id = crm_db_get_i64(rows, i, 2);
        ev.pool_id = crm_db_get_i64(rows, i, 3);
        ev.recycle_at_us = crm_db_get_i64(rows, i, 4);
        crm_outbox_many_put(m, crm_db_get(rows, i, 0), &ev.base);
    }
    crm_outbox_many_end(&m);
}

void customers_remind_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    crm_pending_take(run, WARN_SQL, s_warnings);
}

/* ---- next-contact reminders ---------------------------------------------------- */

/* The held customers owed a reminder (crm/pending.h) whose next contact
 * time has come: each reminded once per next contact time (sql/016). */
#define CONTACT_SQL                                                                                \
    CRM_PENDING_TAKE_SQL("customer.contact", "customers",                                          \
                         "r.owner_id <> 0 AND r.deleted_at IS NULL", "r.id, r.name, r.owner_id")

static void s_reminders(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "customer.reminder");
    for (int i = 0; i < PQntuples(rows); i++) {
        if (crm_pending_skip(rows, i))
            continue;
        Crm__Events__CustomerReminder ev = CRM__EVENTS__CUSTOMER_REMINDER__INIT;
        ev.customer_id = crm_db_get_i64(rows, i, 0);
        ev.name = (char *)crm_db_get(rows, i, 1);
        ev.owner_id = crm_db_get_i64(rows, i, 2);
        ev.next_contact_at_us = crm_db_get_i64(rows, i, 3);
        crm_outbox_many_put(m, crm_db_get(rows, i, 0), &ev.base);
    }
    crm_outbox_many_end(&m);
}

void customers_remind_contacts_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    crm_pending_take(run, CONTACT_SQL, s_reminders);
}
