/* customers_contacts.c: a customer's contacts (联系人): several per
 * customer, one of them primary (首要联系人). Create (also with the
 * customer: customers_rpc.c), read, edit (merge patch), delete, and lists
 * (one customer's, or those of every owned customer the caller sees). Who
 * may read or change a contact is who may read or edit its customer; a
 * pooled customer's contacts are read by its pool's people (masked for
 * all but its admins, as the customer is) and changed once it is claimed.
 * A contact's mobile is checked against the other contacts (查重) unless
 * the caller allows a duplicate. Each change emits contact.created,
 * updated or deleted in its transaction (crm/txn.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/filter.h"
#include "crm/list.h"
#include "crm/mask.h"
#include "crm/outbox.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

void customers_contacts_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "contact_next_id", "SELECT nextval('contacts_id_seq')");
    crm_db_prepare(db, "contact_insert",
                   "INSERT INTO contacts (id, customer_id, name, title, mobile, telephone, email,"
                   " wechat, birthday, remark, is_primary, creator_id, created_at, updated_at)"
                   " VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6, $7, $8, NULLIF($9, '')::date,"
                   " $10, $11::boolean, $12::bigint, crm_ts($13::bigint), crm_ts($13::bigint))");
    crm_db_prepare(db, "contact_save",
                   "UPDATE contacts SET (name, title, mobile, telephone, email, wechat, birthday,"
                   " remark, is_primary, updated_at, deleted_at) = ($2, $3, $4, $5, $6, $7,"
                   " NULLIF($8, '')::date, $9, $10::boolean, crm_ts($11::bigint),"
                   " CASE WHEN $12::boolean THEN now() END) WHERE id = $1::bigint");
    /* A contact with its customer (the customer's row decides who may act),
     * locked. */
    crm_db_prepare(db, "contact_lock",
                   "SELECT " CONTACT_COLUMNS " FROM contacts k JOIN customers c ON c.id ="
                   " k.customer_id WHERE k.id = $1::bigint AND k.deleted_at IS NULL"
                   " AND c.deleted_at IS NULL FOR UPDATE OF k");
    crm_db_prepare(db, "contact_customer",
                   "SELECT " CUSTOMER_COLUMNS " FROM customers c WHERE c.deleted_at IS NULL AND"
                   " c.id = $1::bigint FOR UPDATE OF c");
    /* The customer's primary contact, and how many contacts it has. */
    crm_db_prepare(db, "contact_primary_of",
                   "SELECT " CONTACT_COLUMNS ", (SELECT count(*) FROM contacts x WHERE"
                   " x.customer_id = $1::bigint AND x.deleted_at IS NULL) AS n FROM contacts k"
                   " JOIN customers c ON c.id = k.customer_id WHERE k.customer_id = $1::bigint"
                   " AND k.is_primary AND k.deleted_at IS NULL");
    crm_db_prepare(db, "contact_mobile_lock",
                   "SELECT pg_advisory_xact_lock(hashtext('contact.mobile:' || $1))");
    /* Another contact with the mobile ($1), not $2. A pooled customer's
     * contact whose mobile is masked to the caller ($3; $4: the caller
     * sees every contact) is not a duplicate: refusing would confirm the
     * number the mask hides, as for a customer's own (customer_duplicate). */
    crm_db_prepare(
        db, "contact_by_mobile",
        "SELECT k.id, k.customer_id FROM contacts k JOIN customers c ON c.id ="
        " k.customer_id LEFT JOIN customer_pools p ON p.id = c.pool_id WHERE"
        " k.mobile = $1 AND k.mobile <> '' AND k.deleted_at IS NULL AND"
        " k.id <> $2::bigint AND " CUSTOMER_UNMASKED("$3", "$4") " ORDER BY k.id LIMIT 1");
}

/* ---- fields ------------------------------------------------------------------ */

