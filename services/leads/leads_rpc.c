/* leads_rpc.c: the Leads.* request handlers. Each change runs as one
 * transaction that also writes its event into the outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/log.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "leads.h"

#define CACHE_TTL_S 300

void leads_cache_key(int64_t id, char out[32])
{
    snprintf(out, 32, "lead:%lld", (long long)id);
}

/* ---- Leads.Create ----------------------------------------------------- */

typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
    crm_db_tx_t *tx;
    Crm__Leads__Lead lead;
    char mobile[12];
    char telephone[32];
    int check_duplicate;
} create_t;

static void s_create_free(create_t *c)
{
    free(c);
}

static void s_create_committed(void *arg, const crm_db_result_t *res)
{
    create_t *c = arg;
    if (res->err) {
        crm_fail_db(c->call, res);
    } else {
        crm_rpc_reply(c->call, &c->lead.base);
        crm_relay_kick(c->l->relay);
    }
    s_create_free(c);
}

static void s_create_checked(void *arg, const crm_db_result_t *res)
{
    create_t *c = arg;
    if (res->err) {
        crm_db_tx_rollback(c->tx);
        crm_fail_db(c->call, res);
        s_create_free(c);
        return;
    }
    c->lead.id = crm_db_get_i64(res->results[0], 0, 0);
    c->lead.created_at_us = c->lead.updated_at_us = crm_db_get_i64(res->results[0], 0, 1);
    if (c->check_duplicate && PQntuples(res->results[2]) > 0) {
        int64_t other = crm_db_get_i64(res->results[2], 0, 0);
        crm_db_tx_rollback(c->tx);
        crm_rpc_fail(c->call, CRM__STATUS__ALREADY_EXISTS, "mobile",
                     "lead %lld already has mobile %s (set allow_duplicate to create anyway)",
                     (long long)other, c->mobile);
        s_create_free(c);
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    leads_store_insert(b, &c->lead);
    leads_emit_created(b, &c->lead);
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
    crm_db_batch_add(b, "lead_next_id", 0, NULL);
    if (c->check_duplicate) {
        const char *p[] = {c->mobile};
        crm_db_batch_add(b, "lead_mobile_lock", 1, p);
        crm_db_batch_add(b, "lead_by_mobile", 1, p);
    }
    crm_db_tx_submit(tx, &b, s_create_checked, c);
}

static void s_create(crm_rpc_call_t *call, void *arg)
{
    leads_t *l = arg;
    const Crm__Leads__CreateLeadRequest *req =
        (const Crm__Leads__CreateLeadRequest *)crm_rpc_call_request(call);
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    create_t *c = crm_calloc(1, sizeof *c);
    if (!crm_check_text(call, "name", req->name, 200, 1) ||
        !crm_check_mobile(call, "mobile", req->mobile, c->mobile) ||
        !crm_check_landline(call, "telephone", req->telephone, c->telephone,
                            sizeof c->telephone) ||
        !crm_check_email(call, "email", req->email) ||
        !crm_check_text(call, "company", req->company, 200, 0) ||
        !crm_check_text(call, "source", req->source, 50, 0) ||
        !crm_check_text(call, "level", req->level, 50, 0) ||
        !crm_check_text(call, "industry", req->industry, 50, 0) ||
        !crm_check_text(call, "remark", req->remark, 2000, 0)) {
        s_create_free(c);
        return;
    }
    if (req->owner_id < 0 || req->department_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT,
                     req->owner_id < 0 ? "owner_id" : "department_id", "must not be negative");
        s_create_free(c);
        return;
    }
    int64_t owner = req->owner_id ? req->owner_id : caller->user_id;
    if (owner && !crm_scope_allows(caller, owner)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "owner_id",
                     "you may not create leads for user %lld", (long long)owner);
        s_create_free(c);
        return;
    }
    c->l = l;
    c->call = call;
    Crm__Leads__Lead *lead = &c->lead;
    crm__leads__lead__init(lead);
    lead->name = req->name;
    lead->mobile = c->mobile;
    lead->telephone = c->telephone;
    lead->email = req->email;
    lead->company = req->company;
    lead->source = req->source;
    lead->level = req->level;
    lead->industry = req->industry;
    lead->remark = req->remark;
    lead->owner_id = owner;
    lead->department_id = req->department_id ? req->department_id : caller->department_id;
    lead->creator_id = caller->user_id;
    lead->status = owner ? CRM__LEADS__LEAD_STATUS__LEAD_STATUS_PENDING
                         : CRM__LEADS__LEAD_STATUS__LEAD_STATUS_UNASSIGNED;
    c->check_duplicate = c->mobile[0] && !req->allow_duplicate;
    crm_db_begin(l->db, s_create_began, c);
}

