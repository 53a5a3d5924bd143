/* sales.h: each module's entry points, above the ground floor every module
 * stands on (sales_store.h: the context, the history, admins). Floors, from
 * the ground up: the store and pure rules; the records' SQL and checks
 * (products, pipelines, the customers' read model, sales_opp_store.c,
 * sales_opp_check.c); the record kinds and handlers; sales_rpc.c, which
 * serves them all. A module calls only floors below its own. */
#ifndef SALES_H
#define SALES_H

#include "crm/filter.h"
#include "crm/list.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "events.pb-c.h"
#include "sales_store.h"

/* ---- sales_products.c, sales_product_kind.c: the catalogue (产品) ---- */

void sales_products_prepare(crm_db_t *db);
void sales_products_handlers(sales_t *s);     /* CreateProduct, GetProduct, ListProducts, history */
void sales_product_kind_handlers(sales_t *s); /* UpdateProduct, DisableProducts, EnableProducts */

/* Checks a product's typed fields (NULL: not given), every fault at once;
 * list_price when has_price. 1 if fine, else fails call. */
int sales_product_check(crm_rpc_call_t *call, const char *name, const char *code,
                        const char *category, const char *unit, const char *remark, int has_price,
                        int64_t list_price);
/* Adds stmt ("product_insert", "product_save") writing every column of p. */
void sales_product_write(crm_db_batch_t *b, const char *stmt, const product_t *p);
/* product.created / product.updated. */
void sales_emit_product(crm_db_batch_t *b, const char *type, product_t *p, int64_t by,
                        const char *reason, char **changed, size_t n);

/* ---- sales_customers.c: the read model of customers (sql/002) ---- */

/* The customers service's snapshot of its customers and contacts (its
 * customers_snapshot.c serves it under this name), from which the read
 * model is rebuilt when too far behind to replay. */
#define SALES_CUSTOMERS_SNAPSHOT "customers"

/* Keeps the read model from the customers service's events. */
void sales_customers_consume(sales_t *s);
/* Adds to t's round the read "customer": customer id as the model has it
 * (no row: unknown or deleted). */
void sales_read_customer(crm_txn_t *t, int64_t id);
/* The same, the customer being id, else the opportunity's, else the
 * contract's (0s: none). */
void sales_read_customer_of(crm_txn_t *t, int64_t id, int64_t opportunity_id, int64_t contract_id);
/* Does the caller see the customer of r (a read of sales_read_customer):
 * its owner in the caller's data scope, or the caller on its team at
 * now_us? A pooled customer (no owner) is seen by admins only: its pool's
 * people claim it first. No row: no. */
int sales_customer_visible(const Crm__Caller *caller, const PGresult *r, int64_t now_us);

/* ---- sales_pipelines.c: stage pipelines (销售流程) ---- */

void sales_pipelines_prepare(crm_db_t *db);
void sales_pipelines_handlers(sales_t *s); /* Create, Get, Update, List, History */
/* The pipeline of row i of r (a read of "pipeline_get": its pipeline_json),
 * or NULL when r has no such row. Free with sales_pipeline_free. */
Crm__Sales__Pipeline *sales_pipeline_of(const PGresult *r, int i);
void sales_pipeline_free(Crm__Sales__Pipeline *p); /* safe on NULL */
/* The stage id of p (not removed), or NULL. */
const Crm__Sales__Stage *sales_pipeline_stage(const Crm__Sales__Pipeline *p, int64_t id);

/* The pipeline an opportunity op reads in round 1, under a share lock (so
 * a stage is not removed under a change that puts an opportunity in it):
 * "pipeline" by $1 the pipeline's id (0: the default). */
#define SALES_PIPELINE_SHARED "pipeline_shared"
/* Adds to t's round the read "stage_holders" of how many open opportunities
 * each stage of pipeline id holds (a removal needs none). */
void sales_read_stage_holders(crm_txn_t *t, int64_t id);
/* During decide: the open opportunities stage id holds (0 when none). */
int64_t sales_stage_holders(crm_txn_t *t, int64_t stage_id);

/* ---- opportunities (商机): sales_opp_*.c ---- */

typedef Crm__Sales__Opportunity opportunity_t;
#define SALES_OPEN CRM__SALES__OPPORTUNITY_STATUS__OPPORTUNITY_STATUS_OPEN

