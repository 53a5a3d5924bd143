/* sales_opp_kind.c: the opportunity as a record kind of the change engine
 * (crm/change.h): locked in id order, read with its lines, acted on by
 * those who may (its owner's side; read-write team members edit it, read-
 * only ones read and follow it up; to others it does not exist), saved
 * with its history entry (old and new values) and announced
 * (opportunity.<action>) in the change's transaction. Its ops here: an
 * edit by merge patch (UpdateOpportunity), transfer (one or many, with a
 * reason) and delete (admins). Stage changes are sales_opp_stage.c's,
 * follow-ups sales_opp_followups.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/history.h"
#include "crm/mask.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

/* The fields a history entry leaves out: bookkeeping, and what the entry
 * or the stage changes say themselves. */
static crm_history_skip_t s_unfollowed = {
    "id",
    "creator_id",
    "created_at",
    "updated_at",
    "stage_changed_at",
    "stage_name",
    "customer_name",
    "last_followup_at",
    "last_followup_content",
    "amount_given",
    NULL,
};

static void s_decode(const PGresult *r, int row, void *rec)
{
    sales_opp_row(r, row, rec);
}

static void s_clear(void *rec)
{
    sales_opp_row_clear(rec);
}

/* Not seen: not found; seen, not this: say so. */
static int s_refuse(crm_change_t *c, const opportunity_t *o, const char *what)
{
    if (sales_opp_can_read(crm_change_caller(c), o))
        return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL, "%s", what);
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

/* The default: its owner's side (transfer, delete, stage moves by admins). */
static int s_may_act(crm_change_t *c, const void *rec)
{
    const opportunity_t *o = &((const opportunity_row_t *)rec)->o;
    if (crm_scope_allows(crm_change_caller(c), o->owner_id))
        return 0;
    return s_refuse(c, o, "this is for its owner's side");
}

int sales_opp_may_edit(crm_change_t *c, const void *rec)
{
    const opportunity_t *o = &((const opportunity_row_t *)rec)->o;
    if (sales_opp_can_edit(crm_change_caller(c), o))
        return 0;
    return s_refuse(c, o,
                    "team members with read access read it and follow it up; this is for"
                    " its owner's side and read-write members");
}

int sales_opp_may_read(crm_change_t *c, const void *rec)
{
    const opportunity_t *o = &((const opportunity_row_t *)rec)->o;
    if (sales_opp_can_read(crm_change_caller(c), o))
        return 0;
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

int sales_opp_allows(crm_change_t *c, const opportunity_t *o, int action)
{
    const char *why;
    unsigned facts = crm_scope_all(crm_change_caller(c)) ? SALES_FACT_ADMIN : 0;
    if (sales_next_status(o->status, (sales_action_t)action, facts, &why))
        return 0;
    return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL, "%s", why);
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((opportunity_row_t *)rec)->o.updated_at_us = crm_change_now(c);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const opportunity_t *before = &((const opportunity_row_t *)prev)->o;
    const opportunity_row_t *row = rec;
    sales_opp_write(b, "opportunity_save", &row->o, row->deleted);
    if (row->o.lines != before->lines || row->o.n_lines != before->n_lines)
        sales_opp_write_lines(b, &row->o);
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &row->o.base, s_unfollowed);
    sales_change_history(c, b, "opportunity", row->o.id, detail, before->owner_id, row->o.owner_id);
    free(detail);
}

/* The default event: opportunity.<action>, what changed. */
static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const opportunity_t *before = &((const opportunity_row_t *)prev)->o;
    opportunity_t *o = &((opportunity_row_t *)rec)->o;
    char *changed[32], type[48];
    size_t n = crm_history_changed(&before->base, &o->base, s_unfollowed, changed, 32);
    snprintf(type, sizeof type, "opportunity.%s", crm_change_op(c)->action);
    sales_opp_event_t ev = {.by = crm_change_caller(c)->user_id,
                            .reason = crm_change_reason(c),
                            .changed = changed,
                            .n_changed = n,
                            .from = before};
    sales_emit_opp(b, type, o, &ev);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

