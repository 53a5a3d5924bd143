/* sales_stale.c: stale opportunities (停滞商机). The "sales.stale" job tells
 * the owner of each open opportunity that has stayed in its stage for the
 * stale days (its pipeline's, else CRM_SALES_STALE_DAYS, default 14; 0:
 * never; sql/012) that it has
 * (opportunity.stale, a notification), once per stage entry. What each
 * opportunity is owed is kept in crm_pending by sql/008's triggers, which
 * also publish its due time to the scheduler as a per-record timer, so the
 * job fires at that minute; its own schedule (every 10 minutes) is the
 * sweep behind the timers. */
#include <stdlib.h>

#include "crm/config.h"
#include "crm/job.h"
#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/pending.h"
#include "crm/util.h"
#include "sales.h"

/* How often the sweep behind the timers runs. */
#define SWEEP_S 600

/* The open, owned opportunities owed a reminder whose time has come. */
#define STALE_SQL                                                                                  \
    CRM_PENDING_TAKE_SQL("opportunity.stale", "opportunities",                                     \
                         "r.status = 1 AND r.owner_id <> 0 AND r.deleted_at IS NULL",              \
                         "r.id, r.name, r.owner_id, r.customer_id, r.stage_id,"                    \
                         " crm_us(r.stage_changed_at),"                                            \
                         " sales_stale_days(r.pipeline_id) AS stale_days")

static void s_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "opportunity.stale");
    for (int i = 0; i < PQntuples(rows); i++) {
        if (crm_pending_skip(rows, i))
            continue;
        Crm__Events__OpportunityStale ev = CRM__EVENTS__OPPORTUNITY_STALE__INIT;
        ev.opportunity_id = crm_db_get_i64(rows, i, 0);
        ev.name = (char *)crm_db_get(rows, i, 1);
        ev.owner_id = crm_db_get_i64(rows, i, 2);
        ev.customer_id = crm_db_get_i64(rows, i, 3);
        ev.stage_id = crm_db_get_i64(rows, i, 4);
        ev.stage_changed_at_us = crm_db_get_i64(rows, i, 5);
        ev.stale_days = (int32_t)crm_db_get_i64(rows, i, 6);
        crm_outbox_many_put(m, crm_db_get(rows, i, 0), &ev.base);
    }
    crm_outbox_many_end(&m);
}

static void s_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    crm_pending_take(run, STALE_SQL, s_page);
}

static void s_days_set(void *arg, const crm_db_result_t *res)
{
    (void)arg;
    if (res->err)
        crm_log(CRM_ERROR, "the stale days could not be set", "error", res->message, NULL);
}

void sales_stale_start(sales_t *s)
{
    char days[24];
    const char *p[] = {crm_i64(days, crm_env_service_int("sales", "STALE_DAYS", 14, 0, 3650))};
    /* Every open opportunity's due time moves when the days change (sql/008). */
    crm_db_exec(s->db, "UPDATE sales_settings SET stale_days = $1::int WHERE stale_days <> $1::int",
                1, p, s_days_set, s);
    crm_job_declare(s->svc, "sales.stale", CRM_EVERY(SWEEP_S), s_job, s);
}
