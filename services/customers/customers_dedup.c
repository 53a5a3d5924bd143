/* customers_dedup.c: Customers.CheckDuplicates (查重) across both domains:
 * what the leads service finds for the same caller, then the customers
 * with the name (any case, spaces around) or a number and the contacts
 * with the number (Leads.CheckDuplicates, local_only: its pools' masking and
 * probe budget apply there). Leads not answering in time leaves its
 * matches out and says so (unavailable); leads refusing (a caller past
 * their masked probes) refuses the whole check, so it reveals nothing the
 * leads' own check would not. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/peer.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "customers.h"
#include "leads.pb-c.h"

#define DUPLICATES_MAX 50

/* Whether c's numbers are masked to the caller ($4; $5: sees every
 * contact): pooled, and the caller not its pool's admin. */
#define MASKED "(NOT $5::boolean AND c.owner_id = 0 AND NOT $4::bigint = ANY(p.admin_ids))"
/* A number column of the same masked form as the number asked (same
 * length, first three and last four characters). */
#define SAME_FORM(col, n)                                                                          \
    "(left(" col ", 3) || right(" col ", 4) = left(" n ", 3) || right(" n ", 4) AND length(" col   \
    ") = length(" n "))"
/* The customers and the contacts, each with its customer and pool. */
#define FROM_customer                                                                              \
    "customers x JOIN customers c ON c.id = x.id LEFT JOIN customer_pools p ON p.id = c.pool_id"   \
    " WHERE x.deleted_at IS NULL"
#define FROM_contact                                                                               \
    "contacts x JOIN customers c ON c.id = x.customer_id LEFT JOIN customer_pools p ON p.id ="     \
    " c.pool_id WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL"
/* A number's matches: exact for what the caller sees, by the masked form
 * (no id, no name: the form and the pool) for what it sees masked. */
#define NUMBER(kind, col, n, id, customer)                                                         \
    " UNION ALL (SELECT '" #kind "', CASE WHEN " MASKED " THEN 0 ELSE " id                         \
    " END, CASE WHEN " MASKED " THEN '' ELSE x.name END, '" col                                    \
    "', c.owner_id, c.pool_id, " customer ", " MASKED " FROM " FROM_##kind                         \
        " AND " n " <> '' AND ((NOT " MASKED " AND x." col " = " n ") OR (" MASKED                 \
        " AND length(" n ") > 7 AND " SAME_FORM("x." col, n) ")) ORDER BY 2 LIMIT 50)"

void customers_dedup_prepare(crm_db_t *db)
{
    crm_db_prepare(
        db, "customer_duplicates",
        "SELECT DISTINCT ON (kind, id, matched_on, pool_id) * FROM ("
        "(SELECT 'customer' AS kind, c.id, c.name, 'name' AS matched_on, c.owner_id,"
        " c.pool_id, 0::bigint AS customer_id, false AS masked FROM customers c"
        " WHERE $1 <> '' AND lower(btrim(c.name)) = lower(btrim($1)) AND"
        " c.deleted_at IS NULL ORDER BY c.id LIMIT 50)" NUMBER(
            customer, "mobile", "$2", "c.id", "0") NUMBER(customer, "telephone", "$3", "c.id", "0")
            NUMBER(contact, "mobile", "$2", "x.id",
                   "CASE WHEN " MASKED " THEN 0 ELSE c.id END") ") d"
                                                                " ORDER BY kind DESC,"
                                                                " id, matched_on,"
                                                                " pool_id LIMIT 50");
}

typedef struct {
    customers_t *cs;
    crm_rpc_call_t *call;
    char *name;
    char mobile[12], telephone[32];
    uint8_t *leads; /* the leads' answer as received (NULL: none) */
    size_t leads_len;
} dedup_t;

static void s_free(dedup_t *d)
{
    free(d->leads);
    free(d->name);
    free(d);
}