/* The default reply: the changed opportunities. */
static void s_reply(crm_change_t *c)
{
    size_t n = crm_change_count(c);
    Crm__Sales__OpportunitiesReply reply = CRM__SALES__OPPORTUNITIES_REPLY__INIT;
    opportunity_t **os = crm_calloc(n + 1, sizeof *os);
    for (size_t i = 0; i < n; i++)
        os[i] = &sales_opp_of(c, i)->o;
    reply.opportunities = os;
    reply.n_opportunities = n;
    crm_change_reply(c, &reply.base);
    free(os);
}

void sales_opp_single_reply(crm_change_t *c)
{
    crm_change_reply(c, &sales_opp_of(c, 0)->o.base);
}

const crm_change_kind_t sales_opp_kind = {
    .noun = "opportunity",
    .lock = "opportunity_lock_many",
    .size = sizeof(opportunity_row_t),
    .decode = s_decode,
    .clear = s_clear,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = s_reply,
};

/* ---- UpdateOpportunity ------------------------------------------------------------ */

static const char *const s_editable[] = {"name",
                                         "contact_ids",
                                         "amount",
                                         "expected_close_date",
                                         "lines",
                                         "source",
                                         "lead_id",
                                         "team_member_ids",
                                         "team_reader_ids",
                                         "remark",
                                         "next_contact_at_us",
                                         "win_probability",
                                         NULL};

