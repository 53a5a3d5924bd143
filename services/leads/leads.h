/* leads.h: what the leads service's files share: the service context, the
 * lead record in memory, the store (SQL), the rules (status moves, access),
 * the change engine every action on existing leads goes through, and the
 * events it emits. */
#ifndef LEADS_H
#define LEADS_H

#include <libpq-fe.h>

#include "crm/change.h"
#include "crm/job.h"
#include "crm/org.h"
#include "crm/sqlbuf.h"
#include "crm/pool.h"
#include "crm/rowmap.h"
#include "crm/service.h"
#include "events.pb-c.h"
#include "leads.glue.h"
#include "leads.pb-c.h"

/* Largest batch of ids one action takes. */
#define LEADS_MAX_IDS 500

typedef struct {
    crm_service_t *svc;
    crm_db_t *db;
    crm_cache_t *cache;
    crm_relay_t *relay;
    const char *tz;              /* the business time zone */
    crm_txn_env_t env;           /* where changes go (db, cache, relay; ctx: this) */
    leads_handlers_t handlers;   /* what serves Leads.* (leads.glue.h) */
    int probe_budget;            /* CRM_DEDUP_MASKED_DAILY: masked probes per user per day */
    crm_rpc_client_t *customers; /* the customers service (duplicates), NULL if not deployed */
} leads_t;

typedef Crm__Leads__LeadStatus lead_status_t;
#define LS(x) CRM__LEADS__LEAD_STATUS__LEAD_STATUS_##x

/* ---- leads_store.c: rows and statements ---- */

/* A lead read from the database. Strings point into the result it was read
 * from, except tags and team_member_ids (owned here). */
typedef struct {
    Crm__Leads__Lead lead;
    int deleted; /* set by a delete: the save marks the row deleted */
} lead_row_t;

/* The columns every lead read selects, each named after its field of
 * Crm__Leads__Lead (leads_store_row maps them by name; order is free); US
 * names the times (CRM_US_TEXT, or CRM_US_BINARY in a statement read in
 * binary: the lists). */
/* clang-format off */
#define LEAD_COLUMNS_AS(US)                                                                        \
    "id, name, mobile, telephone, email, company, source, level, industry, remark, owner_id,"      \
    " department_id, creator_id, status, " US("created_at", "created_at_us") ", "                  \
    US("updated_at", "updated_at_us") ", " US("converted_at", "converted_at_us") ", wechat, qq,"   \
    " tags, province, city, district, address, " US("next_followup_at", "next_followup_at_us") "," \
    " " US("last_followup_at", "last_followup_at_us") ", last_followup_content, pool_id,"          \
    " previous_owner_id, " US("owner_since", "owner_since_us") ","                                 \
    " " US("pooled_at", "pooled_at_us") ", team_member_ids"
/* clang-format on */
#define LEAD_COLUMNS LEAD_COLUMNS_AS(CRM_US_TEXT)

/* Registers the service's statements on db. */
void leads_store_prepare(crm_db_t *db);

/* Adds the two reads that decide whether a caller may see lead id: the
 * lead (LEAD_COLUMNS, no row if deleted) and its pool (POOL_COLUMNS, no row
 * if none). */
void leads_store_add_lead_and_pool(crm_db_batch_t *b, int64_t id);

/* Fills msg (initialised by the caller) from row i of r, each column into
 * the field of its name (crm/rowmap.h); repeated fields are allocated
 * (crm_rowmap_clear). The service's statements name their columns after
 * the fields, so a column that cannot fill its field is a bug (assert). */
void leads_row_to(const PGresult *r, int i, ProtobufCMessage *msg);

/* Fills row from row i of r (its columns by name). Free with
 * leads_row_clear. */
void leads_store_row(const PGresult *r, int i, lead_row_t *row);
void leads_row_clear(lead_row_t *row);

/* Adds the INSERT of a new lead (id and times included) to b. */
void leads_store_insert(crm_db_batch_t *b, const Crm__Leads__Lead *lead);

