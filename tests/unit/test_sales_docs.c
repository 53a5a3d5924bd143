/* test_sales_docs.c: the pure rules of contracts and orders
 * (services/sales/sales_docs.c, crm_sales_rules): a contract's status
 * table (every move of every status, legal or refused, with its reason);
 * numbers from a pattern (each token, the sequence's width, bad patterns
 * and a buffer too small refused); an order's status table (every move of
 * every status); an order's amount after its discount, exact and rounded
 * half up, against figures worked by hand and, for 200,000 random inputs,
 * a reference computed another way (quotient and remainder in 64 bits);
 * a payment's status table (every move of every status) and the room an
 * order leaves for payments. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sales_rules.h"
#include "unit.h"

#define CS(x) CRM__SALES__CONTRACT_STATUS__CONTRACT_STATUS_##x

static void s_contract_table(void)
{
    /* want[status][action]: the status it moves to, 0 refused. */
    /* edit, submit, sign, terminate, approve, reject, withdraw */
    static const int want[6][7] = {
        [CS(DRAFT)] = {CS(DRAFT), CS(PENDING), CS(SIGNED), 0, 0, 0, 0},
        [CS(PENDING)] = {0, 0, CS(SIGNED), 0, CS(PENDING), CS(DRAFT), CS(DRAFT)},
        [CS(SIGNED)] = {0, 0, 0, CS(TERMINATED), 0, 0, 0},
        [CS(EXPIRED)] = {0, 0, 0, CS(TERMINATED), 0, 0, 0},
        [CS(TERMINATED)] = {0, 0, 0, 0, 0, 0, 0},
    };
    for (int st = CS(DRAFT); st <= CS(TERMINATED); st++)
        for (int a = SALES_CONTRACT_EDIT; a <= SALES_CONTRACT_WITHDRAW; a++) {
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
    CHECK(sales_contract_next(CS(SIGNED), SALES_CONTRACT_APPROVE, &why) == 0 &&
          strstr(why, "signed"));
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

#define OS(x) CRM__SALES__ORDER_STATUS__ORDER_STATUS_##x

static void s_order_table(void)
{
    /* want[status][action], actions in sales_order_action_t order: edit,
     * submit, approve, reject, withdraw, void, ship, transfer; -1 the same
     * status, 0 refused. */
    static const int want[6][8] = {
        [OS(DRAFT)] = {-1, OS(PENDING), 0, 0, 0, 0, 0, -1},
        [OS(PENDING)] = {0, 0, OS(APPROVED), OS(REJECTED), OS(DRAFT), 0, 0, 0},
        [OS(APPROVED)] = {0, 0, 0, 0, 0, OS(VOIDED), -1, -1},
        [OS(REJECTED)] = {-1, OS(PENDING), 0, 0, 0, 0, 0, -1},
        [OS(VOIDED)] = {-1, OS(PENDING), 0, 0, 0, 0, 0, -1},
    };
    for (int st = OS(DRAFT); st <= OS(VOIDED); st++)
        for (int a = SALES_ORDER_EDIT; a <= SALES_ORDER_TRANSFER; a++) {
            const char *why = NULL;
            int to = sales_order_next(st, (sales_order_action_t)a, &why);
            int expect = want[st][a] == -1 ? st : want[st][a];
            CHECK(to == expect);
            CHECK(to ? why == NULL : why != NULL && *why);
        }
    const char *why;
    CHECK(sales_order_next(OS(PENDING), SALES_ORDER_EDIT, &why) == 0 && strstr(why, "withdraw"));
    CHECK(sales_order_next(OS(APPROVED), SALES_ORDER_EDIT, &why) == 0 && strstr(why, "void"));
    CHECK(sales_order_next(0, SALES_ORDER_SUBMIT, &why) == 0);
}

/* The reference: subtotal = q x 10000 + r, so the product splits into
 * q x (10000 - d) exactly and r x (10000 - d) < 10^8, rounded half up. */
static int64_t s_reference(int64_t subtotal, int32_t d)
{
    int64_t q = subtotal / 10000, r = subtotal % 10000;
    return q * (10000 - d) + (r * (10000 - d) + 5000) / 10000;
}

static void s_order_amount(void)
{
    CHECK(sales_order_amount(38735, 333) == 37445); /* 37445.1245 */
    CHECK(sales_order_amount(1, 5000) == 1);        /* 0.5 up */
    CHECK(sales_order_amount(1, 5001) == 0);        /* 0.4999 down */
    CHECK(sales_order_amount(3, 5000) == 2);        /* 1.5 up */
    CHECK(sales_order_amount(12345, 0) == 12345);
    CHECK(sales_order_amount(12345, 10000) == 0); /* free */
    CHECK(sales_order_amount(SALES_AMOUNT_MAX, 0) == SALES_AMOUNT_MAX);
    CHECK(sales_order_amount(SALES_AMOUNT_MAX, 1) == SALES_AMOUNT_MAX - SALES_AMOUNT_MAX / 10000);
    CHECK(sales_order_amount(SALES_AMOUNT_MAX + 1, 0) == -1);
    CHECK(sales_order_amount(-1, 0) == -1 && sales_order_amount(1, -1) == -1 &&
          sales_order_amount(1, 10001) == -1);
    uint64_t x = 88172645463325252u; /* xorshift64 */
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t subtotal = (int64_t)(x % (uint64_t)(SALES_AMOUNT_MAX + 1));
        if (i % 4 == 0)
            subtotal %= 100000; /* small ones too */
        int32_t d = (int32_t)((x >> 40) % 10001);
        int64_t got = sales_order_amount(subtotal, d);
        bad += got != s_reference(subtotal, d) || got < 0 || got > subtotal;
    }
    CHECK(bad == 0);
}

