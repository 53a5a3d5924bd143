/* leads_status.c: which status a lead moves to under each action, and why
 * a move is refused. Pure: the seeds' life cycle of a lead (未分配 → 待处理
 * → 跟进中 → 无效 / 已转换 / 已作废) in one table, read by crm/fsm.h. */
#include <stddef.h>

#include "crm/fsm.h"
#include "leads.h"

#define S(x) CRM_FSM_IN(LS(x))
#define A(x) CRM_FSM_IN(LEAD_ACT_##x)
/* Leads someone holds (an owner, not a pool). */
#define HELD (S(PENDING) | S(FOLLOWING) | S(INVALID))
/* Held leads someone is working on. */
#define OPEN (S(PENDING) | S(FOLLOWING))

/* The fact a move may depend on: the lead was followed up before. */
#define FOLLOWED_UP 1u

static const char *const s_states[] = {
    [LS(UNASSIGNED)] = "unassigned (未分配)", [LS(PENDING)] = "pending (待处理)",
    [LS(FOLLOWING)] = "following (跟进中)",   [LS(INVALID)] = "invalid (无效)",
    [LS(CONVERTED)] = "converted (已转换)",   [LS(VOIDED)] = "voided (已作废)",
};

static const char *const s_actions[] = {
    [LEAD_ACT_FOLLOW_UP] = "follow up",
    [LEAD_ACT_TRANSFER] = "transfer",
    [LEAD_ACT_POOL] = "pool",
    [LEAD_ACT_CLAIM] = "claim",
    [LEAD_ACT_INVALIDATE] = "invalidate",
    [LEAD_ACT_RESUME] = "resume",
    [LEAD_ACT_VOID] = "void",
    [LEAD_ACT_RESTORE] = "restore",
    [LEAD_ACT_CONVERT] = "convert",
    [LEAD_ACT_EDIT] = "edit",
    [LEAD_ACT_DELETE] = "delete",
};

#define MOVE CRM_FSM_MOVE
#define MOVE_IF CRM_FSM_MOVE_IF
#define REFUSE CRM_FSM_REFUSE
#define ANY CRM_FSM_ANY
#define SAME CRM_FSM_SAME

/* First match wins: the final and junk leads first, then action by action. */
static const crm_fsm_move_t s_moves[] = {
    /* Converted is final. */
    REFUSE(S(CONVERTED), A(CONVERT), "the lead is already converted"),
    REFUSE(S(CONVERTED), ANY, "the lead is converted; it is final"),
    /* Voided: only an admin's restore, or a delete. */
    MOVE(S(VOIDED), A(RESTORE) | A(DELETE), SAME),
    REFUSE(S(VOIDED), A(VOID), "the lead is already voided"),
    REFUSE(S(VOIDED), ANY, "the lead is voided; an admin must restore it first"),
    /* Every other lead may be edited, deleted or voided. */
    MOVE(ANY, A(EDIT) | A(DELETE), SAME),
    MOVE(ANY, A(VOID), LS(VOIDED)),

    MOVE(OPEN, A(FOLLOW_UP), LS(FOLLOWING)),
    REFUSE(S(INVALID), A(FOLLOW_UP), "the lead is invalid; resume it before following it up"),
    REFUSE(ANY, A(FOLLOW_UP), "the lead is in a pool; claim it before following it up"),

    MOVE(HELD, A(TRANSFER), SAME),
    REFUSE(ANY, A(TRANSFER), "the lead is in a pool; a pool admin assigns it instead"),

    MOVE(HELD, A(POOL), LS(UNASSIGNED)),
    REFUSE(ANY, A(POOL), "the lead is already in a pool"),

    MOVE(S(UNASSIGNED), A(CLAIM), LS(PENDING)),
    REFUSE(ANY, A(CLAIM), "the lead is not in a pool: someone holds it already"),

    MOVE(OPEN, A(INVALIDATE), LS(INVALID)),
    REFUSE(S(INVALID), A(INVALIDATE), "the lead is already invalid"),
    REFUSE(ANY, A(INVALIDATE), "the lead is in a pool; only held leads are marked invalid"),

    MOVE_IF(S(INVALID), A(RESUME), FOLLOWED_UP, LS(FOLLOWING)),
    MOVE(S(INVALID), A(RESUME), LS(PENDING)),
    REFUSE(ANY, A(RESUME), "only an invalid lead can be resumed"),

    /* A voided lead was let through above; the caller picks its status
     * with leads_restored_status. */
    REFUSE(ANY, A(RESTORE), "only a voided lead can be restored"),

    MOVE(OPEN, A(CONVERT), LS(CONVERTED)),
    REFUSE(S(INVALID), A(CONVERT), "the lead is invalid; resume it before converting it"),
    REFUSE(ANY, A(CONVERT), "the lead is in a pool; claim it before converting it"),
};

static const crm_fsm_t s_fsm = {
    .noun = "lead",
    .state_names = s_states,
    .n_states = CRM_FSM_COUNT(s_states),
    .action_names = s_actions,
    .n_actions = CRM_FSM_COUNT(s_actions),
    .moves = s_moves,
    .n_moves = sizeof s_moves / sizeof s_moves[0],
};

const char *leads_status_name(lead_status_t st)
{
    return crm_fsm_state_name(&s_fsm, st);
}

lead_status_t leads_restored_status(int64_t owner_id, int followed_up)
{
    if (!owner_id)
        return LS(UNASSIGNED);
    return followed_up ? LS(FOLLOWING) : LS(PENDING);
}

lead_status_t leads_next_status(lead_act_t act, lead_status_t from, int followed_up,
                                const char **why)
{
    return crm_fsm_next(&s_fsm, from, act, followed_up ? FOLLOWED_UP : 0, why);
}
