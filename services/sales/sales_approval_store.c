/* sales_approval_store.c: a document's approval steps as stored
 * (sql/050's approval_steps): decoded from the JSON a read of the document
 * selects (SALES_APPROVAL_JSON), copied for a change, written back whole
 * under the document's row lock; and the flow a document follows, read in
 * its submission's transaction with the users it names that are no longer
 * active. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/pbjson.h"
#include "crm/util.h"
#include "sales_approval.h"

/* The flow a document of kind follows, $1 the document's id: its JSON and
 * the users its levels name that are not active. */
#define FLOW_OF(table)                                                                             \
    "SELECT " SALES_FLOW_JSON " AS flow_json, ARRAY(SELECT (l->>'user_id')::bigint FROM"           \
    " jsonb_array_elements(f.levels) l WHERE COALESCE((l->>'user_id')::bigint, 0) > 0 AND NOT"     \
    " EXISTS (SELECT 1 FROM crm_org_users u WHERE u.id = (l->>'user_id')::bigint AND u.active))"   \
    " AS inactive FROM approval_flows f WHERE f.id = sales_approval_flow_for($2::smallint,"        \
    " (SELECT department_id FROM " table " WHERE id = $1::bigint))"

void sales_approval_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "approval_flow_of_order", FLOW_OF("orders"));
    crm_db_prepare(db, "approval_flow_of_contract", FLOW_OF("contracts"));
    /* The steps of documents $2 (bigint[]) of kind $1, read after their
     * rows are locked. */
    crm_db_prepare(db, "approval_steps_many",
                   "SELECT d.id, " SALES_APPROVAL_JSON("$1::smallint",
                                                       "d.id") " FROM"
                                                               " unnest($2::bigint[]) AS d(id)");
    /* $1 the kind, $2 the document, $3 its steps: those it had past their
     * number go. Written in level order: one level waits at a time. */
    crm_db_prepare(
        db, "approval_steps_save",
        "WITH x AS (SELECT * FROM json_to_recordset($3::json) AS x(level smallint, flow_id"
        " bigint, name text, approver smallint, approver_id bigint, role text, decision smallint,"
        " decided_by bigint, comment text, decided_at_us bigint)), gone AS (DELETE FROM"
        " approval_steps WHERE doc_kind = $1::smallint AND doc_id = $2::bigint AND level >"
        " (SELECT count(*) FROM x)) INSERT INTO approval_steps (doc_kind, doc_id, level, flow_id,"
        " name, approver, approver_id, role, decision, decided_by, comment, decided_at) SELECT"
        " $1::smallint, $2::bigint, level, flow_id, name, approver, approver_id, role, decision,"
        " decided_by, comment, crm_ts(decided_at_us) FROM x ORDER BY level ON CONFLICT"
        " (doc_kind, doc_id, level) DO UPDATE SET flow_id = EXCLUDED.flow_id, name ="
        " EXCLUDED.name, approver = EXCLUDED.approver, approver_id = EXCLUDED.approver_id, role ="
        " EXCLUDED.role, decision = EXCLUDED.decision, decided_by = EXCLUDED.decided_by, comment"
        " = EXCLUDED.comment, decided_at = EXCLUDED.decided_at");
}

void sales_steps_decode(const char *text, approval_step_t ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    json_t *a = text && *text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_array(a)) {
        json_decref(a);
        return;
    }
    *out = crm_calloc(json_array_size(a) + 1, sizeof **out);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char *err = NULL, *field = NULL;
        ProtobufCMessage *m =
            crm_pb_from_json(&crm__sales__approval_step__descriptor, v, &err, &field);
        if (m)
            (*out)[(*n)++] = (approval_step_t *)m;
        else /* the columns are the message's fields: a bug if not */
            crm_log(CRM_ERROR, "an approval step does not fit its message", "field",
                    field ? field : "", "error", err ? err : "", NULL);
        free(err);
        free(field);
    }
    json_decref(a);
}

void sales_steps_free(approval_step_t **steps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        protobuf_c_message_free_unpacked(&steps[i]->base, NULL);
    free(steps);
}

approval_step_t **sales_steps_copy(crm_change_t *c, approval_step_t *const *steps, size_t n)
{
    approval_step_t **out = crm_change_keep(c, crm_calloc(n + 1, sizeof *out));
    approval_step_t *copies = crm_change_keep(c, crm_calloc(n + 1, sizeof *copies));
    for (size_t i = 0; i < n; i++) {
        copies[i] = *steps[i];
        out[i] = &copies[i];
    }
    return out;
}

void sales_steps_write(crm_db_batch_t *b, int kind, int64_t doc_id, approval_step_t *const *steps,
                       size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const approval_step_t *s = steps[i];
        json_array_append_new(
            a, json_pack("{s:i, s:I, s:s, s:i, s:I, s:s, s:i, s:I, s:s, s:I}", "level", s->level,
                         "flow_id", (json_int_t)s->flow_id, "name", s->name ? s->name : "",
                         "approver", (int)s->approver, "approver_id", (json_int_t)s->approver_id,
                         "role", s->role ? s->role : "", "decision", (int)s->decision, "decided_by",
                         (json_int_t)s->decided_by, "comment", s->comment ? s->comment : "",
                         "decided_at_us", (json_int_t)s->decided_at_us));
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    char k[24], id[24];
    const char *p[] = {crm_i64(k, kind), crm_i64(id, doc_id), text};
    crm_db_batch_add(b, "approval_steps_save", 3, p);
    free(text);
}

