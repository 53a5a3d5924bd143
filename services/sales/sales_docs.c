/* sales_docs.c: the pure rules of contracts and orders: their status
 * tables (crm/fsm.h machines), their numbers from a pattern, an order's
 * total in exact integer money, and a payment's (回款) status table and
 * room. No database, no RPC; unit-tested
 * in tests/unit/test_sales_docs.c. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "crm/fsm.h"
#include "sales_rules.h"

/* ---- contracts ---------------------------------------------------------------- */

#define CS(x) CRM__SALES__CONTRACT_STATUS__CONTRACT_STATUS_##x
#define C_IN(x) CRM_FSM_IN(CS(x))
#define C_ACT(x) CRM_FSM_IN(SALES_CONTRACT_##x)

static const char *const s_contract_states[] = {
    [CS(DRAFT)] = "draft (草稿)",
    [CS(PENDING)] = "pending approval (审批中)",
    [CS(SIGNED)] = "signed (已签约)",
    [CS(EXPIRED)] = "expired (已到期)",
    [CS(TERMINATED)] = "terminated (已终止)",
};

static const char *const s_contract_actions[] = {
    [SALES_CONTRACT_EDIT] = "edit it",         [SALES_CONTRACT_SUBMIT] = "submit it",
    [SALES_CONTRACT_SIGN] = "sign it",         [SALES_CONTRACT_TERMINATE] = "terminate it",
    [SALES_CONTRACT_APPROVE] = "approve it",   [SALES_CONTRACT_REJECT] = "reject it",
    [SALES_CONTRACT_WITHDRAW] = "withdraw it",
};

static const crm_fsm_move_t s_contract_moves[] = {
    CRM_FSM_REFUSE(C_IN(TERMINATED), CRM_FSM_ANY,
                   "the contract is terminated (已终止); it is final"),
    CRM_FSM_MOVE(C_IN(DRAFT), C_ACT(EDIT), CRM_FSM_SAME),
    CRM_FSM_REFUSE(C_IN(PENDING) | C_IN(SIGNED) | C_IN(EXPIRED), C_ACT(EDIT),
                   "only a draft contract is edited"),
    CRM_FSM_MOVE(C_IN(DRAFT), C_ACT(SUBMIT), CS(PENDING)),
    CRM_FSM_MOVE(C_IN(DRAFT) | C_IN(PENDING), C_ACT(SIGN), CS(SIGNED)),
    CRM_FSM_MOVE(C_IN(SIGNED) | C_IN(EXPIRED), C_ACT(TERMINATE), CS(TERMINATED)),
    CRM_FSM_MOVE(C_IN(PENDING), C_ACT(APPROVE), CRM_FSM_SAME),
    CRM_FSM_MOVE(C_IN(PENDING), C_ACT(REJECT) | C_ACT(WITHDRAW), CS(DRAFT)),
};

static const crm_fsm_t s_contract_machine = {
    .noun = "contract",
    .state_names = s_contract_states,
    .n_states = CRM_FSM_COUNT(s_contract_states),
    .action_names = s_contract_actions,
    .n_actions = CRM_FSM_COUNT(s_contract_actions),
    .moves = s_contract_moves,
    .n_moves = sizeof s_contract_moves / sizeof s_contract_moves[0],
};

int sales_contract_next(int status, sales_contract_action_t action, const char **why)
{
    return crm_fsm_next(&s_contract_machine, status, (int)action, 0, why);
}

/* ---- numbers ------------------------------------------------------------------ */

/* Appends n bytes of s at *at of out[cap] (keeping room for the NUL): 0, or -1. */
static int s_put(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
    if (*at + n + 1 > cap)
        return -1;
    memcpy(out + *at, s, n);
    *at += n;
    out[*at] = '\0';
    return 0;
}

