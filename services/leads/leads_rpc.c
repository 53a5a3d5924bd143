/* leads_rpc.c: one lead at a time: Leads.Create, Get and Update (FollowUp
 * and Convert are in leads_progress.c). Create is a write transaction of
 * its own (crm/txn.h); Update is an op of the change engine
 * (crm/change.h) on the lead kind (leads_kind.c), like the batch actions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/mask.h"
#include "crm/log.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "leads.h"

#define CACHE_TTL_S 300

void leads_read_options(crm_txn_t *t, const char *level, const char *industry, const char *source)
{
    const char *p[] = {level ? level : "", industry ? industry : "", source ? source : ""};
    crm_txn_read(t, "options", LEADS_CHECK_OPTIONS, 3, p);
}

/* ---- Leads.Create ----------------------------------------------------- */

typedef struct {
    Crm__Leads__Lead lead;
    lead_norm_t norm;
    int check_duplicate;
    int64_t named_department; /* the request's department_id (0: none) */
} create_t;

/* Round 1: the new id, the lists, the pool the lead goes to, the leads
 * that have its mobile (serialised on the number until commit). */
static void s_create_read(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    crm_txn_read(t, "next_id", "lead_next_id", 0, NULL);
    leads_read_options(t, c->lead.level, c->lead.industry, c->lead.source);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "owner_id", c->lead.owner_id);
    crm_org_department(refs, "department_id", c->named_department);
    crm_org_read(t, "org", &refs);
    if (c->lead.pool_id) {
        char id[24];
        const char *p[] = {crm_i64(id, c->lead.pool_id)};
        crm_txn_read(t, "pool", "SELECT " POOL_COLUMNS " FROM lead_pools WHERE id = $1::bigint", 1,
                     p);
    }
    if (c->check_duplicate) {
        const char *p[] = {c->norm.mobile, "0"};
        crm_txn_read(t, "mobile_lock", "lead_mobile_lock", 1, p);
        crm_txn_read(t, "duplicate", "lead_by_mobile", 2, p);
        leads_probe_read(t, c->norm.mobile, NULL);
    }
}

/* The pool a create puts the lead in must exist and take the caller: 0,
 * or -1 after refusing. */
static int s_create_pool_ok(crm_txn_t *t, int64_t pool_id)
{
    const PGresult *r = crm_txn_result(t, "pool");
    if (PQntuples(r) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "pool_id", "pool %lld not found",
                              (long long)pool_id);
    Crm__Leads__LeadPool pool;
    leads_pool_row(r, 0, &pool);
    int ok = leads_pool_is_member(&pool, crm_txn_caller(t));
    leads_pool_clear(&pool);
    if (!ok)
        return crm_txn_refuse(t, CRM__STATUS__PERMISSION_DENIED, "pool_id",
                              "you are not a member of pool %lld", (long long)pool_id);
    return 0;
}

/* The owner and the department named must be known and active (crm/org.h);
 * a lead given to someone else without a department takes its owner's: 0,
 * or -1 after refusing. */
