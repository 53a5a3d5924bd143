/* sales_doc_approval.c: a document's approval (审批) as ops of its record
 * kind on the change engine, for every kind that follows approval flows
 * (an order, a contract: sales_approval_kind_t): submit, approve, reject,
 * withdraw.
 *
 * Submit resolves the levels of the flow configured for the document's
 * department (sales_approval_flow_for: its own, the nearest above, the
 * company's) into steps written with the document (sql/050): a later edit
 * of the flow leaves them as they are. Without a flow, an order gets one
 * level to the approver chosen or the owner's supervisor; a contract none.
 * Approve decides the level waiting: the next then waits (.approval_advanced,
 * its approver told), the last approves the document (.approved). Reject
 * ends it at any level (.rejected); withdraw (撤回) takes it back to a
 * draft. Only the level waiting's approver decides (a named user, or a
 * holder of its role but the owner); a request naming a level that is no
 * longer the one waiting is refused, so two holders of a role deciding at
 * once move it once: the document's row lock orders them, and the steps
 * are read after it (sales_steps_read). Each decision is a history entry:
 * who, when, the comment, and the level in its detail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/org.h"
#include "crm/util.h"
#include "sales_approval.h"

/* A run's data: the kind and what the request asks. */
typedef struct {
    const sales_approval_kind_t *k;
    sales_approval_ask_t ask;
} run_t;

static const run_t *s_run(crm_change_t *c)
{
    return crm_change_data(c);
}

static sales_approval_view_t s_view(crm_change_t *c, void *rec)
{
    sales_approval_view_t v;
    s_run(c)->k->view(rec, &v);
    return v;
}

/* The document's steps copied for the change, or, for one submitted before
 * flows existed (pending, its approver set, no steps), its one approver's. */
static approval_step_t **s_steps(crm_change_t *c, const sales_approval_view_t *v, int pending,
                                 size_t *n)
{
    approval_step_t **read = sales_doc_steps(c, v->id, n);
    if (*n || !pending || !*v->approver_id)
        return sales_steps_copy(c, read, *n);
    approval_step_t one = CRM__SALES__APPROVAL_STEP__INIT;
    approval_step_t *p = &one;
    one.level = 1;
    one.approver = CRM__SALES__APPROVER_KIND__APPROVER_KIND_CHOSEN;
    one.approver_id = *v->approver_id;
    one.decision = CRM__SALES__APPROVAL_DECISION__APPROVAL_DECISION_WAITING;
    *n = 1;
    return sales_steps_copy(c, &p, 1);
}

static void s_set_steps(crm_change_t *c, void *rec, approval_step_t **steps, size_t n)
{
    sales_approval_view_t v = s_view(c, rec);
    *v.steps = steps;
    *v.n_steps = n;
    s_run(c)->k->summary(rec);
}

static void s_write_steps(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    (void)prev;
    sales_approval_view_t v = s_view(c, rec);
    sales_steps_write(b, s_run(c)->k->doc_kind, v.id, *v.steps, *v.n_steps);
}

/* The history detail of a decision at level (1..) of levels. */
static void s_detail(crm_change_t *c, int level, size_t levels, const char *more)
{
    char *detail = crm_sprintf("{\"level\": %d, \"levels\": %zu%s}", level, levels, more);
    crm_change_detail(c, detail);
    free(detail);
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    s_run(c)->k->emit_as(c, prev, rec, b, NULL);
}

static void s_reply(crm_change_t *c)
{
    s_run(c)->k->reply(c);
}

/* Runs op on document id of k for call, asking ask (copied). */
static void s_change(sales_t *s, crm_rpc_call_t *call, const sales_approval_kind_t *k, int64_t id,
                     const sales_approval_ask_t *ask, const crm_change_op_t *op)
{
    run_t *run = crm_malloc(sizeof *run);
    run->k = k;
    run->ask = *ask;
    crm_change_run(&s->env, call, k->kind, op, &id, 1, ask->comment, run);
}

