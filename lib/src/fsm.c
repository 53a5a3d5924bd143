/* fsm.c: state machines declared as tables (see crm/fsm.h): the first row
 * that matches a record's state, the action and the facts decides. */
#include "crm/fsm.h"

#include <assert.h>
#include <stdio.h>

/* Longest refusal text built here (the default); a longer one is cut. */
#define S_WHY_MAX 160

static const char *s_name(const char *const *names, int n, int x)
{
    return x >= 0 && x < n && names[x] ? names[x] : NULL;
}

const char *crm_fsm_state_name(const crm_fsm_t *m, int state)
{
    const char *name = state > 0 ? s_name(m->state_names, m->n_states, state) : NULL;
    return name ? name : "unknown";
}

const char *crm_fsm_action_name(const crm_fsm_t *m, int action)
{
    const char *name = s_name(m->action_names, m->n_actions, action);
    return name ? name : "unknown";
}

int crm_fsm_next(const crm_fsm_t *m, int from, int action, unsigned facts, const char **why)
{
    assert(m->n_states <= 32 && m->n_actions <= 32);
    static _Thread_local char buf[S_WHY_MAX];
    const char *noun = m->noun ? m->noun : "record";
    if (!s_name(m->action_names, m->n_actions, action)) {
        *why = "unknown action";
        return 0;
    }
    if (from <= 0 || !s_name(m->state_names, m->n_states, from)) {
        snprintf(buf, sizeof buf, "the %s is in an unknown state", noun);
        *why = buf;
        return 0;
    }
    for (size_t i = 0; i < m->n_moves; i++) {
        const crm_fsm_move_t *mv = &m->moves[i];
        assert(mv->to >= CRM_FSM_SAME && mv->to < m->n_states); /* a table's typo */
        if (!(mv->from & CRM_FSM_IN(from)) || !(mv->action & CRM_FSM_IN(action)) ||
            (facts & mv->when) != mv->when)
            continue;
        if (mv->to == CRM_FSM_SAME) {
            *why = NULL;
            return from;
        }
        if (mv->to > 0) {
            *why = NULL;
            return mv->to;
        }
        if (mv->why) {
            *why = mv->why;
            return 0;
        }
        break;
    }
    snprintf(buf, sizeof buf, "cannot %s: the %s is %s", m->action_names[action], noun,
             m->state_names[from]);
    *why = buf;
    return 0;
}
