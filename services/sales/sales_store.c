/* sales_store.c: what the sales service's modules share of the database:
 * the history insert, rows into messages by column name, and a value
 * unique among a kind's records (an advisory lock and a read). Each module
 * registers its own records' statements; this file calls none of them. */
#include <assert.h>

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
