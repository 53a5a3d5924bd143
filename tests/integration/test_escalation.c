/* test_escalation.c: escalation (升级) on real processes, through the HTTP
 * API. A next contact time left undone past its service's limit
 * (CRM_CUSTOMERS_ESCALATE_AFTER_H=48, CRM_LEADS_ESCALATE_AFTER_H=6 here:
 * each service its own) goes to the manager of the owner's department:
 * once, not again on the next run, not at all when a follow-up came in
 * time or the limit is not reached, and again for a new next contact time.
 * A manager's own goes to the manager above; a department with two
 * managers tells both; nobody is told when no department up to the root
 * has one. Managers see it in their notifications and their live stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "sse.h"

static h_t *h;
static const char *base;
static char *admin;

typedef struct {
    char *token;
    long long id;
} user_t;

static user_t s_user(const char *name, const char *role, long long dept)
{
    user_t u;
    u.token = t_new_user(base, admin, name, role, dept, &u.id);
    return u;
}

/* A customer of u whose next contact time was hours ago. */
static long long s_customer(const user_t *u, const char *name, int hours)
{
    char *body = crm_sprintf("{\"name\":\"%s\"}", name);
    long long id = t_created(base, u->token, "/api/v1/customers", body);
    free(body);
    h_execf(h, "customers",
            "UPDATE customers SET next_contact_at = now() - interval '%d hours' WHERE id = %lld",
            hours, id);
    return id;
}

/* A lead of u whose next follow-up time was hours ago. */
static long long s_lead(const user_t *u, const char *name, int hours)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld}", name, u->id);
    long long id = t_created(base, admin, "/api/v1/leads", body);
    free(body);
    h_execf(h, "leads",
            "UPDATE leads SET next_followup_at = now() - interval '%d hours' WHERE id = %lld",
            hours, id);
    return id;
}

/* A follow-up of u on record id of table (in database db, and its route
 * /api/v1/<table>/{id}/follow-ups) happening minutes after its next contact
 * time (the column due). */
static void s_follow_up(const user_t *u, const char *db, const char *table, const char *due,
                        long long id, int minutes)
{
    char *q = crm_sprintf("SELECT to_char((%s + interval '%d minutes') AT TIME ZONE 'UTC',"
                          " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM %s WHERE id = %lld",
                          due, minutes, table, id);
    PGresult *r = h_sql(h, db, q);
    char *body = crm_sprintf("{\"content\":\"按时联系了\",\"method\":\"phone\",\"at\":\"%s\"}",
                             PQgetvalue(r, 0, 0));
    char path[96];
    snprintf(path, sizeof path, "/api/v1/%s/%lld/follow-ups", table, id);
    t_resp_t fr = t_expect(201, "POST", base, u->token, body, path);
    t_resp_free(&fr);
    free(body);
    PQclear(r);
    free(q);
}

/* The escalations db's outbox holds of type about record id. */
static long long s_escalated(const char *db, const char *type, long long id)
{
    return h_sql_intf(h, db,
                      "SELECT count(*) FROM crm_outbox WHERE type = '%s' AND aggregate_id ="
                      " '%lld'",
                      type, id);
}

/* The escalation notifications user has. */
static long long s_told(long long user)
{
    return h_sql_intf(h, "gateway",
                      "SELECT count(*) FROM gw_notifications WHERE user_id = %lld AND type LIKE"
                      " '%%.reminder_escalated'",
                      user);
}

