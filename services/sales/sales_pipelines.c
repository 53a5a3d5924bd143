/* sales_pipelines.c: stage pipelines (销售流程): CreatePipeline (admins; a
 * write transaction of its own), GetPipeline, ListPipelines,
 * PipelineHistory, and UpdatePipeline, an op of the pipeline record kind on
 * the change engine (history with old and new values, pipeline.updated).
 *
 * A pipeline is read whole, its stages in order, as one JSON document made
 * by SQL (PIPELINE_JSON) and decoded into its message. Stages keep their
 * ids for life: an update's stage with an id is that stage (renamed, moved,
 * its probability changed), one without is new, and one left out is
 * removed (removed_at). One pipeline is the default: making another one
 * the default unsets it, with its own history entry and event, under an
 * advisory lock so two such changes do not cross; the default stays
 * enabled. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/history.h"
#include "crm/list.h"
#include "crm/log.h"
#include "crm/mask.h"
#include "crm/outbox.h"
#include "crm/pbjson.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

#define PIPELINE_JSON                                                                              \
    "json_build_object('id', p.id, 'name', p.name, 'lost_reasons', p.lost_reasons, 'is_default',"  \
    " p.is_default, 'enabled', p.enabled, 'stale_days', p.stale_days, 'creator_id',"               \
    " p.creator_id, 'created_at_us',"                                                              \
    " crm_us(p.created_at), 'updated_at_us', crm_us(p.updated_at), 'stages', COALESCE((SELECT"     \
    " json_agg(json_build_object('id', s.id, 'name', s.name, 'probability', s.probability,"        \
    " 'required_fields', s.required_fields, 'position', s.position) ORDER BY s.position) FROM"     \
    " pipeline_stages s WHERE s.pipeline_id = p.id AND s.removed_at IS NULL), '[]'))::text"
#define PIPELINE_COLUMNS "p.id, " PIPELINE_JSON " AS pipeline_json"

/* The write of every column of a pipeline, $1 the id. */
#define PIPELINE_WRITE "name, lost_reasons, is_default, enabled, creator_id, updated_at, stale_days"
#define PIPELINE_VALUES                                                                            \
    "$2, $3::text[], $4::boolean, $5::boolean, $6::bigint, crm_ts($7::bigint), $8::int"

void sales_pipelines_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "pipeline_get",
                   "SELECT " PIPELINE_COLUMNS " FROM pipelines p WHERE p.id = $1::bigint");
    crm_db_prepare(db, "pipeline_lock_many",
                   "SELECT " PIPELINE_COLUMNS " FROM pipelines p WHERE p.id = ANY($1::bigint[])"
                   " ORDER BY p.id FOR UPDATE OF p");
    crm_db_prepare(db, "pipeline_by_name",
                   "SELECT id, name FROM pipelines WHERE lower(btrim(name)) = lower(btrim($1))"
                   " AND id <> $2::bigint");
    crm_db_prepare(db, "pipeline_insert",
                   "INSERT INTO pipelines (id, " PIPELINE_WRITE
                   ", created_at) VALUES ($1::bigint, " PIPELINE_VALUES ", crm_ts($7::bigint))");
    crm_db_prepare(db, "pipeline_save",
                   "UPDATE pipelines SET (" PIPELINE_WRITE ") = (" PIPELINE_VALUES
                   ") WHERE id = $1::bigint");
    /* The stages as given ($2: [{id, position, name, probability,
     * required_fields}], ids set), and the rest of the pipeline's removed. */
    crm_db_prepare(db, "pipeline_stages_save",
                   "WITH x AS (SELECT * FROM json_to_recordset($2::json) AS x(id bigint, position"
                   " int, name text, probability smallint, required_fields text[])),"
                   " gone AS (UPDATE pipeline_stages SET removed_at = now() WHERE pipeline_id ="
                   " $1::bigint AND removed_at IS NULL AND id NOT IN (SELECT id FROM x))"
                   " INSERT INTO pipeline_stages (id, pipeline_id, position, name, probability,"
                   " required_fields) SELECT id, $1::bigint, position, btrim(name), probability,"
                   " required_fields FROM x ON CONFLICT (id) DO UPDATE SET position ="
                   " EXCLUDED.position, name = EXCLUDED.name, probability = EXCLUDED.probability,"
                   " required_fields = EXCLUDED.required_fields");
    /* The pipeline of an opportunity's change, under a share lock: a
     * pipeline's update (FOR UPDATE) waits for it, so it counts the stage's
     * opportunities with this one's change in them. */
    crm_db_prepare(db, SALES_PIPELINE_SHARED,
                   "SELECT " PIPELINE_COLUMNS " FROM pipelines p WHERE p.id = $1::bigint OR"
                   " ($1::bigint = 0 AND p.is_default) FOR SHARE OF p");
    crm_db_prepare(db, "pipeline_or_default",
                   "SELECT " PIPELINE_COLUMNS " FROM pipelines p WHERE p.id = $1::bigint OR"
                   " ($1::bigint = 0 AND p.is_default)");
    crm_db_prepare(db, "pipeline_of_opportunity",
                   "SELECT " PIPELINE_COLUMNS " FROM pipelines p WHERE p.id = (SELECT pipeline_id"
                   " FROM opportunities WHERE id = $1::bigint) FOR SHARE OF p");
    crm_db_prepare(db, "pipeline_stage_holders",
                   "SELECT stage_id, count(*) FROM opportunities WHERE pipeline_id = $1::bigint"
                   " AND status = 1 AND deleted_at IS NULL GROUP BY stage_id");
    /* The default pipeline, read under the lock every change of the
     * default takes first. */
    crm_db_prepare(db, "pipeline_default_lock",
                   "SELECT pg_advisory_xact_lock(hashtext('pipeline.default'))");
    crm_db_prepare(db, "pipeline_default",
                   "SELECT " PIPELINE_COLUMNS " FROM pipelines p WHERE p.is_default FOR UPDATE");
}

