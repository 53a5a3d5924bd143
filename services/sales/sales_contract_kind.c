/* sales_contract_kind.c: the contract as a record kind of the change
 * engine (crm/change.h): locked in id order, acted on by its owner's side
 * (to others it does not exist), its status moved by its table
 * (sales_docs.c), saved with its history entry (old and new values) and
 * announced (contract.<action>) in the change's transaction; its approval
 * steps (sql/050) read after the lock. Its ops: an edit by merge patch
 * (drafts only), sign (signed_at, the sign date today unless it has one;
 * with a flow, once approved), terminate (with a reason); the approval's
 * (submit, approve, reject, withdraw) are sales_contract_approval.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/form.h"
#include "crm/history.h"
#include "crm/mask.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_approval.h"
#include "sales_rules.h"

/* The approval's fields are told by the approval's own entries. */
static crm_history_skip_t s_unfollowed = {
    "id",
    "creator_id",
    "created_at",
    "updated_at",
    "customer_name",
    "approver_id",
    "approval_comment",
    SALES_APPROVAL_UNFOLLOWED,
    NULL,
};

static void s_decode(const PGresult *r, int row, void *rec)
{
    sales_contract_row(r, row, rec);
}

static void s_clear(void *rec)
{
    sales_contract_row_clear(rec);
}

static int s_may_act(crm_change_t *c, const void *rec)
{
    if (sales_contract_can_read(crm_change_caller(c), rec))
        return 0;
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

static void s_read(crm_change_t *c)
{
    sales_steps_read(c, SALES_DOC_CONTRACT);
}

/* Stamped, with its steps as read. */
static void s_stamp(crm_change_t *c, void *rec)
{
    contract_t *k = rec;
    k->updated_at_us = crm_change_now(c);
    k->approval_steps = sales_doc_steps(c, k->id, &k->n_approval_steps);
    sales_contract_approval_summary(k);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const contract_t *before = prev, *k = rec;
    sales_contract_write(b, "contract_save", k);
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &k->base, s_unfollowed);
    sales_change_history(c, b, "contract", k->id, detail, before->owner_id, k->owner_id);
    free(detail);
}

void sales_contract_emit_as(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b,
                            const char *as)
{
    const contract_t *before = prev;
    char *changed[32], type[48];
    size_t n =
        crm_history_changed(&before->base, &((contract_t *)rec)->base, s_unfollowed, changed, 32);
    snprintf(type, sizeof type, "contract.%s", as ? as : crm_change_op(c)->action);
    sales_emit_contract(b, type, rec, crm_change_caller(c)->user_id, crm_change_reason(c), changed,
                        n, before->status);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    sales_contract_emit_as(c, prev, rec, b, NULL);
}

void sales_contract_single_reply(crm_change_t *c)
{
    crm_change_reply(c, &((contract_t *)crm_change_record(c, 0))->base);
}

const crm_change_kind_t sales_contract_kind = {
    .noun = "contract",
    .lock = "contract_lock_many",
    .size = sizeof(contract_t),
    .decode = s_decode,
    .clear = s_clear,
    .read = s_read,
    .loaded = sales_steps_loaded,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = sales_contract_single_reply,
};

int sales_contract_move(crm_change_t *c, contract_t *k, sales_contract_action_t action)
{
    const char *why;
    int to = sales_contract_next(k->status, action, &why);
    if (!to)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "status", "%s", why);
    k->status = (Crm__Sales__ContractStatus)to;
    return 0;
}

/* ---- UpdateContract ----------------------------------------------------------------- */

static const char *const s_editable[] = {"number",
                                         "name",
                                         "amount",
                                         "sign_date",
                                         "start_date",
                                         "end_date",
                                         "customer_signatory",
                                         "signatory_id",
                                         "attachments",
                                         "remark",
                                         NULL};