int customers_contact_check(Crm__Customers__Contact *k, int create, const char *prefix,
                            char mobile[12], char telephone[32], crm_errs_t *errs)
{
    /* The field names with and without the prefix (static text). */
    int nested = prefix && *prefix;
#define F(name) (nested ? "contact." name : name)
    const crm_form_field_t f[] = {
        {.field = F("name"),
         .value = k->name,
         .kind = CRM_FORM_TEXT,
         .max = 100,
         .required = create},
        {.field = F("title"), .value = k->title, .kind = CRM_FORM_TEXT, .max = 100},
        {.field = F("mobile"),
         .value = k->mobile,
         .kind = CRM_FORM_MOBILE,
         .max = 32,
         .out = mobile,
         .cap = 12},
        {.field = F("telephone"),
         .value = k->telephone,
         .kind = CRM_FORM_LANDLINE,
         .max = 32,
         .out = telephone,
         .cap = 32},
        {.field = F("email"), .value = k->email, .kind = CRM_FORM_EMAIL, .max = 254},
        {.field = F("wechat"), .value = k->wechat, .kind = CRM_FORM_TEXT, .max = 64},
        {.field = F("birthday"), .value = k->birthday, .kind = CRM_FORM_DATE, .max = 10},
        {.field = F("remark"), .value = k->remark, .kind = CRM_FORM_TEXT, .max = 2000},
    };
#undef F
    mobile[0] = telephone[0] = '\0';
    k->masked = 0; /* read only: what the caller sees */
    int rc = crm_form_check(f, sizeof f / sizeof f[0], errs);
    if (k->mobile)
        k->mobile = mobile;
    if (k->telephone)
        k->telephone = telephone;
    return rc;
}

static const char *s_s(const char *s)
{
    return s ? s : "";
}

void customers_contact_insert(crm_db_batch_t *b, const Crm__Customers__Contact *k)
{
    char id[24], cust[24], creator[24], at[24];
    const char *p[] = {crm_i64(id, k->id),
                       crm_i64(cust, k->customer_id),
                       k->name,
                       s_s(k->title),
                       s_s(k->mobile),
                       s_s(k->telephone),
                       s_s(k->email),
                       s_s(k->wechat),
                       s_s(k->birthday),
                       s_s(k->remark),
                       k->primary ? "true" : "false",
                       crm_i64(creator, k->creator_id),
                       crm_i64(at, k->created_at_us)};
    crm_db_batch_add(b, "contact_insert", 13, p);
}

static void s_contact_save(crm_db_batch_t *b, const Crm__Customers__Contact *k, int deleted)
{
    char id[24], at[24];
    const char *p[] = {crm_i64(id, k->id),
                       k->name,
                       s_s(k->title),
                       s_s(k->mobile),
                       s_s(k->telephone),
                       s_s(k->email),
                       s_s(k->wechat),
                       s_s(k->birthday),
                       s_s(k->remark),
                       k->primary ? "true" : "false",
                       crm_i64(at, k->updated_at_us),
                       deleted ? "true" : "false"};
    crm_db_batch_add(b, "contact_save", 12, p);
}

void customers_emit_contact(crm_db_batch_t *b, const char *type, Crm__Customers__Contact *k,
                            int64_t by, char **changed, size_t nchanged)
{
    Crm__Events__ContactChanged ev = CRM__EVENTS__CONTACT_CHANGED__INIT;
    ev.contact = k;
    ev.by = by;
    ev.changed_fields = changed;
    ev.n_changed_fields = nchanged;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, k->id), &ev.base);
}

/* May the caller change the contacts of customer id, read as "customer"
 * (CUSTOMER_COLUMNS)? 0; -1 after refusing on field; for a pooled
 * customer the caller may not edit, CRM_TXN_AGAIN after adding the reads
 * of its pool, for s_pooled_refusal to answer in the next round. */
static int s_customer_editable(crm_txn_t *t, const char *field, int64_t id)
{
    const PGresult *r = crm_txn_result(t, "customer");
    int found = PQntuples(r) > 0, readable = 0, editable = 0, pooled = 0;
    if (found) {
        customer_row_t row;
        customers_store_row(r, 0, &row);
        readable = customers_can_read(crm_txn_caller(t), &row.c);
        editable = customers_can_edit(crm_txn_caller(t), &row.c);
        pooled = !row.c.owner_id;
        customers_row_clear(&row);
    }
    if (editable)
        return 0;
    if (pooled) {
        char cust[24];
        const char *p[] = {crm_i64(cust, id)};
        crm_txn_read(t, "pool", "customer_pool_of", 1, p);
        crm_org_read_path(t, "path", crm_txn_caller(t)->department_id);
        return CRM_TXN_AGAIN;
    }
    if (readable)
        return crm_txn_refuse(t, CRM__STATUS__PERMISSION_DENIED, field,
                              "team members with read access may not change its contacts");
    return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, field, "customer %lld not found",
                          (long long)id);
}