/* ---- a pipeline in memory -------------------------------------------------------- */

static const sales_json_kind_t s_json = {"pipeline", &crm__sales__pipeline__descriptor,
                                         "pipeline_json", &crm__sales__pipeline_list__descriptor};

Crm__Sales__Pipeline *sales_pipeline_of(const PGresult *r, int i)
{
    return (Crm__Sales__Pipeline *)sales_json_message(&s_json, r, i);
}

void sales_pipeline_free(Crm__Sales__Pipeline *p)
{
    sales_json_free(p ? &p->base : NULL);
}

const Crm__Sales__Stage *sales_pipeline_stage(const Crm__Sales__Pipeline *p, int64_t id)
{
    for (size_t i = 0; p && i < p->n_stages; i++)
        if (p->stages[i]->id == id)
            return p->stages[i];
    return NULL;
}

/* Adds the writes of every column of p, and its stages when stages. */
static void s_write(crm_db_batch_t *b, const char *stmt, const Crm__Sales__Pipeline *p, int stages)
{
    char id[24], creator[24], at[24], days[24];
    char *reasons = crm_db_text_array(p->lost_reasons, p->n_lost_reasons);
    int has_days = p->has_stale_days_case == CRM__SALES__PIPELINE__HAS_STALE_DAYS_STALE_DAYS;
    const char *v[] = {crm_i64(id, p->id),
                       p->name,
                       reasons,
                       p->is_default ? "true" : "false",
                       p->enabled ? "true" : "false",
                       crm_i64(creator, p->creator_id),
                       crm_i64(at, p->updated_at_us),
                       has_days ? crm_i64(days, p->stale_days) : NULL};
    crm_db_batch_add(b, stmt, 8, v);
    free(reasons);
    if (!stages)
        return;
    json_t *a = json_array();
    for (size_t i = 0; i < p->n_stages; i++) {
        const Crm__Sales__Stage *s = p->stages[i];
        json_t *req = json_array();
        for (size_t k = 0; k < s->n_required_fields; k++)
            json_array_append_new(req, json_string(s->required_fields[k]));
        json_array_append_new(a, json_pack("{s:I, s:i, s:s, s:i, s:o}", "id", (json_int_t)s->id,
                                           "position", s->position, "name", s->name, "probability",
                                           s->probability, "required_fields", req));
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    const char *sv[] = {id, text};
    crm_db_batch_add(b, "pipeline_stages_save", 2, sv);
    free(text);
}

/* p carries its own stale days (not the service's). */
static void s_set_stale_days(Crm__Sales__Pipeline *p, int32_t days)
{
    p->has_stale_days_case = CRM__SALES__PIPELINE__HAS_STALE_DAYS_STALE_DAYS;
    p->stale_days = days;
}

static void s_emit(crm_db_batch_t *b, const char *type, Crm__Sales__Pipeline *p, int64_t by,
                   char **changed, size_t n)
{
    Crm__Events__PipelineChanged ev = CRM__EVENTS__PIPELINE_CHANGED__INIT;
    ev.pipeline = p;
    ev.by = by;
    ev.changed_fields = changed;
    ev.n_changed_fields = n;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, p->id), &ev.base);
}