/* Adds the UPDATE that writes every mutable column of row (and its
 * deletion) to b. */
void leads_store_save(crm_db_batch_t *b, const lead_row_t *row);

/* Adds a history entry to b. */
typedef struct {
    int64_t lead_id;
    const char *action;
    int64_t actor_id;
    int64_t at_us;
    int64_t from_owner_id, to_owner_id, pool_id;
    const char *reason;
    const char *detail;
} lead_history_t;
void leads_store_history(crm_db_batch_t *b, const lead_history_t *h);

/* The statement that reports which of level, industry, source (params 1..3)
 * are not in the configured lists: one row per bad field, its name. */
#define LEADS_CHECK_OPTIONS "lead_check_options"

/* ---- leads_validate.c: the fields people type (pure) ---- */

/* A lead's typed fields, as a create, an edit or an import row gives them.
 * NULL strings count as empty. */
typedef struct {
    const char *name, *mobile, *telephone, *email, *wechat, *qq, *company, *source, *level,
        *industry, *remark, *province, *city, *district, *address;
    char *const *tags;
    size_t n_tags;
} lead_input_t;

/* The normal forms validation produces. */
typedef struct {
    char mobile[12];
    char telephone[32];
} lead_norm_t;

/* Checks in (name required unless name_optional) and normalises its phone
 * numbers into out. Returns 0, or -1 with *field and msg saying what is
 * wrong (for the caller to report). Does not check the configured lists
 * (that is the database's LEADS_CHECK_OPTIONS). */
int leads_validate(const lead_input_t *in, int name_optional, lead_norm_t *out, const char **field,
                   char *msg, size_t cap);
/* The same, adding every field at fault to errs (one per array): 0, or -1
 * if any was added. */
int leads_validate_all(const lead_input_t *in, int name_optional, lead_norm_t *out,
                       crm_errs_t *errs);

/* The same, failing call with INVALID_ARGUMENT naming every bad field: 1
 * if fine. */
int leads_check_input(crm_rpc_call_t *call, const lead_input_t *in, int name_optional,
                      lead_norm_t *out);

/* The opportunity a conversion asks for (转为客户和商机): its name (1..200
 * characters, not blank), amount (0..10^17 minor units), expected close
 * date (YYYY-MM-DD or none), pipeline (0 or an id), each field at fault
 * added to errs as "opportunity.<field>": 0, or -1 if any was added. */
int leads_check_conversion_opportunity(const Crm__Leads__ConversionOpportunity *o,
                                       crm_errs_t *errs);

/* ---- leads_status.c: the status moves (pure) ---- */

typedef enum {
    LEAD_ACT_FOLLOW_UP,
    LEAD_ACT_TRANSFER,
    LEAD_ACT_POOL,
    LEAD_ACT_CLAIM, /* also assign: pool → owner */
    LEAD_ACT_INVALIDATE,
    LEAD_ACT_RESUME,
    LEAD_ACT_VOID,
    LEAD_ACT_RESTORE,
    LEAD_ACT_CONVERT,
    LEAD_ACT_EDIT,
    LEAD_ACT_DELETE,
} lead_act_t;

/* The status a lead in status from (with or without an earlier follow-up)
 * moves to under act, or 0 with *why saying (for people) why it may not. */
lead_status_t leads_next_status(lead_act_t act, lead_status_t from, int followed_up,
                                const char **why);

/* The status a restored lead returns to. */
lead_status_t leads_restored_status(int64_t owner_id, int followed_up);

/* Name of a status, for messages ("following (跟进中)"). */
const char *leads_status_name(lead_status_t st);

/* ---- leads_access.c: who may do what ---- */

/* A pool's rules and people, read from lead_pools. */
typedef struct {
    Crm__Leads__LeadPool pool;
} lead_pool_t;

/* The pools' columns, named after the fields of Crm__Leads__LeadPool
 * (leads_pool_row maps them by name). */
