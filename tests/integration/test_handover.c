/* test_handover.c: handover when someone leaves (离职交接, #17). An admin
 * deactivates ann over HTTP naming bob to take over (customers per domain
 * to dan); the leads service moves each of her leads to bob with a
 * "handed_over" history entry and a lead.transferred event, puts bob in her
 * team place and pool admin role, ends her pool membership; the customers
 * service moves her customers to dan; the admin reads each domain's
 * progress. A successor unknown, deactivated, the leaver or in an unknown
 * domain is refused naming the field. The organisation comes by the real
 * event path (no fixture). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jcall.h"

#define OK CRM__STATUS__OK
enum { LEADS = 7 };

static h_t *h;
static const char *base;
static char *admin;

static void s_wait(const char *db, const char *what, const char *sql, int64_t want)
{
    int64_t got = h_wait_sql(h, db, sql, want, 20000);
    H_CHECK(got == want, "%s: %lld, want %lld", what, (long long)got, (long long)want);
}

static void s_user_known(const char *db, long long id, int active)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id = %lld AND %sactive", id,
             active ? "" : "NOT ");
    s_wait(db, "a user reaches the service", sql, 1);
}

/* Deactivating ann with body is refused (status want, code, field). */
static void s_refused(int want, const char *code, const char *field, long long ann,
                      const char *body)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/users/%lld/deactivate", ann);
    t_expect_error(want, code, field, "POST", base, admin, body, path);
}

/* The leaver's leads, team place and pool role, made directly. */
static long long s_seed_leads(long long ann)
{
    char body[256];
    for (int i = 0; i < LEADS; i++) {
        snprintf(body, sizeof body, "{\"name\": \"交接%d\", \"owner_id\": %lld}", i, ann);
        json_decref(t_json_expect(h, OK, "leads", "Leads.Create", t_system(), "%s", body));
    }
    json_t *j = t_json_expect(h, OK, "leads", "Leads.Create", t_system(),
                              "{\"name\": \"团队\", \"owner_id\": 1}");
    long long team_lead = t_int(j, "id");
    json_decref(j);
    snprintf(body, sizeof body, "{\"ids\": [%lld], \"user_ids\": [%lld]}", team_lead, ann);
    json_decref(t_json_expect(h, OK, "leads", "Leads.AddTeamMembers", t_system(), "%s", body));
    snprintf(body, sizeof body,
             "{\"name\": \"交接池\", \"admin_ids\": [%lld], \"member_user_ids\": [%lld, 1]}", ann,
             ann);
    json_decref(t_json_expect(h, OK, "leads", "Leads.CreatePool", t_system(), "%s", body));
    return team_lead;
}

static void s_check_leads(long long ann, long long bob, long long team_lead)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM leads WHERE owner_id = %lld", ann);
    s_wait("leads", "none of ann's leads left", sql, 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM leads WHERE owner_id = %lld AND name LIKE '交接%%'", bob);
    H_CHECK(h_sql_int(h, "leads", sql) == LEADS, "bob holds ann's leads");
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT lead_id) FROM lead_history WHERE action = 'handed_over'"
             " AND from_owner_id = %lld AND to_owner_id = %lld",
             ann, bob);
    H_CHECK(h_sql_int(h, "leads", sql) == LEADS, "one history entry per lead");
    /* Its detail says what changed, as a transfer's does. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM lead_history WHERE action = 'handed_over' AND"
             " detail::jsonb->'changes' @> '[{\"field\": \"owner_id\", \"old\": %lld,"
             " \"new\": %lld}]'",
             ann, bob);
    H_CHECK(h_sql_int(h, "leads", sql) == LEADS, "each entry's detail: the owner, old and new");
    H_CHECK(h_sql_int(h, "leads",
                      "SELECT count(*) FROM lead_history WHERE action = 'handed_over'") == LEADS,
            "and no more");
    H_CHECK(h_sql_int(h, "leads",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'lead.transferred'") == LEADS,
            "one lead.transferred per lead");
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM leads WHERE id = %lld AND team_member_ids = ARRAY[%lld]::bigint[]",
        team_lead, bob);
    H_CHECK(h_sql_int(h, "leads", sql) == 1, "bob takes ann's team place");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM lead_pools WHERE admin_ids = ARRAY[%lld]::bigint[]"
             " AND member_user_ids = ARRAY[1]::bigint[]",
             bob);
    H_CHECK(h_sql_int(h, "leads", sql) == 1,
            "bob takes ann's pool admin role; her membership ends");
}

/* The admin's view: each domain done with its counts. */
static void s_check_view(long long ann, long long bob, long long dan)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/users/%lld/handover", ann);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM gw_handover_domains WHERE user_id = %lld AND state = 'done'",
             ann);
    s_wait("gateway", "both domains report", sql, 2);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(t_json_int(&r, "successor_id") == bob, "the successor is shown");
    H_CHECK(!strcmp(t_json_str(&r, "domains.0.domain"), "customers") &&
                t_json_int(&r, "domains.0.successor_id") == dan &&
                t_json_int(&r, "domains.0.moved") == 2 && t_json_int(&r, "domains.0.total") == 2,
            "customers: 2 of 2 to dan (%s)", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "domains.1.domain"), "leads") &&
                t_json_int(&r, "domains.1.successor_id") == bob &&
                t_json_int(&r, "domains.1.moved") == LEADS &&
                t_json_int(&r, "domains.1.total") == LEADS &&
                !strcmp(t_json_str(&r, "domains.1.state"), "done"),
            "leads: all to bob (%s)", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/users/%lld/handover", bob);
    t_expect_error(404, "not_found", "id", "GET", base, admin, NULL, path);
}

