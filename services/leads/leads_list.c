/* leads_list.c: reading many leads: Leads.List (preset views, filters,
 * sorts, keyset paging), History and ListFollowUps (one lead's records,
 * newest first), CheckDuplicates (查重) and Stats.
 *
 * Every list is one statement: the caller's data scope is written into its
 * SQL (owner_id = ANY(...)), so the (owner_id, created_at, id) indexes
 * serve it, and pages are read by keyset: ORDER BY key, id and "after the
 * last row's (key, id)", carried in an opaque cursor (crm/list.h). The
 * filters are a table (crm/filter.h), rows become messages by column name
 * (crm/rowmap.h). A list's page is read in binary (crm_db_batch_binary):
 * its times come as the timestamptz themselves (LIST_COLUMNS), so a walk of
 * a million leads (an export) costs the server no crm_us per value and the
 * service no parsing.
 *
 * Sorting by a time that may be unset: a lead without a next follow-up
 * sorts as if it were due at +infinity (after every dated lead when
 * ascending, before them when descending); a lead never followed up sorts
 * as if last followed up at -infinity. The indexes of sql/003 are on these
 * very expressions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/filter.h"
#include "crm/list.h"
#include "crm/org.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/sqlbuf.h"
#include "crm/util.h"
#include "leads.h"

#define OWNERS_MAX 500
/* The columns of a list's page, read in binary. */
#define LIST_COLUMNS LEAD_COLUMNS_AS(CRM_US_BINARY)

/* A call waiting for its batch, and what its reply needs. */
typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
    crm_page_t page;
    crm_keyset_t order; /* List: the request's sort and direction */
    char tag[32];       /* List: the order's cursor tag */
    int pool;           /* List: results[0] is the pool of the POOL view */
    int total;          /* the count follows the page in the results */
} read_t;

static read_t *s_read_new(leads_t *l, crm_rpc_call_t *call)
{
    read_t *r = crm_calloc(1, sizeof *r);
    r->l = l;
    r->call = call;
    return r;
}

/* ---- Leads.List ---------------------------------------------------------- */

/* The sorts: the keys (as the indexes have them; a lead without a next
 * follow-up is due at +infinity, one never followed up was last followed
 * up at -infinity) and the cursor's tag. */
#define SORT_KEYS(col, nul)                                                                        \
    {                                                                                              \
        {.sql = col, .column = col "_us", .type = CRM_KEY_TIME, .nulls = nul}, CRM_KEY_ID          \
    }
static const struct {
    crm_key_t keys[2];
    const char *tag;
} s_sorts[] = {
    [CRM__LEADS__LEAD_SORT__LEAD_SORT_CREATED_AT] = {SORT_KEYS("created_at", 0), "lead:created"},
    [CRM__LEADS__LEAD_SORT__LEAD_SORT_UPDATED_AT] = {SORT_KEYS("updated_at", 0), "lead:updated"},
    [CRM__LEADS__LEAD_SORT__LEAD_SORT_NEXT_FOLLOWUP_AT] = {SORT_KEYS("next_followup_at", 1),
                                                           "lead:next"},
    [CRM__LEADS__LEAD_SORT__LEAD_SORT_LAST_FOLLOWUP_AT] = {SORT_KEYS("last_followup_at", -1),
                                                           "lead:last"},
};
#define N_SORTS (int)(sizeof s_sorts / sizeof s_sorts[0])
#define LEAD_VIEW_LAST CRM__LEADS__LEAD_VIEW__LEAD_VIEW_TEAM

/* The request's order (its sort, checked, and direction) into rd. */
static void s_list_order(read_t *rd, const Crm__Leads__ListLeadsRequest *req)
{
    snprintf(rd->tag, sizeof rd->tag, "%s:%s", s_sorts[req->sort].tag,
             req->ascending ? "asc" : "desc");
    rd->order = (crm_keyset_t){
        .tag = rd->tag, .keys = s_sorts[req->sort].keys, .n = 2, .ascending = req->ascending};
}

/* The filters of a list beyond its view and scope; the keyword apart (its
 * own shape of statement, crm_list_keyword_shape). */
