/* bench_customers.c: lists at 1,000,000 customers, each kind's p50/p99
 * beside the raw limit in the same run: the same page read straight from
 * PostgreSQL by its index (one SELECT of 21 ids, no service, no RPC).
 *
 * 200 owners in 10 departments of 20; 5 levels, 6 sources, 7 industries
 * and the names' parts spread over every owner alike (1% of each owner's
 * names contain 恒通科技); 10% tagged; a year of creation times; a third
 * with a next contact time in the month around today. Typical Customers.List calls, one in flight,
 * 20 a page, callers rotating over the owners and the 10 managers.
 *
 *     bench_customers [list-calls-per-kind] [recycle | recompute]
 *
 * With "recycle": also recycling 100,000 overdue customers of the million
 * (Customers.Recycle, the scheduler job's work, in pages inside one
 * transaction with history and events) beside the bare set-based UPDATE of
 * the same rows in the same run (rolled back), the raw limit. With
 * "recompute": a pool's rule change recomputing the deadlines of the
 * 100,000 customers it holds, beside the bare UPDATE of those deadlines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "calls.h"
#include "crm/rpc.h"
#include "customers.pb-c.h"
#include "harness.h"
#include "pgbench.h"
#include "seed.h"
#include "stats.h"

#define SEEDED 1000000
/* The last activity a recycle rule by follow-ups counts from (the
 * customer_deadline function of the customers' sql/008). */
#define CUSTOMERS_BENCH_LAST_ACT                                                                   \
    "GREATEST(COALESCE(last_followup_at, '-infinity'), COALESCE(owner_since, created_at))"
#define OWNERS SEED_OWNERS
#define TEAM SEED_TEAM

static int s_calls = 500;

/* One kind of list call: who asks (by call number) and what. */
typedef struct {
    const char *label;
    Crm__Customers__ListCustomersRequest req;
    int role; /* 0: employee (one of the 200), 1: manager of 20, 2: admin */
    int64_t team[TEAM];
    const char *raw; /* the same page straight from PostgreSQL ($1: the owner) */
} kind_t;

static const ProtobufCMessage *s_make(void *arg, int i, const Crm__Caller **caller)
{
    kind_t *k = arg;
    int64_t user = 1 + (i * 37) % OWNERS, dept = 1 + (user - 1) / TEAM;
    for (int t = 0; t < TEAM; t++)
        k->team[t] = (dept - 1) * TEAM + 1 + t;
    *caller = k->role == 0 ? calls_caller(CRM__ROLE__ROLE_EMPLOYEE, user, dept, 0, &user, 1)
              : k->role == 1
                  ? calls_caller(CRM__ROLE__ROLE_MANAGER, 1000 + dept, dept, 0, k->team, TEAM)
                  : calls_caller(CRM__ROLE__ROLE_ADMIN, 1, 1, 1, NULL, 0);
    return &k->req.base;
}

/* ---- recycling --------------------------------------------------------------- */

#define OVERDUE 100000
/* The overdue customers: every tenth, held 40 days without a follow-up. */
#define OVERDUE_SQL                                                                                \
    "UPDATE customers SET owner_since = now() - interval '40 days', created_at = now() -"          \
    " interval '40 days', last_followup_at = NULL, locked = false WHERE id %% 10 = 0 AND id <= %d"

static double s_seconds_since(uint64_t t0)
{
    return (double)(stats_now_ns() - t0) / 1e9;
}

/* The raw limit: sql run straight in PostgreSQL, rolled back; its seconds,
 * the rows it changed in *rows. */
static double s_bare(h_t *h, const char *sql, long *rows)
{
    PGconn *c = PQconnectdb(h_pg(h, "customers"));
    PQclear(PQexec(c, "BEGIN"));
    uint64_t t0 = stats_now_ns();
    PGresult *r = PQexec(c, sql);
    double took = s_seconds_since(t0);
    *rows = atol(PQcmdTuples(r));
    PQclear(r);
    PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    return took;
}

/* One call of method as an admin, timed: its seconds, the reply in *out
 * (the caller frees it); exits if it fails. */
static double s_admin_call(h_t *h, void *zctx, const char *method, const ProtobufCMessage *req,
                           const ProtobufCMessageDescriptor *reply, ProtobufCMessage **out)
{
    char *err = NULL;
    uint64_t t0 = stats_now_ns();
    Crm__Status st =
        crm_rpc_call_sync(zctx, h_rpc(h, "customers"), 600000, method, req, reply,
                          calls_caller(CRM__ROLE__ROLE_ADMIN, 1, 1, 1, NULL, 0), out, &err);
    double took = s_seconds_since(t0);
    if (st != CRM__STATUS__OK) {
        fprintf(stderr, "%s: %s\n", method, err);
        exit(1);
    }
    return took;
}