/* Stages of a request given ids: the new ones (id 0) take theirs from ids
 * in order, and each its position. */
static void s_number_stages(Crm__Sales__Stage *const *stages, size_t n, const PGresult *ids)
{
    size_t k = 0, nid = 0;
    int64_t *fresh = ids ? crm_db_get_i64_array(ids, 0, 0, &nid) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (!stages[i]->id && k < nid)
            stages[i]->id = fresh[k++];
        stages[i]->position = (int32_t)(i + 1);
    }
    free(fresh);
}

/* Adds to t's round the read "stage_ids": n new stage ids. */
static void s_read_stage_ids(crm_txn_t *t, Crm__Sales__Stage *const *stages, size_t n)
{
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++)
        fresh += stages[i]->id == 0;
    char count[24];
    const char *p[] = {crm_i64(count, (int64_t)fresh)};
    crm_txn_read(t, "stage_ids",
                 "SELECT ARRAY(SELECT nextval('pipeline_stages_id_seq') FROM"
                 " generate_series(1, $1::int))",
                 1, p);
}

/* Adds to t's round the lock of the default and the read "default" of it. */
static void s_read_default(crm_txn_t *t)
{
    crm_txn_read(t, "default_lock", "pipeline_default_lock", 0, NULL);
    crm_txn_read(t, "default", "pipeline_default", 0, NULL);
}

static crm_history_skip_t s_unfollowed = {"id", "creator_id", "created_at", "updated_at", NULL};

/* During decide, when p becomes the default: the one that was (read as
 * "default") no longer is, with its history entry and event, at now_us by
 * caller. */
static void s_unset_default(crm_txn_t *t, const Crm__Sales__Pipeline *p, int64_t now_us)
{
    Crm__Sales__Pipeline *old = sales_pipeline_of(crm_txn_result(t, "default"), 0);
    if (!old || old->id == p->id) {
        sales_pipeline_free(old);
        return;
    }
    crm_db_batch_t *b = crm_txn_batch(t);
    int64_t by = crm_txn_caller(t)->user_id;
    old->is_default = 0;
    old->updated_at_us = now_us;
    s_write(b, "pipeline_save", old, 0);
    char *detail = crm_sprintf("{\"changes\": [{\"field\": \"is_default\", \"old\": true, \"new\":"
                               " false}], \"default\": %lld}",
                               (long long)p->id);
    sales_history_t h = {.kind = "pipeline",
                         .record_id = old->id,
                         .action = "updated",
                         .actor_id = by,
                         .at_us = now_us,
                         .detail = detail};
    sales_store_history(b, &h);
    free(detail);
    char *changed[] = {"is_default"};
    s_emit(b, "pipeline.updated", old, by, changed, 1);
    sales_pipeline_free(old);
}

void sales_read_stage_holders(crm_txn_t *t, int64_t id)
{
    char v[24];
    const char *p[] = {crm_i64(v, id)};
    crm_txn_read(t, "stage_holders", "pipeline_stage_holders", 1, p);
}

int64_t sales_stage_holders(crm_txn_t *t, int64_t stage_id)
{
    return crm_db_value_of(crm_txn_result(t, "stage_holders"), stage_id);
}

/* ---- CreatePipeline ------------------------------------------------------------- */

