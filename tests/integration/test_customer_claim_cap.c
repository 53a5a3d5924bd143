/* test_customer_claim_cap.c: the holding cap of a customer pool (公海), by
 * RPC: a member's claims stop at the cap of the customers they hold from
 * that pool; dealt customers count only when the pool says so
 * (cap_counts_dealt); customers of other pools do not count, and a pool
 * without a cap lets its member claim whatever they hold elsewhere. */
#include <stdio.h>
#include <stdlib.h>

#include "jcall.h"

#define OK CRM__STATUS__OK
#define PRECONDITION CRM__STATUS__FAILED_PRECONDITION

static h_t *h;

/* Users: 11 the member who claims, 12 who gives customers up. */
static int64_t s_pool(const char *name, const char *rules)
{
    return t_json_id(h, "customers", "Customers.CreatePool", t_admin(0, 1),
                     "{\"name\": \"%s\", \"member_user_ids\": [11], \"allow_claim\": true%s}", name,
                     rules);
}

/* A customer of owner, given up into pool unless pool is 0. */
static int64_t s_customer(int64_t owner, int64_t pool, int n)
{
    int64_t id = t_json_id(h, "customers", "Customers.Create", t_user(0, owner, 5),
                           "{\"name\": \"上限客户%d\", \"mobile\": \"1370000%04d\"}", n, n);
    if (pool)
        json_decref(t_json_expect(h, OK, "customers", "Customers.PutInPool", t_user(0, owner, 5),
                                  "{\"ids\": [%lld], \"pool_id\": %lld, \"reason\": \"暂无需求\"}",
                                  (long long)id, (long long)pool));
    return id;
}

static void s_claim(Crm__Status want, int64_t id)
{
    json_decref(t_json_expect(h, want, "customers", "Customers.Claim", t_user(1, 11, 5),
                              "{\"ids\": [%lld]}", (long long)id));
    if (want != OK)
        t_json_says("Customers.Claim", NULL, "its cap");
}

int main(void)
{
    h = h_new("customer_claim_cap");
    h_suite(h, 1, 1, 0, 0);
    h_start_all(h);
    int64_t capped = s_pool("上限池", ", \"holding_cap\": 2, \"cap_counts_dealt\": false");
    int64_t open = s_pool("不限池", "");
    int64_t c[6];
    for (int i = 0; i < 4; i++)
        c[i] = s_customer(12, capped, i);
    for (int i = 4; i < 6; i++)
        c[i] = s_customer(12, open, i);
    s_customer(11, 0, 9); /* held by the member in the default pool: not counted */

    s_claim(OK, c[0]);
    s_claim(OK, c[1]);
    s_claim(PRECONDITION, c[2]);
    /* A dealt customer does not count toward this pool's cap... */
    json_decref(t_json_expect(h, OK, "customers", "Customers.SetDeal", t_user(1, 11, 5),
                              "{\"ids\": [%lld], \"deal_status\": \"DEAL_STATUS_DEALT\"}",
                              (long long)c[0]));
    s_claim(OK, c[2]);
    /* ... until the pool counts dealt customers too. */
    json_decref(t_json_expect(h, OK, "customers", "Customers.UpdatePool", t_admin(0, 1),
                              "{\"id\": %lld, \"cap_counts_dealt\": true, \"update_mask\":"
                              " [\"cap_counts_dealt\"]}",
                              (long long)capped));
    s_claim(PRECONDITION, c[3]);
    h_note("the cap: held customers of the pool counted, dealt ones as the pool says: ok");

    /* A pool without a cap: what the member holds elsewhere does not count. */
    s_claim(OK, c[4]);
    s_claim(OK, c[5]);
    H_CHECK(h_sql_int(h, "customers", "SELECT count(*) FROM customers WHERE owner_id = 11") == 6,
            "the member holds their own customer and five claimed");
    h_note("no cap: claims past the other pool's cap: ok");

    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("customer_claim_cap: ok\n");
    return 0;
}
