/* sales_contract_list.c: reading contracts: GetContract, ContractHistory
 * and ListContracts: preset views (all in scope, mine, my subordinates',
 * 待我审批),
 * filters (status, customer, opportunity, department, amount and sign
 * date ranges), a keyword (part of the name or the number, through the
 * trigram index), sorts, keyset pages and a total on request
 * (sales_doc_list.c). */
#include "crm/filter.h"
#include "crm/list.h"
#include "crm/scope.h"
#include "sales.h"
#include "sales_approval.h"

#define V(x) CRM__SALES__CONTRACT_VIEW__CONTRACT_VIEW_##x

/* Decodes r's first row: may the caller read it? With reply, replies. */
static int s_read(crm_rpc_call_t *call, const PGresult *r, int reply)
{
    contract_t k;
    sales_contract_row(r, 0, &k);
    int seen = sales_contract_can_read(crm_rpc_call_caller(call), &k);
    if (seen && reply)
        crm_rpc_reply(call, &k.base);
    sales_contract_row_clear(&k);
    return seen;
}

static const sales_doc_t s_doc = {"contract", "contract_get", s_read};

static void s_get(crm_rpc_call_t *call, const Crm__Sales__GetContractRequest *req, void *arg)
{
    sales_doc_get(arg, call, &s_doc, req->id);
}

static void s_history(crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req, void *arg)
{
    sales_doc_history(arg, call, req, &s_doc);
}

static const sales_sort_t s_sorts[] = {
    [CRM__SALES__CONTRACT_SORT__CONTRACT_SORT_CREATED_AT] =
        SALES_SORT_TIME("k", "created_at", "contract:created"),
    [CRM__SALES__CONTRACT_SORT__CONTRACT_SORT_UPDATED_AT] =
        SALES_SORT_TIME("k", "updated_at", "contract:updated"),
    [CRM__SALES__CONTRACT_SORT__CONTRACT_SORT_AMOUNT] =
        {{{.sql = "k.amount", .column = "amount", .type = CRM_KEY_BIGINT}, CRM_KEY_ID},
         "contract:amount"},
};

static const crm_filter_t s_filters[] = {
    {.field = "statuses", .kind = CRM_FILTER_IN, .column = "k.status", .max_items = 5},
    {.field = "customer_id", .kind = CRM_FILTER_EQ, .column = "k.customer_id"},
    {.field = "opportunity_id", .kind = CRM_FILTER_EQ, .column = "k.opportunity_id"},
    {.field = "department_id", .kind = CRM_FILTER_EQ, .column = "k.department_id"},
    {.field = "amount_from", .kind = CRM_FILTER_SPAN, .column = "k.amount", .to = "amount_to"},
    {.field = "sign_from", .kind = CRM_FILTER_DATES, .column = "k.sign_date", .to = "sign_to"},
    {.field = "keyword",
     .kind = CRM_FILTER_KEYWORD,
     .column = "(k.name || ' ' || k.number)",
     .max_len = 100},
};

/* 待我审批 (the kit's team view): the level waiting the caller's. */
static void s_to_approve(crm_sqlbuf_t *q, const char *alias, const Crm__Caller *caller)
{
    sales_approval_todo(q, alias, SALES_DOC_CONTRACT, 0, caller);
}

static const crm_view_t s_views[] = {
    [V(ALL)] = CRM_VIEW_ALL,
    [V(MINE)] = CRM_VIEW_MINE,
    [V(SUBORDINATES)] = CRM_VIEW_SUBORDINATES,
    [V(TO_APPROVE)] = CRM_VIEW_TEAM,
};

static const sales_doc_list_t s_spec = {
    .select = "SELECT " SALES_CONTRACT_COLUMNS " FROM contracts k WHERE true",
    .alias = "k",
    .views = s_views,
    .team = s_to_approve,
    .n_views = sizeof s_views / sizeof s_views[0],
    .sorts = s_sorts,
    .n_sorts = sizeof s_sorts / sizeof s_sorts[0],
    .filters = s_filters,
    .n_filters = sizeof s_filters / sizeof s_filters[0],
    .list = &crm__sales__contract_list__descriptor,
};

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListContractsRequest *req, void *arg)
{
    sales_list_ask_t ask = SALES_LIST_ASK(req);
    sales_doc_list(arg, call, &s_spec, &req->base, &ask);
}

void sales_contract_list_handlers(sales_t *s)
{
    s->handlers.get_contract = s_get;
    s->handlers.list_contracts = s_list;
    s->handlers.contract_history = s_history;
}
