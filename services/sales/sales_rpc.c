/* sales_rpc.c: the top floor of the sales service: the Sales.* handler
 * table, filled by each module and served. Nothing below calls back here. */
#include "sales.h"
#include "sales_plan.h"
#include "sales_approval.h"

void sales_rpc_register(sales_t *s)
{
    s->handlers.arg = s;
    sales_products_handlers(s);
    sales_product_kind_handlers(s);
    sales_pipelines_handlers(s);
    sales_opp_create_handlers(s);
    sales_opp_kind_handlers(s);
    sales_opp_stage_handlers(s);
    sales_opp_followup_handlers(s);
    sales_opp_list_handlers(s);
    sales_opp_board_handlers(s);
    sales_funnel_handlers(s);
    /* contracts (合同) */
    sales_contract_create_handlers(s);
    sales_contract_kind_handlers(s);
    sales_contract_approval_handlers(s);
    sales_contract_list_handlers(s);
    /* orders (销售订单) */
    sales_order_create_handlers(s);
    sales_order_kind_handlers(s);
    sales_order_approval_handlers(s);
    sales_order_list_handlers(s);
    /* approval flows (审批流程) */
    sales_approval_flows_handlers(s);
    /* payments (回款) */
    sales_payment_create_handlers(s);
    sales_payment_kind_handlers(s);
    sales_payment_list_handlers(s);
    /* payment plans (回款计划) */
    sales_plan_create_handlers(s);
    sales_plan_kind_handlers(s);
    sales_plan_list_handlers(s);
    /* performance (业绩), targets (业绩目标) */
    sales_perf_handlers(s);
    sales_target_handlers(s);
    sales_serve(crm_service_rpc(s->svc), &s->handlers);
}
