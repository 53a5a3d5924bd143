/* leads_rpc.c: one lead at a time: Leads.Create, Get, Update, FollowUp and
 * Convert. Create writes a new row; the others go through the change
 * engine (leads_change.c) like the batch actions. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/idem.h"
#include "crm/log.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "leads.h"

#define CACHE_TTL_S 300

void leads_cache_key(int64_t id, char out[32])
{
    snprintf(out, 32, "lead:%lld", (long long)id);
}

/* Adds the check of the configured lists to b. */
static void s_add_options_check(crm_db_batch_t *b, const char *level, const char *industry,
                                const char *source)
{
    const char *p[] = {level ? level : "", industry ? industry : "", source ? source : ""};
    crm_db_batch_add(b, LEADS_CHECK_OPTIONS, 3, p);
}

/* Fails call if r (LEADS_CHECK_OPTIONS) names a value not in its list. */
static int s_options_ok(crm_rpc_call_t *call, const PGresult *r, const char *level,
                        const char *industry, const char *source)
{
    if (PQntuples(r) == 0)
        return 1;
    const char *kind = crm_db_get(r, 0, 0);
    const char *v = strcmp(kind, "level") == 0      ? level
                    : strcmp(kind, "industry") == 0 ? industry
                                                    : source;
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, kind,
                 "%s \"%s\" is not one of the configured values (Leads.GetOptions)", kind, v);
    return 0;
}

/* ---- Leads.Create ----------------------------------------------------- */

typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
    crm_db_tx_t *tx;
    Crm__Leads__Lead lead;
    lead_norm_t norm;
    int check_duplicate;
    int idem;       /* statements of the idempotency lookup */
    uint8_t *reply; /* the encoded reply, stored with the lead */
    size_t reply_len;
} create_t;

static void s_create_free(create_t *c)
{
    free(c->reply);
    free(c);
}

static void s_create_committed(void *arg, const crm_db_result_t *res)
{
    create_t *c = arg;
    if (res->err) {
        crm_fail_db(c->call, res);
    } else {
        crm_rpc_reply_raw(c->call, c->reply, c->reply_len);
        crm_relay_kick(c->l->relay);
    }
    s_create_free(c);
}

/* Encodes the reply and stores it with the lead: the lead, masked for a
 * pool's member (its admins see the contacts with Get). Call after the
 * writes: masking changes it. */
static void s_create_reply(create_t *c, crm_db_batch_t *b)
{
    char mask[5][64];
    if (c->lead.pool_id && !crm_scope_all(crm_rpc_call_caller(c->call)))
        leads_mask(&c->lead, mask);
    c->reply = crm_idem_record(b, c->call, &c->lead.base, &c->reply_len);
}

/* The pool a create puts the lead in must exist and take the caller. */
static int s_create_pool_ok(create_t *c, const PGresult *r)
{
    if (PQntuples(r) == 0) {
        crm_rpc_fail(c->call, CRM__STATUS__NOT_FOUND, "pool_id", "pool %lld not found",
                     (long long)c->lead.pool_id);
        return 0;
    }
    Crm__Leads__LeadPool pool;
    leads_pool_row(r, 0, &pool);
    int ok = leads_pool_is_member(&pool, crm_rpc_call_caller(c->call));
    leads_pool_clear(&pool);
    if (!ok)
        crm_rpc_fail(c->call, CRM__STATUS__PERMISSION_DENIED, "pool_id",
                     "you are not a member of pool %lld", (long long)c->lead.pool_id);
    return ok;
}

