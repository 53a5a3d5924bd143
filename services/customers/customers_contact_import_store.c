/* customers_contact_import_store.c: the contacts import's own SQL of a
 * chunk (the import's row, its stored results and counters are the kit's,
 * crm/import.h): the customers the rows name, locked, with their primary
 * contacts and the primaries the import made before; the mobiles' locks
 * and the contacts that have them, as the importer may see them; and the
 * writes of the created rows (customers_contacts_many.c) with the
 * primaries they make. */
#include <stdlib.h>

#include "crm/scope.h"
#include "crm/util.h"
#include "customers_contact_import.h"

/* The customers rows name: by id ($1), or by name ($2, trimmed): one index
 * probe per name (customers_name), the exact name checked after. */
#define NAMED                                                                                      \
    " c.deleted_at IS NULL AND (c.id = ANY($1::bigint[]) OR (lower(btrim(c.name)) ="               \
    " ANY(ARRAY(SELECT lower(x) FROM unnest($2::text[]) x)) AND btrim(c.name) = ANY($2::text[])))"

void contact_import_store_prepare(crm_db_t *db)
{
    /* Locked in id order (as Customers.CreateContact locks its customer,
     * before the mobile), with the row of this import ($3) that made its
     * primary contact. */
    crm_db_prepare(db, "contact_import_customers",
                   "SELECT " CUSTOMER_COLUMNS ", btrim(c.name) AS trimmed, COALESCE((SELECT p.row"
                   " FROM contact_import_primaries p WHERE p.import_id = $3::bigint AND"
                   " p.customer_id = c.id), 0) AS claimed_row FROM customers c WHERE" NAMED
                   " ORDER BY c.id FOR UPDATE OF c");
    crm_db_prepare(db, "contact_import_primary_contacts",
                   "SELECT " CONTACT_COLUMNS " FROM contacts k JOIN customers c ON c.id ="
                   " k.customer_id WHERE k.is_primary AND k.deleted_at IS NULL AND" NAMED);
    /* The locks of contact_mobile_lock (customers_contacts.c) for each
     * mobile, in the order of their hashes, so that two chunks never wait
     * for each other in a circle. */
    crm_db_prepare(
        db, "contact_import_locks",
        "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT"
        " hashtext('contact.mobile:' || x) AS k FROM unnest($1::text[]) x ORDER BY 1) s");
    /* The first contact of each mobile, as contact_by_mobile finds it: one
     * whose number the importer sees masked is none. */
    crm_db_prepare(db, "contact_import_duplicates",
                   "SELECT m, d.id FROM unnest($1::text[]) m CROSS JOIN LATERAL (SELECT"
                   " min(k.id) AS id FROM contacts k JOIN customers c ON c.id = k.customer_id"
                   " LEFT JOIN customer_pools p ON p.id = c.pool_id WHERE k.mobile = m AND"
                   " k.mobile <> '' AND k.deleted_at IS NULL"
                   " AND " CUSTOMER_UNMASKED("$2", "$3") ") d WHERE d.id IS NOT NULL");
    crm_db_prepare(db, "contact_import_claim",
                   "INSERT INTO contact_import_primaries (import_id, customer_id, row) SELECT"
                   " $1::bigint, u.c, u.r FROM unnest($2::bigint[], $3::bigint[]) AS u(c, r)");
}

void contact_import_store_refs(crm_txn_t *t, const contact_rows_t *rows, const crm_import_row_t *v,
                               int64_t import_id)
{
    int64_t *ids = crm_malloc((rows->n + 1) * sizeof *ids);
    char **names = crm_malloc((rows->n + 1) * sizeof *names);
    size_t ni = 0, nn = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const contact_row_t *row = &rows->rows[i];
        if (v[i].field)
            continue;
        if (row->customer_id)
            ids[ni++] = row->customer_id;
        else
            names[nn++] = row->customer_name;
    }
    char *ai = crm_db_i64_array(ids, ni), *an = crm_db_text_array(names, nn), imp[24];
    const char *p[] = {ai, an, crm_i64(imp, import_id)};
    crm_txn_read(t, "customers", "contact_import_customers", 3, p);
    crm_txn_read(t, "primaries", "contact_import_primary_contacts", 2, p);
    free(ai);
    free(an);
    free(names);
    free(ids);
}

void contact_import_store_dedup(crm_txn_t *t, const char *const *keys, size_t n)
{
    char *all = crm_db_text_array((char *const *)keys, n), user[24];
    const Crm__Caller *c = crm_txn_caller(t);
    const char *p[] = {all, crm_i64(user, c->user_id), crm_scope_all(c) ? "true" : "false"};
    crm_txn_read(t, "key_locks", "contact_import_locks", 1, p);
    crm_txn_read(t, "duplicates", "contact_import_duplicates", 3, p);
    free(all);
}

static char *s_s(const char *s)
{
    return (char *)(s ? s : "");
}

/* The primaries the marked rows made, kept for the import's later chunks
 * (one per customer in an import). */
static void s_claims(crm_db_batch_t *b, const contact_rows_t *rows, const crm_import_row_t *v,
                     const contact_customers_t *cs, int64_t import_id, int64_t first_row)
{
    int64_t *customers = crm_malloc((rows->n + 1) * sizeof *customers);
    int64_t *at = crm_malloc((rows->n + 1) * sizeof *at);
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const contact_row_t *row = &rows->rows[i];
        if (!v[i].id || !row->primary || !row->made_primary)
            continue;
        customers[n] = cs->c[row->customer - 1].id;
        at[n++] = first_row + (int64_t)i;
    }
    if (n) {
        char *ac = crm_db_i64_array(customers, n), *ar = crm_db_i64_array(at, n), imp[24];
        const char *p[] = {crm_i64(imp, import_id), ac, ar};
        crm_db_batch_add(b, "contact_import_claim", 3, p);
        free(ac);
        free(ar);
    }
    free(at);
    free(customers);
}

void contact_import_store_created(crm_db_batch_t *b, const contact_rows_t *rows,
                                  const crm_import_row_t *v, const contact_customers_t *cs,
                                  int64_t import_id, int64_t first_row, int64_t creator,
                                  int64_t now_us)
{
    Crm__Customers__Contact *ks = crm_malloc((rows->n + 1) * sizeof *ks);
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const contact_row_t *row = &rows->rows[i];
        if (!v[i].id)
            continue;
        const contact_customer_t *x = &cs->c[row->customer - 1];
        Crm__Customers__Contact *k = &ks[n++];
        crm__customers__contact__init(k);
        k->id = v[i].id;
        k->customer_id = x->id;
        k->customer_name = x->name;
        k->owner_id = x->owner_id;
        k->name = s_s(row->in.name);
        k->title = s_s(row->in.title);
        k->mobile = (char *)row->mobile;
        k->telephone = (char *)row->telephone;
        k->email = s_s(row->in.email);
        k->wechat = s_s(row->in.wechat);
        k->birthday = s_s(row->in.birthday);
        k->remark = s_s(row->in.remark);
        k->primary = row->made_primary;
        k->creator_id = creator;
        k->created_at_us = k->updated_at_us = now_us;
    }
    customers_contacts_insert_many(b, ks, n);
    free(ks);
    s_claims(b, rows, v, cs, import_id, first_row);
}
