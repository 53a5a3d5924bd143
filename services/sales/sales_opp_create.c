/* sales_opp_create.c: CreateOpportunity (新建商机), a write transaction of
 * its own (crm/txn.h). Round 1 reads what it refers to: the customer and
 * its contacts as the read model has them (never the customers database),
 * the pipeline (the default unless named, under a share lock), the
 * products of its lines, the people it names. It decides: the customer
 * exists and the caller sees it, the contacts are the customer's, the
 * pipeline is enabled and the stage one of its (its first by default), the
 * lines priced (copied from the catalogue), the amount the lines' total
 * unless given; then writes the opportunity, its lines, its entry into its
 * first stage (the funnel's ground), its history and opportunity.created. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

typedef struct {
    opportunity_t o;
    const Crm__Sales__CreateOpportunityRequest *req;
    int64_t named_department;
    Crm__Sales__OpportunityLine **lines; /* priced, owned */
    Crm__Sales__Pipeline *pipeline;      /* as read, owned */
} create_t;

static void s_done(void *data)
{
    create_t *k = data;
    for (size_t i = 0; k->lines && i < k->o.n_lines; i++)
        free(k->lines[i]);
    free(k->lines);
    sales_pipeline_free(k->pipeline);
    free(k->o.name);
    free(k);
}

static void s_read(crm_txn_t *t)
{
    create_t *k = crm_txn_data(t);
    const Crm__Sales__CreateOpportunityRequest *req = k->req;
    crm_txn_read(t, "next_id", "SELECT nextval('opportunities_id_seq'), crm_us(now())", 0, NULL);
    sales_read_customer(t, req->customer_id);
    sales_read_contacts(t, req->customer_id, req->contact_ids, req->n_contact_ids);
    char pid[24];
    const char *p[] = {crm_i64(pid, req->pipeline_id)};
    crm_txn_read(t, "pipeline", SALES_PIPELINE_SHARED, 1, p);
    sales_read_products(t, req->lines, req->n_lines);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "owner_id", k->o.owner_id);
    crm_org_department(refs, "department_id", k->named_department);
    crm_org_users(refs, "team_member_ids", req->team_member_ids, req->n_team_member_ids);
    crm_org_users(refs, "team_reader_ids", req->team_reader_ids, req->n_team_reader_ids);
    crm_org_read(t, "org", &refs);
}

/* The customer must be one the caller sees: one outside the caller's scope
 * is answered as one that does not exist, so nobody learns it does. */
static int s_customer_ok(crm_txn_t *t, create_t *k)
{
    const PGresult *r = crm_txn_result(t, "customer");
    if (!sales_customer_visible(crm_txn_caller(t), r, crm_txn_now(t)))
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "customer_id",
                              "customer %lld does not exist", (long long)k->o.customer_id);
    k->o.customer_name = (char *)crm_db_get(r, 0, PQfnumber(r, "name"));
    crm_err_t err;
    if (sales_contacts_ok(t, k->o.customer_id, k->o.contact_ids, k->o.n_contact_ids, &err) < 0)
        return crm_txn_refuse(t, err.status, err.field, "%s", err.message);
    return 0;
}

/* The pipeline (enabled) and the stage (its first unless named). */
static int s_pipeline_ok(crm_txn_t *t, create_t *k)
{
    const Crm__Sales__CreateOpportunityRequest *req = k->req;
    k->pipeline = sales_pipeline_of(crm_txn_result(t, "pipeline"), 0);
    if (!k->pipeline)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "pipeline_id",
                              "pipeline %lld does not exist", (long long)req->pipeline_id);
    if (!k->pipeline->enabled)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "pipeline_id",
                              "pipeline %lld (%s) is disabled: it takes no new opportunity",
                              (long long)k->pipeline->id, k->pipeline->name);
    const Crm__Sales__Stage *st = req->stage_id ? sales_pipeline_stage(k->pipeline, req->stage_id)
                                  : k->pipeline->n_stages ? k->pipeline->stages[0]
                                                          : NULL;
    if (!st)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "stage_id",
                              "stage %lld is not a stage of pipeline %lld (%s)",
                              (long long)req->stage_id, (long long)k->pipeline->id,
                              k->pipeline->name);
    k->o.pipeline_id = k->pipeline->id;
    k->o.stage_id = st->id;
    k->o.stage_name = st->name;
    k->o.win_probability = st->probability;
    return 0;
}

/* The lines priced; the amount. */
static int s_lines_ok(crm_txn_t *t, create_t *k)
{
    const Crm__Sales__CreateOpportunityRequest *req = k->req;
    crm_err_t err;
    k->lines = crm_calloc(req->n_lines + 1, sizeof *k->lines);
    k->o.lines = k->lines;
    k->o.n_lines = req->n_lines;
    if (sales_lines_price(req->lines, req->n_lines, crm_txn_result(t, "products"), k->lines, &err) <
        0)
        return crm_txn_refuse(t, err.status, err.field, "%s", err.message);
    k->o.amount_given =
        req->has_amount_case == CRM__SALES__CREATE_OPPORTUNITY_REQUEST__HAS_AMOUNT_AMOUNT;
    k->o.amount = k->o.amount_given ? req->amount : sales_lines_total(k->lines, req->n_lines);
    return 0;
}

