/* pending.h: the reminders a job owes its records (lib/sql/014, table
 * crm_pending): one row per kind and record with the time it falls due,
 * kept by the owning table's triggers (crm_pending_set) in the transaction
 * that moves the time, and taken (deleted) by the job in the transaction
 * that writes the reminders: once per due time, without writing the
 * records' own rows.
 *
 * A job reads its kind a page at a time inside its transaction
 * (crm_pending_take):
 *
 *     #define CONTACT_SQL CRM_PENDING_TAKE_SQL("customer.contact", "customers",
 *         "r.owner_id <> 0 AND r.deleted_at IS NULL", "r.id, r.name, r.owner_id")
 *
 * selects cols of each record taken (table aliased r, joined on id when
 * held is true of it), then its due_at_us. A record no longer held (or
 * gone) is taken with NULL columns: the page's callback skips it
 * (crm_pending_skip), so the keys always advance. */
#ifndef CRM_PENDING_H
#define CRM_PENDING_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "job.h"

/* $1 the firing's time (crm_job_fired_at_us: what is due by it or by now,
 * whichever is later, is due); $2 the page size; $3 and $4 the last page's
 * (due time, record id), NULL on the first page. crm_pending_take runs it. */
#define CRM_PENDING_TAKE_SQL(kind, table, held, cols)                                              \
    "WITH due AS (SELECT record_id, due_at FROM crm_pending WHERE kind = '" kind "'"               \
    "  AND due_at <= GREATEST(now(), crm_ts($1::bigint)) AND ($3::timestamptz IS NULL"             \
    "  OR (due_at, record_id) > ($3::timestamptz, $4::bigint))"                                    \
    "  ORDER BY due_at, record_id LIMIT $2::int FOR UPDATE),"                                      \
    " taken AS (DELETE FROM crm_pending p USING due WHERE p.kind = '" kind "'"                     \
    "  AND p.record_id = due.record_id RETURNING p.record_id, p.due_at)"                           \
    " SELECT " cols ", crm_us(t.due_at) AS due_at_us, t.due_at AS after_at,"                       \
    " t.record_id AS after_id FROM taken t LEFT JOIN " table " r ON r.id = t.record_id"            \
    " AND " held " ORDER BY t.due_at, t.record_id"

/* Takes run's due records of sql (CRM_PENDING_TAKE_SQL) page by page in its
 * transaction: on_rows(run, rows, b) writes each page's events; the run
 * ends with their count. */
void crm_pending_take(crm_job_run_t *run, const char *sql, crm_page_fn on_rows);

/* Whether row i of a page names a record no longer held (its first column
 * NULL): nobody to remind, taken all the same. */
static inline bool crm_pending_skip(const PGresult *rows, int i)
{
    return PQgetisnull(rows, i, 0);
}

#endif
