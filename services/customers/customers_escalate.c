/* customers_escalate.c: the "customers.escalate" job (every 5 minutes,
 * crm/escalation.h): a held customer whose next contact time passed
 * CRM_CUSTOMERS_ESCALATE_AFTER_H hours ago (default 24) with no follow-up
 * since goes to its owner's department manager, once per next contact
 * time: customer.reminder_escalated, committed with escalated_at, read
 * along the index of sql/013 that only the customers that may still
 * escalate are in. */
#include "crm/escalation.h"
#include "customers.h"

static crm_escalation_t s_escalation = {
    .event = "customer.reminder_escalated",
    .sql = CRM_ESCALATION_SQL("customers", "next_contact_at",
                              "r.owner_id <> 0 AND r.deleted_at IS NULL"),
};

void customers_escalate_declare(customers_t *c)
{
    crm_escalation_declare(c->svc, "customers.escalate", &s_escalation);
}