/* An opportunity read from the database: its message, and the lines
 * decoded for it (owned here). */
typedef struct {
    opportunity_t o;
    Crm__Sales__OpportunityLine **lines;
    size_t n_lines;
    int deleted; /* set by a delete: the save marks the row deleted */
} opportunity_row_t;

/* The columns every read of opportunities o selects, each named after its
 * field of opportunity_t (crm/rowmap.h), and expected_close_day (the
 * expected close date as a day number, the lists' key; none: the largest). */
#define SALES_OPP_CLOSE_DAY "COALESCE(expected_close_on - DATE '1970-01-01', 2147483647)"
#define SALES_OPP_COLUMNS                                                                          \
    "o.id, o.name, o.customer_id, COALESCE((SELECT c.name FROM sales_customers c WHERE c.id ="     \
    " o.customer_id), '') AS customer_name, o.contact_ids, o.amount, o.amount_given,"              \
    " COALESCE(o.expected_close_on::text, '') AS expected_close_date, o.pipeline_id, o.stage_id,"  \
    " (SELECT s.name FROM pipeline_stages s WHERE s.id = o.stage_id) AS stage_name, o.status,"     \
    " o.win_probability, o.lost_reason, o.source, COALESCE(o.lead_id, 0) AS lead_id, o.owner_id,"  \
    " o.department_id, o.team_member_ids, o.team_reader_ids, o.remark,"                            \
    " crm_us(o.last_followup_at) AS last_followup_at_us, o.last_followup_content,"                 \
    " crm_us(o.next_contact_at) AS next_contact_at_us, o.creator_id,"                              \
    " crm_us(o.created_at) AS created_at_us, crm_us(o.updated_at) AS updated_at_us,"               \
    " crm_us(o.stage_changed_at) AS stage_changed_at_us, crm_us(o.closed_at) AS closed_at_us,"     \
    " COALESCE(o.expected_close_on - DATE '1970-01-01', 2147483647) AS expected_close_day"
/* Its lines as JSON (lines_json), for reads of one or a few. */
#define SALES_OPP_LINES                                                                            \
    "(SELECT json_agg(json_build_object('product_id', l.product_id, 'product_name',"               \
    " l.product_name, 'product_code', l.product_code, 'unit', l.unit, 'quantity', l.quantity,"     \
    " 'unit_price', l.unit_price, 'discount_bp', l.discount_bp, 'amount', l.amount, 'remark',"     \
    " l.remark) ORDER BY l.position) FROM opportunity_lines l WHERE l.opportunity_id = o.id)"      \
    " AS lines_json"

void sales_opps_prepare(crm_db_t *db);
/* Fills row from row i of r (a read with the lines: the lock or
 * "opportunity_get"). Free with sales_opp_row_clear. */
void sales_opp_row(const PGresult *r, int i, opportunity_row_t *row);
void sales_opp_row_clear(opportunity_row_t *row);
/* Adds the writes of every column: "opportunity_insert" or
 * "opportunity_save" (with deleted). */
void sales_opp_write(crm_db_batch_t *b, const char *stmt, const opportunity_t *o, int deleted);
/* Adds the replacement of o's lines by its lines now. */
void sales_opp_write_lines(crm_db_batch_t *b, const opportunity_t *o);

/* A stage change to record: where from (0s: the creation), with what. */
typedef struct {
    int64_t from_stage_id;
    int from_status;
    int back;
    const char *feedback_json; /* [{"field", "value"}] or NULL */
    const char *note;
    int64_t actor_id;
    int64_t at_us;
} sales_stage_change_t;
/* Adds the row of o's entry into its stage (or end) now. */
void sales_opp_write_stage_change(crm_db_batch_t *b, const opportunity_t *o,
                                  const sales_stage_change_t *ch);

/* The event of type about o (OpportunityChanged): by, the reason or note,
 * what changed; from: o as it was (NULL: a creation). */
typedef struct {
    int64_t by;
    const char *reason;
    char **changed;
    size_t n_changed;
    const opportunity_t *from;
    int back;
    Crm__Sales__FeedbackEntry **feedback;
    size_t n_feedback;
} sales_opp_event_t;
void sales_emit_opp(crm_db_batch_t *b, const char *type, opportunity_t *o,
                    const sales_opp_event_t *ev);

/* Who may do what with an opportunity: read it (its owner in the caller's
 * scope, or its team), edit it (the owner's side or read-write team
 * members), manage it (transfer: the owner's side). */
