/* test_kill_contract_deals.c: a signed contract (contract.signed) deals its
 * customer (成交) exactly once, kept by the customers service from the
 * sales service's events, under kill -9. Two sales instances (the
 * producer; one killed at a time so calls go on) and the customers
 * service (the consumer) are killed during a burst of 400 contract
 * creations and signings over 40 customers (some signed twice, some
 * customers with several signed contracts); whatever a killed call did or
 * did not do, afterwards the customers dealt are exactly those with a
 * signed contract in sales' own database, each with exactly one `dealt`
 * history entry and one customer.dealt, and the consumer's offset is at the
 * producer's last event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "jcall.h"
#include "kills.h"
#include "suite.h"

#define CUSTOMERS 40
#define CHANGES 400
#define CHUNK 50

static h_t *h;
static int64_t cust[CUSTOMERS];
static int64_t contracts[CHANGES];
static size_t ncontracts;
static int failed;

static const char *const s_rounds[] = {
    "kill sales 0; start sales 0",
    "kill customers 0; start customers 0",
    "kill sales 1; kill customers 0; start sales 1; sleep 200; start customers 0",
    "kill customers 0; kill sales 0; start sales 0; start customers 0",
    "kill sales 0; start sales 0",
    "kill customers 0; sleep 100; start customers 0",
    "kill customers 0; kill sales 1; start sales 1; start customers 0",
};

static json_t *s_sales(const char *method, char *req)
{
    json_t *reply = NULL;
    if (t_json(h, "sales", method, t_system(), &reply, NULL, "%s", req) != CRM__STATUS__OK)
        failed++;
    free(req);
    return reply;
}

/* Change i: every other one a new contract (the first 20 customers only,
 * so the others are never dealt), the others sign an earlier one (signed
 * already: refused, nothing changes). */
static void s_change(int i)
{
    if (i % 2 == 0 || ncontracts == 0) {
        json_t *k = s_sales("Sales.CreateContract",
                            crm_sprintf("{\"name\":\"合同\",\"customer_id\":%lld,\"amount\":%d,"
                                        "\"owner_id\":7}",
                                        (long long)cust[(i * 7) % (CUSTOMERS / 2)], 1000 + i));
        if (k)
            contracts[ncontracts++] = t_int(k, "id");
        json_decref(k);
        return;
    }
    json_decref(
        s_sales("Sales.SignContract",
                crm_sprintf("{\"id\":%lld}", (long long)contracts[(size_t)(i * 5) % ncontracts])));
}

int main(void)
{
    h = h_new("kill_contract_deals");
    h_suite(h, 1, 1, 2, 1);
    h_start_all(h);
    for (int i = 0; i < CUSTOMERS; i++)
        cust[i] = t_json_id(h, "customers", "Customers.Create", t_system(),
                            "{\"name\":\"客户%02d\",\"owner_id\":7,\"allow_duplicate\":true}", i);
    H_CHECK(h_wait_sql(h, "sales", "SELECT count(*) FROM sales_customers", CUSTOMERS, 20000) ==
                CUSTOMERS,
            "sales knows the customers");

    for (int i = 0; i < CHANGES; i++) {
        s_change(i);
        t_kills_after(h, i, CHUNK, s_rounds, sizeof s_rounds / sizeof s_rounds[0]);
    }
    h_note("%d contract changes (%zu made, %d calls cut off or refused) with sales and customers"
           " killed %d times",
           CHANGES, ncontracts, failed, CHANGES / CHUNK);

    h_wait_consumed(h, "customers", "sales");
    char *signed_ = h_sql_text(h, "sales",
                               "SELECT string_agg(DISTINCT customer_id::text, ' ' ORDER BY"
                               " customer_id::text) FROM contracts WHERE status = 3");
    char *dealt = h_sql_text(h, "customers",
                             "SELECT string_agg(id::text, ' ' ORDER BY id::text) FROM customers"
                             " WHERE deal_status = 2");
    char *once = h_sql_text(h, "customers",
                            "SELECT string_agg(record_id::text, ' ' ORDER BY record_id::text) FROM"
                            " (SELECT record_id FROM customer_history WHERE action = 'dealt'"
                            " GROUP BY record_id HAVING count(*) = 1) x");
    H_CHECK(signed_ && dealt && once && !strcmp(signed_, dealt) && !strcmp(signed_, once),
            "the customers with a signed contract are dealt, once each:\n signed %s\n dealt %s\n"
            " once %s",
            signed_ ? signed_ : "", dealt ? dealt : "", once ? once : "");
    H_CHECK(strchr(signed_, ' '), "the burst signed contracts of several customers: %s", signed_);
    H_CHECK(
        h_sql_int(h, "customers", "SELECT count(*) FROM customer_history WHERE action = 'dealt'") ==
            h_sql_int(h, "customers", "SELECT count(*) FROM customers WHERE deal_status = 2"),
        "no second deal");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'customer.dealt'") ==
                h_sql_int(h, "customers", "SELECT count(*) FROM customers WHERE deal_status = 2"),
            "one customer.dealt each");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM contracts WHERE status = 3") >
                h_sql_int(h, "customers", "SELECT count(*) FROM customers WHERE deal_status = 2"),
            "some customers have several signed contracts");
    h_note("dealt once each: %s", signed_);
    free(signed_);
    free(dealt);
    free(once);
    h_stop(h, "sales", 0);
    h_stop(h, "sales", 1);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_contract_deals: ok\n");
    return 0;
}
