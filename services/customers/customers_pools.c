/* customers_pools.c: customer pools (公海) as records: their people
 * (admins; member users and departments with their subtrees) and rules,
 * the kit's (crm/pool.h) and the customers' own (a default pool, enabled,
 * the claim batch, whether dealt customers count toward the holding cap,
 * the fields hidden from members). Admins create, change and delete them;
 * a pool's admins and members read it. Every write is a transaction with
 * its customer_pool.* event; the refusals say why: a pool holding
 * customers is neither deleted nor disabled, the last enabled pool stays
 * enabled, the default pool stays until another is made the default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/history.h"
#include "crm/mask.h"
#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

typedef Crm__Customers__CustomerPool pool_t;

#define POOL_COLUMNS                                                                               \
    "p.id, p.name, p.description, p.admin_ids, p.member_user_ids,"                                 \
    " p.member_department_ids, p.allow_claim, p.daily_claim_limit, p.holding_cap,"                 \
    " p.cap_counts_dealt, p.cooloff_days, p.claim_batch_max, p.warn_days, p.manual_recycle,"       \
    " p.recycle_rules::text AS recycle_rules_json, p.enabled, p.is_default, p.hidden_fields,"      \
    " crm_us(p.created_at) AS created_at_us, crm_us(p.updated_at) AS updated_at_us"
/* A pool's rules and people: what every change of its customers reads. */
#define POOL_SELECT "SELECT " POOL_COLUMNS " FROM customer_pools p WHERE p.deleted_at IS NULL"
/* The same with the customers it holds now: for showing a pool and for a
 * change of the pool itself (the count is a scan of its pooled customers,
 * so no change of a customer pays it). */
#define POOL_SELECT_COUNTED                                                                        \
    "SELECT " POOL_COLUMNS ", (SELECT count(*) FROM customers c WHERE c.pool_id = p.id AND"        \
    " c.owner_id = 0 AND c.deleted_at IS NULL) AS customer_count FROM customer_pools p"            \
    " WHERE p.deleted_at IS NULL"

/* The fields a member does not see while a customer is pooled may be
 * these (the contact fields are masked anyway). */
static const char *const s_hideable[] = {"remark",      "address", "legal_representative",
                                         "credit_code", "bank",    "bank_account",
                                         "company",     NULL};

void customers_pools_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "customer_pool_get", POOL_SELECT " AND p.id = $1::bigint");
    /* The pool of a customer ($1), of the customer of a lead ($1). */
    crm_db_prepare(db, "customer_pool_of",
                   POOL_SELECT " AND p.id = (SELECT pool_id FROM customers WHERE id = $1::bigint)");
    crm_db_prepare(db, "customer_pool_of_lead",
                   POOL_SELECT " AND p.id = (SELECT pool_id FROM customers WHERE lead_id ="
                               " $1::bigint)");
    crm_db_prepare(db, "customer_pool_show", POOL_SELECT_COUNTED " AND p.id = $1::bigint");
    crm_db_prepare(db, "customer_pool_lock",
                   POOL_SELECT_COUNTED " AND p.id = $1::bigint FOR UPDATE OF p");
    /* The pools a change needs: those of its customers, and the one it
     * moves them to ($2; 0: the default pool). */
    crm_db_prepare(db, "customer_pools_of_many",
                   POOL_SELECT " AND (p.id = $2::bigint OR ($2::bigint = 0 AND p.is_default)"
                               " OR p.id IN (SELECT pool_id FROM customers WHERE id ="
                               " ANY($1::bigint[]))) ORDER BY p.id");
}

void customers_pool_row(const PGresult *r, int i, pool_t *p)
{
    crm__customers__customer_pool__init(p);
    customers_row_to(r, i, &p->base);
    int col = PQfnumber(r, "recycle_rules_json");
    if (col >= 0 && !PQgetisnull(r, i, col))
        customers_rules_decode(PQgetvalue(r, i, col), p);
}

void customers_pool_clear(pool_t *p)
{
    customers_rules_clear(p);
    crm_rowmap_clear(&p->base);
}

const crm_pool_t *customers_pool_rules(const pool_t *p, crm_pool_t *v)
{
    return crm_pool_view(p ? &p->base : NULL, "customer", "customers", v);
}

