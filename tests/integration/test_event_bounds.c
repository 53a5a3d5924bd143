/* test_event_bounds.c: events are bounded, and so are replay pages.
 *   - A lead with 60 follow-ups converted with copy_followups: its
 *     lead.converted carries the latest 50, oldest first, and says the lead
 *     has 60; the customer gets those 50.
 *   - Bus.Replay ends a page once its payloads pass 4 MiB: six events of
 *     900 KB come back five, then one (a page always holds one event). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.pb-c.h"
#include "crm/db.h"
#include "events.pb-c.h"
#include "suite.h"

#define FOLLOWUPS 60

static void s_follow_up(h_t *h, int64_t lead, int i)
{
    char content[32];
    snprintf(content, sizeof content, "第%02d次跟进", i);
    Crm__Leads__FollowUpLeadRequest req = CRM__LEADS__FOLLOW_UP_LEAD_REQUEST__INIT;
    req.lead_id = lead;
    req.content = content;
    req.method = CRM__LEADS__FOLLOW_UP_METHOD__FOLLOW_UP_METHOD_PHONE;
    char *err = NULL;
    Crm__Status st = t_call(h, "leads", "Leads.FollowUp", &req.base,
                            &crm__leads__follow_up_lead_reply__descriptor, t_system(), NULL, &err);
    H_CHECK(st == CRM__STATUS__OK, "FollowUp: %s %s", crm_status_name(st), err ? err : "");
    free(err);
}

static void s_converted_follow_ups(h_t *h)
{
    int64_t lead = t_create_lead(h, "跟进很多", NULL, 1);
    for (int i = 1; i <= FOLLOWUPS; i++)
        s_follow_up(h, lead, i);
    Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    req.id = lead;
    req.copy_followups = 1;
    char *err = NULL;
    Crm__Status st = t_call(h, "leads", "Leads.Convert", &req.base,
                            &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, &err);
    H_CHECK(st == CRM__STATUS__OK, "Convert: %s %s", crm_status_name(st), err ? err : "");
    free(err);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT payload FROM crm_outbox WHERE type = 'lead.converted' AND aggregate_id = "
             "'%lld'",
             (long long)lead);
    PGresult *r = h_sql(h, "leads", sql);
    H_CHECK(PQntuples(r) == 1, "one lead.converted");
    size_t len = 0;
    uint8_t *bytes = crm_db_get_bytea(r, 0, 0, &len);
    Crm__Events__LeadConverted *ev = crm__events__lead_converted__unpack(NULL, len, bytes);
    free(bytes);
    PQclear(r);
    H_CHECK(ev && ev->n_follow_ups == 50 && ev->follow_ups_total == FOLLOWUPS,
            "the event carries %zu follow-ups of %d", ev ? ev->n_follow_ups : 0,
            ev ? ev->follow_ups_total : 0);
    H_CHECK(!strcmp(ev->follow_ups[0]->content, "第11次跟进") &&
                !strcmp(ev->follow_ups[49]->content, "第60次跟进"),
            "the latest 50, oldest first: %s .. %s", ev->follow_ups[0]->content,
            ev->follow_ups[49]->content);
    crm__events__lead_converted__free_unpacked(ev, NULL);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM customer_followups f JOIN customers c ON c.id = f.customer_id"
             " WHERE c.lead_id = %lld",
             (long long)lead);
    H_CHECK(h_wait_sql(h, "customers", sql, 50, 20000) == 50, "the customer got the 50");
    h_note("a converted lead's follow-ups travel bounded: ok");
}

/* Bus.Replay from from: how many events, and their payload bytes. */
static size_t s_replay(h_t *h, uint64_t from, size_t *bytes)
{
    Crm__ReplayRequest req = CRM__REPLAY_REQUEST__INIT;
    req.from_sequence = from;
    req.limit = 1000;
    ProtobufCMessage *out = NULL;
    char *err = NULL;
    Crm__Status st = t_call(h, "leads", "Bus.Replay", &req.base, &crm__replay_reply__descriptor,
                            NULL, &out, &err);
    H_CHECK(st == CRM__STATUS__OK, "Bus.Replay: %s %s", crm_status_name(st), err ? err : "");
    free(err);
    const Crm__ReplayReply *rep = (const Crm__ReplayReply *)out;
    size_t n = rep->n_events;
    *bytes = 0;
    for (size_t i = 0; i < n; i++)
        *bytes += rep->events[i]->payload.len;
    protobuf_c_message_free_unpacked(out, NULL);
    return n;
}

static void s_replay_pages(h_t *h)
{
    int64_t before = h_sql_int(h, "leads", "SELECT last_seq FROM crm_outbox_relay");
    PQclear(h_sql(h, "leads",
                  "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)"
                  " SELECT gen_random_uuid(), 'test.big', g::text,"
                  " decode(repeat('ab', 900000), 'hex') FROM generate_series(1, 6) g"));
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 20000) ==
                0,
            "the big events are published");
    size_t bytes;
    size_t n = s_replay(h, (uint64_t)before + 1, &bytes);
    H_CHECK(n == 5 && bytes == 5 * 900000, "first page: %zu events, %zu bytes", n, bytes);
    n = s_replay(h, (uint64_t)before + 6, &bytes);
    H_CHECK(n == 1, "second page: %zu events", n);
    h_note("replay pages end past 4 MiB: ok");
}

int main(void)
{
    h_t *h = h_new("event_bounds");
    h_suite(h, 1, 1, 0, 0);
    h_start_all(h);
    s_converted_follow_ups(h);
    s_replay_pages(h);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("event_bounds: ok\n");
    return 0;
}