int sales_opp_can_read(const Crm__Caller *caller, const opportunity_t *o);
int sales_opp_can_edit(const Crm__Caller *caller, const opportunity_t *o);

/* Lines as a create or an edit gives them, against the products read as r
 * (id, name, code, unit, list_price, enabled): each product known and
 * enabled, its name, code and unit copied, its list price when the unit
 * price is 0, the amount computed. out[0..n) are made (calloc'd) and
 * filled; the caller frees each with free() (their strings point into r).
 * 0, or -1 with err naming the line's field. */
int sales_lines_price(Crm__Sales__OpportunityLine *const *in, size_t n, const PGresult *r,
                      Crm__Sales__OpportunityLine **out, crm_err_t *err);
/* Adds to t's round the read "products" of the lines' products. */
void sales_read_products(crm_txn_t *t, Crm__Sales__OpportunityLine *const *lines, size_t n);
/* The sum of the lines' amounts. */
int64_t sales_lines_total(Crm__Sales__OpportunityLine *const *lines, size_t n);

/* Adds to t's round the read "contacts": which of ids[0..n) are customer
 * id's live contacts in the read model. */
void sales_read_contacts(crm_txn_t *t, int64_t customer, const int64_t *ids, size_t n);
/* During decide: 0 when every id is one, else -1 with err on contact_ids. */
int sales_contacts_ok(crm_txn_t *t, int64_t customer, const int64_t *ids, size_t n, crm_err_t *err);

/* Checks the typed fields an opportunity's create or edit gives (NULL or
 * !has: not given), every fault at once: name, contact ids (at most 20,
 * each >= 1, none twice), amount, the expected close date, source, remark,
 * team ids (at most 50 each, >= 1, none twice, none in both lists), the
 * lines, the next contact time, the win probability. 1 if fine, else fails
 * call. */
typedef struct {
    const char *name, *expected_close_date, *source, *remark;
    const int64_t *contact_ids;
    size_t n_contact_ids;
    int has_contacts;
    int has_amount;
    int64_t amount;
    Crm__Sales__OpportunityLine *const *lines;
    size_t n_lines;
    int has_lines;
    const int64_t *members, *readers;
    size_t n_members, n_readers;
    int has_members, has_readers;
    int64_t next_contact_at_us, lead_id;
    int has_probability;
    int32_t win_probability;
} sales_opp_input_t;
int sales_opp_check(crm_rpc_call_t *call, const sales_opp_input_t *in);
/* The owner is not on the team (the team is the others): 1, or fails call
 * naming the list and returns 0. */
int sales_team_without(crm_rpc_call_t *call, int64_t owner, const int64_t *members,
                       size_t n_members, const int64_t *readers, size_t n_readers);

void sales_opp_create_handlers(sales_t *s);   /* CreateOpportunity */
void sales_opp_kind_handlers(sales_t *s);     /* Update, Transfer, Delete */
void sales_opp_stage_handlers(sales_t *s);    /* ChangeStage, Reopen */
void sales_opp_followup_handlers(sales_t *s); /* FollowUpOpportunity, ListOpportunityFollowUps */
void sales_opp_list_handlers(sales_t *s);     /* Get, List, History */
void sales_opp_board_handlers(sales_t *s);    /* GetStageView */
void sales_funnel_handlers(sales_t *s);       /* GetFunnel, GetForecast (sales_funnel.c) */

/* A department and every department under it, from the organisation's
 * read model (the department itself even when the model does not know
 * it). $? is the department. */
#define SALES_SUBTREE                                                                              \
    "(WITH RECURSIVE down(id, depth) AS (SELECT $?::bigint, 1 UNION ALL SELECT d.id,"              \
    " down.depth + 1 FROM crm_org_departments d JOIN down ON d.parent_id = down.id"                \
    " WHERE down.depth < 64) SELECT id FROM down)"

/* Days in each stage (sales_stays.c, sql/011): the read of the stays of
 * pipeline over [from, to) (dates in time zone tz) in scope: id is the
 * person's or the department's (its subtree). */
crm_sqlbuf_t *sales_stays_sql(int64_t pipeline, Crm__Sales__ReportScope scope, int64_t id,
                              const char *from, const char *to, const char *tz);
