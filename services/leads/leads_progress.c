/* leads_progress.c: a lead's progress, one lead at a time: Leads.FollowUp
 * (跟进: a follow-up recorded, the lead's last follow-up and reminder moved)
 * and Leads.Convert (转化为客户: the lead converted, its lead.converted
 * carrying what the customers service makes the customer from). Both are
 * ops of the change engine (crm/change.h) on the lead kind (leads_kind.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/util.h"
#include "leads.h"

/* ---- Leads.FollowUp ----------------------------------------------------- */

static void s_followup_read(crm_change_t *c)
{
    crm_change_read(c, "followup_id", "SELECT nextval('lead_followups_id_seq')", 0, NULL);
}

/* The follow-up the request describes (id from the load). */
static void s_followup_of(crm_change_t *c, Crm__Leads__FollowUp *f)
{
    const Crm__Leads__FollowUpLeadRequest *req = crm_change_request(c);
    crm__leads__follow_up__init(f);
    f->id = crm_db_get_i64(crm_change_result(c, "followup_id"), 0, 0);
    f->lead_id = req->lead_id;
    f->user_id = crm_change_caller(c)->user_id;
    f->at_us = req->at_us ? req->at_us : crm_change_now(c);
    f->content = req->content;
    f->method = req->method;
    f->next_followup_at_us = req->next_followup_at_us;
    f->attachments = req->attachments;
    f->n_attachments = req->n_attachments;
    f->created_at_us = crm_change_now(c);
}

static int s_followup_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__FollowUpLeadRequest *req = crm_change_request(c);
    if (leads_move(c, row, LEAD_ACT_FOLLOW_UP) < 0)
        return -1;
    int64_t at = req->at_us ? req->at_us : crm_change_now(c);
    if (at > crm_change_now(c) + 60000000)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "at_us",
                                 "a follow-up cannot happen in the future");
    if (at >= row->lead.last_followup_at_us) {
        row->lead.last_followup_at_us = at;
        row->lead.last_followup_content = req->content;
    }
    /* A follow-up keeps the lead's reminder unless it sets a new one or is
     * told to clear it. */
    if (req->next_followup_at_us || req->clear_next_followup)
        row->lead.next_followup_at_us = req->next_followup_at_us;
    return 0;
}

static void s_followup_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    Crm__Leads__FollowUp f;
    s_followup_of(c, &f);
    char id[24], lead[24], user[24], at[24], method[8], next[24];
    char *att = crm_db_text_array(f.attachments, f.n_attachments);
    const char *p[] = {crm_i64(id, f.id),
                       crm_i64(lead, f.lead_id),
                       crm_i64(user, f.user_id),
                       crm_i64(at, f.at_us),
                       f.content,
                       crm_i64(method, f.method),
                       crm_i64(next, f.next_followup_at_us),
                       att};
    crm_db_batch_add(b,
                     "INSERT INTO lead_followups (id, lead_id, user_id, at, content, method,"
                     " next_followup_at, attachments) VALUES ($1::bigint, $2::bigint,"
                     " $3::bigint, crm_ts($4::bigint), $5, $6::smallint, crm_ts($7::bigint),"
                     " $8::text[])",
                     8, p);
    free(att);
}

static void s_followup_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    lead_row_t *row = rec;
    Crm__Leads__FollowUp f;
    s_followup_of(c, &f);
    Crm__Events__LeadFollowedUp ev = CRM__EVENTS__LEAD_FOLLOWED_UP__INIT;
    ev.follow_up = &f;
    ev.lead = &row->lead;
    char id[24];
    crm_outbox_add(b, "lead.followed_up", crm_i64(id, row->lead.id), &ev.base);
}

static void s_followup_reply(crm_change_t *c)
{
    Crm__Leads__FollowUp f;
    s_followup_of(c, &f);
    leads_change_mask(c, 0);
    Crm__Leads__FollowUpLeadReply reply = CRM__LEADS__FOLLOW_UP_LEAD_REPLY__INIT;
    reply.follow_up = &f;
    reply.lead = &leads_row(c, 0)->lead;
    crm_change_reply(c, &reply.base);
}

