/* customers_snapshot.c: the customers service's snapshot "customers" (the
 * producer's side of the Clone pattern, crm/snapshot.h): every customer not
 * deleted, in id order, as a customer.snapshot (the customer whole, its
 * team included), each followed by its contacts as contact.snapshot. A
 * consumer of customer.* and contact.* too far behind to replay (the sales
 * service's read model of customers) rebuilds from it, then follows the
 * stream from the snapshot's horizon. */
#include <jansson.h>
#include <stdlib.h>

#include "crm/log.h"
#include "crm/pbjson.h"
#include "crm/snapshot.h"
#include "crm/util.h"
#include "customers.h"

/* One page: the customers after the cursor ("c" and the id, zero-padded),
 * each with its contacts as a JSON array of objects in the proto form. */
static const char s_page_sql[] =
    "SELECT 'c' || lpad(c.id::text, 19, '0') AS cursor, " CUSTOMER_COLUMNS ","
    " (SELECT json_agg(x ORDER BY x.id) FROM (SELECT " CONTACT_COLUMNS " FROM contacts k"
    " WHERE k.customer_id = c.id AND k.deleted_at IS NULL) x) AS contacts_json"
    " FROM customers c WHERE c.deleted_at IS NULL AND 'c' || lpad(c.id::text, 19, '0') > $1"
    " ORDER BY c.id LIMIT $2::int";

/* The contacts of the customer of row i, each a contact.snapshot. */
static void s_contacts(const PGresult *r, int i, int64_t by, crm_snapshot_page_t *page)
{
    int col = PQfnumber(r, "contacts_json");
    json_t *a = PQgetisnull(r, i, col) ? NULL : json_loads(PQgetvalue(r, i, col), 0, NULL);
    for (size_t k = 0; k < json_array_size(a); k++) {
        char *err = NULL, *field = NULL;
        ProtobufCMessage *m = crm_pb_from_json(&crm__customers__contact__descriptor,
                                               json_array_get(a, k), &err, &field);
        if (!m) {
            /* The columns are the message's fields: a bug if not. */
            crm_log(CRM_ERROR, "a contact does not fit its message", "field", field ? field : "",
                    "error", err ? err : "", NULL);
        } else {
            Crm__Events__ContactChanged ev = CRM__EVENTS__CONTACT_CHANGED__INIT;
            ev.contact = (Crm__Customers__Contact *)m;
            ev.by = by;
            char id[24];
            crm_snapshot_record(page, "contact.snapshot", crm_i64(id, ev.contact->id), &ev.base);
            protobuf_c_message_free_unpacked(m, NULL);
        }
        free(err);
        free(field);
    }
    json_decref(a);
}

static void s_add(void *arg, const PGresult *r, int i, crm_snapshot_page_t *page)
{
    (void)arg;
    customer_row_t row;
    customers_store_row(r, i, &row);
    Crm__Events__CustomerCreated ev = CRM__EVENTS__CUSTOMER_CREATED__INIT;
    ev.customer = &row.c;
    char id[24];
    crm_snapshot_record(page, "customer.snapshot", crm_i64(id, row.c.id), &ev.base);
    s_contacts(r, i, row.c.creator_id, page);
    customers_row_clear(&row);
}

static const crm_snapshot_reader_t s_reader = {CUSTOMERS_SNAPSHOT, s_page_sql, s_add, NULL};

void customers_snapshot_serve(customers_t *c)
{
    crm_service_snapshot(c->svc, &s_reader);
}