#define POOL_COLUMNS                                                                               \
    "id, name, description, admin_ids, member_user_ids, member_department_ids, allow_claim,"       \
    " daily_claim_limit, holding_cap, cooloff_days, recycle_days,"                                 \
    " crm_us(created_at) AS created_at_us, crm_us(updated_at) AS updated_at_us, warn_days"
void leads_pool_row(const PGresult *r, int i, Crm__Leads__LeadPool *p);
void leads_pool_clear(Crm__Leads__LeadPool *p);

/* The row of pool id among r's rows (read with POOL_COLUMNS), or -1. */
int leads_pool_find(const PGresult *r, int64_t id);

/* The kit's view of pool p (crm/pool.h), in buf and pointing into p; NULL
 * when p is. */
const crm_pool_t *leads_pool_rules(const Crm__Leads__LeadPool *p, crm_pool_t *buf);

/* crm_pool_is_admin and crm_pool_is_member for a lead pool (NULL: not
 * known) and a caller. */
int leads_pool_is_admin(const Crm__Leads__LeadPool *p, const Crm__Caller *c);
int leads_pool_is_member(const Crm__Leads__LeadPool *p, const Crm__Caller *c);
/* The same with the caller's department path as the organisation's read
 * model gives it (path: a read of CRM_ORG_PATH_SQL for the caller's
 * department), so a member department takes in its sub-departments. */
int leads_pool_is_member_at(const Crm__Leads__LeadPool *p, const Crm__Caller *c,
                            const PGresult *path);

/* May the caller see this lead? Owned leads: by data scope. Pooled leads:
 * pool admins and members (pool may be NULL when unknown: all-scope only).
 * Department leads (owner 0, no pool): the department's users. */
int leads_can_see(const Crm__Caller *c, const Crm__Leads__Lead *lead,
                  const Crm__Leads__LeadPool *pool);

/* Is the caller one of the lead's team members? */
int leads_in_team(const Crm__Caller *c, const Crm__Leads__Lead *lead);
/* May the caller read the lead (and follow it up)? leads_can_see, or a
 * team member. */
int leads_can_read(const Crm__Caller *c, const Crm__Leads__Lead *lead,
                   const Crm__Leads__LeadPool *pool);

/* Must the lead's contacts be masked for this caller? (pooled, and the
 * caller neither an admin nor the pool's admin) */
int leads_must_mask(const Crm__Caller *c, const Crm__Leads__Lead *lead,
                    const Crm__Leads__LeadPool *pool);

/* Masks the contact fields of lead in place (crm_pool_mask), into buf
 * (which must outlive the lead's use). */
void leads_mask(Crm__Leads__Lead *lead, char buf[5][CRM_POOL_MASK_LEN]);

/* ---- leads_kind.c: leads as a record kind of the change engine ---- */

/* The lead kind (crm/change.h): locked with lead_lock_many, read into
 * lead_row_t, acted on by those who can see the lead (leads_can_see; team
 * members are told the action is for the owner's side), saved with a
 * history entry, announced as "lead.<action>" (LeadChanged), replied with
 * the changed leads (masked), cached under leads_cache_key. */
extern const crm_change_kind_t leads_kind;

/* Runs op on the leads ids[0..n) for call (crm_change_run on leads_kind).
 * An op that moves leads to another pool reads it as "target_pool"
 * (POOL_COLUMNS) so leads_change_pool finds it. */
void leads_change_run(leads_t *l, crm_rpc_call_t *call, const crm_change_op_t *op,
                      const int64_t *ids, size_t n, const char *reason, void *data);

/* Lead i of a change, as changed (in request order). */
static inline lead_row_t *leads_row(const crm_change_t *c, size_t i)
{
    return crm_change_record(c, i);
}

/* The lead as it was read, from an op's `prev` argument. */
static inline const Crm__Leads__Lead *leads_before(const void *prev)
{
    return &((const lead_row_t *)prev)->lead;
}

/* The pool a lead refers to, among the pools the change read (NULL if
 * none). */
const Crm__Leads__LeadPool *leads_change_pool(const crm_change_t *c, int64_t pool_id);
/* For an op's may_act: 0 when visible, else the refusal the kind gives
 * (permission_denied for team members, else not_found). */