int customers_pool_is_admin(const pool_t *p, const crm_pool_person_t *who)
{
    crm_pool_t v;
    return crm_pool_is_admin(customers_pool_rules(p, &v), who);
}

int customers_pool_is_member(const pool_t *p, const crm_pool_person_t *who)
{
    crm_pool_t v;
    return crm_pool_is_member(customers_pool_rules(p, &v), who);
}

/* ---- writes ----------------------------------------------------------------- */

/* Checks a pool's fields: the kit's ranges, the customers' own. 1 if fine. */
static int s_check(crm_rpc_call_t *call, const pool_t *p)
{
    crm_pool_t v;
    crm_err_t err;
    if (crm_pool_check(customers_pool_rules(p, &v), &err) < 0)
        return crm_rpc_fail_err(call, &err);
    crm_err_t rule_err;
    if (customers_rules_check(p->recycle_rules, p->n_recycle_rules, &rule_err) < 0)
        return crm_rpc_fail_err(call, &rule_err);
    if (p->claim_batch_max < 0 || p->claim_batch_max > CUSTOMERS_MAX_IDS) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "claim_batch_max",
                     "claim_batch_max is 0 (500) to 500");
        return 0;
    }
    for (size_t i = 0; i < p->n_hidden_fields; i++) {
        size_t k = 0;
        while (s_hideable[k] && strcmp(s_hideable[k], p->hidden_fields[i]) != 0)
            k++;
        if (!s_hideable[k]) {
            crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "hidden_fields",
                         "%s cannot be hidden (remark, address, legal_representative,"
                         " credit_code, bank, bank_account, company)",
                         p->hidden_fields[i]);
            return 0;
        }
    }
    return 1;
}

/* The write of a pool (insert or update, every column) and its event. */
typedef struct {
    pool_t pool;   /* as it will be (arrays and text borrowed) */
    pool_t before; /* an update: as read (its own) */
    const Crm__Customers__UpdateCustomerPoolRequest *patch; /* NULL: a create */
    int deleting;
    char *changed[24];
    size_t nchanged;
} write_t;

static void s_write_free(void *arg)
{
    write_t *w = arg;
    for (size_t i = 0; i < w->nchanged; i++)
        free(w->changed[i]);
    if (w->patch || w->deleting)
        customers_pool_clear(&w->before);
    free(w);
}

static void s_emit(crm_db_batch_t *b, const char *type, pool_t *p, int64_t by, char **changed,
                   size_t n)
{
    Crm__Events__CustomerPoolChanged ev = CRM__EVENTS__CUSTOMER_POOL_CHANGED__INIT;
    ev.pool = p;
    ev.by = by;
    ev.changed_fields = changed;
    ev.n_changed_fields = n;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, p->id), &ev.base);
}

