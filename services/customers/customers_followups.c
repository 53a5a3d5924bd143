/* customers_followups.c: follow-ups (跟进记录) of a customer:
 * Customers.FollowUp (an op of the change engine on the customer kind: the
 * record, the customer's last follow-up and next contact moved, history
 * and customer.followed_up in one transaction) and ListFollowUps (those
 * made here and those copied from its lead, newest first). Team members
 * follow a customer up as its owner does; a pooled customer's follow-ups
 * are read by its pool's people, and it is claimed before it is followed
 * up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/followup.h"
#include "crm/list.h"
#include "crm/outbox.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "customers.h"

#define FOLLOWUP_COLUMNS                                                                           \
    "f.id, f.customer_id, f.user_id, crm_us(f.at) AS at_us, f.content, f.method,"                  \
    " COALESCE(f.contact_id, 0) AS contact_id, crm_us(f.next_contact_at) AS next_contact_at_us,"   \
    " f.attachments, COALESCE(f.lead_id, 0) AS lead_id, crm_us(f.created_at) AS created_at_us"

/* ---- Customers.FollowUp --------------------------------------------------- */

static void s_followup_read(crm_change_t *c)
{
    const Crm__Customers__FollowUpRequest *req = crm_change_request(c);
    crm_change_read(c, "followup_id", "SELECT nextval('customer_followups_id_seq')", 0, NULL);
    if (req->contact_id) {
        char id[24], cust[24];
        const char *p[] = {crm_i64(id, req->contact_id), crm_i64(cust, req->customer_id)};
        crm_change_read(c, "contact",
                        "SELECT 1 FROM contacts WHERE id = $1::bigint AND customer_id = $2::bigint"
                        " AND deleted_at IS NULL",
                        2, p);
    }
}

static void s_followup_of(crm_change_t *c, Crm__Customers__CustomerFollowUp *f)
{
    crm_followup_t k = crm_followup_of_change(c, "customer_id");
    crm__customers__customer_follow_up__init(f);
    crm_followup_message(&k, "customer_id", crm_change_now(c), &f->base);
}

static int s_followup_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    customer_row_t *row = rec;
    const Crm__Customers__FollowUpRequest *req = crm_change_request(c);
    if (!row->c.owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL,
                                 "the customer is in a pool; claim it first");
    if (req->contact_id && PQntuples(crm_change_result(c, "contact")) == 0)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "contact_id",
                                 "contact %lld is not one of this customer's",
                                 (long long)req->contact_id);
    crm_followup_t f = crm_followup_of_change(c, "customer_id");
    crm_err_t err;
    if (crm_followup_apply(&f, crm_change_now(c), &row->c.last_followup_at_us,
                           &row->c.last_followup_content, &row->c.next_contact_at_us, &err) < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    return 0;
}

static void s_followup_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)prev;
    (void)rec;
    crm_followup_t k = crm_followup_of_change(c, "customer_id");
    crm_followup_insert(b, "customer_followups", "customer_id", &k);
}

static void s_followup_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)prev;
    customer_t *cust = &((customer_row_t *)rec)->c;
    cust->completeness = customers_completeness(cust);
    Crm__Customers__CustomerFollowUp f;
    s_followup_of(c, &f);
    Crm__Events__CustomerFollowedUp ev = CRM__EVENTS__CUSTOMER_FOLLOWED_UP__INIT;
    ev.customer_id = cust->id;
    ev.user_id = f.user_id;
    ev.content = f.content;
    ev.at_us = f.at_us;
    ev.follow_up = &f;
    ev.customer = cust;
    char id[24];
    crm_outbox_add(b, "customer.followed_up", crm_i64(id, cust->id), &ev.base);
}

static void s_followup_reply(crm_change_t *c)
{
    Crm__Customers__CustomerFollowUp f;
    s_followup_of(c, &f);
    customer_t *cust = &customers_row(c, 0)->c;
    cust->completeness = customers_completeness(cust);
    Crm__Customers__FollowUpReply reply = CRM__CUSTOMERS__FOLLOW_UP_REPLY__INIT;
    reply.follow_up = &f;
    reply.customer = cust;
    crm_change_reply(c, &reply.base);
}

/* Team members follow a customer up as its owner does. A pooled one is
 * claimed first: its pool's people are told so (they read its
 * follow-ups), others do not see it. */
