/* customers_events.c: what the customers service consumes: lead.converted
 * from leads (a customer made, with the events of what it made, in the
 * consumer's transaction), the organisation, and the scheduler's jobs it
 * declares. The events of its own changes are customers_emit.c's.
 *
 * A conversion becomes a customer once (the consumer's offsets, and the
 * lead_id's unique key besides): every field the conversion accepted, its
 * owner the lead's, a first contact made from the lead (primary), the
 * lead's follow-ups copied with their method, time and attachments when
 * the conversion asked for it, and a history entry. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/pbjson.h"
#include "crm/util.h"
#include "customers.h"

/* ---- leads: lead.converted → a customer, once ------------------------- */

/* The conversion's statement: the customer, its first contact, the copied
 * follow-ups and the history entry, in one statement (a consumer's batch
 * has no round trips of its own); nothing if the lead's customer exists. */
#define FROM_LEAD_SQL                                                                              \
    "WITH c AS (INSERT INTO customers (name, mobile, telephone, email, wechat, qq, company,"       \
    "  source, level, industry, tags, province, city, district, address, remark,"                  \
    "  next_contact_at, owner_id, department_id, creator_id, lead_id, type, last_followup_at,"     \
    "  last_followup_content, completeness, owner_since, pool_id)"                                 \
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text[], $12, $13, $14, $15, $16,"      \
    "  crm_ts($17::bigint), $18::bigint, $19::bigint, $20::bigint, $21::bigint, $22::smallint,"    \
    "  crm_ts($23::bigint), $24, $27::smallint, CASE WHEN $18::bigint <> 0 THEN now() END,"        \
    "  COALESCE((SELECT id FROM customer_pools WHERE is_default AND deleted_at IS NULL), 1))"      \
    " ON CONFLICT (lead_id) DO NOTHING RETURNING *),"                                              \
    " k AS (INSERT INTO contacts (customer_id, name, mobile, telephone, email, wechat,"            \
    "  is_primary, creator_id) SELECT c.id, $25, c.mobile, c.telephone, c.email, c.wechat, true,"  \
    "  $20::bigint FROM c WHERE $25 <> '' RETURNING id, crm_us(created_at) AS at),"                \
    " f AS (INSERT INTO customer_followups (customer_id, user_id, content, at, method,"            \
    "  next_contact_at, attachments, lead_id) SELECT c.id, x.user_id, x.content, crm_ts(x.at),"    \
    "  x.method, crm_ts(x.next), COALESCE(x.attachments, '{}'), c.lead_id FROM c,"                 \
    "  json_to_recordset($26::json) AS x(user_id bigint, at bigint, content text,"                 \
    "  method smallint, next bigint, attachments text[])),"                                        \
    " h AS (INSERT INTO customer_history (kind, record_id, action, actor_id, to_owner_id,"         \
    "  detail) SELECT 'customer', c.id, 'converted', $20::bigint, c.owner_id,"                     \
    "  json_build_object('lead_id', c.lead_id)::text FROM c)"                                      \
    " SELECT " CUSTOMER_COLUMNS ", (SELECT id FROM k) AS first_contact_id,"                        \
    " (SELECT at FROM k) AS first_contact_at_us, $25 AS first_contact_name,"                       \
    " $28 AS opportunity_json FROM c"

void customers_events_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "customer_from_lead", FROM_LEAD_SQL);
}

/* The opportunity the conversion asked for (its JSON, passed through the
 * statement), or NULL: none. Caller frees. */
static Crm__Leads__ConversionOpportunity *s_opportunity(const PGresult *r)
{
    const char *text = crm_db_get(r, 0, PQfnumber(r, "opportunity_json"));
    if (!*text)
        return NULL;
    json_t *j = json_loads(text, 0, NULL);
    char *err = NULL, *field = NULL;
    ProtobufCMessage *m =
        j ? crm_pb_from_json(&crm__leads__conversion_opportunity__descriptor, j, &err, &field)
          : NULL;
    if (!m) /* written by s_add_customer from the message itself: a bug if not */
        crm_log(CRM_ERROR, "a conversion's opportunity does not read back", "field",
                field ? field : "", NULL);
    json_decref(j);
    free(err);
    free(field);
    return (Crm__Leads__ConversionOpportunity *)m;
}

