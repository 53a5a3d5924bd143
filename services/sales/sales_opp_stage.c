/* sales_opp_stage.c: an opportunity's stage changes (阶段变更), ops of the
 * opportunity kind: ChangeStage (to another stage of its pipeline, on or
 * back, or to won, lost or invalid) and Reopen (an end back to a stage,
 * admins). The pipeline is read in round 1 under a share lock (a stage is
 * not removed under the move); the move is decided by the pure rules
 * (sales_moves.c: the status table, the required feedback, the lost reason,
 * the probability); the change writes its row of opportunity_stage_changes
 * (from, to, back, feedback, note, amount and probability: the funnel's
 * ground), its history entry and its event, in one transaction. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

/* A stage change's run: what was asked, the pipeline read, the outcome. */
typedef struct {
    sales_stage_ask_t ask;
    const char *note;
    Crm__Sales__Pipeline *pipeline;
    sales_stage_to_t to;
    char *feedback_json;
} stage_t;

static void s_done(void *data)
{
    stage_t *st = data;
    sales_pipeline_free(st->pipeline);
    free(st->feedback_json);
    free(st);
}

static void s_read(crm_change_t *c)
{
    char id[24];
    const char *p[] = {crm_i64(id, crm_change_id(c, 0))};
    crm_change_read(c, "pipeline", "pipeline_of_opportunity", 1, p);
}

/* The feedback as stored and in the history: [{"field", "value"}]. */
static char *s_feedback_json(const sales_stage_ask_t *ask)
{
    json_t *a = json_array();
    for (size_t i = 0; i < ask->n_feedback; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "field", ask->feedback[i]->field, "value",
                                           ask->feedback[i]->value));
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return text;
}

static int s_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    stage_t *st = crm_change_data(c);
    opportunity_t *o = &((opportunity_row_t *)rec)->o;
    st->pipeline = sales_pipeline_of(crm_change_result(c, "pipeline"), 0);
    if (!st->pipeline)
        return crm_change_refuse(c, CRM__STATUS__INTERNAL, NULL, "its pipeline is gone");
    st->ask.facts = crm_scope_all(crm_change_caller(c)) ? SALES_FACT_ADMIN : 0;
    crm_err_t err;
    if (sales_stage_decide(st->pipeline, o->status, o->stage_id, &st->ask, &st->to, &err) < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    const Crm__Sales__Stage *stage = sales_pipeline_stage(st->pipeline, st->to.stage_id);
    o->status = st->to.status;
    o->stage_id = st->to.stage_id;
    if (stage)
        o->stage_name = stage->name;
    o->win_probability = st->to.probability;
    o->lost_reason = st->ask.action == SALES_ACT_LOSE ? (char *)st->ask.lost_reason : "";
    o->stage_changed_at_us = crm_change_now(c);
    o->closed_at_us = o->status == SALES_OPEN ? 0 : crm_change_now(c);
    st->feedback_json = s_feedback_json(&st->ask);
    /* The history entry says it too: the feedback, the note, back or on. */
    json_t *d = json_pack("{s:o, s:s, s:b}", "feedback", json_loads(st->feedback_json, 0, NULL),
                          "note", st->note, "back", st->to.back);
    char *text = json_dumps(d, JSON_COMPACT);
    crm_change_detail(c, text);
    free(text);
    json_decref(d);
    return 0;
}

static void s_write(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    stage_t *st = crm_change_data(c);
    const opportunity_t *before = &((const opportunity_row_t *)prev)->o;
    sales_stage_change_t ch = {.from_stage_id = before->stage_id,
                               .from_status = before->status,
                               .back = st->to.back,
                               .feedback_json = st->feedback_json,
                               .note = st->note,
                               .actor_id = crm_change_caller(c)->user_id,
                               .at_us = crm_change_now(c)};
    sales_opp_write_stage_change(b, &((opportunity_row_t *)rec)->o, &ch);
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    stage_t *st = crm_change_data(c);
    sales_opp_event_t ev = {.by = crm_change_caller(c)->user_id,
                            .reason = st->note,
                            .from = &((const opportunity_row_t *)prev)->o,
                            .back = st->to.back,
                            .feedback = (Crm__Sales__FeedbackEntry **)st->ask.feedback,
                            .n_feedback = st->ask.n_feedback};
    char type[48];
    snprintf(type, sizeof type, "opportunity.%s", crm_change_op(c)->action);
    sales_emit_opp(b, type, &((opportunity_row_t *)rec)->o, &ev);
}

