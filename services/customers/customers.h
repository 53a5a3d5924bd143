/* customers.h: what the customers service's files share: the service
 * context, the customer record in memory, the store (SQL), who may do
 * what, the change engine every action on existing customers goes through,
 * and the events it emits. Contacts (customers_contacts.c) and enterprises
 * (customers_enterprises.c) are records of this service too. */
#ifndef CUSTOMERS_H
#define CUSTOMERS_H

#include <libpq-fe.h>

#include "crm/change.h"
#include "crm/form.h"
#include "crm/history.h"
#include "crm/job.h"
#include "crm/org.h"
#include "crm/pool.h"
#include "crm/scope.h"
#include "crm/rowmap.h"
#include "crm/service.h"
#include "crm/sqlbuf.h"
#include "crm/txn.h"
#include "customers.glue.h"
#include "customers.pb-c.h"
#include "events.pb-c.h"

/* Largest batch of ids one action takes. */
#define CUSTOMERS_MAX_IDS 500
/* Most members of one customer's team. */
#define CUSTOMERS_TEAM_MAX 50

typedef struct {
    crm_service_t *svc;
    crm_db_t *db;
    crm_relay_t *relay;
    const char *tz;                /* the business time zone */
    crm_txn_env_t env;             /* where changes go (ctx: this) */
    customers_handlers_t handlers; /* what serves Customers.* (customers.glue.h) */
    crm_rpc_client_t *leads;       /* the leads service (duplicates), NULL if not deployed */
} customers_t;

typedef Crm__Customers__Customer customer_t;

/* ---- customers_store.c: rows and statements ---- */

/* A customer read from the database. Strings point into the result it was
 * read from; tags and the team are owned here. */
typedef struct {
    customer_t c;
    int deleted; /* set by a delete: the save marks the row deleted */
} customer_row_t;

/* A held customer's recycle deadline, stored on its row and kept current
 * by the trigger of sql/008 from its pool's rules (customer_deadline):
 * when it goes back, when its owner is warned, the rule, that rule's N,
 * whole days left; its last opportunity and open ones (kept by sales). */
/* clang-format off */
#define CUSTOMER_DEADLINE_COLUMNS_AS(US)                                                           \
    US("c.recycle_at", "recycle_at_us") ", " US("c.recycle_warn_at", "recycle_warn_at_us") ","     \
    " array_position(ARRAY['followup', 'opportunity', 'deal'], c.recycle_rule) AS recycle_rule,"   \
    " c.recycle_rule_days, GREATEST(0, ceil(extract(epoch FROM c.recycle_at - now()) / 86400))"    \
    "::int AS recycle_days_left, " US("c.last_opportunity_at", "last_opportunity_at_us") ","       \
    " c.open_opportunities"
/* clang-format on */
#define CUSTOMER_DEADLINE_COLUMNS CUSTOMER_DEADLINE_COLUMNS_AS(CRM_US_TEXT)

/* The columns every customer read selects, each named after its field of
 * customer_t (crm/rowmap.h), and the team as JSON (team_json, looked up
 * only for a customer whose team has rows: team_size, sql/012); US names
 * the times (CRM_US_TEXT, or CRM_US_BINARY in a statement read in binary:
 * the lists). */
/* clang-format off */
#define CUSTOMER_COLUMNS_AS(US)                                                                    \
    "c.id, c.name, c.mobile, c.telephone, c.email, c.company, c.source, c.level, c.industry,"      \
    " c.owner_id, c.department_id, c.pool_id, COALESCE(c.lead_id, 0) AS lead_id, "                 \
    US("c.last_followup_at", "last_followup_at_us") ", " US("c.created_at", "created_at_us") ", "  \
    US("c.updated_at", "updated_at_us") ", c.wechat, c.qq,"                                        \
    " COALESCE(c.enterprise_id, 0) AS enterprise_id, c.type, c.tags, c.province, c.city,"          \
    " c.district, c.address, c.remark, c.legal_representative, c.credit_code, c.bank,"             \
    " c.bank_account, " US("c.next_contact_at", "next_contact_at_us") ", c.creator_id,"            \
    " c.deal_status, " US("c.dealt_at", "dealt_at_us") ", c.locked, c.claim_count,"                \
    " c.last_followup_content, c.completeness, " US("c.owner_since", "owner_since_us") ","         \
    " c.previous_owner_id, " US("c.pooled_at", "pooled_at_us") ","                                 \
    " " CUSTOMER_DEADLINE_COLUMNS_AS(US) ", c.open_opportunity_amount, c.won_opportunities,"        \
    " c.won_opportunity_amount, c.approved_orders, c.approved_order_amount, c.paid_amount,"       \
    " c.pending_payment_amount, c.approved_order_amount - c.paid_amount AS outstanding_amount,"    \
    " CASE WHEN c.team_size > 0 THEN (SELECT json_agg(json_build_array(t.user_id, t.access,"       \
    " crm_us(t.expires_at)) ORDER BY t.user_id) FROM customer_team t WHERE t.customer_id = c.id"   \
    " AND (t.expires_at IS NULL OR t.expires_at > now())) END AS team_json"
