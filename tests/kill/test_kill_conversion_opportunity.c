/* test_kill_conversion_opportunity.c: leads converted into a customer and
 * an opportunity (转为客户和商机) under kill -9. 240 conversions, each asking
 * for an opportunity, while the customers service (which makes the
 * customers from lead.converted and passes the request on) and both sales
 * instances (which make the opportunities from customer.created) are killed
 * again and again; afterwards every lead has exactly one customer and
 * exactly one opportunity, that opportunity belongs to the lead's customer
 * with the amount asked for, and every such customer counts it (the
 * opportunity's own event back in the customers service). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "jcall.h"
#include "kills.h"
#include "suite.h"

#define LEADS 240
#define CHUNK 30

static h_t *h;
static int64_t leads[LEADS];

/* After each chunk of conversions: the customers service mid-batch or
 * between its commit and the next replay, sales likewise, and both. */
static const char *const s_rounds[] = {
    "kill customers 0; start customers 0",
    "kill sales 0; start sales 0",
    "kill sales 0; kill sales 1; kill customers 0; sleep 200; start customers 0; start sales 1;"
    " start sales 0",
    "kill sales 1; kill customers 0; start sales 1; start customers 0",
    "kill customers 0; start customers 0",
    "kill sales 1; kill customers 0; start sales 1; start customers 0",
    "kill sales 0; kill sales 1; kill customers 0; sleep 200; start customers 0; start sales 1;"
    " start sales 0",
};

int main(void)
{
    h = h_new("kill_conversion_opportunity");
    h_suite(h, 1, 1, 2, 1);
    h_start_all(h);
    for (int i = 0; i < LEADS; i++)
        leads[i] = t_json_id(h, "leads", "Leads.Create", t_system(),
                             "{\"name\":\"线索%03d\",\"owner_id\":%d,\"department_id\":%d}", i,
                             1 + i % 7, 1 + i % 3);

    for (int i = 0; i < LEADS; i++) {
        json_decref(t_json_expect(h, CRM__STATUS__OK, "leads", "Leads.Convert", t_system(),
                                  "{\"id\":%lld,\"opportunity\":{\"name\":\"商机%03d\","
                                  "\"amount\":%d,\"expected_close_date\":\"2026-10-%02d\"}}",
                                  (long long)leads[i], i, 1000 + i, 1 + i % 28));
        t_kills_after(h, i, CHUNK, s_rounds, sizeof s_rounds / sizeof s_rounds[0]);
    }
    h_note("%d conversions with an opportunity, customers killed 6 times, sales 7", LEADS);

    /* The chain: leads → customers → sales → customers. */
    h_wait_consumed(h, "customers", "leads");
    h_wait_consumed(h, "sales", "customers");
    h_wait_consumed(h, "customers", "sales");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(DISTINCT lead_id) FROM customers WHERE lead_id"
                      " IS NOT NULL") == LEADS &&
                h_sql_int(h, "customers", "SELECT count(*) FROM customers") == LEADS,
            "one customer per lead");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM opportunities") == LEADS &&
                h_sql_int(h, "sales", "SELECT count(DISTINCT lead_id) FROM opportunities") == LEADS,
            "one opportunity per lead: %lld",
            (long long)h_sql_int(h, "sales", "SELECT count(*) FROM opportunities"));
    char *made = h_sql_text(h, "sales",
                            "SELECT string_agg(format('%s:%s:%s:%s', lead_id, customer_id, amount,"
                            " owner_id), ' ' ORDER BY lead_id) FROM opportunities");
    char *asked = h_sql_text(h, "customers",
                             "SELECT string_agg(format('%s:%s:%s:%s', lead_id, id, 1000 +"
                             " substr(name, 3)::int, owner_id), ' ' ORDER BY lead_id) FROM"
                             " customers");
    H_CHECK(made && asked && !strcmp(made, asked),
            "each opportunity its lead's customer's, as asked:\n sales %.300s\n customers %.300s",
            made ? made : "", asked ? asked : "");
    free(made);
    free(asked);
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM customers WHERE open_opportunities = 1 AND"
                      " open_opportunity_amount = 1000 + substr(name, 3)::int") == LEADS,
            "each customer counts its opportunity");
    h_note("every lead: one customer, one opportunity, counted on the customer");
    h_stop(h, "sales", 0);
    h_stop(h, "sales", 1);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_conversion_opportunity: ok\n");
    return 0;
}
