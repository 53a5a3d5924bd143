/* test_outbox_order.c: a record's events are published in the order its
 * changes committed. The relay numbers whatever has committed, with no
 * horizon, so this rests on every writer adding its event while it holds
 * the record's lock. Eight threads follow up one lead concurrently (each
 * follow-up locks the lead, takes its id and writes its event) while a
 * ninth creates other leads, and the relay publishes all along; then, in
 * sequence order, the lead's lead.followed_up events carry follow-up ids
 * that only grow (the order the lock was taken in), and the bus has no hole
 * and no event twice. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "events.pb-c.h"
#include "suite.h"

#define THREADS 8
#define EACH 40
#define OTHERS 200

static h_t *s_h;
static int64_t s_lead;

static void *s_follow(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < EACH; i++) {
        char content[64];
        snprintf(content, sizeof content, "线程%d 第%d次", t, i);
        Crm__Leads__FollowUpLeadRequest req = CRM__LEADS__FOLLOW_UP_LEAD_REQUEST__INIT;
        req.lead_id = s_lead;
        req.content = content;
        req.method = CRM__LEADS__FOLLOW_UP_METHOD__FOLLOW_UP_METHOD_PHONE;
        char *err = NULL;
        Crm__Status st =
            t_call(s_h, "leads", "Leads.FollowUp", &req.base,
                   &crm__leads__follow_up_lead_reply__descriptor, t_system(), NULL, &err);
        H_CHECK(st == CRM__STATUS__OK, "FollowUp: %s %s", crm_status_name(st), err ? err : "");
        free(err);
    }
    return NULL;
}

static void *s_create_others(void *arg)
{
    for (int i = 0; i < OTHERS; i++) {
        char name[32];
        snprintf(name, sizeof name, "旁路%03d", i);
        t_create_lead(s_h, name, NULL, 2);
    }
    return NULL;
}

int main(void)
{
    s_h = h_new("outbox_order");
    h_suite(s_h, 1, 0, 0, 0);
    h_start_all(s_h);
    s_lead = t_create_lead(s_h, "并发跟进", NULL, 1);
    pthread_t th[THREADS + 1];
    for (int t = 0; t < THREADS; t++)
        H_CHECK(pthread_create(&th[t], NULL, s_follow, (void *)(intptr_t)t) == 0, "thread");
    H_CHECK(pthread_create(&th[THREADS], NULL, s_create_others, NULL) == 0, "thread");
    for (int t = 0; t <= THREADS; t++)
        pthread_join(th[t], NULL);
    H_CHECK(h_wait_sql(s_h, "leads", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0,
                       20000) == 0,
            "every event published");
    H_CHECK(h_sql_int(s_h, "leads",
                      "SELECT (count(*) = max(seq) AND count(DISTINCT seq) = count(*))::int"
                      " FROM crm_outbox") == 1,
            "sequences 1..n without a hole or a repeat");

    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT payload FROM crm_outbox WHERE aggregate_id = '%lld'"
             " AND type = 'lead.followed_up' ORDER BY seq",
             (long long)s_lead);
    PGresult *r = h_sql(s_h, "leads", sql);
    H_CHECK(PQntuples(r) == THREADS * EACH, "%d follow-up events, want %d", PQntuples(r),
            THREADS * EACH);
    int64_t last = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        size_t len = 0;
        uint8_t *bytes = crm_db_get_bytea(r, i, 0, &len);
        Crm__Events__LeadFollowedUp *ev = crm__events__lead_followed_up__unpack(NULL, len, bytes);
        free(bytes);
        H_CHECK(ev && ev->follow_up, "event %d decodes", i);
        H_CHECK(ev->follow_up->id > last,
                "event %d of the lead: follow-up %lld published after %lld (out of order)", i,
                (long long)ev->follow_up->id, (long long)last);
        last = ev->follow_up->id;
        crm__events__lead_followed_up__free_unpacked(ev, NULL);
    }
    PQclear(r);
    h_note("%d concurrent follow-ups of one lead published in their commit order", THREADS * EACH);
    h_stop(s_h, "leads", 0);
    h_destroy(&s_h);
    printf("outbox_order: ok\n");
    return 0;
}
