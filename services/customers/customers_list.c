/* customers_list.c: reading many customers: Customers.List (preset views,
 * filters, sorts, keyset paging, a total on request), and the history of a
 * customer or an enterprise (History, EnterpriseHistory).
 *
 * Every list is one statement with the caller's data scope written into
 * its SQL (owner_id = ANY(...)), read by keyset (crm/list.h) through the
 * (owner_id, key, id) indexes of sql/002: for a handful of owners (a
 * manager, an owner filter) each owner's first rows are read from the
 * index and merged, so a page costs owners x page size however the rows
 * lie in time; otherwise one scan in the sort's order. A keyword of three
 * characters or more goes through the trigram index of name and company.
 * A time that may be unset sorts as if at +infinity (next contact) or
 * -infinity (last follow-up), as the indexes have it. A page is read in
 * binary (crm_db_batch_binary), its times the timestamptz themselves
 * (LIST_COLUMNS): a walk of a million customers (an export) costs the
 * server no crm_us per value and the service no parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/filter.h"
#include "crm/list.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

#define OWNERS_MAX 500
/* The columns of a list's page, read in binary. */
#define LIST_COLUMNS CUSTOMER_COLUMNS_AS(CRM_US_BINARY)
/* The few owners whose rows are merged one index scan each. */
#define OWNERS_MERGED 64

#define V(x) CRM__CUSTOMERS__CUSTOMER_VIEW__CUSTOMER_VIEW_##x
/* The next contact time as the index of sql/002 has it (unset: +infinity). */
#define NEXT_CONTACT_KEY "COALESCE(next_contact_at, 'infinity'::timestamptz)"

/* ---- scope ----------------------------------------------------------------- */

void customers_scope(const Crm__Caller *c, int view, const int64_t *filter, size_t nf,
                     customers_scope_t *s)
{
    memset(s, 0, sizeof *s);
    if (view == V(POOL))
        return; /* the caller sets pool: its members' */
    crm_view_t v = view == V(ALL)            ? CRM_VIEW_ALL
                   : view == V(SUBORDINATES) ? CRM_VIEW_SUBORDINATES
                   : view == V(TEAM)         ? CRM_VIEW_TEAM
                                             : CRM_VIEW_MINE; /* mine, today, pending */
    crm_view_scope(c, v, filter, nf, &s->v);
}

void customers_scope_clear(customers_scope_t *s)
{
    crm_view_scope_clear(&s->v);
}

/* The team view: the customers whose team the caller is on, until it ends. */
static void s_team(crm_sqlbuf_t *q, const char *alias, int64_t me)
{
    crm_sqlbuf_addf(q, " AND %s.id IN (SELECT customer_id FROM customer_team", alias);
    crm_sqlbuf_addp_i64(q,
                        " WHERE user_id = $?::bigint AND (expires_at IS NULL OR"
                        " expires_at > now()))",
                        me);
}

void customers_add_scope(crm_sqlbuf_t *q, const customers_scope_t *s, const char *alias)
{
    if (s->pool) {
        crm_sqlbuf_addf(q, " AND %s.owner_id = 0 AND %s.pool_id = ", alias, alias);
        crm_sqlbuf_addp_i64(q, "$?::bigint", s->pool);
    } else {
        crm_view_scope_sql(q, &s->v, alias, s_team);
    }
}

/* ---- Customers.List -------------------------------------------------------- */

#define SORT_KEYS(col, nul)                                                                        \
    {                                                                                              \
        {.sql = col, .column = col "_us", .type = CRM_KEY_TIME, .nulls = nul}, CRM_KEY_ID          \
    }
