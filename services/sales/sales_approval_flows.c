/* sales_approval_flows.c: approval flows (审批流程), configured by admins:
 * CreateApprovalFlow (a write transaction of its own), GetApprovalFlow,
 * ListApprovalFlows, ApprovalFlowHistory, and UpdateApprovalFlow and
 * DeleteApprovalFlow, ops of the flow record kind on the change engine
 * (history with old and new values, approval_flow.<action>).
 *
 * A flow is one row, its levels a JSON array (ApprovalLevel in the proto
 * form), read whole as one JSON document (SALES_FLOW_JSON). One live flow
 * per document kind and department: the pair is serialised by an advisory
 * lock and read in the transaction (409 on department_id naming the flow
 * that has it), a unique index behind. The users and the department a flow
 * names are checked against the organisation's read model, each named. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "crm/check.h"
#include "crm/history.h"
#include "crm/list.h"
#include "crm/mask.h"
#include "crm/outbox.h"
#include "crm/pbjson.h"
#include "crm/util.h"
#include "sales_approval.h"

#define FLOW_COLUMNS "f.id, " SALES_FLOW_JSON " AS flow_json"
#define FLOW_WRITE "name, doc_kind, department_id, levels, creator_id, updated_at, deleted_at"
#define FLOW_VALUES                                                                                \
    "btrim($2), $3::smallint, $4::bigint, $5::jsonb, $6::bigint, crm_ts($7::bigint),"              \
    " crm_ts($8::bigint)"

void sales_approval_flows_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "approval_flow_get",
                   "SELECT " FLOW_COLUMNS " FROM approval_flows f WHERE f.id = $1::bigint AND"
                   " f.deleted_at IS NULL");
    crm_db_prepare(db, "approval_flow_get_any",
                   "SELECT " FLOW_COLUMNS " FROM approval_flows f WHERE f.id = $1::bigint");
    crm_db_prepare(db, "approval_flow_lock_many",
                   "SELECT " FLOW_COLUMNS " FROM approval_flows f WHERE f.id = ANY($1::bigint[])"
                   " AND f.deleted_at IS NULL ORDER BY f.id FOR UPDATE OF f");
    /* $1 "<doc_kind>:<department_id>" */
    crm_db_prepare(db, "approval_flow_taken",
                   "SELECT id, name FROM approval_flows WHERE doc_kind = split_part($1, ':',"
                   " 1)::smallint AND department_id = split_part($1, ':', 2)::bigint AND"
                   " deleted_at IS NULL AND id <> $2::bigint");
    crm_db_prepare(db, "approval_flow_insert",
                   "INSERT INTO approval_flows (id, " FLOW_WRITE
                   ", created_at) VALUES ($1::bigint, " FLOW_VALUES ", crm_ts($7::bigint))");
    crm_db_prepare(db, "approval_flow_save",
                   "UPDATE approval_flows SET (" FLOW_WRITE ") = (" FLOW_VALUES
                   ") WHERE id = $1::bigint");
}

typedef Crm__Sales__ApprovalFlow flow_t;

/* Adds the write of every column of f (deleted at deleted_us, 0: live). */
static void s_write(crm_db_batch_t *b, const char *stmt, const flow_t *f, int64_t deleted_us)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->n_levels; i++)
        json_array_append_new(a, crm_pb_to_json(&f->levels[i]->base));
    char *levels = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    char id[24], kind[24], dept[24], creator[24], at[24], gone[24];
    const char *v[] = {crm_i64(id, f->id),
                       f->name,
                       crm_i64(kind, f->doc_kind),
                       crm_i64(dept, f->department_id),
                       levels,
                       crm_i64(creator, f->creator_id),
                       crm_i64(at, f->updated_at_us),
                       crm_i64(gone, deleted_us)};
    crm_db_batch_add(b, stmt, 8, v);
    free(levels);
}

