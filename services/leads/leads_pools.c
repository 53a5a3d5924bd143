/* leads_pools.c: lead pools (线索池) with their people and rules, and the
 * configurable lists (levels, industries, sources). Admins manage both;
 * everyone reads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/mask.h"
#include "crm/util.h"
#include "crm/scope.h"
#include "crm/org.h"
#include "leads.h"

#define POOL_READ                                                                                  \
    "SELECT " POOL_COLUMNS ", (SELECT count(*) FROM leads l WHERE l.pool_id = p.id"                \
    " AND l.owner_id = 0 AND l.deleted_at IS NULL) AS lead_count FROM lead_pools p"

#define POOL_WRITE_COLUMNS                                                                         \
    "name, description, admin_ids, member_user_ids, member_department_ids, allow_claim,"           \
    " daily_claim_limit, holding_cap, cooloff_days, recycle_days, warn_days"
#define POOL_WRITE_VALUES                                                                          \
    "$1, $2, $3::bigint[], $4::bigint[], $5::bigint[], $6::boolean, $7::int, $8::int, $9::int,"    \
    " $10::int, $11::int"

typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
} pool_call_t;

static void s_reply_pools(crm_rpc_call_t *call, const PGresult *r, int single)
{
    int n = PQntuples(r);
    Crm__Leads__LeadPool *pools = crm_calloc((size_t)n + 1, sizeof *pools);
    Crm__Leads__LeadPool **ptrs = crm_calloc((size_t)n + 1, sizeof *ptrs);
    size_t shown = 0;
    for (int i = 0; i < n; i++) {
        Crm__Leads__LeadPool *p = &pools[shown];
        leads_pool_row(r, i, p);
        ptrs[shown++] = p;
    }
    if (single) {
        crm_rpc_reply(call, &pools[0].base);
    } else {
        Crm__Leads__LeadPoolList list = CRM__LEADS__LEAD_POOL_LIST__INIT;
        list.items = ptrs;
        list.n_items = shown;
        crm_rpc_reply(call, &list.base);
    }
    for (size_t i = 0; i < shown; i++)
        leads_pool_clear(&pools[i]);
    free(pools);
    free(ptrs);
}

static void s_pool_written(void *arg, const crm_db_result_t *res)
{
    pool_call_t *pc = arg;
    if (res->err)
        crm_fail_db(pc->call, res);
    else if (PQntuples(res->results[res->nresults - 1]) == 0)
        crm_rpc_fail(pc->call, CRM__STATUS__NOT_FOUND, "id", "pool not found");
    else
        s_reply_pools(pc->call, res->results[res->nresults - 1], 1);
    free(pc);
}

/* Checks a pool's fields (crm_pool_check); 1 if fine. */
static int s_check_pool(crm_rpc_call_t *call, const Crm__Leads__LeadPool *p)
{
    crm_pool_t pool;
    crm_err_t err;
    return crm_pool_check(leads_pool_rules(p, &pool), &err) == 0 || crm_rpc_fail_err(call, &err);
}

static int s_admin_only(crm_rpc_call_t *call)
{
    if (crm_scope_all(crm_rpc_call_caller(call)))
        return 1;
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only admins manage lead pools");
    return 0;
}

/* A pool's column values ($1..$11 of POOL_WRITE_VALUES) in v; the arrays
 * in arrays[3] (caller frees them), the numbers in nums. */
static void s_pool_values(const Crm__Leads__LeadPool *p, const char *v[11], char *arrays[3],
                          char nums[5][16])
{
    arrays[0] = crm_db_i64_array(p->admin_ids, p->n_admin_ids);
    arrays[1] = crm_db_i64_array(p->member_user_ids, p->n_member_user_ids);
    arrays[2] = crm_db_i64_array(p->member_department_ids, p->n_member_department_ids);
    const int32_t n[5] = {p->daily_claim_limit, p->holding_cap, p->cooloff_days, p->recycle_days,
                          p->warn_days};
    for (int i = 0; i < 5; i++)
        snprintf(nums[i], sizeof nums[i], "%d", n[i]);
    const char *all[11] = {
        p->name, p->description, arrays[0], arrays[1], arrays[2], p->allow_claim ? "true" : "false",
        nums[0], nums[1],        nums[2],   nums[3],   nums[4]};
    memcpy(v, all, sizeof all);
}

