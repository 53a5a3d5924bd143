/* bench_claims.c: claims per second at 16 concurrent callers on one pool
 * (customer pools, issue #10), beside the raw limit in the same run.
 *
 * 1,000,000 customers seeded by SQL (seed.h), every fifth of them (200,000)
 * pooled in one pool made by Customers.CreatePool with 16 members (users
 * 1-16, who hold about 4,000 customers each already) and no limits (no
 * daily limit, holding cap, cool-off or batch maximum), so no claim is
 * refused by a rule.
 *
 *   claims: 16 callers, each its own RPC client over ZeroMQ with one call
 *     in flight, each call Customers.Claim of one pooled customer, every
 *     call a different customer;
 *   raw limit: the same row change straight in PostgreSQL by 16 pgbench
 *     connections, one transaction per claim, pipelined (one round trip):
 *     the customer's UPDATE (owner, department, owner_since, claim_count),
 *     its history row and an outbox row (the detail and the payload of a
 *     customer.claimed the service wrote in this run);
 *   claims again, after the raw (A B A: a machine getting busier or quieter
 *     weighs on both sides);
 *   race: the 16 callers claim the same customers, each of them once, so
 *     one call in 16 wins and the others are refused; wins and refusals are
 *     counted, and exactly one winner per customer is checked against the
 *     replies and the database (its owner, one claim, one history entry).
 *
 *     bench_claims [claims-per-run (2000)] [raced-customers (200)]
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
#define POOLED_EVERY 5 /* 200,000 pooled: customer 5 (k + 1) is the k-th */
#define POOLED (SEEDED / POOLED_EVERY)
#define CALLERS 16

static int64_t s_members[CALLERS]; /* users 1..16 */

/* The k-th pooled customer (0-based). */
static int64_t s_pooled(int64_t k)
{
    return POOLED_EVERY * (k + 1);
}

/* ---- the pool ----------------------------------------------------------------- */

/* Makes the pool (no limits; the 16 members) and returns its id. */
static int64_t s_make_pool(h_t *h, void *zctx)
{
    Crm__Customers__CustomerPool req = CRM__CUSTOMERS__CUSTOMER_POOL__INIT;
    req.name = "压测公海";
    req.allow_claim = 1;
    req.member_user_ids = s_members;
    req.n_member_user_ids = CALLERS;
    ProtobufCMessage *out = NULL;
    char *err = NULL;
    Crm__Status st =
        crm_rpc_call_sync(zctx, h_rpc(h, "customers"), 10000, "Customers.CreatePool", &req.base,
                          &crm__customers__customer_pool__descriptor,
                          calls_caller(CRM__ROLE__ROLE_ADMIN, 1, 1, 1, NULL, 0), &out, &err);
    if (st != CRM__STATUS__OK) {
        fprintf(stderr, "Customers.CreatePool: %s\n", err);
        exit(1);
    }
    int64_t id = ((Crm__Customers__CustomerPool *)out)->id;
    protobuf_c_message_free_unpacked(out, NULL);
    return id;
}

/* Exits unless exactly the customers s_pooled names are in pool. */
static void s_check_pooled(h_t *h, int64_t pool)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FILTER (WHERE id %% %d = 0) - count(*) FILTER (WHERE id %% %d <> 0)"
             " FROM customers WHERE owner_id = 0 AND pool_id = %lld AND deleted_at IS NULL",
             POOLED_EVERY, POOLED_EVERY, (long long)pool);
    int64_t n = h_sql_int(h, "customers", sql);
    if (n != POOLED) {
        fprintf(stderr, "the pool holds other customers than every %d-th (%lld)\n", POOLED_EVERY,
                (long long)n);
        exit(1);
    }
}

/* Waits until the relay has published every event written so far, so the
 * next figure is not taken beside that work. */
static void s_drain(h_t *h)
{
    if (h_wait_sql(h, "customers", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0,
                   300000) != 0) {
        fprintf(stderr, "the relay did not publish the events in 300 s\n");
        exit(1);
    }
}

/* ---- claims over RPC ---------------------------------------------------------- */

/* A run of claims: pooled customers from base on, each claimed by one
 * caller (distinct) or by all 16 (a race). */
typedef struct {
    Crm__Customers__CustomerIdsRequest req;
    int64_t id;
    int64_t base;
    int race;
    int wins, refusals;
    int64_t *winner; /* race: the member each customer went to */
} run_t;

/* Call i's customer (its index from base) and caller. */
static int64_t s_index(const run_t *r, int i)
{
    return r->race ? i / CALLERS : i;
}

