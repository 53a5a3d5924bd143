/* sales_approval_rules.c: the pure rules of approval flows (审批流程): a
 * flow's fields checked, every fault named ("levels[2].role"); a
 * submission's levels resolved into steps with their approvers; who may
 * decide the level waiting; what a decision does to the steps. No
 * database, no RPC (tests/unit/test_sales_approval.c). */
#include <stdio.h>
#include <string.h>

#include "crm/validate.h"
#include "sales_approval_rules.h"

#define KIND(x) CRM__SALES__APPROVER_KIND__APPROVER_KIND_##x
#define DECISION(x) CRM__SALES__APPROVAL_DECISION__APPROVAL_DECISION_##x

/* The names of the levels' fields, made once: errors carry static text. */
static const char *const s_fields[] = {"approver", "user_id", "role", "name"};
#define N_FIELDS (sizeof s_fields / sizeof s_fields[0])
static char s_names[SALES_FLOW_LEVELS_MAX][N_FIELDS][24];

const char *sales_flow_level_field(size_t i, const char *field)
{
    for (size_t f = 0; i < SALES_FLOW_LEVELS_MAX && f < N_FIELDS; f++)
        if (!strcmp(s_fields[f], field)) {
            if (!s_names[i][f][0])
                snprintf(s_names[i][f], sizeof s_names[i][f], "levels[%zu].%s", i, field);
            return s_names[i][f];
        }
    return "levels";
}

static const char *const s_roles[] = {"admin", "manager", "employee"};

static int s_known_role(const char *role)
{
    for (size_t i = 0; i < sizeof s_roles / sizeof s_roles[0]; i++)
        if (!strcmp(role, s_roles[i]))
            return 1;
    return 0;
}

const char *sales_role_word(Crm__Role role)
{
    switch (role) {
    case CRM__ROLE__ROLE_ADMIN:
        return "admin";
    case CRM__ROLE__ROLE_MANAGER:
        return "manager";
    case CRM__ROLE__ROLE_EMPLOYEE:
        return "employee";
    default:
        return "";
    }
}

static void s_level(crm_errs_t *errs, const approval_level_t *l, size_t i)
{
    crm_err_t err;
    const char *role = l->role ? l->role : "";
    switch (l->approver) {
    case KIND(USER):
        if (l->user_id < 1)
            crm_errs_invalid(errs, sales_flow_level_field(i, "user_id"),
                             "a user level names its approver");
        break;
    case KIND(SUPERVISOR):
    case KIND(ROLE):
    case KIND(CHOSEN):
        if (l->user_id)
            crm_errs_invalid(errs, sales_flow_level_field(i, "user_id"),
                             "only a user level names a user");
        break;
    default:
        crm_errs_invalid(errs, sales_flow_level_field(i, "approver"),
                         "an approver is user, supervisor, role or chosen");
    }
    if (l->approver == KIND(ROLE) && !s_known_role(role))
        crm_errs_invalid(errs, sales_flow_level_field(i, "role"),
                         "\"%s\" is not a role: admin, manager or employee", role);
    else if (l->approver != KIND(ROLE) && *role)
        crm_errs_invalid(errs, sales_flow_level_field(i, "role"), "only a role level names a role");
    if (crm_text_check(&err, "name", l->name, SALES_FLOW_LEVEL_NAME_MAX, 0) < 0)
        crm_errs_invalid(errs, sales_flow_level_field(i, "name"),
                         "a level's name is at most %d characters", SALES_FLOW_LEVEL_NAME_MAX);
}

int sales_flow_check(const sales_flow_input_t *in, crm_errs_t *errs)
{
    size_t before = errs->n;
    crm_err_t err;
    if (in->name && (crm_text_check(&err, "name", in->name, SALES_FLOW_NAME_MAX, 1) < 0 ||
                     !in->name[strspn(in->name, " ")]))
        crm_errs_invalid(errs, "name", "a flow's name is 1 to %d characters", SALES_FLOW_NAME_MAX);
    if (in->has_doc_kind &&
        in->doc_kind != CRM__SALES__APPROVAL_DOC_KIND__APPROVAL_DOC_KIND_ORDER &&
        in->doc_kind != CRM__SALES__APPROVAL_DOC_KIND__APPROVAL_DOC_KIND_CONTRACT)
        crm_errs_invalid(errs, "doc_kind", "a flow approves orders or contracts");
    if (in->department_id < 0)
        crm_errs_invalid(errs, "department_id", "a department id, or 0: the company's");
    if (in->has_levels) {
        if (in->n_levels < 1 || in->n_levels > SALES_FLOW_LEVELS_MAX)
            crm_errs_invalid(errs, "levels", "a flow has 1 to %d levels", SALES_FLOW_LEVELS_MAX);
        else
            for (size_t i = 0; i < in->n_levels; i++)
                s_level(errs, in->levels[i], i);
    }
    return errs->n > before ? -1 : 0;
}

/* The step of level i (1-based) of kind, its approver or role. */
static void s_step(approval_step_t *s, int level, const approval_level_t *l, int64_t approver,
                   int64_t flow_id)
{
    s->level = level;
    s->name = l && l->name ? l->name : "";
    s->approver = l ? l->approver : KIND(CHOSEN);
    s->approver_id = approver;
    s->role = l && l->approver == KIND(ROLE) ? l->role : "";
    s->decision = level == 1 ? DECISION(WAITING) : DECISION(QUEUED);
    s->decided_by = 0;
    s->comment = "";
    s->decided_at_us = 0;
    s->flow_id = flow_id;
}