static int s_create_org_ok(crm_txn_t *t, create_t *c)
{
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_txn_result(t, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    int64_t dept = crm_org_department_of(org, "owner_id");
    if (!c->named_department && c->lead.owner_id != crm_txn_caller(t)->user_id && dept)
        c->lead.department_id = dept;
    return 0;
}

static int s_create_decide(crm_txn_t *t)
{
    create_t *c = crm_txn_data(t);
    Crm__Leads__Lead *lead = &c->lead;
    const PGresult *opts = crm_txn_result(t, "options");
    if (PQntuples(opts) > 0) {
        const char *kind = crm_db_get(opts, 0, 0);
        const char *v = !strcmp(kind, "level")      ? lead->level
                        : !strcmp(kind, "industry") ? lead->industry
                                                    : lead->source;
        return crm_txn_refuse(
            t, CRM__STATUS__INVALID_ARGUMENT, kind,
            "%s \"%s\" is not one of the configured values (GET /api/v1/lead-options)", kind, v);
    }
    if (s_create_org_ok(t, c) < 0 || (lead->pool_id && s_create_pool_ok(t, lead->pool_id) < 0))
        return -1;
    crm_err_t err;
    if (c->check_duplicate && leads_probe_duplicate(t, crm_txn_result(t, "duplicate"),
                                                    c->norm.mobile, "create", &err) < 0)
        return crm_txn_refuse(t, err.status, err.field, "%s", err.message);
    const PGresult *next = crm_txn_result(t, "next_id");
    lead->id = crm_db_get_i64(next, 0, 0);
    lead->created_at_us = lead->updated_at_us = crm_db_get_i64(next, 0, 1);
    if (lead->owner_id)
        lead->owner_since_us = lead->created_at_us;
    else
        lead->pooled_at_us = lead->created_at_us;
    crm_db_batch_t *b = crm_txn_batch(t);
    leads_store_insert(b, lead);
    lead_history_t h = {.lead_id = lead->id,
                        .action = "created",
                        .actor_id = lead->creator_id,
                        .at_us = lead->created_at_us,
                        .to_owner_id = lead->owner_id,
                        .pool_id = lead->pool_id};
    leads_store_history(b, &h);
    leads_emit_created(b, lead);
    /* The reply: the lead, masked for a pool's member (its admins see the
     * contacts with Get); after the writes, since masking changes it. */
    char mask[5][CRM_POOL_MASK_LEN];
    if (lead->pool_id && !crm_scope_all(crm_txn_caller(t)))
        leads_mask(lead, mask);
    crm_txn_reply(t, &lead->base);
    return 0;
}

static const crm_txn_op_t s_create_op = {
    .read = s_create_read, .decide = s_create_decide, .done = free};

/* Who owns a new lead, or 0 after failing call. */
static int s_create_owner(crm_rpc_call_t *call, const Crm__Leads__CreateLeadRequest *req,
                          int64_t *owner)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (req->owner_id < 0 || req->department_id < 0 || req->pool_id < 0) {
        const char *f = req->owner_id < 0  ? "owner_id"
                        : req->pool_id < 0 ? "pool_id"
                                           : "department_id";
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, f, "must not be negative");
        return 0;
    }
    if (req->pool_id && req->owner_id) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "owner_id",
                     "a lead goes to an owner or into a pool, not both");
        return 0;
    }
    *owner = req->pool_id ? 0 : req->owner_id ? req->owner_id : caller->user_id;
    if (*owner && !crm_scope_allows(caller, *owner)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "owner_id",
                     "you may not create leads for user %lld", (long long)*owner);
        return 0;
    }
    /* The system (no user) names where the lead goes: an owner, a pool, or
     * a department (whose users then see and claim it). */
    if (!*owner && !req->pool_id && !req->department_id) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "owner_id",
                     "give an owner, a pool or a department");
        return 0;
    }
    if (!*owner && !req->pool_id && !crm_scope_all(caller) &&
        req->department_id != caller->department_id) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "department_id",
                     "you may leave unowned leads only in your own department");
        return 0;
    }
    return 1;
}

