/* sales_contract_approval.c: a contract's approval (审批): the contract as
 * a kind of document that follows approval flows (sales_doc_approval.c),
 * and its routes: submit (draft → pending: with a flow configured for its
 * department, its levels; without, as before flows: pending, signed
 * freely), approve (the last level lets it be signed; it stays pending),
 * reject (a draft again), withdraw (撤回, pending → draft). The rule of a
 * signature (a draft only when no flow applies, a pending contract once its
 * flow's levels have approved it) is the signature's, in
 * sales_contract_kind.c. A contract keeps its approval only in its steps:
 * its approver and comment are read from them. */
#include "sales_approval.h"

static void s_view(void *rec, sales_approval_view_t *v)
{
    contract_t *k = rec;
    *v = (sales_approval_view_t){.id = k->id,
                                 .owner_id = k->owner_id,
                                 .steps = &k->approval_steps,
                                 .n_steps = &k->n_approval_steps,
                                 .approver_id = &k->approver_id,
                                 .comment = &k->approval_comment};
}

static void s_summary(void *rec)
{
    sales_contract_approval_summary(rec);
}

static int s_can_read(const Crm__Caller *caller, const void *rec, approval_step_t *const *steps,
                      size_t n)
{
    contract_t k = *(const contract_t *)rec;
    k.approval_steps = (approval_step_t **)steps;
    k.n_approval_steps = n;
    return sales_contract_can_read(caller, &k);
}

static int s_move(crm_change_t *c, void *rec, sales_step_act_t act, int last)
{
    (void)last; /* approved or not, it stays pending until signed */
    static const sales_contract_action_t actions[] = {
        [SALES_STEP_SUBMIT] = SALES_CONTRACT_SUBMIT,
        [SALES_STEP_APPROVE] = SALES_CONTRACT_APPROVE,
        [SALES_STEP_REJECT] = SALES_CONTRACT_REJECT,
        [SALES_STEP_WITHDRAW] = SALES_CONTRACT_WITHDRAW,
    };
    return sales_contract_move(c, rec, actions[act]);
}

static const sales_approval_kind_t s_kind = {
    .doc_kind = SALES_DOC_CONTRACT,
    .noun = "contract",
    .kind = &sales_contract_kind,
    .manager_sql = "SELECT crm_org_manager_of(owner_id) FROM contracts WHERE id = $1::bigint",
    .one_level_without_flow = 0,
    .view = s_view,
    .summary = s_summary,
    .can_read = s_can_read,
    .move = s_move,
    .emit_as = sales_contract_emit_as,
    .reply = sales_contract_single_reply,
};

static void s_submit(crm_rpc_call_t *call, const Crm__Sales__ContractActionRequest *req, void *arg)
{
    sales_approval_ask_t ask;
    if (sales_submit_ask(call, &req->approver_id, req->approver_ids, req->n_approver_ids,
                         req->reason, "reason", &ask))
        sales_doc_submit(arg, call, &s_kind, req->id, &ask);
}

static void s_approve(crm_rpc_call_t *call, const Crm__Sales__DecideContractRequest *req, void *arg)
{
    sales_approval_ask_t ask = {.comment = req->comment, .level = req->level};
    sales_doc_decide(arg, call, &s_kind, req->id, &ask, 1);
}

static void s_reject(crm_rpc_call_t *call, const Crm__Sales__DecideContractRequest *req, void *arg)
{
    sales_approval_ask_t ask = {.comment = req->comment, .level = req->level};
    sales_doc_decide(arg, call, &s_kind, req->id, &ask, 0);
}

static void s_withdraw(crm_rpc_call_t *call, const Crm__Sales__ContractActionRequest *req,
                       void *arg)
{
    sales_approval_ask_t ask = {.comment = req->reason};
    sales_doc_withdraw(arg, call, &s_kind, req->id, &ask);
}

void sales_contract_approval_handlers(sales_t *s)
{
    s->handlers.submit_contract = s_submit;
    s->handlers.approve_contract = s_approve;
    s->handlers.reject_contract = s_reject;
    s->handlers.withdraw_contract = s_withdraw;
}
