/* sales_approval.h: approval flows (审批流程) in the sales service, above
 * their pure rules (sales_approval_rules.h): the flows' SQL and handlers
 * (sales_approval_flows.c), a document's steps as stored and read
 * (sales_approval_store.c), and the orders' approval ops on the change
 * engine (sales_order_approval.c). */
#ifndef SALES_APPROVAL_H
#define SALES_APPROVAL_H

#include "sales.h"
#include "sales_approval_rules.h"
#include "sales_rules.h"

#define SALES_DOC_ORDER CRM__SALES__APPROVAL_DOC_KIND__APPROVAL_DOC_KIND_ORDER
#define SALES_DOC_CONTRACT CRM__SALES__APPROVAL_DOC_KIND__APPROVAL_DOC_KIND_CONTRACT

/* The column approval_json of a read of one document (kind a literal
 * number, id its id's SQL): its steps as a JSON array in level order, NULL
 * when it was never submitted. */
#define SALES_APPROVAL_JSON(kind, id)                                                              \
    "(SELECT json_agg(json_build_object('level', s.level, 'name', s.name, 'approver',"             \
    " s.approver, 'approver_id', s.approver_id, 'role', s.role, 'decision', s.decision,"           \
    " 'decided_by', s.decided_by, 'comment', s.comment, 'decided_at_us',"                          \
    " COALESCE(crm_us(s.decided_at), 0), 'flow_id', s.flow_id) ORDER BY s.level)::text FROM"       \
    " approval_steps s WHERE s.doc_kind = " kind " AND s.doc_id = " id ") AS approval_json"

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
 * approval steps read with it (sales_order_steps), acted on by its owner's
 * side, saved with its history entry, announced as order.<action>. */
extern const crm_change_kind_t sales_order_kind;
/* During a change: the approval steps of order id as read (NULL, 0 when
 * none; the change owns them). */
Crm__Sales__ApprovalStep **sales_order_steps(crm_change_t *c, int64_t id, size_t *n);
/* o's approval fields from its steps: the flow, the level waiting (else
 * the last decided), the waiting level's role. */
void sales_order_approval_summary(order_t *o);
/* During apply: moves o by its status table; 0, or -1 after refusing with
 * the table's reason. */
int sales_order_move(crm_change_t *c, order_t *o, sales_order_action_t action);
/* Refuses the caller: told what (403) if they read o, else not found. -1. */
int sales_order_refuse(crm_change_t *c, const order_t *o, const char *what);
/* The event order.<action>, or type when given, of a changed order. */
void sales_order_emit_as(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b,
                         const char *type);
/* The reply of a single-order op: the order. */
void sales_order_single_reply(crm_change_t *c);

/* The orders' approval ops (sales_order_approval.c): Submit, Approve,
 * Reject, Withdraw. */
void sales_order_approval_handlers(sales_t *s);

#endif
