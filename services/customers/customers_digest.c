/* customers_digest.c: the "customers.digest" job (daily, crm/digest.h):
 * each owner's customers to contact today, about to be recycled (their
 * stored deadline, recycle_at, within the recycle days) and overdue (a next
 * contact time before today and no follow-up since), as one
 * customer.digest per owner with any. Read along the owner's indexes of
 * next contact time and deadline (sql/002, sql/008). */
#include "crm/digest.h"
#include "customers.h"

/* A held customer of owner u.id. */
#define OWNED "FROM customers c WHERE c.owner_id = u.id AND c.deleted_at IS NULL"
/* Its next contact time as the index customers_owner_next has it. */
#define NEXT "COALESCE(c.next_contact_at, 'infinity')"

#define TODAY_SQL                                                                                  \
    "SELECT c.id, c.name, c.next_contact_at AS at " OWNED " AND " NEXT " >= d.day_start"           \
    " AND " NEXT " < d.day_end"
#define RECYCLING_SQL                                                                              \
    "SELECT c.id, c.name, c.recycle_at AS at " OWNED                                               \
    " AND COALESCE(c.recycle_at, 'infinity') < d.horizon"
#define OVERDUE_SQL                                                                                \
    "SELECT c.id, c.name, c.next_contact_at AS at " OWNED " AND " NEXT " < d.day_start"            \
    " AND (c.last_followup_at IS NULL OR c.last_followup_at < c.next_contact_at)"

static crm_digest_t s_digest = {
    .event = "customer.digest",
    .sql = CRM_DIGEST_SQL(TODAY_SQL, RECYCLING_SQL, OVERDUE_SQL),
};

void customers_digest_declare(customers_t *c)
{
    crm_digest_declare(c->svc, "customers.digest", &s_digest);
}
