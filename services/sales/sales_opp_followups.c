/* sales_opp_followups.c: follow-ups (跟进记录) of an opportunity:
 * FollowUpOpportunity (an op of the opportunity kind: the record, the
 * opportunity's last follow-up and next contact moved, its history entry
 * and opportunity.followed_up in one transaction; those who read it follow
 * it up, read-only team members and closed opportunities included) and
 * ListOpportunityFollowUps (newest first, by when they happened). */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/followup.h"
#include "crm/list.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

#define FOLLOWUP_COLUMNS                                                                           \
    "f.id, f.opportunity_id, f.user_id, crm_us(f.at) AS at_us, f.content, f.method,"               \
    " COALESCE(f.contact_id, 0) AS contact_id, crm_us(f.next_contact_at) AS next_contact_at_us,"   \
    " f.attachments, crm_us(f.created_at) AS created_at_us"

#define METHOD_MAX CRM__SALES__OPPORTUNITY_FOLLOW_UP_METHOD__OPPORTUNITY_FOLLOW_UP_METHOD_EVENT

static void s_followup_of(crm_change_t *c, Crm__Sales__OpportunityFollowUp *f)
{
    crm_followup_t k = crm_followup_of_change(c, "opportunity_id");
    crm__sales__opportunity_follow_up__init(f);
    crm_followup_message(&k, "opportunity_id", crm_change_now(c), &f->base);
}

static void s_read(crm_change_t *c)
{
    crm_change_read(c, "followup_id", "SELECT nextval('opportunity_followups_id_seq')", 0, NULL);
}

static int s_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    opportunity_t *o = &((opportunity_row_t *)rec)->o;
    const Crm__Sales__OpportunityFollowUpRequest *req = crm_change_request(c);
    if (sales_opp_allows(c, o, SALES_ACT_FOLLOW_UP) < 0)
        return -1;
    int known = !req->contact_id;
    for (size_t i = 0; i < o->n_contact_ids && !known; i++)
        known = o->contact_ids[i] == req->contact_id;
    if (!known)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "contact_id",
                                 "contact %lld is not one of this opportunity's",
                                 (long long)req->contact_id);
    crm_followup_t f = crm_followup_of_change(c, "opportunity_id");
    crm_err_t err;
    if (crm_followup_apply(&f, crm_change_now(c), &o->last_followup_at_us,
                           &o->last_followup_content, &o->next_contact_at_us, &err) < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    return 0;
}

static void s_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)prev;
    (void)rec;
    crm_followup_t k = crm_followup_of_change(c, "opportunity_id");
    crm_followup_insert(b, "opportunity_followups", "opportunity_id", &k);
}

static void s_reply(crm_change_t *c)
{
    Crm__Sales__OpportunityFollowUp f;
    s_followup_of(c, &f);
    Crm__Sales__OpportunityFollowUpReply reply = CRM__SALES__OPPORTUNITY_FOLLOW_UP_REPLY__INIT;
    reply.follow_up = &f;
    reply.opportunity = &sales_opp_of(c, 0)->o;
    crm_change_reply(c, &reply.base);
}

static const crm_change_op_t s_op = {.action = "followed_up",
                                     .ids_field = "opportunity_id",
                                     .read = s_read,
                                     .may_act = sales_opp_may_read,
                                     .apply = s_apply,
                                     .write = s_write,
                                     .reply = s_reply};

static void s_follow_up(crm_rpc_call_t *call, const Crm__Sales__OpportunityFollowUpRequest *req,
                        void *arg)
{
    sales_t *s = arg;
    crm_errs_t errs = {.n = 0};
    crm_followup_t f = crm_followup_of_request(&req->base, "opportunity_id");
    if (!crm_check_id(call, "opportunity_id", req->opportunity_id))
        return;
    if (crm_followup_check(&f, METHOD_MAX, &errs) < 0) {
        crm_rpc_fail_errs(call, &errs);
        return;
    }
    crm_change_run(&s->env, call, &sales_opp_kind, &s_op, &req->opportunity_id, 1, "", NULL);
}

/* ---- ListOpportunityFollowUps -------------------------------------------------------- */

static const crm_key_t s_keys[] = {{.sql = "f.at", .column = "at_us", .type = CRM_KEY_TIME},
                                   {.sql = "f.id", .column = "id", .type = CRM_KEY_BIGINT}};
static const crm_keyset_t s_order = {.tag = "opportunity-followups", .keys = s_keys, .n = 2};

typedef struct {
    crm_rpc_call_t *call;
    crm_page_t page;
    int total;
    int64_t id;
} list_t;

static void s_listed(void *arg, const crm_db_result_t *res)
{
    list_t *ls = arg;
    opportunity_row_t row;
    int seen = 0;
    if (!res->err && PQntuples(res->results[0])) {
        sales_opp_row(res->results[0], 0, &row);
        seen = sales_opp_can_read(crm_rpc_call_caller(ls->call), &row.o);
        sales_opp_row_clear(&row);
    }
    if (res->err)
        crm_fail_db(ls->call, res);
    else if (!seen)
        crm_rpc_fail(ls->call, CRM__STATUS__NOT_FOUND, "opportunity_id",
                     "opportunity %lld not found", (long long)ls->id);
    else
        crm_reply_page(ls->call, &ls->page, &crm__sales__opportunity_follow_up_list__descriptor,
                       res->results[1], ls->total ? res->results[2] : NULL);
    free(ls);
}

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListOpportunityFollowUpsRequest *req,
                   void *arg)
{
    sales_t *s = arg;
    crm_page_t pg;
    if (!crm_check_id(call, "opportunity_id", req->opportunity_id) ||
        !crm_check_page(call, &pg, &s_order, req->limit, 50, req->cursor))
        return;
    list_t *ls = crm_calloc(1, sizeof *ls);
    *ls = (list_t){.call = call, .page = pg, .total = req->total, .id = req->opportunity_id};
    char id[24];
    const char *p[] = {crm_i64(id, req->opportunity_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "opportunity_get", 1, p);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT " FOLLOWUP_COLUMNS " FROM opportunity_followups f WHERE");
    crm_sqlbuf_addp_i64(q, " f.opportunity_id = $?::bigint", req->opportunity_id);
    crm_page_batch_add(&q, &ls->page, req->total, b);
    crm_db_submit(s->db, &b, s_listed, ls);
}

void sales_opp_followup_handlers(sales_t *s)
{
    s->handlers.follow_up_opportunity = s_follow_up;
    s->handlers.list_opportunity_follow_ups = s_list;
}