/* clang-format on */
#define CUSTOMER_COLUMNS CUSTOMER_COLUMNS_AS(CRM_US_TEXT)

/* The columns every contact read selects (contacts k joined with their
 * customers c), each named after its field of Contact. */
#define CONTACT_COLUMNS                                                                            \
    "k.id, k.customer_id, k.name, k.title, k.mobile, k.telephone, k.email, k.wechat,"              \
    " COALESCE(k.birthday::text, '') AS birthday, k.remark, k.is_primary AS \"primary\","          \
    " k.creator_id, c.owner_id, crm_us(k.created_at) AS created_at_us,"                            \
    " crm_us(k.updated_at) AS updated_at_us, c.name AS customer_name"

/* The condition that the customers c (joined with their pools p: LEFT
 * JOIN customer_pools p ON p.id = c.pool_id) show their contact numbers
 * unmasked to the caller (user: the parameter of the caller's id; all:
 * of whether the caller sees every customer): owned ones, and pooled ones
 * for admins of everything and the pool's admins. A duplicate check finds
 * only those, so a refusal or an import's row never confirms a number the
 * mask hides. */
#define CUSTOMER_UNMASKED(user, all)                                                               \
    "(" all "::boolean OR c.owner_id <> 0 OR " user "::bigint = ANY(p.admin_ids))"

/* Registers the service's statements on db. */
void customers_store_prepare(crm_db_t *db);

/* Fills row from row i of r (read with CUSTOMER_COLUMNS). Free with
 * customers_row_clear. */
void customers_store_row(const PGresult *r, int i, customer_row_t *row);
/* The same for rows [0, n) of r into rows[0..n), matching the columns once
 * (a list's page; text or binary). */
void customers_store_rows(const PGresult *r, size_t n, customer_row_t *rows);
void customers_row_clear(customer_row_t *row);

/* Fills msg (initialised) from row i of r by column names; repeated fields
 * are allocated (crm_rowmap_clear). A column that cannot fill its field is
 * a bug (assert). */
void customers_row_to(const PGresult *r, int i, ProtobufCMessage *msg);

/* Adds the INSERT of a new customer (id and times set) to b. */
void customers_store_insert(crm_db_batch_t *b, const customer_t *c);
/* Adds the UPDATE writing every mutable column of row (and its deletion). */
void customers_store_save(crm_db_batch_t *b, const customer_row_t *row);

/* A history entry of a customer or an enterprise (crm/history.h). */
typedef crm_history_entry_t customers_history_t;
void customers_store_history(crm_db_batch_t *b, const customers_history_t *h);

/* The statement reporting which of level, industry, source (params 1..3)
 * are not in the configured lists: one row per bad field, its name. */
#define CUSTOMERS_CHECK_OPTIONS "customer_check_options"
/* Reads, as "options", which of the values are not configured. */
void customers_read_options(crm_txn_t *t, const char *level, const char *industry,
                            const char *source);
/* During decide: 0, or -1 after refusing the first value not configured. */
int customers_options_ok(crm_txn_t *t);

/* ---- customers_validate.c: the fields people type (pure) ---- */

/* A customer's typed fields as a create, an edit or an import row gives
 * them: NULL strings were not given (an edit's fields outside its mask). */
typedef struct {
    const char *name, *mobile, *telephone, *email, *wechat, *qq, *company, *source, *level,
        *industry, *province, *city, *district, *address, *remark, *legal_representative,
        *credit_code, *bank, *bank_account;
    char *const *tags;
    size_t n_tags;
    int has_tags;
} customer_input_t;

