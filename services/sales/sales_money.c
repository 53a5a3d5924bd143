/* sales_money.c: an opportunity's amounts, pure: a product line's amount
 * (quantity x unit price x what the discount leaves, rounded half up to
 * the minor unit) exact in integers, and the checks of lines as people give
 * them. Money is never a float here. Unit-tested in
 * tests/unit/test_sales_rules.c. */
#include <stdio.h>
#include <string.h>

#include "crm/validate.h"
#include "sales_rules.h"

int64_t sales_line_amount(int64_t quantity, int64_t unit_price, int32_t discount_bp)
{
    if (quantity < 1 || quantity > SALES_QUANTITY_MAX || unit_price < 0 ||
        unit_price > SALES_UNIT_PRICE_MAX || discount_bp < 0 || discount_bp > SALES_DISCOUNT_MAX)
        return -1;
    /* At most 10^9 x 10^13 x 10^4 = 10^26 < 2^128. */
    unsigned __int128 n = (unsigned __int128)quantity * (unsigned __int128)unit_price *
                          (unsigned __int128)(SALES_DISCOUNT_MAX - discount_bp);
    unsigned __int128 amount = (n + SALES_DISCOUNT_MAX / 2) / SALES_DISCOUNT_MAX;
    if (amount > (unsigned __int128)SALES_LINE_AMOUNT_MAX)
        return -1;
    return (int64_t)amount;
}

/* The names of the lines' fields, made once: errors carry static text. */
static const char *const s_fields[] = {"product_id",  "quantity", "unit_price",
                                       "discount_bp", "remark",   "amount"};
#define N_FIELDS (sizeof s_fields / sizeof s_fields[0])
static char s_names[SALES_LINES_MAX][N_FIELDS][32];

const char *sales_line_field(size_t i, const char *field)
{
    for (size_t f = 0; i < SALES_LINES_MAX && f < N_FIELDS; f++)
        if (!strcmp(s_fields[f], field)) {
            if (!s_names[i][f][0])
                snprintf(s_names[i][f], sizeof s_names[i][f], "lines[%zu].%s", i, field);
            return s_names[i][f];
        }
    return "lines";
}

int sales_lines_check(Crm__Sales__OpportunityLine *const *lines, size_t n, crm_errs_t *errs)
{
    size_t before = errs->n;
    crm_err_t err;
    if (n > SALES_LINES_MAX)
        return crm_errs_invalid(errs, "lines", "at most %d lines", SALES_LINES_MAX);
    for (size_t i = 0; i < n; i++) {
        const Crm__Sales__OpportunityLine *l = lines[i];
        if (l->product_id < 1)
            crm_errs_invalid(errs, sales_line_field(i, "product_id"), "a line names its product");
        if (l->quantity < 1 || l->quantity > SALES_QUANTITY_MAX)
            crm_errs_invalid(errs, sales_line_field(i, "quantity"),
                             "a quantity is whole units, 1 to 1000000000");
        if (l->unit_price < 0 || l->unit_price > SALES_UNIT_PRICE_MAX)
            crm_errs_invalid(errs, sales_line_field(i, "unit_price"),
                             "a unit price is in minor units, 0 (the list price) to "
                             "10000000000000");
        if (l->discount_bp < 0 || l->discount_bp > SALES_DISCOUNT_MAX)
            crm_errs_invalid(errs, sales_line_field(i, "discount_bp"),
                             "a discount is 0 to 10000 basis points of the price");
        if (crm_text_check(&err, "remark", l->remark, SALES_LINE_REMARK_MAX, 0) < 0)
            crm_errs_invalid(errs, sales_line_field(i, "remark"), "at most %d characters",
                             SALES_LINE_REMARK_MAX);
    }
    return errs->n > before ? -1 : 0;
}