/* A column set from $val when the mask ($12) names it, else kept. */
#define MASKED(col, val)                                                                           \
    col " = CASE WHEN '" col "' = ANY($12::text[]) THEN " val " ELSE " col " END"
/* clang-format off */
#define POOL_PATCH                                                            \
    "UPDATE lead_pools SET " MASKED("name", "$1") ", "                        \
    MASKED("description", "$2") ", "                                         \
    MASKED("admin_ids", "$3::bigint[]") ", "                                  \
    MASKED("member_user_ids", "$4::bigint[]") ", "                            \
    MASKED("member_department_ids", "$5::bigint[]") ", "                      \
    MASKED("allow_claim", "$6::boolean") ", "                                 \
    MASKED("daily_claim_limit", "$7::int") ", "                               \
    MASKED("holding_cap", "$8::int") ", "                                     \
    MASKED("cooloff_days", "$9::int") ", "                                    \
    MASKED("recycle_days", "$10::int") ", "                                   \
    MASKED("warn_days", "$11::int") ", updated_at = now() WHERE id = $13::bigint"
/* clang-format on */

/* Writes a pool: inserts it (mask NULL), or sets the fields the mask names
 * (a text[] literal) of pool p->id; then reads it back. */
static void s_write_pool(crm_rpc_call_t *call, leads_t *l, const Crm__Leads__LeadPool *p,
                         const char *mask)
{
    char id[24], nums[5][16], *arrays[3];
    const char *v[13];
    s_pool_values(p, v, arrays, nums);
    v[11] = mask;
    v[12] = crm_i64(id, p->id);
    crm_db_batch_t *b = crm_db_batch_new();
    /* Every person and department named must exist and be active. */
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_users(refs, "admin_ids", p->admin_ids, p->n_admin_ids);
    crm_org_users(refs, "member_user_ids", p->member_user_ids, p->n_member_user_ids);
    crm_org_departments(refs, "member_department_ids", p->member_department_ids,
                        p->n_member_department_ids);
    crm_org_require(b, &refs);
    if (mask)
        crm_db_batch_add(b, POOL_PATCH, 13, v);
    else
        crm_db_batch_add(
            b, "INSERT INTO lead_pools (" POOL_WRITE_COLUMNS ") VALUES (" POOL_WRITE_VALUES ")", 11,
            v);
    /* Read back by id for an update (an unknown id reads nothing: not
     * found), by its unique name for a create. */
    const char *q[] = {mask ? id : p->name};
    crm_db_batch_add(
        b, mask ? POOL_READ " WHERE p.id = $1::bigint" : POOL_READ " WHERE p.name = $1", 1, q);
    for (int i = 0; i < 3; i++)
        free(arrays[i]);
    pool_call_t *pc = crm_calloc(1, sizeof *pc);
    pc->l = l;
    pc->call = call;
    crm_db_submit(l->db, &b, s_pool_written, pc);
}

static void s_create_pool(crm_rpc_call_t *call, const Crm__Leads__LeadPool *p, void *l)
{
    if (!s_admin_only(call) || !s_check_pool(call, p))
        return;
    if (p->id) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "id", "a new pool has no id yet");
        return;
    }
    s_write_pool(call, l, p, NULL);
}

static const char *const s_pool_editable[] = {"name",
                                              "description",
                                              "admin_ids",
                                              "member_user_ids",
                                              "member_department_ids",
                                              "allow_claim",
                                              "daily_claim_limit",
                                              "holding_cap",
                                              "cooloff_days",
                                              "recycle_days",
                                              "warn_days",
                                              NULL};

/* The request as a pool (borrowing its arrays and text). A field the mask
 * does not name is not written, so it is checked as a valid stand-in: the
 * name as "-", the rest as their defaults. */