static void s_create_read(crm_txn_t *t)
{
    Crm__Sales__Pipeline *p = crm_txn_data(t);
    crm_txn_read(t, "next_id", "SELECT nextval('pipelines_id_seq'), crm_us(now())", 0, NULL);
    s_read_stage_ids(t, p->stages, p->n_stages);
    sales_read_unique(t, "pipeline.name", "pipeline_by_name", p->name, 0);
    if (p->is_default)
        s_read_default(t);
}

static int s_create_decide(crm_txn_t *t)
{
    Crm__Sales__Pipeline *p = crm_txn_data(t);
    if (sales_unique_free(t, "name", "pipeline") < 0)
        return -1;
    const PGresult *next = crm_txn_result(t, "next_id");
    p->id = crm_db_get_i64(next, 0, 0);
    p->created_at_us = p->updated_at_us = crm_db_get_i64(next, 0, 1);
    s_number_stages(p->stages, p->n_stages, crm_txn_result(t, "stage_ids"));
    if (p->is_default)
        s_unset_default(t, p, p->created_at_us);
    crm_db_batch_t *b = crm_txn_batch(t);
    s_write(b, "pipeline_insert", p, 1);
    sales_history_t h = {.kind = "pipeline",
                         .record_id = p->id,
                         .action = "created",
                         .actor_id = p->creator_id,
                         .at_us = p->created_at_us};
    sales_store_history(b, &h);
    s_emit(b, "pipeline.created", p, p->creator_id, NULL, 0);
    crm_txn_reply(t, &p->base);
    return 0;
}

/* The request's message, borrowed: the stages are the request's (their ids
 * and positions set in decide). */
static void s_create_done(void *data)
{
    Crm__Sales__Pipeline *p = data;
    free(p->name);
    free(p);
}

static const crm_txn_op_t s_create_op = {
    .read = s_create_read, .decide = s_create_decide, .done = s_create_done};

static int s_check(crm_rpc_call_t *call, const sales_pipeline_input_t *in)
{
    crm_errs_t errs = {.n = 0};
    if (sales_pipeline_check(in, &errs) < 0)
        return crm_rpc_fail_errs(call, &errs);
    return 1;
}

static void s_create(crm_rpc_call_t *call, const Crm__Sales__CreatePipelineRequest *req, void *arg)
{
    sales_t *s = arg;
    int has_days =
        req->has_stale_days_case == CRM__SALES__CREATE_PIPELINE_REQUEST__HAS_STALE_DAYS_STALE_DAYS;
    sales_pipeline_input_t in = {req->name, req->stages,       req->n_stages,
                                 1,         req->lost_reasons, req->n_lost_reasons,
                                 1,         has_days,          req->stale_days};
    if (!sales_admin_only(call, "configure pipelines") || !s_check(call, &in))
        return;
    for (size_t i = 0; i < req->n_stages; i++)
        if (req->stages[i]->id) {
            crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "stages",
                         "a new pipeline's stages are new: leave their ids 0");
            return;
        }
    Crm__Sales__Pipeline *p = crm_malloc(sizeof *p);
    crm__sales__pipeline__init(p);
    p->name = crm_strtrim(req->name);
    p->stages = req->stages;
    p->n_stages = req->n_stages;
    p->lost_reasons = req->lost_reasons;
    p->n_lost_reasons = req->n_lost_reasons;
    p->is_default = req->is_default;
    if (has_days)
        s_set_stale_days(p, req->stale_days);
    p->enabled = 1;
    p->creator_id = crm_rpc_call_caller(call)->user_id;
    crm_txn_run(&s->env, call, &s_create_op, p);
}

/* ---- GetPipeline, ListPipelines, PipelineHistory ----------------------------------- */

static void s_get(crm_rpc_call_t *call, const Crm__Sales__GetPipelineRequest *req, void *arg)
{
    if (crm_check_id(call, "id", req->id))
        sales_json_get(arg, call, &s_json, "pipeline_get", req->id);
}

