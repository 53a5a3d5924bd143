/* customers_enterprises.c: enterprises (企业): the companies customers
 * belong to. A shared directory: everyone reads them; their owner's side
 * (data scope) and admins edit and transfer them. Names are unique (any
 * case, spaces around): a second one is refused naming the first.
 * Create is a transaction of its own (crm/txn.h); edits and transfers are
 * ops of the change engine on the enterprise kind below (history entries
 * and enterprise.* events in the same transaction). The detail's related
 * records: its customers (GET /api/v1/customers?enterprise_id=), the leads
 * whose company matches (GET /api/v1/leads?keyword=<name>), its history
 * (EnterpriseHistory, customers_list.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/filter.h"
#include "crm/history.h"
#include "crm/list.h"
#include "crm/mask.h"
#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

typedef Crm__Customers__Enterprise enterprise_t;

#define ENTERPRISE_COLUMNS                                                                         \
    "e.id, e.name, e.industry, e.scale, e.company_type, e.registered_capital,"                     \
    " COALESCE(e.founded_on::text, '') AS founded_on, e.registered_address, e.office_address,"     \
    " e.profile, e.owner_id, e.department_id, e.creator_id, crm_us(e.created_at) AS "              \
    "created_at_us,"                                                                               \
    " crm_us(e.updated_at) AS updated_at_us, (SELECT count(*) FROM customers c WHERE"              \
    " c.enterprise_id = e.id AND c.deleted_at IS NULL) AS customer_count"

void customers_enterprises_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "enterprise_get",
                   "SELECT " ENTERPRISE_COLUMNS " FROM enterprises e WHERE e.id = $1::bigint");
    crm_db_prepare(db, "enterprise_name", "SELECT name FROM enterprises WHERE id = $1::bigint");
    crm_db_prepare(db, "enterprise_lock_many",
                   "SELECT " ENTERPRISE_COLUMNS " FROM enterprises e WHERE e.id ="
                   " ANY($1::bigint[]) ORDER BY e.id FOR UPDATE OF e");
    crm_db_prepare(
        db, "enterprise_name_lock",
        "SELECT pg_advisory_xact_lock(hashtext('enterprise.name:' || lower(btrim($1))))");
    crm_db_prepare(db, "enterprise_by_name",
                   "SELECT id, owner_id FROM enterprises WHERE lower(btrim(name)) ="
                   " lower(btrim($1)) AND id <> $2::bigint");
    crm_db_prepare(db, "enterprise_insert",
                   "INSERT INTO enterprises (id, name, industry, scale, company_type,"
                   " registered_capital, founded_on, registered_address, office_address, profile,"
                   " owner_id, department_id, creator_id, created_at, updated_at) VALUES"
                   " ($1::bigint, $2, $3, $4, $5, $6, NULLIF($7, '')::date, $8, $9, $10,"
                   " $11::bigint, $12::bigint, $13::bigint, crm_ts($14::bigint),"
                   " crm_ts($14::bigint))");
    crm_db_prepare(db, "enterprise_save",
                   "UPDATE enterprises SET (name, industry, scale, company_type,"
                   " registered_capital, founded_on, registered_address, office_address, profile,"
                   " owner_id, department_id, updated_at) = ($2, $3, $4, $5, $6,"
                   " NULLIF($7, '')::date, $8, $9, $10, $11::bigint, $12::bigint,"
                   " crm_ts($13::bigint)) WHERE id = $1::bigint");
}

/* ---- fields ----------------------------------------------------------------- */

/* Checks the typed fields (NULL: not given), every fault at once, named
 * inside "enterprise" when nested (a create's body). */
