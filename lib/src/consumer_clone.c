/* consumer_clone.c: a consumer's standing with its producer (see
 * consumer.h): it registers and reports how far it has applied (Bus.Ack),
 * and, when it is too far behind to replay, rebuilds its read model from
 * the producer's snapshot (Bus.Snapshot, the Clone pattern):
 *
 *   one transaction: every page's records through the consumer's apply,
 *   then the offset moved from where it was to the snapshot's horizon and
 *   the snapshot's "skip" ids stored (crm_consumer_skips); commit.
 *
 * A kill or failure before the commit leaves the read model and offset as
 * they were, and the rebuild starts again with a new snapshot. After it,
 * the stream goes on from horizon + 1, and the events the snapshot already
 * held (committed, not yet numbered when it was taken) are left out of the
 * batches that carry them, once: so nothing is lost and nothing applied
 * twice. */
#include <stdlib.h>
#include <string.h>

#include "consumer_impl.h"
#include "crm/log.h"
#include "crm/util.h"

/* ---- registration ----------------------------------------------------- */

static void s_acked(void *arg, const crm_rpc_result_t *res)
{
    crm_consumer_t *c = arg;
    c->acking = 0;
    if (c->closing) {
        consumer_maybe_free(c);
        return;
    }
    if (res->status != CRM__STATUS__OK) {
        crm_log(CRM_WARN, "applied position not reported; the producer keeps its events meanwhile",
                "consumer", c->name, "producer", c->producer, "message", res->message, NULL);
        c->acked_ms = crm_mono_ms(); /* again after a period */
    }
}

/* Tells the producer how far this consumer has applied (Bus.Ack): it keeps
 * its events until every registered consumer has them (outbox.h). */
void consumer_ack(crm_consumer_t *c)
{
    if (c->acking || c->closing || !c->loaded || crm_mono_ms() - c->acked_ms < (uint64_t)c->ack_ms)
        return;
    c->acking = 1;
    c->acked_ms = crm_mono_ms();
    Crm__AckRequest req = CRM__ACK_REQUEST__INIT;
    req.consumer = c->name;
    req.applied_sequence = c->applied;
    crm_rpc_call(c->rpc, "Bus.Ack", &req.base, &crm__ack_reply__descriptor, NULL, s_acked, c);
}

/* ---- skipping what a snapshot held ---------------------------------------- */

void consumer_skips_load(crm_consumer_t *c, const PGresult *r)
{
    crm_strv_free(c->skips, c->nskips);
    size_t n = 0;
    char **block = crm_db_get_text_array(r, 0, 0, &n);
    c->skips = n ? crm_calloc(n, sizeof *c->skips) : NULL;
    for (size_t i = 0; i < n; i++)
        c->skips[i] = crm_strdup(block[i]);
    c->nskips = n;
    free(block);
}

static int s_skipped(const crm_consumer_t *c, const char *id)
{
    for (size_t i = 0; i < c->nskips; i++)
        if (!strcmp(c->skips[i], id))
            return 1;
    return 0;
}

void consumer_skip_filter(crm_consumer_t *c, crm_consumer_batch_t *a)
{
    if (!c->nskips)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < a->n; i++) {
        Crm__Event *ev = a->events[i];
        if (!s_skipped(c, ev->event_id)) {
            a->events[kept++] = ev;
            continue;
        }
        a->skipped = crm_realloc(a->skipped, (a->nskipped + 1) * sizeof *a->skipped);
        a->skipped[a->nskipped++] = crm_strdup(ev->event_id);
        crm__event__free_unpacked(ev, NULL);
    }
    a->n = kept;
}

void consumer_skip_forget(crm_consumer_t *c, const crm_consumer_batch_t *a)
{
    for (size_t k = 0; k < a->nskipped; k++)
        for (size_t i = 0; i < c->nskips; i++)
            if (!strcmp(c->skips[i], a->skipped[k])) {
                free(c->skips[i]);
                c->skips[i] = c->skips[--c->nskips];
                break;
            }
}

/* ---- the rebuild ---------------------------------------------------------- */

static void s_fetch(crm_consumer_t *c);