static void s_create(crm_rpc_call_t *call, const Crm__Leads__CreateLeadRequest *req, void *arg)
{
    leads_t *l = arg;
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    lead_input_t in = {req->name,   req->mobile,   req->telephone, req->email,    req->wechat,
                       req->qq,     req->company,  req->source,    req->level,    req->industry,
                       req->remark, req->province, req->city,      req->district, req->address,
                       req->tags,   req->n_tags};
    create_t *c = crm_calloc(1, sizeof *c);
    int64_t owner = 0;
    if (!leads_check_input(call, &in, 0, &c->norm) || !s_create_owner(call, req, &owner) ||
        !crm_check_time(call, "next_followup_at_us", req->next_followup_at_us)) {
        free(c);
        return;
    }
    Crm__Leads__Lead *lead = &c->lead;
    crm__leads__lead__init(lead);
    lead->name = req->name;
    lead->mobile = c->norm.mobile;
    lead->telephone = c->norm.telephone;
    lead->email = req->email;
    lead->wechat = req->wechat;
    lead->qq = req->qq;
    lead->company = req->company;
    lead->source = req->source;
    lead->level = req->level;
    lead->industry = req->industry;
    lead->remark = req->remark;
    lead->tags = req->tags;
    lead->n_tags = req->n_tags;
    lead->province = req->province;
    lead->city = req->city;
    lead->district = req->district;
    lead->address = req->address;
    lead->next_followup_at_us = req->next_followup_at_us;
    lead->owner_id = owner;
    lead->pool_id = req->pool_id;
    lead->department_id = req->department_id ? req->department_id : caller->department_id;
    c->named_department = req->department_id;
    lead->creator_id = caller->user_id;
    lead->status = owner ? LS(PENDING) : LS(UNASSIGNED);
    c->check_duplicate = c->norm.mobile[0] && !req->allow_duplicate;
    crm_txn_run(&l->env, call, &s_create_op, c);
}

/* ---- Leads.Get -------------------------------------------------------- */

typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
    int64_t id;
} get_t;

/* Replies with lead if the caller may see it (pool: its pool, when pooled). */
static void s_get_reply(crm_rpc_call_t *call, Crm__Leads__Lead *lead,
                        const Crm__Leads__LeadPool *pool, int64_t id)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (!lead || !leads_can_read(caller, lead, pool)) {
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "id", "lead %lld not found", (long long)id);
        return;
    }
    char mask[5][CRM_POOL_MASK_LEN];
    if (leads_must_mask(caller, lead, pool))
        leads_mask(lead, mask);
    crm_rpc_reply(call, &lead->base);
}

static void s_cache_put(leads_t *l, const Crm__Leads__Lead *lead)
{
    size_t len = crm__leads__lead__get_packed_size(lead);
    uint8_t *buf = crm_malloc(len);
    crm__leads__lead__pack(lead, buf);
    char key[32];
    leads_cache_key(lead->id, key);
    crm_cache_set(l->cache, key, buf, len, CACHE_TTL_S);
    free(buf);
}

static void s_get_loaded(void *arg, const crm_db_result_t *res)
{
    get_t *g = arg;
    if (res->err) {
        crm_fail_db(g->call, res);
    } else if (PQntuples(res->results[0]) == 0) {
        s_get_reply(g->call, NULL, NULL, g->id);
    } else {
        lead_row_t row;
        leads_store_row(res->results[0], 0, &row);
        s_cache_put(g->l, &row.lead);
        Crm__Leads__LeadPool pool, *pp = NULL;
        int pi = leads_pool_find(res->results[1], row.lead.pool_id);
        if (pi >= 0)
            leads_pool_row(res->results[1], pi, pp = &pool);
        s_get_reply(g->call, &row.lead, pp, g->id);
        if (pp)
            leads_pool_clear(pp);
        leads_row_clear(&row);
    }
    free(g);
}

static void s_get_from_db(get_t *g)
{
    crm_db_batch_t *b = crm_db_batch_new();
    leads_store_add_lead_and_pool(b, g->id);
    crm_db_submit(g->l->db, &b, s_get_loaded, g);
}

static void s_get_cached(void *arg, const char *value, size_t len)
{
    get_t *g = arg;
    Crm__Leads__Lead *lead =
        value ? crm__leads__lead__unpack(NULL, len, (const uint8_t *)value) : NULL;
    /* The cache answers for owned leads; a pooled lead needs its pool's
     * people, so it is read with them. */
    if (lead && lead->owner_id) {
        s_get_reply(g->call, lead, NULL, g->id);
        crm__leads__lead__free_unpacked(lead, NULL);
        free(g);
        return;
    }
    if (lead)
        crm__leads__lead__free_unpacked(lead, NULL);
    s_get_from_db(g);
}