static const crm_filter_t s_filters[] = {
    {.field = "statuses", .kind = CRM_FILTER_IN, .column = "status", .max_items = 6},
    {.field = "source", .kind = CRM_FILTER_EQ, .column = "source", .max_len = 50},
    {.field = "level", .kind = CRM_FILTER_EQ, .column = "level", .max_len = 50},
    {.field = "industry", .kind = CRM_FILTER_EQ, .column = "industry", .max_len = 50},
    {.field = "department_id", .kind = CRM_FILTER_EQ, .column = "department_id"},
    {.field = "created_from_us",
     .kind = CRM_FILTER_RANGE,
     .column = "created_at",
     .to = "created_to_us"},
    {.field = "next_followup_from_us",
     .kind = CRM_FILTER_RANGE,
     .column = "next_followup_at",
     .to = "next_followup_to_us"},
    {.field = "tags", .kind = CRM_FILTER_TAGS, .column = "tags", .max_len = 30, .max_items = 20},
};
/* What the keyword searches: the name, the company and the e-mail, joined
 * by a character nobody types, exactly as the trigram index of
 * sql/009_keyword.sql has it. */
#define LEADS_KEYWORD_TEXT "(name || E'\\x1f' || company || E'\\x1f' || email)"
static const crm_filter_t s_keyword[] = {
    {.field = "keyword",
     .kind = CRM_FILTER_KEYWORD,
     .column = LEADS_KEYWORD_TEXT,
     .prefix = {"mobile", "telephone"},
     .max_len = 100},
};
/* The same for callers who see pooled leads' contacts masked (all but
 * admins): numbers are searched among owned leads only, and the e-mail
 * too, so a pool's members cannot confirm a masked contact by searching
 * it; other leads match on their name and company. */
static const crm_filter_t s_keyword_masked[] = {
    {.field = "keyword",
     .kind = CRM_FILTER_KEYWORD,
     .column = LEADS_KEYWORD_TEXT,
     .prefix = {"mobile", "telephone"},
     .gate = "owner_id <> 0",
     .open = "(name || E'\\x1f' || company)",
     .max_len = 100},
};
#define N_FILTERS (sizeof s_filters / sizeof s_filters[0])

/* Fails call on field with msg; returns 0. */
static int s_bad(crm_rpc_call_t *call, const char *field, const char *msg)
{
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s", msg);
    return 0;
}

/* The request's view, sort, pool and owners (what the filter table does
 * not cover), then the filters. 1 if fine. */
static int s_list_check(crm_rpc_call_t *call, const Crm__Leads__ListLeadsRequest *req)
{
    int pool_view = req->view == CRM__LEADS__LEAD_VIEW__LEAD_VIEW_POOL;
    if (req->view < CRM__LEADS__LEAD_VIEW__LEAD_VIEW_ALL || req->view > LEAD_VIEW_LAST)
        return s_bad(call, "view", "not a known view");
    if (req->sort < 0 || req->sort >= N_SORTS)
        return s_bad(call, "sort", "not a known sort");
    if (pool_view ? req->pool_id < 1 : req->pool_id < 0)
        return s_bad(call, "pool_id", "the pool view needs the id of a pool");
    if (pool_view && req->n_owner_ids)
        return s_bad(call, "owner_ids", "pooled leads have no owner");
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

/* Appends what the view itself asks beyond its scope. */
static void s_add_view(crm_sqlbuf_t *q, const Crm__Leads__ListLeadsRequest *req, const char *tz,
                       const Crm__Caller *c)
{
    switch (req->view) {
    case CRM__LEADS__LEAD_VIEW__LEAD_VIEW_TEAM:
        /* The leads the caller works as a team member (its own scope). */
        crm_sqlbuf_addp_i64(q, " AND team_member_ids @> ARRAY[$?::bigint]", c->user_id);
        break;
    case CRM__LEADS__LEAD_VIEW__LEAD_VIEW_PENDING:
        crm_sqlbuf_add(q, " AND status = 2 AND last_followup_at IS NULL");
        break;
    case CRM__LEADS__LEAD_VIEW__LEAD_VIEW_TODAY:
        /* Today in the business time zone, computed as local dates. */
        crm_sqlbuf_addp(q,
                        " AND status IN (2, 3)"
                        " AND next_followup_at >= date_trunc('day', now() AT TIME ZONE $?)"
                        " AT TIME ZONE $? AND next_followup_at < (date_trunc('day', now()"
                        " AT TIME ZONE $?) + interval '1 day') AT TIME ZONE $?",
                        tz);
        break;
    case CRM__LEADS__LEAD_VIEW__LEAD_VIEW_POOL:
        crm_sqlbuf_addp_i64(q, " AND owner_id = 0 AND pool_id = $?::bigint", req->pool_id);
        break;
    default:
        break;
    }
}

/* Does the keyword go through the trigram index (3 characters or more)?
 * Shorter ones cannot use it. */
static int s_keyword_indexed(const char *kw)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)kw; *p; p++)
        chars += (*p & 0xC0) != 0x80 && *p != ' ';
    return chars >= 3;
}

