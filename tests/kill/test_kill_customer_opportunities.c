/* test_kill_customer_opportunities.c: the customers' opportunity totals and
 * deals, kept by the customers service from the sales service's events,
 * under kill -9. Two sales instances (the producer; one killed at a time so
 * calls go on) and the customers service (the consumer) are killed ten times during a burst of 720
 * opportunity changes over 40 customers (made, amounts edited, won, lost, reopened, deleted);
 * whatever a killed call did or did not do, afterwards every customer's totals (open count and
 * amount, won count and amount) equal what sales' own database says, every customer that ever had a
 * win is dealt with exactly one `dealt` history entry (none other is dealt), and the consumer's
 * offset is at the producer's last event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "jcall.h"
#include "kills.h"
#include "suite.h"

#define CUSTOMERS 40
#define CHANGES 720
#define CHUNK 90

static h_t *h;
static int64_t cust[CUSTOMERS];
static int64_t opps[CHANGES];
static size_t nopps;
static int failed;

/* After each chunk of changes: kills land wherever the relay and the
 * consumer are (sales between publishing and marking, customers mid-batch
 * or between its commit and the next replay); one sales instance at a time
 * so calls go on. */
static const char *const s_rounds[] = {
    "kill sales 0; start sales 0",
    "kill customers 0; start customers 0",
    "kill sales 1; kill customers 0; start sales 1; sleep 200; start customers 0",
    "kill customers 0; kill sales 0; start sales 0; start customers 0",
    "kill sales 0; start sales 0",
    "kill customers 0; start customers 0",
    "kill customers 0; kill sales 0; start sales 0; start customers 0",
};

/* A call to sales as the system with req (freed); a call a kill cut off
 * counts as failed (sales' own database is the truth the end compares
 * against). */
static json_t *s_sales(const char *method, char *req)
{
    json_t *reply = NULL;
    if (t_json(h, "sales", method, t_system(), &reply, NULL, "%s", req) != CRM__STATUS__OK)
        failed++;
    free(req);
    return reply;
}

/* Change i of the burst: every third a new opportunity, the others act on
 * an earlier one (an edit, a win, a loss, a reopen, a delete); a move its
 * state refuses is refused by sales and changes nothing. */
static void s_change(int i)
{
    if (i % 3 == 0 || nopps == 0) {
        json_t *o = s_sales("Sales.CreateOpportunity",
                            crm_sprintf("{\"name\":\"商机\",\"customer_id\":%lld,"
                                        "\"amount\":%lld,\"owner_id\":7}",
                                        (long long)cust[i % CUSTOMERS],
                                        1000 + (long long)i * 7919 % 100003));
        if (o)
            opps[nopps++] = t_int(o, "id");
        json_decref(o);
        return;
    }
    long long id = opps[(size_t)(i * 7) % nopps];
    json_t *r = NULL;
    switch (i % 6) {
    case 1:
        r = s_sales("Sales.UpdateOpportunity",
                    crm_sprintf("{\"id\":%lld,\"update_mask\":[\"amount\"],\"amount\":%lld}", id,
                                (long long)i * 31 + 1));
        break;
    case 2:
        r = s_sales("Sales.ChangeStage",
                    crm_sprintf("{\"id\":%lld,\"status\":\"OPPORTUNITY_STATUS_WON\"}", id));
        break;
    case 4:
        r = s_sales("Sales.ChangeStage",
                    crm_sprintf("{\"id\":%lld,\"status\":\"OPPORTUNITY_STATUS_LOST\","
                                "\"lost_reason\":\"价格因素\"}",
                                id));
        break;
    case 5:
        r = i % 4 == 1 ? s_sales("Sales.DeleteOpportunities", crm_sprintf("{\"ids\":[%lld]}", id))
                       : s_sales("Sales.Reopen", crm_sprintf("{\"id\":%lld}", id));
        break;
    default:
        break;
    }
    json_decref(r);
}

/* Each customer's totals as text, from sales' opportunities (truth) and
 * from the customers service. */
static char *s_truth(void)
{
    return h_sql_text(h, "sales",
                      "SELECT string_agg(format('%s:%s/%s/%s/%s', customer_id, open_n, open_amount,"
                      " won_n, won_amount), ' ' ORDER BY customer_id) FROM (SELECT customer_id,"
                      " count(*) FILTER (WHERE status = 1) AS open_n, COALESCE(sum(amount)"
                      " FILTER (WHERE status = 1), 0) AS open_amount, count(*) FILTER (WHERE"
                      " status = 2) AS won_n, COALESCE(sum(amount) FILTER (WHERE status = 2), 0)"
                      " AS won_amount FROM opportunities WHERE deleted_at IS NULL GROUP BY"
                      " customer_id) x");
}

static char *s_kept(void)
{
    return h_sql_text(h, "customers",
                      "SELECT string_agg(format('%s:%s/%s/%s/%s', id, open_opportunities,"
                      " open_opportunity_amount, won_opportunities, won_opportunity_amount), ' '"
                      " ORDER BY id) FROM customers WHERE open_opportunities > 0 OR"
                      " won_opportunities > 0 OR id IN (SELECT customer_id FROM"
                      " customer_opportunities WHERE NOT deleted)");
}

int main(void)
{
    h = h_new("kill_customer_opportunities");
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
    h_note("%d opportunity changes (%zu made, %d calls cut off or refused) with sales and"
           " customers killed 10 times",
           CHANGES, nopps, failed);

    h_wait_consumed(h, "customers", "sales");
    char *truth = s_truth(), *kept = s_kept();
    H_CHECK(truth && kept && !strcmp(truth, kept),
            "the totals equal sales' truth:\n sales %s\n kept %s", truth ? truth : "(none)",
            kept ? kept : "(none)");
    H_CHECK(strlen(truth) > 100, "the burst left totals to compare: %s", truth);
    free(truth);
    free(kept);
    /* A deal per customer that ever won, exactly once. */
    char *won = h_sql_text(h, "sales",
                           "SELECT string_agg(DISTINCT o.customer_id::text, ' ' ORDER BY"
                           " o.customer_id::text) FROM opportunity_stage_changes s JOIN"
                           " opportunities o ON o.id = s.opportunity_id WHERE s.to_status = 2");
    char *dealt = h_sql_text(h, "customers",
                             "SELECT string_agg(id::text, ' ' ORDER BY id::text) FROM customers"
                             " WHERE deal_status = 2");
    char *once = h_sql_text(h, "customers",
                            "SELECT string_agg(record_id::text, ' ' ORDER BY record_id::text) FROM"
                            " (SELECT record_id FROM customer_history WHERE action = 'dealt'"
                            " GROUP BY record_id HAVING count(*) = 1) x");
    H_CHECK(won && dealt && once && !strcmp(won, dealt) && !strcmp(won, once),
            "the customers that won are dealt, once each:\n won %s\n dealt %s\n once %s",
            won ? won : "", dealt ? dealt : "", once ? once : "");
    H_CHECK(
        h_sql_int(h, "customers", "SELECT count(*) FROM customer_history WHERE action = 'dealt'") ==
            h_sql_int(h, "customers", "SELECT count(*) FROM customers WHERE deal_status = 2"),
        "no second deal");
    h_note("totals equal sales' truth, %s dealt once each", won);
    free(won);
    free(dealt);
    free(once);
    h_stop(h, "sales", 0);
    h_stop(h, "sales", 1);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_customer_opportunities: ok\n");
    return 0;
}
