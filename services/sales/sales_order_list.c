/* sales_order_list.c: reading orders: GetOrder (with its lines; its
 * owner's side and its approver), OrderHistory and ListOrders: preset
 * views (all in scope, mine, my subordinates', 待我审批: the pending ones
 * whose level waiting is the caller's, as its approver or a holder of its
 * role, through partial indexes), filters (status,
 * delivery, customer, contract, department, amount range), a keyword
 * (part of the number), sorts, keyset pages, a total on request and
 * export (sales_doc_list.c). */
#include "crm/filter.h"
#include "crm/list.h"
#include "crm/scope.h"
#include "sales.h"
#include "sales_approval.h"

#define V(x) CRM__SALES__ORDER_VIEW__ORDER_VIEW_##x

/* Decodes r's first row: may the caller read it? With reply, replies. */
static int s_read(crm_rpc_call_t *call, const PGresult *r, int reply)
{
    order_row_t row;
    sales_order_row(r, 0, &row);
    int seen = sales_order_can_read(crm_rpc_call_caller(call), &row.o);
    if (seen && reply)
        crm_rpc_reply(call, &row.o.base);
    sales_order_row_clear(&row);
    return seen;
}

static const sales_doc_t s_doc = {"order", "order_get", s_read};

static void s_get(crm_rpc_call_t *call, const Crm__Sales__GetOrderRequest *req, void *arg)
{
    sales_doc_get(arg, call, &s_doc, req->id);
}

static void s_history(crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req, void *arg)
{
    sales_doc_history(arg, call, req, &s_doc);
}

static const sales_sort_t s_sorts[] = {
    [CRM__SALES__ORDER_SORT__ORDER_SORT_CREATED_AT] =
        SALES_SORT_TIME("d", "created_at", "order:created"),
    [CRM__SALES__ORDER_SORT__ORDER_SORT_UPDATED_AT] =
        SALES_SORT_TIME("d", "updated_at", "order:updated"),
    [CRM__SALES__ORDER_SORT__ORDER_SORT_AMOUNT] =
        {{{.sql = "d.amount", .column = "amount", .type = CRM_KEY_BIGINT}, CRM_KEY_ID},
         "order:amount"},
};

static const crm_filter_t s_filters[] = {
    {.field = "statuses", .kind = CRM_FILTER_IN, .column = "d.status", .max_items = 5},
    {.field = "delivery_statuses",
     .kind = CRM_FILTER_IN,
     .column = "d.delivery_status",
     .max_items = 2},
    {.field = "customer_id", .kind = CRM_FILTER_EQ, .column = "d.customer_id"},
    {.field = "contract_id", .kind = CRM_FILTER_EQ, .column = "d.contract_id"},
    {.field = "department_id", .kind = CRM_FILTER_EQ, .column = "d.department_id"},
    {.field = "amount_from", .kind = CRM_FILTER_SPAN, .column = "d.amount", .to = "amount_to"},
    {.field = "keyword", .kind = CRM_FILTER_KEYWORD, .column = "d.number", .max_len = 100},
};

/* 待我审批 (the kit's team view): the level waiting the caller's, its
 * approver in the order's row. */
static void s_to_approve(crm_sqlbuf_t *q, const char *alias, const Crm__Caller *caller)
{
    sales_approval_todo(q, alias, SALES_DOC_ORDER, 1, caller);
}

static const crm_view_t s_views[] = {
    [V(ALL)] = CRM_VIEW_ALL,
    [V(MINE)] = CRM_VIEW_MINE,
    [V(SUBORDINATES)] = CRM_VIEW_SUBORDINATES,
    [V(TO_APPROVE)] = CRM_VIEW_TEAM,
};

static const sales_doc_list_t s_spec = {
    .select = "SELECT " SALES_ORDER_COLUMNS " FROM orders d WHERE true",
    .alias = "d",
    .views = s_views,
    .n_views = sizeof s_views / sizeof s_views[0],
    .sorts = s_sorts,
    .n_sorts = sizeof s_sorts / sizeof s_sorts[0],
    .filters = s_filters,
    .n_filters = sizeof s_filters / sizeof s_filters[0],
    .team = s_to_approve,
    .list = &crm__sales__order_list__descriptor,
};

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListOrdersRequest *req, void *arg)
{
    sales_list_ask_t ask = SALES_LIST_ASK(req);
    sales_doc_list(arg, call, &s_spec, &req->base, &ask);
}

void sales_order_list_handlers(sales_t *s)
{
    s->handlers.get_order = s_get;
    s->handlers.list_orders = s_list;
    s->handlers.order_history = s_history;
}