/* The customer.created (and contact.created) of each conversion applied;
 * a conversion that asked for an opportunity passes it on in its
 * customer.created, for the sales service to make. */
static void s_customers_inserted(void *arg, const crm_db_result_t *res, crm_db_batch_t *b)
{
    (void)arg;
    for (size_t i = 0; i < res->nresults; i++) {
        const PGresult *r = res->results[i];
        if (PQntuples(r) == 0)
            continue; /* that lead's customer exists already */
        customer_row_t row;
        customers_store_row(r, 0, &row);
        Crm__Leads__ConversionOpportunity *opp = s_opportunity(r);
        customers_emit_created(b, &row.c, opp);
        if (opp)
            protobuf_c_message_free_unpacked(&opp->base, NULL);
        int64_t contact = crm_db_get_i64(r, 0, PQfnumber(r, "first_contact_id"));
        if (contact) {
            Crm__Customers__Contact k = CRM__CUSTOMERS__CONTACT__INIT;
            k.id = contact;
            k.customer_id = row.c.id;
            k.customer_name = row.c.name;
            k.name = (char *)crm_db_get(r, 0, PQfnumber(r, "first_contact_name"));
            k.mobile = row.c.mobile;
            k.telephone = row.c.telephone;
            k.email = row.c.email;
            k.wechat = row.c.wechat;
            k.primary = 1;
            k.creator_id = row.c.creator_id;
            k.owner_id = row.c.owner_id;
            k.created_at_us = k.updated_at_us =
                crm_db_get_i64(r, 0, PQfnumber(r, "first_contact_at_us"));
            Crm__Events__ContactChanged ev = CRM__EVENTS__CONTACT_CHANGED__INIT;
            ev.contact = &k;
            ev.by = row.c.creator_id;
            char key[24];
            crm_outbox_add(b, "contact.created", crm_i64(key, contact), &ev.base);
        }
        customers_row_clear(&row);
    }
}

