/* bench_funnel.c: the funnel over a year (issue #12: a department of 200
 * people under 100 ms) and the forecast over the year ahead, each kind's
 * p50/p99 beside the raw limit in the same run: the same sums read
 * straight from PostgreSQL (the same statements, no service).
 *
 * The funnel events of a million opportunities over the year past, as the
 * stage history writes them (sql/007, sql/011): 200 owners in 10
 * departments of 20 under one division (department 100, the "department
 * of 200"); each opportunity reaching the default pipeline's stages up to
 * its own, a day in each (its stays: entered, and left but for the last
 * stage of an open one), 30% ended (won, lost with one of three reasons,
 * invalid); folded into days per department as the service folds them,
 * with 2,000 events left pending (the fold's second). For the forecast, a
 * million opportunities as bench_opportunities seeds them (seed.c: 70%
 * open, expected close days over the year ahead). Calls, one in flight:
 * the division's manager (scope department), an employee (their own), an
 * admin (the company).
 *
 *     bench_funnel [calls-per-kind] [forecast-calls-per-kind]
 *
 * (a forecast at a million sums every open opportunity of its scope: 50
 * calls a kind by default.)
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

static int s_calls = 500, s_forecast_calls = 50;

typedef struct {
    const char *label, *method;
    const ProtobufCMessageDescriptor *reply;
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
 * created at a minute of the year past (t0); reaching stages 1..k = 1 +
 * (g / 200) % 5, stage s on day s; 30% ended (won at the last stage,
 * lost, invalid). Its stays (kinds 5, 6, 7: sql/011): stage s entered on
 * day s and left on day s + 1, but the last of an open one, still going.
 * Then the days, as the fold writes them, and the last PENDING events left
 * pending. */
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
                 " SELECT g, 1, e.kind, e.stage, e.reason, 1, e.amount, 1 + g %% %d,"
                 " 1 + (g %% %d) / %d, e.at FROM generate_series(1, %d) g,"
                 " LATERAL (SELECT now() - (g %% 525600) * interval '1 minute' AS t0,"
                 " (g::bigint * 7919) %% 100000000 AS amount, 1 + (g / %d) %% 5 AS k,"
                 " (g / %d) %% 10 >= 7 AS ended) o,"
                 " LATERAL (SELECT 1 AS kind, s AS stage, '' AS reason, o.amount,"
                 " o.t0 + s * interval '1 day' AS at FROM generate_series(1, o.k) s UNION ALL"
                 " SELECT 2 + (g / %d) %% 3, 0, CASE WHEN (g / %d) %% 3 = 1 THEN"
                 " (ARRAY['价格因素', '竞争对手', '预算不足'])[1 + g %% 3] ELSE '' END,"
                 " o.amount, o.t0 WHERE o.ended UNION ALL"
                 " SELECT 5, s, '', floor(extract(epoch FROM o.t0 + s * interval '1 day'))::bigint,"
                 " o.t0 + s * interval '1 day' FROM generate_series(1, o.k) s UNION ALL"
                 " SELECT x, s, '', floor(extract(epoch FROM o.t0 + (s + x - 6) * interval"
                 " '1 day'))::bigint, o.t0 + (s + 1) * interval '1 day' FROM"
                 " generate_series(1, o.k) s,"
                 " generate_series(6, 7) x WHERE s < o.k OR o.ended) e",
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

#define KINDS 6
static const char *const s_labels[KINDS] = {
    "funnel, a year, department of 200 (manager)", "funnel, a year, one person (employee)",
    "funnel, a year, the company (admin)",         "forecast, a year ahead, department of 200",
    "forecast, a year ahead, one person",          "forecast, a year ahead, the company"};

/* The division's departments, and the period past as the funnel's days
 * read it; the funnel's raw statements are its two: the sums of the
 * period's funnel events (kinds 1..4) and the stays' (5..7, sql/011). */
#define DIVISION_DEPTS                                                                             \
    "department_id IN (SELECT id FROM crm_org_departments WHERE id = 100 OR parent_id = 100)"
#define YEAR_DAYS "day >= current_date - 365 AND day < current_date + 1"
#define STAY_DAYS "kind >= 5 AND day < current_date + 1 AND (kind < 7 OR day >= current_date - 365)"
#define FUNNEL_DAYS(scope)                                                                         \
    "SELECT kind, stage_id, lost_reason, sum(count), sum(amount) FROM opportunity_funnel_days"     \
    " WHERE pipeline_id = 1 AND kind <= 4 AND " YEAR_DAYS scope " AND $1::bigint > 0 GROUP BY"     \
    " 1, 2, 3 UNION ALL SELECT kind, stage_id, (day < current_date - 365)::text, sum(count),"      \
    " sum(amount) FROM opportunity_funnel_days WHERE pipeline_id = 1 AND " STAY_DAYS scope         \
    " GROUP BY 1, 2, 3"
