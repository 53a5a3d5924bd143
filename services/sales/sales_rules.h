/* sales_rules.h: the sales service's pure rules (sales_stages.c: pipelines;
 * sales_moves.c: an opportunity's status table and stage moves;
 * sales_money.c: amounts): no
 * database, no RPC, unit-tested on their own (tests/unit/test_sales_rules.c,
 * which links the library crm_sales_rules). */
#ifndef SALES_RULES_H
#define SALES_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "crm/err.h"
#include "sales.pb-c.h"

#define SALES_STAGES_MAX 20
#define SALES_STAGE_NAME_MAX 50
#define SALES_REQUIRED_MAX 10
#define SALES_FIELD_NAME_MAX 50
#define SALES_PIPELINE_NAME_MAX 100
#define SALES_LOST_REASONS_MAX 30
#define SALES_LOST_REASON_MAX 50
#define SALES_STALE_DAYS_MAX 3650

/* A pipeline as a create or an update gives it: name NULL when not given,
 * stages, lost reasons and stale days only when has_. */
typedef struct {
    const char *name;
    Crm__Sales__Stage *const *stages;
    size_t n_stages;
    int has_stages;
    char *const *lost_reasons;
    size_t n_lost_reasons;
    int has_lost_reasons;
    int has_stale_days;
    int32_t stale_days;
} sales_pipeline_input_t;

/* Checks in: a name of 1..100 characters; 1..20 stages, each with a name
 * (1..50, none twice in the pipeline, any case), a probability 0..100, at
 * most 10 required feedback fields (1..50 each, none twice), an id >= 0
 * (none twice); 1..30 lost reasons (1..50 each, none twice); stale days
 * 0..3650. Adds every
 * field at fault to errs ("stages[2].probability"): 0, or -1. */
int sales_pipeline_check(const sales_pipeline_input_t *in, crm_errs_t *errs);

/* ---- an opportunity's status and stage moves ---- */

#define SALES_FEEDBACK_MAX 20
#define SALES_FEEDBACK_VALUE_MAX 2000

/* What is done to an opportunity, for its status table (crm/fsm.h). */
typedef enum {
    SALES_ACT_MOVE,       /* to another stage of its pipeline, on or back */
    SALES_ACT_WIN,        /* 赢单 */
    SALES_ACT_LOSE,       /* 输单 */
    SALES_ACT_INVALIDATE, /* 无效 */
    SALES_ACT_REOPEN,     /* an end back to a stage (admins) */
    SALES_ACT_EDIT,
    SALES_ACT_FOLLOW_UP,
    SALES_ACT_TRANSFER,
    SALES_ACT_DELETE,
} sales_action_t;

/* The facts a move may depend on: the caller is an admin. */
#define SALES_FACT_ADMIN 1u

/* The status (OpportunityStatus) an opportunity in status moves to under
 * action, or 0 with *why saying why not (crm_fsm_next): ends are final
 * but for a follow-up, a transfer, a delete and an admin's reopen. */
int sales_next_status(int status, sales_action_t action, unsigned facts, const char **why);

/* A stage change asked for. */
typedef struct {
    sales_action_t action;   /* MOVE, WIN, LOSE, INVALIDATE or REOPEN */
    int64_t stage_id;        /* MOVE: where to; REOPEN: where to (0: the stage it was in) */
    const char *lost_reason; /* LOSE: one of the pipeline's lost reasons */
    Crm__Sales__FeedbackEntry *const *feedback;
    size_t n_feedback;
    unsigned facts; /* SALES_FACT_ADMIN */
} sales_stage_ask_t;

/* Where it goes. */
typedef struct {
    int status; /* OpportunityStatus */
    int64_t stage_id;
    int probability;
    int back; /* a move to an earlier stage */
} sales_stage_to_t;

/* Checks a change's feedback: at most 20 entries, each a field of 1..50
 * characters (none twice) and a value of at most 2,000. 0, or -1 with
 * *err on "feedback". */
int sales_feedback_check(Crm__Sales__FeedbackEntry *const *f, size_t n, crm_err_t *err);

/* Decides the stage change ask of an opportunity in status and stage_id
 * (its last stage when closed) of pipeline p: 0 with *to, or -1 with *err:
 * FAILED_PRECONDITION when its status forbids the move (an end is final; a
 * move to the stage it is in), PERMISSION_DENIED for a reopen by other
 * than an admin, INVALID_ARGUMENT naming stage_id (not a stage of p),
 * feedback (moving on from a stage without its required fields: to a later
 * stage, or won) or lost_reason (none, or not one of p's). Moving back is
 * allowed and says so (to->back). The probability is the new stage's; won
 * 100, lost and invalid 0. Pure. */
int sales_stage_decide(const Crm__Sales__Pipeline *p, int status, int64_t stage_id,
                       const sales_stage_ask_t *ask, sales_stage_to_t *to, crm_err_t *err);

/* ---- money (sales_money.c) ---- */

