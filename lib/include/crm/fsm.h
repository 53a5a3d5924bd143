/* fsm.h: state machines declared as tables. A domain (lead statuses,
 * opportunity stages, order and payment approvals) lists its moves as const
 * rows {from, action, to}; crm_fsm_next answers where a record goes under
 * an action, or why it may not, in words for people. Pure: no allocation,
 * no database, no RPC types.
 *
 * States and actions are the domain's own enum values. A state is 1..31 (0
 * is "no state": the answer for a refusal, and protobuf's UNSPECIFIED); an
 * action is 0..31. Each has a name, given in the machine by value.
 *
 * The rows are read in order and the first that matches decides, like a
 * firewall's rules: put the narrow rows (a state closed to everything)
 * before the broad ones. A row matches when the record's state is in its
 * from set, the action in its action set, and every fact in when holds.
 * Its to is then the new state, CRM_FSM_SAME (the move is allowed and the
 * state stays), or 0: refused, with the row's why. When no row matches, the
 * move is refused with "cannot <action>: the <noun> is <state>". */
#ifndef CRM_FSM_H
#define CRM_FSM_H

#include <stddef.h>
#include <stdint.h>

/* A set of states or of actions: CRM_FSM_IN(a) | CRM_FSM_IN(b). */
#define CRM_FSM_IN(x) (UINT32_C(1) << (x))
/* Every state, or every action. */
#define CRM_FSM_ANY UINT32_MAX
/* A row's to: allowed, and the record stays in the state it is in. */
#define CRM_FSM_SAME (-1)

/* Entries of a names array (for crm_fsm_t's counts). */
#define CRM_FSM_COUNT(names) ((int)(sizeof(names) / sizeof((names)[0])))

typedef struct {
    uint32_t from;   /* the states it starts from (CRM_FSM_IN, CRM_FSM_ANY) */
    uint32_t action; /* the actions it answers (CRM_FSM_IN, CRM_FSM_ANY) */
    int to;          /* the state it ends in, CRM_FSM_SAME, or 0: refused */
    unsigned when;   /* facts that must all hold for the row to match (0: none) */
    const char *why; /* a refusal's reason, for people (NULL: the default text) */
} crm_fsm_move_t;

/* Rows, so a table reads as rules: allowed (to a state or CRM_FSM_SAME),
 * refused with a reason (NULL: the default text), and the same only when
 * every fact in when holds. */
#define CRM_FSM_MOVE(from_, action_, to_) CRM_FSM_MOVE_IF(from_, action_, 0, to_)
#define CRM_FSM_MOVE_IF(from_, action_, when_, to_)                                                \
    {                                                                                              \
        .from = (from_), .action = (action_), .to = (to_), .when = (when_)                         \
    }
#define CRM_FSM_REFUSE(from_, action_, why_) CRM_FSM_REFUSE_IF(from_, action_, 0, why_)
#define CRM_FSM_REFUSE_IF(from_, action_, when_, why_)                                             \
    {                                                                                              \
        .from = (from_), .action = (action_), .when = (when_), .why = (why_)                       \
    }

typedef struct {
    const char *noun;                /* what the records are ("lead"); NULL: "record" */
    const char *const *state_names;  /* by state value; NULL entries are not states */
    int n_states;                    /* entries of state_names (at most 32) */
    const char *const *action_names; /* by action value; NULL entries are not actions */
    int n_actions;                   /* entries of action_names (at most 32) */
    const crm_fsm_move_t *moves;     /* the rows, first match wins */
    size_t n_moves;
} crm_fsm_t;

/* The state a record in state from moves to under action, given the facts
 * that hold for it (bits the domain defines, matched by rows' when).
 * Returns the new state (from itself for a CRM_FSM_SAME row) with *why set
 * to NULL, or 0 with *why saying why not. *why is a row's text, a constant,
 * or a text built here (the default; an unknown state), which lives in a
 * buffer of the calling thread until its next call: copy it before calling
 * again. An unknown state or action
 * is refused, not asserted (states come from stored rows). */
int crm_fsm_next(const crm_fsm_t *m, int from, int action, unsigned facts, const char **why);

/* The name of a state or an action, or "unknown". Never NULL. */
const char *crm_fsm_state_name(const crm_fsm_t *m, int state);
const char *crm_fsm_action_name(const crm_fsm_t *m, int action);

#endif