static const ProtobufCMessage *s_make(void *arg, int i, const Crm__Caller **caller)
{
    run_t *r = arg;
    r->id = s_pooled(r->base + s_index(r, i));
    r->req.ids = &r->id;
    r->req.n_ids = 1;
    const int64_t *user = &s_members[i % CALLERS];
    *caller =
        calls_caller(CRM__ROLE__ROLE_EMPLOYEE, *user, 1 + (*user - 1) / SEED_TEAM, 0, user, 1);
    return &r->req.base;
}

/* A claim won (the customer now the caller's, and nobody else's), or in a
 * race lost to another caller; anything else ends the benchmark. */
static int s_check(void *arg, int i, const crm_rpc_result_t *res)
{
    run_t *r = arg;
    int64_t user = s_members[i % CALLERS];
    if (res->status == CRM__STATUS__OK) {
        const Crm__Customers__CustomersReply *reply = (const void *)res->payload;
        if (reply->n_customers != 1 || reply->customers[0]->owner_id != user) {
            fprintf(stderr, "claim %d: the reply does not give the customer to user %lld\n", i,
                    (long long)user);
            return -1;
        }
        if (r->race) {
            int64_t *w = &r->winner[s_index(r, i)];
            if (*w) {
                fprintf(stderr, "customer %lld claimed twice: users %lld and %lld\n",
                        (long long)s_pooled(r->base + s_index(r, i)), (long long)*w,
                        (long long)user);
                return -1;
            }
            *w = user;
        }
        r->wins++;
        return 0;
    }
    if (r->race && res->status == CRM__STATUS__FAILED_PRECONDITION &&
        strstr(res->message, "someone has claimed it")) {
        r->refusals++;
        return 0;
    }
    return -1;
}

/* n claims (or n customers raced) from pooled customer base on; returns
 * claims (calls) per second. */
static double s_claims(h_t *h, void *zctx, run_t *r, int n, const char *label)
{
    crm__customers__customer_ids_request__init(&r->req);
    calls_spec_t spec = {.endpoint = h_rpc(h, "customers"),
                         .method = "Customers.Claim",
                         .out = &crm__customers__customers_reply__descriptor,
                         .make = s_make,
                         .check = s_check,
                         .arg = r,
                         .label = label};
    stats_load("before");
    double rate = calls_run_spec(zctx, &spec, r->race ? n * CALLERS : n, CALLERS, 1);
    stats_load("after");
    s_drain(h);
    return rate;
}

/* Exactly one winner per raced customer: the one the replies named, with
 * one claim and one history entry. */
static void s_check_race(h_t *h, const run_t *r, int n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT c.id, c.owner_id, (SELECT count(*) FROM customer_claims k WHERE"
             " k.customer_id = c.id), (SELECT count(*) FROM customer_history y WHERE"
             " y.kind = 'customer' AND y.record_id = c.id AND y.action = 'claimed')"
             " FROM customers c WHERE c.id BETWEEN %lld AND %lld AND c.id %% %d = 0 ORDER BY c.id",
             (long long)s_pooled(r->base), (long long)s_pooled(r->base + n - 1), POOLED_EVERY);
    PGresult *res = h_sql(h, "customers", sql);
    if (PQntuples(res) != n || r->wins != n || r->refusals != n * (CALLERS - 1)) {
        fprintf(stderr, "race: %d customers, %d wins, %d refusals\n", PQntuples(res), r->wins,
                r->refusals);
        exit(1);
    }
    for (int k = 0; k < n; k++) {
        int64_t owner = atoll(PQgetvalue(res, k, 1));
        if (owner != r->winner[k] || atoll(PQgetvalue(res, k, 2)) != 1 ||
            atoll(PQgetvalue(res, k, 3)) != 1) {
            fprintf(stderr,
                    "race: customer %s held by %lld (the reply said %lld), %s claims, %s"
                    " history entries\n",
                    PQgetvalue(res, k, 0), (long long)owner, (long long)r->winner[k],
                    PQgetvalue(res, k, 2), PQgetvalue(res, k, 3));
            exit(1);
        }
    }
    PQclear(res);
}

/* ---- the raw limit ------------------------------------------------------------ */

/* The raw claim as a pgbench script: pooled customers from base on (a
 * sequence hands them out), each with its history row (detail as the
 * service wrote one) and an outbox row (a customer.claimed the service
 * wrote), one pipelined transaction. Returns its path (free it). */