#define YEAR_AGO "now() - interval '365 days'"
#define FORECAST(scope)                                                                            \
    "SELECT to_char(expected_close_on, 'YYYY-MM'), count(*), sum(amount)::bigint,"                 \
    " round(sum(amount::numeric * win_probability) / 100)::bigint FROM opportunities WHERE"        \
    " status = 1 AND deleted_at IS NULL AND expected_close_on >= current_date AND"                 \
    " expected_close_on < current_date + 365 AND " scope " GROUP BY 1 ORDER BY 1"
static const char *const s_raws[KINDS] = {
    FUNNEL_DAYS(" AND " DIVISION_DEPTS),
    "SELECT kind, stage_id, lost_reason, sum(count), sum(amount) FROM opportunity_funnel_events"
    " WHERE owner_id = $1::bigint AND pipeline_id = 1 AND kind <= 4 AND at >= " YEAR_AGO
    " GROUP BY 1, 2, 3 UNION ALL SELECT kind, stage_id, (at < " YEAR_AGO ")::text, sum(count),"
    " sum(amount) FROM opportunity_funnel_events WHERE owner_id = $1::bigint AND pipeline_id = 1"
    " AND kind >= 5 AND at < now() + interval '1 day' AND (kind < 7 OR at >= " YEAR_AGO
    ") GROUP BY 1, 2, 3",
    FUNNEL_DAYS(""),
    FORECAST(DIVISION_DEPTS " AND $1::bigint > 0"),
    FORECAST("owner_id = $1::bigint"),
    FORECAST("$1::bigint > 0"),
};

int main(int argc, char **argv)
{
    if (argc > 1)
        s_calls = atoi(argv[1]);
    if (argc > 2)
        s_forecast_calls = atoi(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    h_t *h = h_new("bench_funnel");
    h_suite_counts(h, "sales=1");
    /* The bench's pending events stay pending while it measures. */
    h_setenv(h, "CRM_SALES_FOLD_MS=3600000");
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    s_seed(h, SEEDED);
    if (s_forecast_calls > 0)
        seed_opportunities(h, SEEDED);
    char from[16], to[16];
    time_t now = time(NULL), year_ago = now - 365 * 86400, tomorrow = now + 86400;
    strftime(from, sizeof from, "%Y-%m-%d", localtime(&year_ago));
    strftime(to, sizeof to, "%Y-%m-%d", localtime(&tomorrow));
    char today[16], next_year[16];
    time_t year_on = now + 365 * 86400;
    strftime(today, sizeof today, "%Y-%m-%d", localtime(&now));
    strftime(next_year, sizeof next_year, "%Y-%m-%d", localtime(&year_on));
    static kind_t kinds[KINDS];
    for (int k = 0; k < KINDS; k++) {
        crm__sales__sales_report_request__init(&kinds[k].req);
        int funnel = k < KINDS / 2;
        kinds[k].req.from = funnel ? from : today;
        kinds[k].req.to = funnel ? to : next_year;
        kinds[k].method = funnel ? "Sales.GetFunnel" : "Sales.GetForecast";
        kinds[k].reply =
            funnel ? &crm__sales__funnel__descriptor : &crm__sales__forecast__descriptor;
        kinds[k].role = (int[]){1, 0, 2}[k % 3];
        kinds[k].req.scope =
            (Crm__Sales__ReportScope[]){CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_DEPARTMENT,
                                        CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_PERSON,
                                        CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_COMPANY}[k % 3];
        kinds[k].label = s_labels[k];
        kinds[k].raw = s_raws[k];
    }
    printf("the funnel over %s..%s (%d calls per kind), the forecast over %s..%s (%d), 1 in"
           " flight; raw: the same statements by libpq (no service)\n",
           from, to, s_calls, today, next_year, s_forecast_calls);
    for (int k = 0; k < KINDS; k++) {
        int calls = k < KINDS / 2 ? s_calls : s_forecast_calls;
        if (calls <= 0)
            continue;
        calls_run(zctx, h_rpc(h, "sales"), kinds[k].method, kinds[k].reply, s_make, &kinds[k],
                  calls, 1, kinds[k].label);
        seed_raw(h, "sales", kinds[k].raw, calls, kinds[k].label);
    }
    zmq_ctx_term(zctx);
    h_stop(h, "sales", 0);
    h_destroy(&h);
    return 0;
}