/* Ends the rebuild without committing (tx rolled back); it starts again. */
static void s_clone_abort(crm_consumer_t *c, const char *why)
{
    if (c->clone_tx)
        crm_db_tx_rollback(c->clone_tx);
    c->clone_tx = NULL;
    c->cloning = 0;
    c->clone_waiting = 0;
    if (c->closing) {
        consumer_maybe_free(c);
        return;
    }
    crm_log(CRM_WARN, "rebuild from the snapshot failed; it starts again", "consumer", c->name,
            "producer", c->producer, "reason", why, NULL);
    consumer_set_error(c, why);
    c->loaded = 0; /* the offset is read again: another instance may have rebuilt */
    consumer_backoff(c);
}

static void s_clone_committed(void *arg, const crm_db_result_t *res)
{
    crm_consumer_batch_t *a = arg;
    crm_consumer_t *c = a->c;
    consumer_batch_free(a);
    c->clone_tx = NULL;
    if (res->err) {
        s_clone_abort(c, res->message);
        return;
    }
    c->cloning = 0;
    if (c->closing) {
        consumer_maybe_free(c);
        return;
    }
    char horizon[24], records[24], skipped[24];
    crm_log(CRM_INFO, "read model rebuilt from the producer's snapshot", "consumer", c->name,
            "producer", c->producer, "horizon", crm_i64(horizon, (int64_t)c->clone_horizon),
            "records", crm_i64(records, (int64_t)c->clone_records), "skip",
            crm_i64(skipped, (int64_t)c->clone_nskip), NULL);
    c->applied = c->clone_horizon;
    c->moved_ms = crm_mono_ms();
    crm_strv_free(c->skips, c->nskips);
    c->skips = c->clone_skip;
    c->nskips = c->clone_nskip;
    c->clone_skip = NULL;
    c->clone_nskip = 0;
    consumer_set_error(c, NULL);
    consumer_queue_reset(c);
    c->want_replay = 1;
    c->acked_ms = 0; /* report the new position at once */
    consumer_pump(c);
}

/* The last page is applied: move the offset to the horizon, store the
 * skips, commit. */
static void s_clone_commit(crm_consumer_batch_t *a, crm_db_batch_t *b)
{
    crm_consumer_t *c = a->c;
    char from[24], to[24];
    const char *mv[] = {c->name, c->producer, crm_i64(from, (int64_t)c->applied),
                        crm_i64(to, (int64_t)c->clone_horizon)};
    crm_db_batch_add(b, "SELECT crm_advance_offset($1, $2, $3::bigint, $4::bigint)", 4, mv);
    char *ids = crm_db_text_array(c->clone_skip, c->clone_nskip);
    const char *sk[] = {c->name, c->producer, ids};
    crm_db_batch_add(b, "DELETE FROM crm_consumer_skips WHERE consumer = $1 AND producer = $2", 2,
                     sk);
    crm_db_batch_add(b,
                     "INSERT INTO crm_consumer_skips (consumer, producer, event_id)"
                     " SELECT $1, $2, unnest($3::uuid[])",
                     3, sk);
    free(ids);
    crm_db_tx_commit(a->tx, &b, s_clone_committed, a);
}

/* A page's statements ran: the next page. */
static void s_page_ran(void *arg, const crm_db_result_t *res)
{
    crm_consumer_batch_t *a = arg;
    crm_consumer_t *c = a->c;
    consumer_batch_free(a);
    if (res->err || c->closing) {
        s_clone_abort(c, res->err ? res->message : "stopping");
        return;
    }
    s_fetch(c);
}

void consumer_clone_done(crm_consumer_batch_t *a, crm_db_batch_t **last, int ok)
{
    crm_consumer_t *c = a->c;
    crm_db_batch_t *b = last && *last ? *last : NULL;
    if (last)
        *last = NULL;
    if (!ok || c->closing) {
        crm_db_batch_destroy(&b);
        consumer_batch_free(a);
        s_clone_abort(c, ok ? "stopping" : "the event handler failed on a snapshot record");
        return;
    }
    if (a->clone == 2) {
        s_clone_commit(a, b ? b : crm_db_batch_new());
    } else if (b) {
        crm_db_tx_submit(a->tx, &b, s_page_ran, a);
    } else {
        consumer_batch_free(a);
        s_fetch(c);
    }
}

