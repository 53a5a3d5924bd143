/* bench_opportunities.c: lists and the stage view at 1,000,000
 * opportunities (issue #12: p99 under 20 ms), each kind's p50/p99 beside
 * the raw limit in the same run: the same page read straight from
 * PostgreSQL by its index (one SELECT of 21 ids, no service, no RPC); for
 * a stage view, its counts and sums read straight from the totals the
 * writes keep (sql/006), or from the rows when a filter needs them.
 *
 * 200 owners in 10 departments of 20; the default pipeline's five stages,
 * 70% open spread over them, the rest won, lost or invalid; amounts up to
 * ¥1,000,000; a year of creation times; expected close dates over the
 * year ahead. Typical calls, one in flight, 20 a page (the stage view: 10
 * a column), callers rotating over the owners and the 10 managers.
 *
 *     bench_opportunities [calls-per-kind]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "calls.h"
#include "crm/rpc.h"
#include "harness.h"
#include "sales.pb-c.h"
#include "seed.h"
#include "stats.h"

#define SEEDED 1000000
#define OWNERS SEED_OWNERS
#define TEAM SEED_TEAM
#define KINDS 9

static int s_calls = 500;

typedef struct {
    const char *label;
    const char *method;
    const ProtobufCMessageDescriptor *out;
    Crm__Sales__ListOpportunitiesRequest list;
    Crm__Sales__StageViewRequest board;
    int role; /* 0: employee (one of the 200), 1: manager of 20, 2: admin */
    int64_t team[TEAM];
    const char *raw; /* the same page straight from PostgreSQL ($1: the owner) */
} kind_t;