static void s_get(crm_rpc_call_t *call, const Crm__Leads__GetLeadRequest *req, void *arg)
{
    leads_t *l = arg;
    if (!crm_check_id(call, "id", req->id))
        return;
    get_t *g = crm_calloc(1, sizeof *g);
    g->l = l;
    g->call = call;
    g->id = req->id;
    char key[32];
    leads_cache_key(req->id, key);
    crm_cache_get(l->cache, key, s_get_cached, g);
}

/* ---- Leads.Update ------------------------------------------------------- */

/* The editable fields: name in the request, and where in a Lead. */
#define EDIT_STR(f)                                                                                \
    {                                                                                              \
#f, offsetof(Crm__Leads__UpdateLeadRequest, f), offsetof(Crm__Leads__Lead, f)              \
    }
static const struct {
    const char *name;
    size_t in, out;
} s_edit_fields[] = {
    EDIT_STR(name),     EDIT_STR(mobile),   EDIT_STR(telephone), EDIT_STR(email),
    EDIT_STR(wechat),   EDIT_STR(qq),       EDIT_STR(company),   EDIT_STR(source),
    EDIT_STR(level),    EDIT_STR(industry), EDIT_STR(province),  EDIT_STR(city),
    EDIT_STR(district), EDIT_STR(address),  EDIT_STR(remark),
};
#define N_EDIT (sizeof s_edit_fields / sizeof s_edit_fields[0])

typedef struct {
    lead_norm_t norm;
    int masked_mobile; /* the mask names mobile */
    char *changed[N_EDIT + 2];
    size_t nchanged;
} update_t;

static int s_in_mask(const Crm__Leads__UpdateLeadRequest *req, const char *name)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, name);
}

static void s_update_read(crm_change_t *c)
{
    const Crm__Leads__UpdateLeadRequest *req = crm_change_request(c);
    update_t *u = crm_change_data(c);
    leads_read_options(crm_change_txn(c), s_in_mask(req, "level") ? req->level : "",
                       s_in_mask(req, "industry") ? req->industry : "",
                       s_in_mask(req, "source") ? req->source : "");
    if (u->masked_mobile && u->norm.mobile[0] && !req->allow_duplicate) {
        char id[24];
        const char *p[] = {u->norm.mobile, crm_i64(id, req->id)};
        crm_change_read(c, "mobile_lock", "lead_mobile_lock", 1, p);
        crm_change_read(c, "duplicate", "lead_by_mobile", 2, p);
        leads_probe_read(crm_change_txn(c), u->norm.mobile, NULL);
    }
}

/* Sets the masked string fields on lead; records what changed in u. */
static void s_update_fields(const Crm__Leads__UpdateLeadRequest *req, update_t *u,
                            Crm__Leads__Lead *lead)
{
    for (size_t i = 0; i < N_EDIT; i++) {
        if (!s_in_mask(req, s_edit_fields[i].name))
            continue;
        char *v = *(char **)((const char *)req + s_edit_fields[i].in);
        if (i == 1)
            v = u->norm.mobile;
        else if (i == 2)
            v = u->norm.telephone;
        char **dst = (char **)((char *)lead + s_edit_fields[i].out);
        if (strcmp(*dst, v) != 0)
            u->changed[u->nchanged++] = (char *)s_edit_fields[i].name;
        *dst = v;
    }
    if (s_in_mask(req, "tags")) {
        lead->tags = req->tags; /* the row's block stays with "before" */
        lead->n_tags = req->n_tags;
        u->changed[u->nchanged++] = "tags";
    }
    if (s_in_mask(req, "next_followup_at_us") &&
        lead->next_followup_at_us != req->next_followup_at_us) {
        lead->next_followup_at_us = req->next_followup_at_us;
        u->changed[u->nchanged++] = "next_followup_at_us";
    }
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    const Crm__Leads__UpdateLeadRequest *req = crm_change_request(c);
    update_t *u = crm_change_data(c);
    const char *why;
    if (!leads_next_status(LEAD_ACT_EDIT, before->status, 0, &why))
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL, "%s", why);
    if (leads_check_pool_admin(c, before) < 0)
        return -1;
    const PGresult *opts = crm_change_result(c, "options");
    if (PQntuples(opts) > 0)
        return crm_change_refuse(
            c, CRM__STATUS__INVALID_ARGUMENT, crm_db_get(opts, 0, 0),
            "%s is not one of the configured values (GET /api/v1/lead-options)",
            crm_db_get(opts, 0, 0));
    crm_err_t err;
    if (crm_txn_has(crm_change_txn(c), "duplicate") &&
        leads_probe_duplicate(crm_change_txn(c), crm_change_result(c, "duplicate"), u->norm.mobile,
                              "save", &err) < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    s_update_fields(req, u, &row->lead); /* the history's detail: leads_history.c */
    return 0;
}

