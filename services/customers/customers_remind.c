/* customers_remind.c: the "customers.remind" job (every minute): warns
 * owners before a pool's recycle rule takes a held customer back
 * (customer.recycle_warning: 客户即将被收回公海), once per deadline: at
 * its stored warning time (sql/008: the pool's warn_days before the
 * deadline), the customer records the deadline it was warned of, in the
 * same transaction as the event; a follow-up moves the deadline, which is
 * then warned again in its time. Locked customers have no deadline, so are
 * never warned. And the "customers.remind_contacts" job (every minute):
 * customer.reminder to the owner of each held customer whose next contact
 * time (下次联系时间) has come, once per that time. */
#include <stdlib.h>

#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

#define PAGE 500

/* The customers past their warning time and not yet warned of their
 * deadline, along the index of sql/010 that only they are in, after the
 * last page's (warning time, id) ($2, $3: NULL on the first page). */
#define WARN_SQL                                                                                   \
    "WITH due AS (SELECT c.id AS due_id, c.recycle_at AS due_at, c.recycle_warn_at AS due_warn"    \
    "  FROM customers c WHERE c.recycle_warn_at <= now()"                                          \
    "  AND c.recycle_warned_for IS DISTINCT FROM c.recycle_at AND ($2::timestamptz IS NULL OR"     \
    "  (c.recycle_warn_at, c.id) > ($2::timestamptz, $3::bigint))"                                 \
    "  ORDER BY c.recycle_warn_at, c.id LIMIT $1::int FOR UPDATE OF c),"                           \
    " upd AS (UPDATE customers SET recycle_warned_for = due.due_at FROM due WHERE id = due.due_id" \
    "  RETURNING id, name, owner_id, pool_id, crm_us(due.due_at), due.due_warn AS after_at)"       \
    " SELECT *, id AS after_id FROM upd ORDER BY after_at, id"

static const char *const s_after[] = {"after_at", "after_id"};

static void s_warnings(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "customer.recycle_warning");
    for (int i = 0; i < PQntuples(rows); i++) {
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
    crm_tx_pages_after(crm_job_tx(run), WARN_SQL, 0, NULL, PAGE, s_after, 2, s_warnings,
                       crm_job_end, run);
}

/* ---- next-contact reminders ---------------------------------------------------- */

/* The held customers whose next contact time has come and who were not
 * reminded of it, along the index of sql/011 that only they are in, after
 * the last page's (next contact time, id). */
#define CONTACT_SQL                                                                                \
    "WITH due AS (SELECT c.id AS due_id, c.next_contact_at AS due_at FROM customers c"             \
    "  WHERE c.next_contact_at <= now() AND c.owner_id <> 0 AND c.deleted_at IS NULL"              \
    "  AND c.reminded_at IS DISTINCT FROM c.next_contact_at AND ($2::timestamptz IS NULL OR"       \
    "  (c.next_contact_at, c.id) > ($2::timestamptz, $3::bigint))"                                 \
    "  ORDER BY c.next_contact_at, c.id LIMIT $1::int FOR UPDATE OF c),"                           \
    " upd AS (UPDATE customers SET reminded_at = due.due_at FROM due WHERE id = due.due_id"        \
    "  RETURNING id, name, owner_id, crm_us(due.due_at), due.due_at AS after_at)"                  \
    " SELECT *, id AS after_id FROM upd ORDER BY after_at, id"

static void s_reminders(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "customer.reminder");
    for (int i = 0; i < PQntuples(rows); i++) {
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
    crm_tx_pages_after(crm_job_tx(run), CONTACT_SQL, 0, NULL, PAGE, s_after, 2, s_reminders,
                       crm_job_end, run);
}