int main(void)
{
    h = h_new("escalation");
    h_suite(h, 1, 1, 0, 1);
    h_setenv(h, "CRM_CUSTOMERS_ESCALATE_AFTER_H=48");
    h_setenv(h, "CRM_LEADS_ESCALATE_AFTER_H=6");
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    /* 销售部 (boss) > 一组 (mgr; emp) and 二组 (two managers; e2);
     * 独立组 (lone) has no manager, nor has the admins' department above. */
    long long sales = t_new_dept(base, admin, "销售部", 1);
    long long team = t_new_dept(base, admin, "一组", sales);
    long long team2 = t_new_dept(base, admin, "二组", sales);
    long long alone = t_new_dept(base, admin, "独立组", 1);
    user_t boss = s_user("boss", "manager", sales), mgr = s_user("mgr", "manager", team),
           emp = s_user("emp", "employee", team), ma = s_user("ma", "manager", team2),
           mb = s_user("mb", "manager", team2), e2 = s_user("e2", "employee", team2),
           lone = s_user("lone", "employee", alone);

    long long late = s_customer(&emp, "逾期客户", 49);
    long long in_time = s_customer(&emp, "按时联系", 50);
    s_follow_up(&emp, "customers", "customers", "next_contact_at", in_time, 30);
    long long early = s_customer(&emp, "未满时限", 30); /* the default 24 h would take it */
    long long mgrs = s_customer(&mgr, "经理的客户", 49);
    long long lonely = s_customer(&lone, "无人管", 49);
    long long lead_late = s_lead(&emp, "逾期线索", 7);
    long long lead_in_time = s_lead(&emp, "按时跟进", 8);
    s_follow_up(&emp, "leads", "leads", "next_followup_at", lead_in_time, 20);
    long long lead_early = s_lead(&emp, "刚过时间", 2);
    long long lead_e2 = s_lead(&e2, "二组线索", 7);

    t_run_job(h, base, admin, "customers.escalate");
    t_run_job(h, base, admin, "leads.escalate");
    const char *cust = "customer.reminder_escalated", *lead = "lead.reminder_escalated";
    H_CHECK(s_escalated("customers", cust, late) == 1 &&
                s_escalated("customers", cust, mgrs) == 1 &&
                s_escalated("customers", cust, lonely) == 1,
            "the undone customers escalated");
    H_CHECK(s_escalated("customers", cust, in_time) == 0, "followed up in time: not escalated");
    H_CHECK(s_escalated("customers", cust, early) == 0, "within the customers' 48 h: not yet");
    H_CHECK(s_escalated("leads", lead, lead_late) == 1 && s_escalated("leads", lead, lead_e2) == 1,
            "the undone leads escalated (the leads' own 6 h)");
    H_CHECK(s_escalated("leads", lead, lead_in_time) == 0 &&
                s_escalated("leads", lead, lead_early) == 0,
            "a lead followed up in time, or not yet 6 h past: not escalated");
    h_wait_consumed(h, "gateway", "customers");
    h_wait_consumed(h, "gateway", "leads");
    H_CHECK(s_told(mgr.id) == 2, "the department's manager told of both: %lld", s_told(mgr.id));
    H_CHECK(s_told(boss.id) == 1, "a manager's own goes to the manager above: %lld",
            s_told(boss.id));
    H_CHECK(s_told(ma.id) == 1 && s_told(mb.id) == 1, "two managers: both told");
    H_CHECK(s_told(emp.id) == 0 && s_told(lone.id) == 0 && s_told(e2.id) == 0,
            "owners are not notified of their own escalation");
    H_CHECK(h_sql_int(h, "gateway",
                      "SELECT count(*) FROM gw_notifications WHERE type LIKE"
                      " '%.reminder_escalated'") == 5,
            "nobody else: no manager above 独立组, nobody told");

    /* What the manager sees: the notification, and the event live. */
    t_resp_t r = t_expect(200, "GET", base, mgr.token, NULL, "/api/v1/notifications");
    /* Its items, newest first, hold the manager's own reminders too (a
     * customer of theirs due now): the customer's escalation is found by
     * its type. */
    char k[64];
    int c = 0;
    for (; c < 10; c++) {
        snprintf(k, sizeof k, "items.%d.type", c);
        if (!strcmp(t_json_str(&r, k), cust))
            break;
    }
    snprintf(k, sizeof k, "items.%d.title", c);
    H_CHECK(!strcmp(t_json_str(&r, k), "下属客户逾期未联系：逾期客户（emp）"), "title: %s", r.raw);
    snprintf(k, sizeof k, "items.%d.event.payload.owner_id", c);
    long long owner = t_json_int(&r, k);
    snprintf(k, sizeof k, "items.%d.event.payload.after_hours", c);
    long long after = t_json_int(&r, k);
    snprintf(k, sizeof k, "items.%d.event.payload.department_id", c);
    H_CHECK(owner == emp.id && after == 48 && t_json_int(&r, k) == team,
            "the event names the owner, the department and the limit: %s", r.raw);
    snprintf(k, sizeof k, "items.%d.event.payload.due_at", c);
    H_CHECK(strlen(t_json_str(&r, k)) == 32, "the time left undone: %s", r.raw);
    int l = 0;
    for (; l < 10; l++) {
        snprintf(k, sizeof k, "items.%d.type", l);
        if (!strcmp(t_json_str(&r, k), "lead.reminder_escalated"))
            break;
    }
    snprintf(k, sizeof k, "items.%d.title", l);
    H_CHECK(!strcmp(t_json_str(&r, k), "下属线索逾期未跟进：逾期线索（emp）"), "title: %s", r.raw);
    t_resp_free(&r);
    t_sse_t s;
    t_sse_open(&s, base, mgr.token, "0");
    H_CHECK(t_sse_wait(&s, "event: customer.reminder_escalated", 10000) &&
                t_sse_wait(&s, "event: lead.reminder_escalated", 10000),
            "the manager's stream carries both");
    t_sse_close(&s);
    h_note("escalation: to the department's manager, the one above, both of two, none: ok");

    /* The next run escalates nothing again. */
    long long run = t_run_job(h, base, admin, "customers.escalate");
    long long run2 = t_run_job(h, base, admin, "leads.escalate");
    H_CHECK(h_sql_intf(h, "scheduler",
                       "SELECT count(*) FROM scheduler_runs WHERE affected = 0 AND ((job ="
                       " 'customers.escalate' AND run = %lld) OR (job = 'leads.escalate' AND"
                       " run = %lld))",
                       run, run2) == 2,
            "the next runs escalated nothing");
    H_CHECK(s_escalated("customers", cust, late) == 1 && s_escalated("leads", lead, lead_late) == 1,
            "once per next contact time");
    /* A new next contact time, left undone too: again. */
    h_execf(h, "customers",
            "UPDATE customers SET next_contact_at = now() - interval '60 hours' WHERE id = %lld",
            late);
    t_run_job(h, base, admin, "customers.escalate");
    H_CHECK(s_escalated("customers", cust, late) == 2, "a new next contact time escalates again");
    h_wait_consumed(h, "gateway", "customers");
    H_CHECK(s_told(mgr.id) == 3, "the manager told again: %lld", s_told(mgr.id));
    h_note("escalation: once per next contact time, again for a new one: ok");

    user_t *all[] = {&boss, &mgr, &emp, &ma, &mb, &e2, &lone};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->token);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