static char *s_raw_script(h_t *h, int64_t base)
{
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE SEQUENCE bench_claims_raw START %lld", (long long)(base + 1));
    PQclear(h_sql(h, "customers", sql));
    PGresult *ev = h_sql(h, "customers",
                         "SELECT encode(payload, 'hex') FROM crm_outbox WHERE type ="
                         " 'customer.claimed' ORDER BY id DESC LIMIT 1");
    PGresult *detail = h_sql(h, "customers",
                             "SELECT quote_literal(detail) FROM customer_history WHERE action ="
                             " 'claimed' ORDER BY id DESC LIMIT 1");
    if (PQntuples(ev) != 1 || PQntuples(detail) != 1) {
        fprintf(stderr, "raw: no claim of the service to copy\n");
        exit(1);
    }
    char *path = NULL;
    FILE *f = pgbench_script(h, "claim.sql", &path);
    fprintf(f,
            "\\set u random(1, %d)\n"
            "\\startpipeline\n"
            "BEGIN;\n"
            "UPDATE customers SET owner_id = :u, department_id = 1, owner_since = now(),"
            " claim_count = claim_count + 1, updated_at = now() WHERE id = (SELECT %d *"
            " nextval('bench_claims_raw')) AND owner_id = 0;\n"
            "INSERT INTO customer_history (kind, record_id, action, actor_id, at, from_owner_id,"
            " to_owner_id, reason, detail) VALUES ('customer', %d * currval('bench_claims_raw'),"
            " 'claimed', :u, now(), 0, :u, '', %s);\n"
            "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload) VALUES"
            " (gen_random_uuid(), 'customer.claimed', (%d * currval('bench_claims_raw'))::text,"
            " '\\x%s'::bytea);\n"
            "END;\n"
            "\\endpipeline\n",
            CALLERS, POOLED_EVERY, POOLED_EVERY, PQgetvalue(detail, 0, 0), POOLED_EVERY,
            PQgetvalue(ev, 0, 0));
    fclose(f);
    PQclear(ev);
    PQclear(detail);
    return path;
}

/* The raw limit's claims per second; checks that each changed a pooled
 * customer (the sequence stayed within the pool). */
static double s_raw(h_t *h, int64_t base)
{
    char *script = s_raw_script(h, base);
    stats_load("before");
    double tps = pgbench_run(h, "customers", script, CALLERS);
    stats_load("after");
    free(script);
    int64_t last = h_sql_int(h, "customers", "SELECT last_value FROM bench_claims_raw");
    if (last > POOLED) {
        fprintf(stderr, "raw: ran past the pool (%lld of %d): fewer claims per run\n",
                (long long)last, POOLED);
        exit(1);
    }
    printf("%-34s n=%-7lld (pgbench, %d connections, %d s)\n", "raw: UPDATE + history + outbox",
           (long long)(last - base), CALLERS, PGBENCH_SECONDS);
    return tps;
}

int main(int argc, char **argv)
{
    int claims = argc > 1 ? atoi(argv[1]) : 2000;
    int raced = argc > 2 ? atoi(argv[2]) : 200;
    if (claims < 1 || raced < 1 || 2 * claims + raced > POOLED / 2) {
        fprintf(stderr, "usage: bench_claims [claims-per-run] [raced-customers]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as it comes */
    for (int k = 0; k < CALLERS; k++)
        s_members[k] = k + 1;
    h_t *h = h_new("bench_claims");
    h_suite(h, 1, 1, 0, 0); /* the customers service consumes the leads' events */
    pgbench_pass_pool(h);
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    int64_t pool = s_make_pool(h, zctx);
    seed_customers(h, SEEDED, POOLED_EVERY, pool);
    s_check_pooled(h, pool);
    printf("claims: %d pooled of %d customers in pool %lld, %d members each its own RPC"
           " client, one claim in flight each, one customer a claim\n",
           POOLED, SEEDED, (long long)pool, CALLERS);

    run_t a1 = {.base = 0}, a2 = {.base = claims};
    double r1 = s_claims(h, zctx, &a1, claims, "Customers.Claim (1)");
    printf("%-34s %.0f claims/s\n", "", r1);
    /* The raw claims the pooled customers past the RPC runs' and the race's. */
    double raw = s_raw(h, 2 * claims + raced);
    printf("%-34s %.0f claims/s\n", "", raw);
    double r2 = s_claims(h, zctx, &a2, claims, "Customers.Claim (2)");
    printf("%-34s %.0f claims/s\n", "", r2);
    printf("claims: %.0f and %.0f claims/s against the raw %.0f: %.2fx and %.2fx slower\n", r1, r2,
           raw, raw / r1, raw / r2);

    run_t race = {.base = 2 * claims, .race = 1};
    race.winner = calloc((size_t)raced, sizeof *race.winner);
    double rr = s_claims(h, zctx, &race, raced, "Customers.Claim, 16 racing");
    s_check_race(h, &race, raced);
    printf("race: %d customers each claimed by all %d callers: %d wins, %d refused (lost"
           " races), exactly one winner each; %.0f calls/s\n",
           raced, CALLERS, race.wins, race.refusals, rr);
    free(race.winner);

    zmq_ctx_term(zctx);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    return 0;
}