/* A change that checked eve "active" before her deactivation committed
 * holds her row (crm_org_refs locks what it reads) until it commits: the
 * leads service's consumer waits for it before handing her records over, so
 * the lead that change writes is handed over too, not left with a leaver.
 * The change is played here on a session of its own: the reference check,
 * then, once the consumer waits, the lead's INSERT and COMMIT. */
static void s_race(long long bob)
{
    long long eve = 0;
    free(t_new_user(base, admin, "eve", "employee", 1, &eve));
    s_user_known("leads", eve, 1);
    PGconn *c = PQconnectdb(h_pg(h, "leads"));
    H_CHECK(PQstatus(c) == CONNECTION_OK, "a session of its own: %s", PQerrorMessage(c));
    char sql[400];
    snprintf(sql, sizeof sql,
             "BEGIN; SELECT active FROM crm_org_refs('{owner_id}', '{user}', '{%lld}')", eve);
    PGresult *res = PQexec(c, sql);
    H_CHECK(PQresultStatus(res) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(res, 0, 0), "t"),
            "eve is active to the change: %s", PQerrorMessage(c));
    PQclear(res);

    char body[96], path[96];
    snprintf(body, sizeof body, "{\"successor_id\": %lld}", bob);
    snprintf(path, sizeof path, "/api/v1/users/%lld/deactivate", eve);
    t_resp_t r = t_expect(200, "POST", base, admin, body, path);
    t_resp_free(&r);
    s_wait("leads", "the consumer waits for the change",
           "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
           " AND datname = current_database()",
           1);
    snprintf(sql, sizeof sql,
             "INSERT INTO leads (name, owner_id, department_id, creator_id, status)"
             " VALUES ('竞速', %lld, 1, 1, 2); COMMIT",
             eve);
    res = PQexec(c, sql);
    H_CHECK(PQresultStatus(res) == PGRES_COMMAND_OK, "the change commits: %s", PQerrorMessage(c));
    PQclear(res);
    PQfinish(c);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM leads WHERE name = '竞速' AND owner_id = %lld",
             bob);
    s_wait("leads", "the lead written during the deactivation is handed over", sql, 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM leads WHERE owner_id = %lld", eve);
    H_CHECK(h_sql_int(h, "leads", sql) == 0, "nothing is left with eve");
    h_note("handover: a change that read the leaver active commits first, and is handed over");
}

