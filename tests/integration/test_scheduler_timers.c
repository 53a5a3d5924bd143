/* test_scheduler_timers.c: per-record timers. The services publish their
 * records' due times (timer.set, written by their databases' triggers and
 * encoded there in SQL); two scheduler instances fire each job when one of
 * its timers comes, though its sweep is a year away: a customer's next
 * contact time reminds its owner at that time, once; a time moved before it
 * comes fires at the new time only, a cleared one not at all; a customer's
 * recycle deadline warns and recycles it at its time; a lead's next
 * follow-up time reminds at its time; a timer a service sets for another's
 * job, or naming a record id over 200 bytes, is skipped, and its stream
 * goes on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "events.pb-c.h"
#include "http.h"
#include "jcall.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin, *emp;

/* Now plus seconds as RFC 3339, in a static buffer. */
static const char *s_in(int seconds)
{
    static char buf[40];
    time_t t = time(NULL) + seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* The job's sweep a year away: only its timers fire it now. */
static void s_sweep_far(const char *job)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/scheduler/jobs/%s/schedule", job);
    t_resp_t r = t_expect(200, "PUT", base, admin, "{\"schedule\":{\"every_s\":31622400}}", path);
    t_resp_free(&r);
}

static long long s_customer(const char *name, const char *next_contact)
{
    char *body = next_contact ? crm_sprintf("{\"name\":\"%s\",\"next_contact_at\":\"%s\"}", name,
                                            next_contact)
                              : crm_sprintf("{\"name\":\"%s\"}", name);
    t_resp_t r = t_expect(201, "POST", base, emp, body, "/api/v1/customers");
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    return id;
}

static void s_patch_customer(long long id, const char *body)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/customers/%lld", id);
    t_resp_t r = t_expect(200, "PATCH", base, emp, body, path);
    t_resp_free(&r);
}

/* Waits until the service wrote an event of type for record id; fails the
 * test unless it was written no earlier than the record's due time col. */
static void s_fired_at_due(const char *db, const char *table, const char *type, long long id,
                           const char *col)
{
    H_CHECK(h_wait_events(h, db, type, id, 1, 20000) == 1, "%s of %lld", type, id);
    int64_t early = h_sql_intf(h, db,
                               "SELECT count(*) FROM crm_outbox o, %s r WHERE o.type = '%s' AND"
                               " o.aggregate_id = '%lld' AND r.id = %lld AND o.occurred_at < %s",
                               table, type, id, id, col);
    H_CHECK(early == 0, "%s of %lld not before its time", type, id);
}

/* The TimerSet the SQL of lib/sql/012 encodes decodes as protobuf-c reads
 * it: names, due times (to the microsecond, far ones included), a cleared
 * timer's 0. */
static void s_encoding(void)
{
    PGresult *r =
        h_sql(h, "customers",
              "SELECT encode(crm_pb_field(1, convert_to('4242', 'UTF8'))"
              " || crm_timer_entry('customers.remind', '2026-03-04 05:06:07.891234+00')"
              " || crm_timer_entry('customers.recycle', NULL)"
              " || crm_timer_entry('customers.remind_contacts', '9999-12-31 23:59:59+00'),"
              " 'hex')");
    size_t len = 0;
    char *hex = crm_sprintf("\\x%s", PQgetvalue(r, 0, 0));
    unsigned char *bin = PQunescapeBytea((const unsigned char *)hex, &len);
    free(hex);
    Crm__Events__TimerSet *t = crm__events__timer_set__unpack(NULL, len, bin);
    H_CHECK(t && !strcmp(t->record, "4242") && t->n_timers == 3, "TimerSet decodes");
    H_CHECK(!strcmp(t->timers[0]->name, "customers.remind") &&
                t->timers[0]->due_at_us == 1772600767891234LL,
            "due time to the microsecond: %lld", (long long)t->timers[0]->due_at_us);
    H_CHECK(!strcmp(t->timers[1]->name, "customers.recycle") && t->timers[1]->due_at_us == 0,
            "a cleared timer: 0");
    H_CHECK(t->timers[2]->due_at_us == 253402300799000000LL, "year 9999: %lld",
            (long long)t->timers[2]->due_at_us);
    crm__events__timer_set__free_unpacked(t, NULL);
    PQfreemem(bin);
    PQclear(r);
    h_note("timer.set encoded in SQL decodes: ok");
}

