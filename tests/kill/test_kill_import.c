/* test_kill_import.c: the leads service dies (SIGKILL) in the middle of an
 * import chunk. 20,000 rows go in chunks of 1,000; during chunk 10 the
 * service is killed about halfway through the chunk's usual time; the
 * client gets no reply, restarts the service and sends the chunk again, as
 * a client must. Afterwards: exactly 20,000 leads, one lead.created each
 * (all published), and the import's counters right, whether the killed
 * chunk had committed or not. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "suite.h"

#define ROWS 20000
#define CHUNK 1000
#define KILLED_CHUNK 10

static h_t *h;

typedef struct {
    h_proc_t *proc;
    unsigned delay_ms;
} killer_t;

static void *s_killer(void *arg)
{
    killer_t *k = arg;
    struct timespec ts = {k->delay_ms / 1000, (long)(k->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    h_signal(k->proc, SIGKILL);
    return NULL;
}

/* Chunk seq (rows from (seq - 1) * CHUNK), sent once with a deadline. */
static Crm__Status s_send(int64_t imp, int seq, unsigned deadline_ms)
{
    Crm__Leads__ImportRow rows[CHUNK], *ptrs[CHUNK];
    char names[CHUNK][32], mobiles[CHUNK][16];
    for (int i = 0; i < CHUNK; i++) {
        int n = (seq - 1) * CHUNK + i;
        crm__leads__import_row__init(&rows[i]);
        snprintf(names[i], sizeof names[i], "杀导入%05d", n);
        snprintf(mobiles[i], sizeof mobiles[i], "139%08d", n);
        rows[i].name = names[i];
        rows[i].mobile = mobiles[i];
        ptrs[i] = &rows[i];
    }
    Crm__Leads__ImportChunkRequest req = CRM__LEADS__IMPORT_CHUNK_REQUEST__INIT;
    req.import_id = imp;
    req.seq = seq;
    req.rows = ptrs;
    req.n_rows = CHUNK;
    req.last = seq == ROWS / CHUNK;
    ProtobufCMessage *reply = NULL;
    Crm__Status st =
        t_call_at(h_rpc(h, "leads"), deadline_ms, "Leads.ImportChunk", &req.base,
                  &crm__leads__import_chunk_reply__descriptor, t_system(), &reply, NULL);
    if (reply) {
        Crm__Leads__ImportChunkReply *r = (void *)reply;
        H_CHECK(r->n_results == CHUNK, "one result per row");
        for (size_t i = 0; i < r->n_results; i++)
            H_CHECK(r->results[i]->outcome == CRM__LEADS__IMPORT_OUTCOME__IMPORT_OUTCOME_CREATED,
                    "row %lld created", (long long)r->results[i]->row);
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    return st;
}

/* Sends the chunk with the service killed during it; then resends it to
 * the restarted service. Returns whether the killed attempt committed. */
static int s_killed_chunk(int64_t imp, unsigned delay_ms)
{
    killer_t k = {h_proc(h, "leads", 0), delay_ms};
    pthread_t t;
    H_CHECK(pthread_create(&t, NULL, s_killer, &k) == 0, "killer thread");
    Crm__Status st = s_send(imp, KILLED_CHUNK, 3000);
    pthread_join(t, NULL);
    int exit_status = h_wait(k.proc, 10000);
    H_CHECK(exit_status == 128 + SIGKILL, "leads was killed (status %d)", exit_status);
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM lead_import_chunks WHERE import_id = %lld AND seq = %d",
             (long long)imp, KILLED_CHUNK);
    int committed = h_sql_int(h, "leads", sql) == 1;
    h_note("killed %u ms into chunk %d: reply %s, chunk %s", delay_ms, KILLED_CHUNK,
           crm_status_name(st), committed ? "had committed" : "had not committed");
    h_start(h, "leads", 0);
    H_CHECK(s_send(imp, KILLED_CHUNK, 30000) == CRM__STATUS__OK, "the chunk sent again");
    return committed;
}

int main(void)
{
    h = h_new("kill_import");
    h_suite(h, 1, 0, 0, 0);
    h_start_all(h);
    int64_t imp = t_start_import(h, 7, ROWS);
    uint64_t spent = 0;
    for (int seq = 1; seq <= ROWS / CHUNK; seq++) {
        if (seq == KILLED_CHUNK) {
            s_killed_chunk(imp, (unsigned)(spent / (uint64_t)(seq - 1) / 2));
            continue;
        }
        uint64_t t0 = crm_mono_ms();
        H_CHECK(s_send(imp, seq, 30000) == CRM__STATUS__OK, "chunk %d", seq);
        spent += crm_mono_ms() - t0;
    }
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM leads WHERE name LIKE '杀导入%'") == ROWS,
            "exactly %d leads", ROWS);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(DISTINCT mobile) FROM leads") == ROWS,
            "no mobile twice");
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'lead.created'") ==
                ROWS,
            "one lead.created per lead");
    H_CHECK(h_sql_int(h, "leads",
                      "SELECT count(*) FROM leads l WHERE NOT EXISTS (SELECT 1 FROM crm_outbox o"
                      " WHERE o.type = 'lead.created' AND o.aggregate_id = l.id::text)") == 0,
            "each lead's event");
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 30000) ==
                0,
            "every event published");
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM lead_history WHERE action = 'imported'") ==
                ROWS,
            "one history entry per lead");
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM lead_imports WHERE id = %lld AND rows = %d AND created = %d"
             " AND duplicates = 0 AND invalid = 0 AND chunks = %d AND done",
             (long long)imp, ROWS, ROWS, ROWS / CHUNK);
    H_CHECK(h_sql_int(h, "leads", sql) == 1, "the import's counters");
    h_note("kill -9 during an import of %d rows: exactly %d leads and events", ROWS, ROWS);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("kill_import: ok\n");
    return 0;
}