/* The refusal of a change of a pooled customer's contacts (its pool read
 * as "pool", the caller's department path as "path"): its pool's people,
 * who read them, are told to claim it first; to others it does not
 * exist. Returns -1. */
static int s_pooled_refusal(crm_txn_t *t, const char *field, int64_t id)
{
    int masked;
    Crm__Customers__CustomerPool pool;
    int seen = customers_pooled_visible(crm_txn_caller(t), crm_txn_result(t, "pool"),
                                        crm_txn_result(t, "path"), &masked, &pool);
    int rc =
        seen ? crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, field,
                              "the customer is in pool %lld; claim it first", (long long)pool.id)
             : crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, field, "customer %lld not found",
                              (long long)id);
    customers_pool_clear(&pool);
    return rc;
}

/* Another contact with the mobile: 0, or -1 after refusing. */
static int s_mobile_free(crm_txn_t *t)
{
    if (!crm_txn_has(t, "duplicate"))
        return 0;
    const PGresult *r = crm_txn_result(t, "duplicate");
    if (PQntuples(r) == 0)
        return 0;
    return crm_txn_refuse(t, CRM__STATUS__ALREADY_EXISTS, "mobile",
                          "contact %lld (of customer %lld) has this mobile; set allow_duplicate"
                          " to save anyway",
                          (long long)crm_db_get_i64(r, 0, 0), (long long)crm_db_get_i64(r, 0, 1));
}

static void s_read_mobile(crm_txn_t *t, const char *mobile, int64_t id)
{
    char v[24], user[24];
    const Crm__Caller *caller = crm_txn_caller(t);
    const char *p[] = {mobile, crm_i64(v, id), crm_i64(user, caller->user_id),
                       crm_scope_all(caller) ? "true" : "false"};
    crm_txn_read(t, "mobile_lock", "contact_mobile_lock", 1, p);
    crm_txn_read(t, "duplicate", "contact_by_mobile", 4, p);
}

void customers_contact_demote(crm_db_batch_t *b, const PGresult *r, int i, int64_t now_us,
                              int64_t by)
{
    Crm__Customers__Contact old = CRM__CUSTOMERS__CONTACT__INIT;
    customers_row_to(r, i, &old.base);
    old.primary = 0;
    old.updated_at_us = now_us;
    s_contact_save(b, &old, 0);
    char *changed[] = {"primary"};
    customers_emit_contact(b, "contact.updated", &old, by, changed, 1);
    crm_rowmap_clear(&old.base);
}

/* Demotes the customer's primary contact (read as "primary") for k. */
static void s_demote_primary(crm_txn_t *t, const Crm__Customers__Contact *k)
{
    const PGresult *r = crm_txn_result(t, "primary");
    if (PQntuples(r) == 0 || crm_db_get_i64(r, 0, 0) == k->id)
        return;
    customers_contact_demote(crm_txn_batch(t), r, 0, crm_txn_now(t), crm_txn_caller(t)->user_id);
}

/* ---- CreateContact --------------------------------------------------------------- */

typedef struct {
    Crm__Customers__Contact k;
    char mobile[12], telephone[32];
    int check_duplicate;
} create_t;

static void s_create_read(crm_txn_t *t)
{
    create_t *cr = crm_txn_data(t);
    char id[24];
    const char *p[] = {crm_i64(id, cr->k.customer_id)};
    crm_txn_read(t, "customer", "contact_customer", 1, p);
    crm_txn_read(t, "primary", "contact_primary_of", 1, p);
    crm_txn_read(t, "next_id", "contact_next_id", 0, NULL);
    if (cr->check_duplicate)
        s_read_mobile(t, cr->mobile, 0);
}

