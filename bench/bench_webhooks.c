/* bench_webhooks.c: webhook deliveries per second to a local receiver.
 * N lead.created events are committed into the leads service's outbox
 * while S subscriptions are paused, so every delivery waits in the
 * webhooks service's database; the clock runs from resuming them until
 * the last delivery is recorded delivered. Beside it, in the same run and
 * at the same concurrency (S transfers at once, each subscription's one
 * after the other), a bare libcurl multi loop POSTing the same bodies with
 * the same headers to the same receiver: the HTTP limit without claims,
 * signatures and records.
 *
 *   bench_webhooks [events] [subscriptions...]     (default 2000, then 1 and 16) */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "harness.h"
#include "receiver.h"
#include "stats.h"
#include "suite.h"
#include "wh.h"

static h_t *h;
static t_rcv_t *rcv;

static void s_update_all(int64_t *ids, int n, int paused)
{
    for (int i = 0; i < n; i++) {
        Crm__Webhooks__UpdateWebhookRequest req = CRM__WEBHOOKS__UPDATE_WEBHOOK_REQUEST__INIT;
        char *mask[] = {"paused"};
        req.id = ids[i];
        req.update_mask = mask;
        req.n_update_mask = 1;
        req.paused = paused;
        H_CHECK(t_call(h, "webhooks", "Webhooks.Update", &req.base,
                       &crm__webhooks__webhook__descriptor, t_system(), NULL,
                       NULL) == CRM__STATUS__OK,
                "pause/resume");
    }
}

/* The service: S subscriptions, N events each; deliveries per second. */
static double s_service(int events, int subs)
{
    h_sql_int(h, "webhooks", "WITH d AS (DELETE FROM webhooks RETURNING 1) SELECT count(*) FROM d");
    int64_t *ids = crm_calloc((size_t)subs, sizeof *ids);
    for (int i = 0; i < subs; i++) {
        char path[32];
        snprintf(path, sizeof path, "/s%d", i);
        char *url = t_rcv_url(rcv, path);
        Crm__Webhooks__Webhook *w = t_wh_create(h, url, "lead.created", NULL);
        ids[i] = w->id;
        protobuf_c_message_free_unpacked(&w->base, NULL);
        free(url);
    }
    s_update_all(ids, subs, 1);
    char *q = crm_sprintf("WITH i AS (INSERT INTO crm_outbox (event_id, type, payload)"
                          " SELECT gen_random_uuid(), 'lead.created', '' FROM"
                          " generate_series(1, %d) RETURNING 1) SELECT count(*) FROM i",
                          events);
    h_sql_int(h, "leads", q);
    free(q);
    int64_t want = (int64_t)events * subs;
    H_CHECK(h_wait_sql(h, "webhooks", "SELECT count(*) FROM webhook_deliveries WHERE NOT delivered",
                       want, 120000) == want,
            "deliveries made");
    uint64_t t0 = stats_now_ns();
    s_update_all(ids, subs, 0);
    H_CHECK(h_wait_sql(h, "webhooks", "SELECT count(*) FROM webhook_deliveries WHERE NOT delivered",
                       0, 600000) == 0,
            "all delivered");
    double secs = (double)(stats_now_ns() - t0) / 1e9;
    free(ids);
    return (double)want / secs;
}

/* One bare transfer slot: POSTs its bodies one after the other. */
typedef struct {
    CURL *easy;
    struct curl_slist *headers;
    char url[96];
    int next;
} slot_t;

static size_t s_discard(char *p, size_t size, size_t n, void *arg)
{
    return size * n;
}

static void s_start(CURLM *m, slot_t *s, char **bodies)
{
    curl_easy_reset(s->easy);
    curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, bodies[s->next++]);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    curl_multi_add_handle(m, s->easy);
}

/* The bare loop: subs slots, events bodies each. */
static double s_bare(char **bodies, int events, int subs)
{
    CURLM *m = curl_multi_init();
    slot_t *slots = crm_calloc((size_t)subs, sizeof *slots);
    for (int i = 0; i < subs; i++) {
        slots[i].easy = curl_easy_init();
        char *u = t_rcv_url(rcv, "/bare");
        snprintf(slots[i].url, sizeof slots[i].url, "%s", u);
        free(u);
        const char *hs[] = {"Content-Type: application/json",
                            "Expect:", "webhook-id: 00000000-0000-0000-0000-000000000000",
                            "webhook-timestamp: 1700000000",
                            "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="};
        for (size_t k = 0; k < 5; k++)
            slots[i].headers = curl_slist_append(slots[i].headers, hs[k]);
    }
    uint64_t t0 = stats_now_ns();
    for (int i = 0; i < subs; i++)
        s_start(m, &slots[i], bodies);
    int done = 0, running = 1;
    while (done < events * subs) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            slot_t *s;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            curl_multi_remove_handle(m, s->easy);
            done++;
            if (s->next < events)
                s_start(m, s, bodies);
        }
        if (done < events * subs)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double secs = (double)(stats_now_ns() - t0) / 1e9;
    for (int i = 0; i < subs; i++) {
        curl_easy_cleanup(slots[i].easy);
        curl_slist_free_all(slots[i].headers);
    }
    free(slots);
    curl_multi_cleanup(m);
    return (double)(events * subs) / secs;
}

int main(int argc, char **argv)
{
    int events = argc > 1 ? atoi(argv[1]) : 2000;
    int def[] = {1, 16}, nsubs = argc > 2 ? argc - 2 : 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    h = h_new("bench_webhooks");
    h_setenv(h, "CRM_WEBHOOK_INFLIGHT=64");
    h_suite_counts(h, "leads=1,scheduler=1,webhooks=1");
    h_start_all(h);
    rcv = t_rcv_new();
    for (int k = 0; k < nsubs; k++) {
        int subs = argc > 2 ? atoi(argv[2 + k]) : def[k];
        double svc = s_service(events, subs);
        PGresult *r = h_sql(h, "webhooks", "SELECT body FROM webhook_events ORDER BY id DESC");
        char **bodies = crm_calloc((size_t)events, sizeof *bodies);
        for (int i = 0; i < events; i++)
            bodies[i] = PQgetvalue(r, i % PQntuples(r), 0);
        double bare = s_bare(bodies, events, subs);
        free(bodies);
        PQclear(r);
        printf("webhooks: %d events x %d subscriptions: service %.0f deliveries/s, bare libcurl "
               "multi %.0f/s (%.0f%%)\n",
               events, subs, svc, bare, 100.0 * svc / bare);
        fflush(stdout);
    }
    h_stop(h, "webhooks", 0);
    t_rcv_destroy(&rcv);
    h_destroy(&h);
    curl_global_cleanup();
    return 0;
}