static void s_create_checked(void *arg, const crm_db_result_t *res)
{
    create_t *c = arg;
    Crm__Leads__Lead *lead = &c->lead;
    int ok = !res->err;
    if (res->err)
        crm_fail_db(c->call, res);
    /* results: [idempotency lock, lookup], next id, options, [pool],
     * [mobile lock, duplicate] */
    size_t i = (size_t)c->idem, k = i + 2;
    if (ok && c->idem && crm_idem_replayed(c->call, res->results[1]))
        ok = 0; /* an earlier attempt of this call created it */
    if (ok)
        ok = s_options_ok(c->call, res->results[i + 1], lead->level, lead->industry, lead->source);
    if (ok && lead->pool_id)
        ok = s_create_pool_ok(c, res->results[k++]);
    if (ok && c->check_duplicate && PQntuples(res->results[k + 1]) > 0) {
        crm_rpc_fail(c->call, CRM__STATUS__ALREADY_EXISTS, "mobile",
                     "lead %lld already has mobile %s (set allow_duplicate to create anyway)",
                     (long long)crm_db_get_i64(res->results[k + 1], 0, 0), c->norm.mobile);
        ok = 0;
    }
    if (!ok) {
        crm_db_tx_rollback(c->tx);
        s_create_free(c);
        return;
    }
    lead->id = crm_db_get_i64(res->results[i], 0, 0);
    lead->created_at_us = lead->updated_at_us = crm_db_get_i64(res->results[i], 0, 1);
    if (lead->owner_id)
        lead->owner_since_us = lead->created_at_us;
    else
        lead->pooled_at_us = lead->created_at_us;
    crm_db_batch_t *b = crm_db_batch_new();
    leads_store_insert(b, lead);
    lead_history_t h = {.lead_id = lead->id,
                        .action = "created",
                        .actor_id = lead->creator_id,
                        .at_us = lead->created_at_us,
                        .to_owner_id = lead->owner_id,
                        .pool_id = lead->pool_id};
    leads_store_history(b, &h);
    leads_emit_created(b, lead);
    s_create_reply(c, b);
    crm_db_tx_commit(c->tx, &b, s_create_committed, c);
}

static void s_create_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    create_t *c = arg;
    if (!tx) {
        crm_fail_db(c->call, err);
        s_create_free(c);
        return;
    }
    c->tx = tx;
    crm_db_batch_t *b = crm_db_batch_new();
    c->idem = crm_idem_lookup(b, c->call);
    crm_db_batch_add(b, "lead_next_id", 0, NULL);
    s_add_options_check(b, c->lead.level, c->lead.industry, c->lead.source);
    if (c->lead.pool_id) {
        char id[24];
        const char *p[] = {crm_i64(id, c->lead.pool_id)};
        crm_db_batch_add(b, "SELECT " POOL_COLUMNS " FROM lead_pools WHERE id = $1::bigint", 1, p);
    }
    if (c->check_duplicate) {
        const char *p[] = {c->norm.mobile, "0"};
        crm_db_batch_add(b, "lead_mobile_lock", 1, p);
        crm_db_batch_add(b, "lead_by_mobile", 2, p);
    }
    crm_db_tx_submit(tx, &b, s_create_checked, c);
}

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
    c->l = l;
    c->call = call;
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
    lead->creator_id = caller->user_id;
    lead->status = owner ? LS(PENDING) : LS(UNASSIGNED);
    c->check_duplicate = c->norm.mobile[0] && !req->allow_duplicate;
    crm_db_begin(l->db, s_create_began, c);
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
    char mask[5][64];
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
    for (size_t i = 0; i < req->n_update_mask; i++)
        if (strcmp(req->update_mask[i], name) == 0)
            return 1;
    return 0;
}