int main(void)
{
    h = h_new("scheduler_timers");
    h_suite(h, 1, 1, 0, 2);
    base = h_gateway(h);
    h_setenv(h, "CRM_SCHEDULER_TICK_MS=100");
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long dept = t_new_dept(base, admin, "定时部", 1);
    long long emp_id;
    emp = t_new_user(base, admin, "temp", "employee", dept, &emp_id);
    s_encoding();
    s_sweep_far("customers.remind_contacts");
    s_sweep_far("customers.remind");
    s_sweep_far("customers.recycle");
    s_sweep_far("leads.remind");

    /* A next contact time 3 s ahead reminds at that time. */
    long long c1 = s_customer("按时提醒客户", s_in(3));
    H_CHECK(h_wait_sql(h, "scheduler",
                       "SELECT count(*) FROM scheduler_timers WHERE job ="
                       " 'customers.remind_contacts'",
                       1, 10000) == 1,
            "the timer reached the scheduler");
    s_fired_at_due("customers", "customers", "customer.reminder", c1, "r.next_contact_at");
    H_CHECK(h_wait_sql(h, "scheduler",
                       "SELECT count(*) FROM scheduler_runs WHERE job = 'customers.remind_contacts'"
                       " AND affected = 1 AND outcome = 1",
                       1, 10000) == 1,
            "its run in the history");
    h_note("a next contact time reminds at its time: ok");

    /* A time moved later before it comes fires at the new time only; a
     * cleared one not at all. c3, due after c2's first time, tells when
     * that time has passed. */
    long long c2 = s_customer("改期客户", s_in(2));
    long long c4 = s_customer("取消客户", s_in(2));
    char *later = crm_sprintf("{\"next_contact_at\":\"%s\"}", s_in(3600));
    s_patch_customer(c2, later);
    free(later);
    s_patch_customer(c4, "{\"next_contact_at\":null}");
    long long c3 = s_customer("后到客户", s_in(4));
    s_fired_at_due("customers", "customers", "customer.reminder", c3, "r.next_contact_at");
    H_CHECK(h_events(h, "customers", "customer.reminder", c2) == 0, "a moved time: not at the old");
    H_CHECK(h_events(h, "customers", "customer.reminder", c4) == 0, "a cleared time: never");
    H_CHECK(h_sql_intf(h, "scheduler",
                       "SELECT count(*) FROM scheduler_timers WHERE record = '%lld' AND due_at >"
                       " now() + interval '50 minutes' AND job = 'customers.remind_contacts'",
                       c2) == 1,
            "the moved time waits");
    H_CHECK(h_sql_intf(h, "scheduler",
                       "SELECT count(*) FROM scheduler_timers WHERE record = '%lld' AND"
                       " job = 'customers.remind_contacts'",
                       c4) == 0,
            "the cleared one is gone");
    h_note("moved and cleared times: ok");

    /* A pool rule's deadline: warned and recycled at its time. */
    t_resp_t r = t_expect(201, "POST", base, admin,
                          "{\"name\":\"定时公海\",\"is_default\":true,\"allow_claim\":true}",
                          "/api/v1/customer-pools");
    long long pool = t_json_int(&r, "id");
    t_resp_free(&r);
    char ppath[64];
    snprintf(ppath, sizeof ppath, "/api/v1/customer-pools/%lld", pool);
    r = t_expect(200, "PATCH", base, admin,
                 "{\"warn_days\":1,\"recycle_rules\":[{\"kind\":\"followup\",\"days\":10}]}",
                 ppath);
    t_resp_free(&r);
    long long c5 = s_customer("到期客户", NULL);
    char *age = crm_sprintf("UPDATE customers SET owner_since = now() - interval '10 days'"
                            " + interval '4 seconds', last_followup_at = NULL WHERE id = %lld",
                            c5);
    PQclear(h_sql(h, "customers", age));
    free(age);
    int64_t deadline =
        h_sql_intf(h, "customers", "SELECT crm_us(recycle_at) FROM customers WHERE id = %lld", c5);
    s_fired_at_due("customers", "customers", "customer.recycle_warning", c5, "r.recycle_warn_at");
    char *pooled =
        crm_sprintf("SELECT count(*) FROM customers WHERE id = %lld AND owner_id = 0", c5);
    H_CHECK(h_wait_sql(h, "customers", pooled, 1, 20000) == 1, "recycled at its deadline");
    free(pooled);
    H_CHECK(h_sql_intf(h, "customers",
                       "SELECT count(*) FROM crm_outbox WHERE type = 'customer.recycled' AND"
                       " aggregate_id = '%lld' AND crm_us(occurred_at) < %lld",
                       c5, (long long)deadline) == 0,
            "not before its deadline");
    H_CHECK(h_events(h, "customers", "customer.recycle_warning", c5) == 1 &&
                h_events(h, "customers", "customer.recycled", c5) == 1,
            "warned once, recycled once");
    h_note("a deadline warns and recycles at its time: ok");

    /* A lead's next follow-up time. */
    char *lbody = crm_sprintf("{\"name\":\"定时线索\",\"mobile\":\"13800138123\","
                              "\"owner_id\":%lld,\"next_followup_at\":\"%s\"}",
                              emp_id, s_in(3));
    r = t_expect(201, "POST", base, emp, lbody, "/api/v1/leads");
    long long lead = t_json_int(&r, "id");
    t_resp_free(&r);
    free(lbody);
    s_fired_at_due("leads", "leads", "lead.reminder", lead, "r.next_followup_at");
    h_note("a lead's next follow-up time reminds at its time: ok");

    /* A lead's pool rule (10 days, warned 1 day before): warned and
     * recycled at its times, once each; its pool's rule changing moves
     * them. */
    s_sweep_far("leads.recycle");
    long long lpool = h_sql_int(h, "leads",
                                "INSERT INTO lead_pools (name, recycle_days, warn_days) VALUES"
                                " ('定时线索池', 30, 1) RETURNING id");
    char *move = crm_sprintf("UPDATE leads SET pool_id = %lld, owner_since = now() - interval"
                             " '10 days' + interval '4 seconds', last_followup_at = NULL"
                             " WHERE id = %lld",
                             lpool, lead);
    PQclear(h_sql(h, "leads", move));
    free(move);
    char *far = crm_sprintf("SELECT count(*) FROM scheduler_timers WHERE job = 'leads.recycle'"
                            " AND record = '%lld' AND due_at > now() + interval '19 days'",
                            lead);
    H_CHECK(h_wait_sql(h, "scheduler", far, 1, 10000) == 1,
            "30 days: its recycle timer 20 days ahead");
    free(far);
    PQclear(h_sql(h, "leads", "UPDATE lead_pools SET recycle_days = 10 WHERE name = '定时线索池'"));
    int64_t lead_deadline = h_sql_intf(
        h, "leads", "SELECT crm_us(owner_since + interval '10 days') FROM leads WHERE id = %lld",
        lead);
    H_CHECK(h_wait_events(h, "leads", "lead.recycle_warning", lead, 1, 20000) == 1,
            "the lead warned");
    H_CHECK(h_sql_intf(h, "leads",
                       "SELECT count(*) FROM crm_outbox WHERE type = 'lead.recycle_warning' AND"
                       " aggregate_id = '%lld' AND crm_us(occurred_at) < %lld",
                       lead, (long long)(lead_deadline - 86400LL * 1000000)) == 0,
            "not before its warning time");
    char *lpooled =
        crm_sprintf("SELECT count(*) FROM leads WHERE id = %lld AND owner_id = 0", lead);
    H_CHECK(h_wait_sql(h, "leads", lpooled, 1, 20000) == 1, "the lead recycled at its time");
    free(lpooled);
    H_CHECK(h_sql_intf(h, "leads",
                       "SELECT count(*) FROM crm_outbox WHERE type = 'lead.recycled' AND"
                       " aggregate_id = '%lld' AND crm_us(occurred_at) < %lld",
                       lead, (long long)lead_deadline) == 0,
            "not before its time");
    H_CHECK(h_events(h, "leads", "lead.recycle_warning", lead) == 1 &&
                h_events(h, "leads", "lead.recycled", lead) == 1,
            "the lead warned once, recycled once");
    h_note("a lead's pool rule warns and recycles at its time, moved by the rule: ok");

    /* A timer leads sets for a customers' job is skipped; leads' stream
     * goes on (a later timer of its own lands). */
    PQclear(h_sql(h, "leads",
                  "SELECT crm_timer_publish('777777', crm_timer_entry('customers.recycle',"
                  " now() + interval '1 day')), crm_timer_publish(repeat('9', 201),"
                  " crm_timer_entry('leads.remind', now() + interval '1 day')),"
                  " crm_timer_publish('777778',"
                  " crm_timer_entry('leads.remind', now() + interval '1 day'))"));
    H_CHECK(h_wait_sql(h, "scheduler",
                       "SELECT count(*) FROM scheduler_timers WHERE record = '777778'", 1,
                       10000) == 1,
            "leads' own timer lands");
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_timers WHERE record = '777777'") == 0,
            "another service's job's timer is skipped");
    H_CHECK(h_sql_int(h, "scheduler",
                      "SELECT count(*) FROM scheduler_timers WHERE length(record) > 200") == 0,
            "a record id over 200 bytes is skipped");
    h_note("a foreign timer skipped: ok");

    /* Two instances, each due time once. */
    H_CHECK(h_events(h, "customers", "customer.reminder", c1) == 1 &&
                h_events(h, "customers", "customer.reminder", c3) == 1,
            "each reminder once");
    free(admin);
    free(emp);
    h_destroy(&h);
    return 0;
}
