/* customers_rpc.c: one customer at a time: Customers.Create, Get, GetByLead
 * and Update. Create is a write transaction of its own (crm/txn.h); Update
 * is an op of the change engine (crm/change.h) on the customer kind
 * (customers_kind.c), like the batch actions (customers_actions.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/mask.h"
#include "crm/org.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

#define WAIT_MAX_MS 1500 /* under the callers' RPC deadline (CRM_RPC_DEADLINE_MS, 2000) */
#define WAIT_STEP_MS 50

#define TYPE_COMPANY CRM__CUSTOMERS__CUSTOMER_TYPE__CUSTOMER_TYPE_COMPANY
#define TYPE_INDIVIDUAL CRM__CUSTOMERS__CUSTOMER_TYPE__CUSTOMER_TYPE_INDIVIDUAL

/* A customer type from a request: 0 is the default (company) on create. */
static int s_type_ok(int t)
{
    return t == TYPE_COMPANY || t == TYPE_INDIVIDUAL;
}

/* ---- the duplicate check (查重) of a create or an edit -------------------- */

/* Adds to round 1 the lock of the name and mobile and the read of another
 * customer having either (not id). */
static void s_read_duplicate(crm_txn_t *t, const char *name, const char *mobile, int64_t id)
{
    char v[24], user[24];
    const Crm__Caller *c = crm_txn_caller(t);
    const char *lock[] = {name, mobile};
    const char *p[] = {name, mobile, crm_i64(v, id), crm_i64(user, c->user_id),
                       crm_scope_all(c) ? "true" : "false"};
    crm_txn_read(t, "dedup_lock", "customer_dedup_lock", 2, lock);
    crm_txn_read(t, "duplicate", "customer_duplicate", 5, p);
}

/* 0 when no other customer has the name or mobile, else the refusal
 * naming it and where it is (its owner, or its pool). */
static int s_duplicate_err(const PGresult *dup, crm_err_t *err)
{
    if (PQntuples(dup) == 0)
        return 0;
    const char *on = crm_db_get(dup, 0, 3);
    long long id = (long long)crm_db_get_i64(dup, 0, 0), owner = crm_db_get_i64(dup, 0, 1);
    char where[64];
    if (owner)
        snprintf(where, sizeof where, "owned by user %lld", owner);
    else
        snprintf(where, sizeof where, "in pool %lld", (long long)crm_db_get_i64(dup, 0, 2));
    return crm_err_set(err, CRM__STATUS__ALREADY_EXISTS, !strcmp(on, "name") ? "name" : "mobile",
                       "customer %lld (%s) has this %s; set allow_duplicate to save anyway", id,
                       where, on);
}

/* ---- Customers.Create ------------------------------------------------- */

typedef struct {
    customer_t c;
    customer_norm_t norm;
    Crm__Customers__Contact contact; /* the first contact, when has_contact */
    int has_contact;
    char contact_mobile[12], contact_telephone[32];
    int check_duplicate;
    int64_t named_department;
} create_t;

static void s_create_read(crm_txn_t *t)
{
    create_t *k = crm_txn_data(t);
    crm_txn_read(t, "next_id", "customer_next_id", 0, NULL);
    crm_txn_read(t, "default_pool",
                 "SELECT id FROM customer_pools WHERE is_default AND deleted_at IS NULL", 0, NULL);
    customers_read_options(t, k->c.level, k->c.industry, k->c.source);
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "owner_id", k->c.owner_id);
    crm_org_department(refs, "department_id", k->named_department);
    crm_org_read(t, "org", &refs);
    if (k->c.enterprise_id) {
        char id[24];
        const char *p[] = {crm_i64(id, k->c.enterprise_id)};
        crm_txn_read(t, "enterprise", "enterprise_name", 1, p);
    }
    if (k->check_duplicate)
        s_read_duplicate(t, k->c.name, k->c.mobile, 0);
    if (k->has_contact)
        crm_txn_read(t, "contact_id", "contact_next_id", 0, NULL);
}

/* The owner and department must be known and active; a customer given to
 * someone else without a department takes its owner's. */