static void s_update_load(leads_change_t *c, crm_db_batch_t *b)
{
    const Crm__Leads__UpdateLeadRequest *req = leads_change_request(c);
    update_t *u = leads_change_data(c);
    s_add_options_check(b, s_in_mask(req, "level") ? req->level : "",
                        s_in_mask(req, "industry") ? req->industry : "",
                        s_in_mask(req, "source") ? req->source : "");
    if (u->masked_mobile && u->norm.mobile[0] && !req->allow_duplicate) {
        char id[24];
        const char *p[] = {u->norm.mobile, crm_i64(id, req->id)};
        crm_db_batch_add(b, "lead_mobile_lock", 1, p);
        crm_db_batch_add(b, "lead_by_mobile", 2, p);
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

static int s_update_apply(leads_change_t *c, lead_row_t *row, const Crm__Leads__Lead *before)
{
    const Crm__Leads__UpdateLeadRequest *req = leads_change_request(c);
    update_t *u = leads_change_data(c);
    const char *why;
    if (!leads_next_status(LEAD_ACT_EDIT, before->status, 0, &why))
        return leads_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "%s", why);
    if (leads_check_pool_admin(c, before) < 0)
        return -1;
    const PGresult *opts = leads_change_ctx(c, 0);
    if (PQntuples(opts) > 0)
        return leads_refuse_at(c, CRM__STATUS__INVALID_ARGUMENT, crm_db_get(opts, 0, 0),
                               "%s is not one of the configured values (Leads.GetOptions)",
                               crm_db_get(opts, 0, 0));
    const PGresult *dup = leads_change_ctx(c, 2);
    if (dup && PQntuples(dup) > 0)
        return leads_refuse_at(c, CRM__STATUS__ALREADY_EXISTS, "mobile",
                               "lead %lld already has mobile %s (set allow_duplicate to save "
                               "anyway)",
                               (long long)crm_db_get_i64(dup, 0, 0), u->norm.mobile);
    s_update_fields(req, u, &row->lead);
    json_t *d = json_array();
    for (size_t i = 0; i < u->nchanged; i++)
        json_array_append_new(d, json_string(u->changed[i]));
    char *s = json_dumps(d, JSON_COMPACT);
    leads_change_detail(c, s);
    free(s);
    json_decref(d);
    return 0;
}

static void s_update_emit(leads_change_t *c, const Crm__Leads__Lead *before, lead_row_t *row,
                          crm_db_batch_t *b)
{
    update_t *u = leads_change_data(c);
    leads_emit_changed(b, "updated", before, &row->lead, leads_change_caller(c)->user_id, "",
                       u->changed, u->nchanged);
}

static void s_single_reply(leads_change_t *c)
{
    leads_change_mask(c, 0);
    leads_change_respond(c, &leads_change_row(c, 0)->lead.base);
}

static const leads_op_t s_update_op = {.action = "updated",
                                       .ids_field = "id",
                                       .load = s_update_load,
                                       .apply = s_update_apply,
                                       .emit = s_update_emit,
                                       .reply = s_single_reply,
                                       .done = free};

/* The mask names only editable fields. */
static int s_check_mask(crm_rpc_call_t *call, const Crm__Leads__UpdateLeadRequest *req)
{
    if (req->n_update_mask == 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "update_mask",
                     "name the fields to change");
        return 0;
    }
    for (size_t i = 0; i < req->n_update_mask; i++) {
        const char *f = req->update_mask[i];
        int known = strcmp(f, "tags") == 0 || strcmp(f, "next_followup_at_us") == 0;
        for (size_t j = 0; !known && j < N_EDIT; j++)
            known = strcmp(f, s_edit_fields[j].name) == 0;
        if (!known) {
            crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "update_mask",
                         "\"%s\" is not an editable field", f);
            return 0;
        }
    }
    return 1;
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

/* ---- Leads.FollowUp ----------------------------------------------------- */

static void s_followup_load(leads_change_t *c, crm_db_batch_t *b)
{
    crm_db_batch_add(b, "SELECT nextval('lead_followups_id_seq')", 0, NULL);
}

/* The follow-up the request describes (id from the load). */
static void s_followup_of(leads_change_t *c, Crm__Leads__FollowUp *f)
{
    const Crm__Leads__FollowUpLeadRequest *req = leads_change_request(c);
    crm__leads__follow_up__init(f);
    f->id = crm_db_get_i64(leads_change_ctx(c, 0), 0, 0);
    f->lead_id = req->lead_id;
    f->user_id = leads_change_caller(c)->user_id;
    f->at_us = req->at_us ? req->at_us : leads_change_now(c);
    f->content = req->content;
    f->method = req->method;
    f->next_followup_at_us = req->next_followup_at_us;
    f->attachments = req->attachments;
    f->n_attachments = req->n_attachments;
    f->created_at_us = leads_change_now(c);
}

static int s_followup_apply(leads_change_t *c, lead_row_t *row, const Crm__Leads__Lead *before)
{
    const Crm__Leads__FollowUpLeadRequest *req = leads_change_request(c);
    if (leads_move(c, row, LEAD_ACT_FOLLOW_UP) < 0)
        return -1;
    int64_t at = req->at_us ? req->at_us : leads_change_now(c);
    if (at > leads_change_now(c) + 60000000)
        return leads_refuse_at(c, CRM__STATUS__INVALID_ARGUMENT, "at_us",
                               "a follow-up cannot happen in the future");
    if (at >= row->lead.last_followup_at_us) {
        row->lead.last_followup_at_us = at;
        row->lead.last_followup_content = req->content;
    }
    row->lead.next_followup_at_us = req->next_followup_at_us;
    return 0;
}