/* Keeps what the first page says about the snapshot. */
static void s_first_page(crm_consumer_t *c, const Crm__SnapshotReply *r)
{
    snprintf(c->clone_id, sizeof c->clone_id, "%s", r->snapshot);
    c->clone_horizon = r->horizon;
    crm_strv_free(c->clone_skip, c->clone_nskip);
    c->clone_skip = r->n_skip ? crm_calloc(r->n_skip, sizeof *c->clone_skip) : NULL;
    for (size_t i = 0; i < r->n_skip; i++)
        c->clone_skip[i] = crm_strdup(r->skip[i]);
    c->clone_nskip = r->n_skip;
}

static void s_paged(void *arg, const crm_rpc_result_t *res)
{
    crm_consumer_t *c = arg;
    if (c->closing) {
        s_clone_abort(c, "stopping");
        return;
    }
    if (res->status != CRM__STATUS__OK) {
        s_clone_abort(c, res->message);
        return;
    }
    const Crm__SnapshotReply *r = (const Crm__SnapshotReply *)res->payload;
    if (!*c->clone_id)
        s_first_page(c, r);
    snprintf(c->clone_cursor, sizeof c->clone_cursor, "%s", r->cursor);
    crm_consumer_batch_t *a = crm_calloc(1, sizeof *a);
    a->c = c;
    a->tx = c->clone_tx;
    a->clone = r->done ? 2 : 1;
    a->to = c->clone_horizon;
    a->events = crm_calloc(r->n_records + 1, sizeof *a->events);
    for (size_t i = 0; i < r->n_records; i++)
        if ((a->events[a->n] = consumer_event_copy(r->records[i])) != NULL)
            a->n++;
    c->clone_records += a->n;
    if (a->n == 0)
        consumer_clone_done(a, NULL, 1);
    else
        c->apply(c->arg, c->clone_tx, a->events, a->n, a);
}

/* Asks for the next page (after CRM_FAULT_CLONE_PAGE_MS, when set). */
static void s_fetch(crm_consumer_t *c)
{
    if (c->clone_delay_ms && !c->clone_waiting) {
        c->clone_waiting = 1;
        c->clone_due_ms = crm_mono_ms() + (uint64_t)c->clone_delay_ms;
        return;
    }
    c->clone_waiting = 0;
    Crm__SnapshotRequest req = CRM__SNAPSHOT_REQUEST__INIT;
    req.name = (char *)c->snapshot;
    req.snapshot = c->clone_id;
    req.cursor = c->clone_cursor;
    req.limit = (uint32_t)c->clone_page;
    crm_rpc_call(c->rpc, "Bus.Snapshot", &req.base, &crm__snapshot_reply__descriptor, NULL, s_paged,
                 c);
}

void consumer_clone_tick(crm_consumer_t *c)
{
    if (c->cloning && c->clone_waiting && crm_mono_ms() >= c->clone_due_ms)
        s_fetch(c);
}

static void s_reset(void *arg, const crm_db_result_t *res)
{
    crm_consumer_t *c = arg;
    if (res->err || c->closing)
        s_clone_abort(c, res->err ? res->message : "stopping");
    else
        s_fetch(c);
}

static void s_clone_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    crm_consumer_t *c = arg;
    c->clone_tx = tx;
    if (!tx || c->closing) {
        s_clone_abort(c, tx ? "stopping" : err->message);
        return;
    }
    if (!c->clone_reset) {
        s_fetch(c);
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, c->clone_reset, 0, NULL);
    crm_db_tx_submit(tx, &b, s_reset, c);
}

void consumer_clone_stop(crm_consumer_t *c)
{
    if (c->cloning && c->clone_waiting)
        s_clone_abort(c, "stopping");
}

void consumer_clone_start(crm_consumer_t *c)
{
    if (c->cloning || c->closing)
        return;
    char applied[24];
    crm_log(CRM_WARN,
            "the producer no longer keeps this consumer's next event: rebuilding the read model"
            " from its snapshot",
            "consumer", c->name, "producer", c->producer, "snapshot", c->snapshot, "applied",
            crm_i64(applied, (int64_t)c->applied), NULL);
    c->cloning = 1;
    c->clone_id[0] = c->clone_cursor[0] = 0;
    c->clone_records = 0;
    consumer_queue_reset(c);
    crm_db_begin(c->db, s_clone_began, c);
}