static void s_patch_view(const Crm__Leads__UpdatePoolRequest *r, Crm__Leads__LeadPool *p)
{
    crm__leads__lead_pool__init(p);
    p->id = r->id;
    p->name = crm_mask_has(r->update_mask, r->n_update_mask, "name") ? r->name : "-";
    p->description = r->description;
    p->admin_ids = r->admin_ids;
    p->n_admin_ids = r->n_admin_ids;
    p->member_user_ids = r->member_user_ids;
    p->n_member_user_ids = r->n_member_user_ids;
    p->member_department_ids = r->member_department_ids;
    p->n_member_department_ids = r->n_member_department_ids;
    p->allow_claim = r->allow_claim;
    p->daily_claim_limit = r->daily_claim_limit;
    p->holding_cap = r->holding_cap;
    p->cooloff_days = r->cooloff_days;
    p->recycle_days = r->recycle_days;
    p->warn_days = r->warn_days;
}

static void s_update_pool(crm_rpc_call_t *call, const Crm__Leads__UpdatePoolRequest *req, void *l)
{
    crm_err_t err;
    if (!s_admin_only(call) || !crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_pool_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    Crm__Leads__LeadPool p;
    s_patch_view(req, &p);
    if (!s_check_pool(call, &p))
        return;
    char *mask = crm_mask_param(req->update_mask, req->n_update_mask);
    s_write_pool(call, l, &p, mask);
    free(mask);
}

/* May the caller read this pool (row 0 of r)? Admins, and the pool's own
 * admins and members: the rest are told it does not exist, as the list does
 * not show it to them. */
static int s_may_read(crm_rpc_call_t *call, const PGresult *r, const PGresult *path)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    if (crm_scope_all(c))
        return 1;
    Crm__Leads__LeadPool pool;
    leads_pool_row(r, 0, &pool);
    int ok = leads_pool_is_admin(&pool, c) || leads_pool_is_member_at(&pool, c, path);
    leads_pool_clear(&pool);
    return ok;
}

static void s_pools_read(void *arg, const crm_db_result_t *res)
{
    pool_call_t *pc = arg;
    if (res->err)
        crm_fail_db(pc->call, res);
    else if (PQntuples(res->results[0]) == 0 ||
             !s_may_read(pc->call, res->results[0], res->results[1]))
        crm_rpc_fail(pc->call, CRM__STATUS__NOT_FOUND, "id", "pool not found");
    else
        s_reply_pools(pc->call, res->results[0], 1);
    free(pc);
}

static void s_get_pool(crm_rpc_call_t *call, const Crm__Leads__GetPoolRequest *req, void *l)
{
    if (!crm_check_id(call, "id", req->id))
        return;
    pool_call_t *pc = crm_calloc(1, sizeof *pc);
    pc->l = l;
    pc->call = call;
    /* The pool, and the caller's department path (a member department
     * takes in its sub-departments, as for claims and ListPools). */
    char id[24], dept[24];
    const char *p[] = {crm_i64(id, req->id)};
    const char *d[] = {crm_i64(dept, crm_rpc_call_caller(call)->department_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, POOL_READ " WHERE p.id = $1::bigint", 1, p);
    crm_db_batch_add(b, CRM_ORG_PATH_SQL, 1, d);
    crm_db_submit(pc->l->db, &b, s_pools_read, pc);
}

static void s_pools_listed(void *arg, const crm_db_result_t *res)
{
    pool_call_t *pc = arg;
    if (res->err)
        crm_fail_db(pc->call, res);
    else
        s_reply_pools(pc->call, res->results[0], 0);
    free(pc);
}

static void s_list_pools(crm_rpc_call_t *call, const Crm__Leads__ListPoolsRequest *req, void *l)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    pool_call_t *pc = crm_calloc(1, sizeof *pc);
    pc->l = l;
    pc->call = call;
    char user[24], dept[24];
    const char *p[] = {crm_i64(user, c->user_id), crm_i64(dept, c->department_id),
                       req->mine || !crm_scope_all(c) ? "true" : "false"};
    crm_db_exec(pc->l->db,
                POOL_READ " WHERE NOT $3::boolean OR $1::bigint = ANY(p.admin_ids)"
                          " OR $1::bigint = ANY(p.member_user_ids)"
                          " OR $2::bigint = ANY(p.member_department_ids)"
                          " OR p.member_department_ids && crm_org_path($2::bigint) ORDER BY p.id",
                3, p, s_pools_listed, pc);
}

