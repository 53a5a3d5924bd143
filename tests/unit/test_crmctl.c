/* test_crmctl.c: the pure parts of crmctl (tools/crmctl/crmctl_helpers.c,
 * linked as crmctl_core): environment names, roles and callers, error
 * splitting, the printed outcome of a call, events as JSON lines. `crmctl
 * call` and `crmctl events` themselves are tested end to end by the
 * integration suite. */
#include <stdlib.h>
#include <string.h>

#include "crm/event_types.h"
#include "crmctl.h"
#include "events.pb-c.h"
#include "leads.pb-c.h"
#include "unit.h"

static char *s_text(json_t *j)
{
    char *t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return t;
}

static void s_names(void)
{
    char *e = ctl_env_name("leads", "RPC");
    CHECK(strcmp(e, "CRM_LEADS_RPC") == 0);
    free(e);
    e = ctl_env_name("scheduler", "PUB");
    CHECK(strcmp(e, "CRM_SCHEDULER_PUB") == 0);
    free(e);
    CHECK(ctl_known_service("leads") && ctl_known_service("customers") &&
          ctl_known_service("sales") && ctl_known_service("scheduler") &&
          ctl_known_service("gateway"));
    CHECK(!ctl_known_service("billing") && !ctl_known_service("") && !ctl_known_service("Leads"));

    Crm__Role r = CRM__ROLE__ROLE_UNSPECIFIED;
    CHECK(ctl_parse_role("admin", &r) == 0 && r == CRM__ROLE__ROLE_ADMIN);
    CHECK(ctl_parse_role("Manager", &r) == 0 && r == CRM__ROLE__ROLE_MANAGER);
    CHECK(ctl_parse_role("employee", &r) == 0 && r == CRM__ROLE__ROLE_EMPLOYEE);
    CHECK(ctl_parse_role("system", &r) == 0 && r == CRM__ROLE__ROLE_SYSTEM);
    CHECK(ctl_parse_role("boss", &r) == -1 && ctl_parse_role("", &r) == -1);
}

static void s_callers(void)
{
    Crm__Caller c;
    Crm__DataScope s;
    int64_t *ids;

    /* The default: the system, seeing everything. */
    CHECK(ctl_make_caller(0, 0, CRM__ROLE__ROLE_SYSTEM, NULL, &c, &s, &ids) == 0);
    CHECK(c.user_id == 0 && c.role == CRM__ROLE__ROLE_SYSTEM && c.scope == &s && s.all &&
          s.n_user_ids == 0 && ids == NULL);

    CHECK(ctl_make_caller(7, 3, CRM__ROLE__ROLE_EMPLOYEE, NULL, &c, &s, &ids) == 0);
    CHECK(c.user_id == 7 && c.department_id == 3 && !s.all && s.n_user_ids == 1 &&
          s.user_ids[0] == 7);
    free(ids);

    CHECK(ctl_make_caller(7, 3, CRM__ROLE__ROLE_MANAGER, "7,8,,9", &c, &s, &ids) == 0);
    CHECK(!s.all && s.n_user_ids == 3 && s.user_ids[0] == 7 && s.user_ids[2] == 9);
    free(ids);

    CHECK(ctl_make_caller(7, 3, CRM__ROLE__ROLE_EMPLOYEE, "all", &c, &s, &ids) == 0);
    CHECK(s.all && ids == NULL);

    CHECK(ctl_make_caller(7, 3, CRM__ROLE__ROLE_EMPLOYEE, "7,x", &c, &s, &ids) == -1);
    CHECK(ctl_make_caller(7, 3, CRM__ROLE__ROLE_EMPLOYEE, ",", &c, &s, &ids) == -1);
}

static void s_split(const char *err, const char *msg, const char *field)
{
    char *m, *f;
    ctl_split_error(err, &m, &f);
    if (strcmp(m, msg) != 0 || strcmp(f, field) != 0) {
        fprintf(stderr, "  split \"%s\" -> \"%s\" [%s], want \"%s\" [%s]\n", err ? err : "(null)",
                m, f, msg, field);
        unit_failed++;
    }
    free(m);
    free(f);
}

