/* test_sales_totals.c: the stage view's totals kept by the writes
 * (services/sales/sql/006): after a random mix of creates, stage moves,
 * ends, reopenings, amount edits, transfers (one and many) and deletes
 * through the HTTP API, first one request at a time and then from four
 * processes at once, the totals (folded ones plus the deltas not folded
 * yet) equal a GROUP BY over the opportunities, key by key; the same once
 * the service has folded every delta; and the stage view of an admin, a
 * manager and an employee (read from the totals) and with an amount filter
 * (read from the rows) answer the rows' counts and sums in their scope. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

#define USERS 5
#define STAGES 5

static h_t *h;
static const char *base;
static char *admin;

typedef struct {
    const char *name;
    long long id, dept, customer;
    char *token;
} s_user_t;

static s_user_t users[USERS] = {{"mgrA", 0, 0, 0, NULL},
                                {"empA1", 0, 0, 0, NULL},
                                {"empA2", 0, 0, 0, NULL},
                                {"empB1", 0, 0, 0, NULL},
                                {"empB2", 0, 0, 0, NULL}};
static long long stages[STAGES];

/* What the mix knows of each opportunity it made. */
typedef struct {
    long long id;
    int owner; /* index in users */
    int stage; /* index in stages */
    int open, deleted;
} s_opp_t;

/* Keys where the totals and the rows differ (both sides per key: the
 * totals' sum of folded and pending, the rows' GROUP BY of the open ones
 * not deleted). */
#define DIFFERING                                                                                  \
    "SELECT count(*) FROM (SELECT owner_id, pipeline_id, stage_id, department_id, sum(count) AS"   \
    " n, sum(amount) AS a FROM opportunity_stage_sums GROUP BY 1, 2, 3, 4 HAVING sum(count) <> 0"  \
    " OR sum(amount) <> 0) t FULL JOIN (SELECT owner_id, pipeline_id, stage_id, department_id,"    \
    " count(*) AS n, sum(amount) AS a FROM opportunities WHERE status = 1 AND deleted_at IS NULL"  \
    " GROUP BY 1, 2, 3, 4) r USING (owner_id, pipeline_id, stage_id, department_id)"               \
    " WHERE t.n IS DISTINCT FROM r.n OR t.a IS DISTINCT FROM r.a"
#define KEYS                                                                                       \
    "SELECT count(*) FROM (SELECT DISTINCT owner_id, stage_id, department_id FROM opportunities"   \
    " WHERE status = 1 AND deleted_at IS NULL) k"

/* ---- the mix ---------------------------------------------------------------------- */

/* One request of the admin's on opportunity id (path: fmt with the id);
 * its status (the mix knows which it expects). */
static int s_call(const char *method, const char *body, const char *fmt, long long id)
{
    t_resp_t r;
    t_httpf(&r, method, base, admin, body, fmt, id);
    int st = r.status;
    if (st != 200)
        h_note("%s %lld %s: %d %s", method, id, body ? body : "", st, r.raw);
    t_resp_free(&r);
    return st;
}

static long long s_create(int owner, long long amount)
{
    char *body = crm_sprintf("{\"name\":\"合计%lld\",\"customer_id\":%lld,\"owner_id\":%lld,"
                             "\"amount\":%lld}",
                             amount, users[owner].customer, users[owner].id, amount);
    t_resp_t r;
    t_httpf(&r, "POST", base, admin, body, "/api/v1/opportunities");
    long long id = r.status == 201 ? t_json_int(&r, "id") : 0;
    t_resp_free(&r);
    free(body);
    return id;
}

/* An open one of o[0..n) not deleted, from k on; -1 if none. */
static int s_pick(s_opp_t *o, int n, unsigned *seed, int open)
{
    if (n == 0)
        return -1;
    int k = (int)(rand_r(seed) % (unsigned)n);
    for (int i = 0; i < n; i++) {
        s_opp_t *x = &o[(k + i) % n];
        if (!x->deleted && x->open == open)
            return (k + i) % n;
    }
    return -1;
}

/* One random step on o[0..*n); the number of requests that did not answer
 * as the model expected. */
