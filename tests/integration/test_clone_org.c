/* test_clone_org.c: the Clone pattern on the organisation read model. The
 * leads service is stopped longer than the gateway keeps events (the
 * retention ceiling is 1 s here), so its next event is pruned; started
 * again, it rebuilds crm_org_users and crm_org_departments from the
 * gateway's snapshot (small pages, a pause before each) while the
 * organisation keeps changing, then follows the stream: its read model
 * equals the gateway's records, its offset the gateway's last sequence.
 * Killed with SIGKILL in the middle of a rebuild, it has committed nothing
 * of it, and started again it converges the same way. A change committed
 * but not yet numbered when the snapshot is taken (the test holds the
 * relay's row lock) is in the snapshot and skipped, once, in the stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;

#define USERS                                                                                      \
    "SELECT string_agg(id || ':' || department_id || ':' || active, ',' ORDER BY id) FROM "
#define GW_DEPTS                                                                                   \
    "SELECT string_agg(id || ':' || COALESCE(parent_id, 0), ',' ORDER BY id) FROM departments"
#define RM_DEPTS                                                                                   \
    "SELECT string_agg(id || ':' || parent_id, ',' ORDER BY id) FROM crm_org_departments"          \
    " WHERE active"
#define GW_LAST "SELECT last_seq FROM crm_outbox_relay"
#define RM_OFFSET                                                                                  \
    "SELECT COALESCE((SELECT last_seq FROM crm_consumer_offsets WHERE producer = 'gateway'), 0)"

static char *s_text(const char *db, const char *sql)
{
    return h_sql_text(h, db, sql);
}

/* 1 when the leads service's read model equals the gateway's records and
 * its offset the gateway's last sequence. */
static int s_same(void *arg)
{
    (void)arg;
    char *gu = s_text("gateway", USERS "users"), *ru = s_text("leads", USERS "crm_org_users");
    char *gd = s_text("gateway", GW_DEPTS), *rd = s_text("leads", RM_DEPTS);
    int same = !strcmp(gu, ru) && !strcmp(gd, rd) &&
               h_sql_int(h, "gateway", GW_LAST) == h_sql_int(h, "leads", RM_OFFSET);
    free(gu);
    free(ru);
    free(gd);
    free(rd);
    return same;
}

static void s_converges(const char *when)
{
    if (h_wait_until(s_same, NULL, 30000))
        return;
    char *gu = s_text("gateway", USERS "users"), *ru = s_text("leads", USERS "crm_org_users");
    char *gd = s_text("gateway", GW_DEPTS), *rd = s_text("leads", RM_DEPTS);
    H_CHECK(0, "%s: users %s vs %s; departments %s vs %s; offset %lld of %lld", when, gu, ru, gd,
            rd, (long long)h_sql_int(h, "leads", RM_OFFSET),
            (long long)h_sql_int(h, "gateway", GW_LAST));
}

static long long s_user(const char *name, long long dept)
{
    long long id = 0;
    free(t_new_user(base, admin, name, "employee", dept, &id));
    return id;
}

static void s_move(long long user, long long dept)
{
    char path[64], body[64];
    snprintf(path, sizeof path, "/api/v1/users/%lld", user);
    snprintf(body, sizeof body, "{\"department_id\": %lld}", dept);
    t_resp_t r = t_expect(200, "PATCH", base, admin, body, path);
    t_resp_free(&r);
}

static void s_delete(const char *what, long long id)
{
    t_resp_t r;
    t_httpf(&r, "DELETE", base, admin, NULL, "/api/v1/%s/%lld", what, id);
    H_CHECK(r.status == 200 || r.status == 204, "DELETE %s %lld: %d %s", what, id, r.status, r.raw);
    t_resp_free(&r);
}

/* Waits until the gateway has pruned every event (the leads service,
 * stopped, is past the ceiling). */
