/* sales_opp_list.c: reading opportunities: GetOpportunity (with its lines),
 * OpportunityHistory, and ListOpportunities: preset views (all in scope,
 * mine, the team's I am on, my subordinates'), filters (status, pipeline,
 * stage, customer, owner, department, amount range, expected close range),
 * a keyword, sorts, keyset pages and a total on request.
 *
 * Every list is one statement with the caller's data scope written into
 * its SQL (crm/scope.h's view scope), read by keyset (crm/list.h) through
 * the (owner_id, key, id) indexes of sql/004: a few owners' first rows
 * read one index scan each and merged, so a page costs owners x page size;
 * otherwise one scan in the sort's order; a keyword of three characters or
 * more through the trigram index of the name. Lines are left out of lists
 * (read one to see them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/filter.h"
#include "crm/list.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"

#define V(x) CRM__SALES__OPPORTUNITY_VIEW__OPPORTUNITY_VIEW_##x
#define OWNERS_MAX 500
#define OWNERS_MERGED 64
#define KEYWORD_WINDOW 400

/* ---- GetOpportunity, OpportunityHistory ---------------------------------------------- */

/* Does the caller read the opportunity of r's first row? */
static int s_readable(void *arg, crm_rpc_call_t *call, const PGresult *r)
{
    (void)arg;
    opportunity_row_t row;
    sales_opp_row(r, 0, &row);
    int seen = sales_opp_can_read(crm_rpc_call_caller(call), &row.o);
    sales_opp_row_clear(&row);
    return seen;
}

typedef struct {
    crm_rpc_call_t *call;
    int64_t id;
} get_t;

static void s_got(void *arg, const crm_db_result_t *res)
{
    get_t *g = arg;
    const PGresult *r = res->err ? NULL : res->results[0];
    if (res->err) {
        crm_fail_db(g->call, res);
    } else if (PQntuples(r) == 0 || !s_readable(NULL, g->call, r)) {
        crm_rpc_fail(g->call, CRM__STATUS__NOT_FOUND, "id", "opportunity %lld not found",
                     (long long)g->id);
    } else {
        opportunity_row_t row;
        sales_opp_row(r, 0, &row);
        crm_rpc_reply(g->call, &row.o.base);
        sales_opp_row_clear(&row);
    }
    free(g);
}

static void s_get(crm_rpc_call_t *call, const Crm__Sales__GetOpportunityRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!crm_check_id(call, "id", req->id))
        return;
    get_t *g = crm_malloc(sizeof *g);
    *g = (get_t){call, req->id};
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_exec(s->db, "opportunity_get", 1, p, s_got, g);
}

static void s_history(crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req, void *arg)
{
    sales_history_list(arg, call, req, "opportunity", "opportunity_get", s_readable, NULL);
}

/* ---- ListOpportunities ---------------------------------------------------------------- */

#define SORT_TIME(col, tag_)                                                                       \
    {                                                                                              \
        {{.sql = col, .column = col "_us", .type = CRM_KEY_TIME}, CRM_KEY_ID}, tag_                \
    }
static const struct {
    crm_key_t keys[2];
    const char *tag;
} s_sorts[] = {
    [CRM__SALES__OPPORTUNITY_SORT__OPPORTUNITY_SORT_CREATED_AT] =
        SORT_TIME("created_at", "opportunity:created"),
    [CRM__SALES__OPPORTUNITY_SORT__OPPORTUNITY_SORT_UPDATED_AT] =
        SORT_TIME("updated_at", "opportunity:updated"),
    [CRM__SALES__OPPORTUNITY_SORT__OPPORTUNITY_SORT_EXPECTED_CLOSE_DATE] =
        {{{.sql = SALES_OPP_CLOSE_DAY, .column = "expected_close_day", .type = CRM_KEY_BIGINT},
          CRM_KEY_ID},
         "opportunity:close"},
    [CRM__SALES__OPPORTUNITY_SORT__OPPORTUNITY_SORT_AMOUNT] =
        {{{.sql = "amount", .column = "amount", .type = CRM_KEY_BIGINT}, CRM_KEY_ID},
         "opportunity:amount"},
};
#undef SORT_TIME
#define N_SORTS (int)(sizeof s_sorts / sizeof s_sorts[0])

static const crm_filter_t s_filters[] = {
    {.field = "statuses", .kind = CRM_FILTER_IN, .column = "status", .max_items = 4},
    {.field = "pipeline_id", .kind = CRM_FILTER_EQ, .column = "pipeline_id"},
    {.field = "stage_ids", .kind = CRM_FILTER_IN, .column = "stage_id", .max_items = 50},
    {.field = "customer_id", .kind = CRM_FILTER_EQ, .column = "customer_id"},
    {.field = "department_id", .kind = CRM_FILTER_EQ, .column = "department_id"},
    {.field = "amount_from", .kind = CRM_FILTER_SPAN, .column = "amount", .to = "amount_to"},
    {.field = "expected_close_from",
     .kind = CRM_FILTER_DATES,
     .column = "expected_close_on",
     .to = "expected_close_to"},
};
#define N_FILTERS (sizeof s_filters / sizeof s_filters[0])
static const crm_filter_t s_keyword[] = {
    {.field = "keyword", .kind = CRM_FILTER_KEYWORD, .column = "name", .max_len = 100},
};

