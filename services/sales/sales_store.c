/* sales_store.c: the statements the sales service's modules share, rows
 * into messages by column name, and the history every record kind writes
 * (sales_history). Each module registers its own records' statements. */
#include <assert.h>

#include "crm/rowmap.h"
#include "sales.h"

void sales_store_prepare(crm_db_t *db)
{
    crm_db_prepare(
        db, "sales_history_insert",
        "INSERT INTO sales_history (kind, record_id, action, actor_id, at, from_owner_id,"
        " to_owner_id, reason, detail) VALUES ($1, $2::bigint, $3, $4::bigint,"
        " crm_ts($5::bigint), $6::bigint, $7::bigint, $8, $9)");
    sales_products_prepare(db);
    sales_pipelines_prepare(db);
    sales_opps_prepare(db);
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