/* Sets the stay_count and average_stay_s of the n stages from rows (a
 * read of sales_stays_sql). */
void sales_stays_apply(const PGresult *rows, Crm__Sales__FunnelStage **stages, size_t n);

/* The list's pieces the stage view builds on (sales_opp_list.c): its
 * checks; the order of a sort (its cursors' tag written into tag); the
 * crm_view_t of each OpportunityView; the page statement of the list req
 * in scope s; and its rows without paging (columns selected), for counts
 * and sums. */
int sales_opp_list_check(crm_rpc_call_t *call, const Crm__Sales__ListOpportunitiesRequest *req);
void sales_opp_list_order(int sort, int ascending, char tag[48], crm_keyset_t *order);
extern const crm_view_t sales_opp_views[];
crm_sqlbuf_t *sales_opp_list_sql(const Crm__Sales__ListOpportunitiesRequest *req,
                                 const crm_view_scope_t *s, const crm_page_t *pg);
crm_sqlbuf_t *sales_opp_list_rows(const Crm__Sales__ListOpportunitiesRequest *req,
                                  const crm_view_scope_t *s, const char *columns);

/* The stage view's sums from the totals kept by the writes
 * (sales_opp_totals.c, sql/006): the statement of the count and amount per
 * stage of the list request l's open opportunities in scope (stage_id,
 * count, amount), or NULL when l narrows by more than the totals are kept
 * by (pipeline, department, owner): the team view, a customer, amounts,
 * expected close dates, a keyword. */
crm_sqlbuf_t *sales_totals_sums(const Crm__Sales__ListOpportunitiesRequest *l,
                                const crm_view_scope_t *scope);
/* Folds the writers' deltas into the totals, and the funnel's pending
 * events into their days, every CRM_SALES_FOLD_MS (default 1000) until the
 * service stops. */
void sales_totals_start(sales_t *s);

/* Stale opportunities (sales_stale.c): sets the stale days from
 * CRM_SALES_STALE_DAYS and declares the "sales.stale" job. */
void sales_stale_start(sales_t *s);
/* Contracts reaching their end (sales_contract_expiry.c): writes the time
 * zone and CRM_SALES_CONTRACT_REMIND_DAYS into sales_settings and declares
 * "sales.contract_expiry" and "sales.contract_expiring". */
void sales_contract_expiry_start(sales_t *s);

/* The opportunity kind of the change engine (sales_opp_kind.c): locked,
 * acted on by its owner's side, saved with its history entry, announced as
 * opportunity.<action>, replied with. */
extern const crm_change_kind_t sales_opp_kind;
static inline opportunity_row_t *sales_opp_of(const crm_change_t *c, size_t i)
{
    return crm_change_record(c, i);
}
/* An op's may_act: those who may edit it (read-write team members
 * included); read-only members are told so, others do not see it. */
int sales_opp_may_edit(crm_change_t *c, const void *rec);
/* An op's may_act: those who may read it (follow-ups). */
int sales_opp_may_read(crm_change_t *c, const void *rec);
/* During apply: may o take action (the status table)? 0, or -1 after
 * refusing with the table's reason. */
int sales_opp_allows(crm_change_t *c, const opportunity_t *o, int action);
/* The reply of a single-record op: the opportunity. */
void sales_opp_single_reply(crm_change_t *c);

/* ---- contracts (合同): sales_contract_*.c, sales_doc_refs.c ---- */

typedef Crm__Sales__Contract contract_t;
#define SALES_CONTRACT_COLUMNS                                                                     \
    "k.id, k.number, k.name, k.customer_id, COALESCE((SELECT c.name FROM sales_customers c"        \
    " WHERE c.id = k.customer_id), '') AS customer_name, COALESCE(k.opportunity_id, 0) AS"         \
    " opportunity_id, k.amount, COALESCE(k.sign_date::text, '') AS sign_date,"                     \
    " COALESCE(k.start_date::text, '') AS start_date, COALESCE(k.end_date::text, '') AS end_date," \
    " k.customer_signatory, k.signatory_id, k.status, k.attachments, k.owner_id,"                  \
    " k.department_id, k.remark, k.creator_id, crm_us(k.created_at) AS created_at_us,"             \
    " crm_us(k.updated_at) AS updated_at_us, crm_us(k.signed_at) AS signed_at_us,"                 \
    " crm_us(k.terminated_at) AS terminated_at_us, k.terminate_reason"