/* The op of each kind of change: its history action, its event's type
 * ("opportunity." and the action). */
#define STAGE_OP(act)                                                                              \
    {                                                                                              \
        .action = act, .ids_field = "id", .read = s_read, .may_act = sales_opp_may_edit,           \
        .apply = s_apply, .write = s_write, .emit = s_emit, .reply = sales_opp_single_reply,       \
        .done = s_done                                                                             \
    }
static const crm_change_op_t s_ops[] = {
    [SALES_ACT_MOVE] = STAGE_OP("stage_changed"), [SALES_ACT_WIN] = STAGE_OP("won"),
    [SALES_ACT_LOSE] = STAGE_OP("lost"),          [SALES_ACT_INVALIDATE] = STAGE_OP("invalidated"),
    [SALES_ACT_REOPEN] = STAGE_OP("reopened"),
};

/* Runs the stage change st on opportunity id. */
static void s_run(sales_t *s, crm_rpc_call_t *call, int64_t id, stage_t *st)
{
    crm_change_run(&s->env, call, &sales_opp_kind, &s_ops[st->ask.action], &id, 1, st->note, st);
}

/* ---- ChangeStage ------------------------------------------------------------------- */

#define OS(x) CRM__SALES__OPPORTUNITY_STATUS__OPPORTUNITY_STATUS_##x

static void s_change(crm_rpc_call_t *call, const Crm__Sales__ChangeStageRequest *req, void *arg)
{
    crm_err_t err;
    if (!crm_check_id(call, "id", req->id) || !crm_check_text(call, "note", req->note, 2000, 0) ||
        !crm_check_text(call, "lost_reason", req->lost_reason, SALES_LOST_REASON_MAX, 0))
        return;
    if (sales_feedback_check(req->feedback, req->n_feedback, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    sales_action_t action = req->status == OS(WON)       ? SALES_ACT_WIN
                            : req->status == OS(LOST)    ? SALES_ACT_LOSE
                            : req->status == OS(INVALID) ? SALES_ACT_INVALIDATE
                                                         : SALES_ACT_MOVE;
    if (action == SALES_ACT_MOVE && req->stage_id < 1) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "stage_id",
                     "name the stage to move to, or a status to end it (won, lost, invalid)");
        return;
    }
    if (action != SALES_ACT_MOVE && req->stage_id) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "stage_id",
                     "an end is no stage: leave stage_id out with status %s",
                     action == SALES_ACT_WIN    ? "won"
                     : action == SALES_ACT_LOSE ? "lost"
                                                : "invalid");
        return;
    }
    if (action != SALES_ACT_LOSE && *req->lost_reason) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "lost_reason",
                     "a lost reason goes with status lost");
        return;
    }
    stage_t *st = crm_calloc(1, sizeof *st);
    st->ask = (sales_stage_ask_t){.action = action,
                                  .stage_id = req->stage_id,
                                  .lost_reason = req->lost_reason,
                                  .feedback = req->feedback,
                                  .n_feedback = req->n_feedback};
    st->note = req->note;
    s_run(arg, call, req->id, st);
}

/* ---- Reopen (admins) --------------------------------------------------------------- */

static void s_reopen(crm_rpc_call_t *call, const Crm__Sales__ReopenOpportunityRequest *req,
                     void *arg)
{
    if (!sales_admin_only(call, "reopen a closed opportunity") ||
        !crm_check_id(call, "id", req->id) || !crm_check_text(call, "note", req->note, 2000, 0))
        return;
    if (req->stage_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "stage_id",
                     "a stage of its pipeline, or 0 for the one it was in");
        return;
    }
    stage_t *st = crm_calloc(1, sizeof *st);
    st->ask = (sales_stage_ask_t){.action = SALES_ACT_REOPEN, .stage_id = req->stage_id};
    st->note = req->note;
    s_run(arg, call, req->id, st);
}

void sales_opp_stage_handlers(sales_t *s)
{
    s->handlers.change_stage = s_change;
    s->handlers.reopen = s_reopen;
}
