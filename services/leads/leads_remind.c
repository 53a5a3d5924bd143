/* leads_remind.c: the "leads.remind" job (every minute): tells owners
 * that a lead's next follow-up time has come (lead.reminder: 今日待跟进),
 * and warns them before a pool's recycle rule takes a held lead back
 * (lead.recycle_warning). Each once per due time, in the same transaction
 * as the event: a reminder owed is taken from crm_pending (crm/pending.h),
 * a warning is recorded in the lead (warned_for). */
#include <stdio.h>
#include <stdlib.h>

#include "crm/outbox.h"
#include "crm/pending.h"
#include "crm/util.h"
#include "leads.h"

#define PAGE 500
/* Where the next page starts: the last id of a page. */
static const char *const s_after_id[] = {"id"};

/* The held, open leads owed a follow-up reminder (crm/pending.h, sql/014)
 * whose time has come, each after the last page's (due time, id). */
#define REMIND_SQL                                                                                 \
    CRM_PENDING_TAKE_SQL("lead.followup", "leads",                                                 \
                         "r.owner_id <> 0 AND r.status IN (2, 3) AND r.deleted_at IS NULL",        \
                         "r.id, r.name, r.owner_id")
static const char *const s_after_due[] = {"after_at", "after_id"};

/* A held lead of a pool with a rule is warned warn_days before it goes
 * back (LEADS_RECYCLE_AT). */
#define WARN_SQL                                                                                   \
    "WITH due AS (SELECT l.id AS due_id, p.id AS due_pool, " LEADS_RECYCLE_AT " AS recycle_at"     \
    "   FROM leads l JOIN lead_pools p ON p.id = l.pool_id"                                        \
    "  WHERE p.recycle_days > 0 AND p.warn_days > 0 AND l.owner_id <> 0 AND l.status IN (2, 3)"    \
    "    AND l.deleted_at IS NULL"                                                                 \
    "    AND " CRM_POOL_WARN_AT_SQL(                                                               \
        LEADS_RECYCLE_AT,                                                                          \
        "p.warn_days") " <= now()"                                                                 \
                       "    AND l.warned_for IS DISTINCT FROM " LEADS_RECYCLE_AT                   \
                       "    AND ($2::bigint IS NULL OR l.id > $2::bigint)"                         \
                       "  ORDER BY l.id LIMIT $1::int FOR UPDATE OF l),"                           \
                       " upd AS (UPDATE leads SET warned_for = due.recycle_at FROM due WHERE id =" \
                       " due.due_id"                                                               \
                       " RETURNING id, name, owner_id, due.due_pool, crm_us(due.recycle_at))"      \
                       " SELECT * FROM upd ORDER BY id"

typedef struct {
    crm_job_run_t *run;
    int64_t reminded;
} remind_t;

static void s_reminders(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "lead.reminder");
    for (int i = 0; i < PQntuples(rows); i++) {
        if (crm_pending_skip(rows, i))
            continue;
        Crm__Events__LeadReminder ev = CRM__EVENTS__LEAD_REMINDER__INIT;
        ev.lead_id = crm_db_get_i64(rows, i, 0);
        ev.name = (char *)crm_db_get(rows, i, 1);
        ev.owner_id = crm_db_get_i64(rows, i, 2);
        ev.next_followup_at_us = crm_db_get_i64(rows, i, 3);
        crm_outbox_many_put(m, crm_db_get(rows, i, 0), &ev.base);
    }
    crm_outbox_many_end(&m);
}

static void s_warnings(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "lead.recycle_warning");
    for (int i = 0; i < PQntuples(rows); i++) {
        Crm__Events__LeadRecycleWarning ev = CRM__EVENTS__LEAD_RECYCLE_WARNING__INIT;
        ev.lead_id = crm_db_get_i64(rows, i, 0);
        ev.name = (char *)crm_db_get(rows, i, 1);
        ev.owner_id = crm_db_get_i64(rows, i, 2);
        ev.pool_id = crm_db_get_i64(rows, i, 3);
        ev.recycle_at_us = crm_db_get_i64(rows, i, 4);
        crm_outbox_many_put(m, crm_db_get(rows, i, 0), &ev.base);
    }
    crm_outbox_many_end(&m);
}

static void s_warned(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    remind_t *r = arg;
    crm_job_end(r->run, last, r->reminded + count, err);
    free(r);
}

static void s_warn(remind_t *r)
{
    crm_tx_pages_after(crm_job_tx(r->run), WARN_SQL, 0, NULL, PAGE, s_after_id, 1, s_warnings,
                       s_warned, r);
}

static void s_reminder_events_written(void *arg, const crm_db_result_t *res)
{
    remind_t *r = arg;
    if (res->err) {
        crm_job_end(r->run, NULL, r->reminded, res);
        free(r);
        return;
    }
    s_warn(r);
}

static void s_reminded(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    remind_t *r = arg;
    if (err) {
        crm_job_end(r->run, NULL, count, err);
        free(r);
        return;
    }
    r->reminded = count;
    if (crm_db_batch_size(last) == 0) {
        crm_db_batch_destroy(&last);
        s_warn(r);
        return;
    }
    crm_db_tx_submit(crm_job_tx(r->run), &last, s_reminder_events_written, r);
}

void leads_remind(void *arg, crm_job_run_t *run)
{
    (void)arg;
    remind_t *r = crm_calloc(1, sizeof *r);
    r->run = run;
    char at[24];
    const char *v[] = {crm_i64(at, crm_job_fired_at_us(run))}; /* CRM_PENDING_TAKE_SQL's $1 */
    crm_tx_pages_after(crm_job_tx(run), REMIND_SQL, 1, v, PAGE, s_after_due, 2, s_reminders,
                       s_reminded, r);
}