/* ---- submit ----------------------------------------------------------------------- */

static void s_submit_read(crm_change_t *c)
{
    const run_t *run = s_run(c);
    char id[24];
    const char *p[] = {crm_i64(id, crm_change_id(c, 0))};
    crm_change_read(c, "manager", run->k->manager_sql, 1, p);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_users(refs, run->ask.chosen_field, run->ask.chosen, run->ask.n_chosen);
    crm_org_read(crm_change_txn(c), "org", &refs);
    sales_read_doc_flow(crm_change_txn(c), run->k->doc_kind, crm_change_id(c, 0));
}

/* Steps for n levels, kept by the change. */
static approval_step_t **s_new_steps(crm_change_t *c, size_t n)
{
    approval_step_t *steps = crm_change_keep(c, crm_calloc(n + 1, sizeof *steps));
    approval_step_t **ptrs = crm_change_keep(c, crm_calloc(n + 1, sizeof *ptrs));
    for (size_t i = 0; i < n; i++) {
        crm__sales__approval_step__init(&steps[i]);
        ptrs[i] = &steps[i];
    }
    return ptrs;
}

/* Resolves the document's levels into *out, *n of them (kept by the
 * change; 0: none, a contract without a flow): 0, or -1 after refusing. */
static int s_resolve(crm_change_t *c, const sales_approval_view_t *v, approval_step_t ***out,
                     size_t *n)
{
    const run_t *run = s_run(c);
    const PGresult *m = crm_change_result(c, "manager");
    int64_t inactive;
    Crm__Sales__ApprovalFlow *flow = sales_doc_flow_of(crm_change_txn(c), &inactive);
    if (flow && inactive) {
        int64_t id = flow->id;
        sales_approval_flow_free(flow);
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "id",
                                 "approval flow %lld names user %lld, who is deactivated: an"
                                 " admin changes the flow",
                                 (long long)id, (long long)inactive);
    }
    sales_approval_facts_t f = {.owner_id = v->owner_id,
                                .manager_id = PQntuples(m) ? crm_db_get_i64(m, 0, 0) : 0,
                                .chosen = run->ask.chosen,
                                .n_chosen = run->ask.n_chosen,
                                .chosen_field = run->ask.chosen_field,
                                .flow_id = flow ? flow->id : 0,
                                .noun = run->k->noun};
    *n = flow ? flow->n_levels : (size_t)run->k->one_level_without_flow;
    *out = s_new_steps(c, *n);
    if (!flow && !*n && f.n_chosen)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, f.chosen_field,
                                 "no approval flow is configured for this %s: it names no"
                                 " approver",
                                 f.noun);
    crm_err_t err;
    int rc = *n ? sales_approval_resolve(flow ? flow->levels : NULL, flow ? flow->n_levels : 0, &f,
                                         (*out)[0], &err)
                : 0;
    for (size_t i = 0; rc == 0 && i < *n; i++) { /* their strings were the flow's */
        (*out)[i]->name = crm_change_keep(c, crm_strdup((*out)[i]->name));
        (*out)[i]->role = crm_change_keep(c, crm_strdup((*out)[i]->role));
    }
    sales_approval_flow_free(flow);
    if (rc < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    return 0;
}