/* ---- Leads.Get -------------------------------------------------------- */

typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
    int64_t id;
} get_t;

/* Replies with lead if the caller may see it. */
static void s_get_reply(crm_rpc_call_t *call, const Crm__Leads__Lead *lead, int64_t id)
{
    if (!lead || !crm_scope_allows(crm_rpc_call_caller(call), lead->owner_id))
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "id", "lead %lld not found", (long long)id);
    else
        crm_rpc_reply(call, &lead->base);
}

static void s_get_loaded(void *arg, const crm_db_result_t *res)
{
    get_t *g = arg;
    if (res->err) {
        crm_fail_db(g->call, res);
    } else if (PQntuples(res->results[0]) == 0) {
        s_get_reply(g->call, NULL, g->id);
    } else {
        Crm__Leads__Lead lead;
        leads_store_row(res->results[0], 0, &lead);
        size_t len = crm__leads__lead__get_packed_size(&lead);
        uint8_t *buf = crm_malloc(len);
        crm__leads__lead__pack(&lead, buf);
        char key[32];
        leads_cache_key(g->id, key);
        crm_cache_set(g->l->cache, key, buf, len, CACHE_TTL_S);
        free(buf);
        s_get_reply(g->call, &lead, g->id);
    }
    free(g);
}

static void s_get_cached(void *arg, const char *value, size_t len)
{
    get_t *g = arg;
    Crm__Leads__Lead *lead =
        value ? crm__leads__lead__unpack(NULL, len, (const uint8_t *)value) : NULL;
    if (lead) {
        s_get_reply(g->call, lead, g->id);
        crm__leads__lead__free_unpacked(lead, NULL);
        free(g);
        return;
    }
    char id[24];
    const char *p[] = {crm_i64(id, g->id)};
    crm_db_exec(g->l->db, "lead_get", 1, p, s_get_loaded, g);
}

static void s_get(crm_rpc_call_t *call, void *arg)
{
    leads_t *l = arg;
    const Crm__Leads__GetLeadRequest *req =
        (const Crm__Leads__GetLeadRequest *)crm_rpc_call_request(call);
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

/* ---- Leads.Convert ---------------------------------------------------- */

typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
    crm_db_tx_t *tx;
    PGresult *row; /* the locked lead, kept for the reply */
    Crm__Leads__Lead lead;
} convert_t;

static void s_convert_free(convert_t *c)
{
    PQclear(c->row);
    free(c);
}

static void s_convert_committed(void *arg, const crm_db_result_t *res)
{
    convert_t *c = arg;
    if (res->err) {
        crm_fail_db(c->call, res);
    } else {
        char key[32];
        leads_cache_key(c->lead.id, key);
        crm_cache_del(c->l->cache, key);
        Crm__Leads__ConvertLeadReply reply = CRM__LEADS__CONVERT_LEAD_REPLY__INIT;
        reply.lead = &c->lead;
        crm_rpc_reply(c->call, &reply.base);
        crm_relay_kick(c->l->relay);
    }
    s_convert_free(c);
}

