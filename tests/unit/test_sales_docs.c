/* test_sales_docs.c: the pure rules of contracts and orders
 * (services/sales/sales_docs.c, crm_sales_rules): a contract's status
 * table (every move of every status, legal or refused, with its reason);
 * numbers from a pattern (each token, the sequence's width, bad patterns
 * and a buffer too small refused). */
#include <stdio.h>
#include <string.h>

#include "sales_rules.h"
#include "unit.h"

#define CS(x) CRM__SALES__CONTRACT_STATUS__CONTRACT_STATUS_##x

static void s_contract_table(void)
{
    /* want[status][action]: the status it moves to, 0 refused. */
    static const int want[6][4] = {
        [CS(DRAFT)] = {CS(DRAFT), CS(PENDING), CS(SIGNED), 0},
        [CS(PENDING)] = {0, 0, CS(SIGNED), 0},
        [CS(SIGNED)] = {0, 0, 0, CS(TERMINATED)},
        [CS(EXPIRED)] = {0, 0, 0, CS(TERMINATED)},
        [CS(TERMINATED)] = {0, 0, 0, 0},
    };
    for (int st = CS(DRAFT); st <= CS(TERMINATED); st++)
        for (int a = SALES_CONTRACT_EDIT; a <= SALES_CONTRACT_TERMINATE; a++) {
            const char *why = NULL;
            int to = sales_contract_next(st, (sales_contract_action_t)a, &why);
            CHECK(to == want[st][a]);
            CHECK(to ? why == NULL : why != NULL && *why);
        }
    const char *why;
    CHECK(sales_contract_next(CS(PENDING), SALES_CONTRACT_EDIT, &why) == 0 && strstr(why, "draft"));
    CHECK(sales_contract_next(CS(TERMINATED), SALES_CONTRACT_SIGN, &why) == 0 &&
          strstr(why, "terminated"));
    CHECK(sales_contract_next(CS(DRAFT), SALES_CONTRACT_TERMINATE, &why) == 0 &&
          strstr(why, "draft"));
    CHECK(sales_contract_next(0, SALES_CONTRACT_SIGN, &why) == 0); /* no state */
}

static void s_numbers(void)
{
    char out[64];
    CHECK(sales_number_format("HT-{yyyyMMdd}-{seq}", "20261201", 7, out, sizeof out) == 0 &&
          !strcmp(out, "HT-20261201-0007"));
    CHECK(sales_number_format("{yyyy}/{MM}/{dd}#{seq}", "20260309", 12345, out, sizeof out) == 0 &&
          !strcmp(out, "2026/03/09#12345"));
    CHECK(sales_number_format("DD{seq}", "20260309", 0, out, sizeof out) == 0 &&
          !strcmp(out, "DD0000"));
    CHECK(sales_number_format("HT-{yyyyMMdd}", "20261201", 1, out, sizeof out) == -1); /* no seq */
    CHECK(sales_number_format("HT-{day}-{seq}", "20261201", 1, out, sizeof out) == -1);
    CHECK(sales_number_format("HT-{seq", "20261201", 1, out, sizeof out) == -1);
    CHECK(sales_number_format("HT-{seq}", "2026121", 1, out, sizeof out) == -1); /* a bad day */
    CHECK(sales_number_format("HT-{seq}", "20261201", -1, out, sizeof out) == -1);
    char small[8];
    CHECK(sales_number_format("HT-{seq}", "20261201", 1, small, sizeof small) == 0 &&
          !strcmp(small, "HT-0001"));
    CHECK(sales_number_format("HT-{seq}", "20261201", 10000, small, sizeof small) == -1);
}

int main(void)
{
    s_contract_table();
    s_numbers();
    return unit_result("test_sales_docs");
}