/* ---- options ------------------------------------------------------------ */

static void s_options_read(void *arg, const crm_db_result_t *res)
{
    pool_call_t *pc = arg;
    if (res->err) {
        crm_fail_db(pc->call, res);
        free(pc);
        return;
    }
    const PGresult *r = res->results[res->nresults - 1];
    int n = PQntuples(r);
    char **v[3];
    size_t nv[3] = {0};
    for (int k = 0; k < 3; k++)
        v[k] = crm_calloc((size_t)n + 1, sizeof *v[k]);
    for (int i = 0; i < n; i++) {
        const char *kind = crm_db_get(r, i, 0);
        int k = kind[0] == 'l' ? 0 : kind[0] == 'i' ? 1 : 2;
        v[k][nv[k]++] = (char *)crm_db_get(r, i, 1);
    }
    Crm__Leads__LeadOptions o = CRM__LEADS__LEAD_OPTIONS__INIT;
    o.levels = v[0];
    o.n_levels = nv[0];
    o.industries = v[1];
    o.n_industries = nv[1];
    o.sources = v[2];
    o.n_sources = nv[2];
    crm_rpc_reply(pc->call, &o.base);
    for (int k = 0; k < 3; k++)
        free(v[k]);
    free(pc);
}

#define OPTIONS_READ "SELECT kind, value FROM lead_options ORDER BY kind, position"

static void s_get_options(crm_rpc_call_t *call, const Crm__Empty *req, void *l)
{
    pool_call_t *pc = crm_calloc(1, sizeof *pc);
    pc->l = l;
    pc->call = call;
    crm_db_exec(pc->l->db, OPTIONS_READ, 0, NULL, s_options_read, pc);
}

/* Checks one list: 1..100 values of 1..50 characters, no repeats. */
static int s_check_list(crm_rpc_call_t *call, const char *field, char **v, size_t n)
{
    if (n > 100) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "at most 100 values");
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!crm_check_text(call, field, v[i], 50, 1))
            return 0;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(v[i], v[j]) == 0) {
                crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "\"%s\" is given twice",
                             v[i]);
                return 0;
            }
        }
    }
    return 1;
}

static void s_set_options(crm_rpc_call_t *call, const Crm__Leads__LeadOptions *o, void *l)
{
    if (!crm_scope_all(crm_rpc_call_caller(call))) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only admins change the lists");
        return;
    }
    if (!s_check_list(call, "levels", o->levels, o->n_levels) ||
        !s_check_list(call, "industries", o->industries, o->n_industries) ||
        !s_check_list(call, "sources", o->sources, o->n_sources))
        return;
    const char *kinds[] = {"level", "industry", "source"};
    char *arrays[] = {crm_db_text_array(o->levels, o->n_levels),
                      crm_db_text_array(o->industries, o->n_industries),
                      crm_db_text_array(o->sources, o->n_sources)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "DELETE FROM lead_options", 0, NULL);
    for (int k = 0; k < 3; k++) {
        const char *p[] = {kinds[k], arrays[k]};
        crm_db_batch_add(b,
                         "INSERT INTO lead_options (kind, position, value) SELECT $1, i, v"
                         " FROM unnest($2::text[]) WITH ORDINALITY AS t(v, i)",
                         2, p);
        free(arrays[k]);
    }
    crm_db_batch_add(b, OPTIONS_READ, 0, NULL);
    pool_call_t *pc = crm_calloc(1, sizeof *pc);
    pc->l = l;
    pc->call = call;
    crm_db_submit(pc->l->db, &b, s_options_read, pc);
}

void leads_pools_handlers(leads_handlers_t *h)
{
    h->create_pool = s_create_pool;
    h->update_pool = s_update_pool;
    h->get_pool = s_get_pool;
    h->list_pools = s_list_pools;
    h->get_options = s_get_options;
    h->set_options = s_set_options;
}