static int s_create_org_ok(crm_txn_t *t, create_t *k)
{
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_txn_result(t, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_txn_refuse_errs(t, &errs);
    int64_t dept = crm_org_department_of(org, "owner_id");
    if (!k->named_department && dept)
        k->c.department_id = dept;
    return 0;
}

/* The enterprise named must exist; its name is the company's by default. */
static int s_create_enterprise_ok(crm_txn_t *t, create_t *k)
{
    if (!k->c.enterprise_id)
        return 0;
    const PGresult *r = crm_txn_result(t, "enterprise");
    if (PQntuples(r) == 0)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "enterprise_id",
                              "enterprise %lld does not exist", (long long)k->c.enterprise_id);
    if (!*k->c.company)
        k->c.company = (char *)crm_db_get(r, 0, 0);
    return 0;
}

static int s_create_decide(crm_txn_t *t)
{
    create_t *k = crm_txn_data(t);
    customer_t *c = &k->c;
    crm_err_t err;
    if (customers_options_ok(t) < 0 || s_create_org_ok(t, k) < 0 ||
        s_create_enterprise_ok(t, k) < 0)
        return -1;
    if (k->check_duplicate && s_duplicate_err(crm_txn_result(t, "duplicate"), &err) < 0)
        return crm_txn_refuse(t, err.status, err.field, "%s", err.message);
    /* The pool it goes back to: the default one. */
    const PGresult *pool = crm_txn_result(t, "default_pool");
    c->pool_id = PQntuples(pool) ? crm_db_get_i64(pool, 0, 0) : 1;
    const PGresult *next = crm_txn_result(t, "next_id");
    c->id = crm_db_get_i64(next, 0, 0);
    c->created_at_us = c->updated_at_us = c->owner_since_us = crm_db_get_i64(next, 0, 1);
    c->completeness = customers_completeness(c);
    crm_db_batch_t *b = crm_txn_batch(t);
    customers_store_insert(b, c);
    customers_history_t h = {.kind = "customer",
                             .record_id = c->id,
                             .action = "created",
                             .actor_id = c->creator_id,
                             .at_us = c->created_at_us,
                             .to_owner_id = c->owner_id};
    customers_store_history(b, &h);
    customers_emit_created(b, c, NULL);
    if (k->has_contact) {
        Crm__Customers__Contact *ct = &k->contact;
        ct->id = crm_db_get_i64(crm_txn_result(t, "contact_id"), 0, 0);
        ct->customer_id = c->id;
        ct->customer_name = c->name;
        ct->owner_id = c->owner_id;
        ct->creator_id = c->creator_id;
        ct->primary = 1;
        ct->created_at_us = ct->updated_at_us = c->created_at_us;
        customers_contact_insert(b, ct);
        customers_emit_contact(b, "contact.created", ct, c->creator_id, NULL, 0);
    }
    crm_txn_reply(t, &c->base);
    return 0;
}

static const crm_txn_op_t s_create_op = {
    .read = s_create_read, .decide = s_create_decide, .done = free};

/* Who owns a new customer (0 after failing call): the caller, or someone
 * in the caller's scope. */
static int s_create_owner(crm_rpc_call_t *call, const Crm__Customers__CreateCustomerRequest *req,
                          int64_t *owner)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    crm_errs_t errs = {.n = 0};
    if (req->owner_id < 0)
        crm_errs_invalid(&errs, "owner_id", "owner_id must not be negative");
    if (req->department_id < 0)
        crm_errs_invalid(&errs, "department_id", "department_id must not be negative");
    if (req->enterprise_id < 0)
        crm_errs_invalid(&errs, "enterprise_id", "enterprise_id must not be negative");
    if (req->type && !s_type_ok(req->type))
        crm_errs_invalid(&errs, "type", "type is company or individual");
    if (errs.n)
        return crm_rpc_fail_errs(call, &errs);
    *owner = req->owner_id ? req->owner_id : caller->user_id;
    if (!*owner) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "owner_id", "owner_id is required");
        return 0;
    }
    if (!crm_scope_allows(caller, *owner)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "owner_id",
                     "you may not create customers for user %lld", (long long)*owner);
        return 0;
    }
    return 1;
}