/* ---- the steps of a change's documents ------------------------------------------------- */

typedef struct {
    const PGresult *r; /* id, approval_json */
    approval_step_t ***steps;
    size_t *n;
    int rows;
} steps_state_t;

static void s_state_free(void *p)
{
    steps_state_t *st = p;
    for (int i = 0; i < st->rows; i++)
        sales_steps_free(st->steps[i], st->n[i]);
    free(st->steps);
    free(st->n);
    free(st);
}

void sales_steps_read(crm_change_t *c, int kind)
{
    char k[24];
    char *ids = crm_db_i64_array(crm_change_ids(c), crm_change_count(c));
    const char *p[] = {crm_i64(k, kind), ids};
    crm_change_read(c, "approval_steps", "approval_steps_many", 2, p);
    free(ids);
}

void sales_steps_loaded(crm_change_t *c)
{
    steps_state_t *st = crm_calloc(1, sizeof *st);
    st->r = crm_change_result(c, "approval_steps");
    st->rows = PQntuples(st->r);
    st->steps = crm_calloc((size_t)st->rows + 1, sizeof *st->steps);
    st->n = crm_calloc((size_t)st->rows + 1, sizeof *st->n);
    for (int i = 0; i < st->rows; i++)
        sales_steps_decode(crm_db_get(st->r, i, 1), &st->steps[i], &st->n[i]);
    crm_change_set_state(c, st, s_state_free);
}

approval_step_t **sales_doc_steps(crm_change_t *c, int64_t id, size_t *n)
{
    const steps_state_t *st = crm_change_state(c);
    for (int i = 0; st && i < st->rows; i++)
        if (crm_db_get_i64(st->r, i, 0) == id) {
            *n = st->n[i];
            return st->steps[i];
        }
    *n = 0;
    return NULL;
}

void sales_read_doc_flow(crm_txn_t *t, int kind, int64_t doc_id)
{
    char id[24], k[24];
    const char *p[] = {crm_i64(id, doc_id), crm_i64(k, kind)};
    crm_txn_read(t, "flow",
                 kind == SALES_DOC_ORDER ? "approval_flow_of_order" : "approval_flow_of_contract",
                 2, p);
}

Crm__Sales__ApprovalFlow *sales_doc_flow_of(crm_txn_t *t, int64_t *inactive)
{
    const PGresult *r = crm_txn_result(t, "flow");
    *inactive = 0;
    if (!r || PQntuples(r) == 0)
        return NULL;
    size_t n = 0;
    int64_t *gone = crm_db_get_i64_array(r, 0, PQfnumber(r, "inactive"), &n);
    if (n)
        *inactive = gone[0];
    free(gone);
    return sales_approval_flow_of(r, 0);
}

const sales_json_kind_t sales_flow_json = {"approval flow", &crm__sales__approval_flow__descriptor,
                                           "flow_json",
                                           &crm__sales__approval_flow_list__descriptor};

Crm__Sales__ApprovalFlow *sales_approval_flow_of(const PGresult *r, int i)
{
    return (Crm__Sales__ApprovalFlow *)sales_json_message(&sales_flow_json, r, i);
}

void sales_approval_flow_free(Crm__Sales__ApprovalFlow *f)
{
    sales_json_free(f ? &f->base : NULL);
}

void sales_approval_todo(crm_sqlbuf_t *q, const char *alias, int kind, int by_column,
                         const Crm__Caller *caller)
{
    const char *role = sales_role_word(caller->role);
    if (!caller->user_id) { /* the system approves nothing */
        crm_sqlbuf_add(q, " AND false");
        return;
    }
    crm_sqlbuf_addf(q, " AND %s.status = 2 AND (", alias);
    if (by_column)
        crm_sqlbuf_addf(q, "%s.approver_id = ", alias);
    else
        crm_sqlbuf_addf(q,
                        "%s.id IN (SELECT s.doc_id FROM approval_steps s WHERE s.doc_kind = %d"
                        " AND s.decision = 2 AND s.approver_id = ",
                        alias, kind);
    crm_sqlbuf_addp_i64(q, by_column ? "$?::bigint" : "$?::bigint)", caller->user_id);
    if (*role) {
        crm_sqlbuf_addf(q, " OR (%s.owner_id <> ", alias);
        crm_sqlbuf_addp_i64(q, "$?::bigint", caller->user_id);
        crm_sqlbuf_addf(q,
                        " AND %s.id IN (SELECT s.doc_id FROM approval_steps s WHERE"
                        " s.doc_kind = %d AND s.decision = 2 AND s.role = ",
                        alias, kind);
        crm_sqlbuf_addp(q, "$?))", role);
    }
    crm_sqlbuf_add(q, ")");
}
