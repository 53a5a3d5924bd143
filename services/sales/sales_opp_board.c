/* sales_opp_board.c: the stage view (阶段视图): a pipeline's open
 * opportunities, a column per stage in the pipeline's order, each with its
 * count and amount in the view and filters and its first page. The list's
 * own pieces make it (sales_opp_list.c): the same scope, filters, sorts and
 * keyset, so a column's next page is the list's (stage_ids the stage,
 * statuses open) with the column's cursor. Two round trips: the pipeline,
 * then one batch with the counts and sums of every stage (one statement:
 * the totals kept by the writes, or the rows when a filter is not one the
 * totals are kept by) and every column's page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "sales.h"

#define COLUMN_DEFAULT 10
#define OPEN_STATUS CRM__SALES__OPPORTUNITY_STATUS__OPPORTUNITY_STATUS_OPEN

typedef struct {
    sales_t *s;
    crm_rpc_call_t *call;
    const Crm__Sales__StageViewRequest *req;
    Crm__Sales__Pipeline *pipeline;
    crm_keyset_t order;
    char tag[48];
    crm_page_t page;
} board_t;

static void s_free(board_t *bd)
{
    sales_pipeline_free(bd->pipeline);
    free(bd);
}

/* The list request of stage (0: every stage) that the view's request
 * asks for: open ones of the pipeline, the same view, filters and sort. */
static void s_list_of(const board_t *bd, int64_t *stage, Crm__Sales__OpportunityStatus *open,
                      Crm__Sales__ListOpportunitiesRequest *l)
{
    const Crm__Sales__StageViewRequest *r = bd->req;
    crm__sales__list_opportunities_request__init(l);
    l->view = r->view;
    l->owner_ids = r->owner_ids;
    l->n_owner_ids = r->n_owner_ids;
    l->department_id = r->department_id;
    l->customer_id = r->customer_id;
    l->amount_from = r->amount_from;
    l->amount_to = r->amount_to;
    l->expected_close_from = r->expected_close_from;
    l->expected_close_to = r->expected_close_to;
    l->keyword = r->keyword;
    l->sort = r->sort;
    l->ascending = r->ascending;
    l->pipeline_id = bd->pipeline ? bd->pipeline->id : 0;
    *open = OPEN_STATUS;
    l->statuses = open;
    l->n_statuses = 1;
    l->stage_ids = stage;
    l->n_stage_ids = *stage ? 1 : 0;
}

static void s_reply(board_t *bd, const crm_db_result_t *res)
{
    const PGresult *sums = res->results[0];
    Crm__Sales__StageView view = CRM__SALES__STAGE_VIEW__INIT;
    size_t n = bd->pipeline->n_stages;
    Crm__Sales__StageColumn *cols = crm_calloc(n + 1, sizeof *cols);
    view.columns = crm_calloc(n + 1, sizeof *view.columns);
    view.pipeline_id = bd->pipeline->id;
    char **cursors = crm_calloc(n + 1, sizeof *cursors);
    crm_err_t err = {.status = CRM__STATUS__OK};
    for (size_t i = 0; i < n; i++) {
        const Crm__Sales__Stage *st = bd->pipeline->stages[i];
        Crm__Sales__StageColumn *c = &cols[i];
        crm__sales__stage_column__init(c);
        c->stage_id = st->id;
        c->stage_name = st->name;
        c->probability = st->probability;
        for (int k = 0; k < PQntuples(sums); k++)
            if (crm_db_get_i64(sums, k, 0) == st->id) {
                c->count = crm_db_get_i64(sums, k, 1);
                c->amount = crm_db_get_i64(sums, k, 2);
            }
        const PGresult *page = res->results[1 + i];
        size_t shown = crm_page_rows(&bd->page, page, &cursors[i]);
        if (err.status == CRM__STATUS__OK)
            crm_rowmap_items(&c->base, "items", page, shown, &err);
        c->next_cursor = cursors[i] ? cursors[i] : "";
        view.columns[view.n_columns++] = c;
    }
    if (err.status != CRM__STATUS__OK)
        crm_rpc_fail_err(bd->call, &err);
    else
        crm_rpc_reply(bd->call, &view.base);
    for (size_t i = 0; i < n; i++) {
        crm_rowmap_items_clear(&cols[i].base, "items");
        free(cursors[i]);
    }
    free(cursors);
    free(cols);
    free(view.columns);
}