/* Why a lead in this state cannot be converted, or NULL if it can. */
static const char *s_convert_refusal(Crm__Leads__LeadStatus st)
{
    switch (st) {
    case CRM__LEADS__LEAD_STATUS__LEAD_STATUS_CONVERTED:
        return "the lead is already converted";
    case CRM__LEADS__LEAD_STATUS__LEAD_STATUS_VOIDED:
        return "the lead is voided; an admin must restore it first";
    case CRM__LEADS__LEAD_STATUS__LEAD_STATUS_UNASSIGNED:
        return "the lead is in a pool; claim it first";
    default:
        return NULL;
    }
}

static void s_convert_locked(void *arg, const crm_db_result_t *res)
{
    convert_t *c = arg;
    const Crm__Leads__ConvertLeadRequest *req =
        (const Crm__Leads__ConvertLeadRequest *)crm_rpc_call_request(c->call);
    const Crm__Caller *caller = crm_rpc_call_caller(c->call);
    if (res->err) {
        crm_db_tx_rollback(c->tx);
        crm_fail_db(c->call, res);
        s_convert_free(c);
        return;
    }
    const PGresult *r = res->results[0];
    if (PQntuples(r) == 0 || !crm_scope_allows(caller, crm_db_get_i64(r, 0, 10))) {
        crm_db_tx_rollback(c->tx);
        crm_rpc_fail(c->call, CRM__STATUS__NOT_FOUND, "id", "lead %lld not found",
                     (long long)req->id);
        s_convert_free(c);
        return;
    }
    c->row = PQcopyResult(r, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    leads_store_row(c->row, 0, &c->lead);
    const char *why = s_convert_refusal(c->lead.status);
    if (why) {
        crm_db_tx_rollback(c->tx);
        crm_rpc_fail(c->call, CRM__STATUS__FAILED_PRECONDITION, "id", "%s", why);
        s_convert_free(c);
        return;
    }
    int64_t now = crm_now_us();
    c->lead.status = CRM__LEADS__LEAD_STATUS__LEAD_STATUS_CONVERTED;
    c->lead.converted_at_us = c->lead.updated_at_us = now;
    char id[24], at[24];
    const char *p[] = {crm_i64(id, c->lead.id), crm_i64(at, now)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "lead_convert", 2, p);
    leads_emit_converted(b, &c->lead, req, caller->user_id);
    crm_db_tx_commit(c->tx, &b, s_convert_committed, c);
}

static void s_convert_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    convert_t *c = arg;
    if (!tx) {
        crm_fail_db(c->call, err);
        s_convert_free(c);
        return;
    }
    c->tx = tx;
    const Crm__Leads__ConvertLeadRequest *req =
        (const Crm__Leads__ConvertLeadRequest *)crm_rpc_call_request(c->call);
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "lead_lock", 1, p);
    crm_db_tx_submit(tx, &b, s_convert_locked, c);
}

static void s_convert(crm_rpc_call_t *call, void *arg)
{
    leads_t *l = arg;
    const Crm__Leads__ConvertLeadRequest *req =
        (const Crm__Leads__ConvertLeadRequest *)crm_rpc_call_request(call);
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_text(call, "customer_name", req->customer_name, 200, 0) ||
        !crm_check_text(call, "contact_name", req->contact_name, 100, 0) ||
        !crm_check_text(call, "level", req->level, 50, 0) ||
        !crm_check_text(call, "source", req->source, 50, 0) ||
        !crm_check_text(call, "industry", req->industry, 50, 0))
        return;
    convert_t *c = crm_calloc(1, sizeof *c);
    c->l = l;
    c->call = call;
    crm_db_begin(l->db, s_convert_began, c);
}

void leads_rpc_register(leads_t *l)
{
    crm_rpc_server_t *srv = crm_service_rpc(l->svc);
    crm_rpc_server_handle(srv, &crm__leads__leads__descriptor, "Create", s_create, l);
    crm_rpc_server_handle(srv, &crm__leads__leads__descriptor, "Get", s_get, l);
    crm_rpc_server_handle(srv, &crm__leads__leads__descriptor, "Convert", s_convert, l);
}
