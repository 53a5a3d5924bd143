/* sales_contract_expiry.c: contracts reaching their end (合同到期). The
 * "sales.contract_expiry" job makes each signed contract whose end date
 * has passed expired (at the start of the next day in the business time
 * zone): its status, a history entry "expired" and contract.expired, in
 * the transaction that takes it. The "sales.contract_expiring" job tells
 * the owner of a signed contract its end is near, N days before
 * (CRM_SALES_CONTRACT_REMIND_DAYS, default 30; 0: no reminder):
 * contract.expiring, once per end date. What each contract is owed is kept
 * in crm_pending by sql/022's triggers, which also publish its due times
 * to the scheduler as per-record timers, so the jobs fire at that minute;
 * their own schedules (every 10 minutes) are the sweeps behind. */
#include <stdlib.h>

#include "crm/config.h"
#include "crm/job.h"
#include "crm/log.h"
#include "crm/pending.h"
#include "crm/util.h"
#include "sales.h"

#define SWEEP_S 600

/* The expiry itself, of $1 at $2: of a contract still signed, else the
 * transaction fails (a change crossed the take: nothing of this run is
 * written, and the contract's new state owes what it owes). */
#define EXPIRE_ROW                                                                                 \
    "WITH u AS (UPDATE contracts SET status = 4, updated_at = crm_ts($2::bigint) WHERE id ="       \
    " $1::bigint AND status = 3 RETURNING id) SELECT crm_raise('contract ' || $1 || ' is no"       \
    " longer signed') WHERE NOT EXISTS (SELECT 1 FROM u)"
#define SIGNED CRM__SALES__CONTRACT_STATUS__CONTRACT_STATUS_SIGNED
#define EXPIRED CRM__SALES__CONTRACT_STATUS__CONTRACT_STATUS_EXPIRED

/* The contracts as their reads see them, with their status and end date
 * to decide whether they are still owed what was due. */
#define CONTRACT_ROWS                                                                              \
    "(SELECT " SALES_CONTRACT_COLUMNS ", k.status AS held_status, k.end_date AS ends"              \
    " FROM contracts k)"

/* Signed contracts whose end date has passed (their due time is the start
 * of the next day: the triggers keep it). */
#define EXPIRE_SQL                                                                                 \
    CRM_PENDING_TAKE_SQL("contract.expire", CONTRACT_ROWS,                                         \
                         "r.held_status = 3 AND r.ends IS NOT NULL", "r.*")

/* Signed contracts whose end is near and not passed yet (at the firing's
 * time in the business time zone): one signed after its end is expired,
 * not reminded. */
#define EXPIRING_SQL                                                                               \
    CRM_PENDING_TAKE_SQL(                                                                          \
        "contract.expiring", CONTRACT_ROWS,                                                        \
        "r.held_status = 3 AND r.ends >= (GREATEST(now(),"                                         \
        " crm_ts($1::bigint)) AT TIME ZONE (SELECT tz FROM sales_settings))::date",                \
        "r.*")

/* Each contract of rows (not skipped), read as a message, to fn. */
static void s_each(const PGresult *rows, crm_db_batch_t *b, int64_t now_us,
                   void (*fn)(crm_db_batch_t *, contract_t *, int64_t))
{
    for (int i = 0; i < PQntuples(rows); i++) {
        if (crm_pending_skip(rows, i))
            continue;
        contract_t k;
        sales_contract_row(rows, i, &k);
        fn(b, &k, now_us);
        sales_contract_row_clear(&k);
    }
}

static void s_expire(crm_db_batch_t *b, contract_t *k, int64_t now_us)
{
    char id[24], at[24];
    const char *p[] = {crm_i64(id, k->id), crm_i64(at, now_us)};
    crm_db_batch_add(b, EXPIRE_ROW, 2, p);
    k->status = EXPIRED;
    k->updated_at_us = now_us;
    char *detail = crm_sprintf("{\"changes\": [{\"field\": \"status\", \"old\": \"signed\","
                               " \"new\": \"expired\"}], \"end_date\": \"%s\"}",
                               k->end_date);
    sales_history_t h = {.kind = "contract",
                         .record_id = k->id,
                         .action = "expired",
                         .actor_id = 0,
                         .at_us = now_us,
                         .detail = detail};
    sales_store_history(b, &h);
    free(detail);
    char *reason = crm_sprintf("its end date %s has passed", k->end_date);
    sales_emit_contract(b, "contract.expired", k, 0, reason, NULL, 0, SIGNED);
    free(reason);
}

static void s_remind(crm_db_batch_t *b, contract_t *k, int64_t now_us)
{
    (void)now_us;
    char *reason = crm_sprintf("it ends on %s", k->end_date);
    sales_emit_contract(b, "contract.expiring", k, 0, reason, NULL, 0, SIGNED);
    free(reason);
}

static void s_expire_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    s_each(rows, b, crm_now_us(), s_expire);
}

static void s_remind_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    s_each(rows, b, crm_now_us(), s_remind);
}

static void s_expire_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    crm_pending_take(run, EXPIRE_SQL, s_expire_page);
}

static void s_remind_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    crm_pending_take(run, EXPIRING_SQL, s_remind_page);
}

static void s_settings_set(void *arg, const crm_db_result_t *res)
{
    (void)arg;
    if (res->err)
        crm_log(CRM_ERROR, "the contracts' settings could not be set", "error", res->message, NULL);
}

void sales_contract_expiry_start(sales_t *s)
{
    char days[24];
    const char *p[] = {
        crm_i64(days, crm_env_service_int("sales", "CONTRACT_REMIND_DAYS", 30, 0, 3650))};
    /* Every signed contract's due times move when this or the business
     * time zone (sales_tz_start) changes (sql/022). */
    crm_db_exec(s->db,
                "UPDATE sales_settings SET contract_remind_days = $1::int"
                " WHERE contract_remind_days <> $1::int",
                1, p, s_settings_set, s);
    crm_job_declare(s->svc, "sales.contract_expiry", CRM_EVERY(SWEEP_S), s_expire_job, s);
    crm_job_declare(s->svc, "sales.contract_expiring", CRM_EVERY(SWEEP_S), s_remind_job, s);
}
