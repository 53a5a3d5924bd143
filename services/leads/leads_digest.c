/* leads_digest.c: the "leads.digest" job (daily, crm/digest.h): each
 * owner's held leads (pending or following) to follow up today, about to be
 * recycled (their pool's rule, LEADS_RECYCLE_AT, within the recycle days)
 * and overdue (a next follow-up time before today and no follow-up since),
 * as one lead.digest per owner with any. Read along the owner's index of
 * next follow-up time (sql/003) and the owner's leads. */
#include "crm/digest.h"
#include "leads.h"

/* A held lead of owner u.id. */
#define OWNED " WHERE l.owner_id = u.id AND l.deleted_at IS NULL AND l.status IN (2, 3)"
/* Its next follow-up time as the index leads_owner_next_key has it. */
#define NEXT "COALESCE(l.next_followup_at, 'infinity'::timestamptz)"

#define TODAY_SQL                                                                                  \
    "SELECT l.id, l.name, l.next_followup_at AS at FROM leads l" OWNED " AND " NEXT                \
    " >= d.day_start AND " NEXT " < d.day_end"
#define RECYCLING_SQL                                                                              \
    "SELECT l.id, l.name, " LEADS_RECYCLE_AT " AS at FROM leads l"                                 \
    " JOIN lead_pools p ON p.id = l.pool_id" OWNED " AND p.recycle_days > 0"                       \
    " AND " LEADS_RECYCLE_AT " < d.horizon"
#define OVERDUE_SQL                                                                                \
    "SELECT l.id, l.name, l.next_followup_at AS at FROM leads l" OWNED " AND " NEXT                \
    " < d.day_start AND (l.last_followup_at IS NULL OR l.last_followup_at < l.next_followup_at)"

static crm_digest_t s_digest = {
    .event = "lead.digest",
    .sql = CRM_DIGEST_SQL(TODAY_SQL, RECYCLING_SQL, OVERDUE_SQL),
};

void leads_digest_declare(leads_t *l)
{
    crm_digest_declare(l->svc, "leads.digest", &s_digest);
}