static const struct {
    crm_key_t keys[2];
    const char *tag;
} s_sorts[] = {
    [CRM__CUSTOMERS__CUSTOMER_SORT__CUSTOMER_SORT_CREATED_AT] = {SORT_KEYS("created_at", 0),
                                                                 "customer:created"},
    [CRM__CUSTOMERS__CUSTOMER_SORT__CUSTOMER_SORT_UPDATED_AT] = {SORT_KEYS("updated_at", 0),
                                                                 "customer:updated"},
    [CRM__CUSTOMERS__CUSTOMER_SORT__CUSTOMER_SORT_NEXT_CONTACT_AT] = {SORT_KEYS("next_contact_at",
                                                                                1),
                                                                      "customer:next"},
    [CRM__CUSTOMERS__CUSTOMER_SORT__CUSTOMER_SORT_LAST_FOLLOWUP_AT] = {SORT_KEYS("last_followup_at",
                                                                                 -1),
                                                                       "customer:last"},
    [CRM__CUSTOMERS__CUSTOMER_SORT__CUSTOMER_SORT_RECYCLE_AT] = {SORT_KEYS("recycle_at", 1),
                                                                 "customer:recycle"},
};
#define N_SORTS (int)(sizeof s_sorts / sizeof s_sorts[0])

static const crm_filter_t s_filters[] = {
    {.field = "source", .kind = CRM_FILTER_EQ, .column = "source", .max_len = 50},
    {.field = "level", .kind = CRM_FILTER_EQ, .column = "level", .max_len = 50},
    {.field = "industry", .kind = CRM_FILTER_EQ, .column = "industry", .max_len = 50},
    {.field = "province", .kind = CRM_FILTER_EQ, .column = "province", .max_len = 50},
    {.field = "city", .kind = CRM_FILTER_EQ, .column = "city", .max_len = 50},
    {.field = "department_id", .kind = CRM_FILTER_EQ, .column = "department_id"},
    {.field = "enterprise_id", .kind = CRM_FILTER_EQ, .column = "enterprise_id"},
    {.field = "deal_status", .kind = CRM_FILTER_EQ, .column = "deal_status"},
    {.field = "type", .kind = CRM_FILTER_EQ, .column = "type"},
    {.field = "created_from_us",
     .kind = CRM_FILTER_RANGE,
     .column = "created_at",
     .to = "created_to_us"},
    {.field = "last_followup_from_us",
     .kind = CRM_FILTER_RANGE,
     .column = "last_followup_at",
     .to = "last_followup_to_us"},
    {.field = "next_contact_from_us",
     .kind = CRM_FILTER_RANGE,
     .column = "next_contact_at",
     .to = "next_contact_to_us"},
    {.field = "recycle_from_us",
     .kind = CRM_FILTER_RANGE,
     .column = "recycle_at",
     .to = "recycle_to_us"},
    {.field = "tags", .kind = CRM_FILTER_TAGS, .column = "tags", .max_len = 30, .max_items = 20},
};
#define N_FILTERS (sizeof s_filters / sizeof s_filters[0])
/* The keyword: name and company as the trigram index of sql/002 has them,
 * or the start of a phone number. */
static const crm_filter_t s_keyword[] = {
    {.field = "keyword",
     .kind = CRM_FILTER_KEYWORD,
     .column = "(name || E'\\x1f' || company)",
     .prefix = {"mobile", "telephone"},
     .max_len = 100},
};

/* The same for the pool view's members: a number is searched among owned
 * customers only, so searching cannot confirm a masked contact; pooled ones
 * match on their name and company. */
static const crm_filter_t s_keyword_masked[] = {
    {.field = "keyword",
     .kind = CRM_FILTER_KEYWORD,
     .column = "(name || E'\\x1f' || company)",
     .prefix = {"mobile", "telephone"},
     .gate = "owner_id <> 0",
     .max_len = 100},
};

typedef struct {
    customers_t *cs;
    crm_rpc_call_t *call;
    crm_page_t page;
    crm_keyset_t order;
    char tag[40];
    int total;
    int pool; /* the pool view: results[0] its pool, [1] the caller's path */
} list_t;

static int s_bad(crm_rpc_call_t *call, const char *field, const char *msg)
{
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s", msg);
    return 0;
}