/* Appends the statement around cond (view, filters, keyset) when there is
 * no indexed keyword (crm_list_keyword_shape), in one of two shapes:
 * - a few owners (a manager, an owner filter): each owner's first rows from
 *   the (owner_id, key, id) index, merged: bounded by owners x page size,
 *   however the owners' leads lie in time;
 * - otherwise one scan that the planner fits to the sort's index. */
static void s_add_list_shape(crm_sqlbuf_t *q, const leads_scope_t *s, const char *cond,
                             const char *order, int limit)
{
    if (!s->unscoped && !s->everyone && s->n >= 2) {
        char *a = crm_db_i64_array(s->owners, s->n);
        crm_sqlbuf_addp(q,
                        "SELECT " LIST_COLUMNS " FROM (SELECT l.* FROM unnest($?::bigint[]) o(id)"
                        " CROSS JOIN LATERAL (SELECT * FROM leads WHERE owner_id = o.id"
                        " AND deleted_at IS NULL",
                        a);
        free(a);
        crm_sqlbuf_addf(q, "%s%s LIMIT %d) l", cond, order, limit + 1);
        if (s->dept) {
            crm_sqlbuf_addp_i64(q,
                                " UNION ALL (SELECT * FROM leads WHERE owner_id = 0 AND pool_id"
                                " = 0 AND department_id = $?::bigint AND deleted_at IS NULL",
                                s->dept);
            crm_sqlbuf_addf(q, "%s%s LIMIT %d)", cond, order, limit + 1);
        }
        crm_sqlbuf_addf(q, ") t%s LIMIT %d", order, limit + 1);
        return;
    }
    crm_sqlbuf_add(q, "SELECT " LIST_COLUMNS " FROM leads WHERE deleted_at IS NULL");
    leads_add_scope(q, s, 0);
    crm_sqlbuf_add(q, cond);
    crm_sqlbuf_addf(q, "%s LIMIT %d", order, limit + 1);
}

/* With a keyword (3+ characters): crm_list_keyword_shape over the most
 * recent KEYWORD_WINDOW leads of the list. */
#define KEYWORD_WINDOW 400

static void s_scope_of(crm_sqlbuf_t *q, const void *s)
{
    leads_add_scope(q, s, 0);
}

/* The owners the list reads (the pool and team views: their condition is
 * the view's own; cleared with leads_scope_clear). */
static void s_list_scope(const Crm__Leads__ListLeadsRequest *req, const Crm__Caller *c,
                         leads_scope_t *s)
{
    *s = (leads_scope_t){.unscoped = 1};
    if (req->view != CRM__LEADS__LEAD_VIEW__LEAD_VIEW_POOL &&
        req->view != CRM__LEADS__LEAD_VIEW__LEAD_VIEW_TEAM)
        leads_scope(c, req->view, req->owner_ids, req->n_owner_ids, s);
}

/* The whole statement: scope, view, filters, keyset, order, limit + 1 (to
 * know whether a next page exists). */
