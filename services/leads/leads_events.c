/* leads_events.c: the events the leads service emits, written into the
 * outbox of the transaction that makes the change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/outbox.h"
#include "crm/util.h"
#include "leads.h"

void leads_emit_created(crm_db_batch_t *b, Crm__Leads__Lead *lead)
{
    Crm__Events__LeadCreated ev = CRM__EVENTS__LEAD_CREATED__INIT;
    ev.lead = lead;
    char id[24];
    crm_outbox_add(b, "lead.created", crm_i64(id, lead->id), &ev.base);
}

void leads_emit_changed(crm_db_batch_t *b, const char *action, const Crm__Leads__Lead *before,
                        Crm__Leads__Lead *after, int64_t by, const char *reason, char **changed,
                        size_t nchanged)
{
    Crm__Events__LeadChanged ev = CRM__EVENTS__LEAD_CHANGED__INIT;
    ev.lead = after;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.from_owner_id = before->owner_id;
    ev.to_owner_id = after->owner_id;
    ev.pool_id = after->pool_id ? after->pool_id : before->pool_id;
    ev.from_status = before->status;
    ev.changed_fields = changed;
    ev.n_changed_fields = nchanged;
    char type[48], id[24];
    snprintf(type, sizeof type, "lead.%s", action);
    crm_outbox_add(b, type, crm_i64(id, after->id), &ev.base);
}
