/* sales_order_create.c: CreateOrder (新建订单), a write transaction of its
 * own (crm/txn.h). Round 1 reads what it refers to (the customer, perhaps
 * an opportunity or a contract of its: sales_doc_refs.c), the products of
 * its lines, its number (given: taken by no other order; else the day's
 * next from CRM_SALES_ORDER_NUMBER), the people it names. It decides: the
 * lines priced from the catalogue, the subtotal and the amount after the
 * order's discount (exact, sales_money.c); and writes the order (a draft,
 * unshipped), its history and order.created. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/org.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

static const char *s_pattern;

typedef struct {
    order_t o;
    const Crm__Sales__CreateOrderRequest *req;
    sales_doc_refs_t refs;
    Crm__Sales__OpportunityLine **lines; /* priced, owned */
    char *number;                        /* owned */
    const char *tz;
} create_t;

static void s_done(void *data)
{
    create_t *c = data;
    for (size_t i = 0; c->lines && c->lines[i]; i++) /* NULL-ended */
        free(c->lines[i]);
    free(c->lines);
    free(c->number);
    free(c);
}

static void s_read(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    const Crm__Sales__CreateOrderRequest *req = c->req;
    crm_txn_read(t, "next_id", "SELECT nextval('orders_id_seq'), crm_us(now())", 0, NULL);
    sales_read_doc_refs(t, &c->refs);
    sales_read_products(t, req->lines, req->n_lines);
    sales_read_doc_number(t, "order", "order_number_taken", req->number, c->tz);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "owner_id", c->o.owner_id);
    crm_org_department(refs, "department_id", req->department_id);
    crm_org_read(t, "org", &refs);
}

/* The lines priced; the subtotal and the amount. */
static int s_money(crm_txn_t *t, create_t *c)
{
    const Crm__Sales__CreateOrderRequest *req = c->req;
    crm_err_t err;
    c->lines = crm_calloc(req->n_lines + 1, sizeof *c->lines);
    if (sales_lines_price(req->lines, req->n_lines, crm_txn_result(t, "products"), c->lines, &err) <
        0)
        return crm_txn_refuse(t, err.status, err.field, "%s", err.message);
    c->o.lines = c->lines;
    c->o.n_lines = req->n_lines;
    c->o.subtotal = sales_lines_total(c->lines, req->n_lines);
    c->o.amount = sales_order_amount(c->o.subtotal, c->o.discount_bp);
    if (c->o.amount < 0)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "lines",
                              "the lines' total is over 10^17 minor units");
    return 0;
}

static int s_decide(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    order_t *o = &c->o;
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_txn_result(t, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    if (sales_doc_refs_ok(t, &c->refs) < 0 || s_money(t, c) < 0 ||
        sales_doc_number_ok(t, "order", s_pattern, &c->number) < 0)
        return -1;
    int64_t dept = crm_org_department_of(org, "owner_id");
    if (!c->req->department_id && dept)
        o->department_id = dept;
    o->number = c->number;
    o->customer_id = c->refs.customer_id;
    o->customer_name = (char *)c->refs.customer_name;
    const PGresult *next = crm_txn_result(t, "next_id");
    o->id = crm_db_get_i64(next, 0, 0);
    o->created_at_us = o->updated_at_us = crm_db_get_i64(next, 0, 1);
    crm_db_batch_t *b = crm_txn_batch(t);
    sales_order_write(b, "order_insert", o);
    sales_history_t h = {.kind = "order",
                         .record_id = o->id,
                         .action = "created",
                         .actor_id = o->creator_id,
                         .at_us = o->created_at_us,
                         .to_owner_id = o->owner_id};
    sales_store_history(b, &h);
    sales_emit_order(b, "order.created", o, o->creator_id, NULL, NULL, 0, NULL);
    crm_txn_reply(t, &o->base);
    return 0;
}

static const crm_txn_op_t s_op = {.read = s_read, .decide = s_decide, .done = s_done};

static void s_create(crm_rpc_call_t *call, const Crm__Sales__CreateOrderRequest *req, void *arg)
{
    sales_t *s = arg;
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (!sales_order_check(call, req->number, req->lines, req->n_lines, 1, req->discount_bp,
                           req->remark))
        return;
    sales_doc_refs_t refs = {.customer_id = req->customer_id,
                             .opportunity_id = req->opportunity_id,
                             .contract_id = req->contract_id};
    int64_t owner = sales_doc_owner(call, &refs, req->owner_id, req->department_id, "orders");
    if (!owner)
        return;
    create_t *c = crm_calloc(1, sizeof *c);
    order_t *o = &c->o;
    crm__sales__order__init(o);
    c->req = req;
    c->tz = s->tz;
    c->refs = refs;
    if (*req->number)
        c->number = crm_strtrim(req->number);
    o->opportunity_id = req->opportunity_id;
    o->contract_id = req->contract_id;
    o->discount_bp = req->discount_bp;
    o->status = CRM__SALES__ORDER_STATUS__ORDER_STATUS_DRAFT;
    o->delivery_status = CRM__SALES__DELIVERY_STATUS__DELIVERY_STATUS_UNSHIPPED;
    o->owner_id = owner;
    o->department_id = req->department_id ? req->department_id : caller->department_id;
    o->remark = req->remark;
    o->creator_id = caller->user_id;
    crm_txn_run(&s->env, call, &s_op, c);
}

void sales_order_create_handlers(sales_t *s)
{
    s_pattern = sales_number_pattern("CRM_SALES_ORDER_NUMBER", "DD-{yyyyMMdd}-{seq}");
    s->handlers.create_order = s_create;
}