static crm_sqlbuf_t *s_list_sql(const Crm__Leads__ListLeadsRequest *req, const Crm__Caller *c,
                                const char *tz, const crm_page_t *pg)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    s_add_view(q, req, tz, c);
    crm_filter_where(q, s_filters, N_FILTERS, &req->base);
    crm_page_where(q, pg);
    char *base = crm_sqlbuf_cut(q, 0);
    crm_filter_where(q, crm_scope_all(c) ? s_keyword : s_keyword_masked, 1, &req->base);
    char *kw = crm_sqlbuf_cut(q, 0);
    crm_page_order(q, pg->ks);
    char *order = crm_sqlbuf_cut(q, 0);
    leads_scope_t s;
    s_list_scope(req, c, &s);
    if (s_keyword_indexed(req->keyword)) {
        crm_list_keyword_shape(q, "leads", "l", LIST_COLUMNS, s_scope_of, &s, base, kw, order,
                               pg->limit, KEYWORD_WINDOW);
    } else {
        char *cond = crm_sprintf("%s%s", base, kw);
        s_add_list_shape(q, &s, cond, order, pg->limit);
        free(cond);
    }
    leads_scope_clear(&s);
    free(base);
    free(kw);
    free(order);
    return q;
}

/* The count of the list's leads (a total on request): the same scope,
 * view, filters and keyword, in one plain statement, whichever shape reads
 * the page. */
static void s_add_count(crm_db_batch_t *b, const Crm__Leads__ListLeadsRequest *req,
                        const Crm__Caller *c, const char *tz)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    leads_scope_t s;
    s_list_scope(req, c, &s);
    crm_sqlbuf_add(q, "SELECT id FROM leads WHERE deleted_at IS NULL");
    leads_add_scope(q, &s, 0);
    s_add_view(q, req, tz, c);
    crm_filter_where(q, s_filters, N_FILTERS, &req->base);
    crm_filter_where(q, crm_scope_all(c) ? s_keyword : s_keyword_masked, 1, &req->base);
    crm_page_count_add(q, b);
    leads_scope_clear(&s);
    crm_sqlbuf_destroy(&q);
}

/* The pool of the POOL view must exist and have the caller among its
 * people; fills *pool (cleared by the caller) or fails call. */
static int s_list_pool(crm_rpc_call_t *call, const PGresult *r, const PGresult *path,
                       Crm__Leads__LeadPool *pool)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    if (PQntuples(r) == 0) {
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "pool_id", "pool not found");
        return 0;
    }
    leads_pool_row(r, 0, pool);
    if (leads_pool_is_member_at(pool, c, path))
        return 1;
    leads_pool_clear(pool);
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "pool_id",
                 "you are neither an admin nor a member of pool %lld", (long long)pool->id);
    return 0;
}

/* Replies with the page in r: at most limit leads (masked where the
 * caller must not see contacts) and the cursor after the last. */
static void s_list_reply(read_t *rd, const PGresult *r, const PGresult *total,
                         const Crm__Leads__LeadPool *pool)
{
    const Crm__Caller *c = crm_rpc_call_caller(rd->call);
    Crm__Leads__LeadList list = CRM__LEADS__LEAD_LIST__INIT;
    char *cursor;
    size_t shown = crm_call_page_rows(rd->call, &rd->page, r, &cursor);
    crm_err_t err;
    if (crm_rowmap_items(&list.base, "items", r, shown, &err) < 0) {
        free(cursor);
        crm_rpc_fail_err(rd->call, &err);
        return;
    }
    char(*masks)[5][CRM_POOL_MASK_LEN] = crm_calloc(shown + 1, sizeof *masks);
    for (size_t i = 0; i < shown; i++)
        if (leads_must_mask(c, list.items[i], pool))
            leads_mask(list.items[i], masks[i]);
    list.next_cursor = cursor ? cursor : "";
    if (total)
        crm_page_set_total(&list.base, total);
    crm_rpc_reply(rd->call, &list.base);
    free(cursor);
    crm_rowmap_items_clear(&list.base, "items");
    free(masks);
}

