/* leads_status.c: which status a lead moves to under each action, and why
 * a move is refused. Pure: the seeds' life cycle of a lead (未分配 → 待处理
 * → 跟进中 → 无效 / 已转换 / 已作废) in one table. */
#include <stddef.h>

#include "leads.h"

const char *leads_status_name(lead_status_t st)
{
    switch (st) {
    case LS(UNASSIGNED):
        return "unassigned (未分配)";
    case LS(PENDING):
        return "pending (待处理)";
    case LS(FOLLOWING):
        return "following (跟进中)";
    case LS(INVALID):
        return "invalid (无效)";
    case LS(CONVERTED):
        return "converted (已转换)";
    case LS(VOIDED):
        return "voided (已作废)";
    default:
        return "unknown";
    }
}

lead_status_t leads_restored_status(int64_t owner_id, int followed_up)
{
    if (!owner_id)
        return LS(UNASSIGNED);
    return followed_up ? LS(FOLLOWING) : LS(PENDING);
}

/* The refusals every action shares: final and junk leads. */
static const char *s_closed(lead_act_t act, lead_status_t from)
{
    if (from == LS(CONVERTED))
        return act == LEAD_ACT_CONVERT ? "the lead is already converted"
                                       : "the lead is converted; it is final";
    if (from == LS(VOIDED) && act != LEAD_ACT_RESTORE && act != LEAD_ACT_DELETE)
        return act == LEAD_ACT_VOID ? "the lead is already voided"
                                    : "the lead is voided; an admin must restore it first";
    return NULL;
}

lead_status_t leads_next_status(lead_act_t act, lead_status_t from, int followed_up,
                                const char **why)
{
    *why = s_closed(act, from);
    if (*why)
        return 0;
    int owned = from == LS(PENDING) || from == LS(FOLLOWING) || from == LS(INVALID);
    switch (act) {
    case LEAD_ACT_EDIT:
    case LEAD_ACT_DELETE:
        return from;
    case LEAD_ACT_FOLLOW_UP:
        if (from == LS(PENDING) || from == LS(FOLLOWING))
            return LS(FOLLOWING);
        *why = from == LS(INVALID) ? "the lead is invalid; resume it before following it up"
                                   : "the lead is in a pool; claim it before following it up";
        return 0;
    case LEAD_ACT_TRANSFER:
        if (owned)
            return from;
        *why = "the lead is in a pool; a pool admin assigns it instead";
        return 0;
    case LEAD_ACT_POOL:
        if (owned)
            return LS(UNASSIGNED);
        *why = "the lead is already in a pool";
        return 0;
    case LEAD_ACT_CLAIM:
        if (from == LS(UNASSIGNED))
            return LS(PENDING);
        *why = "the lead is not in a pool: someone holds it already";
        return 0;
    case LEAD_ACT_INVALIDATE:
        if (from == LS(PENDING) || from == LS(FOLLOWING))
            return LS(INVALID);
        *why = from == LS(INVALID) ? "the lead is already invalid"
                                   : "the lead is in a pool; only held leads are marked invalid";
        return 0;
    case LEAD_ACT_RESUME:
        if (from == LS(INVALID))
            return followed_up ? LS(FOLLOWING) : LS(PENDING);
        *why = "only an invalid lead can be resumed";
        return 0;
    case LEAD_ACT_VOID:
        return LS(VOIDED);
    case LEAD_ACT_RESTORE:
        if (from == LS(VOIDED))
            return from; /* the caller picks the status with leads_restored_status */
        *why = "only a voided lead can be restored";
        return 0;
    case LEAD_ACT_CONVERT:
        if (from == LS(PENDING) || from == LS(FOLLOWING))
            return LS(CONVERTED);
        *why = from == LS(INVALID) ? "the lead is invalid; resume it before converting it"
                                   : "the lead is in a pool; claim it before converting it";
        return 0;
    }
    *why = "unknown action";
    return 0;
}