static void s_bench_recycle(h_t *h, void *zctx)
{
    char sql[512];
    /* Every customer followed up today, then every tenth neglected. */
    PQclear(h_sql(h, "customers",
                  "UPDATE customer_pools SET recycle_rules = '[{\"kind\":\"followup\","
                  "\"days\":30}]'"));
    /* (the deadlines follow by the trigger of the customers' sql/008) */
    PQclear(h_sql(h, "customers", "UPDATE customers SET last_followup_at = now(), locked = false"));
    snprintf(sql, sizeof sql, OVERDUE_SQL, OVERDUE * 10);
    PQclear(h_sql(h, "customers", sql));
    PQclear(h_sql(h, "customers", "VACUUM ANALYZE customers"));
    /* The raw limit: the same rows taken back in one UPDATE, rolled back. */
    long n_raw;
    double raw = s_bare(h,
                        "UPDATE customers c SET owner_id = 0, previous_owner_id = c.owner_id,"
                        " owner_since = NULL, pooled_at = now(), updated_at = now()"
                        " WHERE c.recycle_at <= now()",
                        &n_raw);
    /* Ours: Customers.Recycle as an admin (the automatic pools). */
    Crm__Customers__RecycleRequest req = CRM__CUSTOMERS__RECYCLE_REQUEST__INIT;
    ProtobufCMessage *out = NULL;
    double ours = s_admin_call(h, zctx, "Customers.Recycle", &req.base,
                               &crm__customers__recycle_reply__descriptor, &out);
    long n = (long)((Crm__Customers__RecycleReply *)out)->recycled;
    protobuf_c_message_free_unpacked(out, NULL);
    printf("recycle: %ld of %d customers (raw UPDATE took %ld) in %.2f s, the bare UPDATE %.2f s:"
           " %.2fx (target 2x)\n",
           n, SEEDED, n_raw, ours, raw, ours / raw);
}

/* ---- a rule change ------------------------------------------------------------ */

#define TOUCHED 100000

/* A second pool holding every tenth customer (100,000 of the million);
 * its rule changed by Customers.UpdatePool (the pool's row, then the
 * deadlines of its held customers recomputed from the new rules, in one
 * transaction), beside the bare UPDATE setting the same rows' deadline by
 * a plain expression (rolled back), the raw limit. */