void sales_contracts_prepare(crm_db_t *db);
void sales_contract_row(const PGresult *r, int i, contract_t *k); /* free: ..._clear */
void sales_contract_row_clear(contract_t *k);
/* Adds "contract_insert" or "contract_save" of every column of k. */
void sales_contract_write(crm_db_batch_t *b, const char *stmt, const contract_t *k);
/* contract.<action> about k (from_status: before; 0 a creation). */
void sales_emit_contract(crm_db_batch_t *b, const char *type, contract_t *k, int64_t by,
                         const char *reason, char **changed, size_t n, int from_status);
/* Who reads a contract: its owner's side, and the people of the levels its
 * last submission has reached (as an order's); who acts on it: its owner's
 * side. */
int sales_contract_can_read(const Crm__Caller *caller, const contract_t *k);
/* Checks the typed fields of a contract's create or edit (NULL or !has:
 * not given), every fault at once. 1 if fine, else fails call. */
typedef struct {
    const char *number, *name, *sign_date, *start_date, *end_date, *customer_signatory, *remark;
    int has_amount;
    int64_t amount, signatory_id;
    char *const *attachments;
    size_t n_attachments;
} sales_contract_input_t;
int sales_contract_check(crm_rpc_call_t *call, const sales_contract_input_t *in);
/* The end date not before the start date: 0, or -1 with err on end_date. */
int sales_contract_dates_ok(const contract_t *k, crm_err_t *err);
/* A record's number: the pattern of env (default def), checked once (the
 * service does not start with a bad one). */
const char *sales_number_pattern(const char *env, const char *def);
/* Adds to t's round the read "number" of kind's next number on the
 * business day in zone tz (sql/020: its day and sequence). */
void sales_read_number(crm_txn_t *t, const char *kind, const char *tz);
/* During decide: the number (kept by the caller: free) from pattern. */
char *sales_number_of(crm_txn_t *t, const char *pattern);
/* A create's number: given (the read "unique" of kind's taken statement),
 * else the next generated (sales_read_number). */
void sales_read_doc_number(crm_txn_t *t, const char *kind, const char *taken, const char *given,
                           const char *tz);
/* During decide: *number given (trimmed, the caller's) and taken by no
 * other noun, else the next from pattern (set, the caller frees): 0, or -1
 * after refusing. */
int sales_doc_number_ok(crm_txn_t *t, const char *noun, const char *pattern, char **number);

void sales_contract_create_handlers(sales_t *s); /* CreateContract */
void sales_contract_kind_handlers(sales_t *s);   /* Update, Submit, Sign, Terminate */
void sales_contract_list_handlers(sales_t *s);   /* Get, List, History */

/* What a contract or an order refers to (sales_doc_refs.c): a customer the
 * caller sees, perhaps one of its opportunities (that the caller reads) or
 * contracts; the customer may be given by the opportunity or the contract
 * alone. In round 1: the reads "customer", "ref_opportunity",
 * "ref_contract". */
typedef struct {
    int64_t customer_id, opportunity_id, contract_id;
    const char *customer_name;  /* during decide, as the read model names it */
    int64_t opportunity_amount; /* the opportunity's amount (0: none) */
} sales_doc_refs_t;
void sales_read_doc_refs(crm_txn_t *t, const sales_doc_refs_t *r);
/* Before the create's transaction: no id negative, a customer named (or
 * an opportunity or a contract), the owner (owner_id, else the caller) in
 * the caller's scope. The owner, or 0 after failing call. */
int64_t sales_doc_owner(crm_rpc_call_t *call, const sales_doc_refs_t *r, int64_t owner_id,
                        int64_t department_id, const char *nouns);
/* During decide: 0 with r filled, or -1 after refusing naming the field. */
int sales_doc_refs_ok(crm_txn_t *t, sales_doc_refs_t *r);

/* ---- orders (销售订单): sales_order_*.c ---- */

