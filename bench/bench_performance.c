/* bench_performance.c: performance (业绩) over a year, its p50/p99 beside
 * the raw limit in the same run: the same statement read straight from
 * PostgreSQL (no service).
 *
 * A year of facts (sql/040) for 200 people in 10 departments of 20 under
 * one division (department 100), as the triggers write them: per person
 * facts-per-person facts spread over the year past, a third each won
 * opportunities, approved orders and confirmed payments, one in twenty
 * a take-back (a reopening, a void, a refund); folded into months as the
 * service folds them, the last PENDING left pending (about a second of
 * heavy writing), which every call reads too. The period: a year to
 * tomorrow, so its first and last months are partial (read from the
 * facts) and the eleven between whole (read folded). Calls, one in flight: the
 * division's figures for the year (its manager), the division's ranking
 * of its 200 people by order amount for the year (its manager), a
 * person's year (an employee), and the division's year of payment targets
 * with their progress (its manager).
 *
 *     bench_performance [calls-per-kind] [facts-per-person]
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

#define OWNERS SEED_OWNERS
#define TEAM SEED_TEAM
#define DIVISION CALLS_DIVISION
#define PENDING 2000

static int s_calls = 500;
static int s_facts = 1000;

typedef struct {
    int role; /* 0: an employee (rotating), 1: the division's manager */
    const ProtobufCMessage *req;
} kind_t;

static const ProtobufCMessage *s_make(void *arg, int i, const Crm__Caller **caller)
{
    kind_t *k = arg;
    *caller = calls_seeded_caller(k->role, i);
    return k->req;
}

/* The organisation (the 200 people in their departments under the
 * division) and n facts per person over the year past; a target per
 * month of the division's payments. */
static void s_seed(h_t *h, int n)
{
    h_execf(h, "sales",
            "INSERT INTO crm_org_departments (id, parent_id) SELECT d, %d FROM"
            " generate_series(1, %d) d ON CONFLICT (id) DO UPDATE SET parent_id = %d;"
            " INSERT INTO crm_org_departments (id, parent_id) VALUES (%d, 0)"
            " ON CONFLICT (id) DO NOTHING;"
            " INSERT INTO crm_org_users (id, department_id, role) SELECT u, 1 + (u - 1) / %d,"
            " 'employee' FROM generate_series(1, %d) u ON CONFLICT (id) DO UPDATE SET"
            " department_id = EXCLUDED.department_id, active = true",
            DIVISION, OWNERS / TEAM, DIVISION, DIVISION, TEAM, OWNERS);
    char *sql = NULL;
    if (asprintf(&sql,
                 "INSERT INTO sales_perf_facts (kind, record_id, count, amount, owner_id,"
                 " department_id, day, at)"
                 " SELECT 1 + g %% 3, g, CASE WHEN g %% 20 = 0 THEN (CASE WHEN g %% 3 = 2 THEN 0"
                 " ELSE -1 END) ELSE 1 END, (CASE WHEN g %% 20 = 0 THEN -1 ELSE 1 END) *"
                 " (1000 + (g::bigint * 7919) %% 10000000), 1 + g %% %d, 1 + (g %% %d) / %d,"
                 " (t AT TIME ZONE 'Asia/Shanghai')::date, t"
                 " FROM generate_series(1, %d) g, LATERAL (SELECT now() - ((g::bigint * 7907) %%"
                 " 525600) * interval '1 minute' AS t) x",
                 OWNERS, OWNERS, TEAM, n * OWNERS) < 0)
        exit(1);
    seed_rows(h, "sales", "sales_perf_facts", "'sales_perf_facts_pkey'", sql);
    free(sql);
    h_execf(h, "sales",
            "INSERT INTO sales_perf_months (department_id, month, owner_id, kind, count, amount)"
            " SELECT department_id, date_trunc('month', day)::date, owner_id, kind, sum(count),"
            " sum(amount) FROM sales_perf_facts WHERE id <= (SELECT max(id) - %d FROM"
            " sales_perf_facts) GROUP BY 1, 2, 3, 4;"
            " INSERT INTO sales_perf_pending SELECT id, department_id, owner_id, day, kind, count,"
            " amount FROM sales_perf_facts WHERE id > (SELECT max(id) - %d FROM"
            " sales_perf_facts)",
            PENDING, PENDING);
    h_execf(h, "sales", "VACUUM ANALYZE sales_perf_months");
    h_execf(h, "sales", "VACUUM ANALYZE sales_perf_pending");
    h_execf(h, "sales",
            "INSERT INTO sales_targets (subject, subject_id, kind, month, amount, set_by) SELECT"
            " 2, %d, 3, m::date, 100000000, 1 FROM generate_series(date_trunc('year', now()),"
            " date_trunc('year', now()) + interval '11 months', interval '1 month') m",
            DIVISION);
    printf("seed: %lld facts (%d a person), 200 people in 10 departments of 20 under one"
           " division; %lld month rows, %d facts pending\n",
           (long long)h_sql_int(h, "sales", "SELECT count(*) FROM sales_perf_facts"), n,
           (long long)h_sql_int(h, "sales", "SELECT count(*) FROM sales_perf_months"), PENDING);
}

