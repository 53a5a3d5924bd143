/* test_e2e.c: the walking skeleton end to end, on real processes: a lead is
 * created and converted, the customer appears once with the lead's fields;
 * a neglected customer is recycled to the pool with one event; bad input
 * and data scope get clear errors; crmctl calls and prints JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

static h_t *h;

static void s_expect(Crm__Status got, Crm__Status want, const char *err, const char *field,
                     const char *what)
{
    H_CHECK(got == want, "%s: got %s (%s), want %s", what, crm_status_name(got), err ? err : "",
            crm_status_name(want));
    if (field)
        H_CHECK(err && strstr(err, field), "%s: error '%s' does not name field %s", what,
                err ? err : "", field);
}

static void s_create_bad(const char *what, const char *name, const char *mobile, const char *email,
                         const char *field)
{
    Crm__Leads__CreateLeadRequest req = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    req.name = (char *)name;
    req.mobile = (char *)mobile;
    req.email = (char *)email;
    char *err = NULL;
    Crm__Status st = t_call(h, "leads", "Leads.Create", &req.base, &crm__leads__lead__descriptor,
                            t_system(), NULL, &err);
    s_expect(st, CRM__STATUS__INVALID_ARGUMENT, err, field, what);
    free(err);
}

static Crm__Customers__Customer *s_customer_of(int64_t lead_id, int timeout_ms)
{
    Crm__Customers__GetCustomerByLeadRequest req =
        CRM__CUSTOMERS__GET_CUSTOMER_BY_LEAD_REQUEST__INIT;
    req.lead_id = lead_id;
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        ProtobufCMessage *out = NULL;
        if (t_call(h, "customers", "Customers.GetByLead", &req.base,
                   &crm__customers__customer__descriptor, t_system(), &out,
                   NULL) == CRM__STATUS__OK)
            return (Crm__Customers__Customer *)out;
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void test_convert_creates_customer_once(void)
{
    int64_t id = t_create_lead(h, "张三的线索", "+86 138-0013-8000", 7);
    t_convert(h, id);
    Crm__Customers__Customer *c = s_customer_of(id, 10000);
    H_CHECK(c, "no customer for converted lead %lld", (long long)id);
    H_CHECK(strcmp(c->name, "张三的线索") == 0, "name copied: %s", c->name);
    H_CHECK(strcmp(c->mobile, "13800138000") == 0, "mobile normalised and copied: %s", c->mobile);
    H_CHECK(strcmp(c->company, "测试公司") == 0 && strcmp(c->level, "重点客户") == 0 &&
                strcmp(c->industry, "化工") == 0 && strcmp(c->source, "广告") == 0 &&
                strcmp(c->email, "lead@example.com") == 0,
            "contact fields copied");
    H_CHECK(c->owner_id == 7 && c->department_id == 10, "owner %lld", (long long)c->owner_id);
    H_CHECK(c->lead_id == id, "link to the lead");
    protobuf_c_message_free_unpacked(&c->base, NULL);

    /* Converting twice is refused and creates nothing more. */
    Crm__Leads__ConvertLeadRequest again = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    again.id = id;
    char *err = NULL;
    Crm__Status st = t_call(h, "leads", "Leads.Convert", &again.base,
                            &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, &err);
    s_expect(st, CRM__STATUS__FAILED_PRECONDITION, err, "already converted", "convert twice");
    free(err);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE lead_id = %lld", (long long)id);
    struct timespec ts = {0, 300 * 1000000};
    nanosleep(&ts, NULL);
    H_CHECK(h_sql_int(h, "customers", sql) == 1, "exactly one customer");
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM crm_outbox WHERE type = 'lead.converted' AND aggregate_id = '%lld'",
        (long long)id);
    H_CHECK(h_sql_int(h, "leads", sql) == 1, "exactly one lead.converted");
    h_note("convert: customer created once with the lead's fields");
}