int leads_may_act_if(crm_change_t *c, const Crm__Leads__Lead *lead, int visible);
/* Moves row to the status act leads to, or refuses (returns -1). */
int leads_move(crm_change_t *c, lead_row_t *row, lead_act_t act);
/* Pooled (and department) leads are acted on by their pool's admins only:
 * 0, or refuses (-1). */
int leads_check_pool_admin(crm_change_t *c, const Crm__Leads__Lead *lead);
/* Masks the contacts of lead i for the caller if needed (reply time). */
void leads_change_mask(crm_change_t *c, size_t i);

/* A follow-up's columns, named after the fields of Crm__Leads__FollowUp
 * (leads_followup_row maps them by name). */
#define FOLLOWUP_COLUMNS                                                                           \
    "id, lead_id, user_id, crm_us(at) AS at_us, content, method,"                                  \
    " crm_us(next_followup_at) AS next_followup_at_us, attachments,"                               \
    " crm_us(created_at) AS created_at_us"
/* Fills f from row i of r; free with leads_followup_clear. */
void leads_followup_row(const PGresult *r, int i, Crm__Leads__FollowUp *f);
void leads_followup_clear(Crm__Leads__FollowUp *f);

/* ---- leads_events.c ---- */

void leads_emit_created(crm_db_batch_t *b, Crm__Leads__Lead *lead);
void leads_emit_changed(crm_db_batch_t *b, const char *action, const Crm__Leads__Lead *before,
                        Crm__Leads__Lead *after, int64_t by, const char *reason, char **changed,
                        size_t nchanged);

/* ---- leads_rpc.c, leads_actions.c, leads_pools.c, leads_recycle.c ---- */

/* Each fills its slots of the handler table (leads.glue.h); main.c serves
 * the table, and a slot nobody filled fails the start. */
void leads_rpc_handlers(leads_handlers_t *h);   /* Create, Get, Update */
void leads_stats_handlers(leads_handlers_t *h); /* Stats */
void leads_dedup_handlers(leads_handlers_t *h); /* CheckDuplicates */
void leads_dedup_prepare(crm_db_t *db);

/* ---- leads_scope.c: whose leads a list or count covers ---- */

/* Whose leads a list or count covers. */
typedef struct {
    int unscoped;    /* no condition (the pool view has its own) */
    int everyone;    /* a caller who sees every owner (no owner set) */
    int64_t *owners; /* otherwise these owners' leads (n may be 0: none) */
    size_t n;
    int64_t dept; /* and the unowned leads kept for this department */
    int64_t me;
    int others; /* everyone: but not the caller's own */
} leads_scope_t;

/* The scope of view for caller c: the owned leads it shows (of the owners
 * in filter when nf), and for ALL the unowned leads of the caller's
 * department (without an owner filter). Free with leads_scope_clear. */
void leads_scope(const Crm__Caller *c, Crm__Leads__LeadView view, const int64_t *filter, size_t nf,
                 leads_scope_t *s);
void leads_scope_clear(leads_scope_t *s);
/* Appends the scope's condition to q. Pooled leads show only through the
 * POOL view; with_pooled adds them for callers who see everyone (Stats). */
void leads_add_scope(crm_sqlbuf_t *q, const leads_scope_t *s, int with_pooled);
void leads_progress_handlers(leads_handlers_t *h); /* FollowUp, Convert */

/* Reads, as "options", which of the values are not in the configured
 * lists (leads_rpc.c; creates, edits and conversions check them). */
void leads_read_options(crm_txn_t *t, const char *level, const char *industry, const char *source);
void leads_actions_handlers(leads_handlers_t *h); /* Delete, Transfer, PutInPool, Claim, ... */
void leads_pools_handlers(leads_handlers_t *h);   /* pools and options */
void leads_list_handlers(leads_handlers_t *h);    /* List, History, ListFollowUps, ... Stats */
void leads_import_handlers(leads_handlers_t *h);  /* StartImport, ImportChunk, GetImport, ... */