static int s_list_check(crm_rpc_call_t *call, const Crm__Customers__ListCustomersRequest *req)
{
    if (req->view < V(ALL) || req->view > V(POOL))
        return s_bad(call, "view", "not a known view");
    if (req->view == V(POOL) ? req->pool_id < 1 : req->pool_id != 0)
        return s_bad(call, "pool_id", "the pool view, and only it, takes the id of a pool");
    if (req->view == V(POOL) && req->n_owner_ids)
        return s_bad(call, "owner_ids", "pooled customers have no owner");
    if (req->sort < 0 || req->sort >= N_SORTS)
        return s_bad(call, "sort", "not a known sort");
    if (req->n_owner_ids > OWNERS_MAX)
        return s_bad(call, "owner_ids", "at most 500 owners");
    for (size_t i = 0; i < req->n_owner_ids; i++)
        if (req->owner_ids[i] < 1)
            return s_bad(call, "owner_ids", "an owner id is at least 1");
    crm_err_t err;
    if (crm_filter_check(s_filters, N_FILTERS, &req->base, &err) < 0 ||
        crm_filter_check(s_keyword, 1, &req->base, &err) < 0)
        return crm_rpc_fail_err(call, &err);
    return 1;
}

/* What the view asks beyond its scope. */
static void s_add_view(crm_sqlbuf_t *q, const Crm__Customers__ListCustomersRequest *req,
                       const char *tz)
{
    /* Today in the business time zone; on the expression of the
     * (owner_id, next contact, id) index, so a day's few rows are found by
     * it whatever the sort. */
    if (req->view == V(TODAY))
        crm_sqlbuf_addp(q,
                        " AND " NEXT_CONTACT_KEY " >= date_trunc('day', now() AT TIME ZONE $?)"
                        " AT TIME ZONE $? AND " NEXT_CONTACT_KEY " < (date_trunc('day', now()"
                        " AT TIME ZONE $?) + interval '1 day') AT TIME ZONE $?",
                        tz);
    else if (req->view == V(PENDING))
        crm_sqlbuf_add(q, " AND (last_followup_at IS NULL OR last_followup_at < owner_since)");
    if (req->has_locked_case == CRM__CUSTOMERS__LIST_CUSTOMERS_REQUEST__HAS_LOCKED_LOCKED)
        crm_sqlbuf_add(q, req->locked ? " AND locked" : " AND NOT locked");
}

/* Is the keyword long enough for the trigram index (3 characters)? */
static int s_keyword_indexed(const char *kw)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)kw; *p; p++)
        chars += (*p & 0xC0) != 0x80 && *p != ' ';
    return chars >= 3;
}

/* With a keyword of 3+ characters: the most recent KEYWORD_WINDOW
 * customers of the list first (crm_list_keyword_shape). */
#define KEYWORD_WINDOW 400

static void s_scope_of(crm_sqlbuf_t *q, const void *s)
{
    customers_add_scope(q, s, "c");
}

/* The statement: scope, view, filters, keyset, order, limit + 1. */
/* The keyword of a list: a pool's members (not its admins, nor admins of
 * everything) do not search its customers' numbers. The pool's admins are
 * searched as members too (which admin reads the pool is known only after
 * the read): they lose nothing but the numbers' prefix in the pool view. */
static const crm_filter_t *s_keyword_of(const Crm__Customers__ListCustomersRequest *req,
                                        const Crm__Caller *c)
{
    return req->view == V(POOL) && !crm_scope_all(c) ? s_keyword_masked : s_keyword;
}

static crm_sqlbuf_t *s_list_sql(const Crm__Customers__ListCustomersRequest *req,
                                const customers_scope_t *s, const char *tz, const crm_page_t *pg,
                                const Crm__Caller *c)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    s_add_view(q, req, tz);
    crm_filter_where(q, s_filters, N_FILTERS, &req->base);
    crm_page_where(q, pg);
    char *base = crm_sqlbuf_cut(q, 0);
    crm_filter_where(q, s_keyword_of(req, c), 1, &req->base);
    char *kw = crm_sqlbuf_cut(q, 0);
    crm_page_order(q, pg->ks);
    char *order = crm_sqlbuf_cut(q, 0);
    if (s_keyword_indexed(req->keyword)) {
        crm_list_keyword_shape(q, "customers", "c", LIST_COLUMNS, s_scope_of, s, base, kw, order,
                               pg->limit, KEYWORD_WINDOW);
    } else if (!s->pool && !s->v.team && !s->v.everyone && s->v.n >= 2 && s->v.n <= OWNERS_MERGED) {
        /* Each owner's first rows from its index, merged. */
        char *cond = crm_sprintf("%s%s", base, kw);
        crm_list_owners_shape(q, "customers", "c", LIST_COLUMNS, s->v.owners, s->v.n, cond, order,
                              pg->limit);
        free(cond);
    } else {
        crm_sqlbuf_add(q, "SELECT " LIST_COLUMNS " FROM customers c WHERE deleted_at IS NULL");
        customers_add_scope(q, s, "c");
        crm_sqlbuf_addf(q, "%s%s%s LIMIT %d", base, kw, order, pg->limit + 1);
    }
    free(base);
    free(kw);
    free(order);
    return q;
}