static void test_overrides(void)
{
    int64_t id = t_create_lead(h, "李四", "13900139000", 8);
    Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    req.id = id;
    req.customer_name = "李四科技有限公司";
    req.contact_name = "李四";
    req.level = "优质客户";
    Crm__Status st = t_call(h, "leads", "Leads.Convert", &req.base,
                            &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, NULL);
    H_CHECK(st == CRM__STATUS__OK, "convert with overrides");
    Crm__Customers__Customer *c = s_customer_of(id, 10000);
    H_CHECK(c && strcmp(c->name, "李四科技有限公司") == 0 && strcmp(c->level, "优质客户") == 0 &&
                strcmp(c->industry, "化工") == 0,
            "overrides applied, the rest copied");
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM contacts WHERE customer_id = %lld AND name = '李四' AND"
             " is_primary AND mobile = '13900139000'",
             c ? (long long)c->id : 0LL);
    H_CHECK(h_sql_int(h, "customers", sql) == 1, "the first contact, primary, from the lead");
    protobuf_c_message_free_unpacked(&c->base, NULL);
    h_note("convert: overrides of customer fields");
}

/* 是否转移线索跟进记录: the lead's follow-ups become the customer's. */
static void test_copy_followups(void)
{
    int64_t id = t_create_lead(h, "王五", "13700137100", 8);
    for (int i = 0; i < 2; i++) {
        Crm__Leads__FollowUpLeadRequest f = CRM__LEADS__FOLLOW_UP_LEAD_REQUEST__INIT;
        f.lead_id = id;
        f.content = i ? "第二次：报价" : "第一次：电话";
        f.method = CRM__LEADS__FOLLOW_UP_METHOD__FOLLOW_UP_METHOD_PHONE;
        H_CHECK(t_call(h, "leads", "Leads.FollowUp", &f.base, NULL, t_employee(8, 1), NULL, NULL) ==
                    CRM__STATUS__OK,
                "follow-up %d", i);
    }
    Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    req.id = id;
    req.copy_followups = 1;
    req.mobile = "137-0013-7101";
    H_CHECK(t_call(h, "leads", "Leads.Convert", &req.base, NULL, t_employee(8, 1), NULL, NULL) ==
                CRM__STATUS__OK,
            "convert copying follow-ups");
    Crm__Customers__Customer *c = s_customer_of(id, 10000);
    H_CHECK(c && strcmp(c->mobile, "13700137101") == 0, "the contact's mobile, normalised");
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM customer_followups WHERE customer_id = %lld AND content LIKE"
             " '第%%'",
             (long long)c->id);
    H_CHECK(h_sql_int(h, "customers", sql) == 2, "both follow-ups copied");
    protobuf_c_message_free_unpacked(&c->base, NULL);
    h_note("convert: follow-ups copied to the customer");
}

static void test_bad_input(void)
{
    s_create_bad("empty name", "", NULL, NULL, "name");
    s_create_bad("bad mobile", "x", "12345", NULL, "mobile");
    s_create_bad("bad email", "x", NULL, "not-an-email", "email");
    s_create_bad("invalid utf-8", "\xff\xfe", NULL, NULL, "name");
    char longname[700];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    s_create_bad("name too long", longname, NULL, NULL, "name");

    Crm__Leads__GetLeadRequest get = CRM__LEADS__GET_LEAD_REQUEST__INIT;
    char *err = NULL;
    get.id = 0;
    Crm__Status st = t_call(h, "leads", "Leads.Get", &get.base, &crm__leads__lead__descriptor,
                            t_system(), NULL, &err);
    s_expect(st, CRM__STATUS__INVALID_ARGUMENT, err, "id", "get id 0");
    free(err);
    get.id = 987654321;
    st = t_call(h, "leads", "Leads.Get", &get.base, &crm__leads__lead__descriptor, t_system(), NULL,
                &err);
    s_expect(st, CRM__STATUS__NOT_FOUND, err, "id", "get unknown id");
    free(err);
    Crm__Leads__ConvertLeadRequest conv = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    conv.id = 987654321;
    st = t_call(h, "leads", "Leads.Convert", &conv.base,
                &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, &err);
    s_expect(st, CRM__STATUS__NOT_FOUND, err, "id", "convert unknown id");
    free(err);

    /* A duplicate mobile is refused with the existing lead named... */
    int64_t first = t_create_lead(h, "王五", "13700137000", 9);
    Crm__Leads__CreateLeadRequest dup = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    dup.name = "王五（重复）";
    dup.mobile = "137 0013 7000";
    dup.owner_id = 9;
    st = t_call(h, "leads", "Leads.Create", &dup.base, &crm__leads__lead__descriptor, t_system(),
                NULL, &err);
    s_expect(st, CRM__STATUS__ALREADY_EXISTS, err, "mobile", "duplicate mobile");
    char named[32];
    snprintf(named, sizeof named, "lead %lld", (long long)first);
    H_CHECK(strstr(err, named), "the duplicate names the existing lead: %s", err);
    free(err);
    /* ...unless the caller allows it. */
    dup.allow_duplicate = 1;
    st = t_call(h, "leads", "Leads.Create", &dup.base, &crm__leads__lead__descriptor, t_system(),
                NULL, NULL);
    H_CHECK(st == CRM__STATUS__OK, "allow_duplicate creates");
    h_note("bad input: each refused with its status and field");
}

