/* test_kill_lead_actions.c: kill -9 the leads service at random moments
 * while batch actions run against it from another thread. Every action
 * changes the leads, writes their history and their events in one
 * transaction: after the dust settles, for every lead the number of
 * transfers in its history equals the number of lead.transferred events,
 * its owner is the last transfer's target, and every event is published. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suite.h"

enum { LEADS = 200, GROUP = 10 };

typedef struct {
    h_t *h;
    int64_t ids[LEADS];
    volatile int stop;
    int calls, ok;
} work_t;

static const Crm__Caller *s_admin(void)
{
    static Crm__DataScope scope = CRM__DATA_SCOPE__INIT;
    static Crm__Caller c = CRM__CALLER__INIT;
    scope.all = 1;
    c.user_id = 1;
    c.role = CRM__ROLE__ROLE_ADMIN;
    c.scope = &scope;
    return &c;
}

/* Transfers groups of leads back and forth between users 11 and 12 until
 * told to stop. Replies may be lost to a kill: the database says what
 * committed. */
static void *s_transfers(void *arg)
{
    work_t *w = arg;
    for (int round = 0; !w->stop; round++) {
        int g = round % (LEADS / GROUP);
        Crm__Leads__TransferLeadsRequest req = CRM__LEADS__TRANSFER_LEADS_REQUEST__INIT;
        req.ids = &w->ids[g * GROUP];
        req.n_ids = GROUP;
        req.to_owner_id = (round / (LEADS / GROUP)) % 2 ? 11 : 12;
        req.reason = "kill test";
        Crm__Status st = t_call_at(h_rpc(w->h, "leads"), 500, "Leads.Transfer", &req.base, NULL,
                                   s_admin(), NULL, NULL);
        w->calls++;
        w->ok += st == CRM__STATUS__OK;
    }
    return NULL;
}

int main(void)
{
    h_t *h = h_new("kill_lead_actions");
    h_suite(h, 1, 0, 0, 0);
    h_start_all(h);
    work_t w = {.h = h};
    for (int i = 0; i < LEADS; i++) {
        char name[32];
        snprintf(name, sizeof name, "并发%03d", i);
        w.ids[i] = t_create_lead(h, name, NULL, 11);
    }
    pthread_t t;
    pthread_create(&t, NULL, s_transfers, &w);
    srand((unsigned)time(NULL));
    int kills = 0;
    for (; kills < 6; kills++) {
        struct timespec pause = {0, (150 + rand() % 400) * 1000000L};
        nanosleep(&pause, NULL);
        h_kill(h, "leads", 0);
        h_start(h, "leads", 0);
    }
    struct timespec settle = {0, 500 * 1000000L};
    nanosleep(&settle, NULL);
    w.stop = 1;
    pthread_join(t, NULL);
    H_CHECK(w.ok > 0, "some transfers went through (%d of %d)", w.ok, w.calls);

    /* History and events agree lead by lead, and the owner is the last target. */
    int64_t bad = h_sql_int(
        h, "leads",
        "SELECT count(*) FROM leads l WHERE"
        " (SELECT count(*) FROM lead_history x WHERE x.lead_id = l.id AND x.action = 'transferred')"
        " <> (SELECT count(*) FROM crm_outbox o WHERE o.type = 'lead.transferred'"
        "     AND o.aggregate_id = l.id::text)"
        " OR l.owner_id <> COALESCE((SELECT x.to_owner_id FROM lead_history x WHERE"
        "     x.lead_id = l.id AND x.action = 'transferred' ORDER BY x.id DESC LIMIT 1), 11)");
    H_CHECK(bad == 0, "%lld leads whose state, history and events disagree", (long long)bad);
    int64_t moves =
        h_sql_int(h, "leads", "SELECT count(*) FROM lead_history WHERE action = 'transferred'");
    H_CHECK(moves >= (int64_t)w.ok * GROUP,
            "every acknowledged transfer committed: %lld moves,"
            " %d acknowledged batches",
            (long long)moves, w.ok);
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 15000) ==
                0,
            "every event published after the restarts");
    h_note("kill -9 leads %d times during %d transfer batches (%d acknowledged): %lld moves,"
           " each with its history and one event",
           kills, w.calls, w.ok, (long long)moves);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("kill_lead_actions: ok\n");
    return 0;
}
