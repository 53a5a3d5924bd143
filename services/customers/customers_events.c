/* customers_events.c: what the customers service consumes (lead.converted
 * from leads; the scheduler's "customers.recycle" job) and the events it
 * emits in response, in the same transaction as the consumer's offset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

/* ---- leads: lead.converted → a customer, once ------------------------- */

static void s_customers_inserted(void *arg, const crm_db_result_t *res)
{
    crm_consumer_batch_t *batch = arg;
    if (res->err) {
        crm_log(CRM_WARN, "customers from leads not created", "error", res->message, NULL);
        crm_consumer_done(batch, NULL, 0);
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    for (size_t i = 0; i < res->nresults; i++) {
        if (PQntuples(res->results[i]) == 0)
            continue; /* that lead's customer exists already */
        Crm__Customers__Customer cust;
        customers_store_row(res->results[i], 0, &cust);
        Crm__Events__CustomerCreated ev = CRM__EVENTS__CUSTOMER_CREATED__INIT;
        ev.customer = &cust;
        crm_outbox_add(b, "customer.created", crm_db_get(res->results[i], 0, 0), &ev.base);
    }
    crm_consumer_done(batch, &b, 1);
}

/* Adds the insert of the customer a lead.converted event describes; returns
 * 0, or -1 if the event is not one (or cannot be decoded). */
static int s_add_customer(crm_db_batch_t *b, const Crm__Event *ev)
{
    if (strcmp(ev->type, "lead.converted") != 0)
        return -1;
    Crm__Events__LeadConverted *lc =
        crm__events__lead_converted__unpack(NULL, ev->payload.len, ev->payload.data);
    if (!lc || !lc->lead) {
        crm_log(CRM_ERROR, "undecodable lead.converted skipped", "event_id", ev->event_id, NULL);
        crm__events__lead_converted__free_unpacked(lc, NULL);
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
    crm__events__lead_converted__free_unpacked(lc, NULL);
    return 0;
}

static void s_apply_leads(void *arg, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                          crm_consumer_batch_t *batch)
{
    crm_db_batch_t *b = crm_db_batch_new();
    for (size_t i = 0; i < n; i++)
        s_add_customer(b, events[i]);
    if (crm_db_batch_size(b) == 0) {
        crm_db_batch_destroy(&b);
        crm_consumer_done(batch, NULL, 1);
        return;
    }
    crm_db_tx_submit(tx, &b, s_customers_inserted, batch);
}

/* ---- wiring ----------------------------------------------------------- */

void customers_events_start(customers_t *c)
{
    crm_service_consume(c->svc, "leads", s_apply_leads, c, 1);
    /* Recycling of neglected customers hourly: each pool's rule says how
     * many days without a follow-up is too many. */
    crm_job_declare(c->svc, "customers.recycle", CRM_EVERY(3600), customers_recycle_job, NULL);
}