static int s_check(crm_rpc_call_t *call, int nested, const char *name, const char *industry,
                   const char *scale, const char *company_type, const char *capital,
                   const char *founded, const char *reg_addr, const char *office_addr,
                   const char *profile)
{
#define F(n) (nested ? "enterprise." n : n)
    const crm_form_field_t f[] = {
        {.field = F("name"), .value = name, .kind = CRM_FORM_TEXT, .max = 200, .required = 1},
        {.field = F("industry"), .value = industry, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = F("scale"), .value = scale, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = F("company_type"), .value = company_type, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = F("registered_capital"), .value = capital, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = F("founded_on"), .value = founded, .kind = CRM_FORM_DATE, .max = 10},
        {.field = F("registered_address"), .value = reg_addr, .kind = CRM_FORM_TEXT, .max = 500},
        {.field = F("office_address"), .value = office_addr, .kind = CRM_FORM_TEXT, .max = 500},
        {.field = F("profile"), .value = profile, .kind = CRM_FORM_TEXT, .max = 5000},
    };
#undef F
    crm_errs_t errs = {.n = 0};
    if (crm_form_check(f, sizeof f / sizeof f[0], &errs) < 0)
        return crm_rpc_fail_errs(call, &errs);
    return 1;
}

static void s_params_save(crm_db_batch_t *b, const enterprise_t *e)
{
    char id[24], owner[24], dept[24], at[24];
    const char *p[] = {crm_i64(id, e->id),
                       e->name,
                       e->industry,
                       e->scale,
                       e->company_type,
                       e->registered_capital,
                       e->founded_on,
                       e->registered_address,
                       e->office_address,
                       e->profile,
                       crm_i64(owner, e->owner_id),
                       crm_i64(dept, e->department_id),
                       crm_i64(at, e->updated_at_us)};
    crm_db_batch_add(b, "enterprise_save", 13, p);
}

static void s_emit(crm_db_batch_t *b, const char *type, enterprise_t *e, int64_t by,
                   const char *reason, int64_t from, char **changed, size_t n)
{
    Crm__Events__EnterpriseChanged ev = CRM__EVENTS__ENTERPRISE_CHANGED__INIT;
    ev.enterprise = e;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.from_owner_id = from;
    ev.to_owner_id = e->owner_id;
    ev.changed_fields = changed;
    ev.n_changed_fields = n;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, e->id), &ev.base);
}

/* The duplicate name read as "same_name": 0, or -1 after refusing. */
static int s_name_free(crm_txn_t *t)
{
    if (!crm_txn_has(t, "same_name"))
        return 0;
    const PGresult *r = crm_txn_result(t, "same_name");
    if (PQntuples(r) == 0)
        return 0;
    return crm_txn_refuse(t, CRM__STATUS__ALREADY_EXISTS, "name",
                          "enterprise %lld (owned by user %lld) has this name",
                          (long long)crm_db_get_i64(r, 0, 0), (long long)crm_db_get_i64(r, 0, 1));
}

static void s_read_name(crm_txn_t *t, const char *name, int64_t id)
{
    char v[24];
    const char *p[] = {name, crm_i64(v, id)};
    crm_txn_read(t, "name_lock", "enterprise_name_lock", 1, p);
    crm_txn_read(t, "same_name", "enterprise_by_name", 2, p);
}

/* ---- CreateEnterprise ---------------------------------------------------------- */

static void s_create_read(crm_txn_t *t)
{
    enterprise_t *e = crm_txn_data(t);
    crm_txn_read(t, "next_id", "SELECT nextval('enterprises_id_seq'), crm_us(now())", 0, NULL);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "enterprise.owner_id", e->owner_id);
    crm_org_department(refs, "enterprise.department_id", e->department_id);
    crm_org_read(t, "org", &refs);
    s_read_name(t, e->name, 0);
}

