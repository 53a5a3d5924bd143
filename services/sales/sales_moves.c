/* sales_moves.c: where an opportunity goes, pure: its status table (a
 * crm/fsm.h machine: open, then won, lost or invalid, final unless an
 * admin reopens it) and a stage change decided against its pipeline (the
 * stage asked for, the feedback the stage it leaves requires, the lost
 * reason from the pipeline's list, the probability it takes). Unit-tested
 * in tests/unit/test_sales_rules.c. */
#include <stdio.h>
#include <string.h>

#include "crm/fsm.h"
#include "crm/validate.h"
#include "sales_rules.h"

#define ST(x) CRM__SALES__OPPORTUNITY_STATUS__OPPORTUNITY_STATUS_##x
#define S(x) CRM_FSM_IN(ST(x))
#define A(x) CRM_FSM_IN(SALES_ACT_##x)
#define CLOSED (S(WON) | S(LOST) | S(INVALID))

static const char *const s_states[] = {
    [ST(OPEN)] = "open (进行中)",
    [ST(WON)] = "won (赢单)",
    [ST(LOST)] = "lost (输单)",
    [ST(INVALID)] = "invalid (无效)",
};

static const char *const s_actions[] = {
    [SALES_ACT_MOVE] = "change its stage",  [SALES_ACT_WIN] = "win it",
    [SALES_ACT_LOSE] = "lose it",           [SALES_ACT_INVALIDATE] = "invalidate it",
    [SALES_ACT_REOPEN] = "reopen it",       [SALES_ACT_EDIT] = "edit it",
    [SALES_ACT_FOLLOW_UP] = "follow it up", [SALES_ACT_TRANSFER] = "transfer it",
    [SALES_ACT_DELETE] = "delete it",
};

/* First match wins: the ends first, then the open opportunity. */
static const crm_fsm_move_t s_moves[] = {
    /* An end is final: an admin reopens it; its record is still followed
     * up, handed to another owner and deleted. */
    CRM_FSM_MOVE_IF(CLOSED, A(REOPEN), SALES_FACT_ADMIN, ST(OPEN)),
    CRM_FSM_REFUSE(CLOSED, A(REOPEN), "only an admin may reopen a closed opportunity"),
    CRM_FSM_MOVE(CLOSED, A(FOLLOW_UP) | A(TRANSFER) | A(DELETE), CRM_FSM_SAME),
    CRM_FSM_REFUSE(S(WON), CRM_FSM_ANY,
                   "the opportunity is won (赢单); it is final unless an"
                   " admin reopens it"),
    CRM_FSM_REFUSE(S(LOST), CRM_FSM_ANY,
                   "the opportunity is lost (输单); it is final unless an"
                   " admin reopens it"),
    CRM_FSM_REFUSE(S(INVALID), CRM_FSM_ANY,
                   "the opportunity is invalid (无效); it is final unless"
                   " an admin reopens it"),
    /* Open: anything but a reopen. */
    CRM_FSM_REFUSE(S(OPEN), A(REOPEN), "the opportunity is open"),
    CRM_FSM_MOVE(S(OPEN), A(WIN), ST(WON)),
    CRM_FSM_MOVE(S(OPEN), A(LOSE), ST(LOST)),
    CRM_FSM_MOVE(S(OPEN), A(INVALIDATE), ST(INVALID)),
    CRM_FSM_MOVE(S(OPEN), CRM_FSM_ANY, CRM_FSM_SAME),
};

static const crm_fsm_t s_machine = {
    .noun = "opportunity",
    .state_names = s_states,
    .n_states = CRM_FSM_COUNT(s_states),
    .action_names = s_actions,
    .n_actions = CRM_FSM_COUNT(s_actions),
    .moves = s_moves,
    .n_moves = sizeof s_moves / sizeof s_moves[0],
};

int sales_next_status(int status, sales_action_t action, unsigned facts, const char **why)
{
    return crm_fsm_next(&s_machine, status, (int)action, facts, why);
}

/* ---- a stage change ---------------------------------------------------------- */

int sales_feedback_check(Crm__Sales__FeedbackEntry *const *f, size_t n, crm_err_t *err)
{
    if (n > SALES_FEEDBACK_MAX)
        return crm_err_invalid(err, "feedback", "at most %d feedback fields", SALES_FEEDBACK_MAX);
    for (size_t i = 0; i < n; i++) {
        if (crm_text_check(err, "feedback", f[i]->field, SALES_FIELD_NAME_MAX, 1) < 0 ||
            crm_text_check(err, "feedback", f[i]->value, SALES_FEEDBACK_VALUE_MAX, 0) < 0)
            return crm_err_invalid(err, "feedback",
                                   "a feedback field is named (1 to %d characters) and its value"
                                   " is at most %d characters",
                                   SALES_FIELD_NAME_MAX, SALES_FEEDBACK_VALUE_MAX);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(f[k]->field, f[i]->field))
                return crm_err_invalid(err, "feedback", "\"%s\" is there twice", f[i]->field);
    }
    return 0;
}