/* Team members follow a lead up as its owner does. */
static int s_followup_may_act(crm_change_t *c, const void *rec)
{
    const Crm__Leads__Lead *lead = leads_before(rec);
    return leads_may_act_if(
        c, lead, leads_can_read(crm_change_caller(c), lead, leads_change_pool(c, lead->pool_id)));
}

static const crm_change_op_t s_followup_op = {.action = "followed_up",
                                              .ids_field = "lead_id",
                                              .read = s_followup_read,
                                              .apply = s_followup_apply,
                                              .write = s_followup_write,
                                              .emit = s_followup_emit,
                                              .reply = s_followup_reply,
                                              .may_act = s_followup_may_act};

static void s_followup(crm_rpc_call_t *call, const Crm__Leads__FollowUpLeadRequest *req, void *arg)
{
    if (!crm_check_id(call, "lead_id", req->lead_id) ||
        !crm_check_text(call, "content", req->content, 5000, 1))
        return;
    if (req->method < CRM__LEADS__FOLLOW_UP_METHOD__FOLLOW_UP_METHOD_PHONE ||
        req->method > CRM__LEADS__FOLLOW_UP_METHOD__FOLLOW_UP_METHOD_OTHER) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "method",
                     "say how it was followed up (phone, visit, wechat, email, sms, other)");
        return;
    }
    if (!crm_check_time(call, "at_us", req->at_us) ||
        !crm_check_time(call, "next_followup_at_us", req->next_followup_at_us))
        return;
    if (req->clear_next_followup && req->next_followup_at_us) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "clear_next_followup",
                     "set a next follow-up time or clear it, not both");
        return;
    }
    if (req->n_attachments > 20) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "attachments", "at most 20 attachments");
        return;
    }
    for (size_t i = 0; i < req->n_attachments; i++)
        if (!crm_check_text(call, "attachments", req->attachments[i], 500, 1))
            return;
    leads_change_run(arg, call, &s_followup_op, &req->lead_id, 1, "", NULL);
}

/* ---- Leads.Convert ---------------------------------------------------- */

static void s_convert_read(crm_change_t *c)
{
    const Crm__Leads__ConvertLeadRequest *req = crm_change_request(c);
    char id[24];
    const char *p[] = {crm_i64(id, req->id), req->copy_followups ? "true" : "false"};
    leads_read_options(crm_change_txn(c), req->level, req->industry, req->source);
    /* The latest 50 follow-ups, oldest first (an event is bounded), and how
     * many there are. */
    crm_change_read(c, "followups",
                    "SELECT * FROM (SELECT " FOLLOWUP_COLUMNS " FROM lead_followups"
                    " WHERE lead_id = $1::bigint AND $2::boolean ORDER BY id DESC LIMIT 50) f"
                    " ORDER BY id",
                    2, p);
    crm_change_read(c, "followups_total",
                    "SELECT count(*) FROM lead_followups WHERE lead_id = $1::bigint", 1, p);
}

static int s_convert_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const PGresult *opts = crm_change_result(c, "options");
    if (PQntuples(opts) > 0)
        return crm_change_refuse(
            c, CRM__STATUS__INVALID_ARGUMENT, crm_db_get(opts, 0, 0),
            "%s is not one of the configured values (GET /api/v1/lead-options)",
            crm_db_get(opts, 0, 0));
    if (leads_move(c, row, LEAD_ACT_CONVERT) < 0)
        return -1;
    row->lead.converted_at_us = crm_change_now(c);
    return 0;
}

/* An override when given, else the lead's own value. */
static char *s_or(const char *override, const char *own)
{
    return (char *)(override && *override ? override : own);
}

