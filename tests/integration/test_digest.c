/* test_digest.c: the daily digest (每日摘要) on real processes, through the
 * HTTP API. The leads and customers services declare their daily jobs (at
 * the hour their environment says, which an admin may change); fired now
 * (POST /api/v1/scheduler/jobs/{name}/run), each sends an owner's digest
 * of the day and the gateway merges both into one notification per user
 * and business day: the right counts and records from both domains, none
 * for a user with nothing. "Today" is the business time zone's
 * (Asia/Shanghai) day: records around its midnight tell it from UTC's,
 * whenever the test runs. Firing again the same day keeps one
 * notification (read stays read while it says nothing new; something new
 * makes it unread); events applied again (the gateway's offsets moved
 * back) change nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
#include "sse.h"

static h_t *h;
static const char *base;
static char *admin;

/* The start of today in the business time zone, as SQL. */
#define DAY0 "(date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')"

static long long s_customer(const char *token, const char *name)
{
    char *body = crm_sprintf("{\"name\":\"%s\"}", name);
    long long id = t_created(base, token, "/api/v1/customers", body);
    free(body);
    return id;
}

/* A customer of token's whose next contact time is the SQL time at. */
static long long s_customer_at(const char *token, const char *name, const char *at)
{
    long long id = s_customer(token, name);
    h_execf(h, "customers", "UPDATE customers SET next_contact_at = %s WHERE id = %lld", at, id);
    return id;
}

/* A lead owned by owner whose next follow-up time is the SQL time at. */
static long long s_lead_at(long long owner, const char *name, const char *at)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld}", name, owner);
    long long id = t_created(base, admin, "/api/v1/leads", body);
    free(body);
    h_execf(h, "leads", "UPDATE leads SET next_followup_at = %s WHERE id = %lld", at, id);
    return id;
}

/* Fires job now as the admin and waits until its run is done. */
static void s_fire(const char *job)
{
    t_run_job(h, base, admin, job);
}

/* The digest events db's outbox holds for owner. */
static long long s_digests(const char *db, const char *type, long long owner)
{
    return h_sql_intf(h, db,
                      "SELECT count(*) FROM crm_outbox WHERE type = '%s' AND"
                      " aggregate_id = '%lld'",
                      type, owner);
}

/* Waits until the gateway's digest of user holds, in each domain's part,
 * the newest digest event that domain wrote for them. */
static void s_wait_merged(long long user)
{
    static const struct {
        const char *db, *type, *section;
    } parts[] = {{"leads", "lead.digest", "leads"}, {"customers", "customer.digest", "customers"}};
    for (size_t i = 0; i < 2; i++) {
        char *q = crm_sprintf("SELECT event_id::text FROM crm_outbox WHERE type = '%s' AND"
                              " aggregate_id = '%lld' ORDER BY id DESC LIMIT 1",
                              parts[i].type, user);
        PGresult *r = h_sql(h, parts[i].db, q);
        H_CHECK(PQntuples(r) == 1, "a %s for user %lld", parts[i].type, user);
        char *sql = crm_sprintf("SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND"
                                " type = 'digest' AND event::jsonb -> '%s' ->> 'event_id' = '%s'",
                                user, parts[i].section, PQgetvalue(r, 0, 0));
        H_CHECK(h_wait_sql(h, "gateway", sql, 1, 20000) == 1, "the gateway merged %s",
                parts[i].type);
        free(sql);
        PQclear(r);
        free(q);
    }
}

/* The user's digest notification (as token sees their list): its index in
 * r's items, or -1. */
static int s_digest_of(t_resp_t *r, const char *token)
{
    *r = t_expect(200, "GET", base, token, NULL, "/api/v1/notifications?limit=200");
    json_t *items = json_object_get(r->body, "items");
    int found = -1;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(items, i), "type")),
                    "digest")) {
            H_CHECK(found < 0, "one digest only: %s", r->raw);
            found = (int)i;
        }
    return found;
}

/* The names listed under path (an array of items) of the digest's event,
 * joined by commas, into out. */
static const char *s_names(t_resp_t *r, int at, const char *path, char *out, size_t cap)
{
    char key[128];
    snprintf(key, sizeof key, "items.%d.event.%s", at, path);
    out[0] = 0;
    for (int i = 0;; i++) {
        char k[160];
        snprintf(k, sizeof k, "%s.%d.name", key, i);
        const char *name = t_json_str(r, k);
        if (!*name)
            break;
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len ? "," : "", name);
    }
    return out;
}

