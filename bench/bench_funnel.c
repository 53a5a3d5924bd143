/* bench_funnel.c: the funnel over a year (issue #12: a department of 200
 * people under 100 ms), its p50/p99 beside the raw limit in the same run:
 * the same sums read straight from PostgreSQL (one SELECT, no service).
 *
 * The funnel events of a million opportunities over the year past, as the
 * stage history writes them (sql/007): 200 owners in 10 departments of 20
 * under one division (department 100, the "department of 200"); each
 * opportunity reaching the default pipeline's stages up to its own, 30%
 * ended (won, lost with one of three reasons, invalid); folded into days
 * per department as the service folds them, with 2,000 events left
 * pending (the fold's second). Calls, one in flight: the division's
 * manager (scope department), an employee (their own), an admin (the
 * company).
 *
 *     bench_funnel [calls-per-kind]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#define DIVISION CALLS_DIVISION
#define PENDING 2000

static int s_calls = 500;

typedef struct {
    const char *label;
    int role; /* 0: employee, 1: the division's manager, 2: admin */
    Crm__Sales__SalesReportRequest req;
    const char *raw;
} kind_t;

static const ProtobufCMessage *s_make(void *arg, int i, const Crm__Caller **caller)
{
    kind_t *k = arg;
    *caller = calls_seeded_caller(k->role, i);
    return &k->req.base;
}

/* The events of n opportunities (g): owner g % 200 + 1, its department;
 * created at a minute of the year past; reaching stages 1..1 + (g / 200)
 * % 5; 30% ended (won at the last stage, lost, invalid). Then the days,
 * as the fold writes them, and the last PENDING events left pending. */
static void s_seed(h_t *h, int n)
{
    h_execf(h, "sales",
            "INSERT INTO crm_org_departments (id, parent_id) SELECT d, %d FROM"
            " generate_series(1, %d) d ON CONFLICT (id) DO UPDATE SET parent_id = %d;"
            " INSERT INTO crm_org_departments (id, parent_id) VALUES (%d, 0)"
            " ON CONFLICT (id) DO NOTHING",
            DIVISION, OWNERS / TEAM, DIVISION, DIVISION);
    char *sql = NULL;
    if (asprintf(&sql,
                 "INSERT INTO opportunity_funnel_events (opportunity_id, pipeline_id, kind,"
                 " stage_id, lost_reason, count, amount, owner_id, department_id, at)"
                 " SELECT g, 1, e.kind, e.stage, e.reason, 1, (g::bigint * 7919) %% 100000000,"
                 " 1 + g %% %d, 1 + (g %% %d) / %d, now() - (g %% 525600) * interval '1 minute'"
                 " + e.stage * interval '1 day'"
                 " FROM generate_series(1, %d) g, LATERAL (SELECT 1 AS kind, s AS stage,"
                 " '' AS reason FROM generate_series(1, 1 + (g / %d) %% 5) s UNION ALL"
                 " SELECT 2 + (g / %d) %% 3, 0, CASE WHEN (g / %d) %% 3 = 1 THEN"
                 " (ARRAY['价格因素', '竞争对手', '预算不足'])[1 + g %% 3] ELSE '' END"
                 " WHERE (g / %d) %% 10 >= 7) e",
                 OWNERS, OWNERS, TEAM, n, OWNERS, OWNERS, OWNERS, OWNERS) < 0)
        exit(1);
    seed_rows(h, "sales", "opportunity_funnel_events", "'opportunity_funnel_events_pkey'", sql);
    free(sql);
    h_execf(h, "sales",
            "INSERT INTO opportunity_funnel_days (pipeline_id, department_id, day, kind,"
            " stage_id, lost_reason, count, amount) SELECT pipeline_id, department_id,"
            " (at AT TIME ZONE 'Asia/Shanghai')::date, kind, stage_id, lost_reason, sum(count),"
            " sum(amount) FROM opportunity_funnel_events WHERE id <= (SELECT max(id) - %d FROM"
            " opportunity_funnel_events) GROUP BY 1, 2, 3, 4, 5, 6;"
            " INSERT INTO opportunity_funnel_pending SELECT id FROM opportunity_funnel_events"
            " WHERE id > (SELECT max(id) - %d FROM opportunity_funnel_events)",
            PENDING, PENDING);
    h_execf(h, "sales", "VACUUM ANALYZE opportunity_funnel_days");
    h_execf(h, "sales", "VACUUM ANALYZE opportunity_funnel_pending");
    printf("seed: %lld funnel events, %lld day rows, %d pending\n",
           (long long)h_sql_int(h, "sales", "SELECT count(*) FROM opportunity_funnel_events"),
           (long long)h_sql_int(h, "sales", "SELECT count(*) FROM opportunity_funnel_days"),
           PENDING);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_calls = atoi(argv[1]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    h_t *h = h_new("bench_funnel");
    h_suite_counts(h, "sales=1");
    /* The bench's pending events stay pending while it measures. */
    h_setenv(h, "CRM_SALES_FOLD_MS=3600000");
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    s_seed(h, SEEDED);
    char from[16], to[16];
    time_t now = time(NULL), year_ago = now - 365 * 86400, tomorrow = now + 86400;
    strftime(from, sizeof from, "%Y-%m-%d", localtime(&year_ago));
    strftime(to, sizeof to, "%Y-%m-%d", localtime(&tomorrow));
    static kind_t kinds[3];
    for (int k = 0; k < 3; k++) {
        crm__sales__sales_report_request__init(&kinds[k].req);
        kinds[k].req.from = from;
        kinds[k].req.to = to;
    }
    kinds[0].label = "funnel, a year, department of 200 (manager)";
    kinds[0].role = 1;
    kinds[0].req.scope = CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_DEPARTMENT;
    kinds[0].raw = "SELECT kind, stage_id, lost_reason, sum(count), sum(amount) FROM"
                   " opportunity_funnel_days WHERE pipeline_id = 1 AND day >= current_date -"
                   " 365 AND day < current_date + 1 AND department_id IN (SELECT id FROM"
                   " crm_org_departments WHERE id = 100 OR parent_id = 100) AND $1::bigint > 0"
                   " GROUP BY 1, 2, 3";
    kinds[1].label = "funnel, a year, one person (employee)";
    kinds[1].raw = "SELECT kind, stage_id, lost_reason, sum(count), sum(amount) FROM"
                   " opportunity_funnel_events WHERE owner_id = $1::bigint AND pipeline_id = 1"
                   " AND at >= now() - interval '365 days' GROUP BY 1, 2, 3";
    kinds[2].label = "funnel, a year, the company (admin)";
    kinds[2].role = 2;
    kinds[2].req.scope = CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_COMPANY;
    kinds[2].raw = "SELECT kind, stage_id, lost_reason, sum(count), sum(amount) FROM"
                   " opportunity_funnel_days WHERE pipeline_id = 1 AND day >= current_date -"
                   " 365 AND day < current_date + 1 AND $1::bigint > 0 GROUP BY 1, 2, 3";
    printf("the funnel over %s..%s: %d calls per kind, 1 in flight; raw: the same sums by"
           " libpq (no service)\n",
           from, to, s_calls);
    for (int k = 0; s_calls > 0 && k < 3; k++) {
        calls_run(zctx, h_rpc(h, "sales"), "Sales.GetFunnel", &crm__sales__funnel__descriptor,
                  s_make, &kinds[k], s_calls, 1, kinds[k].label);
        seed_raw(h, "sales", kinds[k].raw, s_calls, kinds[k].label);
    }
    zmq_ctx_term(zctx);
    h_stop(h, "sales", 0);
    h_destroy(&h);
    return 0;
}