/* Adds the row's write: every column of p (its id set). */
static void s_save(crm_db_batch_t *b, const pool_t *p, int insert, int deleting)
{
    char id[24], n[5][16], *a[4];
    char *rules = customers_rules_json(p->recycle_rules, p->n_recycle_rules);
    a[0] = crm_db_i64_array(p->admin_ids, p->n_admin_ids);
    a[1] = crm_db_i64_array(p->member_user_ids, p->n_member_user_ids);
    a[2] = crm_db_i64_array(p->member_department_ids, p->n_member_department_ids);
    a[3] = crm_db_text_array(p->hidden_fields, p->n_hidden_fields);
    const int32_t nums[5] = {p->daily_claim_limit, p->holding_cap, p->cooloff_days,
                             p->claim_batch_max, p->warn_days};
    for (int i = 0; i < 5; i++)
        snprintf(n[i], sizeof n[i], "%d", nums[i]);
    const char *v[] = {crm_i64(id, p->id),
                       p->name,
                       p->description,
                       a[0],
                       a[1],
                       a[2],
                       p->allow_claim ? "true" : "false",
                       n[0],
                       n[1],
                       p->cap_counts_dealt ? "true" : "false",
                       n[2],
                       n[3],
                       n[4],
                       rules,
                       p->manual_recycle ? "true" : "false",
                       p->enabled ? "true" : "false",
                       p->is_default ? "true" : "false",
                       a[3],
                       deleting ? "true" : "false"};
    crm_db_batch_add(b,
                     insert ? "INSERT INTO customer_pools (id, name, description, admin_ids,"
                              " member_user_ids, member_department_ids, allow_claim,"
                              " daily_claim_limit, holding_cap, cap_counts_dealt, cooloff_days,"
                              " claim_batch_max, warn_days, recycle_rules, manual_recycle, enabled,"
                              " is_default, hidden_fields) SELECT $1::bigint, $2, $3, $4::bigint[],"
                              " $5::bigint[], $6::bigint[], $7::boolean, $8::int, $9::int,"
                              " $10::boolean, $11::int, $12::int, $13::int, $14::jsonb,"
                              " $15::boolean, $16::boolean, $17::boolean, $18::text[]"
                              " WHERE NOT $19::boolean"
                            : "UPDATE customer_pools SET (name, description, admin_ids,"
                              " member_user_ids, member_department_ids, allow_claim,"
                              " daily_claim_limit, holding_cap, cap_counts_dealt, cooloff_days,"
                              " claim_batch_max, warn_days, recycle_rules, manual_recycle, enabled,"
                              " is_default, hidden_fields, updated_at, deleted_at) = ($2, $3,"
                              " $4::bigint[], $5::bigint[], $6::bigint[], $7::boolean, $8::int,"
                              " $9::int, $10::boolean, $11::int, $12::int, $13::int, $14::jsonb,"
                              " $15::boolean, $16::boolean, $17::boolean, $18::text[], now(),"
                              " CASE WHEN $19::boolean THEN now() END) WHERE id = $1::bigint",
                     19, v);
    for (int i = 0; i < 4; i++)
        free(a[i]);
    free(rules);
}

/* Round 1: the pool (an update's, locked), the people named, a clash of
 * names, the enabled pools. */
static void s_write_read(crm_txn_t *t)
{
    write_t *w = crm_txn_data(t);
    char id[24];
    const char *p[] = {crm_i64(id, w->pool.id)};
    if (w->patch || w->deleting)
        crm_txn_read(t, "pool", "customer_pool_lock", 1, p);
    else
        crm_txn_read(t, "next_id", "SELECT nextval('customer_pools_id_seq'), crm_us(now())", 0,
                     NULL);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_users(refs, "admin_ids", w->pool.admin_ids, w->pool.n_admin_ids);
    crm_org_users(refs, "member_user_ids", w->pool.member_user_ids, w->pool.n_member_user_ids);
    crm_org_departments(refs, "member_department_ids", w->pool.member_department_ids,
                        w->pool.n_member_department_ids);
    crm_org_read(t, "org", &refs);
    const char *q[] = {w->pool.name ? w->pool.name : "", id};
    crm_txn_read(t, "same_name",
                 "SELECT id FROM customer_pools WHERE name = $1 AND id <> $2::bigint AND"
                 " deleted_at IS NULL",
                 2, q);
    crm_txn_read(t, "enabled",
                 "SELECT count(*) FROM customer_pools WHERE enabled AND deleted_at IS NULL", 0,
                 NULL);
    /* The levels the rules name that are not configured. */
    char *levels = customers_rules_levels(w->pool.recycle_rules, w->pool.n_recycle_rules);
    const char *l[] = {levels};
    crm_txn_read(t, "levels",
                 "SELECT l FROM unnest($1::text[]) l WHERE NOT EXISTS (SELECT 1 FROM"
                 " customer_options o WHERE o.kind = 'level' AND o.value = l)",
                 1, l);
    free(levels);
}

/* Does the write change what the held customers' deadlines come from? */
static int s_moves_deadlines(const write_t *w)
{
    const Crm__Customers__UpdateCustomerPoolRequest *r = w->patch;
    return r && (crm_mask_has(r->update_mask, r->n_update_mask, "recycle_rules") ||
                 crm_mask_has(r->update_mask, r->n_update_mask, "warn_days"));
}

