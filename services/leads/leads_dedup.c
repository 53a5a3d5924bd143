/* leads_dedup.c: Leads.CheckDuplicates (查重): the leads that already have
 * a name, a mobile or a telephone, and (unless local_only) the customers
 * and contacts the customers service finds for the same caller, asked
 * first (Customers.CheckDuplicates, local_only; not answering in time
 * leaves them out and says so: unavailable). A transaction of its own,
 * since a number masked to the caller costs one of its masked probes
 * (leads_probe.c): such a lead is answered by its pool and the number's
 * masked form only, whether or not the number is the same. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "customers.pb-c.h"
#include "leads.h"

#define DUPLICATES_MAX 50

/* A number's exact matches, but the leads masked to caller $4 (unless $5,
 * the caller sees every contact). */
#define EXACT(col, param)                                                                          \
    " UNION ALL (SELECT l.id, l.name, '" col "', l.owner_id, l.pool_id, l.status FROM leads l"     \
    " WHERE l." col " = $" param " AND l." col " <> '' AND l.deleted_at IS NULL"                   \
    " AND ($5::boolean OR l.owner_id <> 0 OR l.pool_id = 0 OR EXISTS (SELECT 1 FROM lead_pools p"  \
    " WHERE p.id = l.pool_id AND $4::bigint = ANY(p.admin_ids))) ORDER BY l.id LIMIT 50)"

void leads_dedup_prepare(crm_db_t *db)
{
    crm_db_prepare(
        db, "lead_duplicates",
        "SELECT * FROM ((SELECT id, name, 'name', owner_id, pool_id, status FROM leads"
        " WHERE name = $1 AND $1 <> '' AND deleted_at IS NULL ORDER BY id LIMIT 50)" EXACT(
            "mobile", "2") EXACT("telephone", "3") ") d ORDER BY 1, 3 LIMIT 50");
}

typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
    char *name;
    char mobile[12], telephone[32];
    uint8_t *customers; /* the customers' answer as received (NULL: none) */
    size_t customers_len;
    int asked; /* the customers service was asked (and did not answer: unavailable) */
} dedup_t;

static void s_dedup_free(void *data)
{
    dedup_t *d = data;
    free(d->customers);
    free(d->name);
    free(d);
}

/* Appends the customers' and contacts' matches the customers service
 * found to m (customer_id, and contact_id for a contact). */
static void s_customers(const Crm__Customers__CustomerDuplicateList *cl,
                        Crm__Leads__DuplicateMatch *m, size_t *n, size_t cap)
{
    for (size_t i = 0; cl && i < cl->n_matches && *n < cap; i++) {
        const Crm__Customers__CustomerDuplicate *x = cl->matches[i];
        if (!strcmp(x->kind, "lead"))
            continue;
        Crm__Leads__DuplicateMatch *y = &m[(*n)++];
        crm__leads__duplicate_match__init(y);
        y->name = x->name;
        y->matched_on = x->matched_on;
        y->owner_id = x->owner_id;
        y->pool_id = x->pool_id;
        y->masked_number = x->masked_number; /* a customer masked to the caller */
        int contact = !strcmp(x->kind, "contact");
        y->customer_id = contact ? x->customer_id : x->id;
        y->contact_id = contact ? x->id : 0;
    }
}

static void s_dedup_read(crm_txn_t *t)
{
    dedup_t *d = crm_txn_data(t);
    const Crm__Caller *c = crm_txn_caller(t);
    char user[24];
    const char *p[] = {d->name, d->mobile, d->telephone, crm_i64(user, c->user_id),
                       crm_scope_all(c) ? "true" : "false"};
    crm_txn_read(t, "exact", "lead_duplicates", 5, p);
    leads_probe_read(t, d->mobile, d->telephone);
}

/* Appends the masked matches of field (number: the one asked for) to m. */
static void s_masked(const crm_txn_t *t, const char *field, const char *number,
                     char masked[CRM_POOL_MASK_LEN], Crm__Leads__DuplicateMatch *m, size_t *n)
{
    const PGresult *r = leads_probe_hits(t, field);
    crm_phone_mask(number, masked, CRM_POOL_MASK_LEN);
    for (int i = 0; r && i < PQntuples(r) && *n < DUPLICATES_MAX; i++) {
        Crm__Leads__DuplicateMatch *x = &m[(*n)++];
        crm__leads__duplicate_match__init(x);
        x->matched_on = (char *)field;
        x->pool_id = crm_db_get_i64(r, i, 1);
        x->status = (lead_status_t)crm_db_get_i64(r, i, 2);
        x->masked_number = masked;
    }
}

