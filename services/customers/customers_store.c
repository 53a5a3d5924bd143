/* customers_store.c: the customers service's SQL: statements and row mapping. */
#include "crm/util.h"
#include "customers.h"

void customers_store_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "customer_get",
                   "SELECT " CUSTOMER_COLUMNS " FROM customers WHERE id = $1::bigint");
    crm_db_prepare(db, "customer_by_lead",
                   "SELECT " CUSTOMER_COLUMNS " FROM customers WHERE lead_id = $1::bigint");
    crm_db_prepare(db, "customer_lock",
                   "SELECT " CUSTOMER_COLUMNS " FROM customers WHERE id = $1::bigint FOR UPDATE");
    /* Once per lead: a second delivery (which the offsets already prevent)
     * would insert nothing. */
    crm_db_prepare(db, "customer_from_lead",
                   "WITH c AS (INSERT INTO customers (name, contact_name, mobile, telephone,"
                   " email, company, source, level, industry, owner_id, department_id, lead_id)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint, $11::bigint,"
                   " $12::bigint) ON CONFLICT (lead_id) DO NOTHING RETURNING *),"
                   /* the lead's follow-ups, when the conversion copies them */
                   " f AS (INSERT INTO customer_followups (customer_id, user_id, content,"
                   " created_at) SELECT c.id, x.u, x.t, crm_ts(x.at) FROM c,"
                   " unnest($13::bigint[], $14::text[], $15::bigint[]) AS x(u, t, at))"
                   " SELECT " CUSTOMER_COLUMNS " FROM c");
    crm_db_prepare(db, "customer_followup",
                   "WITH f AS (INSERT INTO customer_followups (customer_id, user_id, content)"
                   " VALUES ($1::bigint, $2::bigint, $3) RETURNING created_at AS at)"
                   " UPDATE customers SET last_followup_at = f.at,"
                   " updated_at = f.at FROM f WHERE id = $1::bigint"
                   " RETURNING " CUSTOMER_COLUMNS);
    /* One page of neglected customers, taken out of their owners' hands.
     * Returns what the events need: the previous owner and the old time. */
    crm_db_prepare(db, "customer_recycle_page",
                   "WITH due AS ("
                   "  SELECT c.id, c.owner_id, c.pool_id, c.last_followup_at,"
                   "         CASE WHEN $1::int > 0 THEN $1::int ELSE p.recycle_days END AS days"
                   "  FROM customers c JOIN customer_pools p ON p.id = c.pool_id"
                   "  WHERE c.owner_id <> 0"
                   "    AND (CASE WHEN $1::int > 0 THEN $1::int ELSE p.recycle_days END) > 0"
                   "    AND c.last_followup_at < now() - make_interval(days =>"
                   "        CASE WHEN $1::int > 0 THEN $1::int ELSE p.recycle_days END)"
                   "  ORDER BY c.id LIMIT $2::int FOR UPDATE OF c SKIP LOCKED),"
                   " upd AS (UPDATE customers c SET owner_id = 0, updated_at = now()"
                   "  FROM due WHERE c.id = due.id RETURNING c.id)"
                   " SELECT due.id, due.owner_id, due.pool_id, due.days,"
                   "  crm_us(due.last_followup_at) FROM due JOIN upd USING (id) ORDER BY due.id");
}

void customers_store_row(const PGresult *r, int i, Crm__Customers__Customer *c)
{
    crm__customers__customer__init(c);
    c->id = crm_db_get_i64(r, i, 0);
    c->name = (char *)crm_db_get(r, i, 1);
    c->contact_name = (char *)crm_db_get(r, i, 2);
    c->mobile = (char *)crm_db_get(r, i, 3);
    c->telephone = (char *)crm_db_get(r, i, 4);
    c->email = (char *)crm_db_get(r, i, 5);
    c->company = (char *)crm_db_get(r, i, 6);
    c->source = (char *)crm_db_get(r, i, 7);
    c->level = (char *)crm_db_get(r, i, 8);
    c->industry = (char *)crm_db_get(r, i, 9);
    c->owner_id = crm_db_get_i64(r, i, 10);
    c->department_id = crm_db_get_i64(r, i, 11);
    c->pool_id = crm_db_get_i64(r, i, 12);
    c->lead_id = crm_db_get_i64(r, i, 13);
    c->last_followup_at_us = crm_db_get_i64(r, i, 14);
    c->created_at_us = crm_db_get_i64(r, i, 15);
    c->updated_at_us = crm_db_get_i64(r, i, 16);
}