/* The update's fields onto w->pool (from the pool as read). */
static void s_apply_patch(write_t *w)
{
    const Crm__Customers__UpdateCustomerPoolRequest *r = w->patch;
    pool_t *p = &w->pool;
    *p = w->before;
#define HAS(f) crm_mask_has(r->update_mask, r->n_update_mask, #f)
#define SET(f)                                                                                     \
    if (HAS(f))                                                                                    \
    p->f = r->f
#define SET_LIST(f)                                                                                \
    if (HAS(f)) {                                                                                  \
        p->f = r->f;                                                                               \
        p->n_##f = r->n_##f;                                                                       \
    }
    SET(name);
    SET(description);
    SET_LIST(admin_ids);
    SET_LIST(member_user_ids);
    SET_LIST(member_department_ids);
    SET(allow_claim);
    SET(daily_claim_limit);
    SET(holding_cap);
    SET(cap_counts_dealt);
    SET(cooloff_days);
    SET(claim_batch_max);
    SET_LIST(recycle_rules);
    SET(manual_recycle);
    SET(warn_days);
    SET(enabled);
    SET(is_default);
    SET_LIST(hidden_fields);
#undef SET_LIST
#undef SET
#undef HAS
}

/* The refusals of a change of state (disable, delete, the default). */
static int s_state_ok(crm_txn_t *t, const write_t *w)
{
    const pool_t *b = &w->before;
    int64_t enabled = crm_db_get_i64(crm_txn_result(t, "enabled"), 0, 0);
    if (w->deleting && b->is_default)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "id",
                              "pool %lld is the default pool; make another one the default first",
                              (long long)b->id);
    if ((w->deleting || (b->enabled && !w->pool.enabled)) && b->customer_count > 0)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, w->deleting ? "id" : "enabled",
                              "pool %lld holds %lld customers; move them out first",
                              (long long)b->id, (long long)b->customer_count);
    if (b->enabled && (!w->pool.enabled || w->deleting) && enabled <= 1)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, w->deleting ? "id" : "enabled",
                              "pool %lld is the last enabled pool", (long long)b->id);
    if (w->patch && b->is_default && !w->pool.is_default)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "is_default",
                              "make another pool the default instead");
    if (w->pool.is_default && !w->pool.enabled)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "enabled",
                              "the default pool stays enabled");
    return 0;
}

static int s_write_decide(crm_txn_t *t)
{
    write_t *w = crm_txn_data(t);
    crm_errs_t errs = {.n = 0};
    int insert = !w->patch && !w->deleting;
    if (!insert) {
        const PGresult *r = crm_txn_result(t, "pool");
        if (PQntuples(r) == 0)
            return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "pool %lld not found",
                                  (long long)w->pool.id);
        customers_pool_row(r, 0, &w->before);
        if (w->patch)
            s_apply_patch(w);
        else
            w->pool = w->before;
        if (s_state_ok(t, w) < 0)
            return -1;
    }
    if (crm_org_check(crm_txn_result(t, "org"), &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    const PGresult *levels = crm_txn_result(t, "levels");
    if (!w->deleting && PQntuples(levels) > 0)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "recycle_rules",
                              "level %s is not a configured level (GET /api/v1/customer-options)",
                              crm_db_get(levels, 0, 0));
    if (!w->deleting && PQntuples(crm_txn_result(t, "same_name")) > 0)
        return crm_txn_refuse(t, CRM__STATUS__ALREADY_EXISTS, "name",
                              "pool %s exists already (id %s)", w->pool.name,
                              crm_db_get(crm_txn_result(t, "same_name"), 0, 0));
    crm_db_batch_t *b = crm_txn_batch(t);
    int64_t now = crm_txn_now(t);
    if (insert) {
        const PGresult *next = crm_txn_result(t, "next_id");
        w->pool.id = crm_db_get_i64(next, 0, 0);
        w->pool.created_at_us = crm_db_get_i64(next, 0, 1);
    }
    w->pool.updated_at_us = now;
    /* One default pool: making this one the default takes it from the other. */
    if (w->pool.is_default && (insert || !w->before.is_default))
        crm_db_batch_add(b, "UPDATE customer_pools SET is_default = false WHERE is_default", 0,
                         NULL);
    s_save(b, &w->pool, insert, w->deleting);
    if (s_moves_deadlines(w) || w->deleting)
        customers_rules_recompute(b, w->pool.id); /* a deleted pool: none */
    if (w->patch)
        w->nchanged = crm_history_changed(&w->before.base, &w->pool.base, NULL, w->changed, 24);
    s_emit(b,
           insert        ? "customer_pool.created"
           : w->deleting ? "customer_pool.deleted"
                         : "customer_pool.updated",
           &w->pool, crm_txn_caller(t)->user_id, w->changed, w->nchanged);
    crm_txn_reply(t, &w->pool.base);
    return 0;
}