static void s_listed(void *arg, const crm_db_result_t *res)
{
    read_t *rd = arg;
    Crm__Leads__LeadPool pool, *pp = NULL;
    if (res->err)
        crm_fail_db(rd->call, res);
    else if (!rd->pool || s_list_pool(rd->call, res->results[0], res->results[1], pp = &pool)) {
        int page = rd->pool ? 2 : 0; /* after the pool and the caller's path */
        s_list_reply(rd, res->results[page], rd->total ? res->results[page + 1] : NULL, pp);
    } else
        pp = NULL;
    if (pp)
        leads_pool_clear(pp);
    free(rd);
}

static void s_list(crm_rpc_call_t *call, const Crm__Leads__ListLeadsRequest *req, void *arg)
{
    leads_t *l = arg;
    if (!s_list_check(call, req))
        return;
    read_t *rd = s_read_new(l, call);
    s_list_order(rd, req);
    if (!crm_check_page(call, &rd->page, &rd->order, req->limit, 20, req->cursor)) {
        free(rd);
        return;
    }
    rd->pool = req->view == CRM__LEADS__LEAD_VIEW__LEAD_VIEW_POOL;
    crm_db_batch_t *b = crm_db_batch_new();
    if (rd->pool) {
        /* The pool, and the caller's department path (a member department
         * takes in its sub-departments). */
        char id[24], dept[24];
        const char *p[] = {crm_i64(id, req->pool_id)};
        const char *d[] = {crm_i64(dept, crm_rpc_call_caller(call)->department_id)};
        crm_db_batch_add(b, "SELECT " POOL_COLUMNS " FROM lead_pools WHERE id = $1::bigint", 1, p);
        crm_db_batch_add(b, CRM_ORG_PATH_SQL, 1, d);
    }
    crm_sqlbuf_t *q = s_list_sql(req, crm_rpc_call_caller(call), l->tz, &rd->page);
    crm_sqlbuf_batch_add(q, b);
    crm_db_batch_binary(b);
    crm_sqlbuf_destroy(&q);
    rd->total = req->total;
    if (req->total)
        s_add_count(b, req, crm_rpc_call_caller(call), l->tz);
    crm_db_submit(l->db, &b, s_listed, rd);
}

/* ---- History and ListFollowUps: one lead's records, newest first ------- */

/* What differs between the two: the statement's start (its columns named
 * after the item's fields; the lead is $1), the order (its cursor's tag)
 * and the reply. */
typedef struct {
    const char *select;
    crm_keyset_t order;
    const ProtobufCMessageDescriptor *list; /* with items and next_cursor */
} records_t;

typedef struct {
    read_t rd;
    const records_t *kind;
    int64_t lead_id;
} records_call_t;

static const crm_key_t s_id_key[] = {CRM_KEY_ID};

static const records_t s_history = {
    .select = "SELECT id, lead_id, action, actor_id, crm_us(at) AS at_us, from_owner_id,"
              " to_owner_id, pool_id, reason, detail AS detail_json FROM lead_history WHERE "
              "lead_id = $1::bigint",
    .order = {.tag = "history", .keys = s_id_key, .n = 1},
    .list = &crm__leads__history_list__descriptor,
};

static const records_t s_followups = {
    .select = "SELECT " FOLLOWUP_COLUMNS " FROM lead_followups WHERE lead_id = $1::bigint",
    .order = {.tag = "followups", .keys = s_id_key, .n = 1},
    .list = &crm__leads__follow_up_list__descriptor,
};

/* For a caller who sees the lead masked: the history entries' details with
 * their contacts masked; the originals in orig[] (to restore before the
 * items are cleared), the masked texts freed by s_unmask. */
static void s_mask_history(Crm__Leads__HistoryList *list, char **orig)
{
    for (size_t i = 0; i < list->n_items; i++) {
        orig[i] = NULL;
        char *masked = leads_history_mask(list->items[i]->detail_json);
        if (masked) {
            orig[i] = list->items[i]->detail_json;
            list->items[i]->detail_json = masked;
        }
    }
}

static void s_unmask_history(Crm__Leads__HistoryList *list, char **orig)
{
    for (size_t i = 0; i < list->n_items; i++)
        if (orig[i]) {
            free(list->items[i]->detail_json);
            list->items[i]->detail_json = orig[i];
        }
}

/* Replies with the page of records in r (masked: the lead's contacts are
 * masked to the caller). */