static const ProtobufCMessage *s_make(void *arg, int i, const Crm__Caller **caller)
{
    kind_t *k = arg;
    int64_t user = 1 + (i * 37) % OWNERS, dept = 1 + (user - 1) / TEAM;
    for (int t = 0; t < TEAM; t++)
        k->team[t] = (dept - 1) * TEAM + 1 + t;
    *caller = k->role == 0 ? calls_caller(CRM__ROLE__ROLE_EMPLOYEE, user, dept, 0, &user, 1)
              : k->role == 1
                  ? calls_caller(CRM__ROLE__ROLE_MANAGER, 1000 + dept, dept, 0, k->team, TEAM)
                  : calls_caller(CRM__ROLE__ROLE_ADMIN, 1, 1, 1, NULL, 0);
    return !strcmp(k->method, "Sales.GetStageView") ? &k->board.base : &k->list.base;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_calls = atoi(argv[1]);
    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as it comes */
    h_t *h = h_new("bench_opportunities");
    h_suite_counts(h, "sales=1");
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    seed_opportunities(h, SEEDED);
    /* The stage totals (sql/006) folded by the service, as they stand. */
    h_wait_sql(h, "sales", "SELECT count(*) FROM opportunity_stage_deltas", 0, 60000);
    kind_t kinds[KINDS];
    memset(kinds, 0, sizeof kinds);
    for (size_t k = 0; k < KINDS; k++) {
        crm__sales__list_opportunities_request__init(&kinds[k].list);
        crm__sales__stage_view_request__init(&kinds[k].board);
        kinds[k].method = "Sales.ListOpportunities";
        kinds[k].out = &crm__sales__opportunity_list__descriptor;
    }
    static Crm__Sales__OpportunityStatus open[] = {
        CRM__SALES__OPPORTUNITY_STATUS__OPPORTUNITY_STATUS_OPEN};
    kinds[0].label = "my opportunities (employee)";
    kinds[0].list.view = CRM__SALES__OPPORTUNITY_VIEW__OPPORTUNITY_VIEW_MINE;
    kinds[0].raw = "SELECT id FROM opportunities WHERE owner_id = $1::bigint AND deleted_at IS"
                   " NULL ORDER BY created_at DESC, id DESC LIMIT 21";
    kinds[1].label = "all, manager of 20";
    kinds[1].role = 1;
    kinds[1].raw = kinds[0].raw;
    kinds[2].label = "open, by expected close, manager";
    kinds[2].role = 1;
    kinds[2].list.statuses = open;
    kinds[2].list.n_statuses = 1;
    kinds[2].list.sort = CRM__SALES__OPPORTUNITY_SORT__OPPORTUNITY_SORT_EXPECTED_CLOSE_DATE;
    kinds[2].list.ascending = 1;
    kinds[2].raw = "SELECT id FROM opportunities WHERE owner_id = $1::bigint AND deleted_at IS"
                   " NULL AND status = 1 ORDER BY COALESCE(expected_close_on - DATE '1970-01-01',"
                   " 2147483647), id LIMIT 21";
    kinds[3].label = "keyword 恒通项目, manager";
    kinds[3].role = 1;
    kinds[3].list.keyword = "恒通项目";
    kinds[3].raw = "SELECT id FROM opportunities WHERE owner_id = $1::bigint AND deleted_at IS"
                   " NULL AND name ILIKE '%恒通项目%' ORDER BY created_at DESC, id DESC LIMIT 21";
    kinds[4].label = "all by amount, admin";
    kinds[4].role = 2;
    kinds[4].list.sort = CRM__SALES__OPPORTUNITY_SORT__OPPORTUNITY_SORT_AMOUNT;
    kinds[4].raw = "SELECT id FROM opportunities WHERE deleted_at IS NULL AND owner_id <>"
                   " $1::bigint ORDER BY amount DESC, id DESC LIMIT 21";
    for (size_t k = 5; k < KINDS; k++) {
        kinds[k].method = "Sales.GetStageView";
        kinds[k].out = &crm__sales__stage_view__descriptor;
    }
    kinds[5].label = "stage view, manager (5 columns, counts and sums)";
    kinds[5].role = 1;
    kinds[5].raw = "SELECT stage_id, sum(count), sum(amount) FROM opportunity_stage_sums WHERE"
                   " owner_id = ANY(ARRAY(SELECT generate_series(($1::bigint - 1) / 20 * 20 + 1,"
                   " ($1::bigint - 1) / 20 * 20 + 20))) AND pipeline_id = 1 GROUP BY stage_id";
    kinds[6].label = "stage view, employee";
    kinds[6].raw = "SELECT stage_id, sum(count), sum(amount) FROM opportunity_stage_sums WHERE"
                   " owner_id = $1::bigint AND pipeline_id = 1 GROUP BY stage_id";
    kinds[7].label = "stage view, admin (the whole company's counts)";
    kinds[7].role = 2;
    kinds[7].raw = "SELECT stage_id, sum(count), sum(amount) FROM opportunity_stage_sums WHERE"
                   " owner_id <> $1::bigint AND pipeline_id = 1 GROUP BY stage_id";
    kinds[8] = kinds[7];
    kinds[8].label = "stage view, admin, amount from ¥5,000 (counted from the rows)";
    kinds[8].board.amount_from = 500000;
    kinds[8].raw = "SELECT stage_id, count(*), sum(amount) FROM opportunities WHERE owner_id <>"
                   " $1::bigint AND status = 1 AND deleted_at IS NULL AND amount >= 500000"
                   " GROUP BY stage_id";
    printf("lists and the stage view: %d calls per kind, 1 in flight, 20 per page (10 per"
           " column); raw: the page's ids (a stage view: its counts and sums, from the totals)"
           " (libpq, no service)\n",
           s_calls);
    for (size_t k = 0; s_calls > 0 && k < KINDS; k++) {
        calls_run(zctx, h_rpc(h, "sales"), kinds[k].method, kinds[k].out, s_make, &kinds[k],
                  s_calls, 1, kinds[k].label);
        seed_raw(h, "sales", kinds[k].raw, s_calls, kinds[k].label);
    }
    zmq_ctx_term(zctx);
    h_stop(h, "sales", 0);
    h_destroy(&h);
    return 0;
}