/* A customer_input_t initializer of the typed fields of r, any message
 * with the create's field names (CreateCustomerRequest, an import's
 * CustomerImportRow): every field given, tags included. */
#define CUSTOMER_INPUT_OF(r)                                                                       \
    {                                                                                              \
        (r)->name, (r)->mobile, (r)->telephone, (r)->email, (r)->wechat, (r)->qq, (r)->company,    \
            (r)->source, (r)->level, (r)->industry, (r)->province, (r)->city, (r)->district,       \
            (r)->address, (r)->remark, (r)->legal_representative, (r)->credit_code, (r)->bank,     \
            (r)->bank_account, (r)->tags, (r)->n_tags, 1                                           \
    }

/* The normal forms validation produces. */
typedef struct {
    char mobile[12];
    char telephone[32];
} customer_norm_t;

/* Checks in, adding every field at fault to errs, and normalises its
 * phones into out: 0, or -1. The name is required when given. */
int customers_validate(const customer_input_t *in, customer_norm_t *out, crm_errs_t *errs);

/* The share of a customer's editable fields that are filled, in percent
 * (资料完善度). */
int customers_completeness(const customer_t *c);

/* ---- customers_pools.c: the pools (公海) ---- */

void customers_pools_prepare(crm_db_t *db);
void customers_pools_handlers(customers_t *cs);    /* CreatePool, UpdatePool, GetPool, ... */
void customers_pool_ops_handlers(customers_t *cs); /* PutInPool, Claim, Assign, MovePool */
/* A pool's row (read with customers_pools.c's columns) into p; free with
 * customers_pool_clear. */
void customers_pool_row(const PGresult *r, int i, Crm__Customers__CustomerPool *p);
void customers_pool_clear(Crm__Customers__CustomerPool *p);
/* The kit's view of p (crm/pool.h) in v, pointing into p; NULL for NULL. */
const crm_pool_t *customers_pool_rules(const Crm__Customers__CustomerPool *p, crm_pool_t *v);
int customers_pool_is_admin(const Crm__Customers__CustomerPool *p, const crm_pool_person_t *who);
int customers_pool_is_member(const Crm__Customers__CustomerPool *p, const crm_pool_person_t *who);
/* May caller see a pooled customer of pool (a read of it: no row when not
 * known), given the caller's department path (a read of CRM_ORG_PATH_SQL)?
 * Its members and admins may; *masked says whether its contacts are
 * masked for them (all but the pool's admins). out (may be NULL) gets the
 * pool as read (empty when none), for the mask: clear it with
 * customers_pool_clear. */
int customers_pooled_visible(const Crm__Caller *caller, const PGresult *pool, const PGresult *path,
                             int *masked, Crm__Customers__CustomerPool *out);

/* ---- customers_access.c: who may do what ---- */

/* Is user a team member of c now (not expired)? Its access, or 0. */
Crm__Customers__TeamAccess customers_team_access(const customer_t *c, int64_t user);
/* May the caller read c (and follow it up)? Its data scope, or its team. */
int customers_can_read(const Crm__Caller *caller, const customer_t *c);
/* May the caller read the history of the customer of r's first row? Who
 * may read it, and its previous owner (a recycled or given-up customer's
 * holder keeps its history, not the customer). */
int customers_history_readable(const Crm__Caller *caller, const PGresult *r);
/* Masks c's contact fields (crm_pool_mask, into buf) and blanks the
 * fields pool hides from members; sets masked. */
void customers_mask(customer_t *c, const Crm__Customers__CustomerPool *pool,
                    char buf[5][CRM_POOL_MASK_LEN]);

/* Does the caller see c, given its pool and the caller's department path
 * (reads of customer_pool_of and CRM_ORG_PATH_SQL)? An owned one as
 * customers_can_read says; a pooled one its pool's people, *masked for
 * all but its admins; out (may be NULL) as customers_pooled_visible's. */
int customers_sees(const Crm__Caller *caller, const customer_t *c, const PGresult *pool,
                   const PGresult *path, int *masked, Crm__Customers__CustomerPool *out);
