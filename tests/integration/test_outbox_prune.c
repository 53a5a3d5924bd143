/* test_outbox_prune.c: the relay deletes published events older than
 * CRM_OUTBOX_KEEP_HOURS, and Bus.Replay then tells a consumer asking for
 * them that they are gone (failed_precondition, from_sequence) instead of
 * answering with a silent hole; numbering goes on after a prune, and a
 * consumer that is caught up replays fine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.pb-c.h"
#include "suite.h"

static Crm__Status s_replay(h_t *h, uint64_t from, uint64_t *last, size_t *n, char **err)
{
    Crm__ReplayRequest req = CRM__REPLAY_REQUEST__INIT;
    req.from_sequence = from;
    ProtobufCMessage *reply = NULL;
    Crm__Status st = t_call(h, "leads", "Bus.Replay", &req.base, &crm__replay_reply__descriptor,
                            t_system(), &reply, err);
    if (reply) {
        *last = ((Crm__ReplayReply *)reply)->last_sequence;
        *n = ((Crm__ReplayReply *)reply)->n_events;
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    return st;
}

int main(void)
{
    h_t *h = h_new("outbox_prune");
    h_suite(h, 1, 0, 0, 0);
    h_setenv(h, "CRM_OUTBOX_KEEP_HOURS=0");
    h_setenv(h, "CRM_OUTBOX_PRUNE_MS=200");
    h_start_all(h);
    for (int i = 0; i < 5; i++)
        t_create_lead(h, "修剪", NULL, 3);
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_outbox", 0, 10000) == 0,
            "published events pruned");
    H_CHECK(h_sql_int(h, "leads", "SELECT last_seq FROM crm_outbox_relay") == 5,
            "the numbering is kept");
    uint64_t last = 0;
    size_t n = 0;
    char *err = NULL;
    Crm__Status st = s_replay(h, 1, &last, &n, &err);
    H_CHECK(st == CRM__STATUS__FAILED_PRECONDITION && err && strstr(err, "no longer kept") &&
                strstr(err, "[from_sequence]"),
            "replay of pruned events refused: %s", err ? err : "ok");
    free(err);
    err = NULL;
    st = s_replay(h, 6, &last, &n, &err);
    H_CHECK(st == CRM__STATUS__OK && n == 0 && last == 5, "a caught-up consumer replays fine");
    free(err);
    /* Numbering goes on after the prune. */
    t_create_lead(h, "修剪后", NULL, 3);
    H_CHECK(h_wait_sql(h, "leads", "SELECT last_seq FROM crm_outbox_relay", 6, 10000) == 6,
            "the next event is 6");
    h_note("outbox: published events pruned, replay says so, numbering goes on");
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("outbox_prune: ok\n");
    return 0;
}