static int s_dedup_decide(crm_txn_t *t)
{
    dedup_t *d = crm_txn_data(t);
    crm_err_t err;
    if (leads_probe_charge(t, &err) < 0)
        return crm_txn_refuse(t, err.status, err.field, "%s", err.message);
    const PGresult *r = crm_txn_result(t, "exact");
    Crm__Leads__DuplicateMatch m[2 * DUPLICATES_MAX], *items[2 * DUPLICATES_MAX];
    size_t n = 0;
    for (int i = 0; i < PQntuples(r); i++, n++) {
        crm__leads__duplicate_match__init(&m[n]);
        m[n].lead_id = crm_db_get_i64(r, i, 0);
        m[n].name = (char *)crm_db_get(r, i, 1);
        m[n].matched_on = (char *)crm_db_get(r, i, 2);
        m[n].owner_id = crm_db_get_i64(r, i, 3);
        m[n].pool_id = m[n].owner_id ? 0 : crm_db_get_i64(r, i, 4);
        m[n].status = (lead_status_t)crm_db_get_i64(r, i, 5);
    }
    char masked[2][CRM_POOL_MASK_LEN];
    s_masked(t, "mobile", d->mobile, masked[0], m, &n);
    s_masked(t, "telephone", d->telephone, masked[1], m, &n);
    Crm__Customers__CustomerDuplicateList *cl =
        d->customers
            ? crm__customers__customer_duplicate_list__unpack(NULL, d->customers_len, d->customers)
            : NULL;
    s_customers(cl, m, &n, 2 * DUPLICATES_MAX);
    for (size_t i = 0; i < n; i++)
        items[i] = &m[i];
    Crm__Leads__DuplicateList list = CRM__LEADS__DUPLICATE_LIST__INIT;
    list.matches = items;
    list.n_matches = n;
    char *unavailable[] = {"customers"};
    if (d->asked && !cl) {
        list.unavailable = unavailable;
        list.n_unavailable = 1;
    }
    crm_txn_reply(t, &list.base);
    if (cl)
        crm__customers__customer_duplicate_list__free_unpacked(cl, NULL);
    return 0;
}

static const crm_txn_op_t s_dedup_op = {
    .read = s_dedup_read, .decide = s_dedup_decide, .done = s_dedup_free};

/* The customers' answer, kept for the decision (a refusal is the
 * caller's own, answered as is). */
static void s_from_customers(void *arg, const crm_rpc_result_t *res)
{
    dedup_t *d = arg;
    if (res->status != CRM__STATUS__OK && res->status != CRM__STATUS__UNAVAILABLE) {
        crm_rpc_fail(d->call, res->status, res->field, "%s", res->message);
        s_dedup_free(d);
        return;
    }
    if (res->status == CRM__STATUS__OK)
        d->customers = crm_rpc_result_keep(res, &d->customers_len);
    crm_txn_run(&d->l->env, d->call, &s_dedup_op, d);
}

static void s_check_duplicates(crm_rpc_call_t *call, const Crm__Leads__CheckDuplicatesRequest *req,
                               void *arg)
{
    leads_t *l = arg;
    dedup_t *d = crm_calloc(1, sizeof *d);
    if (!crm_check_dedup(call, req->name, req->mobile, req->telephone, &d->name, d->mobile,
                         d->telephone)) {
        free(d);
        return;
    }
    d->l = l;
    d->call = call;
    if (!req->local_only && l->customers) {
        Crm__Customers__CustomerDuplicatesRequest q =
            CRM__CUSTOMERS__CUSTOMER_DUPLICATES_REQUEST__INIT;
        q.name = d->name;
        q.mobile = d->mobile;
        q.telephone = d->telephone;
        q.local_only = 1;
        d->asked = 1;
        if (crm_rpc_call(l->customers, "Customers.CheckDuplicates", &q.base, NULL,
                         crm_rpc_call_caller(call), s_from_customers, d) == 0)
            return;
    }
    crm_txn_run(&l->env, call, &s_dedup_op, d);
}

void leads_dedup_handlers(leads_handlers_t *h)
{
    h->check_duplicates = s_check_duplicates;
}