/* Adds to b the reads customers_seen decides on, for customer id (its
 * decimal text): CUSTOMERS_SEEN_READS results, the customer first. */
#define CUSTOMERS_SEEN_READS 3
void customers_seen_reads(crm_db_batch_t *b, const Crm__Caller *caller, const char *id);
/* customers_sees on those reads (r[0..CUSTOMERS_SEEN_READS)); no customer:
 * not seen. */
int customers_seen(const Crm__Caller *caller, PGresult *const *r, int *masked);
/* Masks contact k's mobile, telephone, email and wechat as a pooled
 * customer's are (crm_pool_mask, into buf); sets masked. */
void customers_contact_mask(Crm__Customers__Contact *k, char buf[4][CRM_POOL_MASK_LEN]);
/* May the caller edit c? Its data scope, or its team with write access. */
int customers_can_edit(const Crm__Caller *caller, const customer_t *c);
/* May the caller act for c's owner (transfer, team, delete)? Its scope. */
int customers_can_manage(const Crm__Caller *caller, const customer_t *c);

/* ---- customers_list.c: whose customers a list covers ---- */

typedef struct {
    crm_view_scope_t v; /* whose customers (crm/scope.h) */
    int64_t pool;       /* the pool view: the pooled customers of this pool */
} customers_scope_t;

/* The scope of a view (a CustomerView) for caller c, narrowed to the
 * owners filter[0..nf) when nf. Free with customers_scope_clear. */
void customers_scope(const Crm__Caller *c, int view, const int64_t *filter, size_t nf,
                     customers_scope_t *s);
void customers_scope_clear(customers_scope_t *s);
/* Appends " AND <the scope's condition>" on the customers aliased alias. */
void customers_add_scope(crm_sqlbuf_t *q, const customers_scope_t *s, const char *alias);

/* ---- customers_contacts.c: contacts (联系人) ---- */

/* Checks a contact's typed fields (create: the name is required), their
 * fields named with prefix ("" or "contact."), and normalises its phones
 * into mobile and telephone, pointing k's at them: 0, or -1. */
int customers_contact_check(Crm__Customers__Contact *k, int create, const char *prefix,
                            char mobile[12], char telephone[32], crm_errs_t *errs);
/* Adds the INSERT of a new contact (id and times set) to b. */
void customers_contact_insert(crm_db_batch_t *b, const Crm__Customers__Contact *k);
/* contact.created, contact.updated, contact.deleted. */
void customers_emit_contact(crm_db_batch_t *b, const char *type, Crm__Customers__Contact *k,
                            int64_t by, char **changed, size_t nchanged);
/* Adds to b the demotion of the primary contact of row i of r (read with
 * CONTACT_COLUMNS) at now_us, by user by: its save and its contact.updated
 * (changed: primary). */
void customers_contact_demote(crm_db_batch_t *b, const PGresult *r, int i, int64_t now_us,
                              int64_t by);

/* ---- customers_contacts_many.c: many new contacts at once (imports) ---- */

/* Adds to b the INSERT of the new contacts ks[0..n) (ids, customers,
 * creators and times set; one statement whatever their number) and their
 * contact.created events, each by its creator. Nothing when n is 0. */
void customers_contacts_insert_many(crm_db_batch_t *b, Crm__Customers__Contact *ks, size_t n);
void customers_contacts_many_prepare(crm_db_t *db);

/* ---- customers_kind.c: customers as a record kind of the change engine ---- */

/* The customer kind (crm/change.h): locked with customer_lock_many, acted on
 * by those who may manage it (an op may ask less: customers_may_edit),
 * saved with a history entry, replied with the changed customers. */
extern const crm_change_kind_t customers_kind;

/* Runs op on the customers ids[0..n) for call. */
void customers_change_run(customers_t *cs, crm_rpc_call_t *call, const crm_change_op_t *op,
                          const int64_t *ids, size_t n, const char *reason, void *data);

static inline customer_row_t *customers_row(const crm_change_t *c, size_t i)
{
    return crm_change_record(c, i);
}

static inline const customer_t *customers_before(const void *prev)
{
    return &((const customer_row_t *)prev)->c;
}

/* The pool id among those the change read (0: the default pool), or NULL;
 * the caller as a pool person (their department path included). */