static int s_followup_may_act(crm_change_t *c, const void *rec)
{
    const customer_t *cust = customers_before(rec);
    if (!cust->owner_id)
        return customers_may_act_pooled(c, cust);
    if (customers_can_read(crm_change_caller(c), cust))
        return 0;
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

static const crm_change_op_t s_followup_op = {.action = "followed_up",
                                              .ids_field = "customer_id",
                                              .read = s_followup_read,
                                              .may_act = s_followup_may_act,
                                              .apply = s_followup_apply,
                                              .write = s_followup_write,
                                              .emit = s_followup_emit,
                                              .reply = s_followup_reply};

/* The request's own checks: every field at fault at once. */
static int s_followup_check(crm_rpc_call_t *call, const Crm__Customers__FollowUpRequest *req)
{
    crm_errs_t errs = {.n = 0};
    if (req->customer_id < 1)
        crm_errs_invalid(&errs, "customer_id", "customer_id is required");
    crm_followup_t f = crm_followup_of_request(&req->base, "customer_id");
    if (crm_followup_check(
            &f, CRM__CUSTOMERS__CUSTOMER_FOLLOW_UP_METHOD__CUSTOMER_FOLLOW_UP_METHOD_EVENT, &errs) <
            0 ||
        errs.n)
        return crm_rpc_fail_errs(call, &errs);
    return 1;
}

static void s_followup(crm_rpc_call_t *call, const Crm__Customers__FollowUpRequest *req, void *arg)
{
    if (s_followup_check(call, req))
        customers_change_run(arg, call, &s_followup_op, &req->customer_id, 1, "", NULL);
}

/* ---- Customers.ListFollowUps ---------------------------------------------- */

static const crm_key_t s_keys[] = {{.sql = "f.at", .column = "at_us", .type = CRM_KEY_TIME},
                                   {.sql = "f.id", .column = "id", .type = CRM_KEY_BIGINT}};
static const crm_keyset_t s_order = {.tag = "customer:followups", .keys = s_keys, .n = 2};

typedef struct {
    crm_rpc_call_t *call;
    crm_page_t page;
    int total;
    int64_t id;
    int enterprise; /* the follow-ups of an enterprise's customers */
} list_t;

static void s_listed(void *arg, const crm_db_result_t *res)
{
    list_t *ls = arg;
    if (res->err) {
        crm_fail_db(ls->call, res);
        free(ls);
        return;
    }
    /* A customer's are read by those who see it, a pooled one's by its
     * pool's people (their content as written: a member reads it whole). */
    int masked, at = ls->enterprise ? 1 : CUSTOMERS_SEEN_READS;
    if (ls->enterprise ? PQntuples(res->results[0]) == 0
                       : !customers_seen(crm_rpc_call_caller(ls->call), res->results, &masked)) {
        const char *what = ls->enterprise ? "enterprise" : "customer";
        crm_rpc_fail(ls->call, CRM__STATUS__NOT_FOUND,
                     ls->enterprise ? "enterprise_id" : "customer_id", "%s %lld not found", what,
                     (long long)ls->id);
        free(ls);
        return;
    }
    crm_reply_page(ls->call, &ls->page, &crm__customers__customer_follow_up_list__descriptor,
                   res->results[at], ls->total ? res->results[at + 1] : NULL);
    free(ls);
}

static void s_list(crm_rpc_call_t *call, const Crm__Customers__ListCustomerFollowUpsRequest *req,
                   void *arg)
{
    customers_t *cs = arg;
    crm_page_t pg;
    if ((req->customer_id != 0) == (req->enterprise_id != 0) || req->customer_id < 0 ||
        req->enterprise_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "customer_id",
                     "give a customer_id or an enterprise_id");
        return;
    }
    if (!crm_check_page(call, &pg, &s_order, req->limit, 50, req->cursor))
        return;
    list_t *ls = crm_calloc(1, sizeof *ls);
    int64_t id = req->customer_id ? req->customer_id : req->enterprise_id;
    *ls = (list_t){.call = call,
                   .page = pg,
                   .total = req->total,
                   .id = id,
                   .enterprise = req->enterprise_id != 0};
    char ids[24];
    const char *p[] = {crm_i64(ids, id)};
    crm_db_batch_t *b = crm_db_batch_new();
    if (ls->enterprise)
        crm_db_batch_add(b, "enterprise_get", 1, p);
    else
        customers_seen_reads(b, crm_rpc_call_caller(call), ids);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    if (ls->enterprise) {
        /* Its customers' follow-ups, of the customers the caller sees. */
        customers_scope_t s;
        customers_scope(crm_rpc_call_caller(call), 0, NULL, 0, &s);
        crm_sqlbuf_add(q, "SELECT " FOLLOWUP_COLUMNS " FROM customer_followups f JOIN customers c"
                          " ON c.id = f.customer_id WHERE c.deleted_at IS NULL");
        crm_sqlbuf_addp(q, " AND c.enterprise_id = $?::bigint", ids);
        customers_add_scope(q, &s, "c");
        customers_scope_clear(&s);
    } else {
        crm_sqlbuf_add(q, "SELECT " FOLLOWUP_COLUMNS " FROM customer_followups f WHERE");
        crm_sqlbuf_addp(q, " f.customer_id = $?::bigint", ids);
    }
    crm_page_batch_add(&q, &pg, req->total, b);
    crm_db_submit(cs->db, &b, s_listed, ls);
}

void customers_followup_handlers(customers_t *cs)
{
    cs->handlers.follow_up = s_followup;
    cs->handlers.list_follow_ups = s_list;
}