/* Counts of the digest's event at index at: "today/recycling/overdue". */
static const char *s_counts(t_resp_t *r, int at, const char *part, char *out, size_t cap)
{
    char k[3][96];
    static const char *const what[] = {"today", "recycling", "overdue"};
    for (int i = 0; i < 3; i++)
        snprintf(k[i], sizeof k[i], "items.%d.event%s%s.%s", at, *part ? "." : "", part, what[i]);
    snprintf(out, cap, "%lld/%lld/%lld", t_json_int(r, k[0]), t_json_int(r, k[1]),
             t_json_int(r, k[2]));
    return out;
}

/* Waits until the business day has over two minutes left, so the records
 * made relative to today stay today's until the digest reads them. */
static void s_not_at_midnight(void)
{
    long long left = h_sql_int(
        h, "customers", "SELECT extract(epoch FROM " DAY0 " + interval '1 day' - now())::bigint");
    if (left < 120) {
        h_note("waiting %lld s for the business day to turn", left + 2);
        sleep((unsigned)left + 2);
    }
}

static void test_schedules(void)
{
    /* Declared daily at the hour each service's environment says. */
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_jobs WHERE (name = 'customers.digest'"
                      " AND spec = 'daily 08:30') OR (name = 'leads.digest' AND spec ="
                      " 'daily 07:15')") == 2,
            "customers.digest at 08:30 (the default), leads.digest at 07:15 (its env)");
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_jobs WHERE name = 'leads.digest' AND"
                      " to_char(next_fire_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') = '07:15'"
                      " AND next_fire_at > now() AND next_fire_at <= now() + interval '1 day'") ==
                1,
            "leads.digest next at 07:15 in Shanghai");
    /* An admin moves one through the scheduler's override. */
    t_resp_t r = t_expect(200, "PUT", base, admin, "{\"schedule\":{\"daily\":\"09:05\"}}",
                          "/api/v1/scheduler/jobs/customers.digest/schedule");
    H_CHECK(!strcmp(t_json_str(&r, "schedule.daily"), "09:05") &&
                !strcmp(t_json_str(&r, "declared_schedule.daily"), "08:30"),
            "overridden: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_jobs WHERE name = 'customers.digest' AND"
                      " to_char(next_fire_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') ="
                      " '09:05'") == 1,
            "next at 09:05");
    h_note("digest jobs: daily at their configured hour, changeable by admins: ok");
}