static int s_org_ok(crm_txn_t *t, create_t *k)
{
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_txn_result(t, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    int64_t dept = crm_org_department_of(org, "owner_id");
    if (!k->named_department && dept)
        k->o.department_id = dept;
    return 0;
}

static int s_decide(crm_txn_t *t)
{
    create_t *k = crm_txn_data(t);
    opportunity_t *o = &k->o;
    if (s_org_ok(t, k) < 0 || s_customer_ok(t, k) < 0 || s_pipeline_ok(t, k) < 0 ||
        s_lines_ok(t, k) < 0)
        return -1;
    const PGresult *next = crm_txn_result(t, "next_id");
    o->id = crm_db_get_i64(next, 0, 0);
    o->created_at_us = o->updated_at_us = o->stage_changed_at_us = crm_db_get_i64(next, 0, 1);
    crm_db_batch_t *b = crm_txn_batch(t);
    sales_opp_write(b, "opportunity_insert", o, 0);
    sales_opp_write_lines(b, o);
    sales_stage_change_t ch = {.actor_id = o->creator_id, .at_us = o->created_at_us};
    sales_opp_write_stage_change(b, o, &ch);
    sales_history_t h = {.kind = "opportunity",
                         .record_id = o->id,
                         .action = "created",
                         .actor_id = o->creator_id,
                         .at_us = o->created_at_us,
                         .to_owner_id = o->owner_id};
    sales_store_history(b, &h);
    sales_opp_event_t ev = {.by = o->creator_id};
    sales_emit_opp(b, "opportunity.created", o, &ev);
    crm_txn_reply(t, &o->base);
    return 0;
}

static const crm_txn_op_t s_op = {.read = s_read, .decide = s_decide, .done = s_done};

/* Who owns it (0 after failing call): the caller, or someone in the
 * caller's scope. */
static int64_t s_owner(crm_rpc_call_t *call, const Crm__Sales__CreateOpportunityRequest *req)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    int64_t owner = req->owner_id ? req->owner_id : caller->user_id;
    if (req->owner_id < 0 || req->department_id < 0 || req->pipeline_id < 0 || req->stage_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT,
                     req->owner_id < 0        ? "owner_id"
                     : req->department_id < 0 ? "department_id"
                     : req->pipeline_id < 0   ? "pipeline_id"
                                              : "stage_id",
                     "must not be negative");
        return 0;
    }
    if (!owner) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "owner_id", "owner_id is required");
        return 0;
    }
    if (!crm_scope_allows(caller, owner)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "owner_id",
                     "you may not create opportunities for user %lld", (long long)owner);
        return 0;
    }
    return owner;
}

static void s_create(crm_rpc_call_t *call, const Crm__Sales__CreateOpportunityRequest *req,
                     void *arg)
{
    sales_t *s = arg;
    sales_opp_input_t in = {
        .name = req->name,
        .expected_close_date = req->expected_close_date,
        .source = req->source,
        .remark = req->remark,
        .contact_ids = req->contact_ids,
        .n_contact_ids = req->n_contact_ids,
        .has_contacts = 1,
        .has_amount =
            req->has_amount_case == CRM__SALES__CREATE_OPPORTUNITY_REQUEST__HAS_AMOUNT_AMOUNT,
        .amount = req->amount,
        .lines = req->lines,
        .n_lines = req->n_lines,
        .has_lines = 1,
        .members = req->team_member_ids,
        .n_members = req->n_team_member_ids,
        .has_members = 1,
        .readers = req->team_reader_ids,
        .n_readers = req->n_team_reader_ids,
        .has_readers = 1,
        .next_contact_at_us = req->next_contact_at_us,
        .lead_id = req->lead_id,
    };
    if (!crm_check_id(call, "customer_id", req->customer_id) || !sales_opp_check(call, &in))
        return;
    int64_t owner = s_owner(call, req);
    if (!owner || !sales_team_without(call, owner, req->team_member_ids, req->n_team_member_ids,
                                      req->team_reader_ids, req->n_team_reader_ids))
        return;
    create_t *k = crm_calloc(1, sizeof *k);
    opportunity_t *o = &k->o;
    crm__sales__opportunity__init(o);
    k->req = req;
    o->name = crm_strtrim(req->name);
    o->customer_id = req->customer_id;
    o->contact_ids = req->contact_ids;
    o->n_contact_ids = req->n_contact_ids;
    o->expected_close_date = req->expected_close_date;
    o->status = SALES_OPEN;
    o->source = req->source;
    o->lead_id = req->lead_id;
    o->owner_id = owner;
    o->department_id =
        req->department_id ? req->department_id : crm_rpc_call_caller(call)->department_id;
    k->named_department = req->department_id;
    o->team_member_ids = req->team_member_ids;
    o->n_team_member_ids = req->n_team_member_ids;
    o->team_reader_ids = req->team_reader_ids;
    o->n_team_reader_ids = req->n_team_reader_ids;
    o->remark = req->remark;
    o->next_contact_at_us = req->next_contact_at_us;
    o->creator_id = crm_rpc_call_caller(call)->user_id;
    crm_txn_run(&s->env, call, &s_op, k);
}

void sales_opp_create_handlers(sales_t *s)
{
    s->handlers.create_opportunity = s_create;
}
