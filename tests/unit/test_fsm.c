/* test_fsm.c: state machines declared as tables (crm/fsm.h), on a small
 * order approval: moves, staying put, first match wins, facts, reasons
 * given and built from the names, unknown states and actions. */
#include <string.h>

#include "crm/fsm.h"
#include "unit.h"

enum { DRAFT = 1, SUBMITTED, APPROVED, REJECTED, CLOSED = 6 }; /* 5 is not a state */
enum { EDIT, SUBMIT, APPROVE, REJECT, REOPEN };
#define MANAGER 1u /* facts */
#define OVER_LIMIT 2u

#define S(x) CRM_FSM_IN(x)
#define A(x) CRM_FSM_IN(x)

static const char *const s_states[] = {
    [DRAFT] = "draft",       [SUBMITTED] = "submitted", [APPROVED] = "approved",
    [REJECTED] = "rejected", [CLOSED] = "closed",
};
static const char *const s_actions[] = {
    [EDIT] = "edit",     [SUBMIT] = "submit", [APPROVE] = "approve",
    [REJECT] = "reject", [REOPEN] = "reopen",
};

static const crm_fsm_move_t s_moves[] = {
    CRM_FSM_REFUSE(S(CLOSED), CRM_FSM_ANY, "the order is closed"),
    CRM_FSM_MOVE(S(DRAFT) | S(REJECTED), A(EDIT), CRM_FSM_SAME),
    CRM_FSM_MOVE(S(DRAFT) | S(REJECTED), A(SUBMIT), SUBMITTED),
    /* Over the limit, only a manager approves; under it, anyone. */
    CRM_FSM_MOVE_IF(S(SUBMITTED), A(APPROVE), MANAGER | OVER_LIMIT, APPROVED),
    CRM_FSM_REFUSE_IF(S(SUBMITTED), A(APPROVE), OVER_LIMIT, "only a manager approves this"),
    CRM_FSM_MOVE(S(SUBMITTED), A(APPROVE), APPROVED),
    CRM_FSM_MOVE(S(SUBMITTED), A(REJECT), REJECTED),
    /* A refusal with no reason of its own: the default text. */
    CRM_FSM_REFUSE(S(APPROVED), A(REJECT), NULL),
    CRM_FSM_MOVE(CRM_FSM_ANY, A(REOPEN), DRAFT),
};

static const crm_fsm_t s_order = {
    .noun = "order",
    .state_names = s_states,
    .n_states = CRM_FSM_COUNT(s_states),
    .action_names = s_actions,
    .n_actions = CRM_FSM_COUNT(s_actions),
    .moves = s_moves,
    .n_moves = sizeof s_moves / sizeof s_moves[0],
};

static void test_moves(void)
{
    const char *why = "stale";
    CHECK(crm_fsm_next(&s_order, DRAFT, SUBMIT, 0, &why) == SUBMITTED && why == NULL);
    CHECK(crm_fsm_next(&s_order, REJECTED, SUBMIT, 0, &why) == SUBMITTED && why == NULL);
    /* CRM_FSM_SAME answers the state the record is in. */
    CHECK(crm_fsm_next(&s_order, DRAFT, EDIT, 0, &why) == DRAFT && why == NULL);
    CHECK(crm_fsm_next(&s_order, REJECTED, EDIT, 0, &why) == REJECTED && why == NULL);
    /* CRM_FSM_ANY: every state. */
    CHECK(crm_fsm_next(&s_order, APPROVED, REOPEN, 0, &why) == DRAFT);
    CHECK(crm_fsm_next(&s_order, SUBMITTED, REOPEN, 0, &why) == DRAFT);
    /* First match wins: the closed row comes before the REOPEN row. */
    CHECK(crm_fsm_next(&s_order, CLOSED, REOPEN, 0, &why) == 0);
    CHECK(why && strcmp(why, "the order is closed") == 0);
}