/* Replies with ours (own) and the leads' (NULL when leads did not answer). */
static void s_reply(dedup_t *d, const PGresult *own, const Crm__Leads__DuplicateList *leads)
{
    size_t nl = leads ? leads->n_matches : 0, n = 0;
    int no = PQntuples(own);
    Crm__Customers__CustomerDuplicate *m = crm_calloc((size_t)no + nl + 1, sizeof *m);
    Crm__Customers__CustomerDuplicate **items = crm_calloc((size_t)no + nl + 1, sizeof *items);
    char masked[2][CRM_POOL_MASK_LEN];
    crm_phone_mask(d->mobile, masked[0], CRM_POOL_MASK_LEN);
    crm_phone_mask(d->telephone, masked[1], CRM_POOL_MASK_LEN);
    int col = PQfnumber(own, "masked");
    for (int i = 0; i < no; i++, n++) {
        crm__customers__customer_duplicate__init(&m[n]);
        customers_row_to(own, i, &m[n].base);
        if (m[n].owner_id)
            m[n].pool_id = 0;
        /* A masked match: the form of the number asked and the pool, the
         * same whether or not the number is the customer's. */
        if (crm_db_get_bool(own, i, col))
            m[n].masked_number = masked[!strcmp(m[n].matched_on, "telephone")];
    }
    for (size_t i = 0; i < nl; i++) {
        const Crm__Leads__DuplicateMatch *x = leads->matches[i];
        if (x->customer_id)
            continue; /* ours, as leads heard them */
        crm__customers__customer_duplicate__init(&m[n]);
        m[n].kind = "lead";
        m[n].id = x->lead_id;
        m[n].name = x->name;
        m[n].matched_on = x->matched_on;
        m[n].owner_id = x->owner_id;
        m[n].pool_id = x->pool_id;
        m[n].masked_number = x->masked_number;
        n++;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = &m[i];
    Crm__Customers__CustomerDuplicateList list = CRM__CUSTOMERS__CUSTOMER_DUPLICATE_LIST__INIT;
    list.matches = items;
    list.n_matches = n;
    char *unavailable[] = {"leads"};
    if (!leads) {
        list.unavailable = unavailable;
        list.n_unavailable = 1;
    }
    crm_rpc_reply(d->call, &list.base);
    free(items);
    free(m);
}

static void s_own_read(void *arg, const crm_db_result_t *res)
{
    dedup_t *d = arg;
    if (res->err) {
        crm_fail_db(d->call, res);
        s_free(d);
        return;
    }
    Crm__Leads__DuplicateList *leads =
        d->leads ? crm__leads__duplicate_list__unpack(NULL, d->leads_len, d->leads) : NULL;
    s_reply(d, res->results[0], leads);
    if (leads)
        crm__leads__duplicate_list__free_unpacked(leads, NULL);
    s_free(d);
}

static void s_read_own(dedup_t *d)
{
    const Crm__Caller *c = crm_rpc_call_caller(d->call);
    char user[24];
    const char *p[] = {d->name, d->mobile, d->telephone, crm_i64(user, c->user_id),
                       crm_scope_all(c) ? "true" : "false"};
    crm_db_exec(d->cs->db, "customer_duplicates", 5, p, s_own_read, d);
}

/* The leads' answer, kept for the reply (a refusal of the caller's own,
 * past their masked probes, is theirs). */
static void s_from_leads(void *arg, const crm_rpc_result_t *res)
{
    dedup_t *d = arg;
    if (res->status != CRM__STATUS__OK && res->status != CRM__STATUS__UNAVAILABLE) {
        crm_rpc_fail(d->call, res->status, res->field, "%s", res->message);
        s_free(d);
        return;
    }
    if (res->status == CRM__STATUS__OK)
        d->leads = crm_rpc_result_keep(res, &d->leads_len);
    s_read_own(d);
}

static void s_check(crm_rpc_call_t *call, const Crm__Customers__CustomerDuplicatesRequest *req,
                    void *arg)
{
    customers_t *cs = arg;
    dedup_t *d = crm_calloc(1, sizeof *d);
    if (!crm_check_dedup(call, req->name, req->mobile, req->telephone, &d->name, d->mobile,
                         d->telephone)) {
        free(d);
        return;
    }
    d->cs = cs;
    d->call = call;
    if (req->local_only || !cs->leads) {
        s_read_own(d);
        return;
    }
    Crm__Leads__CheckDuplicatesRequest q = CRM__LEADS__CHECK_DUPLICATES_REQUEST__INIT;
    q.name = d->name;
    q.mobile = d->mobile;
    q.telephone = d->telephone;
    q.local_only = 1;
    if (crm_rpc_call(cs->leads, "Leads.CheckDuplicates", &q.base,
                     &crm__leads__duplicate_list__descriptor, crm_rpc_call_caller(call),
                     s_from_leads, d) < 0)
        s_read_own(d);
}

void customers_dedup_handlers(customers_t *cs)
{
    cs->handlers.check_duplicates = s_check;
}
