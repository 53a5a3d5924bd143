/* sales_payment_list.c: reading payments (回款): GetPayment and
 * PaymentHistory (its owner's side: finance above it included) and
 * ListPayments: preset views (all in scope, mine, my subordinates'),
 * filters (status, method, order, customer, contract, department, amount
 * range, paid dates), sorts, keyset pages, a total on request and export
 * (sales_doc_list.c). */
#include "crm/filter.h"
#include "crm/list.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "sales.h"

#define V(x) CRM__SALES__PAYMENT_VIEW__PAYMENT_VIEW_##x

/* Decodes r's first row: may the caller read it? With reply, replies. */
static int s_read(crm_rpc_call_t *call, const PGresult *r, int reply)
{
    payment_t p;
    crm__sales__payment__init(&p);
    sales_row_to(r, 0, &p.base);
    int seen = sales_payment_can_read(crm_rpc_call_caller(call), &p);
    if (seen && reply)
        crm_rpc_reply(call, &p.base);
    crm_rowmap_clear(&p.base);
    return seen;
}

static const sales_doc_t s_doc = {"payment", "payment_get", s_read};

static void s_get(crm_rpc_call_t *call, const Crm__Sales__GetPaymentRequest *req, void *arg)
{
    sales_doc_get(arg, call, &s_doc, req->id);
}

static void s_history(crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req, void *arg)
{
    sales_doc_history(arg, call, req, &s_doc);
}

static const sales_sort_t s_sorts[] = {
    [CRM__SALES__PAYMENT_SORT__PAYMENT_SORT_CREATED_AT] =
        SALES_SORT_TIME("m", "created_at", "payment:created"),
    [CRM__SALES__PAYMENT_SORT__PAYMENT_SORT_UPDATED_AT] =
        SALES_SORT_TIME("m", "updated_at", "payment:updated"),
    [CRM__SALES__PAYMENT_SORT__PAYMENT_SORT_AMOUNT] =
        {{{.sql = "m.amount", .column = "amount", .type = CRM_KEY_BIGINT}, CRM_KEY_ID},
         "payment:amount"},
};

static const crm_filter_t s_filters[] = {
    {.field = "statuses", .kind = CRM_FILTER_IN, .column = "m.status", .max_items = 4},
    {.field = "methods", .kind = CRM_FILTER_IN, .column = "m.method", .max_items = 4},
    {.field = "order_id", .kind = CRM_FILTER_EQ, .column = "m.order_id"},
    {.field = "customer_id", .kind = CRM_FILTER_EQ, .column = "m.customer_id"},
    {.field = "contract_id", .kind = CRM_FILTER_EQ, .column = "m.contract_id"},
    {.field = "department_id", .kind = CRM_FILTER_EQ, .column = "m.department_id"},
    {.field = "amount_from", .kind = CRM_FILTER_SPAN, .column = "m.amount", .to = "amount_to"},
    {.field = "paid_from", .kind = CRM_FILTER_DATES, .column = "m.paid_date", .to = "paid_to"},
};

static const crm_view_t s_views[] = {
    [V(ALL)] = CRM_VIEW_ALL,
    [V(MINE)] = CRM_VIEW_MINE,
    [V(SUBORDINATES)] = CRM_VIEW_SUBORDINATES,
};

static const sales_doc_list_t s_spec = {
    .select = "SELECT " SALES_PAYMENT_COLUMNS " FROM payments m WHERE true",
    .alias = "m",
    .views = s_views,
    .n_views = sizeof s_views / sizeof s_views[0],
    .sorts = s_sorts,
    .n_sorts = sizeof s_sorts / sizeof s_sorts[0],
    .filters = s_filters,
    .n_filters = sizeof s_filters / sizeof s_filters[0],
    .list = &crm__sales__payment_list__descriptor,
};

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListPaymentsRequest *req, void *arg)
{
    sales_list_ask_t ask = SALES_LIST_ASK(req);
    sales_doc_list(arg, call, &s_spec, &req->base, &ask);
}

void sales_payment_list_handlers(sales_t *s)
{
    s->handlers.get_payment = s_get;
    s->handlers.list_payments = s_list;
    s->handlers.payment_history = s_history;
}