/* The count of the list's customers: the same scope, view and filters. */
static void s_add_count(crm_db_batch_t *b, const Crm__Customers__ListCustomersRequest *req,
                        const customers_scope_t *s, const char *tz, const Crm__Caller *c)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT id FROM customers c WHERE deleted_at IS NULL");
    customers_add_scope(q, s, "c");
    s_add_view(q, req, tz);
    crm_filter_where(q, s_filters, N_FILTERS, &req->base);
    crm_filter_where(q, s_keyword_of(req, c), 1, &req->base);
    crm_page_count_add(q, b);
    crm_sqlbuf_destroy(&q);
}

/* The page as a reply: the customers with their teams, masked for a
 * pool's members (pool: the pool view's, NULL otherwise). */
static void s_list_reply(list_t *ls, const PGresult *r, const PGresult *total,
                         const Crm__Customers__CustomerPool *pool)
{
    Crm__Customers__CustomerList list = CRM__CUSTOMERS__CUSTOMER_LIST__INIT;
    char *cursor;
    size_t shown = crm_call_page_rows(ls->call, &ls->page, r, &cursor);
    customer_row_t *rows = crm_calloc(shown + 1, sizeof *rows);
    customer_t **items = crm_calloc(shown + 1, sizeof *items);
    char(*masks)[5][CRM_POOL_MASK_LEN] = crm_calloc(shown + 1, sizeof *masks);
    customers_store_rows(r, shown, rows);
    for (size_t i = 0; i < shown; i++) {
        items[i] = &rows[i].c;
        if (pool)
            customers_mask(items[i], pool, masks[i]);
    }
    list.items = items;
    list.n_items = shown;
    list.next_cursor = cursor ? cursor : "";
    if (total)
        crm_page_set_total(&list.base, total);
    crm_rpc_reply(ls->call, &list.base);
    for (size_t i = 0; i < shown; i++)
        customers_row_clear(&rows[i]);
    free(rows);
    free(items);
    free(masks);
    free(cursor);
}

static void s_listed(void *arg, const crm_db_result_t *res)
{
    list_t *ls = arg;
    int masked = 0, at = ls->pool ? 2 : 0;
    const Crm__Caller *caller = crm_rpc_call_caller(ls->call);
    Crm__Customers__CustomerPool pool = CRM__CUSTOMERS__CUSTOMER_POOL__INIT;
    if (res->err)
        crm_fail_db(ls->call, res);
    else if (ls->pool &&
             !customers_pooled_visible(caller, res->results[0], res->results[1], &masked, &pool))
        crm_rpc_fail(ls->call, CRM__STATUS__NOT_FOUND, "pool_id", "pool not found");
    else
        s_list_reply(ls, res->results[at], ls->total ? res->results[at + 1] : NULL,
                     masked ? &pool : NULL);
    customers_pool_clear(&pool);
    free(ls);
}

