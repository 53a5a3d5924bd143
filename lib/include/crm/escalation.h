/* escalation.h: a next-contact reminder left undone goes up (升级). A job
 * of the owning service (crm/job.h, every 5 minutes) finds the records
 * whose next contact time passed CRM_<SVC>_ESCALATE_AFTER_H hours ago with
 * no follow-up since, marks each escalated for that time and writes one
 * ReminderEscalated event each, in the job's transaction: once per next
 * contact time; a new one can escalate again. The gateway tells the
 * manager of the owner's department.
 *
 * A domain's records keep the time they escalated for (a column
 * escalated_at) and are read along a partial index of the ones that may
 * still escalate (CRM_ESCALATION_INDEX_WHERE), so a run costs the records
 * it escalates:
 *
 *     static crm_escalation_t s_esc = {
 *         .event = "customer.reminder_escalated",
 *         .sql = CRM_ESCALATION_SQL("customers", "next_contact_at",
 *                                   "r.owner_id <> 0 AND r.deleted_at IS NULL")};
 *     crm_escalation_declare(svc, "customers.escalate", &s_esc);
 *
 *     CREATE INDEX customers_escalation_due ON customers (next_contact_at, id)
 *         WHERE <the same held condition> AND <CRM_ESCALATION_INDEX_WHERE>;
 */
#ifndef CRM_ESCALATION_H
#define CRM_ESCALATION_H

#include "job.h"
#include "service.h"

/* The page statement over table (aliased r), whose column due is the next
 * contact time and whose rows held (a condition on r) may escalate: $1 the
 * hours, $2 the page size, $3 and $4 the last page's (due time, id)
 * (crm_tx_pages_after). A follow-up at or after the due time is one done
 * (last_followup_at); rows another transaction holds wait for the next
 * run. Returns id, name, owner_id, department_id, due_at_us per record
 * marked, and the keys after_at, after_id. */
#define CRM_ESCALATION_SQL(table, due, held)                                                       \
    "WITH due AS (SELECT r.id AS due_id, r." due " AS due_at FROM " table " r"                     \
    "  WHERE r." due " <= now() - $1::int * interval '1 hour' AND " held                           \
    "  AND (r.last_followup_at IS NULL OR r.last_followup_at < r." due ")"                         \
    "  AND r.escalated_at IS DISTINCT FROM r." due "  AND ($3::timestamptz IS NULL OR (r." due     \
    ", r.id) > ($3::timestamptz, $4::bigint))"                                                     \
    "  ORDER BY r." due ", r.id LIMIT $2::int FOR UPDATE OF r SKIP LOCKED),"                       \
    " upd AS (UPDATE " table " SET escalated_at = due.due_at FROM due WHERE id = due.due_id"       \
    "  RETURNING id, name, owner_id, department_id, crm_us(due.due_at) AS due_at_us,"              \
    "  due.due_at AS after_at)"                                                                    \
    " SELECT *, id AS after_id FROM upd ORDER BY after_at, id"

/* A domain's escalation. The domain sets event and sql;
 * crm_escalation_declare the rest. It must outlive the process. */
typedef struct {
    const char *event; /* the event type, "customer.reminder_escalated" */
    const char *sql;   /* CRM_ESCALATION_SQL(...) */
    int after_hours;   /* how long past its time a reminder is undone */
} crm_escalation_t;

/* Declares job (a literal) on svc, every 5 minutes, escalating reminders
 * CRM_<SVC>_ESCALATE_AFTER_H hours past (1..8760, default 24; a malformed
 * value stops the process at start). Call before the loop runs. */
void crm_escalation_declare(crm_service_t *svc, const char *job, crm_escalation_t *e);

#endif