static int s_create_decide(crm_txn_t *t)
{
    create_t *cr = crm_txn_data(t);
    Crm__Customers__Contact *k = &cr->k;
    if (crm_txn_round(t) > 1)
        return s_pooled_refusal(t, "contact.customer_id", k->customer_id);
    int rc = s_customer_editable(t, "contact.customer_id", k->customer_id);
    if (rc != 0)
        return rc;
    if (s_mobile_free(t) < 0)
        return -1;
    const PGresult *cust = crm_txn_result(t, "customer");
    /* The first contact of a customer is its primary one. */
    if (PQntuples(crm_txn_result(t, "primary")) == 0)
        k->primary = 1;
    k->id = crm_db_get_i64(crm_txn_result(t, "next_id"), 0, 0);
    k->creator_id = crm_txn_caller(t)->user_id;
    k->owner_id = crm_db_get_i64(cust, 0, PQfnumber(cust, "owner_id"));
    k->customer_name = (char *)crm_db_get(cust, 0, PQfnumber(cust, "name"));
    k->created_at_us = k->updated_at_us = crm_txn_now(t);
    if (k->primary)
        s_demote_primary(t, k);
    crm_db_batch_t *b = crm_txn_batch(t);
    customers_contact_insert(b, k);
    customers_emit_contact(b, "contact.created", k, k->creator_id, NULL, 0);
    crm_txn_reply(t, &k->base);
    return 0;
}

static const crm_txn_op_t s_create_op = {
    .read = s_create_read, .decide = s_create_decide, .done = free};

static void s_create(crm_rpc_call_t *call, const Crm__Customers__CreateContactRequest *req,
                     void *arg)
{
    customers_t *cs = arg;
    if (!req->contact) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "contact", "contact is required");
        return;
    }
    create_t *cr = crm_calloc(1, sizeof *cr);
    cr->k = *req->contact;
    crm_errs_t errs = {.n = 0};
    if (cr->k.customer_id < 1)
        crm_errs_invalid(&errs, "contact.customer_id", "contact.customer_id is required");
    customers_contact_check(&cr->k, 1, "contact.", cr->mobile, cr->telephone, &errs);
    if (errs.n) {
        crm_rpc_fail_errs(call, &errs);
        free(cr);
        return;
    }
    cr->check_duplicate = cr->mobile[0] && !req->allow_duplicate;
    crm_txn_run(&cs->env, call, &s_create_op, cr);
}

/* ---- GetContact ----------------------------------------------------------------- */

/* Round 1: the contact's customer; round 2: whether the caller sees that
 * customer (customers_seen_reads) and the contact. */
#define CONTACT_OF_ID                                                                              \
    " FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE k.id = $1::bigint"            \
    " AND k.deleted_at IS NULL AND c.deleted_at IS NULL"

typedef struct {
    customers_t *cs;
    crm_rpc_call_t *call;
    int64_t id;
} get_t;

static void s_not_found(const get_t *g)
{
    crm_rpc_fail(g->call, CRM__STATUS__NOT_FOUND, "id", "contact %lld not found", (long long)g->id);
}

static void s_got(void *arg, const crm_db_result_t *res)
{
    get_t *g = arg;
    int masked;
    if (res->err) {
        crm_fail_db(g->call, res);
    } else if (PQntuples(res->results[CUSTOMERS_SEEN_READS]) == 0 ||
               !customers_seen(crm_rpc_call_caller(g->call), res->results, &masked)) {
        s_not_found(g);
    } else {
        Crm__Customers__Contact k = CRM__CUSTOMERS__CONTACT__INIT;
        char mask[4][CRM_POOL_MASK_LEN];
        customers_row_to(res->results[CUSTOMERS_SEEN_READS], 0, &k.base);
        if (masked)
            customers_contact_mask(&k, mask);
        crm_rpc_reply(g->call, &k.base);
        crm_rowmap_clear(&k.base);
    }
    free(g);
}

