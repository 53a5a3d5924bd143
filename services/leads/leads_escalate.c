/* leads_escalate.c: the "leads.escalate" job (every 5 minutes,
 * crm/escalation.h): a held lead (pending or following) whose next
 * follow-up time passed CRM_LEADS_ESCALATE_AFTER_H hours ago (default 24)
 * with no follow-up since goes to its owner's department manager, once per
 * next follow-up time: lead.reminder_escalated, committed with
 * escalated_at, read along the index of sql/011 that only the leads that
 * may still escalate are in. */
#include "crm/escalation.h"
#include "leads.h"

static crm_escalation_t s_escalation = {
    .event = "lead.reminder_escalated",
    .sql = CRM_ESCALATION_SQL("leads", "next_followup_at",
                              "r.owner_id <> 0 AND r.deleted_at IS NULL AND r.status IN (2, 3)"),
};

void leads_escalate_declare(leads_t *l)
{
    crm_escalation_declare(l->svc, "leads.escalate", &s_escalation);
}
