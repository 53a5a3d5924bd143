/* sales_opp_totals.c: the open opportunities' count and amount per
 * (pipeline, stage, department, owner), kept by the writes (sql/006): the
 * stage view's sums read from them when its filters are ones they are kept
 * by, and the fold that moves the writers' deltas into the totals (and the
 * funnel's pending events into their days, sql/007, and the performance
 * facts into their months, sql/040) every
 * CRM_SALES_FOLD_MS (every instance folds; one at a time by an advisory
 * lock). A delta not folded yet is still counted: the sums read both. */
#include <stdlib.h>

#include "crm/config.h"
#include "crm/log.h"
#include "crm/util.h"
#include "sales.h"

#define FOLD_ROWS "50000"

typedef struct {
    sales_t *s;
    uv_timer_t timer;
} fold_t;

crm_sqlbuf_t *sales_totals_sums(const Crm__Sales__ListOpportunitiesRequest *l,
                                const crm_view_scope_t *scope)
{
    if (scope->team || l->customer_id || l->amount_from || l->amount_to ||
        *l->expected_close_from || *l->expected_close_to || *l->keyword)
        return NULL;
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT stage_id, sum(count)::bigint, sum(amount)::bigint"
                      " FROM opportunity_stage_sums t WHERE true");
    crm_view_scope_sql(q, scope, "t", NULL);
    crm_sqlbuf_addp_i64(q, " AND t.pipeline_id = $?::bigint", l->pipeline_id);
    if (l->department_id)
        crm_sqlbuf_addp_i64(q, " AND t.department_id = $?::bigint", l->department_id);
    crm_sqlbuf_add(q, " GROUP BY stage_id");
    return q;
}

static void s_folded(void *arg, const crm_db_result_t *res)
{
    (void)arg;
    if (res->err)
        crm_log(CRM_WARN, "folding the stage totals failed", "error", res->message, NULL);
}

static void s_tick(uv_timer_t *t)
{
    fold_t *f = t->data;
    const char *p[] = {FOLD_ROWS, f->s->tz};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "stage_totals_fold", 1, p);
    crm_db_batch_add(b, "funnel_fold", 2, p);
    crm_db_batch_add(b, "perf_fold", 1, p); /* performance facts into months (sql/040) */
    crm_db_submit(f->s->db, &b, s_folded, NULL);
}

static void s_closed(uv_handle_t *h)
{
    free(h->data);
}

static void s_stop(void *arg)
{
    fold_t *f = arg;
    uv_close((uv_handle_t *)&f->timer, s_closed);
}

void sales_totals_start(sales_t *s)
{
    crm_db_prepare(s->db, "stage_totals_fold", "SELECT opportunity_stage_fold($1::integer)");
    crm_db_prepare(s->db, "funnel_fold", "SELECT opportunity_funnel_fold($1::integer, $2)");
    fold_t *f = crm_calloc(1, sizeof *f);
    f->s = s;
    int64_t every = crm_env_int("CRM_SALES_FOLD_MS", 1000, 10, 3600000);
    uv_timer_init(crm_service_loop(s->svc), &f->timer);
    f->timer.data = f;
    uv_timer_start(&f->timer, s_tick, (uint64_t)every, (uint64_t)every);
    crm_service_on_stop(s->svc, s_stop, f);
}