const Crm__Customers__CustomerPool *customers_change_pool(const crm_change_t *c, int64_t id);
const crm_pool_person_t *customers_change_person(const crm_change_t *c);
/* For a pooled customer: 0 for its pool's admins; its members are told to
 * claim it (failed_precondition), to others it is not found. */
int customers_may_act_pooled(crm_change_t *c, const customer_t *cust);
/* Masks customer i's contacts (and its pool's hidden fields) when the
 * caller must not see them (reply time). */
void customers_change_mask(crm_change_t *c, size_t i);

/* Gives row to owner (checked against the read "org"), its department the
 * named one or the owner's, the owner's time now, one more claim count:
 * 0, or -1 after refusing (customers_actions.c). */
int customers_give(crm_change_t *c, customer_row_t *row, int64_t owner, int64_t named_dept);

/* An op's may_act for edits: those who may edit (team members with write
 * access included); read-only team members are told so. */
int customers_may_edit(crm_change_t *c, const void *rec);

/* The changes of a history entry: each followed field that differs between
 * before and after as {field, old, new} in the wire form, inside op_detail
 * (a JSON object, or NULL). NULL when both are empty; caller frees. */
char *customers_history_detail(const char *op_detail, const customer_t *before,
                               const customer_t *after);
/* The wire names of the followed fields that differ, at most max, into
 * out (allocated: free each). Returns how many. */
size_t customers_changed_fields(const customer_t *before, const customer_t *after, char **out,
                                size_t max);

/* ---- customers_events.c (consumed), customers_emit.c (emitted) ---- */

/* Registers the conversion's statement. */
void customers_events_prepare(crm_db_t *db);
/* Starts consuming the leads and scheduler streams. */
void customers_events_start(customers_t *c);
/* customer.created; opportunity (may be NULL): the one a conversion asked
 * for, for the sales service to make. */
void customers_emit_created(crm_db_batch_t *b, customer_t *c,
                            Crm__Leads__ConversionOpportunity *opportunity);
/* customer.updated, customer.team_changed, customer.deleted. */
void customers_emit_changed(crm_db_batch_t *b, const char *type, customer_t *c, int64_t by,
                            const char *reason, char **changed, size_t nchanged);
void customers_emit_transferred(crm_db_batch_t *b, customer_t *c, int64_t from, int64_t by,
                                const char *reason);

/* ---- customers_sales.c: what it keeps from the sales service's events ---- */

/* Registers the statements of the opportunities' totals and summary. */
void customers_sales_prepare(crm_db_t *db);
/* Starts consuming the sales stream (opportunity.*, contract.signed, order.*,
 * payment.*), if sales is deployed. */
void customers_sales_consume(customers_t *c);
/* Adds to b the read of a customer's sales summary (by its id, or by_lead:
 * by the lead it came from), for customers_sales_fill. */
void customers_sales_read(crm_db_batch_t *b, const char *id, int by_lead);
/* The summary of r (that read) into *s and its totals t[0..5), pointing
 * there (nothing to free). */
void customers_sales_fill(const PGresult *r, Crm__Customers__CustomerSales *s,
                          Crm__Customers__OpportunityTotal t[5]);
/* The orders and payments of customer c (its columns, kept from sales'
 * order.* and payment.* events) into *s, its approved orders in *orders. */
void customers_sales_fill_money(const customer_t *c, Crm__Customers__CustomerSales *s,
                                Crm__Customers__OpportunityTotal *orders);
/* A change's read of its customers' sales records as this service keeps
 * them (opportunities not deleted, as "opportunities"; orders, voided ones
 * too, as "orders"), and their counts for customer id once read. */
void customers_sales_read_many(crm_change_t *c);
int64_t customers_sales_opportunities(crm_change_t *c, int64_t id);
int64_t customers_sales_orders(crm_change_t *c, int64_t id);

/* ---- handlers: each fills its slots of the table ---- */