#define SALES_LINES_MAX 100
#define SALES_QUANTITY_MAX INT64_C(1000000000)
#define SALES_UNIT_PRICE_MAX INT64_C(10000000000000)    /* 10^13 minor units */
#define SALES_LINE_AMOUNT_MAX INT64_C(1000000000000000) /* 10^15 */
#define SALES_AMOUNT_MAX INT64_C(100000000000000000)    /* 10^17: 100 lines at most */
#define SALES_DISCOUNT_MAX 10000                        /* basis points: free */
#define SALES_LINE_REMARK_MAX 500

/* A line's amount in minor units: quantity x unit_price x (10000 -
 * discount_bp) / 10000, rounded half up to the minor unit, computed in 128
 * bits so nothing is lost on the way; -1 when the inputs are out of their
 * ranges or the result is over SALES_LINE_AMOUNT_MAX. */
int64_t sales_line_amount(int64_t quantity, int64_t unit_price, int32_t discount_bp);

/* Checks lines as a create or an edit gives them (before their products
 * are read): at most 100; each a product id >= 1, a quantity 1..10^9, a
 * unit price 0..10^13 (0: the list price), a discount 0..10000 basis
 * points, a remark of at most 500 characters. Adds every line field at
 * fault ("lines[3].quantity") to errs: 0, or -1. */
int sales_lines_check(Crm__Sales__OpportunityLine *const *lines, size_t n, crm_errs_t *errs);

/* The request field of line i's field (static text): "lines[i].<field>". */
const char *sales_line_field(size_t i, const char *field);

/* ---- contracts and orders (sales_docs.c) ---- */

/* What is done to a contract, for its status table (crm/fsm.h). */
typedef enum {
    SALES_CONTRACT_EDIT,
    SALES_CONTRACT_SUBMIT,    /* draft -> pending */
    SALES_CONTRACT_SIGN,      /* draft or pending -> signed */
    SALES_CONTRACT_TERMINATE, /* signed -> terminated */
    SALES_CONTRACT_APPROVE,   /* pending: a level of its flow approved */
    SALES_CONTRACT_REJECT,    /* pending -> draft: a level of its flow rejected */
    SALES_CONTRACT_WITHDRAW,  /* pending -> draft (撤回, its owner's side) */
} sales_contract_action_t;

/* The status (ContractStatus) a contract in status moves to under action,
 * or 0 with *why saying why not. */
int sales_contract_next(int status, sales_contract_action_t action, const char **why);

/* A record's number from pattern: {yyyyMMdd}, {yyyy}, {MM} and {dd} the
 * business day day ("20261201"), {seq} the day's sequence (at least 4
 * digits), other text as it is. 0 with out filled, or -1 (pattern without
 * {seq}, an unknown {token}, or out too small). */
int sales_number_format(const char *pattern, const char *day, int64_t seq, char *out, size_t cap);

/* What is done to an order, for its status table (crm/fsm.h). */
typedef enum {
    SALES_ORDER_EDIT,
    SALES_ORDER_SUBMIT,   /* draft, rejected, voided -> pending */
    SALES_ORDER_APPROVE,  /* pending -> approved (its approver) */
    SALES_ORDER_REJECT,   /* pending -> rejected (its approver) */
    SALES_ORDER_WITHDRAW, /* pending -> draft (撤回, its owner's side) */
    SALES_ORDER_VOID,     /* approved -> voided (作废) */
    SALES_ORDER_SHIP,     /* approved: its delivery */
    SALES_ORDER_TRANSFER, /* a new owner: not while pending */
} sales_order_action_t;

/* The status (OrderStatus) an order in status moves to under action, or 0
 * with *why saying why not. */
int sales_order_next(int status, sales_order_action_t action, const char **why);

/* An order's amount: subtotal x (10000 - discount_bp) / 10000 rounded
 * half up to the minor unit, in 128 bits; -1 when subtotal is not in
 * 0..SALES_AMOUNT_MAX or discount_bp not in 0..10000. */
int64_t sales_order_amount(int64_t subtotal, int32_t discount_bp);

/* ---- payments (sales_docs.c) ---- */

/* What is done to a payment, for its status table (crm/fsm.h). */
typedef enum {
    SALES_PAYMENT_CONFIRM, /* pending -> confirmed (finance) */
    SALES_PAYMENT_REJECT,  /* pending -> rejected (finance) */
    SALES_PAYMENT_REFUND,  /* confirmed -> confirmed, or refunded when whole */
} sales_payment_action_t;

/* The status (PaymentStatus) a payment in status moves to under action, or
 * 0 with *why saying why not. A refund moves a confirmed payment to
 * confirmed; the caller makes it refunded when the refund is whole. */
int sales_payment_next(int status, sales_payment_action_t action, const char **why);

/* What an order of amount with paid (confirmed, net of refunds) and
 * pending payments may still be paid: amount - paid - pending, never below
 * 0; -1 when an input is negative. */
int64_t sales_payment_room(int64_t amount, int64_t paid, int64_t pending);

#endif