/* The create's typed fields and its first contact's: 1 if fine. */
static int s_create_input(crm_rpc_call_t *call, const Crm__Customers__CreateCustomerRequest *req,
                          create_t *k)
{
    customer_input_t in = CUSTOMER_INPUT_OF(req);
    crm_errs_t errs = {.n = 0};
    customers_validate(&in, &k->norm, &errs);
    if (req->contact) {
        k->has_contact = 1;
        k->contact = *req->contact;
        customers_contact_check(&k->contact, 1, "contact.", k->contact_mobile, k->contact_telephone,
                                &errs);
    }
    if (errs.n)
        return crm_rpc_fail_errs(call, &errs);
    return crm_check_time(call, "next_contact_at_us", req->next_contact_at_us);
}

static void s_create(crm_rpc_call_t *call, const Crm__Customers__CreateCustomerRequest *req,
                     void *arg)
{
    customers_t *cs = arg;
    create_t *k = crm_calloc(1, sizeof *k);
    int64_t owner = 0;
    if (!s_create_input(call, req, k) || !s_create_owner(call, req, &owner)) {
        free(k);
        return;
    }
    customer_t *c = &k->c;
    crm__customers__customer__init(c);
    c->name = req->name;
    c->mobile = k->norm.mobile;
    c->telephone = k->norm.telephone;
    c->email = req->email;
    c->wechat = req->wechat;
    c->qq = req->qq;
    c->company = req->company;
    c->enterprise_id = req->enterprise_id;
    c->type = req->type ? req->type : TYPE_COMPANY;
    c->source = req->source;
    c->level = req->level;
    c->industry = req->industry;
    c->tags = req->tags;
    c->n_tags = req->n_tags;
    c->province = req->province;
    c->city = req->city;
    c->district = req->district;
    c->address = req->address;
    c->remark = req->remark;
    c->legal_representative = req->legal_representative;
    c->credit_code = req->credit_code;
    c->bank = req->bank;
    c->bank_account = req->bank_account;
    c->next_contact_at_us = req->next_contact_at_us;
    c->owner_id = owner;
    c->department_id =
        req->department_id ? req->department_id : crm_rpc_call_caller(call)->department_id;
    k->named_department = req->department_id;
    c->creator_id = crm_rpc_call_caller(call)->user_id;
    c->deal_status = CRM__CUSTOMERS__DEAL_STATUS__DEAL_STATUS_OPEN;
    k->check_duplicate = !req->allow_duplicate;
    crm_txn_run(&cs->env, call, &s_create_op, k);
}

/* ---- Get, GetByLead --------------------------------------------------- */

/* A read of one customer; GetByLead may wait for it to be made. */
typedef struct {
    customers_t *cs;
    crm_rpc_call_t *call;
    int64_t id;
    const char *field; /* "id" or "lead_id" */
    uint64_t until_ms; /* GetByLead: look again until then (0: no waiting) */
    uv_timer_t *timer; /* while waiting; freed in its close callback */
} get_t;

static get_t *s_get_new(customers_t *cs, crm_rpc_call_t *call, int64_t id, const char *field)
{
    get_t *g = crm_calloc(1, sizeof *g);
    g->cs = cs;
    g->call = call;
    g->id = id;
    g->field = field;
    return g;
}

static void s_timer_closed(uv_handle_t *h)
{
    get_t *g = h->data;
    free(h);
    free(g);
}

static void s_get_free(get_t *g)
{
    if (g->timer)
        uv_close((uv_handle_t *)g->timer, s_timer_closed);
    else
        free(g);
}

static void s_get_query(get_t *g);

static void s_look_again(uv_timer_t *t)
{
    s_get_query(t->data);
}