#define PS(x) CRM__SALES__PAYMENT_STATUS__PAYMENT_STATUS_##x

static void s_payment_table(void)
{
    /* want[status][action], actions: confirm, reject, refund; -1 the
     * same status, 0 refused. */
    static const int want[5][3] = {
        [PS(PENDING)] = {PS(CONFIRMED), PS(REJECTED), 0},
        [PS(CONFIRMED)] = {0, 0, -1},
        [PS(REJECTED)] = {0, 0, 0},
        [PS(REFUNDED)] = {0, 0, 0},
    };
    for (int st = PS(PENDING); st <= PS(REFUNDED); st++)
        for (int a = SALES_PAYMENT_CONFIRM; a <= SALES_PAYMENT_REFUND; a++) {
            const char *why = NULL;
            int to = sales_payment_next(st, (sales_payment_action_t)a, &why);
            int expect = want[st][a] == -1 ? st : want[st][a];
            CHECK(to == expect);
            CHECK(to ? why == NULL : why != NULL && *why);
        }
    const char *why;
    CHECK(sales_payment_next(PS(PENDING), SALES_PAYMENT_REFUND, &why) == 0 &&
          strstr(why, "confirmed"));
    CHECK(sales_payment_next(PS(CONFIRMED), SALES_PAYMENT_CONFIRM, &why) == 0 &&
          strstr(why, "refund"));
    CHECK(sales_payment_room(35183, 20000, 15183) == 0);
    CHECK(sales_payment_room(35183, 20000, 0) == 15183);
    CHECK(sales_payment_room(35183, 0, 0) == 35183);
    CHECK(sales_payment_room(100, 80, 30) == 0); /* never below 0 */
    CHECK(sales_payment_room(-1, 0, 0) == -1 && sales_payment_room(1, -1, 0) == -1 &&
          sales_payment_room(1, 0, -1) == -1);
}

int main(void)
{
    s_contract_table();
    s_numbers();
    s_order_table();
    s_order_amount();
    s_payment_table();
    return unit_result("test_sales_docs");
}
