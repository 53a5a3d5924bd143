/* customers_emit.c: the customer events the service emits (customer.created,
 * .updated and the other changes, .transferred), each added to the batch of
 * its change's transaction (crm/outbox.h). What it consumes is
 * customers_events.c's. */
#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

void customers_emit_created(crm_db_batch_t *b, customer_t *c,
                            Crm__Leads__ConversionOpportunity *opportunity)
{
    Crm__Events__CustomerCreated ev = CRM__EVENTS__CUSTOMER_CREATED__INIT;
    ev.customer = c;
    ev.opportunity = opportunity;
    char key[24];
    crm_outbox_add(b, "customer.created", crm_i64(key, c->id), &ev.base);
}

void customers_emit_changed(crm_db_batch_t *b, const char *type, customer_t *c, int64_t by,
                            const char *reason, char **changed, size_t nchanged)
{
    Crm__Events__CustomerChanged ev = CRM__EVENTS__CUSTOMER_CHANGED__INIT;
    ev.customer = c;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.changed_fields = changed;
    ev.n_changed_fields = nchanged;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, c->id), &ev.base);
}

void customers_emit_transferred(crm_db_batch_t *b, customer_t *c, int64_t from, int64_t by,
                                const char *reason)
{
    Crm__Events__CustomerTransferred ev = CRM__EVENTS__CUSTOMER_TRANSFERRED__INIT;
    ev.customer = c;
    ev.from_owner_id = from;
    ev.to_owner_id = c->owner_id;
    ev.reason = (char *)(reason ? reason : "");
    ev.by = by;
    char key[24];
    crm_outbox_add(b, "customer.transferred", crm_i64(key, c->id), &ev.base);
}