static void s_loaded(void *arg, const crm_db_result_t *res)
{
    get_t *g = arg;
    if (res->err) {
        crm_fail_db(g->call, res);
    } else if (PQntuples(res->results[0]) == 0 && g->until_ms > crm_mono_ms()) {
        /* Not made yet: look again in a moment. */
        if (!g->timer) {
            g->timer = crm_malloc(sizeof *g->timer);
            uv_timer_init(crm_service_loop(g->cs->svc), g->timer);
            g->timer->data = g;
        }
        uv_timer_start(g->timer, s_look_again, WAIT_STEP_MS, 0);
        return;
    } else {
        customer_row_t row;
        Crm__Customers__CustomerPool pool = CRM__CUSTOMERS__CUSTOMER_POOL__INIT;
        int found = PQntuples(res->results[0]) > 0, masked = 0, seen = 0;
        if (found) {
            customers_store_row(res->results[0], 0, &row);
            seen = customers_sees(crm_rpc_call_caller(g->call), &row.c, res->results[1],
                                  res->results[2], &masked, &pool);
        }
        char mask[5][CRM_POOL_MASK_LEN];
        Crm__Customers__CustomerSales sales;
        Crm__Customers__OpportunityTotal totals[6];
        if (seen) {
            customers_sales_fill(res->results[3], &sales, totals);
            customers_sales_fill_money(&row.c, &sales, &totals[5]);
            row.c.sales = &sales;
        }
        if (seen && masked) {
            customers_mask(&row.c, &pool, mask);
            crm_rpc_reply(g->call, &row.c.base);
        } else if (seen) {
            crm_rpc_reply(g->call, &row.c.base);
        } else {
            crm_rpc_fail(g->call, CRM__STATUS__NOT_FOUND, g->field, "customer not found (%s %lld)",
                         g->field, (long long)g->id);
        }
        if (found) {
            row.c.sales = NULL;
            customers_row_clear(&row);
        }
        customers_pool_clear(&pool);
    }
    s_get_free(g);
}

/* The customer, its pool and the caller's department path (a pooled
 * customer is seen by its pool's people). */
static void s_get_query(get_t *g)
{
    char id[24], dept[24];
    const char *p[] = {crm_i64(id, g->id)};
    const char *d[] = {crm_i64(dept, crm_rpc_call_caller(g->call)->department_id)};
    int by_id = !strcmp(g->field, "id");
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, by_id ? "customer_get" : "customer_by_lead", 1, p);
    crm_db_batch_add(b, by_id ? "customer_pool_of" : "customer_pool_of_lead", 1, p);
    crm_db_batch_add(b, CRM_ORG_PATH_SQL, 1, d);
    customers_sales_read(b, id, !by_id);
    crm_db_submit(g->cs->db, &b, s_loaded, g);
}

static void s_get(crm_rpc_call_t *call, const Crm__Customers__GetCustomerRequest *req, void *arg)
{
    if (crm_check_id(call, "id", req->id))
        s_get_query(s_get_new(arg, call, req->id, "id"));
}

static void s_get_by_lead(crm_rpc_call_t *call, const Crm__Customers__GetCustomerByLeadRequest *req,
                          void *arg)
{
    if (!crm_check_id(call, "lead_id", req->lead_id))
        return;
    if (req->wait_ms > WAIT_MAX_MS) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "wait_ms", "at most %d ms", WAIT_MAX_MS);
        return;
    }
    get_t *g = s_get_new(arg, call, req->lead_id, "lead_id");
    g->until_ms = req->wait_ms ? crm_mono_ms() + req->wait_ms : 0;
    s_get_query(g);
}

/* ---- Customers.Update --------------------------------------------------- */

/* The editable text fields: name in the request, and where in a customer. */
#define EDIT_STR(f)                                                                                \
    {                                                                                              \
#f, offsetof(Crm__Customers__UpdateCustomerRequest, f), offsetof(customer_t, f)            \
    }
static const struct {
    const char *name;
    size_t in, out;
} s_edit_fields[] = {
    EDIT_STR(name),         EDIT_STR(mobile),
    EDIT_STR(telephone),    EDIT_STR(email),
    EDIT_STR(wechat),       EDIT_STR(qq),
    EDIT_STR(company),      EDIT_STR(source),
    EDIT_STR(level),        EDIT_STR(industry),
    EDIT_STR(province),     EDIT_STR(city),
    EDIT_STR(district),     EDIT_STR(address),
    EDIT_STR(remark),       EDIT_STR(legal_representative),
    EDIT_STR(credit_code),  EDIT_STR(bank),
    EDIT_STR(bank_account),
};
#define N_EDIT (sizeof s_edit_fields / sizeof s_edit_fields[0])