void customers_rpc_handlers(customers_t *cs);         /* Create, Get, GetByLead, Update */
void customers_actions_handlers(customers_t *cs);     /* Delete, Transfer, team members */
void customers_followup_handlers(customers_t *cs);    /* FollowUp, ListFollowUps */
void customers_list_handlers(customers_t *cs);        /* List, History, EnterpriseHistory */
void customers_options_handlers(customers_t *cs);     /* GetOptions, SetOptions */
void customers_recycle_handlers(customers_t *cs);     /* Recycle */
void customers_contacts_handlers(customers_t *cs);    /* contacts */
void customers_enterprises_handlers(customers_t *cs); /* enterprises */
void customers_contacts_prepare(crm_db_t *db);
void customers_enterprises_prepare(crm_db_t *db);
void customers_dedup_handlers(customers_t *cs); /* CheckDuplicates */
void customers_lock_handlers(customers_t *cs);  /* Lock, Unlock, SetDeal */
void customers_dedup_prepare(crm_db_t *db);
void customers_import_handlers(customers_t *cs); /* StartImport */
void customers_import_prepare(crm_db_t *db);
void customers_contact_import_handlers(customers_t *cs); /* StartContactImport */
void customers_import_rpc_handlers(customers_t *cs);     /* both kinds' chunks, get, cancel, list */
void customers_contact_import_prepare(crm_db_t *db);

/* Serves every Customers.* RPC (fails the start if one has no handler). */
void customers_rpc_register(customers_t *cs);

/* ---- customers_rules.c: a pool's recycle rules ---- */

/* The rules of a pool as stored (the JSON array of sql/008) onto p's
 * recycle_rules (owned by p: customers_rules_clear). */
void customers_rules_decode(const char *text, Crm__Customers__CustomerPool *p);
void customers_rules_clear(Crm__Customers__CustomerPool *p);
/* The stored form of rules (caller frees). */
char *customers_rules_json(Crm__Customers__CustomerRecycleRule *const *rules, size_t n);
/* 1 if the caller manages customer pools and their rules (admins); else
 * refuses the call and returns 0. */
int customers_pools_admin_only(crm_rpc_call_t *call);
/* Checks rules as given: 0, or -1 with *err naming the rule's field. */
int customers_rules_check(Crm__Customers__CustomerRecycleRule *const *rules, size_t n,
                          crm_err_t *err);
/* The levels the rules name, as a text[] literal (caller frees). */
char *customers_rules_levels(Crm__Customers__CustomerRecycleRule *const *rules, size_t n);
/* Adds to b the recomputation of the deadlines of pool_id's held
 * customers from its rules as written before in the same transaction. */
void customers_rules_recompute(crm_db_batch_t *b, int64_t pool_id);
void customers_rules_prepare(crm_db_t *db);
void customers_rules_handlers(customers_t *cs); /* PreviewPoolRules */

/* ---- customers_recycle.c ---- */

void customers_recycle_prepare(crm_db_t *db);
/* The "customers.recycle" job's work (a crm_job_fn): the automatic pools'
 * customers past their deadline. */
void customers_recycle_job(void *arg, crm_job_run_t *run);
/* The same inside the run's transaction for one pool (pool_id > 0,
 * automatic or manual) or the automatic ones (0); ends the run
 * (crm_job_end) with the customer.recycled events and the count, or the
 * failure. */
void customers_recycle(crm_job_run_t *run, int64_t pool_id);

/* The "customers.remind" job's work (a crm_job_fn): customer.recycle_warning
 * for each held customer past its stored warning time, once per deadline. */
void customers_remind_job(void *arg, crm_job_run_t *run);
/* The "customers.remind_contacts" job's work: customer.reminder for each
 * held customer whose next contact time has come, once per that time. */
void customers_remind_contacts_job(void *arg, crm_job_run_t *run);

/* ---- customers_digest.c, customers_escalate.c ---- */

/* Declares the "customers.digest" job (daily: each owner's customers to
 * contact today, about to be recycled, overdue; crm/digest.h). */
void customers_digest_declare(customers_t *c);
/* Declares the "customers.escalate" job (next contact times left undone to
 * the owner's manager; crm/escalation.h). */
void customers_escalate_declare(customers_t *c);

/* ---- customers_snapshot.c ---- */

/* The snapshot of every customer and its contacts (customer.snapshot,
 * contact.snapshot) a consumer too far behind to replay rebuilds its read
 * model from (the sales service's, sales_customers.c). */
#define CUSTOMERS_SNAPSHOT "customers"
void customers_snapshot_serve(customers_t *c);

/* ---- customers_handover.c ---- */

/* How the customers of someone who leaves go to their successor (crm/org.h). */
const crm_org_handover_t *customers_handover(void);

#endif