static void s_emit(crm_db_batch_t *b, const char *type, flow_t *f, int64_t by, char **changed,
                   size_t n)
{
    Crm__Events__ApprovalFlowChanged ev = CRM__EVENTS__APPROVAL_FLOW_CHANGED__INIT;
    ev.flow = f;
    ev.by = by;
    ev.changed_fields = changed;
    ev.n_changed_fields = n;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, f->id), &ev.base);
}

/* Adds to t's round the lock and read "unique" of the flow of kind and
 * department (another than id), and the read "org" of the department and
 * the levels' users. */
static void s_read_refs(crm_txn_t *t, int kind, int64_t dept, int64_t id,
                        approval_level_t *const *levels, size_t n)
{
    char pair[48];
    snprintf(pair, sizeof pair, "%d:%lld", kind, (long long)dept);
    sales_read_unique(t, "approval_flow", "approval_flow_taken", pair, id);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_department(refs, "department_id", dept);
    for (size_t i = 0; i < n; i++)
        crm_org_user(refs, sales_flow_level_field(i, "user_id"), levels[i]->user_id);
    crm_org_read(t, "org", &refs);
}

/* During decide: the references read are fine (each field at fault named)
 * and the pair is free. 0, or -1 after refusing. */
static int s_refs_ok(crm_txn_t *t)
{
    crm_errs_t errs = {.n = 0};
    if (crm_org_check(crm_txn_result(t, "org"), &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    return sales_unique_free(t, "department_id", "approval flow");
}

static int s_check(crm_rpc_call_t *call, const sales_flow_input_t *in)
{
    crm_errs_t errs = {.n = 0};
    if (sales_flow_check(in, &errs) < 0)
        return crm_rpc_fail_errs(call, &errs);
    return 1;
}

#define WHAT "configure approval flows"

/* ---- CreateApprovalFlow ---------------------------------------------------------- */

static void s_create_read(crm_txn_t *t)
{
    flow_t *f = crm_txn_data(t);
    crm_txn_read(t, "next_id", "SELECT nextval('approval_flows_id_seq'), crm_us(now())", 0, NULL);
    s_read_refs(t, f->doc_kind, f->department_id, 0, f->levels, f->n_levels);
}

static int s_create_decide(crm_txn_t *t)
{
    flow_t *f = crm_txn_data(t);
    if (s_refs_ok(t) < 0)
        return -1;
    const PGresult *next = crm_txn_result(t, "next_id");
    f->id = crm_db_get_i64(next, 0, 0);
    f->created_at_us = f->updated_at_us = crm_db_get_i64(next, 0, 1);
    crm_db_batch_t *b = crm_txn_batch(t);
    s_write(b, "approval_flow_insert", f, 0);
    sales_history_t h = {.kind = "approval_flow",
                         .record_id = f->id,
                         .action = "created",
                         .actor_id = f->creator_id,
                         .at_us = f->created_at_us};
    sales_store_history(b, &h);
    s_emit(b, "approval_flow.created", f, f->creator_id, NULL, 0);
    crm_txn_reply(t, &f->base);
    return 0;
}

/* The request's levels are borrowed; the name is the flow's. */
static void s_create_done(void *data)
{
    flow_t *f = data;
    free(f->name);
    free(f);
}

static const crm_txn_op_t s_create_op = {
    .read = s_create_read, .decide = s_create_decide, .done = s_create_done};

static void s_create(crm_rpc_call_t *call, const Crm__Sales__CreateApprovalFlowRequest *req,
                     void *arg)
{
    sales_t *s = arg;
    sales_flow_input_t in = {req->name,     1, req->doc_kind, req->department_id, req->levels,
                             req->n_levels, 1};
    if (!sales_admin_only(call, WHAT) || !s_check(call, &in))
        return;
    flow_t *f = crm_malloc(sizeof *f);
    crm__sales__approval_flow__init(f);
    f->name = crm_strtrim(req->name);
    f->doc_kind = req->doc_kind;
    f->department_id = req->department_id;
    f->levels = req->levels;
    f->n_levels = req->n_levels;
    f->creator_id = crm_rpc_call_caller(call)->user_id;
    crm_txn_run(&s->env, call, &s_create_op, f);
}

/* ---- GetApprovalFlow, ListApprovalFlows, ApprovalFlowHistory ------------------------ */

static void s_get(crm_rpc_call_t *call, const Crm__Sales__GetApprovalFlowRequest *req, void *arg)
{
    if (crm_check_id(call, "id", req->id))
        sales_json_get(arg, call, &sales_flow_json, "approval_flow_get", req->id);
}

static const crm_key_t s_id_key[] = {{.sql = "f.id", .column = "id", .type = CRM_KEY_BIGINT}};
static const crm_keyset_t s_list_order = {
    .tag = "approval_flows", .keys = s_id_key, .n = 1, .ascending = 1};

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListApprovalFlowsRequest *req, void *arg)
{
    crm_page_t pg;
    if (req->doc_kind < 0 || req->doc_kind > SALES_DOC_CONTRACT) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "doc_kind", "not a known kind");
        return;
    }
    if (!crm_check_page(call, &pg, &s_list_order, req->limit, 20, req->cursor))
        return;
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT " FLOW_COLUMNS " FROM approval_flows f WHERE f.deleted_at IS NULL");
    if (req->doc_kind)
        crm_sqlbuf_addp_i64(q, " AND f.doc_kind = $?::smallint", req->doc_kind);
    sales_json_list(arg, call, &sales_flow_json, &q, &pg, req->total);
}