static const crm_key_t s_id_key[] = {{.sql = "p.id", .column = "id", .type = CRM_KEY_BIGINT}};
static const crm_keyset_t s_list_order = {
    .tag = "pipelines", .keys = s_id_key, .n = 1, .ascending = 1};

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListPipelinesRequest *req, void *arg)
{
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &s_list_order, req->limit, 20, req->cursor))
        return;
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT " PIPELINE_COLUMNS " FROM pipelines p WHERE true");
    if (req->has_enabled_case == CRM__SALES__LIST_PIPELINES_REQUEST__HAS_ENABLED_ENABLED)
        crm_sqlbuf_add(q, req->enabled ? " AND p.enabled" : " AND NOT p.enabled");
    sales_json_list(arg, call, &s_json, &q, &pg, req->total);
}

static void s_history(crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req, void *arg)
{
    sales_history_list(arg, call, req, "pipeline", "pipeline_get", NULL, NULL);
}

/* ---- the pipeline kind: UpdatePipeline ----------------------------------------------- */

/* A pipeline as read for a change: its message, decoded (owned here; the
 * copy the engine keeps as changed shares it). */
typedef struct {
    Crm__Sales__Pipeline p;
    Crm__Sales__Pipeline *read;
} pipeline_row_t;

static void s_decode(const PGresult *r, int row, void *rec)
{
    pipeline_row_t *pr = rec;
    pr->read = sales_pipeline_of(r, row);
    if (pr->read)
        pr->p = *pr->read;
    else
        crm__sales__pipeline__init(&pr->p);
}

static void s_clear(void *rec)
{
    sales_pipeline_free(((pipeline_row_t *)rec)->read);
}

static int s_may_act(crm_change_t *c, const void *rec)
{
    (void)rec;
    return sales_change_admin_only(c, "configure pipelines");
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((pipeline_row_t *)rec)->p.updated_at_us = crm_change_now(c);
}

static int s_stages_changed(const Crm__Sales__Pipeline *a, const Crm__Sales__Pipeline *b)
{
    return a->stages != b->stages || a->n_stages != b->n_stages;
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const Crm__Sales__Pipeline *before = &((const pipeline_row_t *)prev)->p;
    const Crm__Sales__Pipeline *p = &((const pipeline_row_t *)rec)->p;
    s_write(b, "pipeline_save", p, s_stages_changed(before, p));
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &p->base, s_unfollowed);
    sales_change_history(c, b, "pipeline", p->id, detail, 0, 0);
    free(detail);
}

static void s_kind_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const Crm__Sales__Pipeline *before = &((const pipeline_row_t *)prev)->p;
    Crm__Sales__Pipeline *p = &((pipeline_row_t *)rec)->p;
    char *changed[16];
    size_t n = crm_history_changed(&before->base, &p->base, s_unfollowed, changed, 16);
    s_emit(b, "pipeline.updated", p, crm_change_caller(c)->user_id, changed, n);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

static void s_kind_reply(crm_change_t *c)
{
    crm_change_reply(c, &((pipeline_row_t *)crm_change_record(c, 0))->p.base);
}

static const crm_change_kind_t s_kind = {
    .noun = "pipeline",
    .lock = "pipeline_lock_many",
    .size = sizeof(pipeline_row_t),
    .decode = s_decode,
    .clear = s_clear,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_kind_emit,
    .reply = s_kind_reply,
};

static const char *const s_editable[] = {
    "name", "stages", "lost_reasons", "is_default", "enabled", "stale_days", NULL};