static int s_create_decide(crm_txn_t *t)
{
    enterprise_t *e = crm_txn_data(t);
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_txn_result(t, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    if (s_name_free(t) < 0)
        return -1;
    if (!e->department_id)
        e->department_id = crm_org_department_of(org, "enterprise.owner_id");
    const PGresult *next = crm_txn_result(t, "next_id");
    e->id = crm_db_get_i64(next, 0, 0);
    e->created_at_us = e->updated_at_us = crm_db_get_i64(next, 0, 1);
    char id[24], owner[24], dept[24], creator[24], at[24];
    const char *p[] = {crm_i64(id, e->id),
                       e->name,
                       e->industry,
                       e->scale,
                       e->company_type,
                       e->registered_capital,
                       e->founded_on,
                       e->registered_address,
                       e->office_address,
                       e->profile,
                       crm_i64(owner, e->owner_id),
                       crm_i64(dept, e->department_id),
                       crm_i64(creator, e->creator_id),
                       crm_i64(at, e->created_at_us)};
    crm_db_batch_t *b = crm_txn_batch(t);
    crm_db_batch_add(b, "enterprise_insert", 14, p);
    customers_history_t h = {.kind = "enterprise",
                             .record_id = e->id,
                             .action = "created",
                             .actor_id = e->creator_id,
                             .at_us = e->created_at_us,
                             .to_owner_id = e->owner_id};
    customers_store_history(b, &h);
    s_emit(b, "enterprise.created", e, e->creator_id, NULL, 0, NULL, 0);
    crm_txn_reply(t, &e->base);
    return 0;
}

static const crm_txn_op_t s_create_op = {
    .read = s_create_read, .decide = s_create_decide, .done = free};

static void s_create(crm_rpc_call_t *call, const Crm__Customers__CreateEnterpriseRequest *req,
                     void *arg)
{
    customers_t *cs = arg;
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (!req->enterprise) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "enterprise", "enterprise is required");
        return;
    }
    const enterprise_t *in = req->enterprise;
    if (!s_check(call, 1, in->name, in->industry, in->scale, in->company_type,
                 in->registered_capital, in->founded_on, in->registered_address, in->office_address,
                 in->profile))
        return;
    if (in->owner_id < 0 || in->department_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT,
                     in->owner_id < 0 ? "enterprise.owner_id" : "enterprise.department_id",
                     "must not be negative");
        return;
    }
    enterprise_t *e = crm_malloc(sizeof *e);
    *e = *in;
    e->owner_id = in->owner_id ? in->owner_id : caller->user_id;
    e->creator_id = caller->user_id;
    e->customer_count = 0;
    if (!crm_scope_allows(caller, e->owner_id)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "enterprise.owner_id",
                     "you may not create enterprises for user %lld", (long long)e->owner_id);
        free(e);
        return;
    }
    crm_txn_run(&cs->env, call, &s_create_op, e);
}

/* ---- GetEnterprise ---------------------------------------------------------------- */

static void s_get(crm_rpc_call_t *call, const Crm__Customers__GetEnterpriseRequest *req, void *arg)
{
    customers_t *cs = arg;
    crm_reply_one(call, cs->db, "enterprise_get", req->id, &crm__customers__enterprise__descriptor,
                  "enterprise");
}

/* ---- the enterprise kind: edits and transfers ------------------------------------ */

static crm_history_skip_t s_unfollowed = {"id",         "creator_id",     "created_at",
                                          "updated_at", "customer_count", NULL};

static void s_decode(const PGresult *r, int row, void *rec)
{
    enterprise_t *e = rec;
    crm__customers__enterprise__init(e);
    customers_row_to(r, row, &e->base);
}

/* Its owner's side and admins act on an enterprise; others read it. */
static int s_may_act(crm_change_t *c, const void *rec)
{
    const enterprise_t *e = rec;
    if (crm_scope_allows(crm_change_caller(c), e->owner_id))
        return 0;
    return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                             "only its owner's side or an admin may change it");
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((enterprise_t *)rec)->updated_at_us = crm_change_now(c);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const enterprise_t *before = prev, *e = rec;
    s_params_save(b, e);
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &e->base, s_unfollowed);
    customers_history_t h = {.kind = "enterprise",
                             .record_id = e->id,
                             .action = crm_change_op(c)->action,
                             .actor_id = crm_change_caller(c)->user_id,
                             .at_us = crm_change_now(c),
                             .from_owner_id = before->owner_id,
                             .to_owner_id = e->owner_id,
                             .reason = crm_change_reason(c),
                             .detail = detail};
    customers_store_history(b, &h);
    free(detail);
}

