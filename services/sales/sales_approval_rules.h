/* sales_approval_rules.h: the pure rules of approval flows (审批流程;
 * sales_approval_rules.c): a flow checked as an admin gives it, a
 * submission's levels resolved into steps with their approvers, who may
 * decide the level waiting, and a decision's effect on the steps. No
 * database, no RPC: unit-tested (tests/unit/test_sales_approval.c). */
#ifndef SALES_APPROVAL_RULES_H
#define SALES_APPROVAL_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "crm/err.h"
#include "rpc.pb-c.h"
#include "sales.pb-c.h"

#define SALES_FLOW_LEVELS_MAX 10
#define SALES_FLOW_NAME_MAX 100
#define SALES_FLOW_LEVEL_NAME_MAX 50

typedef Crm__Sales__ApprovalLevel approval_level_t;
typedef Crm__Sales__ApprovalStep approval_step_t;

/* A flow as a create or an update gives it: name NULL when not given,
 * doc_kind only when has_doc_kind, levels only when has_levels. */
typedef struct {
    const char *name;
    int has_doc_kind;
    int doc_kind; /* ApprovalDocKind */
    int64_t department_id;
    approval_level_t *const *levels;
    size_t n_levels;
    int has_levels;
} sales_flow_input_t;

/* Checks in: a name of 1..100 characters; a known document kind; a
 * department id >= 0; 1..10 levels, each a known approver kind, a user id
 * >= 1 for a user level (0 for the others), a role of "admin", "manager",
 * "employee" for a role level ("" for the others), a name of at most 50
 * characters. Adds every field at fault to errs ("levels[2].role"): 0, or
 * -1. */
int sales_flow_check(const sales_flow_input_t *in, crm_errs_t *errs);

/* The request field of level i's field (static text): "levels[i].<field>". */
const char *sales_flow_level_field(size_t i, const char *field);

/* The word of a caller's role as a role level names it ("" for none). */
const char *sales_role_word(Crm__Role role);

/* What a submission's levels are resolved against. */
typedef struct {
    int64_t owner_id;
    int64_t manager_id;    /* the owner's supervisor (crm_org_manager_of; 0: none) */
    const int64_t *chosen; /* the submitter's approvers, in order */
    size_t n_chosen;
    const char *chosen_field; /* the request field that gave them */
    int64_t flow_id;
    const char *noun; /* "order" */
} sales_approval_facts_t;

/* Resolves a submission into steps[0..n_steps) (initialised by the
 * caller: max(n_levels, 1) of them): the levels of a flow (flow_id in
 * facts), or, without one (levels NULL), one level whose approver is the
 * one chosen, else the owner's supervisor. Each step gets its level, name,
 * approver kind, approver (a user level's user, the supervisor, the
 * chosen, in order) or role; the first waits, the others are queued. 0, or
 * -1 with err: INVALID_ARGUMENT on the chosen field (not as many chosen
 * as the flow's chosen levels; the owner chosen), FAILED_PRECONDITION (no
 * supervisor: on the chosen field without a flow, else "id"; a user level
 * naming the owner). Strings of steps point into levels. */
int sales_approval_resolve(approval_level_t *const *levels, size_t n_levels,
                           const sales_approval_facts_t *f, approval_step_t *steps, crm_err_t *err);

/* Where steps stand: the flow they came from, the level waiting (else the
 * last one decided; 0 none), the waiting level's role ("" none; points into
 * steps). */
void sales_approval_summary(approval_step_t *const *steps, size_t n, int64_t *flow_id,
                            int32_t *level, char **role);

/* Who the steps wait on or last heard from: the waiting level's approver
 * (0: a role's holders), else who decided last (a withdrawn level's
 * approver); the last decision's comment ("" none; points into steps). */
void sales_approval_current(approval_step_t *const *steps, size_t n, int64_t *approver_id,
                            char **comment);

/* The index of the step waiting, or -1. */
int sales_approval_waiting(approval_step_t *const *steps, size_t n);

/* May user (of role word role) decide step s? Its approver, or a holder of
 * its role who is not the document's owner. */
int sales_approval_is_approver(const approval_step_t *s, int64_t user, const char *role,
                               int64_t owner);

/* Is user one of the people of the levels steps reached (waiting or
 * decided): an approver, a decider, a holder of a role level's role (not
 * the owner)? (They read the document; a later level's do not yet.) */
int sales_approval_involves(approval_step_t *const *steps, size_t n, int64_t user, const char *role,
                            int64_t owner);

/* What a decision does to the steps. */
typedef enum {
    SALES_APPROVAL_APPROVE,
    SALES_APPROVAL_REJECT,
    SALES_APPROVAL_WITHDRAW,
} sales_approval_decision_t;

/* Decides on the step waiting of steps (copies the caller made): approved
 * (the next level then waits), rejected or withdrawn, by user at at_us
 * with comment. Returns the step decided's index, or -1 when none waits;
 * *last is set when it ended the approval (no level left waiting). */
int sales_approval_decide(approval_step_t **steps, size_t n, sales_approval_decision_t d,
                          int64_t user, const char *comment, int64_t at_us, int *last);

#endif