typedef Crm__Sales__Order order_t;
typedef struct {
    order_t o;
    Crm__Sales__OpportunityLine **lines; /* decoded for it (owned) */
    size_t n_lines;
    Crm__Sales__ApprovalStep **steps; /* its approval_json decoded (owned; a read of one) */
    size_t n_steps;
} order_row_t;
#define SALES_ORDER_COLUMNS                                                                        \
    "d.id, d.number, d.customer_id, COALESCE((SELECT c.name FROM sales_customers c WHERE c.id ="   \
    " d.customer_id), '') AS customer_name, COALESCE(d.opportunity_id, 0) AS opportunity_id,"      \
    " COALESCE(d.contract_id, 0) AS contract_id, d.subtotal, d.discount_bp, d.amount, d.status,"   \
    " d.delivery_status, d.approver_id, d.approval_comment, crm_us(d.submitted_at) AS"             \
    " submitted_at_us, crm_us(d.decided_at) AS decided_at_us, d.owner_id, d.department_id,"        \
    " d.remark, d.creator_id, crm_us(d.created_at) AS created_at_us, crm_us(d.updated_at) AS"      \
    " updated_at_us, crm_us(d.shipped_at) AS shipped_at_us, d.paid_amount,"                        \
    " d.pending_payment_amount, d.amount - d.paid_amount AS outstanding_amount"

void sales_orders_prepare(crm_db_t *db);
void sales_order_row(const PGresult *r, int i, order_row_t *row); /* free: ..._clear */
void sales_order_row_clear(order_row_t *row);
/* Adds "order_insert" or "order_save" of every column of o. */
void sales_order_write(crm_db_batch_t *b, const char *stmt, const order_t *o);
/* order.<action> about o (from: before; NULL a creation). */
void sales_emit_order(crm_db_batch_t *b, const char *type, order_t *o, int64_t by,
                      const char *reason, char **changed, size_t n, const order_t *from);
/* Who reads an order: its owner's side, its approver, and the people of
 * its last submission's levels (their approvers, deciders, and the holders
 * of a role level's role but the owner). */
int sales_order_can_read(const Crm__Caller *caller, const order_t *o);
/* Checks an order's typed fields (NULL or !has_lines: not given), every
 * fault at once: the number, 1..100 lines, the discount, the remark. 1 if
 * fine, else fails call. */
int sales_order_check(crm_rpc_call_t *call, const char *number,
                      Crm__Sales__OpportunityLine *const *lines, size_t n_lines, int has_lines,
                      int32_t discount_bp, const char *remark);

void sales_order_create_handlers(sales_t *s); /* CreateOrder */
/* Update, Submit, Approve, Reject, Withdraw, Void, Ship, Transfer */
void sales_order_kind_handlers(sales_t *s);
void sales_order_list_handlers(sales_t *s); /* Get, List (待我审批), History */

/* Product lines as JSON (sales_opp_store.c): encoded (with their
 * positions 1.. when with_position; free the text), decoded from text
 * (NULL: none; free with sales_lines_free). */
char *sales_lines_encode(Crm__Sales__OpportunityLine *const *lines, size_t n, int with_position);
void sales_lines_decode(const char *text, Crm__Sales__OpportunityLine ***out, size_t *n);
void sales_lines_free(Crm__Sales__OpportunityLine **lines, size_t n);

/* Reading contracts, orders and payments (sales_doc_list.c). A kind gives
 * its noun ("order"), the statement reading one by id ("order_get") and
 * read: whether the caller may read the record of r's first row (1, or 0:
 * answered as not found), replying to call with it when reply is set. */
typedef struct {
    const char *noun;
    const char *stmt;
    int (*read)(crm_rpc_call_t *call, const PGresult *r, int reply);
} sales_doc_t;
/* Get<Kind>: the record by id, for a caller who may read it. */
void sales_doc_get(sales_t *s, crm_rpc_call_t *call, const sales_doc_t *doc, int64_t id);
/* <Kind>History: its history, for a caller who may read it. */
void sales_doc_history(sales_t *s, crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req,
                       const sales_doc_t *doc);
