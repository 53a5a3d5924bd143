/* customers_handover.c: handover when someone leaves (离职交接): the
 * customers a leaver owns go to their successor, in pages, each with a
 * customer.transferred event (customers keep no history table yet). Run
 * by the organisation's consumer (crm/org.h) in the transaction that
 * applies the user.deactivated naming the successor. */
#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

#define HANDOVER_PAGE 500

/* One page: lock the leaver's customers and give them to the successor
 * (into the successor's department). */
#define HANDOVER_PAGE_SQL                                                                          \
    "WITH mine AS (SELECT id AS mine_id FROM customers WHERE owner_id = $1::bigint"                \
    "   ORDER BY id LIMIT $3::int FOR UPDATE)"                                                     \
    " UPDATE customers SET owner_id = $2::bigint, updated_at = now(),"                             \
    "   department_id = coalesce((SELECT nullif(department_id, 0) FROM crm_org_users"              \
    "                              WHERE id = $2::bigint), department_id)"                         \
    " FROM mine WHERE customers.id = mine.mine_id"                                                 \
    " RETURNING " CUSTOMER_COLUMNS ", $1::bigint AS from_owner_id"

/* One customer.transferred per customer of the page. */
static void s_emit(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    int from = PQfnumber(rows, "from_owner_id");
    for (int i = 0; i < PQntuples(rows); i++) {
        Crm__Customers__Customer c;
        customers_store_row(rows, i, &c);
        Crm__Events__CustomerTransferred ev = CRM__EVENTS__CUSTOMER_TRANSFERRED__INIT;
        ev.customer = &c;
        ev.from_owner_id = crm_db_get_i64(rows, i, from);
        ev.to_owner_id = c.owner_id;
        ev.reason = "handover";
        char id[24];
        crm_outbox_add(b, "customer.transferred", crm_i64(id, c.id), &ev.base);
    }
}

static const crm_org_handover_t s_handover = {
    .count_sql = "SELECT count(*) FROM customers WHERE owner_id = $1::bigint",
    .page_sql = HANDOVER_PAGE_SQL,
    .emit = s_emit,
    .page = HANDOVER_PAGE,
};

const crm_org_handover_t *customers_handover(void)
{
    return &s_handover;
}