static int s_step(s_opp_t *o, int *n, unsigned *seed)
{
    int roll = (int)(rand_r(seed) % 100), i, bad = 0;
    char body[160];
    if (roll < 25 || *n < 4) {
        int owner = (int)(rand_r(seed) % USERS);
        long long id = s_create(owner, (long long)(rand_r(seed) % 1000000));
        if (!id)
            return 1;
        o[(*n)++] = (s_opp_t){id, owner, 0, 1, 0};
    } else if (roll < 45) {
        if ((i = s_pick(o, *n, seed, 1)) < 0)
            return 0;
        int to = (o[i].stage + 1 + (int)(rand_r(seed) % (STAGES - 1))) % STAGES;
        snprintf(body, sizeof body, "{\"stage_id\":%lld}", stages[to]);
        bad = s_call("POST", body, "/api/v1/opportunities/%lld/stage", o[i].id) != 200;
        o[i].stage = to;
    } else if (roll < 55) {
        if ((i = s_pick(o, *n, seed, 1)) < 0)
            return 0;
        static const char *const ends[] = {"{\"status\":\"won\"}",
                                           "{\"status\":\"lost\",\"lost_reason\":\"价格因素\"}",
                                           "{\"status\":\"invalid\"}"};
        bad = s_call("POST", ends[rand_r(seed) % 3], "/api/v1/opportunities/%lld/stage", o[i].id) !=
              200;
        o[i].open = 0;
    } else if (roll < 62) {
        if ((i = s_pick(o, *n, seed, 0)) < 0)
            return 0;
        bad = s_call("POST", "{}", "/api/v1/opportunities/%lld/reopen", o[i].id) != 200;
        o[i].open = 1;
    } else if (roll < 75) {
        if ((i = s_pick(o, *n, seed, 1)) < 0)
            return 0;
        snprintf(body, sizeof body, "{\"amount\":%u}", rand_r(seed) % 1000000);
        bad = s_call("PATCH", body, "/api/v1/opportunities/%lld", o[i].id) != 200;
    } else if (roll < 90) {
        /* One or two (open or not), to an owner neither has. */
        int a = s_pick(o, *n, seed, rand_r(seed) % 4 != 0), b = s_pick(o, *n, seed, 1);
        if (a < 0)
            return 0;
        int two = b >= 0 && b != a && rand_r(seed) % 2;
        int to = (int)(rand_r(seed) % USERS);
        while (to == o[a].owner || (two && to == o[b].owner))
            to = (to + 1) % USERS;
        char *tb =
            two ? crm_sprintf("{\"ids\":[%lld,%lld],\"to_owner_id\":%lld}", o[a].id, o[b].id,
                              users[to].id)
                : crm_sprintf("{\"ids\":[%lld],\"to_owner_id\":%lld}", o[a].id, users[to].id);
        t_resp_t r;
        t_httpf(&r, "POST", base, admin, tb, "/api/v1/opportunities/transfer");
        bad = r.status != 200;
        if (bad)
            h_note("transfer %s: %d %s", tb, r.status, r.raw);
        t_resp_free(&r);
        free(tb);
        o[a].owner = to;
        if (two)
            o[b].owner = to;
    } else {
        if ((i = s_pick(o, *n, seed, rand_r(seed) % 2)) < 0)
            return 0;
        bad = s_call("DELETE", NULL, "/api/v1/opportunities/%lld", o[i].id) != 200;
        o[i].deleted = 1;
    }
    return bad;
}

static int s_mix(int steps, unsigned seed)
{
    s_opp_t *o = crm_calloc((size_t)steps + 4, sizeof *o);
    int n = 0, bad = 0;
    for (int k = 0; k < steps; k++)
        bad += s_step(o, &n, &seed);
    free(o);
    return bad;
}

/* ---- checks ----------------------------------------------------------------------- */

static void s_same(const char *when)
{
    H_CHECK(h_sql_int(h, "sales", DIFFERING) == 0, "%s: the totals equal the rows' GROUP BY", when);
}

/* The stage view of token (query q) against the rows in owners (SQL
 * list; NULL: all), with the extra condition cond on them. */
static void s_view(const char *who, const char *token, const char *q, const char *owners,
                   const char *cond)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/opportunities/stages?limit=1%s", q);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    for (int i = 0; i < STAGES; i++) {
        char p[48];
        snprintf(p, sizeof p, "columns.%d.stage_id", i);
        H_CHECK(t_json_int(&r, p) == stages[i], "%s: column %d is stage %lld", who, i, stages[i]);
        char *where = crm_sprintf("status = 1 AND deleted_at IS NULL AND stage_id = %lld%s%s%s%s",
                                  stages[i], owners ? " AND owner_id IN (" : "",
                                  owners ? owners : "", owners ? ")" : "", cond);
        long long n = h_sql_intf(h, "sales", "SELECT count(*) FROM opportunities WHERE %s", where);
        long long a = h_sql_intf(
            h, "sales", "SELECT COALESCE(sum(amount), 0) FROM opportunities WHERE %s", where);
        free(where);
        snprintf(p, sizeof p, "columns.%d.count", i);
        long long got_n = t_json_int(&r, p);
        snprintf(p, sizeof p, "columns.%d.amount", i);
        long long got_a = t_json_int(&r, p);
        H_CHECK(got_n == n && got_a == a, "%s, stage %d: %lld / %lld, the rows %lld / %lld", who,
                i + 1, got_n, got_a, n, a);
    }
    t_resp_free(&r);
}