static void s_got_customer(void *arg, const crm_db_result_t *res)
{
    get_t *g = arg;
    if (res->err || PQntuples(res->results[0]) == 0) {
        if (res->err)
            crm_fail_db(g->call, res);
        else
            s_not_found(g);
        free(g);
        return;
    }
    char id[24];
    const char *p[] = {crm_i64(id, g->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    customers_seen_reads(b, crm_rpc_call_caller(g->call), crm_db_get(res->results[0], 0, 0));
    crm_db_batch_add(b, "SELECT " CONTACT_COLUMNS CONTACT_OF_ID, 1, p);
    crm_db_submit(g->cs->db, &b, s_got, g);
}

static void s_get(crm_rpc_call_t *call, const Crm__Customers__GetContactRequest *req, void *arg)
{
    customers_t *cs = arg;
    if (!crm_check_id(call, "id", req->id))
        return;
    get_t *g = crm_calloc(1, sizeof *g);
    *g = (get_t){.cs = cs, .call = call, .id = req->id};
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "SELECT k.customer_id" CONTACT_OF_ID, 1, p);
    crm_db_submit(cs->db, &b, s_got_customer, g);
}

/* ---- UpdateContact and DeleteContact: one contact, locked with its customer ---- */

/* An edit (edit set) or a delete of contact id. */
typedef struct {
    int64_t id;
    int64_t customer_id; /* its customer's, once read */
    const Crm__Customers__UpdateContactRequest *edit;
    char mobile[12], telephone[32];
    int check_duplicate;
} change_t;

static void s_change_read(crm_txn_t *t)
{
    change_t *ch = crm_txn_data(t);
    char id[24];
    const char *p[] = {crm_i64(id, ch->id)};
    crm_txn_read(t, "contact", "contact_lock", 1, p);
    crm_txn_read(t, "customer",
                 "SELECT " CUSTOMER_COLUMNS " FROM customers c WHERE c.id ="
                 " (SELECT customer_id FROM contacts WHERE id = $1::bigint) AND c.deleted_at IS"
                 " NULL FOR UPDATE OF c",
                 1, p);
    crm_txn_read(t, "primary",
                 "SELECT " CONTACT_COLUMNS ", (SELECT count(*) FROM contacts x WHERE"
                 " x.customer_id = k.customer_id AND x.deleted_at IS NULL) AS n FROM contacts k"
                 " JOIN customers c ON c.id = k.customer_id WHERE k.customer_id ="
                 " (SELECT customer_id FROM contacts WHERE id = $1::bigint) AND k.is_primary"
                 " AND k.deleted_at IS NULL",
                 1, p);
    if (ch->check_duplicate)
        s_read_mobile(t, ch->mobile, ch->id);
}

static int s_in_mask(const Crm__Customers__UpdateContactRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

/* The edit's fields on k; the names of those that changed into changed. */
static size_t s_apply_edit(const Crm__Customers__UpdateContactRequest *req, change_t *ch,
                           Crm__Customers__Contact *k, char **changed)
{
    size_t n = 0;
#define EDIT(f, v)                                                                                 \
    do {                                                                                           \
        if (s_in_mask(req, #f) && strcmp(k->f, (v)) != 0) {                                        \
            k->f = (char *)(v);                                                                    \
            changed[n++] = #f;                                                                     \
        }                                                                                          \
    } while (0)
    EDIT(name, req->name);
    EDIT(title, req->title);
    EDIT(mobile, ch->mobile);
    EDIT(telephone, ch->telephone);
    EDIT(email, req->email);
    EDIT(wechat, req->wechat);
    EDIT(birthday, req->birthday);
    EDIT(remark, req->remark);
#undef EDIT
    if (s_in_mask(req, "primary") && !k->primary) {
        k->primary = 1;
        changed[n++] = "primary";
    }
    return n;
}

static int s_change_decide(crm_txn_t *t)
{
    change_t *ch = crm_txn_data(t);
    if (crm_txn_round(t) > 1)
        return s_pooled_refusal(t, "id", ch->customer_id);
    const PGresult *r = crm_txn_result(t, "contact");
    if (PQntuples(r) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "contact %lld not found",
                              (long long)ch->id);
    ch->customer_id = crm_db_get_i64(r, 0, PQfnumber(r, "customer_id"));
    int rc = s_customer_editable(t, "id", ch->customer_id);
    if (rc != 0)
        return rc;
    if (s_mobile_free(t) < 0)
        return -1;
    Crm__Customers__Contact *k = crm_calloc(1, sizeof *k);
    crm__customers__contact__init(k);
    customers_row_to(r, 0, &k->base);
    int64_t others = crm_db_get_i64(crm_txn_result(t, "primary"), 0,
                                    PQfnumber(crm_txn_result(t, "primary"), "n")) -
                     1;
    char *changed[12];
    size_t n = 0;
    if (!ch->edit && k->primary && others > 0) {
        rc = crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "id",
                            "contact %lld is the customer's primary contact; make another"
                            " primary first",
                            (long long)k->id);
    } else if (ch->edit) {
        n = s_apply_edit(ch->edit, ch, k, changed);
        if (k->primary)
            s_demote_primary(t, k);
    }
    if (rc == 0) {
        k->updated_at_us = crm_txn_now(t);
        crm_db_batch_t *b = crm_txn_batch(t);
        s_contact_save(b, k, !ch->edit);
        customers_emit_contact(b, ch->edit ? "contact.updated" : "contact.deleted", k,
                               crm_txn_caller(t)->user_id, changed, n);
        crm_txn_reply(t, &k->base);
    }
    crm_rowmap_clear(&k->base);
    free(k);
    return rc;
}

static const crm_txn_op_t s_change_op = {
    .read = s_change_read, .decide = s_change_decide, .done = free};

static const char *const s_editable[] = {"name",    "title",           "mobile",   "telephone",
                                         "email",   "wechat",          "birthday", "remark",
                                         "primary", "allow_duplicate", NULL};

static void s_update(crm_rpc_call_t *call, const Crm__Customers__UpdateContactRequest *req,
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
    if (s_in_mask(req, "primary") && !req->primary) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "primary",
                     "a customer keeps one primary contact: make another one primary instead");
        return;
    }
    change_t *ch = crm_calloc(1, sizeof *ch);
    ch->id = req->id;
    ch->edit = req;
    Crm__Customers__Contact in = CRM__CUSTOMERS__CONTACT__INIT;
#define GIVEN(f) (s_in_mask(req, #f) ? req->f : NULL)
    in.name = GIVEN(name);
    in.title = GIVEN(title);
    in.mobile = GIVEN(mobile);
    in.telephone = GIVEN(telephone);
    in.email = GIVEN(email);
    in.wechat = GIVEN(wechat);
    in.birthday = GIVEN(birthday);
    in.remark = GIVEN(remark);
#undef GIVEN
    crm_errs_t errs = {.n = 0};
    if (in.name && !*in.name)
        crm_errs_invalid(&errs, "name", "name cannot be cleared");
    customers_contact_check(&in, 0, "", ch->mobile, ch->telephone, &errs);
    if (errs.n) {
        crm_rpc_fail_errs(call, &errs);
        free(ch);
        return;
    }
    ch->check_duplicate = ch->mobile[0] && !req->allow_duplicate;
    crm_txn_run(&cs->env, call, &s_change_op, ch);
}