/* Recycles, inside the run's transaction, every owned lead of a pool with
 * a rule that nobody followed up in time: the changes, history and one
 * lead.recycled per lead, their cached copies dropped after the commit (a
 * crm_job_fn: the "leads.recycle" job's work; arg unused). */
void leads_recycle(void *arg, crm_job_run_t *run);
void leads_recycle_handlers(leads_handlers_t *h); /* Leads.Recycle */

/* The "leads.remind" job's work (a crm_job_fn): lead.reminder for each due
 * next follow-up, lead.recycle_warning before each recycling, once each. */
void leads_remind(void *arg, crm_job_run_t *run);

/* Declares the "leads.digest" job (daily: each owner's leads to follow up
 * today, about to be recycled, overdue; crm/digest.h; leads_digest.c). */
void leads_digest_declare(leads_t *l);
/* Declares the "leads.escalate" job (next follow-up times left undone to
 * the owner's manager; crm/escalation.h; leads_escalate.c). */
void leads_escalate_declare(leads_t *l);

/* A held lead's last activity and when it goes back to its pool, in SQL
 * over leads l and lead_pools p (crm/pool.h: the recycle job takes it
 * then; the remind job warns warn_days before). */
#define LEADS_LAST_ACT CRM_POOL_LAST_ACT_SQL("l.last_followup_at", "l.owner_since", "l.created_at")
#define LEADS_RECYCLE_AT                                                                           \
    CRM_POOL_RECYCLE_AT_SQL("l.last_followup_at", "l.owner_since", "l.created_at", "p.recycle_days")

/* How the leads of someone who leaves go to their successor (crm/org.h;
 * leads_handover.c). */
const crm_org_handover_t *leads_handover(void);

/* ---- leads_probe.c: what the mask hides, kept from dedup (issue #17) ---- */

void leads_probe_prepare(crm_db_t *db);
/* Adds to t's round 1 the reads that tell whether a normalised mobile and
 * telephone ("" or NULL: none) are masked probes for the caller: its probes
 * serialised until commit, today's count, and the pooled leads masked to it
 * whose number has the same masked form. Nothing for callers who see every
 * contact (admins). */
void leads_probe_read(crm_txn_t *t, const char *mobile, const char *telephone);
/* During decide: the masked leads (id, pool_id, status) whose number field
 * ("mobile" or "telephone") has the masked form of the one given, or NULL
 * when there is none. */
const PGresult *leads_probe_hits(const crm_txn_t *t, const char *field);
/* During decide: 0 after adding the cost of the probes that hit (one per
 * number) to the writes (none: nothing), or -1 with *err rate_limited
 * naming the first number that hit when the caller's probes of the day
 * would pass l->probe_budget. */
int leads_probe_charge(crm_txn_t *t, crm_err_t *err);
/* During decide of a create or edit that read its mobile's duplicates
 * (dup, lead_by_mobile) and leads_probe_read: 0 after leads_probe_charge
 * when no other lead has the number, else -1 with *err: rate_limited past
 * the budget, or already_exists naming the other lead (a lead masked to
 * the caller only by its pool and the masked number). verb: what
 * allow_duplicate lets the caller do anyway ("create", "save"). */
int leads_probe_duplicate(crm_txn_t *t, const PGresult *dup, const char *mobile, const char *verb,
                          crm_err_t *err);

/* ---- leads_history.c: what a history entry says changed ---- */

/* The detail of a change's history entry: op_detail (a JSON object, or
 * NULL) with "changes", each followed field that differs between before
 * and after as {field, old, new} in the wire form. NULL when both are
 * empty; caller frees. */
char *leads_history_detail(const char *op_detail, const Crm__Leads__Lead *before,
                           const Crm__Leads__Lead *after);
/* detail with the contacts' old and new values masked (138****5678), or
 * NULL when it names no contact; caller frees. */
char *leads_history_mask(const char *detail);

/* The cache key of a lead. */
void leads_cache_key(int64_t id, char out[32]);

#endif
