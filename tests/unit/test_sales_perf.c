/* test_sales_perf.c: the pure rules of performance (业绩)
 * (services/sales/sales_perf_rules.c, crm_sales_rules): a period's dates
 * from a year, a quarter, a month (the year's turn included) or a range,
 * and every malformed form refused naming its field; a period's whole
 * months (read from the folded months) and partial ones; rates in basis points
 * rounded down, negative parts, no overflow at the largest amounts,
 * against a reference in long double for 100,000 random pairs; a
 * ranking's order and its shared ranks for ties, on every figure. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sales_perf.h"
#include "unit.h"

#define FIG(x) CRM__SALES__PERFORMANCE_FIGURE__PERFORMANCE_FIGURE_##x

/* period (or from, to) resolves to want_from..want_to; or, want_from
 * NULL, is refused naming field. */
static int s_resolves(const char *period, const char *from, const char *to, const char *want_from,
                      const char *want_to, const char *field)
{
    char f[11] = "", t[11] = "";
    crm_err_t err = {0};
    int rc = sales_period_resolve(period, from, to, f, t, &err);
    if (!want_from)
        return rc == -1 && err.status == CRM__STATUS__INVALID_ARGUMENT && err.field &&
               !strcmp(err.field, field) && *err.message;
    return rc == 0 && !strcmp(f, want_from) && !strcmp(t, want_to);
}