static void s_delete(crm_rpc_call_t *call, const Crm__Customers__GetContactRequest *req, void *arg)
{
    customers_t *cs = arg;
    if (!crm_check_id(call, "id", req->id))
        return;
    change_t *ch = crm_calloc(1, sizeof *ch);
    ch->id = req->id;
    crm_txn_run(&cs->env, call, &s_change_op, ch);
}

/* ---- ListContacts ---------------------------------------------------------------- */

static const crm_key_t s_keys[] = {
    {.sql = "k.created_at", .column = "created_at_us", .type = CRM_KEY_TIME},
    {.sql = "k.id", .column = "id", .type = CRM_KEY_BIGINT}};
static const crm_keyset_t s_order = {.tag = "contacts", .keys = s_keys, .n = 2};
/* The keyword: part of the name, or the start of a phone number. */
#define CONTACT_KEYWORD(g)                                                                         \
    {                                                                                              \
        .field = "keyword", .kind = CRM_FILTER_KEYWORD, .column = "k.name",                        \
        .prefix = {"k.mobile", "k.telephone"}, .gate = g, .max_len = 100                           \
    }
static const crm_filter_t s_keyword[] = {CONTACT_KEYWORD(NULL)};
/* The same for those who may see contacts masked (all but admins of
 * everything; a pool's admins too, as in the customers' pool view): a
 * number is searched among owned customers' contacts only, so a search
 * never confirms a pooled customer's masked number. */