/* What an edit may name: the text fields, and these. */
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
                                         "legal_representative",
                                         "credit_code",
                                         "bank",
                                         "bank_account",
                                         "tags",
                                         "enterprise_id",
                                         "type",
                                         "next_contact_at_us",
                                         "allow_duplicate",
                                         NULL};

typedef struct {
    customer_norm_t norm;
    int check_duplicate; /* the edit names the name or the mobile */
} update_t;

static int s_in_mask(const Crm__Customers__UpdateCustomerRequest *req, const char *name)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, name);
}

/* A masked field's request value, or NULL (not given). */
static const char *s_given(const Crm__Customers__UpdateCustomerRequest *req, const char *name,
                           const char *v)
{
    return s_in_mask(req, name) ? v : NULL;
}

static void s_update_read(crm_change_t *c)
{
    const Crm__Customers__UpdateCustomerRequest *req = crm_change_request(c);
    update_t *u = crm_change_data(c);
    crm_txn_t *t = crm_change_txn(c);
    customers_read_options(t, s_given(req, "level", req->level),
                           s_given(req, "industry", req->industry),
                           s_given(req, "source", req->source));
    if (s_in_mask(req, "enterprise_id") && req->enterprise_id) {
        char id[24];
        const char *p[] = {crm_i64(id, req->enterprise_id)};
        crm_change_read(c, "enterprise", "enterprise_name", 1, p);
    }
    /* The name or mobile the customer will have, checked against others:
     * unchanged values are read from the request's id's row in SQL. */
    if (u->check_duplicate) {
        char id[24], user[24];
        const Crm__Caller *caller = crm_change_caller(c);
        const char *p[] = {s_in_mask(req, "name") ? req->name : "",
                           s_in_mask(req, "mobile") ? u->norm.mobile : "", crm_i64(id, req->id),
                           crm_i64(user, caller->user_id),
                           crm_scope_all(caller) ? "true" : "false"};
        crm_change_read(c, "dedup_lock", "customer_dedup_lock", 2, p);
        crm_change_read(c, "duplicate", "customer_duplicate", 5, p);
    }
}

/* Sets the masked fields on c. */
static void s_update_fields(const Crm__Customers__UpdateCustomerRequest *req, update_t *u,
                            customer_t *c)
{
    for (size_t i = 0; i < N_EDIT; i++) {
        if (!s_in_mask(req, s_edit_fields[i].name))
            continue;
        char *v = *(char **)((const char *)req + s_edit_fields[i].in);
        if (!strcmp(s_edit_fields[i].name, "mobile"))
            v = u->norm.mobile;
        else if (!strcmp(s_edit_fields[i].name, "telephone"))
            v = u->norm.telephone;
        *(char **)((char *)c + s_edit_fields[i].out) = v;
    }
    if (s_in_mask(req, "tags")) {
        c->tags = req->tags; /* the row's block stays with "before" */
        c->n_tags = req->n_tags;
    }
    if (s_in_mask(req, "enterprise_id"))
        c->enterprise_id = req->enterprise_id;
    if (s_in_mask(req, "type"))
        c->type = req->type;
    if (s_in_mask(req, "next_contact_at_us"))
        c->next_contact_at_us = req->next_contact_at_us;
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    customer_row_t *row = rec;
    const Crm__Customers__UpdateCustomerRequest *req = crm_change_request(c);
    update_t *u = crm_change_data(c);
    crm_txn_t *t = crm_change_txn(c);
    if (customers_options_ok(t) < 0)
        return -1;
    if (crm_txn_has(t, "enterprise") && PQntuples(crm_change_result(c, "enterprise")) == 0)
        return crm_change_refuse(c, CRM__STATUS__INVALID_ARGUMENT, "enterprise_id",
                                 "enterprise %lld does not exist", (long long)req->enterprise_id);
    crm_err_t err;
    if (crm_txn_has(t, "duplicate") && s_duplicate_err(crm_change_result(c, "duplicate"), &err) < 0)
        return crm_change_refuse(c, err.status, err.field, "%s", err.message);
    s_update_fields(req, u, &row->c);
    if (crm_txn_has(t, "enterprise") && !s_in_mask(req, "company"))
        row->c.company = (char *)crm_db_get(crm_change_result(c, "enterprise"), 0, 0);
    return 0;
}