int main(void)
{
    h = h_new("handover");
    h_org_fixture(h, 0);
    h_suite_counts(h, "leads=1,customers=1");
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);

    long long ann = 0, bob = 0, carl = 0, dan = 0;
    free(t_new_user(base, admin, "ann", "employee", 1, &ann));
    free(t_new_user(base, admin, "bob", "employee", 1, &bob));
    free(t_new_user(base, admin, "carl", "employee", 1, &carl));
    free(t_new_user(base, admin, "dan", "employee", 1, &dan));
    char path[96];
    snprintf(path, sizeof path, "/api/v1/users/%lld", carl);
    t_resp_t r;
    t_httpf(&r, "DELETE", base, admin, NULL, "%s", path);
    H_CHECK(r.status == 200 || r.status == 204, "carl deactivated: %d", r.status);
    t_resp_free(&r);
    s_user_known("leads", ann, 1);
    s_user_known("leads", bob, 1);
    long long team_lead = s_seed_leads(ann);
    char sql[200];
    snprintf(sql, sizeof sql,
             "INSERT INTO customers (name, owner_id) VALUES ('客一', %lld), ('客二', %lld)", ann,
             ann);
    PQclear(h_sql(h, "customers", sql));

    /* Refused, naming the field; nothing changes. */
    char body[256];
    s_refused(400, "invalid_argument", "/successor_id", ann, "{}");
    s_refused(400, "invalid_argument", "/successor_id", ann, "{\"successor_id\": 999999}");
    snprintf(body, sizeof body, "{\"successor_id\": %lld}", carl);
    s_refused(400, "invalid_argument", "/successor_id", ann, body);
    snprintf(body, sizeof body, "{\"successor_id\": %lld}", ann);
    s_refused(400, "invalid_argument", "/successor_id", ann, body);
    snprintf(body, sizeof body,
             "{\"successor_id\": %lld, \"successors\": [{\"domain\": \"nope\", \"successor_id\":"
             " %lld}]}",
             bob, dan);
    s_refused(400, "invalid_argument", "/successors/0/domain", ann, body);
    snprintf(body, sizeof body,
             "{\"successor_id\": %lld, \"successors\": [{\"domain\": \"customers\","
             " \"successor_id\": %lld}]}",
             bob, carl);
    s_refused(400, "invalid_argument", "/successors/0/successor_id", ann, body);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM users WHERE id = %lld AND active", ann);
    H_CHECK(h_sql_int(h, "gateway", sql) == 1, "a refused deactivation leaves ann active");
    h_note("handover: an unknown, deactivated or self successor, or an unknown domain, is refused");

    /* One of her leads read, so the leads service has it cached. */
    snprintf(sql, sizeof sql, "SELECT min(id) FROM leads WHERE owner_id = %lld", ann);
    long long cached = h_sql_int(h, "leads", sql);
    json_t *j = t_json_expect(h, OK, "leads", "Leads.Get", t_system(), "{\"id\": %lld}", cached);
    H_CHECK(t_int(j, "owner_id") == ann, "the lead is ann's before");
    json_decref(j);
    j = t_json_expect(h, OK, "leads", "Leads.Get", t_system(), "{\"id\": %lld}", cached);
    json_decref(j); /* read again: from the cache now */

    /* ann leaves: bob takes over, dan her customers. */
    snprintf(body, sizeof body,
             "{\"successor_id\": %lld, \"successors\": [{\"domain\": \"customers\","
             " \"successor_id\": %lld}]}",
             bob, dan);
    snprintf(path, sizeof path, "/api/v1/users/%lld/deactivate", ann);
    r = t_expect(200, "POST", base, admin, body, path);
    H_CHECK(t_json_int(&r, "id") == ann, "the deactivated user is answered");
    t_resp_free(&r);
    s_check_leads(ann, bob, team_lead);
    /* The lead read (and so cached) before the handover reads as bob's at
     * once: the handover drops the moved leads' cached copies. */
    j = t_json_expect(h, OK, "leads", "Leads.Get", t_system(), "{\"id\": %lld}", cached);
    H_CHECK(t_int(j, "owner_id") == bob, "the cached lead reads as bob's");
    json_decref(j);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE owner_id = %lld", dan);
    s_wait("customers", "dan holds ann's customers", sql, 2);
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'customer.transferred'") == 2,
            "one customer.transferred per customer");
    h_note("handover: leads (with history and events, team place, pool role) and customers move");
    s_check_view(ann, bob, dan);
    h_note("handover: the admin sees each domain's state and counts");

    s_refused(404, "not_found", "id", ann, body);
    h_note("handover: a user leaves once");
    s_race(bob);

    free(admin);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