int sales_number_format(const char *pattern, const char *day, int64_t seq, char *out, size_t cap)
{
    static const struct {
        const char *token;
        size_t from, n; /* the part of day it writes */
    } days[] = {{"{yyyyMMdd}", 0, 8}, {"{yyyy}", 0, 4}, {"{MM}", 4, 2}, {"{dd}", 6, 2}};
    size_t at = 0;
    int has_seq = 0;
    if (!pattern || !day || strlen(day) != 8 || seq < 0 || cap == 0)
        return -1;
    out[0] = '\0';
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            if (s_put(out, cap, &at, p++, 1) < 0)
                return -1;
            continue;
        }
        size_t k = 0, nd = sizeof days / sizeof days[0];
        while (k < nd && strncmp(p, days[k].token, strlen(days[k].token)) != 0)
            k++;
        if (k < nd) {
            if (s_put(out, cap, &at, day + days[k].from, days[k].n) < 0)
                return -1;
            p += strlen(days[k].token);
        } else if (!strncmp(p, "{seq}", 5)) {
            char n[24];
            int len = snprintf(n, sizeof n, "%04" PRId64, seq);
            if (s_put(out, cap, &at, n, (size_t)len) < 0)
                return -1;
            has_seq = 1;
            p += 5;
        } else {
            return -1;
        }
    }
    return has_seq ? 0 : -1;
}

/* ---- orders ------------------------------------------------------------------- */

#define OS(x) CRM__SALES__ORDER_STATUS__ORDER_STATUS_##x
#define O_IN(x) CRM_FSM_IN(OS(x))
#define O_ACT(x) CRM_FSM_IN(SALES_ORDER_##x)
#define O_OPEN (O_IN(DRAFT) | O_IN(REJECTED) | O_IN(VOIDED))

static const char *const s_order_states[] = {
    [OS(DRAFT)] = "draft (草稿)",           [OS(PENDING)] = "pending approval (审批中)",
    [OS(APPROVED)] = "approved (审批通过)", [OS(REJECTED)] = "rejected (驳回)",
    [OS(VOIDED)] = "voided (作废)",
};

static const char *const s_order_actions[] = {
    [SALES_ORDER_EDIT] = "edit it",         [SALES_ORDER_SUBMIT] = "submit it",
    [SALES_ORDER_APPROVE] = "approve it",   [SALES_ORDER_REJECT] = "reject it",
    [SALES_ORDER_WITHDRAW] = "withdraw it", [SALES_ORDER_VOID] = "void it",
    [SALES_ORDER_SHIP] = "ship it",         [SALES_ORDER_TRANSFER] = "transfer it",
};

static const crm_fsm_move_t s_order_moves[] = {
    /* Open (a draft, rejected, voided): edited, submitted, transferred. */
    CRM_FSM_MOVE(O_OPEN, O_ACT(EDIT) | O_ACT(TRANSFER), CRM_FSM_SAME),
    CRM_FSM_MOVE(O_OPEN, O_ACT(SUBMIT), OS(PENDING)),
    /* Pending: its approver decides; its owner may withdraw it. */
    CRM_FSM_MOVE(O_IN(PENDING), O_ACT(APPROVE), OS(APPROVED)),
    CRM_FSM_MOVE(O_IN(PENDING), O_ACT(REJECT), OS(REJECTED)),
    CRM_FSM_MOVE(O_IN(PENDING), O_ACT(WITHDRAW), OS(DRAFT)),
    CRM_FSM_REFUSE(O_IN(PENDING), O_ACT(EDIT) | O_ACT(TRANSFER) | O_ACT(SUBMIT),
                   "the order is pending approval (审批中): withdraw it first"),
    /* Approved: shipped, handed over, or voided before it changes. */
    CRM_FSM_MOVE(O_IN(APPROVED), O_ACT(SHIP) | O_ACT(TRANSFER), CRM_FSM_SAME),
    CRM_FSM_MOVE(O_IN(APPROVED), O_ACT(VOID), OS(VOIDED)),
    CRM_FSM_REFUSE(O_IN(APPROVED), O_ACT(EDIT) | O_ACT(SUBMIT),
                   "the order is approved (审批通过): void it before it changes"),
};