static void s_update_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    lead_row_t *row = rec;
    const Crm__Leads__Lead *before = leads_before(prev);
    update_t *u = crm_change_data(c);
    leads_emit_changed(b, "updated", before, &row->lead, crm_change_caller(c)->user_id, "",
                       u->changed, u->nchanged);
}

static void s_single_reply(crm_change_t *c)
{
    leads_change_mask(c, 0);
    crm_change_reply(c, &leads_row(c, 0)->lead.base);
}

static const crm_change_op_t s_update_op = {.action = "updated",
                                            .ids_field = "id",
                                            .read = s_update_read,
                                            .apply = s_update_apply,
                                            .emit = s_update_emit,
                                            .reply = s_single_reply,
                                            .done = free};

/* The fields an edit may name: s_edit_fields, tags, the next follow-up
 * time, and the option allow_duplicate (naming it changes no field). */
static const char *const s_editable[] = {"name",
                                         "mobile",
                                         "telephone",
                                         "email",
                                         "wechat",
                                         "qq",
                                         "company",
                                         "source",
                                         "level",
                                         "industry",
                                         "province",
                                         "city",
                                         "district",
                                         "address",
                                         "remark",
                                         "tags",
                                         "next_followup_at_us",
                                         "allow_duplicate",
                                         NULL};

static int s_check_mask(crm_rpc_call_t *call, const Crm__Leads__UpdateLeadRequest *req)
{
    crm_err_t err;
    return crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) == 0 ||
           crm_rpc_fail_err(call, &err);
}

static void s_update(crm_rpc_call_t *call, const Crm__Leads__UpdateLeadRequest *req, void *arg)
{
    if (!crm_check_id(call, "id", req->id) || !s_check_mask(call, req))
        return;
    /* Validate the request's values of the masked fields (the others are
     * ignored, so they may be empty). */
    lead_input_t in = {0};
    if (s_in_mask(req, "name"))
        in.name = req->name;
#define TAKE(f)                                                                                    \
    do {                                                                                           \
        if (s_in_mask(req, #f))                                                                    \
            in.f = req->f;                                                                         \
    } while (0)
    TAKE(mobile);
    TAKE(telephone);
    TAKE(email);
    TAKE(wechat);
    TAKE(qq);
    TAKE(company);
    TAKE(source);
    TAKE(level);
    TAKE(industry);
    TAKE(remark);
    TAKE(province);
    TAKE(city);
    TAKE(district);
    TAKE(address);
#undef TAKE
    if (s_in_mask(req, "tags")) {
        in.tags = req->tags;
        in.n_tags = req->n_tags;
    }
    update_t *u = crm_calloc(1, sizeof *u);
    if (!leads_check_input(call, &in, !s_in_mask(req, "name"), &u->norm) ||
        !crm_check_time(call, "next_followup_at_us", req->next_followup_at_us)) {
        free(u);
        return;
    }
    u->masked_mobile = s_in_mask(req, "mobile");
    leads_change_run(arg, call, &s_update_op, &req->id, 1, "", u);
}

void leads_rpc_handlers(leads_handlers_t *h)
{
    h->create = s_create;
    h->get = s_get;
    h->update = s_update;
}