static void s_pages_read(void *arg, const crm_db_result_t *res)
{
    board_t *bd = arg;
    if (res->err)
        crm_fail_db(bd->call, res);
    else
        s_reply(bd, res);
    s_free(bd);
}

/* The counts and sums per stage of l's rows, when the totals are not kept
 * by its filters. */
static crm_sqlbuf_t *s_sums_of_rows(const Crm__Sales__ListOpportunitiesRequest *l,
                                    const crm_view_scope_t *scope)
{
    crm_sqlbuf_t *q = sales_opp_list_rows(l, scope, "stage_id, amount");
    crm_sqlbuf_t *sum = crm_sqlbuf_new();
    crm_sqlbuf_addf(sum,
                    "SELECT stage_id, count(*), COALESCE(sum(amount), 0) FROM (%s) x"
                    " GROUP BY stage_id",
                    crm_sqlbuf_sql(q));
    /* The parameters are q's, in order: the statement is q's text inside. */
    for (int i = 0; i < crm_sqlbuf_nparams(q); i++)
        crm_sqlbuf_param(sum, crm_sqlbuf_params(q)[i]);
    crm_sqlbuf_destroy(&q);
    return sum;
}

/* The counts and sums of every stage (kept by the writes when the filters
 * allow: sales_opp_totals.c), then each stage's first page. */
static void s_pipeline_read(void *arg, const crm_db_result_t *res)
{
    board_t *bd = arg;
    if (res->err) {
        crm_fail_db(bd->call, res);
        s_free(bd);
        return;
    }
    bd->pipeline = sales_pipeline_of(res->results[0], 0);
    if (!bd->pipeline) {
        crm_rpc_fail(bd->call, CRM__STATUS__INVALID_ARGUMENT, "pipeline_id",
                     "pipeline %lld does not exist", (long long)bd->req->pipeline_id);
        s_free(bd);
        return;
    }
    crm_view_scope_t scope;
    crm_view_scope(crm_rpc_call_caller(bd->call), sales_opp_views[bd->req->view],
                   bd->req->owner_ids, bd->req->n_owner_ids, &scope);
    crm_db_batch_t *b = crm_db_batch_new();
    int64_t every = 0;
    Crm__Sales__OpportunityStatus open;
    Crm__Sales__ListOpportunitiesRequest l;
    s_list_of(bd, &every, &open, &l);
    crm_sqlbuf_t *sum = sales_totals_sums(&l, &scope);
    if (!sum)
        sum = s_sums_of_rows(&l, &scope);
    crm_sqlbuf_batch_add(sum, b);
    crm_sqlbuf_destroy(&sum);
    for (size_t i = 0; i < bd->pipeline->n_stages; i++) {
        int64_t stage = bd->pipeline->stages[i]->id;
        s_list_of(bd, &stage, &open, &l);
        crm_sqlbuf_t *q = sales_opp_list_sql(&l, &scope, &bd->page);
        crm_sqlbuf_batch_add(q, b);
        crm_sqlbuf_destroy(&q);
    }
    crm_view_scope_clear(&scope);
    crm_db_submit(bd->s->db, &b, s_pages_read, bd);
}

static void s_board(crm_rpc_call_t *call, const Crm__Sales__StageViewRequest *req, void *arg)
{
    sales_t *s = arg;
    if (req->pipeline_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "pipeline_id",
                     "a pipeline's id, or 0 for the default");
        return;
    }
    board_t *bd = crm_calloc(1, sizeof *bd);
    bd->s = s;
    bd->call = call;
    bd->req = req;
    int64_t every = 0;
    Crm__Sales__OpportunityStatus open;
    Crm__Sales__ListOpportunitiesRequest l;
    s_list_of(bd, &every, &open, &l);
    if (!sales_opp_list_check(call, &l)) {
        s_free(bd);
        return;
    }
    sales_opp_list_order(req->sort, req->ascending, bd->tag, &bd->order);
    if (!crm_check_page(call, &bd->page, &bd->order, req->limit, COLUMN_DEFAULT, "")) {
        s_free(bd);
        return;
    }
    char id[24];
    const char *p[] = {crm_i64(id, req->pipeline_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "pipeline_or_default", 1, p);
    crm_db_submit(s->db, &b, s_pipeline_read, bd);
}

void sales_opp_board_handlers(sales_t *s)
{
    s->handlers.get_stage_view = s_board;
}