static const crm_fsm_t s_order_machine = {
    .noun = "order",
    .state_names = s_order_states,
    .n_states = CRM_FSM_COUNT(s_order_states),
    .action_names = s_order_actions,
    .n_actions = CRM_FSM_COUNT(s_order_actions),
    .moves = s_order_moves,
    .n_moves = sizeof s_order_moves / sizeof s_order_moves[0],
};

int sales_order_next(int status, sales_order_action_t action, const char **why)
{
    return crm_fsm_next(&s_order_machine, status, (int)action, 0, why);
}

int64_t sales_order_amount(int64_t subtotal, int32_t discount_bp)
{
    if (subtotal < 0 || subtotal > SALES_AMOUNT_MAX || discount_bp < 0 ||
        discount_bp > SALES_DISCOUNT_MAX)
        return -1;
    __int128 n = (__int128)subtotal * (10000 - discount_bp);
    return (int64_t)((n + 5000) / 10000); /* n >= 0: half up */
}

/* ---- payments ----------------------------------------------------------------- */

#define PS(x) CRM__SALES__PAYMENT_STATUS__PAYMENT_STATUS_##x
#define P_IN(x) CRM_FSM_IN(PS(x))
#define P_ACT(x) CRM_FSM_IN(SALES_PAYMENT_##x)

static const char *const s_payment_states[] = {
    [PS(PENDING)] = "pending (待确认)",
    [PS(CONFIRMED)] = "confirmed (已确认)",
    [PS(REJECTED)] = "rejected (已驳回)",
    [PS(REFUNDED)] = "refunded (已退款)",
};

static const char *const s_payment_actions[] = {
    [SALES_PAYMENT_CONFIRM] = "confirm it",
    [SALES_PAYMENT_REJECT] = "reject it",
    [SALES_PAYMENT_REFUND] = "refund it",
};

static const crm_fsm_move_t s_payment_moves[] = {
    CRM_FSM_REFUSE(P_IN(REJECTED), CRM_FSM_ANY, "the payment is rejected (已驳回); it is final"),
    CRM_FSM_REFUSE(P_IN(REFUNDED), CRM_FSM_ANY,
                   "the payment is refunded whole (已退款); it is final"),
    CRM_FSM_MOVE(P_IN(PENDING), P_ACT(CONFIRM), PS(CONFIRMED)),
    CRM_FSM_MOVE(P_IN(PENDING), P_ACT(REJECT), PS(REJECTED)),
    CRM_FSM_REFUSE(P_IN(PENDING), P_ACT(REFUND),
                   "the payment is pending (待确认): only a confirmed one is refunded"),
    CRM_FSM_REFUSE(P_IN(CONFIRMED), P_ACT(CONFIRM) | P_ACT(REJECT),
                   "the payment is confirmed (已确认) already: refund it to take it back"),
    CRM_FSM_MOVE(P_IN(CONFIRMED), P_ACT(REFUND), CRM_FSM_SAME),
};

static const crm_fsm_t s_payment_machine = {
    .noun = "payment",
    .state_names = s_payment_states,
    .n_states = CRM_FSM_COUNT(s_payment_states),
    .action_names = s_payment_actions,
    .n_actions = CRM_FSM_COUNT(s_payment_actions),
    .moves = s_payment_moves,
    .n_moves = sizeof s_payment_moves / sizeof s_payment_moves[0],
};

int sales_payment_next(int status, sales_payment_action_t action, const char **why)
{
    return crm_fsm_next(&s_payment_machine, status, (int)action, 0, why);
}

int64_t sales_payment_room(int64_t amount, int64_t paid, int64_t pending)
{
    if (amount < 0 || paid < 0 || pending < 0)
        return -1;
    return paid + pending >= amount ? 0 : amount - paid - pending;
}