static int s_in_mask(const Crm__Sales__UpdateOpportunityRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

static void s_update_read(crm_change_t *c)
{
    const Crm__Sales__UpdateOpportunityRequest *req = crm_change_request(c);
    crm_txn_t *t = crm_change_txn(c);
    if (s_in_mask(req, "lines"))
        sales_read_products(t, req->lines, req->n_lines);
    if (s_in_mask(req, "contact_ids")) {
        /* The customer is fixed: read its contacts by the opportunity's. */
        char id[24];
        char *a = crm_db_i64_array(req->contact_ids, req->n_contact_ids);
        const char *p[] = {crm_i64(id, req->id), a};
        crm_change_read(c, "contacts",
                        "SELECT k.id FROM sales_contacts k JOIN opportunities o ON o.customer_id ="
                        " k.customer_id WHERE o.id = $1::bigint AND k.id = ANY($2::bigint[]) AND"
                        " NOT k.deleted",
                        2, p);
        free(a);
    }
    crm_org_refs_t *refs = crm_org_refs_new();
    if (s_in_mask(req, "team_member_ids"))
        crm_org_users(refs, "team_member_ids", req->team_member_ids, req->n_team_member_ids);
    if (s_in_mask(req, "team_reader_ids"))
        crm_org_users(refs, "team_reader_ids", req->team_reader_ids, req->n_team_reader_ids);
    crm_org_read(t, "org", &refs);
}

/* The lines replaced, priced from the catalogue now; the amount summed
 * again unless given. */
static int s_update_lines(crm_change_t *c, opportunity_t *o)
{
    const Crm__Sales__UpdateOpportunityRequest *req = crm_change_request(c);
    if (s_in_mask(req, "lines")) {
        Crm__Sales__OpportunityLine **lines =
            crm_change_keep(c, crm_calloc(req->n_lines + 1, sizeof *lines));
        crm_err_t err;
        int rc = sales_lines_price(req->lines, req->n_lines, crm_change_result(c, "products"),
                                   lines, &err);
        for (size_t i = 0; i < req->n_lines && lines[i]; i++)
            crm_change_keep(c, lines[i]);
        if (rc < 0)
            return crm_change_refuse(c, err.status, err.field, "%s", err.message);
        o->lines = lines;
        o->n_lines = req->n_lines;
    }
    if (s_in_mask(req, "amount")) /* 0 (null): the lines' total again */
        o->amount_given = req->amount != 0;
    o->amount = o->amount_given ? (s_in_mask(req, "amount") ? req->amount : o->amount)
                                : sales_lines_total(o->lines, o->n_lines);
    return 0;
}

/* The contacts are the customer's; the team's people exist; the owner is
 * not on the team. */
static int s_update_refs(crm_change_t *c, opportunity_t *o)
{
    const Crm__Sales__UpdateOpportunityRequest *req = crm_change_request(c);
    crm_errs_t errs = {.n = 0};
    if (crm_org_check(crm_change_result(c, "org"), &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    if (s_in_mask(req, "contact_ids")) {
        crm_err_t err;
        if (sales_contacts_ok(crm_change_txn(c), o->customer_id, req->contact_ids,
                              req->n_contact_ids, &err) < 0)
            return crm_change_refuse(c, err.status, err.field, "%s", err.message);
        o->contact_ids = req->contact_ids;
        o->n_contact_ids = req->n_contact_ids;
    }
#define TEAM(f)                                                                                    \
    if (s_in_mask(req, #f)) {                                                                      \
        o->f = req->f;                                                                             \
        o->n_##f = req->n_##f;                                                                     \
    }
    TEAM(team_member_ids);
    TEAM(team_reader_ids);
#undef TEAM
    for (size_t i = 0; i < o->n_team_reader_ids; i++)
        for (size_t k = 0; k < o->n_team_member_ids; k++)
            if (o->team_reader_ids[i] == o->team_member_ids[k])
                return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "team_reader_ids",
                                         "user %lld is a read-write member already",
                                         (long long)o->team_reader_ids[i]);
    for (size_t i = 0; i < o->n_team_member_ids + o->n_team_reader_ids; i++) {
        int64_t u = i < o->n_team_member_ids ? o->team_member_ids[i]
                                             : o->team_reader_ids[i - o->n_team_member_ids];
        if (u == o->owner_id)
            return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT,
                                     i < o->n_team_member_ids ? "team_member_ids"
                                                              : "team_reader_ids",
                                     "user %lld owns it; the team is the others", (long long)u);
    }
    return 0;
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    opportunity_t *o = &((opportunity_row_t *)rec)->o;
    const Crm__Sales__UpdateOpportunityRequest *req = crm_change_request(c);
    if (sales_opp_allows(c, o, SALES_ACT_EDIT) < 0 || s_update_refs(c, o) < 0 ||
        s_update_lines(c, o) < 0)
        return -1;
    if (s_in_mask(req, "name"))
        o->name = crm_change_keep(c, crm_strtrim(req->name));
#define EDIT(f)                                                                                    \
    if (s_in_mask(req, #f))                                                                        \
    o->f = req->f
    EDIT(expected_close_date);
    EDIT(source);
    EDIT(lead_id);
    EDIT(remark);
    EDIT(next_contact_at_us);
    EDIT(win_probability);
#undef EDIT
    return 0;
}

static const crm_change_op_t s_update_op = {.action = "updated",
                                            .ids_field = "id",
                                            .read = s_update_read,
                                            .may_act = sales_opp_may_edit,
                                            .apply = s_update_apply,
                                            .reply = sales_opp_single_reply};

static void s_update(crm_rpc_call_t *call, const Crm__Sales__UpdateOpportunityRequest *req,
                     void *arg)
{
    sales_t *s = arg;
    crm_err_t err;
    if (!crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
#define GIVEN(f) (s_in_mask(req, #f) ? req->f : NULL)
    sales_opp_input_t in = {
        .name = GIVEN(name),
        .expected_close_date = GIVEN(expected_close_date),
        .source = GIVEN(source),
        .remark = GIVEN(remark),
        .contact_ids = req->contact_ids,
        .n_contact_ids = req->n_contact_ids,
        .has_contacts = s_in_mask(req, "contact_ids"),
        .has_amount = s_in_mask(req, "amount"),
        .amount = req->amount,
        .lines = req->lines,
        .n_lines = req->n_lines,
        .has_lines = s_in_mask(req, "lines"),
        .members = req->team_member_ids,
        .n_members = req->n_team_member_ids,
        .has_members = s_in_mask(req, "team_member_ids"),
        .readers = req->team_reader_ids,
        .n_readers = req->n_team_reader_ids,
        .has_readers = s_in_mask(req, "team_reader_ids"),
        .next_contact_at_us = req->next_contact_at_us,
        .lead_id = req->lead_id,
        .has_probability = s_in_mask(req, "win_probability"),
        .win_probability = req->win_probability,
    };
#undef GIVEN
    if (!sales_opp_check(call, &in))
        return;
    crm_change_run(&s->env, call, &sales_opp_kind, &s_update_op, &req->id, 1, "", NULL);
}

/* ---- TransferOpportunities --------------------------------------------------------- */

static void s_transfer_read(crm_change_t *c)
{
    const Crm__Sales__TransferOpportunitiesRequest *req = crm_change_request(c);
    crm_org_read_new_owner(c, req->to_owner_id, req->to_department_id);
}

/* ids without x, kept for the run. */
static int64_t *s_without(crm_change_t *c, const int64_t *ids, size_t n, int64_t x, size_t *out_n)
{
    int64_t *v = crm_change_keep(c, crm_calloc(n + 1, sizeof *v));
    *out_n = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] != x)
            v[(*out_n)++] = ids[i];
    return v;
}

static int s_transfer_apply(crm_change_t *c, void *rec, const void *prev)
{
    opportunity_t *o = &((opportunity_row_t *)rec)->o;
    const opportunity_t *before = &((const opportunity_row_t *)prev)->o;
    const Crm__Sales__TransferOpportunitiesRequest *req = crm_change_request(c);
    int64_t dept;
    if (sales_opp_allows(c, o, SALES_ACT_TRANSFER) < 0 ||
        crm_org_new_owner(c, req->to_department_id, &dept) < 0)
        return -1;
    if (before->owner_id == req->to_owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "to_owner_id",
                                 "user %lld holds it already", (long long)req->to_owner_id);
    o->owner_id = req->to_owner_id;
    if (dept)
        o->department_id = dept;
    /* The new owner leaves the team. */
    o->team_member_ids = s_without(c, before->team_member_ids, before->n_team_member_ids,
                                   o->owner_id, &o->n_team_member_ids);
    o->team_reader_ids = s_without(c, before->team_reader_ids, before->n_team_reader_ids,
                                   o->owner_id, &o->n_team_reader_ids);
    return 0;
}

static const crm_change_op_t s_transfer_op = {.action = "transferred",
                                              .ids_field = "ids",
                                              .read = s_transfer_read,
                                              .apply = s_transfer_apply};

static void s_transfer(crm_rpc_call_t *call, const Crm__Sales__TransferOpportunitiesRequest *req,
                       void *arg)
{
    sales_t *s = arg;
    if (!crm_check_transfer(call, req->ids, req->n_ids, SALES_MAX_IDS, req->to_owner_id,
                            req->to_department_id, req->reason))
        return;
    crm_change_run(&s->env, call, &sales_opp_kind, &s_transfer_op, req->ids, req->n_ids,
                   req->reason, NULL);
}

/* ---- DeleteOpportunities (admins) -------------------------------------------------- */

static int s_delete_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    if (sales_change_admin_only(c, "delete opportunities") < 0)
        return -1;
    ((opportunity_row_t *)rec)->deleted = 1;
    return 0;
}

static const crm_change_op_t s_delete_op = {
    .action = "deleted", .ids_field = "ids", .apply = s_delete_apply};

static void s_delete(crm_rpc_call_t *call, const Crm__Sales__OpportunityIdsRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!sales_admin_only(call, "delete opportunities") ||
        !crm_change_check_ids(call, "ids", req->ids, req->n_ids, SALES_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    crm_change_run(&s->env, call, &sales_opp_kind, &s_delete_op, req->ids, req->n_ids, req->reason,
                   NULL);
}

void sales_opp_kind_handlers(sales_t *s)
{
    s->handlers.update_opportunity = s_update;
    s->handlers.transfer_opportunities = s_transfer;
    s->handlers.delete_opportunities = s_delete;
}
