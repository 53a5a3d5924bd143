/* sales_contract_create.c: CreateContract (新建合同), a write transaction of
 * its own (crm/txn.h). Round 1 reads what it refers to (the customer, the
 * opportunity it comes from: sales_doc_refs.c), the number (given: taken
 * by no other contract, under an advisory lock; else the day's next from
 * the pattern CRM_SALES_CONTRACT_NUMBER), the people it names. It decides
 * and writes the contract (a draft), its history and contract.created. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/org.h"
#include "crm/util.h"
#include "sales.h"

static const char *s_pattern;

typedef struct {
    contract_t k;
    const Crm__Sales__CreateContractRequest *req;
    sales_doc_refs_t refs;
    char *number; /* generated, owned */
    char *name;   /* trimmed, owned */
    const char *tz;
} create_t;

static void s_done(void *data)
{
    create_t *c = data;
    free(c->number);
    free(c->name);
    free(c);
}

static void s_read(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    const Crm__Sales__CreateContractRequest *req = c->req;
    crm_txn_read(t, "next_id", "SELECT nextval('contracts_id_seq'), crm_us(now())", 0, NULL);
    sales_read_doc_refs(t, &c->refs);
    sales_read_doc_number(t, "contract", "contract_number_taken", req->number, c->tz);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "owner_id", c->k.owner_id);
    crm_org_department(refs, "department_id", req->department_id);
    crm_org_user(refs, "signatory_id", req->signatory_id);
    crm_org_read(t, "org", &refs);
}

static int s_decide(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    contract_t *k = &c->k;
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_txn_result(t, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    if (sales_doc_refs_ok(t, &c->refs) < 0 ||
        sales_doc_number_ok(t, "contract", s_pattern, &c->number) < 0)
        return -1;
    int64_t dept = crm_org_department_of(org, "owner_id");
    if (!c->req->department_id && dept)
        k->department_id = dept;
    k->customer_id = c->refs.customer_id;
    k->customer_name = (char *)c->refs.customer_name;
    if (c->req->has_amount_case != CRM__SALES__CREATE_CONTRACT_REQUEST__HAS_AMOUNT_AMOUNT)
        k->amount = c->refs.opportunity_amount;
    k->number = c->number;
    const PGresult *next = crm_txn_result(t, "next_id");
    k->id = crm_db_get_i64(next, 0, 0);
    k->created_at_us = k->updated_at_us = crm_db_get_i64(next, 0, 1);
    crm_db_batch_t *b = crm_txn_batch(t);
    sales_contract_write(b, "contract_insert", k);
    sales_history_t h = {.kind = "contract",
                         .record_id = k->id,
                         .action = "created",
                         .actor_id = k->creator_id,
                         .at_us = k->created_at_us,
                         .to_owner_id = k->owner_id};
    sales_store_history(b, &h);
    sales_emit_contract(b, "contract.created", k, k->creator_id, NULL, NULL, 0, 0);
    crm_txn_reply(t, &k->base);
    return 0;
}

static const crm_txn_op_t s_op = {.read = s_read, .decide = s_decide, .done = s_done};

static void s_create(crm_rpc_call_t *call, const Crm__Sales__CreateContractRequest *req, void *arg)
{
    sales_t *s = arg;
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    int has_amount = req->has_amount_case == CRM__SALES__CREATE_CONTRACT_REQUEST__HAS_AMOUNT_AMOUNT;
    sales_contract_input_t in = {.number = req->number,
                                 .name = req->name,
                                 .sign_date = req->sign_date,
                                 .start_date = req->start_date,
                                 .end_date = req->end_date,
                                 .customer_signatory = req->customer_signatory,
                                 .remark = req->remark,
                                 .has_amount = has_amount,
                                 .amount = req->amount,
                                 .signatory_id = req->signatory_id,
                                 .attachments = req->attachments,
                                 .n_attachments = req->n_attachments};
    if (!sales_contract_check(call, &in))
        return;
    sales_doc_refs_t refs = {.customer_id = req->customer_id,
                             .opportunity_id = req->opportunity_id};
    int64_t owner = sales_doc_owner(call, &refs, req->owner_id, req->department_id, "contracts");
    if (!owner)
        return;
    create_t *c = crm_calloc(1, sizeof *c);
    contract_t *k = &c->k;
    crm__sales__contract__init(k);
    c->req = req;
    c->tz = s->tz;
    c->refs = refs;
    if (*req->number)
        c->number = crm_strtrim(req->number);
    k->name = c->name = crm_strtrim(req->name);
    k->opportunity_id = req->opportunity_id;
    k->amount = has_amount ? req->amount : 0;
    k->sign_date = req->sign_date;
    k->start_date = req->start_date;
    k->end_date = req->end_date;
    k->customer_signatory = req->customer_signatory;
    k->signatory_id = req->signatory_id;
    k->status = CRM__SALES__CONTRACT_STATUS__CONTRACT_STATUS_DRAFT;
    k->attachments = req->attachments;
    k->n_attachments = req->n_attachments;
    k->owner_id = owner;
    k->department_id = req->department_id ? req->department_id : caller->department_id;
    k->remark = req->remark;
    k->creator_id = caller->user_id;
    crm_err_t err;
    if (sales_contract_dates_ok(k, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        s_done(c);
        return;
    }
    crm_txn_run(&s->env, call, &s_op, c);
}

void sales_contract_create_handlers(sales_t *s)
{
    s_pattern = sales_number_pattern("CRM_SALES_CONTRACT_NUMBER", "HT-{yyyyMMdd}-{seq}");
    s->handlers.create_contract = s_create;
}