static void s_history(crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req, void *arg)
{
    sales_history_list(arg, call, req, "approval_flow", "approval_flow_get_any", NULL, NULL);
}

/* ---- the flow kind: UpdateApprovalFlow, DeleteApprovalFlow --------------------------- */

/* A flow as read for a change: its message, decoded (owned here; the copy
 * the engine keeps as changed shares it). */
typedef struct {
    flow_t f;
    flow_t *read;
    int deleted;
} flow_row_t;

static void s_decode(const PGresult *r, int row, void *rec)
{
    flow_row_t *fr = rec;
    fr->read = sales_approval_flow_of(r, row);
    if (fr->read)
        fr->f = *fr->read;
    else
        crm__sales__approval_flow__init(&fr->f);
}

static void s_clear(void *rec)
{
    sales_approval_flow_free(((flow_row_t *)rec)->read);
}

static int s_may_act(crm_change_t *c, const void *rec)
{
    (void)rec;
    return sales_change_admin_only(c, WHAT);
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((flow_row_t *)rec)->f.updated_at_us = crm_change_now(c);
}

static crm_history_skip_t s_unfollowed = {"id", "creator_id", "created_at", "updated_at", NULL};

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const flow_t *before = &((const flow_row_t *)prev)->f;
    const flow_row_t *fr = rec;
    s_write(b, "approval_flow_save", &fr->f, fr->deleted ? crm_change_now(c) : 0);
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &fr->f.base, s_unfollowed);
    sales_change_history(c, b, "approval_flow", fr->f.id, detail, 0, 0);
    free(detail);
}

static void s_kind_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const flow_t *before = &((const flow_row_t *)prev)->f;
    flow_t *f = &((flow_row_t *)rec)->f;
    char *changed[8], type[48];
    size_t n = crm_history_changed(&before->base, &f->base, s_unfollowed, changed, 8);
    snprintf(type, sizeof type, "approval_flow.%s", crm_change_op(c)->action);
    s_emit(b, type, f, crm_change_caller(c)->user_id, changed, n);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

static void s_kind_reply(crm_change_t *c)
{
    crm_change_reply(c, &((flow_row_t *)crm_change_record(c, 0))->f.base);
}

static const crm_change_kind_t s_kind = {
    .noun = "approval flow",
    .lock = "approval_flow_lock_many",
    .size = sizeof(flow_row_t),
    .decode = s_decode,
    .clear = s_clear,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_kind_emit,
    .reply = s_kind_reply,
};

static const char *const s_editable[] = {"name", "department_id", "levels", NULL};