static void test_facts(void)
{
    const char *why;
    CHECK(crm_fsm_next(&s_order, SUBMITTED, APPROVE, 0, &why) == APPROVED);
    CHECK(crm_fsm_next(&s_order, SUBMITTED, APPROVE, MANAGER, &why) == APPROVED);
    CHECK(crm_fsm_next(&s_order, SUBMITTED, APPROVE, MANAGER | OVER_LIMIT, &why) == APPROVED);
    /* when needs every fact in it: OVER_LIMIT alone does not pass the first row. */
    CHECK(crm_fsm_next(&s_order, SUBMITTED, APPROVE, OVER_LIMIT, &why) == 0);
    CHECK(why && strcmp(why, "only a manager approves this") == 0);
}

static void test_refusals(void)
{
    const char *why = NULL;
    /* No row matches: the default text from the names. */
    CHECK(crm_fsm_next(&s_order, DRAFT, APPROVE, 0, &why) == 0);
    CHECK(why && strcmp(why, "cannot approve: the order is draft") == 0);
    /* A refusal row without a reason gives the same text. */
    CHECK(crm_fsm_next(&s_order, APPROVED, REJECT, 0, &why) == 0);
    CHECK(why && strcmp(why, "cannot reject: the order is approved") == 0);
    /* Without a noun, a record. */
    crm_fsm_t anon = s_order;
    anon.noun = NULL;
    CHECK(crm_fsm_next(&anon, SUBMITTED, EDIT, 0, &why) == 0);
    CHECK(why && strcmp(why, "cannot edit: the record is submitted") == 0);
    /* Unknown states and actions are refused with a reason, never read past
     * the names. */
    const int bad_states[] = {0, -1, 5, 7, 40};
    for (size_t i = 0; i < sizeof bad_states / sizeof bad_states[0]; i++) {
        why = NULL;
        CHECK(crm_fsm_next(&s_order, bad_states[i], EDIT, 0, &why) == 0 && why &&
              strcmp(why, "the order is in an unknown state") == 0);
    }
    const int bad_actions[] = {-1, 5, 31, 32, 99};
    for (size_t i = 0; i < sizeof bad_actions / sizeof bad_actions[0]; i++) {
        why = NULL;
        CHECK(crm_fsm_next(&s_order, DRAFT, bad_actions[i], 0, &why) == 0 && why && *why);
    }
}

static void test_names(void)
{
    CHECK(strcmp(crm_fsm_state_name(&s_order, SUBMITTED), "submitted") == 0);
    CHECK(strcmp(crm_fsm_state_name(&s_order, 0), "unknown") == 0);
    CHECK(strcmp(crm_fsm_state_name(&s_order, 5), "unknown") == 0);
    CHECK(strcmp(crm_fsm_state_name(&s_order, 7), "unknown") == 0);
    CHECK(strcmp(crm_fsm_action_name(&s_order, EDIT), "edit") == 0);
    CHECK(strcmp(crm_fsm_action_name(&s_order, REOPEN), "reopen") == 0);
    CHECK(strcmp(crm_fsm_action_name(&s_order, -1), "unknown") == 0);
    CHECK(strcmp(crm_fsm_action_name(&s_order, 5), "unknown") == 0);
}

/* A very long name is cut, not overflowed. */
static void test_long_names(void)
{
    static char longname[400];
    memset(longname, 'x', sizeof longname - 1);
    const char *const states[] = {[1] = longname};
    const char *const actions[] = {[0] = "poke"};
    const crm_fsm_t m = {.state_names = states,
                         .n_states = CRM_FSM_COUNT(states),
                         .action_names = actions,
                         .n_actions = CRM_FSM_COUNT(actions)};
    const char *why = NULL;
    CHECK(crm_fsm_next(&m, 1, 0, 0, &why) == 0);
    CHECK(why && strncmp(why, "cannot poke: the record is xxx", 30) == 0 && strlen(why) < 400);
}

int main(void)
{
    test_moves();
    test_facts();
    test_refusals();
    test_names();
    test_long_names();
    return unit_result("fsm");
}