static void s_periods(void)
{
    CHECK(s_resolves("2026", "", "", "2026-01-01", "2027-01-01", NULL));
    CHECK(s_resolves("2026-Q1", "", "", "2026-01-01", "2026-04-01", NULL));
    CHECK(s_resolves("2026-Q4", NULL, NULL, "2026-10-01", "2027-01-01", NULL));
    CHECK(s_resolves("2026-03", "", "", "2026-03-01", "2026-04-01", NULL));
    CHECK(s_resolves("2026-12", "", "", "2026-12-01", "2027-01-01", NULL));
    CHECK(s_resolves("", "2026-03-05", "2026-03-20", "2026-03-05", "2026-03-20", NULL));
    CHECK(s_resolves("", "2024-02-29", "2027-01-01", "2024-02-29", "2027-01-01", NULL));
    const char *bad[] = {"26",      "2026-",  "2026-Q0",  "2026-Q5", "2026-13",
                         "2026-00", "2026-3", "2026-1",   "abcd",    "2026-q1",
                         "0999",    "9999",   "2026-03x", "2026 ",   "2026-03-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(s_resolves(bad[i], "", "", NULL, NULL, "period"));
    CHECK(s_resolves("", "", "", NULL, NULL, "period"));                   /* neither */
    CHECK(s_resolves("2026", "2026-01-01", "", NULL, NULL, "period"));     /* both */
    CHECK(s_resolves("", "2026-02-30", "2026-03-01", NULL, NULL, "from")); /* no such day */
    CHECK(s_resolves("", "", "2026-03-01", NULL, NULL, "from"));
    CHECK(s_resolves("", "2026-03-01", "", NULL, NULL, "to"));
    CHECK(s_resolves("", "2026-03-01", "2026-03-01", NULL, NULL, "to")); /* empty */
    CHECK(s_resolves("", "2026-03-02", "2026-03-01", NULL, NULL, "to")); /* backwards */
    CHECK(s_resolves("", "2023-01-01", "2026-01-06", NULL, NULL, "to")); /* over 3 years */
    CHECK(s_resolves("", "2023-01-01", "2026-01-05", "2023-01-01", "2026-01-05", NULL));
    /* The range alone (the funnel's): nothing given names from. */
    char f[11], t[11];
    crm_err_t err = {0};
    CHECK(sales_period_range("", "", f, t, &err) == -1 && !strcmp(err.field, "from"));
    CHECK(sales_period_range("2026-01-01", "2026-02-01", f, t, &err) == 0 &&
          !strcmp(f, "2026-01-01") && !strcmp(t, "2026-02-01"));
}

/* from..to's whole months are m0..m1. */
static int s_months_are(const char *from, const char *to, const char *m0, const char *m1)
{
    char a[11], b[11];
    sales_period_months(from, to, a, b);
    return !strcmp(a, m0) && !strcmp(b, m1);
}

static void s_whole_months(void)
{
    CHECK(s_months_are("2026-01-01", "2027-01-01", "2026-01-01", "2027-01-01")); /* a year */
    CHECK(s_months_are("2026-03-01", "2026-04-01", "2026-03-01", "2026-04-01")); /* a month */
    CHECK(s_months_are("2026-03-05", "2026-05-15", "2026-04-01", "2026-05-01"));
    CHECK(s_months_are("2026-12-02", "2027-02-01", "2027-01-01", "2027-02-01")); /* the turn */
    CHECK(s_months_are("2026-03-05", "2026-03-20", "2026-04-01", "2026-03-01")); /* none */
    CHECK(s_months_are("2026-03-05", "2026-04-01", "2026-04-01", "2026-04-01")); /* none */
}

/* floor(part * 10000 / whole) the slow way. */
static int64_t s_ref(int64_t part, int64_t whole)
{
    long double q = floorl((long double)part * 10000.0L / (long double)whole);
    return (int64_t)q;
}

static void s_rates(void)
{
    CHECK(sales_rate_bp(0, 0) == 0);
    CHECK(sales_rate_bp(5, 0) == 0);
    CHECK(sales_rate_bp(5, -3) == 0);
    CHECK(sales_rate_bp(1, 3) == 3333); /* 0.33333 -> 3333 */
    CHECK(sales_rate_bp(2, 3) == 6666); /* 0.66666 rounded down, not 6667 */
    CHECK(sales_rate_bp(35183, 35183) == 10000);
    CHECK(sales_rate_bp(20000, 35183) == 5684); /* 5684.56 */
    CHECK(sales_rate_bp(-1, 3) == -3334);       /* -3333.3 down is -3334 */
    CHECK(sales_rate_bp(-3, 3) == -10000);
    int64_t big = INT64_C(100000000000000000); /* 10^17: amount * 10^4 passes 64 bits */
    CHECK(sales_rate_bp(big, big) == 10000);
    CHECK(sales_rate_bp(big - 1, big) == 9999);
    CHECK(sales_rate_bp(big, 1) == INT32_MAX); /* clamped */
    CHECK(sales_rate_bp(-big, 1) == INT32_MIN);
    srand(13);
    for (int i = 0; i < 100000; i++) {
        int64_t whole = 1 + ((int64_t)rand() * rand()) % 1000000000;
        int64_t part = ((int64_t)rand() * rand()) % (3 * whole) - whole / 2;
        if (sales_rate_bp(part, whole) != s_ref(part, whole)) {
            CHECK(sales_rate_bp(part, whole) == s_ref(part, whole));
            break;
        }
    }
    Crm__Sales__PerformanceFigures f = CRM__SALES__PERFORMANCE_FIGURES__INIT;
    f.order_amount = 35183;
    f.payment_amount = 15183;
    sales_figures_rate(&f);
    CHECK(f.payment_rate_bp == 4315); /* 4315.44 */
}

static void s_ranks(void)
{
    enum { N = 6 };
    /* owner, order amount, won count */
    static const int64_t rows[N][3] = {{7, 500, 1}, {3, 900, 0}, {5, 500, 2},
                                       {9, 0, 2},   {2, 500, 0}, {4, -100, 1}};
    Crm__Sales__PerformanceFigures f[N];
    Crm__Sales__RankingEntry e[N], *p[N];
    for (int i = 0; i < N; i++) {
        crm__sales__performance_figures__init(&f[i]);
        crm__sales__ranking_entry__init(&e[i]);
        f[i].order_amount = rows[i][1];
        f[i].won_count = rows[i][2];
        e[i].owner_id = rows[i][0];
        e[i].figures = &f[i];
        p[i] = &e[i];
    }
    sales_rank(p, N, FIG(ORDER_AMOUNT));
    /* 900; three at 500 by owner id (2, 5, 7) sharing 2; then 0 at 5; -100 at 6. */
    static const int64_t owners[N] = {3, 2, 5, 7, 9, 4};
    static const int32_t ranks[N] = {1, 2, 2, 2, 5, 6};
    for (int i = 0; i < N; i++)
        CHECK(p[i]->owner_id == owners[i] && p[i]->rank == ranks[i]);
    sales_rank(p, N, FIG(WON_COUNT));
    static const int64_t owners2[N] = {5, 9, 4, 7, 2, 3};
    static const int32_t ranks2[N] = {1, 1, 3, 3, 5, 5};
    for (int i = 0; i < N; i++)
        CHECK(p[i]->owner_id == owners2[i] && p[i]->rank == ranks2[i]);
    sales_rank(p, 0, FIG(WON_COUNT)); /* nothing to rank */
    CHECK(sales_figure_value(&f[0], 0) == 0);
    f[0].payment_amount = 11;
    f[0].won_amount = 12;
    f[0].order_count = 13;
    f[0].payment_rate_bp = 14;
    CHECK(sales_figure_value(&f[0], FIG(PAYMENT_AMOUNT)) == 11 &&
          sales_figure_value(&f[0], FIG(WON_AMOUNT)) == 12 &&
          sales_figure_value(&f[0], FIG(ORDER_COUNT)) == 13 &&
          sales_figure_value(&f[0], FIG(PAYMENT_RATE)) == 14);
}

int main(void)
{
    s_periods();
    s_whole_months();
    s_rates();
    s_ranks();
    return unit_result("test_sales_perf");
}
