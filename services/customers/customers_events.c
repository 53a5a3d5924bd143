/* customers_events.c: what the customers service consumes (lead.converted
 * from leads; the scheduler's "customers.recycle" job) and the events it
 * emits in response, in the same transaction as the consumer's offset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

/* ---- leads: lead.converted → a customer, once ------------------------- */

/* The customers the batch's statements made: one customer.created each. */
static void s_customers_inserted(void *arg, const crm_db_result_t *res, crm_db_batch_t *b)
{
    for (size_t i = 0; i < res->nresults; i++) {
        if (PQntuples(res->results[i]) == 0)
            continue; /* that lead's customer exists already */
        Crm__Customers__Customer cust;
        customers_store_row(res->results[i], 0, &cust);
        Crm__Events__CustomerCreated ev = CRM__EVENTS__CUSTOMER_CREATED__INIT;
        ev.customer = &cust;
        crm_outbox_add(b, "customer.created", crm_db_get(res->results[i], 0, 0), &ev.base);
    }
}

/* Adds the insert of the customer a lead.converted event describes. */
static int s_add_customer(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                          crm_db_batch_t *b)
{
    const Crm__Events__LeadConverted *lc = (const Crm__Events__LeadConverted *)payload;
    if (!lc->lead) {
        crm_log(CRM_ERROR, "lead.converted without its lead", "event_id", ev->event_id, NULL);
        return -1;
    }
    const Crm__Leads__Lead *l = lc->lead;
    char owner[24], dept[24], lead[24];
    /* The follow-ups to copy, as three arrays. */
    size_t nf = lc->n_follow_ups;
    int64_t *users = crm_calloc(nf + 1, sizeof *users), *ats = crm_calloc(nf + 1, sizeof *ats);
    char **texts = crm_calloc(nf + 1, sizeof *texts);
    for (size_t i = 0; i < nf; i++) {
        users[i] = lc->follow_ups[i]->user_id;
        texts[i] = lc->follow_ups[i]->content;
        ats[i] = lc->follow_ups[i]->at_us;
    }
    char *fu = crm_db_i64_array(users, nf), *ft = crm_db_text_array(texts, nf),
         *fa = crm_db_i64_array(ats, nf);
    const char *p[] = {lc->customer_name,
                       lc->contact_name,
                       *lc->mobile ? lc->mobile : l->mobile,
                       *lc->telephone ? lc->telephone : l->telephone,
                       l->email,
                       l->company,
                       lc->source,
                       lc->level,
                       lc->industry,
                       crm_i64(owner, l->owner_id),
                       crm_i64(dept, l->department_id),
                       crm_i64(lead, l->id),
                       fu,
                       ft,
                       fa};
    crm_db_batch_add(b, "customer_from_lead", 15, p);
    free(users);
    free(ats);
    free(texts);
    free(fu);
    free(ft);
    free(fa);
    return 0;
}

static const crm_event_handler_t s_from_leads[] = {
    {"lead.converted", &crm__events__lead_converted__descriptor, s_add_customer},
};
static const crm_event_table_t s_leads_events = {
    .handlers = s_from_leads, .n = 1, .applied = s_customers_inserted};

/* ---- wiring ----------------------------------------------------------- */

void customers_events_start(customers_t *c)
{
    crm_service_consume_events(c->svc, "leads", &s_leads_events, c, 1);
    /* Who exists: the gateway's users and departments (crm/org.h). */
    crm_org_consume(c->svc, "gateway", customers_handover());
    /* Recycling of neglected customers hourly: each pool's rule says how
     * many days without a follow-up is too many. */
    crm_job_declare(c->svc, "customers.recycle", CRM_EVERY(3600), customers_recycle_job, NULL);
}