static void s_records_reply(records_call_t *rc, const PGresult *r, const PGresult *total,
                            int masked)
{
    crm_rpc_call_t *call = rc->rd.call;
    const ProtobufCMessageDescriptor *d = rc->kind->list;
    ProtobufCMessage *list = crm_calloc(1, d->sizeof_message);
    d->message_init(list);
    char *cursor;
    size_t shown = crm_call_page_rows(call, &rc->rd.page, r, &cursor);
    crm_err_t err;
    if (crm_rowmap_items(list, "items", r, shown, &err) < 0) {
        crm_rpc_fail_err(call, &err);
    } else {
        const ProtobufCFieldDescriptor *next =
            protobuf_c_message_descriptor_get_field_by_name(d, "next_cursor");
        *(const char **)((char *)list + next->offset) = cursor ? cursor : "";
        if (total)
            crm_page_set_total(list, total);
        Crm__Leads__HistoryList *hl = rc->kind == &s_history && masked ? (void *)list : NULL;
        char **orig = hl ? crm_calloc(hl->n_items + 1, sizeof *orig) : NULL;
        if (hl)
            s_mask_history(hl, orig);
        crm_rpc_reply(call, list);
        if (hl)
            s_unmask_history(hl, orig);
        free(orig);
        crm_rowmap_items_clear(list, "items");
    }
    free(cursor);
    free(list);
}

/* Results: the lead, its pool, the page. The lead must be one the caller
 * may see (else NOT_FOUND, as if it did not exist). */
static void s_records_read(void *arg, const crm_db_result_t *res)
{
    records_call_t *rc = arg;
    crm_rpc_call_t *call = rc->rd.call;
    if (res->err) {
        crm_fail_db(call, res);
        free(rc);
        return;
    }
    int seen = 0, masked = 0;
    if (PQntuples(res->results[0]) > 0) {
        lead_row_t row;
        leads_store_row(res->results[0], 0, &row);
        Crm__Leads__LeadPool pool, *pp = NULL;
        if (PQntuples(res->results[1]) > 0)
            leads_pool_row(res->results[1], 0, pp = &pool);
        seen = leads_can_read(crm_rpc_call_caller(call), &row.lead, pp);
        masked = leads_must_mask(crm_rpc_call_caller(call), &row.lead, pp);
        if (pp)
            leads_pool_clear(pp);
        leads_row_clear(&row);
    }
    if (!seen)
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "lead_id", "lead %lld not found",
                     (long long)rc->lead_id);
    else
        s_records_reply(rc, res->results[2], rc->rd.total ? res->results[3] : NULL, masked);
    free(rc);
}

static void s_records(crm_rpc_call_t *call, leads_t *l, const records_t *kind, int64_t lead_id,
                      int32_t limit, const char *cursor, int total)
{
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &kind->order, limit, 50, cursor) ||
        !crm_check_id(call, "lead_id", lead_id))
        return;
    records_call_t *rc = crm_calloc(1, sizeof *rc);
    rc->rd = (read_t){.l = l, .call = call, .page = pg, .total = total};
    rc->kind = kind;
    rc->lead_id = lead_id;
    crm_db_batch_t *b = crm_db_batch_new();
    leads_store_add_lead_and_pool(b, lead_id);
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, kind->select);
    crm_sqlbuf_param_i64(q, lead_id);
    crm_page_batch_add(&q, &pg, total, b);
    crm_db_submit(l->db, &b, s_records_read, rc);
}

static void s_history_call(crm_rpc_call_t *call, const Crm__Leads__GetHistoryRequest *req,
                           void *arg)
{
    s_records(call, arg, &s_history, req->lead_id, req->limit, req->cursor, req->total);
}

static void s_followups_call(crm_rpc_call_t *call, const Crm__Leads__ListFollowUpsRequest *req,
                             void *arg)
{
    s_records(call, arg, &s_followups, req->lead_id, req->limit, req->cursor, req->total);
}

void leads_list_handlers(leads_handlers_t *h)
{
    h->list = s_list;
    h->history = s_history_call;
    h->list_follow_ups = s_followups_call;
}