static void s_views(void)
{
    char a[96], own[32];
    snprintf(a, sizeof a, "%lld,%lld,%lld", users[0].id, users[1].id, users[2].id);
    snprintf(own, sizeof own, "%lld", users[1].id);
    s_view("admin", admin, "", NULL, "");
    s_view("manager of A", users[0].token, "", a, "");
    s_view("employee", users[1].token, "", own, "");
    s_view("admin, amount from 500000 (the rows)", admin, "&amount_from=500000", NULL,
           " AND amount >= 500000");
}

int main(void)
{
    h = h_new("sales_totals");
    h_suite(h, 1, 1, 1, 1);
    /* No fold while the mix runs: the deltas are counted where they are. */
    h_setenv(h, "CRM_SALES_FOLD_MS=3600000");
    h_setenv(h, "CRM_RATE_LIMIT_RPS=100000"); /* four writers as fast as they go */
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, "/api/v1/pipelines/1");
    for (int i = 0; i < STAGES; i++) {
        char p[32];
        snprintf(p, sizeof p, "stages.%d.id", i);
        stages[i] = t_json_int(&r, p);
    }
    t_resp_free(&r);

    long long da = t_new_dept(base, admin, "A", 1), db = t_new_dept(base, admin, "B", 1);
    for (int i = 0; i < USERS; i++) {
        users[i].dept = i < 3 ? da : db;
        users[i].token = t_new_user(base, admin, users[i].name, i ? "employee" : "manager",
                                    users[i].dept, &users[i].id);
        char *body = crm_sprintf("{\"name\":\"%s的客户\",\"owner_id\":%lld,"
                                 "\"allow_duplicate\":true}",
                                 users[i].name, users[i].id);
        users[i].customer = t_created(base, admin, "/api/v1/customers", body);
        free(body);
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sales_customers WHERE id = %lld",
                 users[i].customer);
        H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "customer in the read model");
    }

    /* One request at a time. */
    int bad = s_mix(300, 12);
    H_CHECK(bad == 0, "every request of the mix answered as expected (%d did not)", bad);
    H_CHECK(h_sql_int(h, "sales", KEYS) >= 10, "the mix spread over owners and stages");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM opportunity_stage_totals") == 0 &&
                h_sql_int(h, "sales", "SELECT count(*) FROM opportunity_stage_deltas") > 100,
            "nothing folded yet: every change is a delta");
    s_same("one at a time, not folded");
    s_views();

    /* Four writers at once on the same owners' keys. */
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        fflush(NULL);
        kids[k] = fork();
        H_CHECK(kids[k] >= 0, "fork");
        if (kids[k] == 0) {
            t_http_after_fork();
            _exit(s_mix(120, 100 + (unsigned)k) ? 1 : 0);
        }
    }
    for (int k = 0; k < 4; k++) {
        int st = 0;
        waitpid(kids[k], &st, 0);
        H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                "writer %d: every request answered as expected", k);
    }
    s_same("four writers at once, not folded");

    /* The service folds every delta: the same figures, now in the totals. */
    h_stop(h, "sales", 0);
    h_setenv(h, "CRM_SALES_FOLD_MS=100");
    h_start(h, "sales", 0);
    H_CHECK(h_wait_sql(h, "sales", "SELECT count(*) FROM opportunity_stage_deltas", 0, 20000) == 0,
            "every delta folded");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM opportunity_stage_totals") > 0,
            "into the totals");
    s_same("folded");
    s_views();
    /* And the writes go on being counted after the fold. */
    H_CHECK(s_mix(60, 7) == 0, "a mix after the fold");
    s_same("after the fold, new writes");
    h_note("totals equal the rows: one at a time, four writers at once, folded, writes after;"
           " the stage view in three scopes and with a filter");

    for (int i = 0; i < USERS; i++)
        free(users[i].token);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