static void s_single_reply(crm_change_t *c)
{
    customer_t *cust = &customers_row(c, 0)->c;
    cust->completeness = customers_completeness(cust);
    customers_change_mask(c, 0);
    crm_change_reply(c, &cust->base);
}

static const crm_change_op_t s_update_op = {.action = "updated",
                                            .ids_field = "id",
                                            .read = s_update_read,
                                            .may_act = customers_may_edit,
                                            .apply = s_update_apply,
                                            .reply = s_single_reply,
                                            .done = free};

/* The edit's values of the masked fields: 1 if fine. */
static int s_update_input(crm_rpc_call_t *call, const Crm__Customers__UpdateCustomerRequest *req,
                          update_t *u)
{
    customer_input_t in = {
        .name = s_given(req, "name", req->name),
        .mobile = s_given(req, "mobile", req->mobile),
        .telephone = s_given(req, "telephone", req->telephone),
        .email = s_given(req, "email", req->email),
        .wechat = s_given(req, "wechat", req->wechat),
        .qq = s_given(req, "qq", req->qq),
        .company = s_given(req, "company", req->company),
        .source = s_given(req, "source", req->source),
        .level = s_given(req, "level", req->level),
        .industry = s_given(req, "industry", req->industry),
        .province = s_given(req, "province", req->province),
        .city = s_given(req, "city", req->city),
        .district = s_given(req, "district", req->district),
        .address = s_given(req, "address", req->address),
        .remark = s_given(req, "remark", req->remark),
        .legal_representative = s_given(req, "legal_representative", req->legal_representative),
        .credit_code = s_given(req, "credit_code", req->credit_code),
        .bank = s_given(req, "bank", req->bank),
        .bank_account = s_given(req, "bank_account", req->bank_account),
        .tags = req->tags,
        .n_tags = req->n_tags,
        .has_tags = s_in_mask(req, "tags"),
    };
    crm_errs_t errs = {.n = 0};
    customers_validate(&in, &u->norm, &errs);
    if (s_in_mask(req, "type") && !s_type_ok(req->type))
        crm_errs_invalid(&errs, "type", "type is company or individual");
    if (s_in_mask(req, "enterprise_id") && req->enterprise_id < 0)
        crm_errs_invalid(&errs, "enterprise_id", "enterprise_id must not be negative");
    if (errs.n)
        return crm_rpc_fail_errs(call, &errs);
    return crm_check_time(call, "next_contact_at_us", req->next_contact_at_us);
}

static void s_update(crm_rpc_call_t *call, const Crm__Customers__UpdateCustomerRequest *req,
                     void *arg)
{
    crm_err_t err;
    if (!crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    update_t *u = crm_calloc(1, sizeof *u);
    if (!s_update_input(call, req, u)) {
        free(u);
        return;
    }
    u->check_duplicate = !req->allow_duplicate && (s_in_mask(req, "name") ||
                                                   (s_in_mask(req, "mobile") && u->norm.mobile[0]));
    customers_change_run(arg, call, &s_update_op, &req->id, 1, "", u);
}

void customers_rpc_handlers(customers_t *cs)
{
    cs->handlers.create = s_create;
    cs->handlers.get = s_get;
    cs->handlers.get_by_lead = s_get_by_lead;
    cs->handlers.update = s_update;
}

void customers_rpc_register(customers_t *cs)
{
    cs->handlers.arg = cs;
    customers_rpc_handlers(cs);
    customers_actions_handlers(cs);
    customers_followup_handlers(cs);
    customers_list_handlers(cs);
    customers_options_handlers(cs);
    customers_recycle_handlers(cs);
    customers_rules_handlers(cs);
    customers_contacts_handlers(cs);
    customers_enterprises_handlers(cs);
    customers_dedup_handlers(cs);
    customers_import_handlers(cs);
    customers_contact_import_handlers(cs);
    customers_import_rpc_handlers(cs);
    customers_lock_handlers(cs);
    customers_pools_handlers(cs);
    customers_pool_ops_handlers(cs);
    customers_serve(crm_service_rpc(cs->svc), &cs->handlers);
}