static const Crm__Sales__Stage *s_stage(const Crm__Sales__Pipeline *p, int64_t id)
{
    for (size_t i = 0; p && id && i < p->n_stages; i++)
        if (p->stages[i]->id == id)
            return p->stages[i];
    return NULL;
}

/* Is field filled in (not blank) in the feedback? */
static int s_filled(const sales_stage_ask_t *ask, const char *field)
{
    for (size_t i = 0; i < ask->n_feedback; i++)
        if (!strcmp(ask->feedback[i]->field, field))
            return ask->feedback[i]->value[strspn(ask->feedback[i]->value, " \t")] != '\0';
    return 0;
}

/* Moving on from stage from needs its required fields: 0, or -1 naming
 * the missing ones. */
static int s_required(const Crm__Sales__Stage *from, const sales_stage_ask_t *ask, crm_err_t *err)
{
    char missing[400] = "";
    size_t len = 0;
    for (size_t i = 0; from && i < from->n_required_fields; i++)
        if (!s_filled(ask, from->required_fields[i]) && len < sizeof missing)
            len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%s", len ? ", " : "",
                                    from->required_fields[i]);
    if (!len)
        return 0;
    return crm_err_invalid(err, "feedback", "moving on from %s needs its feedback: %s", from->name,
                           missing);
}

static int s_lost_reason_ok(const Crm__Sales__Pipeline *p, const char *reason, crm_err_t *err)
{
    if (!reason || !*reason)
        return crm_err_invalid(err, "lost_reason", "a lost opportunity gives a reason (输单原因)");
    for (size_t i = 0; i < p->n_lost_reasons; i++)
        if (!strcmp(p->lost_reasons[i], reason))
            return 0;
    return crm_err_invalid(err, "lost_reason", "\"%s\" is not one of pipeline %lld's lost reasons",
                           reason, (long long)p->id);
}

static int s_not_a_stage(const Crm__Sales__Pipeline *p, int64_t id, crm_err_t *err)
{
    return crm_err_invalid(err, "stage_id", "stage %lld is not a stage of pipeline %lld (%s)",
                           (long long)id, (long long)p->id, p->name);
}

int sales_stage_decide(const Crm__Sales__Pipeline *p, int status, int64_t stage_id,
                       const sales_stage_ask_t *ask, sales_stage_to_t *to, crm_err_t *err)
{
    const char *why;
    int next = sales_next_status(status, ask->action, ask->facts, &why);
    if (!next)
        return crm_err_set(err,
                           ask->action == SALES_ACT_REOPEN && status != ST(OPEN)
                               ? CRM__STATUS__PERMISSION_DENIED
                               : CRM__STATUS__FAILED_PRECONDITION,
                           NULL, "%s", why);
    const Crm__Sales__Stage *cur = s_stage(p, stage_id), *target = cur;
    *to = (sales_stage_to_t){.status = next, .stage_id = stage_id};
    switch (ask->action) {
    case SALES_ACT_MOVE:
        if (!(target = s_stage(p, ask->stage_id)))
            return s_not_a_stage(p, ask->stage_id, err);
        if (target == cur)
            return crm_err_set(err, CRM__STATUS__FAILED_PRECONDITION, "stage_id",
                               "the opportunity is in %s already", cur->name);
        to->back = cur && target->position < cur->position;
        if (!to->back && s_required(cur, ask, err) < 0)
            return -1;
        break;
    case SALES_ACT_WIN:
        if (s_required(cur, ask, err) < 0)
            return -1;
        to->probability = 100;
        return 0;
    case SALES_ACT_LOSE:
        return s_lost_reason_ok(p, ask->lost_reason, err);
    case SALES_ACT_INVALIDATE:
        return 0;
    case SALES_ACT_REOPEN:
        if (ask->stage_id && !(target = s_stage(p, ask->stage_id)))
            return s_not_a_stage(p, ask->stage_id, err);
        if (!target)
            return crm_err_invalid(err, "stage_id",
                                   "the stage it was in is no longer in its pipeline: name one");
        break;
    default:
        return crm_err_set(err, CRM__STATUS__INTERNAL, NULL, "not a stage change");
    }
    to->stage_id = target->id;
    to->probability = target->probability;
    return 0;
}