/* Without a flow: the one chosen, else the supervisor. */
static int s_resolve_one(const sales_approval_facts_t *f, approval_step_t *steps, crm_err_t *err)
{
    if (f->n_chosen > 1)
        return crm_err_invalid(err, f->chosen_field,
                               "no approval flow is configured for this %s: name one approver",
                               f->noun);
    int64_t approver = f->n_chosen ? f->chosen[0] : f->manager_id;
    if (!approver)
        return crm_err_set(err, CRM__STATUS__FAILED_PRECONDITION, f->chosen_field,
                           "no manager in or above the owner's department: name an approver");
    if (approver == f->owner_id)
        return crm_err_invalid(err, f->chosen_field, "user %lld owns the %s: another approves it",
                               (long long)approver, f->noun);
    s_step(&steps[0], 1, NULL, approver, 0);
    return 0;
}

int sales_approval_resolve(approval_level_t *const *levels, size_t n_levels,
                           const sales_approval_facts_t *f, approval_step_t *steps, crm_err_t *err)
{
    if (!levels || !n_levels)
        return s_resolve_one(f, steps, err);
    size_t n_choices = 0;
    for (size_t i = 0; i < n_levels; i++)
        n_choices += levels[i]->approver == KIND(CHOSEN);
    if (n_choices != f->n_chosen)
        return crm_err_invalid(err, f->chosen_field,
                               "approval flow %lld has %zu level(s) chosen at submit: name %zu"
                               " approver(s) in order, not %zu",
                               (long long)f->flow_id, n_choices, n_choices, f->n_chosen);
    size_t k = 0;
    for (size_t i = 0; i < n_levels; i++) {
        const approval_level_t *l = levels[i];
        int64_t approver = l->approver == KIND(USER)         ? l->user_id
                           : l->approver == KIND(SUPERVISOR) ? f->manager_id
                           : l->approver == KIND(CHOSEN)     ? f->chosen[k++]
                                                             : 0;
        if (l->approver == KIND(SUPERVISOR) && !approver)
            return crm_err_set(err, CRM__STATUS__FAILED_PRECONDITION, "id",
                               "level %zu of approval flow %lld is the owner's supervisor, and"
                               " there is no manager in or above the owner's department",
                               i + 1, (long long)f->flow_id);
        if (approver == f->owner_id && l->approver == KIND(CHOSEN))
            return crm_err_invalid(err, f->chosen_field,
                                   "user %lld owns the %s: another approves it",
                                   (long long)approver, f->noun);
        if (approver == f->owner_id)
            return crm_err_set(err, CRM__STATUS__FAILED_PRECONDITION, "id",
                               "level %zu of approval flow %lld names user %lld, who owns the"
                               " %s: another approves it (an admin changes the flow, or the %s"
                               " is transferred)",
                               i + 1, (long long)f->flow_id, (long long)approver, f->noun, f->noun);
        s_step(&steps[i], (int)(i + 1), l, approver, f->flow_id);
    }
    return 0;
}

void sales_approval_summary(approval_step_t *const *steps, size_t n, int64_t *flow_id,
                            int32_t *level, char **role)
{
    *flow_id = n ? steps[0]->flow_id : 0;
    *level = 0;
    *role = "";
    for (size_t i = 0; i < n; i++) {
        if (steps[i]->decision == DECISION(WAITING)) {
            *level = steps[i]->level;
            *role = steps[i]->role ? steps[i]->role : "";
            return;
        }
        if (steps[i]->decision != DECISION(QUEUED))
            *level = steps[i]->level;
    }
}

void sales_approval_current(approval_step_t *const *steps, size_t n, int64_t *approver_id,
                            char **comment)
{
    *approver_id = 0;
    *comment = "";
    for (size_t i = 0; i < n; i++) {
        const approval_step_t *s = steps[i];
        if (s->decision == DECISION(QUEUED))
            break;
        *approver_id = s->decided_by ? s->decided_by : s->approver_id;
        if (s->decided_by)
            *comment = s->comment ? s->comment : "";
    }
}

int sales_approval_waiting(approval_step_t *const *steps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (steps[i]->decision == DECISION(WAITING))
            return (int)i;
    return -1;
}

int sales_approval_is_approver(const approval_step_t *s, int64_t user, const char *role,
                               int64_t owner)
{
    if (!user)
        return 0;
    if (s->approver == KIND(ROLE))
        return user != owner && s->role && *s->role && role && !strcmp(s->role, role);
    return s->approver_id == user;
}

int sales_approval_involves(approval_step_t *const *steps, size_t n, int64_t user, const char *role,
                            int64_t owner)
{
    for (size_t i = 0; user && i < n; i++)
        if (steps[i]->decision != DECISION(QUEUED) &&
            (steps[i]->decided_by == user ||
             sales_approval_is_approver(steps[i], user, role, owner)))
            return 1;
    return 0;
}

int sales_approval_decide(approval_step_t **steps, size_t n, sales_approval_decision_t d,
                          int64_t user, const char *comment, int64_t at_us, int *last)
{
    int w = sales_approval_waiting(steps, n);
    *last = 0;
    if (w < 0)
        return -1;
    approval_step_t *s = steps[w];
    s->decision = d == SALES_APPROVAL_APPROVE  ? DECISION(APPROVED)
                  : d == SALES_APPROVAL_REJECT ? DECISION(REJECTED)
                                               : DECISION(WITHDRAWN);
    if (d != SALES_APPROVAL_WITHDRAW) {
        s->decided_by = user;
        s->comment = (char *)(comment ? comment : "");
        s->decided_at_us = at_us;
    }
    if (d == SALES_APPROVAL_APPROVE && (size_t)w + 1 < n)
        steps[w + 1]->decision = DECISION(WAITING);
    else
        *last = 1;
    return w;
}
