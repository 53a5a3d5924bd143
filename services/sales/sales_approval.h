/* sales_approval.h: approval flows (审批流程) in the sales service, above
 * their pure rules (sales_approval_rules.h): the flows' SQL and handlers
 * (sales_approval_flows.c), a document's steps as stored and read
 * (sales_approval_store.c), the approval ops on the change engine for
 * every kind of document (sales_doc_approval.c), and each kind's part:
 * orders (sales_order_kind.c, sales_order_approval.c), contracts
 * (sales_contract_kind.c, sales_contract_approval.c). */
#ifndef SALES_APPROVAL_H
#define SALES_APPROVAL_H

#include "sales.h"
#include "sales_approval_rules.h"
#include "sales_rules.h"

#define SALES_DOC_ORDER CRM__SALES__APPROVAL_DOC_KIND__APPROVAL_DOC_KIND_ORDER
#define SALES_DOC_CONTRACT CRM__SALES__APPROVAL_DOC_KIND__APPROVAL_DOC_KIND_CONTRACT

/* The column approval_json of a read of one document (kind and id SQL
 * text: a literal number or a parameter, the document's id column): its steps as a JSON array in
 * level order, NULL when it was never submitted. */
#define SALES_APPROVAL_JSON(kind, id)                                                              \
    "(SELECT json_agg(json_build_object('level', s.level, 'name', s.name, 'approver',"             \
    " s.approver, 'approver_id', s.approver_id, 'role', s.role, 'decision', s.decision,"           \
    " 'decided_by', s.decided_by, 'comment', s.comment, 'decided_at_us',"                          \
    " COALESCE(crm_us(s.decided_at), 0), 'flow_id', s.flow_id) ORDER BY s.level)::text FROM"       \
    " approval_steps s WHERE s.doc_kind = " kind " AND s.doc_id = " id ") AS approval_json"

/* The fields of a document's approval its history does not follow as
 * changes (the approval's own entries tell them: level, decision). */
#define SALES_APPROVAL_UNFOLLOWED                                                                  \
    "approval_flow_id", "approval_level", "approver_role", "approval_steps"

void sales_approval_prepare(crm_db_t *db);       /* the steps (sales_approval_store.c) */
void sales_approval_flows_prepare(crm_db_t *db); /* the flows */
void sales_approval_flows_handlers(sales_t *s);  /* Create, Get, Update, Delete, List, History */

/* Steps decoded from approval_json text (NULL: none) into *out (free with
 * sales_steps_free). */
void sales_steps_decode(const char *text, approval_step_t ***out, size_t *n);
void sales_steps_free(approval_step_t **steps, size_t n);
/* Copies of steps[0..n) for a change (shallow: their strings are shared),
 * kept by the change c. */
approval_step_t **sales_steps_copy(crm_change_t *c, approval_step_t *const *steps, size_t n);
/* A document kind's steps in a change (crm/change.h), read after its rows
 * are locked, so a change decides on the steps the last one left: the
 * kind's read (of kind's documents), its loaded, and during decide a
 * document's steps as read (NULL, 0: none; the change owns them). */
void sales_steps_read(crm_change_t *c, int kind);
void sales_steps_loaded(crm_change_t *c);
approval_step_t **sales_doc_steps(crm_change_t *c, int64_t id, size_t *n);
/* Adds the write of a document's steps (replacing those it had). */
void sales_steps_write(crm_db_batch_t *b, int kind, int64_t doc_id, approval_step_t *const *steps,
                       size_t n);

/* A flow as one JSON document (flows f), the column flow_json. */
#define SALES_FLOW_JSON                                                                            \
    "json_build_object('id', f.id, 'name', f.name, 'doc_kind', f.doc_kind, 'department_id',"       \
    " f.department_id, 'levels', f.levels, 'creator_id', f.creator_id, 'created_at_us',"           \
    " crm_us(f.created_at), 'updated_at_us', crm_us(f.updated_at))::text"
/* A flow read whole (its flow_json). */
extern const sales_json_kind_t sales_flow_json;
/* The flow of row i of r (its flow_json), or NULL when r has no such row.
 * Free with sales_approval_flow_free. */
Crm__Sales__ApprovalFlow *sales_approval_flow_of(const PGresult *r, int i);

/* 待我审批 (a list's team view) of documents of kind aliased alias: pending
 * (status 2), the level waiting the caller's, as its approver (by_column:
 * the document's approver_id holds the waiting approver, with its own
 * index; else its waiting step's) or as a holder of its role but the
 * owner (approval_steps' partial indexes). */
void sales_approval_todo(crm_sqlbuf_t *q, const char *alias, int kind, int by_column,
                         const Crm__Caller *caller);

/* Adds to t's round the read "flow" of the flow document doc_id of kind
 * follows (by its department): one row (flow_json, inactive: the users its
 * levels name that are not active) or none. */
void sales_read_doc_flow(crm_txn_t *t, int kind, int64_t doc_id);
/* During decide: the flow read (NULL: none; free with
 * sales_approval_flow_free); *inactive the first inactive user it names
 * (0: none). */
Crm__Sales__ApprovalFlow *sales_doc_flow_of(crm_txn_t *t, int64_t *inactive);
void sales_approval_flow_free(Crm__Sales__ApprovalFlow *f);

