/* leads_events.c: the events the leads service emits, written into the
 * outbox of the transaction that makes the change. */
#include <stdio.h>

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

/* An override when given, else the lead's own value. */
static char *s_or(const char *override, const char *own)
{
    return (char *)(override && *override ? override : own);
}

void leads_emit_converted(crm_db_batch_t *b, Crm__Leads__Lead *lead,
                          const Crm__Leads__ConvertLeadRequest *req, int64_t by)
{
    Crm__Events__LeadConverted ev = CRM__EVENTS__LEAD_CONVERTED__INIT;
    ev.lead = lead;
    ev.customer_name = s_or(req->customer_name, lead->name);
    ev.contact_name = s_or(req->contact_name, lead->name);
    ev.level = s_or(req->level, lead->level);
    ev.source = s_or(req->source, lead->source);
    ev.industry = s_or(req->industry, lead->industry);
    ev.converted_by = by;
    char id[24];
    crm_outbox_add(b, "lead.converted", crm_i64(id, lead->id), &ev.base);
}