static const crm_txn_op_t s_write_op = {
    .read = s_write_read, .decide = s_write_decide, .done = s_write_free};

static void s_create(crm_rpc_call_t *call, const pool_t *req, void *arg)
{
    customers_t *cs = arg;
    if (!customers_pools_admin_only(call) || !s_check(call, req))
        return;
    if (req->id) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "id", "a new pool has no id yet");
        return;
    }
    write_t *w = crm_calloc(1, sizeof *w);
    w->pool = *req;
    w->pool.customer_count = 0;
    w->pool.enabled = 1; /* a new pool takes customers */
    crm_txn_run(&cs->env, call, &s_write_op, w);
}

static const char *const s_editable[] = {"name",
                                         "description",
                                         "admin_ids",
                                         "member_user_ids",
                                         "member_department_ids",
                                         "allow_claim",
                                         "daily_claim_limit",
                                         "holding_cap",
                                         "cap_counts_dealt",
                                         "cooloff_days",
                                         "claim_batch_max",
                                         "recycle_rules",
                                         "manual_recycle",
                                         "warn_days",
                                         "enabled",
                                         "is_default",
                                         "hidden_fields",
                                         NULL};

static void s_update(crm_rpc_call_t *call, const Crm__Customers__UpdateCustomerPoolRequest *req,
                     void *arg)
{
    customers_t *cs = arg;
    crm_err_t err;
    if (!customers_pools_admin_only(call) || !crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    /* The request's values, checked as a pool (a field not named stands in
     * as valid: the name as "-"). */
    pool_t view = CRM__CUSTOMERS__CUSTOMER_POOL__INIT;
    view.name = crm_mask_has(req->update_mask, req->n_update_mask, "name") ? req->name : "-";
    view.description = req->description;
    view.daily_claim_limit = req->daily_claim_limit;
    view.holding_cap = req->holding_cap;
    view.cooloff_days = req->cooloff_days;
    view.claim_batch_max = req->claim_batch_max;
    view.recycle_rules = req->recycle_rules;
    view.n_recycle_rules = req->n_recycle_rules;
    view.warn_days = req->warn_days;
    view.hidden_fields = req->hidden_fields;
    view.n_hidden_fields = req->n_hidden_fields;
    if (!s_check(call, &view))
        return;
    write_t *w = crm_calloc(1, sizeof *w);
    w->patch = req;
    w->pool.id = req->id;
    /* The people named are checked as given (round 1 reads them). */
    w->pool.admin_ids = req->admin_ids;
    w->pool.n_admin_ids = req->n_admin_ids;
    w->pool.member_user_ids = req->member_user_ids;
    w->pool.n_member_user_ids = req->n_member_user_ids;
    w->pool.member_department_ids = req->member_department_ids;
    w->pool.n_member_department_ids = req->n_member_department_ids;
    w->pool.recycle_rules = req->recycle_rules;
    w->pool.n_recycle_rules = req->n_recycle_rules;
    w->pool.name = view.name;
    crm_txn_run(&cs->env, call, &s_write_op, w);
}

static void s_delete(crm_rpc_call_t *call, const Crm__Customers__GetCustomerPoolRequest *req,
                     void *arg)
{
    customers_t *cs = arg;
    if (!customers_pools_admin_only(call) || !crm_check_id(call, "id", req->id))
        return;
    write_t *w = crm_calloc(1, sizeof *w);
    w->deleting = 1;
    w->pool.id = req->id;
    crm_txn_run(&cs->env, call, &s_write_op, w);
}

/* ---- who sees a pooled customer ------------------------------------------------ */

int customers_pooled_visible(const Crm__Caller *caller, const PGresult *pool, const PGresult *path,
                             int *masked, pool_t *out)
{
    pool_t p;
    int have = PQntuples(pool) > 0, seen = crm_scope_all(caller), admin = seen;
    crm__customers__customer_pool__init(&p);
    if (have) {
        customers_pool_row(pool, 0, &p);
        crm_pool_person_t who = crm_pool_person(caller);
        int64_t *depts = crm_org_path_of(path, caller->department_id, &who.n_departments);
        who.departments = depts;
        admin = customers_pool_is_admin(&p, &who);
        seen = customers_pool_is_member(&p, &who);
        free(depts);
    }
    *masked = !admin;
    if (out)
        *out = p; /* the caller clears it */
    else
        customers_pool_clear(&p);
    return seen;
}

/* ---- reads -------------------------------------------------------------------- */

typedef struct {
    crm_rpc_call_t *call;
    int64_t id; /* Get: the pool; 0: List */
    int mine;
} read_t;

/* The person asking, with the caller's department path (a member
 * department takes in its sub-departments). */
static crm_pool_person_t s_person(crm_rpc_call_t *call, const PGresult *path, int64_t **depts)
{
    crm_pool_person_t who = crm_pool_person(crm_rpc_call_caller(call));
    *depts = crm_org_path_of(path, crm_rpc_call_caller(call)->department_id, &who.n_departments);
    who.departments = *depts;
    return who;
}

static void s_read_done(void *arg, const crm_db_result_t *res)
{
    read_t *rd = arg;
    if (res->err) {
        crm_fail_db(rd->call, res);
        free(rd);
        return;
    }
    int64_t *depts;
    crm_pool_person_t who = s_person(rd->call, res->results[1], &depts);
    const PGresult *r = res->results[0];
    int n = PQntuples(r);
    pool_t *pools = crm_calloc((size_t)n + 1, sizeof *pools);
    pool_t **shown = crm_calloc((size_t)n + 1, sizeof *shown);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        customers_pool_row(r, i, &pools[i]);
        if (crm_scope_all(crm_rpc_call_caller(rd->call)) && !rd->mine)
            shown[k++] = &pools[i];
        else if (customers_pool_is_member(&pools[i], &who))
            shown[k++] = &pools[i];
    }
    if (rd->id && k == 0) {
        crm_rpc_fail(rd->call, CRM__STATUS__NOT_FOUND, "id", "pool %lld not found",
                     (long long)rd->id);
    } else if (rd->id) {
        crm_rpc_reply(rd->call, &shown[0]->base);
    } else {
        Crm__Customers__CustomerPoolList list = CRM__CUSTOMERS__CUSTOMER_POOL_LIST__INIT;
        list.items = shown;
        list.n_items = k;
        crm_rpc_reply(rd->call, &list.base);
    }
    for (int i = 0; i < n; i++)
        customers_pool_clear(&pools[i]);
    free(pools);
    free(shown);
    free(depts);
    free(rd);
}

