/* test_gateway_notify.c: the notification centre. The gateway turns the
 * events that ask a user to act (a lead transferred to them, a next
 * follow-up time come) into that user's notifications, once each, also
 * across a kill -9 of the gateway; the user lists them, newest first with
 * the unread count, and marks some or all read; bad requests name the
 * field; other users' notifications stay theirs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "jcall.h"

static h_t *h;
static const char *base;
static char *admin; /* user 1 */

static int64_t s_lead(const char *name, int64_t owner, int64_t next_at_us)
{
    json_t *r =
        t_json_expect(h, CRM__STATUS__OK, "leads", "Leads.Create", t_system(),
                      "{\"name\": \"%s\", \"owner_id\": %lld, \"next_followup_at_us\": %lld}", name,
                      (long long)owner, (long long)next_at_us);
    int64_t id = t_int(r, "id");
    json_decref(r);
    return id;
}

static void s_transfer(int64_t id, int64_t to)
{
    json_decref(t_json_expect(h, CRM__STATUS__OK, "leads", "Leads.Transfer", t_system(),
                              "{\"ids\": [%lld], \"to_owner_id\": %lld}", (long long)id,
                              (long long)to));
}

/* Waits until user 1 has want notifications in the gateway's database. */
static void s_wait_count(int64_t want)
{
    int64_t got = h_wait_sql(
        h, "gateway", "SELECT count(*) FROM gw_notifications WHERE user_id = 1", want, 15000);
    H_CHECK(got == want, "user 1 has %lld notifications, want %lld", (long long)got,
            (long long)want);
}

static void test_notifications(void)
{
    s_transfer(s_lead("转来的线索", 5, 0), 1);
    s_transfer(s_lead("别人的线索", 5, 0), 7); /* user 7's, not user 1's */
    s_lead("该跟进的线索", 1, ((int64_t)time(NULL) - 60) * 1000000);
    json_decref(t_json_expect(h, CRM__STATUS__OK, "scheduler", "Scheduler.FireNow", t_admin(0, 1),
                              "{\"name\": \"leads.remind\"}"));
    s_wait_count(2);
    H_CHECK(h_sql_int(h, "gateway", "SELECT count(*) FROM gw_notifications WHERE user_id = 7") == 1,
            "user 7 got theirs");

    t_resp_t r = t_expect(200, "GET", base, admin, NULL, "/api/v1/notifications");
    json_t *items = json_object_get(r.body, "items");
    H_CHECK(json_array_size(items) == 2 && t_json_int(&r, "unread") == 2, "two, unread: %s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.title"), "今日待跟进线索：该跟进的线索") &&
                !strcmp(t_json_str(&r, "items.0.type"), "lead.reminder"),
            "newest first, a reminder: %s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "items.1.title"), "线索转移给你：转来的线索"),
            "then the transfer: %s", r.raw);
    /* The event is a JSON object, not JSON in a string; instants are RFC
     * 3339 in the business time zone, unread has no read_at. */
    H_CHECK(json_is_object(json_object_get(json_array_get(items, 1), "event")) &&
                !strcmp(t_json_str(&r, "items.1.event.type"), "lead.transferred") &&
                t_json_int(&r, "items.1.event.payload.to_owner_id") == 1,
            "the event as an object: %s", r.raw);
    H_CHECK(strlen(t_json_str(&r, "items.0.created_at")) == 32 &&
                !strcmp(t_json_str(&r, "items.0.created_at") + 26, "+08:00") &&
                !json_object_get(json_array_get(items, 0), "read_at") && !strstr(r.raw, "_us\""),
            "times in RFC 3339 only: %s", r.raw);
    long long first = t_json_int(&r, "items.1.id");
    t_resp_free(&r);

    /* Paging: one a page. */
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/notifications?limit=1");
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 1 &&
                *t_json_str(&r, "next_cursor"),
            "a page of one and a cursor: %s", r.raw);
    t_resp_free(&r);

    /* Mark one, then all. */
    char body[64];
    snprintf(body, sizeof body, "{\"ids\": [%lld]}", first);
    r = t_expect(200, "POST", base, admin, body, "/api/v1/notifications/read");
    H_CHECK(t_json_int(&r, "marked") == 1, "one marked: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "POST", base, admin, body, "/api/v1/notifications/read");
    H_CHECK(t_json_int(&r, "marked") == 0, "marking again changes nothing: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/notifications?unread_only=true");
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 1 && t_json_int(&r, "unread") == 1,
            "one unread left: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "POST", base, admin, "{\"all\": true}", "/api/v1/notifications/read");
    H_CHECK(t_json_int(&r, "marked") == 1, "the rest marked: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/notifications");
    H_CHECK(!strcmp(t_json_str(&r, "items.0.read_at") + 26, "+08:00"), "read_at once read: %s",
            r.raw);
    t_resp_free(&r);
    /* User 7's notification is not user 1's to mark. */
    H_CHECK(h_sql_int(
                h, "gateway",
                "SELECT count(*) FROM gw_notifications WHERE user_id = 7 AND read_at IS NULL") == 1,
            "user 7's still unread");

    t_expect_error(400, "invalid_argument", "/ids", "POST", base, admin, "{}",
                   "/api/v1/notifications/read");
    t_expect_error(400, "invalid_argument", "/ids", "POST", base, admin,
                   "{\"ids\": [1], \"all\": true}", "/api/v1/notifications/read");
    t_expect_error(400, "invalid_argument", "cursor", "GET", base, admin, NULL,
                   "/api/v1/notifications?cursor=nonsense");
    t_expect_error(401, "unauthenticated", NULL, "GET", base, NULL, NULL, "/api/v1/notifications");
    h_note("notifications: listed newest first, marked read, bad input named");
}

static void test_once_across_kill(void)
{
    /* The gateway dies; events keep coming; after its restart each makes
     * one notification. */
    h_kill(h, "gateway", 0);
    for (int i = 0; i < 5; i++)
        s_transfer(s_lead("重启期间", 5, 0), 1);
    h_gateway(h);
    s_wait_count(7);
    H_CHECK(h_sql_int(h, "gateway",
                      "SELECT count(*) FROM (SELECT event_id FROM gw_notifications GROUP BY"
                      " event_id, user_id HAVING count(*) > 1) d") == 0,
            "none twice");
    h_note("notifications: made once each across a kill -9 of the gateway");
}

int main(void)
{
    h = h_new("gateway_notify");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    test_notifications();
    test_once_across_kill();
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    printf("gateway_notify: ok\n");
    return 0;
}