int main(void)
{
    h = h_new("digest");
    h_suite(h, 1, 1, 0, 1);
    h_setenv(h, "CRM_LEADS_DIGEST_AT=07:15");
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "摘要部", 1);
    long long alice_id, bob_id;
    char *alice = t_new_user(base, admin, "alice", "employee", dept, &alice_id);
    char *bob = t_new_user(base, admin, "bob", "employee", dept, &bob_id);
    test_schedules();

    /* Customers recycle 10 days after their last follow-up (or claim). */
    long long pool = t_created(base, admin, "/api/v1/customer-pools",
                               "{\"name\":\"摘要公海\",\"is_default\":true,\"allow_claim\":true}");
    char ppath[64];
    snprintf(ppath, sizeof ppath, "/api/v1/customer-pools/%lld", pool);
    t_resp_t r = t_expect(
        200, "PATCH", base, admin,
        "{\"warn_days\":1,\"recycle_rules\":[{\"kind\":\"followup\",\"days\":10}]}", ppath);
    t_resp_free(&r);
    /* Leads of this pool recycle 5 days after. */
    long long lpool = t_json_id(h, "leads", "Leads.CreatePool", t_admin(0, 1),
                                "{\"name\": \"摘要线索池\", \"allow_claim\": true,"
                                " \"recycle_days\": 5, \"member_user_ids\": [%lld]}",
                                alice_id);

    s_not_at_midnight();
    /* alice's customers: two today at 01:00 and 23:30 Shanghai time (the
     * one's UTC date is yesterday's, or the other's tomorrow's, whenever
     * this runs); one at 23:00 yesterday, overdue; one at 00:30 tomorrow,
     * nothing yet; one yesterday but followed up since; one 8 days
     * without a follow-up, recycled in 2 days. */
    s_customer_at(alice, "今日凌晨客户", DAY0 " + interval '1 hour'");
    s_customer_at(alice, "今日深夜客户", DAY0 " + interval '23 hours 30 minutes'");
    s_customer_at(alice, "昨晚逾期客户", DAY0 " - interval '1 hour'");
    s_customer_at(alice, "明日客户", DAY0 " + interval '24 hours 30 minutes'");
    long long done = s_customer_at(alice, "已跟进客户", DAY0 " - interval '3 hours'");
    h_execf(h, "customers",
            "UPDATE customers SET last_followup_at = " DAY0 " - interval '2 hours' WHERE id = %lld",
            done);
    long long aging = s_customer(alice, "快回收客户");
    h_execf(h, "customers",
            "UPDATE customers SET owner_since = now() - interval '8 days', created_at = now() -"
            " interval '8 days' WHERE id = %lld",
            aging);
    /* alice's leads: one today at 12:00, one overdue since the day before
     * yesterday; one claimed from the 5-day pool 4 days ago. */
    s_lead_at(alice_id, "今日线索", DAY0 " + interval '12 hours'");
    s_lead_at(alice_id, "逾期线索", DAY0 " - interval '30 hours'");
    long long pooled = t_json_id(h, "leads", "Leads.Create", t_admin(0, 1),
                                 "{\"name\": \"快回收线索\", \"mobile\": \"13900000001\","
                                 " \"pool_id\": %lld}",
                                 lpool);
    json_decref(t_json_expect(h, CRM__STATUS__OK, "leads", "Leads.Claim", t_user(0, alice_id, dept),
                              "{\"ids\": [%lld]}", pooled));
    h_execf(h, "leads", "UPDATE leads SET owner_since = now() - interval '4 days' WHERE id = %lld",
            pooled);
    /* bob has a customer, but nothing due. */
    s_customer_at(bob, "下周客户", "now() + interval '7 days'");

    /* A stream open for alice hears her digest events. */
    t_sse_t s;
    t_sse_open(&s, base, alice, "0");
    s_fire("leads.digest");
    s_fire("customers.digest");
    H_CHECK(s_digests("leads", "lead.digest", alice_id) == 1 &&
                s_digests("customers", "customer.digest", alice_id) == 1,
            "one digest of each domain for alice");
    H_CHECK(s_digests("leads", "lead.digest", bob_id) == 0 &&
                s_digests("customers", "customer.digest", bob_id) == 0,
            "none for bob, who has nothing to report");
    s_wait_merged(alice_id);

    char got[512], day[16];
    PGresult *d = h_sql(h, "customers",
                        "SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai',"
                        " 'YYYY-MM-DD')");
    snprintf(day, sizeof day, "%s", PQgetvalue(d, 0, 0));
    PQclear(d);
    int at = s_digest_of(&r, alice);
    H_CHECK(at >= 0, "alice has a digest: %s", r.raw);
    char key[64];
    snprintf(key, sizeof key, "items.%d.title", at);
    char *title = crm_sprintf("每日摘要 %s：今日需联系 3，即将回收 2，已逾期 2", day);
    H_CHECK(!strcmp(t_json_str(&r, key), title), "the title sums both domains: %s", r.raw);
    free(title);
    H_CHECK(!strcmp(s_counts(&r, at, "", got, sizeof got), "3/2/2"), "totals %s: %s", got, r.raw);
    H_CHECK(!strcmp(s_counts(&r, at, "customers", got, sizeof got), "2/1/1"), "customers %s", got);
    H_CHECK(!strcmp(s_counts(&r, at, "leads", got, sizeof got), "1/1/1"), "leads %s", got);
    H_CHECK(!strcmp(s_names(&r, at, "customers.today_items", got, sizeof got),
                    "今日凌晨客户,今日深夜客户"),
            "today is Shanghai's day, not UTC's: %s", got);
    H_CHECK(!strcmp(s_names(&r, at, "customers.overdue_items", got, sizeof got), "昨晚逾期客户"),
            "overdue: before today, not followed up since: %s", got);
    H_CHECK(!strcmp(s_names(&r, at, "customers.recycling_items", got, sizeof got), "快回收客户"),
            "about to be recycled: %s", got);
    H_CHECK(!strcmp(s_names(&r, at, "leads.today_items", got, sizeof got), "今日线索") &&
                !strcmp(s_names(&r, at, "leads.overdue_items", got, sizeof got), "逾期线索") &&
                !strcmp(s_names(&r, at, "leads.recycling_items", got, sizeof got), "快回收线索"),
            "the leads' part: %s", r.raw);
    snprintf(key, sizeof key, "items.%d.event.customers.today_items.1.at", at);
    H_CHECK(!strcmp(t_json_str(&r, key) + 11, "23:30:00.000000+08:00"),
            "times in the business time zone: %s", t_json_str(&r, key));
    snprintf(key, sizeof key, "items.%d.event.day", at);
    H_CHECK(!strcmp(t_json_str(&r, key), day), "the business day: %s", r.raw);
    snprintf(key, sizeof key, "items.%d.id", at);
    long long id = t_json_int(&r, key);
    t_resp_free(&r);
    H_CHECK(h_sql_intf(h, "gateway",
                       "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type ="
                       " 'digest'",
                       bob_id) == 0,
            "bob has no digest");
    H_CHECK(t_sse_wait(&s, "event: lead.digest", 10000) &&
                t_sse_wait(&s, "event: customer.digest", 10000),
            "alice's stream carries her digests");
    t_sse_close(&s);
    h_note("digest: both domains merged into one notification, today in Shanghai: ok");

    /* Read, then fired again the same day: still one, still read. */
    char body[64];
    snprintf(body, sizeof body, "{\"ids\": [%lld]}", id);
    r = t_expect(200, "POST", base, alice, body, "/api/v1/notifications/read");
    t_resp_free(&r);
    s_fire("leads.digest");
    s_fire("customers.digest");
    s_wait_merged(alice_id);
    const char *same = "SELECT count(*) FROM gw_notifications WHERE type = 'digest'";
    H_CHECK(h_sql_int(h, "gateway", same) == 1, "one digest however often it fires");
    at = s_digest_of(&r, alice);
    snprintf(key, sizeof key, "items.%d.id", at);
    H_CHECK(t_json_int(&r, key) == id && !strcmp(s_counts(&r, at, "", got, sizeof got), "3/2/2"),
            "the same notification, the same counts: %s", r.raw);
    snprintf(key, sizeof key, "items.%d.read_at", at);
    H_CHECK(*t_json_str(&r, key), "nothing new: still read: %s", r.raw);
    t_resp_free(&r);
    /* Something new: the refreshed part makes it unread. */
    s_customer_at(alice, "新增今日客户", DAY0 " + interval '20 hours'");
    s_fire("customers.digest");
    s_wait_merged(alice_id);
    at = s_digest_of(&r, alice);
    snprintf(key, sizeof key, "items.%d.read_at", at);
    H_CHECK(!*t_json_str(&r, key) && !strcmp(s_counts(&r, at, "", got, sizeof got), "4/2/2"),
            "something new, unread again: %s", r.raw);
    t_resp_free(&r);
    h_note("digest: fired again the same day, one notification, read kept unless new: ok");

    /* The gateway applies every digest event again (its offsets moved
     * back): nothing changes, and read stays read (an older part put back
     * and then the newest again would have made it unread). */
    r = t_expect(200, "POST", base, alice, "{\"all\": true}", "/api/v1/notifications/read");
    t_resp_free(&r);
    PGresult *before = h_sql(h, "gateway",
                             "SELECT event, title, read_at IS NULL FROM gw_notifications WHERE"
                             " type = 'digest'");
    h_stop(h, "gateway", 0);
    h_execf(h, "gateway",
            "UPDATE crm_consumer_offsets SET last_seq = 0 WHERE producer IN ('leads',"
            " 'customers')");
    h_gateway(h);
    h_wait_consumed(h, "gateway", "leads");
    h_wait_consumed(h, "gateway", "customers");
    PGresult *after = h_sql(h, "gateway",
                            "SELECT event, title, read_at IS NULL FROM gw_notifications WHERE"
                            " type = 'digest'");
    H_CHECK(PQntuples(after) == 1 && !strcmp(PQgetvalue(before, 0, 0), PQgetvalue(after, 0, 0)) &&
                !strcmp(PQgetvalue(before, 0, 1), PQgetvalue(after, 0, 1)) &&
                !strcmp(PQgetvalue(before, 0, 2), PQgetvalue(after, 0, 2)),
            "events applied again change nothing");
    PQclear(before);
    PQclear(after);
    h_note("digest: events applied again change nothing: ok");

    free(alice);
    free(bob);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