static const crm_filter_t s_keyword_masked[] = {CONTACT_KEYWORD("c.owner_id <> 0")};

typedef struct {
    crm_rpc_call_t *call;
    crm_page_t page;
    int total;
    int64_t customer_id;
} list_t;

/* A page of a pooled customer's contacts masked (a crm_page_fix_fn): arg
 * gets the masks' buffers, for the caller to free after the reply. */
static void s_mask_page(ProtobufCMessage *msg, void *arg)
{
    Crm__Customers__ContactList *list = (Crm__Customers__ContactList *)msg;
    char(**masks)[4][CRM_POOL_MASK_LEN] = arg;
    *masks = crm_calloc(list->n_items + 1, sizeof **masks);
    for (size_t i = 0; i < list->n_items; i++)
        customers_contact_mask(list->items[i], (*masks)[i]);
}

static void s_listed(void *arg, const crm_db_result_t *res)
{
    list_t *ls = arg;
    int at = 0, masked = 0;
    if (res->err) {
        crm_fail_db(ls->call, res);
        free(ls);
        return;
    }
    if (ls->customer_id) {
        /* One customer's: of a customer the caller sees, a pooled one's
         * by its pool's people. */
        if (!customers_seen(crm_rpc_call_caller(ls->call), res->results, &masked)) {
            crm_rpc_fail(ls->call, CRM__STATUS__NOT_FOUND, "customer_id", "customer %lld not found",
                         (long long)ls->customer_id);
            free(ls);
            return;
        }
        at = CUSTOMERS_SEEN_READS;
    }
    char(*masks)[4][CRM_POOL_MASK_LEN] = NULL;
    crm_reply_page_fixed(ls->call, &ls->page, &crm__customers__contact_list__descriptor,
                         res->results[at], ls->total ? res->results[at + 1] : NULL,
                         masked ? s_mask_page : NULL, &masks);
    free(masks);
    free(ls);
}

static void s_list(crm_rpc_call_t *call, const Crm__Customers__ListContactsRequest *req, void *arg)
{
    customers_t *cs = arg;
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    crm_page_t pg;
    crm_err_t err;
    if (req->customer_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "customer_id",
                     "customer_id must not be negative");
        return;
    }
    if (crm_filter_check(s_keyword, 1, &req->base, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (!crm_check_page(call, &pg, &s_order, req->limit, 20, req->cursor))
        return;
    list_t *ls = crm_calloc(1, sizeof *ls);
    *ls = (list_t){.call = call, .page = pg, .total = req->total, .customer_id = req->customer_id};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT " CONTACT_COLUMNS " FROM contacts k JOIN customers c ON c.id ="
                      " k.customer_id WHERE k.deleted_at IS NULL AND c.deleted_at IS NULL");
    if (req->customer_id) {
        char id[24];
        customers_seen_reads(b, caller, crm_i64(id, req->customer_id));
        crm_sqlbuf_addp_i64(q, " AND k.customer_id = $?::bigint", req->customer_id);
    } else {
        /* Every owned customer's in scope (the scope leaves pooled ones out). */
        customers_scope_t s;
        customers_scope(caller, 0, NULL, 0, &s);
        customers_add_scope(q, &s, "c");
        customers_scope_clear(&s);
    }
    crm_filter_where(q, crm_scope_all(caller) ? s_keyword : s_keyword_masked, 1, &req->base);
    crm_page_batch_add(&q, &pg, req->total, b);
    crm_db_submit(cs->db, &b, s_listed, ls);
}

void customers_contacts_handlers(customers_t *cs)
{
    cs->handlers.create_contact = s_create;
    cs->handlers.get_contact = s_get;
    cs->handlers.update_contact = s_update;
    cs->handlers.delete_contact = s_delete;
    cs->handlers.list_contacts = s_list;
}