static int s_submit_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    sales_approval_view_t v = s_view(c, rec);
    crm_errs_t errs = {.n = 0};
    if (s_run(c)->k->move(c, rec, SALES_STEP_SUBMIT, 0) < 0)
        return -1;
    if (crm_org_check(crm_change_result(c, "org"), &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    approval_step_t **steps = NULL;
    size_t n = 0;
    if (s_resolve(c, &v, &steps, &n) < 0)
        return -1;
    s_set_steps(c, rec, steps, n);
    *v.approver_id = n ? steps[0]->approver_id : 0;
    *v.comment = "";
    char flow[48];
    snprintf(flow, sizeof flow, ", \"flow_id\": %lld", (long long)(n ? steps[0]->flow_id : 0));
    s_detail(c, n ? 1 : 0, n, flow);
    return 0;
}

static const crm_change_op_t s_submit_op = {.action = "submitted",
                                            .ids_field = "id",
                                            .read = s_submit_read,
                                            .apply = s_submit_apply,
                                            .write = s_write_steps,
                                            .emit = s_emit,
                                            .reply = s_reply,
                                            .done = free};

int sales_submit_ask(crm_rpc_call_t *call, const int64_t *approver_id, const int64_t *approver_ids,
                     size_t n, const char *comment, const char *comment_field,
                     sales_approval_ask_t *ask)
{
    if (*approver_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "approver_id", "must not be negative");
        return 0;
    }
    if (n && *approver_id) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "approver_id",
                     "give approver_ids or approver_id, not both");
        return 0;
    }
    *ask = (sales_approval_ask_t){.chosen = n              ? approver_ids
                                            : *approver_id ? approver_id
                                                           : NULL,
                                  .n_chosen = n ? n : (size_t)(*approver_id != 0),
                                  .chosen_field = n ? "approver_ids" : "approver_id",
                                  .comment = comment,
                                  .comment_field = comment_field};
    return 1;
}

void sales_doc_submit(sales_t *s, crm_rpc_call_t *call, const sales_approval_kind_t *k, int64_t id,
                      const sales_approval_ask_t *ask)
{
    const char *field = ask->comment_field ? ask->comment_field : "comment";
    if (!crm_check_id(call, "id", id) || !crm_check_text(call, field, ask->comment, 500, 0))
        return;
    if (ask->n_chosen && !crm_change_check_ids(call, ask->chosen_field, ask->chosen, ask->n_chosen,
                                               SALES_FLOW_LEVELS_MAX))
        return;
    s_change(s, call, k, id, ask, &s_submit_op);
}

/* ---- approve, reject: the level waiting's approver ------------------------------------ */

/* Who decides step s, in words. */
static void s_who(const approval_step_t *s, char *out, size_t cap)
{
    if (s->approver == CRM__SALES__APPROVER_KIND__APPROVER_KIND_ROLE)
        snprintf(out, cap, "a holder of role %s but its owner", s->role);
    else
        snprintf(out, cap, "user %lld", (long long)s->approver_id);
}

/* Only the approver of the level waiting; one who reads a document not in
 * approval is told its status (by the table, in apply); a level named that
 * is not the one waiting is decided already. */
static int s_may_decide(crm_change_t *c, const void *rec)
{
    const run_t *run = s_run(c);
    const Crm__Caller *caller = crm_change_caller(c);
    sales_approval_view_t v;
    run->k->view((void *)rec, &v);
    size_t n;
    approval_step_t **read = sales_doc_steps(c, v.id, &n);
    if (!run->k->can_read(caller, rec, read, n))
        return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
    approval_step_t **steps = s_steps(c, &v, 1, &n);
    int w = sales_approval_waiting(steps, n);
    if (w < 0) /* not in approval: the table says why */
        return 0;
    const approval_step_t *s = steps[w];
    if (run->ask.level && run->ask.level != s->level)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "level",
                                 "level %d is decided already: level %d of %zu waits",
                                 run->ask.level, s->level, n);
    if (sales_approval_is_approver(s, caller->user_id, sales_role_word(caller->role), v.owner_id))
        return 0;
    char who[96];
    s_who(s, who, sizeof who);
    return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                             "level %d of %zu waits on %s: only they approve or reject it",
                             s->level, n, who);
}