static void s_pruned(void)
{
    H_CHECK(h_wait_sql(h, "gateway", "SELECT count(*) FROM crm_outbox", 0, 15000) == 0,
            "the gateway pruned past the stopped consumer");
    H_CHECK(h_sql_int(h, "leads", RM_OFFSET) < h_sql_int(h, "gateway", GW_LAST),
            "the leads service is behind the oldest kept event");
}

#define REBUILDING "rebuilding the read model"
#define REBUILT "read model rebuilt from the producer's snapshot"

static int s_rebuilding(void *arg)
{
    return h_log_count(h, "leads", 0, REBUILDING, NULL) > *(int *)arg;
}

int main(void)
{
    h = h_new("clone_org");
    h_org_fixture(h, 0);
    h_suite_counts(h, "leads=1");
    h_setenv(h, "CRM_OUTBOX_KEEP_HOURS=0");
    h_setenv(h, "CRM_OUTBOX_PRUNE_MS=200");
    h_setenv(h, "CRM_OUTBOX_CEILING_S=3");
    h_setenv(h, "CRM_CONSUMER_ACK_MS=200");
    h_setenv(h, "CRM_CLONE_PAGE=3");            /* a snapshot of many pages */
    h_setenv(h, "CRM_FAULT_CLONE_PAGE_MS=150"); /* and time to change things meanwhile */
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);

    long long sales = t_new_dept(base, admin, "销售部", 1),
              east = t_new_dept(base, admin, "华东组", sales);
    long long u[6];
    for (int i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof name, "u%d", i);
        u[i] = s_user(name, i % 2 ? sales : east);
    }
    s_converges("live");
    h_note("clone: live read model equals the gateway's");

    /* Stopped past the ceiling, while the organisation changes. */
    h_stop(h, "leads", 0);
    long long west = t_new_dept(base, admin, "华西组", sales),
              gone = t_new_dept(base, admin, "临时部", 1);
    long long v0 = s_user("v0", west);
    s_move(u[0], west);
    s_delete("users", u[1]);
    s_delete("departments", gone);
    s_pruned();

    /* Back: rebuilt from the snapshot while more changes come. */
    int starts = h_log_count(h, "leads", 0, REBUILDING, NULL);
    int rebuilt = h_log_count(h, "leads", 0, REBUILT, NULL);
    h_start(h, "leads", 0);
    H_CHECK(h_wait_until(s_rebuilding, &starts, 15000), "the leads service rebuilds");
    long long v1 = s_user("v1", east);
    s_move(v0, east);
    s_delete("users", u[2]);
    s_converges("after the rebuild");
    H_CHECK(h_log_count(h, "leads", 0, REBUILT, NULL) == rebuilt + 1, "rebuilt once");
    long long v2 = s_user("v2", west); /* and live again */
    s_converges("live after the rebuild");
    h_note("clone: stopped past the window, rebuilt while changing, converged (users %lld..%lld)",
           v1, v2);

    /* Killed mid-rebuild: nothing of it committed; started again, converged. */
    h_stop(h, "leads", 0);
    s_move(u[3], west);
    long long w0 = s_user("w0", sales);
    s_pruned();
    int64_t before = h_sql_int(h, "leads", RM_OFFSET);
    char *users_before = s_text("leads", USERS "crm_org_users");
    starts = h_log_count(h, "leads", 0, REBUILDING, NULL);
    rebuilt = h_log_count(h, "leads", 0, REBUILT, NULL);
    h_start(h, "leads", 0);
    H_CHECK(h_wait_until(s_rebuilding, &starts, 15000), "the leads service rebuilds again");
    struct timespec mid = {0, 250 * 1000000}; /* a page or so into it */
    nanosleep(&mid, NULL);
    H_CHECK(h_log_count(h, "leads", 0, REBUILT, NULL) == rebuilt, "still mid-rebuild");
    h_kill(h, "leads", 0);
    char *users_after = s_text("leads", USERS "crm_org_users");
    H_CHECK(h_sql_int(h, "leads", RM_OFFSET) == before && !strcmp(users_before, users_after),
            "a killed rebuild committed nothing");
    free(users_before);
    free(users_after);
    s_move(w0, east);
    h_start(h, "leads", 0);
    s_converges("after a kill mid-rebuild");
    h_note("clone: kill -9 mid-rebuild, started again, converged");

    /* A change committed, not numbered yet, when the snapshot is taken: the
     * test holds the relay's lock, so the snapshot holds the change and
     * names its event in the skip list; the stream then skips it, once. */
    h_stop(h, "leads", 0);
    s_move(u[4], west);
    s_pruned();
    PGconn *lock = PQconnectdb(h_pg(h, "gateway"));
    PQclear(PQexec(lock, "BEGIN"));
    PGresult *lr = PQexec(lock, "SELECT last_seq FROM crm_outbox_relay WHERE id = 1 FOR UPDATE");
    H_CHECK(PQresultStatus(lr) == PGRES_TUPLES_OK, "the relay's lock taken");
    PQclear(lr);
    long long x0 = s_user("x0", west); /* committed, its event waits for the relay */
    H_CHECK(h_sql_int(h, "gateway", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL") >= 1,
            "an event committed and not numbered");
    starts = h_log_count(h, "leads", 0, REBUILDING, NULL);
    rebuilt = h_log_count(h, "leads", 0, REBUILT, NULL);
    int skips = h_log_count(h, "leads", 0, REBUILT, "\"skip\":\"1\"");
    h_start(h, "leads", 0);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id = %lld", x0);
    H_CHECK(h_wait_sql(h, "leads", sql, 1, 20000) == 1, "x0 came with the snapshot");
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM crm_consumer_skips") == 1,
            "its event is to be skipped");
    PQclear(PQexec(lock, "COMMIT")); /* the relay numbers it after the horizon */
    PQfinish(lock);
    s_converges("after a skipped event");
    H_CHECK(h_log_count(h, "leads", 0, REBUILT, NULL) == rebuilt + 1 &&
                h_log_count(h, "leads", 0, REBUILT, "\"skip\":\"1\"") == skips + 1,
            "rebuilt once, with one event to skip");
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_consumer_skips", 0, 10000) == 0,
            "skipped, once: the skip is gone with its batch");
    h_note("clone: a change in the snapshot and after its horizon is skipped once");

    /* Bus.Snapshot itself: a first page, and bad requests named. */
    json_t *r = t_json_expect(h, CRM__STATUS__OK, "gateway", "Bus.Snapshot", t_system(),
                              "{\"name\": \"org\", \"limit\": 2}");
    json_t *recs = json_object_get(r, "records");
    H_CHECK(json_array_size(recs) == 2 && !json_is_true(json_object_get(r, "done")) &&
                !strcmp(json_string_value(json_object_get(json_array_get(recs, 0), "type")),
                        "department.snapshot") &&
                json_string_length(json_object_get(r, "snapshot")) > 0,
            "a first page of two departments, more to come");
    json_decref(r);
    t_json_expect(h, CRM__STATUS__NOT_FOUND, "gateway", "Bus.Snapshot", t_system(),
                  "{\"name\": \"nope\"}");
    t_json_says("Bus.Snapshot", "name", "no snapshot named");
    t_json_expect(h, CRM__STATUS__INVALID_ARGUMENT, "gateway", "Bus.Snapshot", t_system(),
                  "{\"name\": \"org\", \"snapshot\": \"x'; DROP TABLE users\"}");
    t_json_says("Bus.Snapshot", "snapshot", "the id the first page gave");
    t_json_expect(h, CRM__STATUS__FAILED_PRECONDITION, "gateway", "Bus.Snapshot", t_system(),
                  "{\"name\": \"org\", \"snapshot\": \"00000009-0000009A-1\"}");
    t_json_says("Bus.Snapshot", "snapshot", "begin again");
    h_note("clone: Bus.Snapshot pages, and refuses bad requests naming the field");

    h_stop(h, "leads", 0);
    h_stop(h, "gateway", 0);
    free(admin);
    h_destroy(&h);
    return 0;
}