/* The rows (owner_id, month, kind, count, amount) of the facts where cond
 * in [from, to), as the service reads them (sales_perf_rows): the whole
 * months [m0, m1) folded and pending, the partial ones' facts. Caller
 * frees. */
static char *s_rows(const char *cond, const char *from, const char *to, const char *m0,
                    const char *m1)
{
    char *sql = NULL;
    if (asprintf(&sql,
                 "(SELECT owner_id, month, kind, count, amount FROM sales_perf_months WHERE"
                 " month >= '%s' AND month < '%s' AND %s"
                 " UNION ALL SELECT owner_id, date_trunc('month', day)::date, kind, count, amount"
                 " FROM sales_perf_pending WHERE day >= '%s' AND day < '%s' AND %s"
                 " UNION ALL SELECT owner_id, date_trunc('month', day)::date, kind, count, amount"
                 " FROM sales_perf_facts WHERE day >= '%s' AND day < '%s' AND %s"
                 " UNION ALL SELECT owner_id, date_trunc('month', day)::date, kind, count, amount"
                 " FROM sales_perf_facts WHERE day >= '%s' AND day < '%s' AND %s) x",
                 m0, m1, cond, m0, m1, cond, from, m0, cond, m1, to, cond) < 0)
        exit(1);
    return sql;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_calls = atoi(argv[1]);
    if (argc > 2)
        s_facts = atoi(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    h_t *h = h_new("bench_performance");
    h_suite_counts(h, "sales=1");
    /* The bench's pending facts stay pending while it measures. */
    h_setenv(h, "CRM_SALES_FOLD_MS=3600000");
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    s_seed(h, s_facts);
    char from[16], to[16], year[8];
    time_t now = time(NULL), year_ago = now - 365 * 86400, tomorrow = now + 86400;
    strftime(from, sizeof from, "%Y-%m-%d", localtime(&year_ago));
    strftime(to, sizeof to, "%Y-%m-%d", localtime(&tomorrow));
    strftime(year, sizeof year, "%Y", localtime(&now));

    Crm__Sales__PerformanceRequest dept = CRM__SALES__PERFORMANCE_REQUEST__INIT,
                                   person = CRM__SALES__PERFORMANCE_REQUEST__INIT;
    dept.from = person.from = from;
    dept.to = person.to = to;
    dept.scope = CRM__SALES__REPORT_SCOPE__REPORT_SCOPE_DEPARTMENT;
    Crm__Sales__RankingRequest rank = CRM__SALES__RANKING_REQUEST__INIT;
    rank.from = from;
    rank.to = to;
    rank.by = CRM__SALES__PERFORMANCE_FIGURE__PERFORMANCE_FIGURE_ORDER_AMOUNT;
    rank.limit = 500;
    Crm__Sales__TargetProgressRequest target = CRM__SALES__TARGET_PROGRESS_REQUEST__INIT;
    target.department_id = DIVISION;
    target.kind = CRM__SALES__TARGET_KIND__TARGET_KIND_PAYMENTS;
    target.year = atoi(year);

    static kind_t kinds[4];
    kinds[0] = (kind_t){.role = 1, .req = &dept.base};
    kinds[1] = (kind_t){.role = 1, .req = &rank.base};
    kinds[2] = (kind_t){.role = 0, .req = &person.base};
    kinds[3] = (kind_t){.role = 1, .req = &target.base};
    /* The raw statements: what the service reads, by hand (the whole
     * months [m0, m1) folded and pending, the partial ones from the facts). */
    char m0[32], m1[32];
    int fy, fm, fd;
    sscanf(from, "%d-%d-%d", &fy, &fm, &fd);
    if (fd == 1)
        snprintf(m0, sizeof m0, "%s", from);
    else
        snprintf(m0, sizeof m0, "%04d-%02d-01", fm == 12 ? fy + 1 : fy, fm == 12 ? 1 : fm + 1);
    snprintf(m1, sizeof m1, "%.8s01", to);
    const char *in_division = "department_id = ANY((SELECT sales_subtree(100))::bigint[])";
    char *rows_dept = s_rows(in_division, from, to, m0, m1);
    char *rows_owner = s_rows("owner_id = $1::bigint", from, to, m0, m1);
    char y0[32], y1[32];
    snprintf(y0, sizeof y0, "%s-01-01", year);
    snprintf(y1, sizeof y1, "%d-01-01", atoi(year) + 1);
    char *rows_year = s_rows(in_division, y0, y1, y0, y1);
    char *raw[4] = {NULL};
    if (asprintf(&raw[0],
                 "SELECT kind, sum(count)::bigint, sum(amount)::bigint FROM %s WHERE $1::bigint > 0"
                 " GROUP BY kind",
                 rows_dept) < 0 ||
        asprintf(&raw[1],
                 "WITH f AS (SELECT owner_id, kind, sum(count)::bigint AS n, sum(amount)::bigint"
                 " AS a FROM %s WHERE $1::bigint > 0 GROUP BY 1, 2), p AS (SELECT owner_id FROM f"
                 " UNION SELECT id FROM crm_org_users u WHERE u.active AND u.department_id ="
                 " ANY((SELECT sales_subtree(100))::bigint[])) SELECT p.owner_id, f.kind, f.n, f.a "
                 "FROM p "
                 "LEFT JOIN f"
                 " USING (owner_id) ORDER BY 1",
                 rows_dept) < 0 ||
        asprintf(&raw[2],
                 "SELECT kind, sum(count)::bigint, sum(amount)::bigint FROM %s GROUP BY kind",
                 rows_owner) < 0 ||
        asprintf(&raw[3],
                 "SELECT to_char(m, 'YYYY-MM'), t.amount IS NOT NULL, coalesce(t.amount, 0),"
                 " coalesce(f.achieved, 0) FROM generate_series('%s'::date, '%s'::date +"
                 " interval '11 months', interval '1 month') m LEFT JOIN sales_targets t ON"
                 " t.subject = 2 AND t.subject_id = 100 AND t.kind = 3 AND t.month = m::date"
                 " LEFT JOIN (SELECT month, sum(amount)::bigint AS achieved FROM %s WHERE kind = 3"
                 " AND $1::bigint > 0 GROUP BY 1) f ON f.month = m::date ORDER BY m",
                 y0, y0, rows_year) < 0)
        exit(1);
    free(rows_dept);
    free(rows_owner);
    free(rows_year);
    static const struct {
        const char *label, *method;
        const ProtobufCMessageDescriptor *out;
    } runs[4] = {
        {"performance, a year, department of 200 (manager)", "Sales.GetPerformance",
         &crm__sales__performance__descriptor},
        {"ranking of 200 by order amount, a year (manager)", "Sales.GetRanking",
         &crm__sales__ranking__descriptor},
        {"performance, a year, one person (employee)", "Sales.GetPerformance",
         &crm__sales__performance__descriptor},
        {"targets' progress, this year, department of 200 (manager)", "Sales.GetTargets",
         &crm__sales__target_progress__descriptor},
    };
    printf("performance over %s..%s: %d calls per kind, 1 in flight; raw: the same sums by"
           " libpq (no service)\n",
           from, to, s_calls);
    for (int k = 0; s_calls > 0 && k < 4; k++) {
        calls_run(zctx, h_rpc(h, "sales"), runs[k].method, runs[k].out, s_make, &kinds[k], s_calls,
                  1, runs[k].label);
        seed_raw(h, "sales", raw[k], s_calls, runs[k].label);
    }
    for (int k = 0; k < 4; k++)
        free(raw[k]);
    zmq_ctx_term(zctx);
    h_stop(h, "sales", 0);
    h_destroy(&h);
    return 0;
}
