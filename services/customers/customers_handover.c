/* customers_handover.c: handover when someone leaves (离职交接): the
 * customers a leaver owns go to their successor, in pages, each with a
 * history entry and a customer.transferred event. Run by the
 * organisation's consumer (crm/org.h) in the transaction that applies the
 * user.deactivated naming the successor. */
#include <stdio.h>

#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

#define HANDOVER_PAGE 500

/* One page: lock the leaver's customers and give them to the successor
 * (into the successor's department), with their history entries. */
#define HANDOVER_PAGE_SQL                                                                          \
    "WITH mine AS (SELECT id AS mine_id FROM customers WHERE owner_id = $1::bigint"                \
    "   AND deleted_at IS NULL ORDER BY id LIMIT $3::int FOR UPDATE),"                             \
    " h AS (INSERT INTO customer_history (kind, record_id, action, from_owner_id, to_owner_id,"    \
    "   reason) SELECT 'customer', mine_id, 'handed_over', $1::bigint, $2::bigint, 'handover'"     \
    "   FROM mine)"                                                                                \
    " UPDATE customers c SET owner_id = $2::bigint, updated_at = now(), owner_since = now(),"      \
    "   department_id = coalesce((SELECT nullif(department_id, 0) FROM crm_org_users"              \
    "                              WHERE id = $2::bigint), department_id)"                         \
    " FROM mine WHERE c.id = mine.mine_id"                                                         \
    " RETURNING " CUSTOMER_COLUMNS ", $1::bigint AS from_owner_id"

/* One customer.transferred per customer of the page. */
static void s_emit(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    int from = PQfnumber(rows, "from_owner_id");
    for (int i = 0; i < PQntuples(rows); i++) {
        customer_row_t row;
        customers_store_row(rows, i, &row);
        customers_emit_transferred(b, &row.c, crm_db_get_i64(rows, i, from), 0, "handover");
        customers_row_clear(&row);
    }
}

static const crm_org_handover_t s_handover = {
    .count_sql = "SELECT count(*) FROM customers WHERE owner_id = $1::bigint"
                 " AND deleted_at IS NULL",
    .page_sql = HANDOVER_PAGE_SQL,
    .emit = s_emit,
    .page = HANDOVER_PAGE,
};

const crm_org_handover_t *customers_handover(void)
{
    return &s_handover;
}
