/* bus_serve.c: the Bus service every producer serves (see outbox.h):
 * Replay from the outbox, and Ack, by which a consumer registers and says
 * how far it has applied (retention.c keeps events until every registered
 * consumer has them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/rpc.h"
#include "crm/rpc_db.h"
#include "crm/util.h"
#include "outbox_impl.h"

#define REPLAY_MAX 1000
#define ACK_MAX ((uint64_t)1 << 62) /* the highest position a consumer may report */
/* A replay page stops once its events reach this many bytes (it holds at
 * least one event): 4 events at the bound, or a thousand small ones. */
#define REPLAY_MAX_BYTES (4 << 20)

/* ---- Bus.Replay -------------------------------------------------------- */

typedef struct {
    crm_rpc_call_t *call;
    const char *producer;
    uint64_t from;
} replay_t;

static void s_replay_done(void *arg, const crm_db_result_t *res)
{
    replay_t *rp = arg;
    uint64_t first = res->err ? 0 : (uint64_t)crm_db_get_i64(res->results[2], 0, 0);
    if (res->err) {
        crm_rpc_fail(rp->call, crm_db_rpc_status(res), NULL, "replay failed: %s", res->message);
    } else if (first > rp->from) {
        crm_rpc_fail(rp->call, CRM__STATUS__FAILED_PRECONDITION, "from_sequence",
                     "events before %llu are no longer kept: this consumer is further behind"
                     " than the producer's retention ceiling (a read model rebuilds from"
                     " Bus.Snapshot; anything else needs an operator)",
                     (unsigned long long)first);
    } else {
        const PGresult *rows = res->results[0];
        int n = PQntuples(rows);
        Crm__ReplayReply reply = CRM__REPLAY_REPLY__INIT;
        Crm__Event *evs = crm_calloc((size_t)n, sizeof *evs);
        Crm__Event **ptrs = crm_calloc((size_t)n, sizeof *ptrs);
        uint8_t **bufs = crm_calloc((size_t)n, sizeof *bufs);
        for (int i = 0; i < n; i++) {
            crm_event_from_row(rows, i, rp->producer, &evs[i], &bufs[i]);
            ptrs[i] = &evs[i];
        }
        reply.n_events = (size_t)n;
        reply.events = ptrs;
        reply.last_sequence = (uint64_t)crm_db_get_i64(res->results[1], 0, 0);
        crm_rpc_reply(rp->call, &reply.base);
        for (int i = 0; i < n; i++)
            free(bufs[i]);
        free(bufs);
        free(ptrs);
        free(evs);
    }
    free(rp);
}

static void s_replay(crm_rpc_call_t *call, void *arg)
{
    crm_replay_ctx_t *ctx = arg;
    const Crm__ReplayRequest *req = (const Crm__ReplayRequest *)crm_rpc_call_request(call);
    if (req->from_sequence < 1) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "from_sequence", "must be at least 1");
        return;
    }
    unsigned limit = req->limit == 0 || req->limit > REPLAY_MAX ? REPLAY_MAX : req->limit;
    char from[24], lim[16], bytes[24];
    snprintf(from, sizeof from, "%llu", (unsigned long long)req->from_sequence);
    snprintf(lim, sizeof lim, "%u", limit);
    snprintf(bytes, sizeof bytes, "%d", REPLAY_MAX_BYTES);
    replay_t *rp = crm_calloc(1, sizeof *rp);
    rp->call = call;
    rp->producer = ctx->producer;
    crm_db_batch_t *b = crm_db_batch_new();
    const char *params[] = {from, lim, bytes};
    crm_db_batch_add(b, "crm_replay", 3, params);
    crm_db_batch_add(b, "crm_replay_last", 0, NULL);
    crm_db_batch_add(b, "crm_replay_first", 0, NULL);
    rp->from = req->from_sequence;
    crm_db_submit(ctx->db, &b, s_replay_done, rp);
}

/* ---- Bus.Ack ----------------------------------------------------------- */

typedef struct {
    crm_rpc_call_t *call;
    crm_replay_ctx_t *ctx;
} ack_t;

/* The consumer is ahead of the sequence: say it loudly, it is a restore. */
static void s_sequence_raised(ack_t *a, const PGresult *r)
{
    const Crm__AckRequest *req = (const Crm__AckRequest *)crm_rpc_call_request(a->call);
    a->ctx->sequence_raised++;
    crm_log(CRM_ERROR,
            "a consumer has applied events past this producer's last sequence: its database"
            " was restored to an earlier point; the sequence is raised past the consumer's"
            " position, and the events numbered from the restore point to the old sequence"
            " were skipped by that consumer (docs/operations.md, Backup and restore)",
            "producer", a->ctx->producer, "consumer", req->consumer, "old_sequence",
            crm_db_get(r, 0, 0), "raised_to", crm_db_get(r, 0, 1), NULL);
}

static void s_acked(void *arg, const crm_db_result_t *res)
{
    ack_t *a = arg;
    if (res->err) {
        crm_fail_db(a->call, res);
        free(a);
        return;
    }
    if (PQntuples(res->results[0]) > 0)
        s_sequence_raised(a, res->results[0]);
    Crm__AckReply reply = CRM__ACK_REPLY__INIT;
    crm_rpc_reply(a->call, &reply.base);
    free(a);
}

static void s_ack(crm_rpc_call_t *call, void *arg)
{
    crm_replay_ctx_t *ctx = arg;
    const Crm__AckRequest *req = (const Crm__AckRequest *)crm_rpc_call_request(call);
    size_t len = strlen(req->consumer);
    if (len == 0 || len > 100) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "consumer",
                     "name the consumer (1 to 100 characters)");
        return;
    }
    /* A position past the sequence raises it (a restore, s_sequence_raised):
     * the bound keeps room above any position for the events after it. */
    if (req->applied_sequence > ACK_MAX) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "applied_sequence",
                     "must be at most 2^62");
        return;
    }
    char applied[24];
    snprintf(applied, sizeof applied, "%llu", (unsigned long long)req->applied_sequence);
    const char *p[] = {req->consumer, applied};
    ack_t *a = crm_malloc(sizeof *a);
    a->call = call;
    a->ctx = ctx;
    crm_db_exec(ctx->db, "crm_bus_ack", 2, p, s_acked, a);
}

void crm_replay_serve(crm_rpc_server_t *srv, crm_replay_ctx_t *ctx)
{
    crm_rpc_server_handle(srv, &crm__bus__descriptor, "Replay", s_replay, ctx);
    crm_rpc_server_handle(srv, &crm__bus__descriptor, "Ack", s_ack, ctx);
}
