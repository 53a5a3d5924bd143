/* test_idempotency.c: a call retried on another instance after its first
 * reply was lost is applied once and answered as the first time.
 *
 * Two leads instances; the client waits 1 s per attempt and tries both.
 * The test holds a database lock the first attempt needs for 1.4 s, so
 * that attempt times out at the client and the call goes to the second
 * instance while the first is still working; then the lock is released and
 * the first attempt commits. The second must not apply the change again:
 * it answers with the stored reply. Checked for a create (one lead, the
 * same id), a batch action (one transfer, not "holds it already") and a
 * customer's follow-up (recorded once). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"

typedef struct {
    const char *conninfo;
    const char *lock_sql; /* taken in a transaction held for hold_ms */
    int hold_ms;
    volatile int locked;
} holder_t;

static void *s_hold(void *arg)
{
    holder_t *h = arg;
    PGconn *c = PQconnectdb(h->conninfo);
    PQclear(PQexec(c, "BEGIN"));
    PGresult *r = PQexec(c, h->lock_sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "lock failed: %s\n", PQerrorMessage(c));
    PQclear(r);
    h->locked = 1;
    usleep((useconds_t)h->hold_ms * 1000);
    PQclear(PQexec(c, "COMMIT"));
    PQfinish(c);
    return NULL;
}

static void s_hold_start(holder_t *hd, pthread_t *t)
{
    pthread_create(t, NULL, s_hold, hd);
    while (!hd->locked)
        usleep(1000);
}

static void test_create_retried(h_t *h)
{
    holder_t hd = {h_pg(h, "leads"),
                   "SELECT pg_advisory_xact_lock(hashtext('lead.mobile:13912345678'))", 1400, 0};
    pthread_t t;
    s_hold_start(&hd, &t);
    Crm__Leads__CreateLeadRequest req = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    req.name = "重试只建一次";
    req.mobile = "13912345678";
    req.owner_id = 5;
    ProtobufCMessage *reply = NULL;
    char *err = NULL;
    Crm__Status st = t_call_at(h_rpc(h, "leads"), 1000, "Leads.Create", &req.base,
                               &crm__leads__lead__descriptor, t_system(), &reply, &err);
    pthread_join(t, NULL);
    H_CHECK(st == CRM__STATUS__OK, "the retried create is answered OK: %s", err ? err : "");
    int64_t id = ((Crm__Leads__Lead *)reply)->id;
    protobuf_c_message_free_unpacked(reply, NULL);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM leads WHERE mobile = '13912345678'") == 1,
            "one lead");
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id FROM leads WHERE mobile = '13912345678'");
    H_CHECK(h_sql_int(h, "leads", sql) == id, "the reply names the lead that was created");
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'lead.created'") ==
                1,
            "one lead.created");
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM crm_idempotency") >= 1,
            "the reply was stored with the change");
    h_note("create retried on the other instance: one lead, the first reply");
}

static void test_transfer_retried(h_t *h)
{
    int64_t id = t_create_lead(h, "重试转移", NULL, 5);
    char lock[160];
    snprintf(lock, sizeof lock, "SELECT id FROM leads WHERE id = %lld FOR UPDATE", (long long)id);
    holder_t hd = {h_pg(h, "leads"), lock, 1400, 0};
    pthread_t t;
    s_hold_start(&hd, &t);
    Crm__Leads__TransferLeadsRequest req = CRM__LEADS__TRANSFER_LEADS_REQUEST__INIT;
    req.ids = &id;
    req.n_ids = 1;
    req.to_owner_id = 6;
    ProtobufCMessage *reply = NULL;
    char *err = NULL;
    Crm__Status st = t_call_at(h_rpc(h, "leads"), 1000, "Leads.Transfer", &req.base,
                               &crm__leads__leads_reply__descriptor, t_system(), &reply, &err);
    pthread_join(t, NULL);
    H_CHECK(st == CRM__STATUS__OK, "the retried transfer is answered OK, not refused: %s",
            err ? err : "");
    Crm__Leads__LeadsReply *lr = (Crm__Leads__LeadsReply *)reply;
    H_CHECK(lr->n_leads == 1 && lr->leads[0]->owner_id == 6, "the first reply");
    protobuf_c_message_free_unpacked(reply, NULL);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM lead_history WHERE lead_id = %lld AND action = 'transferred'",
             (long long)id);
    H_CHECK(h_sql_int(h, "leads", sql) == 1, "transferred once");
    h_note("transfer retried on the other instance: applied once, the first reply");
}

static void test_customer_followup_retried(h_t *h)
{
    int64_t lead = t_create_lead(h, "重试跟进", NULL, 5);
    t_convert(h, lead);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE lead_id = %lld",
             (long long)lead);
    H_CHECK(h_wait_sql(h, "customers", sql, 1, 15000) == 1, "the customer exists");
    snprintf(sql, sizeof sql, "SELECT id FROM customers WHERE lead_id = %lld", (long long)lead);
    int64_t id = h_sql_int(h, "customers", sql);
    char lock[160];
    snprintf(lock, sizeof lock, "SELECT id FROM customers WHERE id = %lld FOR UPDATE",
             (long long)id);
    holder_t hd = {h_pg(h, "customers"), lock, 1400, 0};
    pthread_t t;
    s_hold_start(&hd, &t);
    Crm__Customers__FollowUpRequest req = CRM__CUSTOMERS__FOLLOW_UP_REQUEST__INIT;
    req.customer_id = id;
    req.content = "只记一次";
    req.method = CRM__CUSTOMERS__CUSTOMER_FOLLOW_UP_METHOD__CUSTOMER_FOLLOW_UP_METHOD_PHONE;
    char *err = NULL;
    Crm__Status st = t_call_at(h_rpc(h, "customers"), 1000, "Customers.FollowUp", &req.base, NULL,
                               t_system(), NULL, &err);
    pthread_join(t, NULL);
    H_CHECK(st == CRM__STATUS__OK, "the retried follow-up is answered OK: %s", err ? err : "");
    free(err);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customer_followups WHERE customer_id = %lld",
             (long long)id);
    H_CHECK(h_sql_int(h, "customers", sql) == 1, "recorded once");
    h_note("customer follow-up retried on the other instance: recorded once");
}

int main(void)
{
    h_t *h = h_new("idempotency");
    h_suite(h, 2, 2, 0, 0);
    h_start_all(h);
    test_create_retried(h);
    test_transfer_retried(h);
    test_customer_followup_retried(h);
    h_stop(h, "customers", 0);
    h_stop(h, "customers", 1);
    h_stop(h, "leads", 0);
    h_stop(h, "leads", 1);
    h_destroy(&h);
    printf("idempotency: ok\n");
    return 0;
}