static int s_in_mask(const Crm__Sales__UpdateContractRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

static void s_update_read(crm_change_t *c)
{
    const Crm__Sales__UpdateContractRequest *req = crm_change_request(c);
    crm_txn_t *t = crm_change_txn(c);
    if (s_in_mask(req, "number"))
        sales_read_unique(t, "contract", "contract_number_taken", req->number, req->id);
    crm_org_refs_t *refs = crm_org_refs_new();
    if (s_in_mask(req, "signatory_id"))
        crm_org_user(refs, "signatory_id", req->signatory_id);
    crm_org_read(t, "org", &refs);
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    contract_t *k = rec;
    const Crm__Sales__UpdateContractRequest *req = crm_change_request(c);
    crm_errs_t errs = {.n = 0};
    if (sales_contract_move(c, k, SALES_CONTRACT_EDIT) < 0)
        return -1;
    if (crm_org_check(crm_change_result(c, "org"), &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    if (sales_unique_free(crm_change_txn(c), "number", "contract") < 0)
        return -1;
    if (s_in_mask(req, "number"))
        k->number = crm_change_keep(c, crm_strtrim(req->number));
    if (s_in_mask(req, "name"))
        k->name = crm_change_keep(c, crm_strtrim(req->name));
    if (s_in_mask(req, "attachments")) {
        k->attachments = req->attachments;
        k->n_attachments = req->n_attachments;
    }
#define EDIT(f)                                                                                    \
    if (s_in_mask(req, #f))                                                                        \
    k->f = req->f
    EDIT(amount);
    EDIT(sign_date);
    EDIT(start_date);
    EDIT(end_date);
    EDIT(customer_signatory);
    EDIT(signatory_id);
    EDIT(remark);
#undef EDIT
    crm_err_t err;
    if (sales_contract_dates_ok(k, &err) < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    return 0;
}

static const crm_change_op_t s_update_op = {
    .action = "updated", .ids_field = "id", .read = s_update_read, .apply = s_update_apply};

static void s_update(crm_rpc_call_t *call, const Crm__Sales__UpdateContractRequest *req, void *arg)
{
    sales_t *s = arg;
    crm_err_t err;
    if (!crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (s_in_mask(req, "number") && !*req->number) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "number", "a number cannot be cleared");
        return;
    }
#define GIVEN(f) (s_in_mask(req, #f) ? req->f : NULL)
    sales_contract_input_t in = {.number = GIVEN(number),
                                 .name = GIVEN(name),
                                 .sign_date = GIVEN(sign_date),
                                 .start_date = GIVEN(start_date),
                                 .end_date = GIVEN(end_date),
                                 .customer_signatory = GIVEN(customer_signatory),
                                 .remark = GIVEN(remark),
                                 .has_amount = s_in_mask(req, "amount"),
                                 .amount = req->amount,
                                 .signatory_id = req->signatory_id,
                                 .attachments = req->attachments,
                                 .n_attachments = req->n_attachments};
#undef GIVEN
    if (!sales_contract_check(call, &in))
        return;
    crm_change_run(&s->env, call, &sales_contract_kind, &s_update_op, &req->id, 1, "", NULL);
}

/* ---- Sign, Terminate ---------------------------------------------------------- */

/* The flow the contract follows (sales_doc_approval.c). */
static void s_sign_flow_read(crm_change_t *c)
{
    sales_read_doc_flow(crm_change_txn(c), SALES_DOC_CONTRACT, crm_change_id(c, 0));
}

/* During apply: whether k, in status before the signature, may be signed:
 * no flow applies to a draft, and the levels of a pending one's flow have
 * approved it. 0, or -1 after refusing. */
static int s_sign_ok(crm_change_t *c, const contract_t *k, int status)
{
    approval_step_t *const *steps = k->approval_steps;
    size_t n = k->n_approval_steps;
    int w = sales_approval_waiting(steps, n);
    if (status == CRM__SALES__CONTRACT_STATUS__CONTRACT_STATUS_PENDING) {
        if (w >= 0)
            return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "status",
                                     "the contract is in approval: level %d of %zu waits",
                                     steps[w]->level, n);
        return 0; /* approved by its flow, or submitted without one */
    }
    int64_t inactive;
    Crm__Sales__ApprovalFlow *flow = sales_doc_flow_of(crm_change_txn(c), &inactive);
    int64_t id = flow ? flow->id : 0;
    sales_approval_flow_free(flow);
    if (id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "status",
                                 "approval flow %lld applies to the contract: submit it, and"
                                 " sign it once approved",
                                 (long long)id);
    return 0;
}

/* The business day today, should the contract have no sign date; the flow
 * it follows. */
static void s_sign_read(crm_change_t *c)
{
    const sales_t *s = crm_change_ctx(c);
    const char *p[] = {s->tz && *s->tz ? s->tz : "UTC"};
    crm_change_read(c, "today", "SELECT to_char(now() AT TIME ZONE $1, 'YYYY-MM-DD')", 1, p);
    s_sign_flow_read(c);
}

static int s_sign_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    contract_t *k = rec;
    const Crm__Sales__ContractActionRequest *req = crm_change_request(c);
    int status = k->status;
    if (sales_contract_move(c, k, SALES_CONTRACT_SIGN) < 0 || s_sign_ok(c, k, status) < 0)
        return -1;
    k->signed_at_us = crm_change_now(c);
    if (*req->sign_date)
        k->sign_date = req->sign_date;
    else if (!*k->sign_date)
        k->sign_date = (char *)crm_db_get(crm_change_result(c, "today"), 0, 0);
    return 0;
}

static int s_terminate_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    contract_t *k = rec;
    if (sales_contract_move(c, k, SALES_CONTRACT_TERMINATE) < 0)
        return -1;
    k->terminated_at_us = crm_change_now(c);
    k->terminate_reason = (char *)crm_change_reason(c);
    return 0;
}

static const crm_change_op_t s_sign_op = {
    .action = "signed", .ids_field = "id", .read = s_sign_read, .apply = s_sign_apply};
static const crm_change_op_t s_terminate_op = {
    .action = "terminated", .ids_field = "id", .apply = s_terminate_apply};

static void s_act(crm_rpc_call_t *call, const Crm__Sales__ContractActionRequest *req, sales_t *s,
                  const crm_change_op_t *op, int reason_required)
{
    const crm_form_field_t f[] = {
        {.field = "sign_date", .value = req->sign_date, .kind = CRM_FORM_DATE, .max = 10},
    };
    crm_errs_t errs = {.n = 0};
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "reason", req->reason, 500, reason_required))
        return;
    if (crm_form_check(f, 1, &errs) < 0 || errs.n) {
        crm_rpc_fail_errs(call, &errs);
        return;
    }
    crm_change_run(&s->env, call, &sales_contract_kind, op, &req->id, 1, req->reason, NULL);
}

static void s_sign(crm_rpc_call_t *call, const Crm__Sales__ContractActionRequest *req, void *arg)
{
    s_act(call, req, arg, &s_sign_op, 0);
}

static void s_terminate(crm_rpc_call_t *call, const Crm__Sales__ContractActionRequest *req,
                        void *arg)
{
    s_act(call, req, arg, &s_terminate_op, 1);
}

void sales_contract_kind_handlers(sales_t *s)
{
    s->handlers.update_contract = s_update;
    s->handlers.sign_contract = s_sign;
    s->handlers.terminate_contract = s_terminate;
}