static void s_read(crm_rpc_call_t *call, customers_t *cs, int64_t id, int mine)
{
    read_t *rd = crm_calloc(1, sizeof *rd);
    *rd = (read_t){.call = call, .id = id, .mine = mine};
    char ids[24], dept[24];
    const char *p[] = {crm_i64(ids, id)};
    const char *d[] = {crm_i64(dept, crm_rpc_call_caller(call)->department_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    if (id)
        crm_db_batch_add(b, "customer_pool_show", 1, p);
    else
        crm_db_batch_add(b, POOL_SELECT_COUNTED " ORDER BY p.id", 0, NULL);
    crm_db_batch_add(b, CRM_ORG_PATH_SQL, 1, d);
    crm_db_submit(cs->db, &b, s_read_done, rd);
}

static void s_get(crm_rpc_call_t *call, const Crm__Customers__GetCustomerPoolRequest *req,
                  void *arg)
{
    if (crm_check_id(call, "id", req->id))
        s_read(call, arg, req->id, 0);
}

static void s_list(crm_rpc_call_t *call, const Crm__Customers__ListCustomerPoolsRequest *req,
                   void *arg)
{
    s_read(call, arg, 0, req->mine);
}

void customers_pools_handlers(customers_t *cs)
{
    cs->handlers.create_pool = s_create;
    cs->handlers.update_pool = s_update;
    cs->handlers.get_pool = s_get;
    cs->handlers.list_pools = s_list;
    cs->handlers.delete_pool = s_delete;
}