static int s_in_mask(const Crm__Sales__UpdatePipelineRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

static void s_update_read(crm_change_t *c)
{
    const Crm__Sales__UpdatePipelineRequest *req = crm_change_request(c);
    crm_txn_t *t = crm_change_txn(c);
    if (s_in_mask(req, "name"))
        sales_read_unique(t, "pipeline.name", "pipeline_by_name", req->name, req->id);
    if (s_in_mask(req, "stages")) {
        s_read_stage_ids(t, req->stages, req->n_stages);
        sales_read_stage_holders(t, req->id);
    }
    if (s_in_mask(req, "is_default") && req->is_default)
        s_read_default(t);
}

/* The request's stages with ids must be the pipeline's; a stage that goes
 * holds no open opportunity (move them first: an open opportunity is
 * always in a stage of its pipeline). 0, or -1 after refusing. */
static int s_stages_ok(crm_change_t *c, const Crm__Sales__Pipeline *before)
{
    const Crm__Sales__UpdatePipelineRequest *req = crm_change_request(c);
    for (size_t i = 0; i < req->n_stages; i++)
        if (req->stages[i]->id && !sales_pipeline_stage(before, req->stages[i]->id))
            return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "stages",
                                     "stage %lld is not one of this pipeline's (give a new"
                                     " stage id 0)",
                                     (long long)req->stages[i]->id);
    for (size_t i = 0; i < before->n_stages; i++) {
        const Crm__Sales__Stage *st = before->stages[i];
        int kept = 0;
        for (size_t k = 0; k < req->n_stages && !kept; k++)
            kept = req->stages[k]->id == st->id;
        int64_t held = kept ? 0 : sales_stage_holders(crm_change_txn(c), st->id);
        if (held)
            return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "stages",
                                     "stage %lld (%s) holds %lld open opportunities: move them"
                                     " to another stage before removing it",
                                     (long long)st->id, st->name, (long long)held);
    }
    return 0;
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    Crm__Sales__Pipeline *p = &((pipeline_row_t *)rec)->p;
    const Crm__Sales__Pipeline *before = &((const pipeline_row_t *)prev)->p;
    const Crm__Sales__UpdatePipelineRequest *req = crm_change_request(c);
    crm_txn_t *t = crm_change_txn(c);
    if (sales_unique_free(t, "name", "pipeline") < 0)
        return -1;
    if (s_in_mask(req, "name"))
        p->name = crm_change_keep(c, crm_strtrim(req->name));
    if (s_in_mask(req, "stages")) {
        if (s_stages_ok(c, before) < 0)
            return -1;
        s_number_stages(req->stages, req->n_stages, crm_change_result(c, "stage_ids"));
        p->stages = req->stages;
        p->n_stages = req->n_stages;
    }
    if (s_in_mask(req, "lost_reasons")) {
        p->lost_reasons = req->lost_reasons;
        p->n_lost_reasons = req->n_lost_reasons;
    }
    if (s_in_mask(req, "is_default")) {
        if (!req->is_default && before->is_default)
            return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "is_default",
                                     "it is the default pipeline: make another one the default");
        if (req->is_default && !before->is_default) {
            p->is_default = 1;
            s_unset_default(t, p, crm_change_now(c));
        }
    }
    if (s_in_mask(req, "enabled"))
        p->enabled = req->enabled;
    if (s_in_mask(req, "stale_days")) {
        if (req->has_stale_days_case)
            s_set_stale_days(p, req->stale_days);
        else
            p->has_stale_days_case = CRM__SALES__PIPELINE__HAS_STALE_DAYS__NOT_SET;
    }
    if (p->is_default && !p->enabled)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "enabled",
                                 "the default pipeline stays enabled");
    return 0;
}

static const crm_change_op_t s_update_op = {
    .action = "updated", .ids_field = "id", .read = s_update_read, .apply = s_update_apply};

static void s_update(crm_rpc_call_t *call, const Crm__Sales__UpdatePipelineRequest *req, void *arg)
{
    sales_t *s = arg;
    crm_err_t err;
    if (!sales_admin_only(call, "configure pipelines") || !crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    sales_pipeline_input_t in = {s_in_mask(req, "name") ? req->name : NULL,
                                 req->stages,
                                 req->n_stages,
                                 s_in_mask(req, "stages"),
                                 req->lost_reasons,
                                 req->n_lost_reasons,
                                 s_in_mask(req, "lost_reasons"),
                                 s_in_mask(req, "stale_days") && req->has_stale_days_case,
                                 req->stale_days};
    if (!s_check(call, &in))
        return;
    crm_change_run(&s->env, call, &s_kind, &s_update_op, &req->id, 1, "", NULL);
}

void sales_pipelines_handlers(sales_t *s)
{
    s->handlers.create_pipeline = s_create;
    s->handlers.get_pipeline = s_get;
    s->handlers.update_pipeline = s_update;
    s->handlers.list_pipelines = s_list;
    s->handlers.pipeline_history = s_history;
}