static int s_in_mask(const Crm__Sales__UpdateApprovalFlowRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

/* The references the patch names; a new department: its pair with the
 * flow's kind (read from the row) locked as a create locks it, and the
 * live flow that has it. */
static void s_update_read(crm_change_t *c)
{
    const Crm__Sales__UpdateApprovalFlowRequest *req = crm_change_request(c);
    crm_txn_t *t = crm_change_txn(c);
    crm_org_refs_t *refs = crm_org_refs_new();
    if (s_in_mask(req, "department_id"))
        crm_org_department(refs, "department_id", req->department_id);
    for (size_t i = 0; s_in_mask(req, "levels") && i < req->n_levels; i++)
        crm_org_user(refs, sales_flow_level_field(i, "user_id"), req->levels[i]->user_id);
    crm_org_read(t, "org", &refs);
    if (s_in_mask(req, "department_id")) {
        char id[24], dept[24];
        const char *p[] = {crm_i64(id, req->id), crm_i64(dept, req->department_id)};
        crm_txn_read(t, "unique_lock",
                     "SELECT pg_advisory_xact_lock(hashtext('approval_flow:' || doc_kind || ':' ||"
                     " $2::bigint)) FROM approval_flows WHERE id = $1::bigint",
                     2, p);
        crm_txn_read(t, "unique",
                     "SELECT o.id, o.name FROM approval_flows f JOIN approval_flows o ON"
                     " o.doc_kind = f.doc_kind AND o.department_id = $2::bigint AND o.deleted_at"
                     " IS NULL AND o.id <> f.id WHERE f.id = $1::bigint",
                     2, p);
    }
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    flow_t *f = &((flow_row_t *)rec)->f;
    const Crm__Sales__UpdateApprovalFlowRequest *req = crm_change_request(c);
    crm_txn_t *t = crm_change_txn(c);
    crm_errs_t errs = {.n = 0};
    if (crm_org_check(crm_change_result(c, "org"), &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    if (sales_unique_free(t, "department_id", "approval flow") < 0)
        return -1;
    if (s_in_mask(req, "name"))
        f->name = crm_change_keep(c, crm_strtrim(req->name));
    if (s_in_mask(req, "department_id"))
        f->department_id = req->department_id;
    if (s_in_mask(req, "levels")) {
        f->levels = req->levels;
        f->n_levels = req->n_levels;
    }
    return 0;
}

static const crm_change_op_t s_update_op = {
    .action = "updated", .ids_field = "id", .read = s_update_read, .apply = s_update_apply};

static void s_update(crm_rpc_call_t *call, const Crm__Sales__UpdateApprovalFlowRequest *req,
                     void *arg)
{
    sales_t *s = arg;
    crm_err_t err;
    if (!sales_admin_only(call, WHAT) || !crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    sales_flow_input_t in = {s_in_mask(req, "name") ? req->name : NULL,
                             0,
                             0,
                             s_in_mask(req, "department_id") ? req->department_id : 0,
                             req->levels,
                             req->n_levels,
                             s_in_mask(req, "levels")};
    if (!s_check(call, &in))
        return;
    crm_change_run(&s->env, call, &s_kind, &s_update_op, &req->id, 1, "", NULL);
}

static int s_delete_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)c;
    (void)prev;
    ((flow_row_t *)rec)->deleted = 1;
    return 0;
}

static const crm_change_op_t s_delete_op = {
    .action = "deleted", .ids_field = "id", .apply = s_delete_apply};

static void s_delete(crm_rpc_call_t *call, const Crm__Sales__DeleteApprovalFlowRequest *req,
                     void *arg)
{
    sales_t *s = arg;
    if (!sales_admin_only(call, WHAT) || !crm_check_id(call, "id", req->id))
        return;
    crm_change_run(&s->env, call, &s_kind, &s_delete_op, &req->id, 1, "", NULL);
}

void sales_approval_flows_handlers(sales_t *s)
{
    s->handlers.create_approval_flow = s_create;
    s->handlers.get_approval_flow = s_get;
    s->handlers.update_approval_flow = s_update;
    s->handlers.delete_approval_flow = s_delete;
    s->handlers.list_approval_flows = s_list;
    s->handlers.approval_flow_history = s_history;
}