static void s_convert_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    lead_row_t *row = rec;
    const Crm__Leads__ConvertLeadRequest *req = crm_change_request(c);
    Crm__Leads__Lead *lead = &row->lead;
    Crm__Events__LeadConverted ev = CRM__EVENTS__LEAD_CONVERTED__INIT;
    ev.lead = lead;
    ev.customer_name = s_or(req->customer_name, lead->name);
    ev.contact_name = s_or(req->contact_name, lead->name);
    ev.level = s_or(req->level, lead->level);
    ev.source = s_or(req->source, lead->source);
    ev.industry = s_or(req->industry, lead->industry);
    const lead_norm_t *norm = crm_change_data(c);
    ev.mobile = s_or(norm->mobile, lead->mobile);
    ev.telephone = s_or(norm->telephone, lead->telephone);
    ev.tags = req->n_tags ? req->tags : lead->tags;
    ev.n_tags = req->n_tags ? req->n_tags : lead->n_tags;
    ev.remark = s_or(req->remark, lead->remark);
    ev.next_followup_at_us = req->next_followup_at_us;
    ev.converted_by = crm_change_caller(c)->user_id;
    const PGresult *fr = crm_change_result(c, "followups");
    size_t nf = (size_t)PQntuples(fr);
    Crm__Leads__FollowUp *fs = crm_calloc(nf + 1, sizeof *fs);
    Crm__Leads__FollowUp **fp = crm_calloc(nf + 1, sizeof *fp);
    for (size_t i = 0; i < nf; i++) {
        leads_followup_row(fr, (int)i, &fs[i]);
        fp[i] = &fs[i];
    }
    ev.follow_ups = fp;
    ev.n_follow_ups = nf;
    ev.follow_ups_total = (int32_t)crm_db_get_i64(crm_change_result(c, "followups_total"), 0, 0);
    ev.opportunity = req->opportunity;
    char id[24];
    crm_outbox_add(b, "lead.converted", crm_i64(id, lead->id), &ev.base);
    for (size_t i = 0; i < nf; i++)
        leads_followup_clear(&fs[i]);
    free(fs);
    free(fp);
}

static void s_convert_reply(crm_change_t *c)
{
    leads_change_mask(c, 0);
    Crm__Leads__ConvertLeadReply reply = CRM__LEADS__CONVERT_LEAD_REPLY__INIT;
    reply.lead = &leads_row(c, 0)->lead;
    crm_change_reply(c, &reply.base);
}

static const crm_change_op_t s_convert_op = {.action = "converted",
                                             .ids_field = "id",
                                             .read = s_convert_read,
                                             .apply = s_convert_apply,
                                             .emit = s_convert_emit,
                                             .reply = s_convert_reply,
                                             .done = free};

static void s_convert(crm_rpc_call_t *call, const Crm__Leads__ConvertLeadRequest *req, void *arg)
{
    lead_input_t in = {.name = req->customer_name,
                       .mobile = req->mobile,
                       .telephone = req->telephone,
                       .level = req->level,
                       .source = req->source,
                       .industry = req->industry,
                       .remark = req->remark,
                       .tags = req->tags,
                       .n_tags = req->n_tags};
    lead_norm_t *norm = crm_calloc(1, sizeof *norm);
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "contact_name", req->contact_name, 100, 0) ||
        !leads_check_input(call, &in, 1, norm) ||
        !crm_check_time(call, "next_followup_at_us", req->next_followup_at_us)) {
        free(norm);
        return;
    }
    crm_errs_t errs = {.n = 0};
    if (req->opportunity && leads_check_conversion_opportunity(req->opportunity, &errs) < 0) {
        crm_rpc_fail_errs(call, &errs);
        free(norm);
        return;
    }
    leads_change_run(arg, call, &s_convert_op, &req->id, 1, "", norm);
}

void leads_progress_handlers(leads_handlers_t *h)
{
    h->follow_up = s_followup;
    h->convert = s_convert;
}