static void test_scope(void)
{
    int64_t mine = t_create_lead(h, "员工1的线索", NULL, 101);
    int64_t theirs = t_create_lead(h, "员工2的线索", NULL, 102);
    Crm__Leads__GetLeadRequest get = CRM__LEADS__GET_LEAD_REQUEST__INIT;
    get.id = mine;
    Crm__Status st = t_call(h, "leads", "Leads.Get", &get.base, &crm__leads__lead__descriptor,
                            t_employee(101, 10), NULL, NULL);
    H_CHECK(st == CRM__STATUS__OK, "an employee reads their own lead");
    get.id = theirs;
    char *err = NULL;
    st = t_call(h, "leads", "Leads.Get", &get.base, &crm__leads__lead__descriptor,
                t_employee(101, 10), NULL, &err);
    s_expect(st, CRM__STATUS__NOT_FOUND, err, "id", "another employee's lead is not found");
    free(err);
    Crm__Leads__ConvertLeadRequest conv = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    conv.id = theirs;
    st = t_call(h, "leads", "Leads.Convert", &conv.base,
                &crm__leads__convert_lead_reply__descriptor, t_employee(101, 10), NULL, &err);
    s_expect(st, CRM__STATUS__NOT_FOUND, err, "id", "nor can it be converted");
    free(err);
    Crm__Leads__CreateLeadRequest req = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    req.name = "替别人建";
    req.owner_id = 102;
    st = t_call(h, "leads", "Leads.Create", &req.base, &crm__leads__lead__descriptor,
                t_employee(101, 10), NULL, &err);
    s_expect(st, CRM__STATUS__PERMISSION_DENIED, err, "owner_id", "create for another user");
    free(err);
    h_note("scope: an employee never sees another's lead");
}