static void s_list(crm_rpc_call_t *call, const Crm__Customers__ListCustomersRequest *req, void *arg)
{
    customers_t *cs = arg;
    if (!s_list_check(call, req))
        return;
    list_t *ls = crm_calloc(1, sizeof *ls);
    ls->cs = cs;
    ls->call = call;
    snprintf(ls->tag, sizeof ls->tag, "%s:%s", s_sorts[req->sort].tag,
             req->ascending ? "asc" : "desc");
    ls->order = (crm_keyset_t){
        .tag = ls->tag, .keys = s_sorts[req->sort].keys, .n = 2, .ascending = req->ascending};
    if (!crm_check_page(call, &ls->page, &ls->order, req->limit, 20, req->cursor)) {
        free(ls);
        return;
    }
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    customers_scope_t s;
    customers_scope(caller, req->view, req->owner_ids, req->n_owner_ids, &s);
    crm_db_batch_t *b = crm_db_batch_new();
    if (req->view == V(POOL)) {
        /* The pool, and the caller's department path (a member department
         * takes in its sub-departments). */
        char id[24], dept[24];
        const char *p[] = {crm_i64(id, req->pool_id)};
        const char *d[] = {crm_i64(dept, caller->department_id)};
        crm_db_batch_add(b, "customer_pool_get", 1, p);
        crm_db_batch_add(b, CRM_ORG_PATH_SQL, 1, d);
        ls->pool = 1;
        s.pool = req->pool_id;
    }
    crm_sqlbuf_t *q = s_list_sql(req, &s, cs->tz, &ls->page, caller);
    crm_sqlbuf_batch_add(q, b);
    crm_db_batch_binary(b);
    crm_sqlbuf_destroy(&q);
    ls->total = req->total;
    if (req->total)
        s_add_count(b, req, &s, cs->tz, caller);
    customers_scope_clear(&s);
    crm_db_submit(cs->db, &b, s_listed, ls);
}

/* ---- History, EnterpriseHistory: one record's entries, newest first ------- */

static const crm_key_t s_id_key[] = {CRM_KEY_ID};
static const crm_keyset_t s_history_order = {.tag = "history", .keys = s_id_key, .n = 1};

#define HISTORY_SELECT                                                                             \
    "SELECT id, record_id, action, actor_id, crm_us(at) AS at_us, from_owner_id, to_owner_id,"     \
    " reason, detail AS detail_json FROM customer_history WHERE kind = $1 AND record_id = "        \
    "$2::bigint"

typedef struct {
    crm_rpc_call_t *call;
    crm_page_t page;
    int total;
    int64_t id;
    int enterprise;
} history_t;

static void s_history_read(void *arg, const crm_db_result_t *res)
{
    history_t *h = arg;
    if (res->err) {
        crm_fail_db(h->call, res);
        free(h);
        return;
    }
    const PGresult *rec = res->results[0];
    int seen = h->enterprise ? PQntuples(rec) > 0
                             : customers_history_readable(crm_rpc_call_caller(h->call), rec);
    if (!seen) {
        crm_rpc_fail(h->call, CRM__STATUS__NOT_FOUND, "id", "%s %lld not found",
                     h->enterprise ? "enterprise" : "customer", (long long)h->id);
        free(h);
        return;
    }
    crm_reply_page(h->call, &h->page, &crm__customers__customer_history_list__descriptor,
                   res->results[1], h->total ? res->results[2] : NULL);
    free(h);
}

static void s_history(crm_rpc_call_t *call, const Crm__Customers__CustomerHistoryRequest *req,
                      customers_t *cs, int enterprise)
{
    crm_page_t pg;
    if (!crm_check_id(call, "id", req->id) ||
        !crm_check_page(call, &pg, &s_history_order, req->limit, 50, req->cursor))
        return;
    history_t *h = crm_calloc(1, sizeof *h);
    *h = (history_t){
        .call = call, .page = pg, .total = req->total, .id = req->id, .enterprise = enterprise};
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, enterprise ? "enterprise_get" : "customer_get", 1, p);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, HISTORY_SELECT);
    crm_sqlbuf_param(q, enterprise ? "enterprise" : "customer");
    crm_sqlbuf_param_i64(q, req->id);
    crm_page_batch_add(&q, &pg, req->total, b);
    crm_db_submit(cs->db, &b, s_history_read, h);
}

static void s_customer_history(crm_rpc_call_t *call,
                               const Crm__Customers__CustomerHistoryRequest *req, void *arg)
{
    s_history(call, req, arg, 0);
}

static void s_enterprise_history(crm_rpc_call_t *call,
                                 const Crm__Customers__CustomerHistoryRequest *req, void *arg)
{
    s_history(call, req, arg, 1);
}

void customers_list_handlers(customers_t *cs)
{
    cs->handlers.list = s_list;
    cs->handlers.history = s_customer_history;
    cs->handlers.enterprise_history = s_enterprise_history;
}