static int s_decide(crm_change_t *c, void *rec, int approve)
{
    const run_t *run = s_run(c);
    sales_approval_view_t v = s_view(c, rec);
    size_t n;
    approval_step_t **steps = s_steps(c, &v, 1, &n);
    int w = sales_approval_waiting(steps, n);
    int last = !approve || w < 0 || (size_t)w + 1 == n;
    if (run->k->move(c, rec, approve ? SALES_STEP_APPROVE : SALES_STEP_REJECT, last) < 0)
        return -1;
    if (w < 0) /* in approval, yet no level waits: submitted without a flow */
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "status",
                                 "the %s is in no approval flow: nobody approves it", run->k->noun);
    int64_t by = crm_change_caller(c)->user_id;
    sales_approval_decide(steps, n, approve ? SALES_APPROVAL_APPROVE : SALES_APPROVAL_REJECT, by,
                          run->ask.comment, crm_change_now(c), &last);
    s_set_steps(c, rec, steps, n);
    *v.approver_id = last ? by : steps[w + 1]->approver_id;
    *v.comment = (char *)run->ask.comment;
    s_detail(c, w + 1, n, last ? ", \"final\": true" : ", \"final\": false");
    return 0;
}

static int s_approve_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    return s_decide(c, rec, 1);
}

static int s_reject_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    return s_decide(c, rec, 0);
}

/* .approved once the last level is; before, .approval_advanced. */
static void s_approve_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    sales_approval_view_t v = s_view(c, rec);
    int advanced = sales_approval_waiting(*v.steps, *v.n_steps) >= 0;
    s_run(c)->k->emit_as(c, prev, rec, b, advanced ? "approval_advanced" : NULL);
}

static const crm_change_op_t s_approve_op = {.action = "approved",
                                             .ids_field = "id",
                                             .may_act = s_may_decide,
                                             .apply = s_approve_apply,
                                             .write = s_write_steps,
                                             .emit = s_approve_emit,
                                             .reply = s_reply,
                                             .done = free};
static const crm_change_op_t s_reject_op = {.action = "rejected",
                                            .ids_field = "id",
                                            .may_act = s_may_decide,
                                            .apply = s_reject_apply,
                                            .write = s_write_steps,
                                            .emit = s_emit,
                                            .reply = s_reply,
                                            .done = free};

void sales_doc_decide(sales_t *s, crm_rpc_call_t *call, const sales_approval_kind_t *k, int64_t id,
                      const sales_approval_ask_t *ask, int approve)
{
    if (!crm_check_id(call, "id", id) ||
        !crm_check_text(call, "comment", ask->comment, 500, !approve))
        return;
    if (ask->level < 0 || ask->level > SALES_FLOW_LEVELS_MAX) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "level",
                     "a level is 1 to %d, or 0: the one waiting", SALES_FLOW_LEVELS_MAX);
        return;
    }
    s_change(s, call, k, id, ask, approve ? &s_approve_op : &s_reject_op);
}

/* ---- withdraw: its owner's side ---------------------------------------------------------- */

static int s_withdraw_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    sales_approval_view_t v = s_view(c, rec);
    size_t n;
    approval_step_t **steps = s_steps(c, &v, 1, &n);
    if (s_run(c)->k->move(c, rec, SALES_STEP_WITHDRAW, 1) < 0)
        return -1;
    int last;
    int w = sales_approval_decide(steps, n, SALES_APPROVAL_WITHDRAW, 0, NULL, 0, &last);
    s_set_steps(c, rec, steps, n);
    if (w >= 0)
        s_detail(c, w + 1, n, "");
    return 0;
}

static const crm_change_op_t s_withdraw_op = {.action = "withdrawn",
                                              .ids_field = "id",
                                              .apply = s_withdraw_apply,
                                              .write = s_write_steps,
                                              .emit = s_emit,
                                              .reply = s_reply,
                                              .done = free};

void sales_doc_withdraw(sales_t *s, crm_rpc_call_t *call, const sales_approval_kind_t *k,
                        int64_t id, const sales_approval_ask_t *ask)
{
    if (!crm_check_id(call, "id", id) || !crm_check_text(call, "reason", ask->comment, 500, 0))
        return;
    s_change(s, call, k, id, ask, &s_withdraw_op);
}