static void test_recycle(void)
{
    int64_t fresh = t_create_lead(h, "常联系", NULL, 21);
    int64_t stale = t_create_lead(h, "被冷落", NULL, 22);
    t_convert(h, fresh);
    t_convert(h, stale);
    Crm__Customers__Customer *c1 = s_customer_of(fresh, 10000);
    Crm__Customers__Customer *c2 = s_customer_of(stale, 10000);
    H_CHECK(c1 && c2, "both customers exist");
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE customers SET last_followup_at = now() - interval '31 days', owner_since ="
             " now() - interval '31 days' WHERE id = %lld",
             (long long)c2->id);
    PQclear(h_sql(h, "customers", sql));

    Crm__Scheduler__FireNowRequest fire = CRM__SCHEDULER__FIRE_NOW_REQUEST__INIT;
    fire.name = "customers.recycle";
    Crm__Status st = t_call(h, "scheduler", "Scheduler.FireNow", &fire.base,
                            &crm__scheduler__job__descriptor, t_system(), NULL, NULL);
    H_CHECK(st == CRM__STATUS__OK, "FireNow");
    snprintf(sql, sizeof sql, "SELECT owner_id FROM customers WHERE id = %lld", (long long)c2->id);
    H_CHECK(h_wait_sql(h, "customers", sql, 0, 10000) == 0, "the stale customer is in the pool");
    snprintf(sql, sizeof sql, "SELECT owner_id FROM customers WHERE id = %lld", (long long)c1->id);
    H_CHECK(h_sql_int(h, "customers", sql) == 21, "the followed-up customer keeps its owner");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM crm_outbox WHERE type = 'customer.recycled'"
             " AND aggregate_id = '%lld'",
             (long long)c2->id);
    H_CHECK(h_sql_int(h, "customers", sql) == 1, "one customer.recycled");
    /* Firing again recycles nothing more. */
    st = t_call(h, "scheduler", "Scheduler.FireNow", &fire.base, &crm__scheduler__job__descriptor,
                t_system(), NULL, NULL);
    H_CHECK(st == CRM__STATUS__OK, "FireNow again");
    int64_t fired =
        h_wait_sql(h, "scheduler", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 10000);
    H_CHECK(fired == 0, "the scheduler published its firings");
    int64_t published = h_sql_int(h, "scheduler", "SELECT last_seq FROM crm_outbox_relay");
    H_CHECK(h_wait_sql(h, "customers",
                       "SELECT last_seq FROM crm_consumer_offsets WHERE producer = 'scheduler'",
                       published, 10000) == published,
            "the second firing was consumed");
    H_CHECK(h_sql_int(h, "customers", sql) == 1, "still one customer.recycled");

    /* A follow-up on a pooled customer is refused; an owned one's moves
     * its time. */
    Crm__Customers__FollowUpRequest fu = CRM__CUSTOMERS__FOLLOW_UP_REQUEST__INIT;
    fu.customer_id = c2->id;
    fu.content = "电话沟通";
    fu.method = CRM__CUSTOMERS__CUSTOMER_FOLLOW_UP_METHOD__CUSTOMER_FOLLOW_UP_METHOD_PHONE;
    char *err = NULL;
    st = t_call(h, "customers", "Customers.FollowUp", &fu.base,
                &crm__customers__follow_up_reply__descriptor, t_system(), NULL, &err);
    s_expect(st, CRM__STATUS__FAILED_PRECONDITION, err, "customer_id", "follow up a pooled one");
    free(err);
    fu.customer_id = c1->id;
    st = t_call(h, "customers", "Customers.FollowUp", &fu.base,
                &crm__customers__follow_up_reply__descriptor, t_system(), NULL, &err);
    H_CHECK(st == CRM__STATUS__OK, "follow up: %s", err ? err : "");
    free(err);
    protobuf_c_message_free_unpacked(&c1->base, NULL);
    protobuf_c_message_free_unpacked(&c2->base, NULL);
    h_note("recycle: neglected customer back to the pool, one event, once");
}

static void test_crmctl(void)
{
    int64_t id = t_create_lead(h, "crmctl线索", NULL, 5);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "CRM_LEADS_RPC='%s' %s call leads Leads.Get '{\"id\": %lld}'",
             h_rpc(h, "leads"), h_bin("tools/crmctl"), (long long)id);
    FILE *p = popen(cmd, "r");
    H_CHECK(p, "popen crmctl");
    char out[4096] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int rc = pclose(p);
    H_CHECK(rc == 0, "crmctl exit status %d: %s", rc, out);
    H_CHECK(strstr(out, "\"status\"") && strstr(out, "crmctl线索"), "crmctl output: %s", out);
    snprintf(cmd, sizeof cmd,
             "CRM_LEADS_RPC='%s' %s call leads Leads.Get '{\"id\": \"x\"}' >/dev/null 2>&1",
             h_rpc(h, "leads"), h_bin("tools/crmctl"));
    rc = system(cmd);
    H_CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "crmctl bad JSON type exits 2 (%d)", rc);
    h_note("crmctl: calls an RPC and prints JSON");
}

int main(void)
{
    h = h_new("e2e");
    h_suite(h, 1, 1, 1, 1);
    h_start_all(h);
    test_convert_creates_customer_once();
    test_overrides();
    test_copy_followups();
    test_bad_input();
    test_scope();
    test_recycle();
    test_crmctl();
    h_stop(h, "leads", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "scheduler", 0);
    h_stop(h, "sales", 0);
    h_destroy(&h);
    printf("e2e: ok\n");
    return 0;
}