static void s_bench_recompute(h_t *h, void *zctx)
{
    char sql[256];
    PQclear(
        h_sql(h, "customers", "INSERT INTO customer_pools (id, name) VALUES (900, '规则变更池')"));
    snprintf(sql, sizeof sql,
             "UPDATE customers SET pool_id = 900, locked = false WHERE id %% 10 = 5 AND id <= %d",
             TOUCHED * 10);
    PQclear(h_sql(h, "customers", sql));
    PQclear(h_sql(h, "customers", "VACUUM ANALYZE customers"));
    long n_raw;
    double raw = s_bare(h,
                        "UPDATE customers SET recycle_at = " CUSTOMERS_BENCH_LAST_ACT
                        " + interval '45 days' WHERE pool_id = 900 AND owner_id <> 0 AND"
                        " deleted_at IS NULL AND NOT locked",
                        &n_raw);
    /* Ours: no follow-up for 45 days, 60 for level A. */
    Crm__Customers__CustomerLevelDays a = CRM__CUSTOMERS__CUSTOMER_LEVEL_DAYS__INIT;
    a.level = "A";
    a.days = 60;
    Crm__Customers__CustomerLevelDays *levels[] = {&a};
    Crm__Customers__CustomerRecycleRule rule = CRM__CUSTOMERS__CUSTOMER_RECYCLE_RULE__INIT;
    rule.kind = CRM__CUSTOMERS__RECYCLE_RULE_KIND__RECYCLE_RULE_KIND_FOLLOWUP;
    rule.days = 45;
    Crm__Customers__CustomerRecycleRule by_level = rule;
    by_level.kind = CRM__CUSTOMERS__RECYCLE_RULE_KIND__RECYCLE_RULE_KIND_DEAL;
    by_level.days = 0;
    by_level.level_days = levels;
    by_level.n_level_days = 1;
    Crm__Customers__CustomerRecycleRule *rules[] = {&rule, &by_level};
    char *mask[] = {"recycle_rules"};
    Crm__Customers__UpdateCustomerPoolRequest req =
        CRM__CUSTOMERS__UPDATE_CUSTOMER_POOL_REQUEST__INIT;
    req.id = 900;
    req.update_mask = mask;
    req.n_update_mask = 1;
    req.recycle_rules = rules;
    req.n_recycle_rules = 2;
    ProtobufCMessage *out = NULL;
    double ours = s_admin_call(h, zctx, "Customers.UpdatePool", &req.base,
                               &crm__customers__customer_pool__descriptor, &out);
    protobuf_c_message_free_unpacked(out, NULL);
    long n = h_sql_int(h, "customers",
                       "SELECT count(*) FROM customers WHERE pool_id = 900 AND recycle_rule_days"
                       " IN (45, 60)");
    printf("rule change: %ld customers' deadlines recomputed (bare UPDATE: %ld) in %.2f s, the"
           " bare UPDATE %.2f s: %.2fx\n",
           n, n_raw, ours, raw, ours / raw);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_calls = atoi(argv[1]);
    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as it comes */
    h_t *h = h_new("bench_customers");
    h_suite(h, 1, 1, 0, 0);
    pgbench_pass_pool(h);
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    seed_customers(h, SEEDED, 0, 0);
    kind_t kinds[6];
    memset(kinds, 0, sizeof kinds);
    for (size_t k = 0; k < 6; k++)
        crm__customers__list_customers_request__init(&kinds[k].req);
    kinds[0].label = "my customers (employee)";
    kinds[0].req.view = CRM__CUSTOMERS__CUSTOMER_VIEW__CUSTOMER_VIEW_MINE;
    kinds[0].raw = "SELECT id FROM customers WHERE owner_id = $1::bigint AND deleted_at IS NULL"
                   " ORDER BY created_at DESC, id DESC LIMIT 21";
    kinds[1].label = "today's contacts (employee)";
    kinds[1].req.view = CRM__CUSTOMERS__CUSTOMER_VIEW__CUSTOMER_VIEW_TODAY;
    kinds[1].raw = "SELECT id FROM customers WHERE owner_id = $1::bigint AND deleted_at IS NULL"
                   " AND COALESCE(next_contact_at, 'infinity') >= date_trunc('day', now()) AND"
                   " COALESCE(next_contact_at, 'infinity') < date_trunc('day', now()) +"
                   " interval '1 day' ORDER BY created_at DESC, id DESC LIMIT 21";
    kinds[2].label = "all, manager of 20";
    kinds[2].role = 1;
    kinds[2].raw = "SELECT id FROM customers WHERE owner_id = $1::bigint AND deleted_at IS NULL"
                   " ORDER BY created_at DESC, id DESC LIMIT 21";
    kinds[3].label = "keyword 恒通科技, manager";
    kinds[3].role = 1;
    kinds[3].req.keyword = "恒通科技";
    kinds[3].raw = "SELECT id FROM customers WHERE owner_id = $1::bigint AND deleted_at IS NULL"
                   " AND name ILIKE '%恒通科技%' ORDER BY created_at DESC, id DESC LIMIT 21";
    kinds[4].label = "level B + sort by next contact, manager";
    kinds[4].role = 1;
    kinds[4].req.level = "B";
    kinds[4].req.sort = CRM__CUSTOMERS__CUSTOMER_SORT__CUSTOMER_SORT_NEXT_CONTACT_AT;
    kinds[4].raw = "SELECT id FROM customers WHERE owner_id = $1::bigint AND deleted_at IS NULL"
                   " AND level = 'B' ORDER BY COALESCE(next_contact_at, 'infinity') DESC, id DESC"
                   " LIMIT 21";
    kinds[5].label = "all + source 广告, admin";
    kinds[5].role = 2;
    kinds[5].req.source = "广告";
    kinds[5].raw = "SELECT id FROM customers WHERE deleted_at IS NULL AND source = '广告'"
                   " AND owner_id <> $1::bigint ORDER BY created_at DESC, id DESC LIMIT 21";
    printf("lists: %d calls per kind, 1 in flight, 20 per page; raw: the page's ids read by"
           " the one owner's index (libpq, no service)\n",
           s_calls);
    for (size_t k = 0; s_calls > 0 && k < 6; k++) {
        calls_run(zctx, h_rpc(h, "customers"), "Customers.List",
                  &crm__customers__customer_list__descriptor, s_make, &kinds[k], s_calls, 1,
                  kinds[k].label);
        seed_raw(h, "customers", kinds[k].raw, s_calls, kinds[k].label);
    }
    if (argc > 2 && !strcmp(argv[2], "recycle"))
        s_bench_recycle(h, zctx);
    if (argc > 2 && !strcmp(argv[2], "recompute"))
        s_bench_recompute(h, zctx);
    zmq_ctx_term(zctx);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    return 0;
}