static void s_kind_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const enterprise_t *before = prev;
    enterprise_t *e = rec;
    char *changed[16], type[48];
    size_t n = crm_history_changed(&before->base, &e->base, s_unfollowed, changed, 16);
    snprintf(type, sizeof type, "enterprise.%s", crm_change_op(c)->action);
    s_emit(b, type, e, crm_change_caller(c)->user_id, crm_change_reason(c), before->owner_id,
           changed, n);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

static void s_kind_reply(crm_change_t *c)
{
    size_t n = crm_change_count(c);
    Crm__Customers__EnterprisesReply reply = CRM__CUSTOMERS__ENTERPRISES_REPLY__INIT;
    enterprise_t **es = crm_calloc(n + 1, sizeof *es);
    for (size_t i = 0; i < n; i++)
        es[i] = crm_change_record(c, i);
    reply.enterprises = es;
    reply.n_enterprises = n;
    crm_change_reply(c, &reply.base);
    free(es);
}

static void s_clear(void *rec)
{
    crm_rowmap_clear(&((enterprise_t *)rec)->base);
}

static const crm_change_kind_t s_kind = {
    .noun = "enterprise",
    .lock = "enterprise_lock_many",
    .size = sizeof(enterprise_t),
    .decode = s_decode,
    .clear = s_clear,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_kind_emit,
    .reply = s_kind_reply,
};

/* ---- UpdateEnterprise ---------------------------------------------------------------- */

