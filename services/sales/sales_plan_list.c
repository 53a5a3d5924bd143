/* sales_plan_list.c: reading payment plans (回款计划): GetPaymentPlan and
 * PaymentPlanHistory (its owner's side) and ListPaymentPlans: preset views
 * (all in scope, mine, my subordinates'), filters (status, order,
 * customer, contract, department, due dates), sorts (due date first),
 * keyset pages, a total on request and export (sales_doc_list.c). */
#include "crm/filter.h"
#include "crm/list.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "sales_plan.h"

#define V(x) CRM__SALES__PAYMENT_PLAN_VIEW__PAYMENT_PLAN_VIEW_##x
#define S(x) CRM__SALES__PAYMENT_PLAN_SORT__PAYMENT_PLAN_SORT_##x

/* Decodes r's first row: may the caller read it? With reply, replies. */
static int s_read(crm_rpc_call_t *call, const PGresult *r, int reply)
{
    plan_t p;
    crm__sales__payment_plan__init(&p);
    sales_row_to(r, 0, &p.base);
    int seen = sales_plan_can_read(crm_rpc_call_caller(call), &p);
    if (seen && reply)
        crm_rpc_reply(call, &p.base);
    crm_rowmap_clear(&p.base);
    return seen;
}

static const sales_doc_t s_doc = {"payment_plan", "payment_plan_get", s_read};

static void s_get(crm_rpc_call_t *call, const Crm__Sales__GetPaymentPlanRequest *req, void *arg)
{
    sales_doc_get(arg, call, &s_doc, req->id);
}

static void s_history(crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req, void *arg)
{
    sales_doc_history(arg, call, req, &s_doc);
}

static const sales_sort_t s_sorts[] = {
    [S(DUE_DATE)] =
        {{{.sql = "(q.due_date - DATE '1970-01-01')", .column = "due_day", .type = CRM_KEY_BIGINT},
          CRM_KEY_ID},
         "payment_plan:due"},
    [S(CREATED_AT)] = SALES_SORT_TIME("q", "created_at", "payment_plan:created"),
    [S(UPDATED_AT)] = SALES_SORT_TIME("q", "updated_at", "payment_plan:updated"),
    [S(AMOUNT)] = {{{.sql = "q.amount", .column = "amount", .type = CRM_KEY_BIGINT}, CRM_KEY_ID},
                   "payment_plan:amount"},
};

static const crm_filter_t s_filters[] = {
    {.field = "statuses", .kind = CRM_FILTER_IN, .column = "q.status", .max_items = 5},
    {.field = "order_id", .kind = CRM_FILTER_EQ, .column = "q.order_id"},
    {.field = "customer_id", .kind = CRM_FILTER_EQ, .column = "q.customer_id"},
    {.field = "contract_id", .kind = CRM_FILTER_EQ, .column = "q.contract_id"},
    {.field = "department_id", .kind = CRM_FILTER_EQ, .column = "q.department_id"},
    {.field = "due_from", .kind = CRM_FILTER_DATES, .column = "q.due_date", .to = "due_to"},
};

static const crm_view_t s_views[] = {
    [V(ALL)] = CRM_VIEW_ALL,
    [V(MINE)] = CRM_VIEW_MINE,
    [V(SUBORDINATES)] = CRM_VIEW_SUBORDINATES,
};

static const sales_doc_list_t s_spec = {
    .select = "SELECT " SALES_PLAN_COLUMNS ", (q.due_date - DATE '1970-01-01')::bigint AS due_day"
              " FROM payment_plans q WHERE true",
    .alias = "q",
    .views = s_views,
    .n_views = sizeof s_views / sizeof s_views[0],
    .sorts = s_sorts,
    .n_sorts = sizeof s_sorts / sizeof s_sorts[0],
    .filters = s_filters,
    .n_filters = sizeof s_filters / sizeof s_filters[0],
    .list = &crm__sales__payment_plan_list__descriptor,
};

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListPaymentPlansRequest *req, void *arg)
{
    sales_list_ask_t ask = SALES_LIST_ASK(req);
    sales_doc_list(arg, call, &s_spec, &req->base, &ask);
}

void sales_plan_list_handlers(sales_t *s)
{
    s->handlers.get_payment_plan = s_get;
    s->handlers.list_payment_plans = s_list;
    s->handlers.payment_plan_history = s_history;
}