/* The follow-ups to copy, as a JSON array for json_to_recordset. */
static char *s_followups_json(const Crm__Events__LeadConverted *lc)
{
    json_t *a = json_array();
    for (size_t i = 0; i < lc->n_follow_ups; i++) {
        const Crm__Leads__FollowUp *f = lc->follow_ups[i];
        json_t *att = json_array();
        for (size_t k = 0; k < f->n_attachments; k++)
            json_array_append_new(att, json_string(f->attachments[k]));
        json_array_append_new(
            a, json_pack("{s:I, s:I, s:s, s:i, s:I, s:o}", "user_id", (json_int_t)f->user_id, "at",
                         (json_int_t)(f->at_us ? f->at_us : f->created_at_us), "content",
                         f->content, "method", f->method ? (int)f->method : 6, "next",
                         (json_int_t)f->next_followup_at_us, "attachments", att));
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return text;
}

static const char *s_or(const char *a, const char *b)
{
    return a && *a ? a : b ? b : "";
}

/* The customer a conversion describes, pointing into the event. */
static void s_converted_customer(const Crm__Events__LeadConverted *lc, customer_t *c)
{
    const Crm__Leads__Lead *l = lc->lead;
    crm__customers__customer__init(c);
    c->name = (char *)s_or(lc->customer_name, l->name);
    c->mobile = (char *)s_or(lc->mobile, l->mobile);
    c->telephone = (char *)s_or(lc->telephone, l->telephone);
    c->email = l->email;
    c->wechat = l->wechat;
    c->qq = l->qq;
    c->company = l->company;
    c->source = (char *)s_or(lc->source, l->source);
    c->level = (char *)s_or(lc->level, l->level);
    c->industry = (char *)s_or(lc->industry, l->industry);
    c->tags = lc->n_tags ? lc->tags : l->tags;
    c->n_tags = lc->n_tags ? lc->n_tags : l->n_tags;
    c->province = l->province;
    c->city = l->city;
    c->district = l->district;
    c->address = l->address;
    c->remark = (char *)s_or(lc->remark, l->remark);
    c->next_contact_at_us = lc->next_followup_at_us;
    c->owner_id = l->owner_id;
    c->department_id = l->department_id;
    c->creator_id = lc->converted_by;
    c->lead_id = l->id;
    /* A lead with a company name becomes a company's customer. */
    c->type = *l->company ? CRM__CUSTOMERS__CUSTOMER_TYPE__CUSTOMER_TYPE_COMPANY
                          : CRM__CUSTOMERS__CUSTOMER_TYPE__CUSTOMER_TYPE_INDIVIDUAL;
    if (lc->n_follow_ups) {
        c->last_followup_at_us = l->last_followup_at_us;
        c->last_followup_content = l->last_followup_content;
    }
}

/* Adds the statement making the customer a lead.converted describes. */
static int s_add_customer(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                          crm_db_batch_t *b)
{
    (void)arg;
    const Crm__Events__LeadConverted *lc = (const Crm__Events__LeadConverted *)payload;
    if (!lc->lead) {
        crm_log(CRM_ERROR, "lead.converted without its lead", "event_id", ev->event_id, NULL);
        return -1;
    }
    customer_t c;
    s_converted_customer(lc, &c);
    char n[10][24];
    char *tags = crm_db_text_array(c.tags, c.n_tags), *fu = s_followups_json(lc);
    char *opp =
        lc->opportunity ? crm_pb_to_json_text(&lc->opportunity->base, 0, NULL) : crm_strdup("");
    const char *p[] = {c.name,
                       c.mobile,
                       c.telephone,
                       c.email,
                       c.wechat,
                       c.qq,
                       c.company,
                       c.source,
                       c.level,
                       c.industry,
                       tags,
                       c.province,
                       c.city,
                       c.district,
                       c.address,
                       c.remark,
                       crm_i64(n[0], c.next_contact_at_us),
                       crm_i64(n[1], c.owner_id),
                       crm_i64(n[2], c.department_id),
                       crm_i64(n[3], c.creator_id),
                       crm_i64(n[4], c.lead_id),
                       crm_i64(n[5], c.type),
                       crm_i64(n[6], c.last_followup_at_us),
                       s_or(c.last_followup_content, ""),
                       s_or(lc->contact_name, ""),
                       fu,
                       crm_i64(n[7], customers_completeness(&c)),
                       opp};
    crm_db_batch_add(b, "customer_from_lead", 28, p);
    free(tags);
    free(fu);
    free(opp);
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
    /* The customers' opportunities, their totals and deals (customers_sales.c). */
    customers_sales_consume(c);
    /* Who exists: the gateway's users and departments (crm/org.h). */
    crm_org_consume(c->svc, "gateway", customers_handover());
    /* Recycling, the warnings before it and next-contact reminders
     * (customers_recycle.c, customers_remind.c): each fired by the
     * scheduler at each customer's own time, published as a timer
     * (sql/012); the sweeps on schedule catch whatever a timer could miss
     * (a scheduler restored to an earlier point). */
    crm_job_declare(c->svc, "customers.recycle", CRM_EVERY(3600), customers_recycle_job, NULL);
    crm_job_declare(c->svc, "customers.remind", CRM_EVERY(600), customers_remind_job, NULL);
    crm_job_declare(c->svc, "customers.remind_contacts", CRM_EVERY(600),
                    customers_remind_contacts_job, NULL);
}