static int s_in_mask(const Crm__Customers__UpdateEnterpriseRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

static void s_update_read(crm_change_t *c)
{
    const Crm__Customers__UpdateEnterpriseRequest *req = crm_change_request(c);
    if (s_in_mask(req, "name"))
        s_read_name(crm_change_txn(c), req->name, req->id);
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    enterprise_t *e = rec;
    const Crm__Customers__UpdateEnterpriseRequest *req = crm_change_request(c);
    if (s_name_free(crm_change_txn(c)) < 0)
        return -1;
#define EDIT(f)                                                                                    \
    if (s_in_mask(req, #f))                                                                        \
    e->f = req->f
    EDIT(name);
    EDIT(industry);
    EDIT(scale);
    EDIT(company_type);
    EDIT(registered_capital);
    EDIT(founded_on);
    EDIT(registered_address);
    EDIT(office_address);
    EDIT(profile);
#undef EDIT
    return 0;
}

static void s_single_reply(crm_change_t *c)
{
    crm_change_reply(c, &((enterprise_t *)crm_change_record(c, 0))->base);
}

static const crm_change_op_t s_update_op = {.action = "updated",
                                            .ids_field = "id",
                                            .read = s_update_read,
                                            .apply = s_update_apply,
                                            .reply = s_single_reply};

static const char *const s_editable[] = {
    "name",       "industry",           "scale",          "company_type", "registered_capital",
    "founded_on", "registered_address", "office_address", "profile",      NULL};

static void s_update(crm_rpc_call_t *call, const Crm__Customers__UpdateEnterpriseRequest *req,
                     void *arg)
{
    customers_t *cs = arg;
    crm_err_t err;
    if (!crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
#define GIVEN(f) (s_in_mask(req, #f) ? req->f : NULL)
    if (!s_check(call, 0, GIVEN(name), GIVEN(industry), GIVEN(scale), GIVEN(company_type),
                 GIVEN(registered_capital), GIVEN(founded_on), GIVEN(registered_address),
                 GIVEN(office_address), GIVEN(profile)))
        return;
#undef GIVEN
    crm_change_run(&cs->env, call, &s_kind, &s_update_op, &req->id, 1, "", NULL);
}

/* ---- TransferEnterprises ---------------------------------------------------------------- */

static void s_transfer_read(crm_change_t *c)
{
    const Crm__Customers__TransferEnterprisesRequest *req = crm_change_request(c);
    crm_org_read_new_owner(c, req->to_owner_id, req->to_department_id);
}

static int s_transfer_apply(crm_change_t *c, void *rec, const void *prev)
{
    enterprise_t *e = rec;
    const enterprise_t *before = prev;
    const Crm__Customers__TransferEnterprisesRequest *req = crm_change_request(c);
    int64_t dept;
    if (crm_org_new_owner(c, req->to_department_id, &dept) < 0)
        return -1;
    if (before->owner_id == req->to_owner_id)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "to_owner_id",
                                 "user %lld holds it already", (long long)req->to_owner_id);
    e->owner_id = req->to_owner_id;
    if (dept)
        e->department_id = dept;
    return 0;
}

static const crm_change_op_t s_transfer_op = {.action = "transferred",
                                              .ids_field = "ids",
                                              .read = s_transfer_read,
                                              .apply = s_transfer_apply};

static void s_transfer(crm_rpc_call_t *call, const Crm__Customers__TransferEnterprisesRequest *req,
                       void *arg)
{
    customers_t *cs = arg;
    if (!crm_check_transfer(call, req->ids, req->n_ids, CUSTOMERS_MAX_IDS, req->to_owner_id,
                            req->to_department_id, req->reason))
        return;
    crm_change_run(&cs->env, call, &s_kind, &s_transfer_op, req->ids, req->n_ids, req->reason,
                   NULL);
}

/* ---- ListEnterprises ---------------------------------------------------------------- */

static const crm_key_t s_keys[] = {
    {.sql = "e.created_at", .column = "created_at_us", .type = CRM_KEY_TIME},
    {.sql = "e.id", .column = "id", .type = CRM_KEY_BIGINT}};
static const crm_filter_t s_filters[] = {
    {.field = "keyword", .kind = CRM_FILTER_KEYWORD, .column = "e.name", .max_len = 100},
    {.field = "industry", .kind = CRM_FILTER_EQ, .column = "e.industry", .max_len = 50},
    {.field = "owner_ids", .kind = CRM_FILTER_IN, .column = "e.owner_id", .max_items = 500},
};
#define N_FILTERS (sizeof s_filters / sizeof s_filters[0])

static void s_list(crm_rpc_call_t *call, const Crm__Customers__ListEnterprisesRequest *req,
                   void *arg)
{
    customers_t *cs = arg;
    crm_err_t err;
    if (crm_filter_check(s_filters, N_FILTERS, &req->base, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    crm_keyset_t order = {.tag = req->ascending ? "enterprises:asc" : "enterprises:desc",
                          .keys = s_keys,
                          .n = 2,
                          .ascending = req->ascending};
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &order, req->limit, 20, req->cursor))
        return;
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT " ENTERPRISE_COLUMNS " FROM enterprises e WHERE true");
    if (req->mine)
        crm_sqlbuf_addp_i64(q, " AND e.owner_id = $?::bigint", crm_rpc_call_caller(call)->user_id);
    crm_filter_where(q, s_filters, N_FILTERS, &req->base);
    crm_db_batch_t *b = crm_db_batch_new();
    crm_page_batch_add(&q, &pg, req->total, b);
    crm_page_submit(call, cs->db, &b, &pg, req->total,
                    &crm__customers__enterprise_list__descriptor);
}

void customers_enterprises_handlers(customers_t *cs)
{
    cs->handlers.create_enterprise = s_create;
    cs->handlers.get_enterprise = s_get;
    cs->handlers.update_enterprise = s_update;
    cs->handlers.transfer_enterprises = s_transfer;
    cs->handlers.list_enterprises = s_list;
}
