/* test_kill_sales_customers.c: the sales service's read model of customers
 * under kill -9. Two sales instances (one consuming, one standing by) and
 * the customers service are killed again and again while 1,200 customers
 * are made, renamed, transferred, given team members and contacts, and some
 * deleted; after restarts the model equals the customers service's records
 * (name, owner, department, pool, team; the contacts of the customers not
 * deleted) and the consumer's offset has reached the producer's last event:
 * every event applied once, none lost. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "jcall.h"
#include "sales_model.h"
#include "suite.h"

#define CUSTOMERS 1200
#define CHUNK 150

static h_t *h;

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Customer i and what happens to it (by the system, through RPC). */
static void s_customer(int i)
{
    int64_t id = t_json_id(h, "customers", "Customers.Create", t_system(),
                           "{\"name\":\"客户%04d\",\"owner_id\":%d,\"department_id\":%d,"
                           "\"allow_duplicate\":true,\"contact\":{\"name\":\"联系人%04d\"}}",
                           i, 1 + i % 9, 1 + i % 5, i);
    if (i % 3 == 0)
        json_decref(t_json_expect(h, CRM__STATUS__OK, "customers", "Customers.Transfer", t_system(),
                                  "{\"ids\":[%lld],\"to_owner_id\":%d}", (long long)id,
                                  10 + i % 4));
    if (i % 4 == 0)
        json_decref(t_json_expect(h, CRM__STATUS__OK, "customers", "Customers.Update", t_system(),
                                  "{\"id\":%lld,\"update_mask\":[\"name\"],\"name\":\"改%04d\","
                                  "\"allow_duplicate\":true}",
                                  (long long)id, i));
    if (i % 5 == 0)
        json_decref(t_json_expect(h, CRM__STATUS__OK, "customers", "Customers.AddTeamMembers",
                                  t_system(),
                                  "{\"ids\":[%lld],\"user_ids\":[%d],\"access\":"
                                  "\"TEAM_ACCESS_READ\"}",
                                  (long long)id, 20 + i % 3));
    if (i % 6 == 0)
        json_decref(t_json_expect(
            h, CRM__STATUS__OK, "customers", "Customers.CreateContact", t_system(),
            "{\"contact\":{\"customer_id\":%lld,\"name\":\"二%04d\"}}", (long long)id, i));
    if (i % 11 == 0)
        json_decref(t_json_expect(h, CRM__STATUS__OK, "customers", "Customers.Delete", t_system(),
                                  "{\"ids\":[%lld]}", (long long)id));
}

int main(void)
{
    h = h_new("kill_sales_customers");
    h_suite(h, 1, 1, 2, 1);
    h_start_all(h);

    /* Kills land wherever the consumer is: mid-batch, between commit and
     * offset, during a replay; the producer killed between two calls. */
    for (int i = 0; i < CUSTOMERS; i++) {
        s_customer(i);
        if (i % CHUNK != CHUNK - 1)
            continue;
        switch (i / CHUNK) {
        case 0:
            h_kill(h, "sales", 0);
            break;
        case 1:
            h_start(h, "sales", 0);
            h_kill(h, "sales", 1);
            break;
        case 2:
            h_start(h, "sales", 1);
            h_kill(h, "customers", 0);
            h_start(h, "customers", 0);
            break;
        case 3:
            h_kill(h, "sales", 0);
            h_kill(h, "sales", 1);
            break;
        case 4:
            h_start(h, "sales", 0);
            h_start(h, "sales", 1);
            break;
        case 5:
            h_kill(h, "sales", 0);
            s_sleep_ms(300);
            h_start(h, "sales", 0);
            h_kill(h, "customers", 0);
            h_start(h, "customers", 0);
            break;
        default:
            break;
        }
    }
    h_note("%d customers changed with sales killed 6 times and customers twice", CUSTOMERS);

    t_sales_model_converges(h, "after the kills", 120000);
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM sales_customers") == CUSTOMERS,
            "every customer once");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM sales_customers WHERE deleted") ==
                (CUSTOMERS + 10) / 11,
            "the deleted ones deleted");
    h_note("the read model equals the customers service's records, offset at its last event");
    h_stop(h, "sales", 0);
    h_stop(h, "sales", 1);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_sales_customers: ok\n");
    return 0;
}