/* 我参与的: the opportunities whose team (either access) the caller is on. */
static void s_team(crm_sqlbuf_t *q, const char *alias, int64_t me)
{
    crm_sqlbuf_addf(q, " AND (%s.team_member_ids || %s.team_reader_ids) @> ", alias, alias);
    crm_sqlbuf_addp_i64(q, "ARRAY[$?::bigint]", me);
}

static void s_scope_of(crm_sqlbuf_t *q, const void *s)
{
    crm_view_scope_sql(q, s, "o", s_team);
}

static int s_bad(crm_rpc_call_t *call, const char *field, const char *msg)
{
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s", msg);
    return 0;
}

int sales_opp_list_check(crm_rpc_call_t *call, const Crm__Sales__ListOpportunitiesRequest *req)
{
    if (req->view < V(ALL) || req->view > V(SUBORDINATES))
        return s_bad(call, "view", "not a known view");
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

/* Is the keyword long enough for the trigram index (3 characters)? */
static int s_keyword_indexed(const char *kw)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)kw; *p; p++)
        chars += (*p & 0xC0) != 0x80 && *p != ' ';
    return chars >= 3;
}

crm_sqlbuf_t *sales_opp_list_sql(const Crm__Sales__ListOpportunitiesRequest *req,
                                 const crm_view_scope_t *s, const crm_page_t *pg)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_filter_where(q, s_filters, N_FILTERS, &req->base);
    crm_page_where(q, pg);
    char *base = crm_sqlbuf_cut(q, 0);
    crm_filter_where(q, s_keyword, 1, &req->base);
    char *kw = crm_sqlbuf_cut(q, 0);
    crm_page_order(q, pg->ks);
    char *order = crm_sqlbuf_cut(q, 0);
    if (s_keyword_indexed(req->keyword)) {
        crm_list_keyword_shape(q, "opportunities", "o", SALES_OPP_COLUMNS, s_scope_of, s, base, kw,
                               order, pg->limit, KEYWORD_WINDOW);
    } else if (!s->team && !s->everyone && s->n >= 2 && s->n <= OWNERS_MERGED) {
        char *cond = crm_sprintf("%s%s", base, kw);
        crm_list_owners_shape(q, "opportunities", "o", SALES_OPP_COLUMNS, s->owners, s->n, cond,
                              order, pg->limit);
        free(cond);
    } else {
        crm_sqlbuf_add(q, "SELECT " SALES_OPP_COLUMNS
                          " FROM opportunities o WHERE o.deleted_at IS NULL");
        crm_view_scope_sql(q, s, "o", s_team);
        crm_sqlbuf_addf(q, "%s%s%s LIMIT %d", base, kw, order, pg->limit + 1);
    }
    free(base);
    free(kw);
    free(order);
    return q;
}

/* The count of the list: the same scope and filters. */
crm_sqlbuf_t *sales_opp_list_rows(const Crm__Sales__ListOpportunitiesRequest *req,
                                  const crm_view_scope_t *s, const char *columns)
{
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_addf(q, "SELECT %s FROM opportunities o WHERE o.deleted_at IS NULL", columns);
    crm_view_scope_sql(q, s, "o", s_team);
    crm_filter_where(q, s_filters, N_FILTERS, &req->base);
    crm_filter_where(q, s_keyword, 1, &req->base);
    return q;
}

static void s_add_count(crm_db_batch_t *b, const Crm__Sales__ListOpportunitiesRequest *req,
                        const crm_view_scope_t *s)
{
    crm_sqlbuf_t *q = sales_opp_list_rows(req, s, "id");
    crm_page_count_add(q, b);
    crm_sqlbuf_destroy(&q);
}

void sales_opp_list_order(int sort, int ascending, char tag[48], crm_keyset_t *order)
{
    snprintf(tag, 48, "%s:%s", s_sorts[sort].tag, ascending ? "asc" : "desc");
    *order = (crm_keyset_t){.tag = tag, .keys = s_sorts[sort].keys, .n = 2, .ascending = ascending};
}

const crm_view_t sales_opp_views[] = {
    [V(ALL)] = CRM_VIEW_ALL,
    [V(MINE)] = CRM_VIEW_MINE,
    [V(TEAM)] = CRM_VIEW_TEAM,
    [V(SUBORDINATES)] = CRM_VIEW_SUBORDINATES,
};

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListOpportunitiesRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!sales_opp_list_check(call, req))
        return;
    char tag[48];
    crm_keyset_t order;
    sales_opp_list_order(req->sort, req->ascending, tag, &order);
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &order, req->limit, 20, req->cursor))
        return;
    crm_view_scope_t scope;
    crm_view_scope(crm_rpc_call_caller(call), sales_opp_views[req->view], req->owner_ids,
                   req->n_owner_ids, &scope);
    crm_db_batch_t *b = crm_db_batch_new();
    crm_sqlbuf_t *q = sales_opp_list_sql(req, &scope, &pg);
    crm_sqlbuf_batch_add(q, b);
    crm_sqlbuf_destroy(&q);
    if (req->total)
        s_add_count(b, req, &scope);
    crm_view_scope_clear(&scope);
    crm_page_submit(call, s->db, &b, &pg, req->total, &crm__sales__opportunity_list__descriptor);
}

void sales_opp_list_handlers(sales_t *s)
{
    s->handlers.get_opportunity = s_get;
    s->handlers.list_opportunities = s_list;
    s->handlers.opportunity_history = s_history;
}