typedef struct {
    crm_key_t keys[2];
    const char *tag;
} sales_sort_t;
typedef struct {
    const char *select; /* "SELECT <columns> FROM <table> <alias> WHERE true" */
    const char *alias;
    const crm_view_t *views; /* by the request's view value */
    int n_views;
    const sales_sort_t *sorts; /* by the request's sort value */
    int n_sorts;
    const crm_filter_t *filters;
    size_t n_filters;
    /* The team view's condition for the caller (NULL: none): an order's
     * 待我审批. */
    void (*team)(crm_sqlbuf_t *q, const char *alias, const Crm__Caller *caller);
    const ProtobufCMessageDescriptor *list;
} sales_doc_list_t;
typedef struct {
    int view, sort, ascending, total;
    int32_t limit;
    const char *cursor;
    const int64_t *owner_ids;
    size_t n_owner_ids;
} sales_list_ask_t;
/* The ask of a List*Request: every one names these fields alike. */
#define SALES_LIST_ASK(req)                                                                        \
    ((sales_list_ask_t){.view = (req)->view,                                                       \
                        .sort = (req)->sort,                                                       \
                        .ascending = (req)->ascending,                                             \
                        .total = (req)->total,                                                     \
                        .limit = (req)->limit,                                                     \
                        .cursor = (req)->cursor,                                                   \
                        .owner_ids = (req)->owner_ids,                                             \
                        .n_owner_ids = (req)->n_owner_ids})
/* A sort by the time column col of the rows aliased alias (col_us in the
 * row read), then by id; tag names it in cursors. */
#define SALES_SORT_TIME(alias, col, tag_)                                                          \
    {                                                                                              \
        {{.sql = alias "." col, .column = col "_us", .type = CRM_KEY_TIME}, CRM_KEY_ID}, tag_      \
    }
void sales_doc_list(sales_t *s, crm_rpc_call_t *call, const sales_doc_list_t *spec,
                    const ProtobufCMessage *req, const sales_list_ask_t *ask);

/* ---- payments (回款): sales_payment_*.c ---- */

typedef Crm__Sales__Payment payment_t;
#define SALES_PAYMENT_COLUMNS                                                                      \
    "m.id, m.order_id, (SELECT d.number FROM orders d WHERE d.id = m.order_id) AS order_number,"   \
    " m.customer_id, COALESCE((SELECT c.name FROM sales_customers c WHERE c.id ="                  \
    " m.customer_id), '') AS customer_name, COALESCE(m.contract_id, 0) AS contract_id, m.amount,"  \
    " m.paid_date::text AS paid_date, m.method, m.payer_account, m.remark, m.status,"              \
    " m.refunded_amount, m.refund_reason, m.reviewer_id, m.review_comment,"                        \
    " crm_us(m.reviewed_at) AS reviewed_at_us, m.owner_id, m.department_id, m.creator_id,"         \
    " crm_us(m.created_at) AS created_at_us, crm_us(m.updated_at) AS updated_at_us,"               \
    " COALESCE(m.plan_id, 0) AS plan_id"

void sales_payments_prepare(crm_db_t *db);
/* Adds "payment_insert" or "payment_save" of every column of p. */
void sales_payment_write(crm_db_batch_t *b, const char *stmt, const payment_t *p);
/* Adds the move of order_id's paid and pending amounts by the deltas. */
void sales_payment_order_moves(crm_db_batch_t *b, int64_t order_id, int64_t paid, int64_t pending);
/* payment.<action> about p (from_status: before; 0 a creation; amount: a
 * refund's). */
void sales_emit_payment(crm_db_batch_t *b, const char *type, payment_t *p, int64_t by,
                        const char *reason, int from_status, int64_t amount);
/* Who reads a payment: its owner's side. Who confirms, rejects and refunds
 * it (finance): admins, and the managers above its owner, never its owner. */
int sales_payment_can_read(const Crm__Caller *caller, const payment_t *p);
int sales_payment_is_finance(const Crm__Caller *caller, const payment_t *p);

void sales_payment_create_handlers(sales_t *s); /* CreatePayment */
void sales_payment_kind_handlers(sales_t *s);   /* Confirm, Reject, Refund */
void sales_payment_list_handlers(sales_t *s);   /* Get, List, History */

/* ---- performance (业绩) and targets (业绩目标): sales_perf*.c, sales_targets.c ---- */

void sales_perf_prepare(crm_db_t *db);
/* Registers the targets' statements (sales_targets.c). */
void sales_targets_prepare(crm_db_t *db);
void sales_perf_handlers(sales_t *s);   /* GetPerformance, GetRanking */
void sales_target_handlers(sales_t *s); /* SetTargets, GetTargets */

/* ---- sales_handover.c ---- */

/* How the opportunities of someone who leaves go to their successor
 * (crm/org.h). */
const crm_org_handover_t *sales_handover(void);

/* ---- wiring ---- */

/* Serves every Sales.* RPC (fails the start if one has no handler). */
void sales_rpc_register(sales_t *s);

#endif