static void s_followup_write(leads_change_t *c, const Crm__Leads__Lead *before, lead_row_t *row,
                             crm_db_batch_t *b)
{
    Crm__Leads__FollowUp f;
    s_followup_of(c, &f);
    char id[24], lead[24], user[24], at[24], method[8], next[24];
    char *att = crm_db_text_array(f.attachments, f.n_attachments);
    const char *p[] = {crm_i64(id, f.id),
                       crm_i64(lead, f.lead_id),
                       crm_i64(user, f.user_id),
                       crm_i64(at, f.at_us),
                       f.content,
                       crm_i64(method, f.method),
                       crm_i64(next, f.next_followup_at_us),
                       att};
    crm_db_batch_add(b,
                     "INSERT INTO lead_followups (id, lead_id, user_id, at, content, method,"
                     " next_followup_at, attachments) VALUES ($1::bigint, $2::bigint,"
                     " $3::bigint, crm_ts($4::bigint), $5, $6::smallint, crm_ts($7::bigint),"
                     " $8::text[])",
                     8, p);
    free(att);
}

static void s_followup_emit(leads_change_t *c, const Crm__Leads__Lead *before, lead_row_t *row,
                            crm_db_batch_t *b)
{
    Crm__Leads__FollowUp f;
    s_followup_of(c, &f);
    Crm__Events__LeadFollowedUp ev = CRM__EVENTS__LEAD_FOLLOWED_UP__INIT;
    ev.follow_up = &f;
    ev.lead = &row->lead;
    char id[24];
    crm_outbox_add(b, "lead.followed_up", crm_i64(id, row->lead.id), &ev.base);
}

static void s_followup_reply(leads_change_t *c)
{
    Crm__Leads__FollowUp f;
    s_followup_of(c, &f);
    leads_change_mask(c, 0);
    Crm__Leads__FollowUpLeadReply reply = CRM__LEADS__FOLLOW_UP_LEAD_REPLY__INIT;
    reply.follow_up = &f;
    reply.lead = &leads_change_row(c, 0)->lead;
    leads_change_respond(c, &reply.base);
}

/* Team members follow a lead up as its owner does. */
static int s_followup_visible(leads_change_t *c, const Crm__Leads__Lead *lead)
{
    return leads_can_read(leads_change_caller(c), lead, leads_change_pool(c, lead->pool_id));
}

static const leads_op_t s_followup_op = {.action = "followed_up",
                                         .ids_field = "lead_id",
                                         .load = s_followup_load,
                                         .apply = s_followup_apply,
                                         .write = s_followup_write,
                                         .emit = s_followup_emit,
                                         .reply = s_followup_reply,
                                         .visible = s_followup_visible};

static void s_followup(crm_rpc_call_t *call, const Crm__Leads__FollowUpLeadRequest *req, void *arg)
{
    if (!crm_check_id(call, "lead_id", req->lead_id) ||
        !crm_check_text(call, "content", req->content, 5000, 1))
        return;
    if (req->method < CRM__LEADS__FOLLOW_UP_METHOD__FOLLOW_UP_METHOD_PHONE ||
        req->method > CRM__LEADS__FOLLOW_UP_METHOD__FOLLOW_UP_METHOD_OTHER) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "method",
                     "say how it was followed up (phone, visit, wechat, email, sms, other)");
        return;
    }
    if (!crm_check_time(call, "at_us", req->at_us) ||
        !crm_check_time(call, "next_followup_at_us", req->next_followup_at_us))
        return;
    if (req->n_attachments > 20) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "attachments", "at most 20 attachments");
        return;
    }
    for (size_t i = 0; i < req->n_attachments; i++)
        if (!crm_check_text(call, "attachments", req->attachments[i], 500, 1))
            return;
    leads_change_run(arg, call, &s_followup_op, &req->lead_id, 1, "", NULL);
}

/* ---- Leads.Convert ---------------------------------------------------- */

static void s_convert_load(leads_change_t *c, crm_db_batch_t *b)
{
    const Crm__Leads__ConvertLeadRequest *req = leads_change_request(c);
    char id[24];
    const char *p[] = {crm_i64(id, req->id), req->copy_followups ? "true" : "false"};
    s_add_options_check(b, req->level, req->industry, req->source);
    crm_db_batch_add(b,
                     "SELECT " FOLLOWUP_COLUMNS " FROM lead_followups WHERE lead_id = $1::bigint"
                     " AND $2::boolean ORDER BY id",
                     2, p);
}

