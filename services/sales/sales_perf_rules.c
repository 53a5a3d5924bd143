/* sales_perf_rules.c: the pure rules of performance (业绩): a period's
 * dates from its name (a year, a quarter, a month) or a range, rates in
 * basis points in exact integers, and a ranking's order with its ties. No
 * database, no RPC (sales_perf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/form.h"
#include "sales_perf.h"

#define FIG(x) CRM__SALES__PERFORMANCE_FIGURE__PERFORMANCE_FIGURE_##x

/* The day number of a valid date. */
static int64_t s_day(const char *ymd)
{
    struct tm tm = {0};
    sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) / 86400;
}

/* n digits at s, their value in *v: 1, or 0 when they are not n digits. */
static int s_digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

/* Months [m0, m0 + months) of year y as dates. */
static void s_months(int y, int m0, int months, char from[11], char to[11])
{
    int m1 = m0 + months, y1 = y + (m1 - 1) / 12;
    m1 = (m1 - 1) % 12 + 1;
    /* y and y1 are 1000..9999, the months 1..12 (the modulos tell the
     * compiler the dates fit). */
    snprintf(from, 11, "%04u-%02u-01", (unsigned)y % 10000u, (unsigned)m0 % 100u);
    snprintf(to, 11, "%04u-%02u-01", (unsigned)y1 % 10000u, (unsigned)m1 % 100u);
}

static int s_named(const char *p, char from[11], char to[11], crm_err_t *err)
{
    int y, n;
    size_t len = strlen(p);
    if (len < 4 || !s_digits(p, 4, &y) || y < 1000 || y > 9998)
        goto bad;
    if (len == 4) {
        s_months(y, 1, 12, from, to);
        return 0;
    }
    if (len == 7 && p[4] == '-' && p[5] == 'Q' && s_digits(p + 6, 1, &n) && n >= 1 && n <= 4) {
        s_months(y, 3 * (n - 1) + 1, 3, from, to);
        return 0;
    }
    if (len == 7 && p[4] == '-' && s_digits(p + 5, 2, &n) && n >= 1 && n <= 12) {
        s_months(y, n, 1, from, to);
        return 0;
    }
bad:
    return crm_err_invalid(err, "period",
                           "a year (2026), a quarter (2026-Q2) or a month (2026-03); or from and"
                           " to");
}

int sales_period_range(const char *from, const char *to, char out_from[11], char out_to[11],
                       crm_err_t *err)
{
    if (!from || !*from || !crm_form_date_valid(from))
        return crm_err_invalid(err, "from", "a date YYYY-MM-DD is required");
    if (!to || !*to || !crm_form_date_valid(to))
        return crm_err_invalid(err, "to", "a date YYYY-MM-DD is required");
    if (strcmp(from, to) >= 0)
        return crm_err_invalid(err, "to", "must be after from");
    if (s_day(to) - s_day(from) > SALES_PERIOD_MAX_DAYS)
        return crm_err_invalid(err, "to", "a period is at most 3 years");
    snprintf(out_from, 11, "%s", from);
    snprintf(out_to, 11, "%s", to);
    return 0;
}

int sales_period_resolve(const char *period, const char *from, const char *to, char out_from[11],
                         char out_to[11], crm_err_t *err)
{
    int ranged = (from && *from) || (to && *to);
    if (period && *period) {
        if (ranged)
            return crm_err_invalid(err, "period", "give a period or from and to, not both");
        return s_named(period, out_from, out_to, err);
    }
    if (!ranged)
        return crm_err_invalid(err, "period",
                               "a period (2026, 2026-Q2, 2026-03) or from and to is required");
    return sales_period_range(from, to, out_from, out_to, err);
}

void sales_period_months(const char *from, const char *to, char m0[11], char m1[11])
{
    int y, m, d;
    char scratch[11];
    sscanf(from, "%d-%d-%d", &y, &m, &d);
    s_months(y, m, d == 1 ? 0 : 1, scratch, m0); /* the first month starting on or after from */
    sscanf(to, "%d-%d", &y, &m);
    s_months(y, m, 0, scratch, m1); /* the month of to */
}

int32_t sales_rate_bp(int64_t part, int64_t whole)
{
    if (whole <= 0)
        return 0;
    __int128 p = (__int128)part * 10000, q = p / whole;
    if (p % whole != 0 && p < 0)
        q -= 1; /* C divides toward zero: down is one less for a negative */
    if (q > INT32_MAX)
        return INT32_MAX;
    if (q < INT32_MIN)
        return INT32_MIN;
    return (int32_t)q;
}

void sales_figures_rate(Crm__Sales__PerformanceFigures *f)
{
    f->payment_rate_bp = sales_rate_bp(f->payment_amount, f->order_amount);
}

int64_t sales_figure_value(const Crm__Sales__PerformanceFigures *f, int by)
{
    switch (by) {
    case FIG(ORDER_AMOUNT):
        return f->order_amount;
    case FIG(PAYMENT_AMOUNT):
        return f->payment_amount;
    case FIG(WON_AMOUNT):
        return f->won_amount;
    case FIG(ORDER_COUNT):
        return f->order_count;
    case FIG(WON_COUNT):
        return f->won_count;
    case FIG(PAYMENT_RATE):
        return f->payment_rate_bp;
    default:
        return 0;
    }
}

static int s_cmp(const void *a, const void *b, void *arg)
{
    const Crm__Sales__RankingEntry *x = *(Crm__Sales__RankingEntry *const *)a,
                                   *y = *(Crm__Sales__RankingEntry *const *)b;
    int by = *(const int *)arg;
    int64_t vx = sales_figure_value(x->figures, by), vy = sales_figure_value(y->figures, by);
    if (vx != vy)
        return vx > vy ? -1 : 1;
    return (x->owner_id > y->owner_id) - (x->owner_id < y->owner_id);
}

void sales_rank(Crm__Sales__RankingEntry **e, size_t n, int by)
{
    qsort_r(e, n, sizeof *e, s_cmp, &by);
    for (size_t i = 0; i < n; i++)
        e[i]->rank = i > 0 && sales_figure_value(e[i]->figures, by) ==
                                  sales_figure_value(e[i - 1]->figures, by)
                         ? e[i - 1]->rank
                         : (int32_t)(i + 1);
}
