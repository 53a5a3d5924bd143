/* sales_store.c: what the sales service's modules share of the database:
 * the history insert, rows into messages by column name, and a value
 * unique among a kind's records (an advisory lock and a read), and the
 * business time zone the triggers take days in (sales_settings.tz). Each module
 * registers its own records' statements; this file calls none of them. */
#include <assert.h>

#include "crm/log.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "sales_store.h"

void sales_store_prepare(crm_db_t *db)
{
    crm_db_prepare(
        db, "sales_history_insert",
        "INSERT INTO sales_history (kind, record_id, action, actor_id, at, from_owner_id,"
        " to_owner_id, reason, detail) VALUES ($1, $2::bigint, $3, $4::bigint,"
        " crm_ts($5::bigint), $6::bigint, $7::bigint, $8, $9)");
}

void sales_row_to(const PGresult *r, int i, ProtobufCMessage *msg)
{
    crm_err_t err;
    int ok = crm_row_to_message(r, i, msg, &err) == 0;
    assert(ok && "a column cannot fill its field");
    (void)ok;
}

void sales_store_history(crm_db_batch_t *b, const sales_history_t *h)
{
    crm_history_add(b, "sales_history_insert", h);
}

void sales_read_unique(crm_txn_t *t, const char *kind, const char *stmt, const char *value,
                       int64_t id)
{
    char v[24];
    const char *lock[] = {kind, value};
    const char *p[] = {value, crm_i64(v, id)};
    crm_txn_read(t, "unique_lock",
                 "SELECT pg_advisory_xact_lock(hashtext($1 || ':' || lower(btrim($2))))", 2, lock);
    crm_txn_read(t, "unique", stmt, 2, p);
}

int sales_unique_free(crm_txn_t *t, const char *field, const char *noun)
{
    if (!crm_txn_has(t, "unique"))
        return 0;
    const PGresult *r = crm_txn_result(t, "unique");
    if (PQntuples(r) == 0)
        return 0;
    return crm_txn_refuse(t, CRM__STATUS__ALREADY_EXISTS, field, "%s %lld (%s) has this %s", noun,
                          (long long)crm_db_get_i64(r, 0, 0), crm_db_get(r, 0, 1), field);
}

/* ---- the business time zone of the triggers' days ----------------------- */

static void s_tz_set(void *arg, const crm_db_result_t *res)
{
    (void)arg;
    if (res->err)
        crm_log(CRM_ERROR, "the business time zone could not be set: the one before stays", "error",
                res->message, NULL);
}

void sales_tz_start(crm_db_t *db, const char *tz)
{
    /* sql/022 and sql/040 read sales_settings.tz: the days of contracts'
     * ends and of performance facts; a change moves the contracts' due
     * times. A zone PostgreSQL does not know fails this statement (logged)
     * and leaves the one before. */
    const char *p[] = {tz};
    crm_db_exec(db,
                "UPDATE sales_settings SET tz = $1 WHERE tz <> $1 AND"
                " (now() AT TIME ZONE $1) IS NOT NULL",
                1, p, s_tz_set, NULL);
}
