/* sales_conversion.c: a lead converted into a customer and an opportunity
 * (转为客户和商机, seed 002). The leads service takes the request and checks
 * the opportunity's fields (Leads.Convert, ConversionOpportunity); its
 * lead.converted carries them to the customers service, which makes the
 * customer once and passes them on in that customer's customer.created;
 * here the consumer of the customers stream, having kept the customer in
 * its read model by the statement before, makes the opportunity in the
 * same transaction: so the customer always exists first, and the
 * opportunity is made once (the consumer's offsets, and the unique
 * conversion_lead_id of sql/010 besides).
 *
 * The opportunity: the name, amount (given) and expected close date asked
 * for; the pipeline asked for when it is enabled, else the default (the
 * pipeline asked for is kept in the history entry's detail), at its first
 * stage; owned by the customer's owner (the lead's) in its department;
 * its source the customer's (the lead's), lead_id the lead; created by
 * who converted the lead; its entry into the stage (the funnel's ground),
 * a history entry `created` with the reason "converted from lead N", and
 * opportunity.created. One statement: a consumer's batch has no round trips
 * of its own. */
#include <string.h>

#include "crm/util.h"
#include "sales.h"
#include "sales_conversion.h"

/* $1 customer, $2 name, $3 amount, $4 expected close ("" none), $5 the
 * pipeline asked for (0: the default), $6 owner, $7 department, $8 lead, $9
 * creator, $10 source. The pipeline is read under a share lock, as every
 * change of an opportunity reads it (a stage is not removed under it). */
#define CONVERSION_SQL                                                                             \
    "WITH p AS (SELECT id FROM pipelines WHERE (id = $5::bigint AND enabled) OR is_default"        \
    "  ORDER BY id = $5::bigint DESC LIMIT 1 FOR SHARE),"                                          \
    " s AS (SELECT st.id, st.probability FROM pipeline_stages st JOIN p ON st.pipeline_id = p.id"  \
    "  WHERE st.removed_at IS NULL ORDER BY st.position LIMIT 1),"                                 \
    " o AS (INSERT INTO opportunities (name, customer_id, amount, amount_given,"                   \
    "  expected_close_on, pipeline_id, stage_id, status, win_probability, source, lead_id,"        \
    "  owner_id, department_id, creator_id, conversion_lead_id) SELECT btrim($2), $1::bigint,"     \
    "  $3::bigint, true, NULLIF($4, '')::date, p.id, s.id, 1, s.probability, $10, $8::bigint,"     \
    "  $6::bigint, $7::bigint, $9::bigint, $8::bigint FROM p, s ON CONFLICT (conversion_lead_id)"  \
    "  WHERE conversion_lead_id IS NOT NULL DO NOTHING RETURNING *),"                              \
    " ch AS (INSERT INTO opportunity_stage_changes (opportunity_id, pipeline_id, to_stage_id,"     \
    "  to_status, amount, probability, owner_id, department_id, actor_id, at) SELECT o.id,"        \
    "  o.pipeline_id, o.stage_id, o.status, o.amount, o.win_probability, o.owner_id,"              \
    "  o.department_id, o.creator_id, o.created_at FROM o),"                                       \
    " h AS (INSERT INTO sales_history (kind, record_id, action, actor_id, at, to_owner_id,"        \
    "  reason, detail) SELECT 'opportunity', o.id, 'created', o.creator_id, o.created_at,"         \
    "  o.owner_id, 'converted from lead ' || $8, json_build_object('lead_id', $8::bigint,"         \
    "  'pipeline_asked', NULLIF($5::bigint, 0))::text FROM o)"                                     \
    " SELECT " SALES_OPP_COLUMNS " FROM o"

void sales_conversion_add(crm_db_batch_t *b, const Crm__Events__CustomerCreated *ev)
{
    const Crm__Leads__ConversionOpportunity *q = ev->opportunity;
    const Crm__Customers__Customer *c = ev->customer;
    if (!q || !c || !c->lead_id)
        return;
    char n[7][24];
    const char *p[] = {crm_i64(n[0], c->id),
                       q->name,
                       crm_i64(n[1], q->amount),
                       q->expected_close_date,
                       crm_i64(n[2], q->pipeline_id),
                       crm_i64(n[3], c->owner_id),
                       crm_i64(n[4], c->department_id),
                       crm_i64(n[5], c->lead_id),
                       crm_i64(n[6], c->creator_id),
                       c->source};
    crm_db_batch_add(b, CONVERSION_SQL, 10, p);
}

void sales_conversion_applied(void *arg, const crm_db_result_t *res, crm_db_batch_t *commit)
{
    (void)arg;
    for (size_t i = 0; i < res->nresults; i++) {
        const PGresult *r = res->results[i];
        /* The read model's statements return nothing; a conversion made
         * nothing when its lead's opportunity exists already. */
        if (PQntuples(r) == 0 || PQfnumber(r, "stage_name") < 0)
            continue;
        opportunity_row_t row;
        sales_opp_row(r, 0, &row);
        sales_opp_event_t ev = {.by = row.o.creator_id};
        sales_emit_opp(commit, "opportunity.created", &row.o, &ev);
        sales_opp_row_clear(&row);
    }
}