static void s_outcomes(void)
{
    s_split("no such lead [id]", "no such lead", "id");
    s_split("bad value [caller.scope.user_ids[2]]", "bad value", "caller.scope.user_ids[2]");
    s_split("no such lead", "no such lead", "");
    s_split("", "", "");
    s_split(NULL, "", "");
    s_split("[x]", "[x]", "");
    s_split("a []", "a", "");

    Crm__Leads__Lead lead = CRM__LEADS__LEAD__INIT;
    lead.id = 9;
    lead.name = "线索";
    char *t = s_text(ctl_outcome_json(CRM__STATUS__OK, &lead.base, NULL));
    CHECK(strstr(t, "{\"status\":\"ok\",\"reply\":{\"id\":9,\"name\":\"线索\",") == t);
    free(t);
    t = s_text(ctl_outcome_json(CRM__STATUS__OK, NULL, NULL));
    CHECK(strcmp(t, "{\"status\":\"ok\",\"reply\":{}}") == 0);
    free(t);
    t = s_text(ctl_outcome_json(CRM__STATUS__NOT_FOUND, NULL, "no lead 9 [id]"));
    CHECK(strcmp(t, "{\"status\":\"not_found\",\"message\":\"no lead 9\",\"field\":\"id\"}") == 0);
    free(t);
    t = s_text(ctl_outcome_json(CRM__STATUS__UNAVAILABLE, NULL, NULL));
    CHECK(strcmp(t, "{\"status\":\"unavailable\",\"message\":\"\",\"field\":\"\"}") == 0);
    free(t);
    t = s_text(ctl_bad_request_json("expected an integer", "id"));
    CHECK(strcmp(t, "{\"status\":\"invalid_argument\",\"message\":\"expected an integer\","
                    "\"field\":\"id\"}") == 0);
    free(t);
}

static void s_events_json(void)
{
    int bad;
    uint8_t buf[256];

    Crm__Heartbeat hb = CRM__HEARTBEAT__INIT;
    hb.producer = "leads";
    hb.last_sequence = 12;
    size_t n = crm__heartbeat__pack(&hb, buf);
    CHECK(ctl_event_json("_heartbeat", 10, buf, n, 0, &bad) == NULL && !bad);
    char *t = s_text(ctl_event_json("_heartbeat", 10, buf, n, 1, &bad));
    CHECK(!bad && strcmp(t, "{\"type\":\"_heartbeat\",\"producer\":\"leads\","
                            "\"last_sequence\":12,\"stalled\":false}") == 0);
    free(t);
    hb.stalled = 1; /* a relay that cannot publish says so */
    n = crm__heartbeat__pack(&hb, buf);
    t = s_text(ctl_event_json("_heartbeat", 10, buf, n, 1, &bad));
    CHECK(!bad && strcmp(t, "{\"type\":\"_heartbeat\",\"producer\":\"leads\","
                            "\"last_sequence\":12,\"stalled\":true}") == 0);
    free(t);

    Crm__Events__CustomerFollowedUp fu = CRM__EVENTS__CUSTOMER_FOLLOWED_UP__INIT;
    fu.customer_id = 3;
    fu.content = "电话回访";
    uint8_t pl[128];
    Crm__Event ev = CRM__EVENT__INIT;
    ev.type = "customer.followed_up";
    ev.sequence = 2;
    ev.payload.data = pl;
    ev.payload.len = crm__events__customer_followed_up__pack(&fu, pl);
    n = crm__event__pack(&ev, buf);
    t = s_text(ctl_event_json("customer.followed_up", 20, buf, n, 0, &bad));
    CHECK(!bad && strstr(t, "\"payload\":{\"customer_id\":3,\"user_id\":0,"
                            "\"content\":\"电话回访\"}") != NULL); /* at: not set */
    free(t);

    /* Instants in the business time zone (CRM_TZ), whatever the machine's. */
    setenv("CRM_TZ", "America/St_Johns", 1); /* -03:30 in January */
    CHECK(!strcmp(crm_tz_apply(), "America/St_Johns"));
    fu.at_us = 1767323045000006LL; /* 2026-01-02T03:04:05.000006Z */
    ev.payload.len = crm__events__customer_followed_up__pack(&fu, pl);
    n = crm__event__pack(&ev, buf);
    t = s_text(ctl_event_json("customer.followed_up", 20, buf, n, 0, &bad));
    CHECK(!bad && strstr(t, "\"at\":\"2026-01-01T23:34:05.000006-03:30\"") != NULL);
    free(t);

    /* Garbage is reported, not printed. */
    CHECK(ctl_event_json("lead.created", 12, (const uint8_t *)"\xff\xff", 2, 0, &bad) == NULL &&
          bad);
    CHECK(ctl_event_json("_heartbeat", 10, (const uint8_t *)"\x0a\x10", 2, 1, &bad) == NULL && bad);
    /* An empty body is an empty event. */
    json_t *j = ctl_event_json("x", 1, NULL, 0, 0, &bad);
    CHECK(j && !bad);
    json_decref(j);
}

int main(void)
{
    crm_registry_set(&crm_suite);
    s_names();
    s_callers();
    s_outcomes();
    s_events_json();
    if (unit_failed) {
        fprintf(stderr, "test_crmctl: %d check(s) failed\n", unit_failed);
        return 1;
    }
    printf("test_crmctl: ok\n");
    return 0;
}