/* The order kind of the change engine (sales_order_kind.c): locked, its
 * approval steps read with it (sales_doc_steps), acted on by its owner's
 * side, saved with its history entry, announced as order.<action>. */
extern const crm_change_kind_t sales_order_kind;
/* o's approval fields from its steps: the flow, the level waiting (else
 * the last decided), the waiting level's role. */
void sales_order_approval_summary(order_t *o);
/* During apply: moves o by its status table; 0, or -1 after refusing with
 * the table's reason. */
int sales_order_move(crm_change_t *c, order_t *o, sales_order_action_t action);
/* The event order.<action>, or type when given, of a changed order. */
void sales_order_emit_as(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b,
                         const char *type);
/* The reply of a single-order op: the order. */
void sales_order_single_reply(crm_change_t *c);

/* ---- a document's approval on the change engine (sales_doc_approval.c) ---- */

/* What is done to a document's approval. */
typedef enum {
    SALES_STEP_SUBMIT,
    SALES_STEP_APPROVE,
    SALES_STEP_REJECT,
    SALES_STEP_WITHDRAW,
} sales_step_act_t;

/* A document's approval fields: pointers into its record's message. */
typedef struct {
    int64_t id, owner_id;
    approval_step_t ***steps;
    size_t *n_steps;
    int64_t *approver_id;
    char **comment;
} sales_approval_view_t;

/* A kind of document that follows approval flows (an order, a contract). */
typedef struct {
    int doc_kind; /* SALES_DOC_ORDER, ... */
    const char *noun;
    const crm_change_kind_t *kind;
    /* $1 the document's id: the manager of its owner (crm_org_manager_of). */
    const char *manager_sql;
    /* Without a flow: one level to the approver chosen or the supervisor
     * (orders), else none (a contract is submitted and signed freely). */
    int one_level_without_flow;
    void (*view)(void *rec, sales_approval_view_t *v);
    /* Its read fields from its steps (the flow, the level, the role). */
    void (*summary)(void *rec);
    /* May caller read rec, its steps being steps? */
    int (*can_read)(const Crm__Caller *caller, const void *rec, approval_step_t *const *steps,
                    size_t n);
    /* Moves rec by its status table for act (APPROVE: last, the last
     * level) and sets its times: 0, or -1 after refusing. */
    int (*move)(crm_change_t *c, void *rec, sales_step_act_t act, int last);
    /* The event of a change of rec: <noun>.<action>, or <noun>.<as>. */
    void (*emit_as)(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b,
                    const char *as);
    void (*reply)(crm_change_t *c); /* the document */
} sales_approval_kind_t;

/* What a request asks (its strings and ids are the request's). */
typedef struct {
    const int64_t *chosen; /* submit: the approvers chosen, in order */
    size_t n_chosen;
    const char *chosen_field;  /* the request field that gave them */
    const char *comment;       /* submit, decide: the comment; withdraw: the reason */
    const char *comment_field; /* its request field (NULL: "comment"; withdraw: "reason") */
    int32_t level;             /* decide: the level decided (0: the one waiting) */
} sales_approval_ask_t;

/* The ask of a submission naming approver_ids, else approver_id alone
 * (their request's), with its comment on comment_field: 1, or 0 after
 * failing call (a negative id, both given). */
int sales_submit_ask(crm_rpc_call_t *call, const int64_t *approver_id, const int64_t *approver_ids,
                     size_t n, const char *comment, const char *comment_field,
                     sales_approval_ask_t *ask);

/* Submits document id of k (its flow's levels, or none), approves or
 * rejects its level waiting (a rejection's comment required), withdraws
 * it: the request's fields checked, then a change of k's kind. */
void sales_doc_submit(sales_t *s, crm_rpc_call_t *call, const sales_approval_kind_t *k, int64_t id,
                      const sales_approval_ask_t *ask);
void sales_doc_decide(sales_t *s, crm_rpc_call_t *call, const sales_approval_kind_t *k, int64_t id,
                      const sales_approval_ask_t *ask, int approve);
void sales_doc_withdraw(sales_t *s, crm_rpc_call_t *call, const sales_approval_kind_t *k,
                        int64_t id, const sales_approval_ask_t *ask);

/* The orders' approval (sales_order_approval.c): Submit, Approve, Reject,
 * Withdraw. */
void sales_order_approval_handlers(sales_t *s);

/* ---- contracts (sales_contract_kind.c, sales_contract_approval.c) ---- */

/* The contract kind of the change engine: locked, its approval steps read
 * with it (sales_doc_steps), acted on by its owner's side, saved with its
 * history entry, announced as contract.<action>. */
extern const crm_change_kind_t sales_contract_kind;
/* k's approval fields from its steps (sales_contract_store.c). */
void sales_contract_approval_summary(contract_t *k);
/* During apply: moves k by its status table; 0, or -1 after refusing with
 * the table's reason. */
int sales_contract_move(crm_change_t *c, contract_t *k, sales_contract_action_t action);
/* The event contract.<action>, or contract.<as>, of a changed contract. */
void sales_contract_emit_as(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b,
                            const char *as);
void sales_contract_single_reply(crm_change_t *c);
/* Submit, Approve, Reject, Withdraw. */
void sales_contract_approval_handlers(sales_t *s);

#endif
