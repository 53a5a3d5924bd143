/* sales_perf.h: performance (业绩) and targets (业绩目标). The pure rules
 * (sales_perf_rules.c, in the library crm_sales_rules, unit-tested by
 * tests/unit/test_sales_perf.c): a period's dates, rates in basis points,
 * a ranking's order; and what sales_perf.c shares with sales_targets.c:
 * whose figures a caller may read, and the figures from the facts
 * (sql/040). */
#ifndef SALES_PERF_H
#define SALES_PERF_H

#include <stdint.h>

#include <libpq-fe.h>

#include "crm/db.h"
#include "crm/err.h"
#include "crm/rpc.h"
#include "crm/sqlbuf.h"
#include "sales.pb-c.h"

/* ---- pure rules (sales_perf_rules.c) ---- */

/* The longest period: three years (as the funnel's). */
#define SALES_PERIOD_MAX_DAYS 1100

/* The dates [from, to) of a period (YYYY-MM-DD, 11 bytes each): period
 * "2026" a year, "2026-Q2" a quarter, "2026-03" a month (years 1000 to
 * 9998); or, when period is empty, from and to themselves (valid dates, to
 * after from, at most SALES_PERIOD_MAX_DAYS). Both forms at once, neither,
 * or a malformed one: -1 with err naming period, from or to. 0 when fine. */
int sales_period_resolve(const char *period, const char *from, const char *to, char out_from[11],
                         char out_to[11], crm_err_t *err);
/* The range form alone (the funnel's period): from and to checked and
 * copied as above. */
int sales_period_range(const char *from, const char *to, char out_from[11], char out_to[11],
                       crm_err_t *err);

/* The whole months of a resolved period [from, to): m0 the first day of
 * the first month starting on or after from, m1 the first day of to's
 * month; [m0, m1) is empty when m1 <= m0. The period is [from, min(m0,
 * to)) of partial days, then [m0, m1) of whole months, then [max(m0, m1),
 * to) of partial days. */
void sales_period_months(const char *from, const char *to, char m0[11], char m1[11]);

/* part per 10,000 of whole, rounded down (toward minus infinity; 128-bit,
 * so no amount overflows), clamped to int32; 0 when whole <= 0. */
int32_t sales_rate_bp(int64_t part, int64_t whole);

/* Fills f's payment rate from its payment and order amounts. */
void sales_figures_rate(Crm__Sales__PerformanceFigures *f);

/* The value of figure by (PerformanceFigure) in f; 0 for an unknown one. */
int64_t sales_figure_value(const Crm__Sales__PerformanceFigures *f, int by);

/* Orders e[0..n) by figure by, highest first, equal ones by owner id, and
 * ranks them: equal figures share a rank, the next rank skips as many
 * (1, 1, 3). */
void sales_rank(Crm__Sales__RankingEntry **e, size_t n, int by);

/* ---- what sales_perf.c shares with sales_targets.c ---- */

/* The kinds of facts (sql/040), and of targets (TargetKind). */
#define SALES_FACT_WON 1
#define SALES_FACT_ORDER 2
#define SALES_FACT_PAYMENT 3

/* Whose figures: a person's (owner), a department's subtree (department),
 * or, both 0, the company's. */
typedef struct {
    int64_t owner, department;
} sales_subject_t;

/* May the caller read who's figures, as far as the call tells (a
 * department being under a manager's own is the read's)? 1, or 0 after
 * failing call with PERMISSION_DENIED naming owner_id, department_id or
 * scope. */
int sales_perf_may_read(crm_rpc_call_t *call, const sales_subject_t *who);
/* Adds to b the read of who: whether it is known, and whether a department
 * is under the caller's department (the statement "perf_subject"); */
void sales_perf_add_subject(crm_db_batch_t *b, const Crm__Caller *c, const sales_subject_t *who);
/* and its answer r: 1, or 0 after failing call (unknown, but for the
 * caller themselves: INVALID_ARGUMENT naming the field; a department not
 * under a manager's: PERMISSION_DENIED). */
int sales_perf_subject_ok(crm_rpc_call_t *call, const sales_subject_t *who, const PGresult *r);
/* Appends to q "(<rows>) x": the rows (owner_id, month, kind, count,
 * amount) of who's facts in [from, to): its whole months folded
 * (sales_perf_months) and the facts of those months not folded yet, and
 * the facts of its partial months (sql/040). */
void sales_perf_rows(crm_sqlbuf_t *q, const sales_subject_t *who, const char *from, const char *to);
/* Adds a sum of facts of kind (count, amount) to f. */
void sales_figures_add(Crm__Sales__PerformanceFigures *f, int kind, int64_t count, int64_t amount);

#endif
