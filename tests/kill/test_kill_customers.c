/* test_kill_customers.c: kill -9 the customers service (two instances,
 * one consuming, one standing by) again and again while 2,000 leads are
 * converted; after restarts there are exactly 2,000 customers, each made
 * once with every field its conversion accepted (tags, remark, next
 * contact, WeChat, QQ, region and address, the overridden name and
 * level), one primary contact each, the copied follow-ups once each, and
 * the consumer's offset has reached the producer's last event. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "suite.h"

/* Every tenth lead gets a follow-up, copied at its conversion. */
#define FOLLOWED 10

/* A lead with every field a conversion carries over, owned by owner. */
static int64_t s_rich_lead(h_t *h, int i, int64_t owner)
{
    char name[32], mobile[24];
    snprintf(name, sizeof name, "线索%04d", i);
    snprintf(mobile, sizeof mobile, "1390000%04d", i);
    char *tags[] = {"展会", "华东"};
    Crm__Leads__CreateLeadRequest req = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    req.name = name;
    req.mobile = mobile;
    req.company = "测试公司";
    req.wechat = "wx_lead";
    req.qq = "10001";
    req.province = "浙江";
    req.city = "杭州";
    req.district = "西湖";
    req.address = "文三路 1 号";
    req.tags = tags;
    req.n_tags = 2;
    req.owner_id = owner;
    req.department_id = 10;
    ProtobufCMessage *out = NULL;
    H_CHECK(t_call(h, "leads", "Leads.Create", &req.base, &crm__leads__lead__descriptor, t_system(),
                   &out, NULL) == CRM__STATUS__OK,
            "create lead %d", i);
    int64_t id = ((Crm__Leads__Lead *)out)->id;
    protobuf_c_message_free_unpacked(out, NULL);
    if (i % FOLLOWED == 0) {
        Crm__Leads__FollowUpLeadRequest f = CRM__LEADS__FOLLOW_UP_LEAD_REQUEST__INIT;
        char *att[] = {"file-9"};
        f.lead_id = id;
        f.content = "初次电话";
        f.method = CRM__LEADS__FOLLOW_UP_METHOD__FOLLOW_UP_METHOD_WECHAT;
        f.attachments = att;
        f.n_attachments = 1;
        H_CHECK(t_call(h, "leads", "Leads.FollowUp", &f.base, NULL, t_system(), NULL, NULL) ==
                    CRM__STATUS__OK,
                "follow up lead %d", i);
    }
    return id;
}

/* Converts lead id with overrides and the follow-ups copied. */
static void s_convert(h_t *h, int64_t id)
{
    char *tags[] = {"转化"};
    Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    req.id = id;
    req.customer_name = "转化客户";
    req.contact_name = "联系人";
    req.level = "优质客户";
    req.tags = tags;
    req.n_tags = 1;
    req.remark = "转化备注";
    req.next_followup_at_us = 4102444800000000LL; /* 2100-01-01 */
    req.copy_followups = 1;
    char *err = NULL;
    Crm__Status st = t_call(h, "leads", "Leads.Convert", &req.base,
                            &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, &err);
    H_CHECK(st == CRM__STATUS__OK, "Leads.Convert %lld: %s %s", (long long)id, crm_status_name(st),
            err ? err : "");
    free(err);
}

#define LEADS 2000
#define CHUNK 200

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

int main(void)
{
    h_t *h = h_new("kill_customers");
    h_suite(h, 1, 2, 0, 1);
    h_start_all(h);

    int64_t *ids = malloc(sizeof *ids * LEADS);
    for (int i = 0; i < LEADS; i++)
        ids[i] = s_rich_lead(h, i, 1 + i % 7);
    h_note("created %d leads", LEADS);

    /* Kills land wherever the consumers are: mid-batch, between commit and
     * offset, during a replay. */
    for (int i = 0; i < LEADS; i++) {
        s_convert(h, ids[i]);
        if (i % CHUNK != CHUNK - 1)
            continue;
        switch (i / CHUNK) {
        case 1:
            h_kill(h, "customers", 0);
            break;
        case 2:
            h_start(h, "customers", 0);
            break;
        case 3:
            h_kill(h, "customers", 1);
            break;
        case 4:
            h_start(h, "customers", 1);
            break;
        case 5:
            h_kill(h, "customers", 0);
            h_kill(h, "customers", 1);
            break;
        case 6:
            h_start(h, "customers", 0);
            h_start(h, "customers", 1);
            break;
        case 7:
            h_kill(h, "customers", 0);
            s_sleep_ms(300);
            h_start(h, "customers", 0);
            break;
        default:
            break;
        }
    }
    h_note("converted %d leads with customers killed 5 times", LEADS);
    free(ids);

    int64_t n = h_wait_sql(h, "customers", "SELECT count(*) FROM customers", LEADS, 120000);
    H_CHECK(n == LEADS, "customers: %lld, want %d", (long long)n, LEADS);
    H_CHECK(h_sql_int(h, "customers", "SELECT count(DISTINCT lead_id) FROM customers") == LEADS,
            "one customer per lead");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'customer.created'") == LEADS,
            "one customer.created per customer");
    /* The leads' events (beside them the reports of its jobs' runs, job.ran). */
    int64_t domain = h_sql_int(h, "leads",
                               "SELECT count(*) FROM crm_outbox WHERE type <> 'job.ran' AND seq IS"
                               " NOT NULL");
    H_CHECK(domain == 2 * LEADS + LEADS / FOLLOWED, "leads published %lld events, want %d",
            (long long)domain, 2 * LEADS + LEADS / FOLLOWED);
    int64_t last = h_sql_int(h, "leads", "SELECT last_seq FROM crm_outbox_relay");
    H_CHECK(h_wait_sql(h, "customers",
                       "SELECT last_seq FROM crm_consumer_offsets WHERE producer = 'leads'", last,
                       30000) == last,
            "the offset reached the producer's last event");
    /* Every customer has every field its conversion accepted. */
    H_CHECK(
        h_sql_int(h, "customers",
                  "SELECT count(*) FROM customers WHERE name = '转化客户' AND level = '优质客户'"
                  " AND tags = '{转化}' AND remark = '转化备注' AND wechat = 'wx_lead' AND qq ="
                  " '10001' AND province = '浙江' AND city = '杭州' AND district = '西湖' AND"
                  " address = '文三路 1 号' AND next_contact_at = '2100-01-01T00:00:00Z' AND"
                  " mobile LIKE '1390000%' AND company = '测试公司' AND type = 1") == LEADS,
        "every accepted field landed");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM contacts k JOIN customers c ON c.id = k.customer_id"
                      " WHERE k.is_primary AND k.name = '联系人' AND k.mobile = c.mobile") == LEADS,
            "one primary contact each, from the lead");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM customer_followups WHERE content = '初次电话' AND"
                      " method = 3 AND attachments = '{file-9}' AND lead_id IS NOT NULL") ==
                LEADS / FOLLOWED,
            "the follow-ups copied once each, with method and attachments");
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM customer_history WHERE action = 'converted'") == LEADS,
            "one history entry each");
    h_note("exactly %d customers after 5 kills, every field there", LEADS);
    h_stop(h, "customers", 0);
    h_stop(h, "customers", 1);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_customers: ok\n");
    return 0;
}