static int s_convert_apply(leads_change_t *c, lead_row_t *row, const Crm__Leads__Lead *before)
{
    const PGresult *opts = leads_change_ctx(c, 0);
    if (PQntuples(opts) > 0)
        return leads_refuse_at(c, CRM__STATUS__INVALID_ARGUMENT, crm_db_get(opts, 0, 0),
                               "%s is not one of the configured values (Leads.GetOptions)",
                               crm_db_get(opts, 0, 0));
    if (leads_move(c, row, LEAD_ACT_CONVERT) < 0)
        return -1;
    row->lead.converted_at_us = leads_change_now(c);
    return 0;
}

/* An override when given, else the lead's own value. */
static char *s_or(const char *override, const char *own)
{
    return (char *)(override && *override ? override : own);
}

static void s_convert_emit(leads_change_t *c, const Crm__Leads__Lead *before, lead_row_t *row,
                           crm_db_batch_t *b)
{
    const Crm__Leads__ConvertLeadRequest *req = leads_change_request(c);
    Crm__Leads__Lead *lead = &row->lead;
    Crm__Events__LeadConverted ev = CRM__EVENTS__LEAD_CONVERTED__INIT;
    ev.lead = lead;
    ev.customer_name = s_or(req->customer_name, lead->name);
    ev.contact_name = s_or(req->contact_name, lead->name);
    ev.level = s_or(req->level, lead->level);
    ev.source = s_or(req->source, lead->source);
    ev.industry = s_or(req->industry, lead->industry);
    const lead_norm_t *norm = leads_change_data(c);
    ev.mobile = s_or(norm->mobile, lead->mobile);
    ev.telephone = s_or(norm->telephone, lead->telephone);
    ev.tags = req->n_tags ? req->tags : lead->tags;
    ev.n_tags = req->n_tags ? req->n_tags : lead->n_tags;
    ev.remark = s_or(req->remark, lead->remark);
    ev.next_followup_at_us = req->next_followup_at_us;
    ev.converted_by = leads_change_caller(c)->user_id;
    const PGresult *fr = leads_change_ctx(c, 1);
    size_t nf = (size_t)PQntuples(fr);
    Crm__Leads__FollowUp *fs = crm_calloc(nf + 1, sizeof *fs);
    Crm__Leads__FollowUp **fp = crm_calloc(nf + 1, sizeof *fp);
    for (size_t i = 0; i < nf; i++) {
        leads_followup_row(fr, (int)i, &fs[i]);
        fp[i] = &fs[i];
    }
    ev.follow_ups = fp;
    ev.n_follow_ups = nf;
    char id[24];
    crm_outbox_add(b, "lead.converted", crm_i64(id, lead->id), &ev.base);
    for (size_t i = 0; i < nf; i++)
        leads_followup_clear(&fs[i]);
    free(fs);
    free(fp);
}

static void s_convert_reply(leads_change_t *c)
{
    leads_change_mask(c, 0);
    Crm__Leads__ConvertLeadReply reply = CRM__LEADS__CONVERT_LEAD_REPLY__INIT;
    reply.lead = &leads_change_row(c, 0)->lead;
    leads_change_respond(c, &reply.base);
}

static const leads_op_t s_convert_op = {.action = "converted",
                                        .ids_field = "id",
                                        .load = s_convert_load,
                                        .apply = s_convert_apply,
                                        .emit = s_convert_emit,
                                        .reply = s_convert_reply,
                                        .done = free};

static void s_convert(crm_rpc_call_t *call, const Crm__Leads__ConvertLeadRequest *req, void *arg)
{
    lead_input_t in = {.name = req->customer_name,
                       .mobile = req->mobile,
                       .telephone = req->telephone,
                       .level = req->level,
                       .source = req->source,
                       .industry = req->industry,
                       .remark = req->remark,
                       .tags = req->tags,
                       .n_tags = req->n_tags};
    lead_norm_t *norm = crm_calloc(1, sizeof *norm);
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "contact_name", req->contact_name, 100, 0) ||
        !leads_check_input(call, &in, 1, norm)) {
        free(norm);
        return;
    }
    leads_change_run(arg, call, &s_convert_op, &req->id, 1, "", norm);
}

void leads_rpc_handlers(leads_handlers_t *h)
{
    h->create = s_create;
    h->get = s_get;
    h->update = s_update;
    h->follow_up = s_followup;
    h->convert = s_convert;
}
