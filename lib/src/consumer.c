/* consumer.c: applies one producer's event stream exactly once (see
 * consumer.h).
 *
 * State: `applied` is the offset committed in the database; `queued` the
 * highest sequence accepted into the queue (queued >= applied). Live events
 * are accepted only when they continue the queue exactly; anything else
 * (a hole, a heartbeat ahead of us, the start) is filled from Bus.Replay. */
#include "crm/consumer.h"

#include "consumer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/config.h"
#include "lease.h"
#include "crm/log.h"
#include "crm/rpc.h"
#include "crm/util.h"
#include "crm/zsock.h"

#define TICK_MS 250
#define SILENCE_MS 3000 /* ask for a replay after this long without news */
#define REPLAY_LIMIT 1000
#define STALL_MS 10000  /* CRM_CONSUMER_STALL_MS overrides */
#define ACK_MS 5000     /* CRM_CONSUMER_ACK_MS overrides */
#define ACK_SOON_MS 100 /* at most this often for events already applied */
#define CLONE_PAGE 500  /* CRM_CLONE_PAGE overrides */

/* ---- the queue -------------------------------------------------------- */

static void s_queue_push(crm_consumer_t *c, Crm__Event *ev)
{
    if (c->nqueue == c->capqueue) {
        c->capqueue = c->capqueue ? c->capqueue * 2 : 256;
        c->queue = crm_realloc(c->queue, c->capqueue * sizeof *c->queue);
    }
    c->queue[c->nqueue++] = ev;
    c->queued = ev->sequence;
}

static void s_queue_drop(crm_consumer_t *c, size_t n)
{
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        crm__event__free_unpacked(c->queue[i], NULL);
    memmove(c->queue, c->queue + n, (c->nqueue - n) * sizeof *c->queue);
    c->nqueue -= n;
}

/* Forgets everything not applied; the replay fetches it again. */
void consumer_queue_reset(crm_consumer_t *c)
{
    s_queue_drop(c, c->nqueue);
    c->queued = c->applied;
}

/* Takes ev if it continues the queue; frees it otherwise. Returns 1 if it
 * was taken, 0 if it was old, -1 if it left a hole. */
static int s_offer(crm_consumer_t *c, Crm__Event *ev)
{
    if (ev->sequence <= c->queued) {
        crm__event__free_unpacked(ev, NULL);
        return 0;
    }
    if (ev->sequence != c->queued + 1) {
        crm__event__free_unpacked(ev, NULL);
        return -1;
    }
    s_queue_push(c, ev);
    return 1;
}

void consumer_maybe_free(crm_consumer_t *c)
{
    if (!c->closing || c->loading || c->replaying || c->applying || c->acking || c->cloning ||
        c->open_handles)
        return;
    crm_strv_free(c->skips, c->nskips);
    crm_strv_free(c->clone_skip, c->clone_nskip);
    s_queue_drop(c, c->nqueue);
    free(c->queue);
    free(c->last_error);
    free(c->name);
    free(c->producer);
    free(c);
}

/* The producer has at least seq. */
static void s_announced(crm_consumer_t *c, uint64_t seq)
{
    if (seq > c->announced)
        c->announced = seq;
}

void consumer_set_error(crm_consumer_t *c, const char *why)
{
    free(c->last_error);
    c->last_error = why ? crm_strdup(why) : NULL;
}

void consumer_backoff(crm_consumer_t *c)
{
    consumer_queue_reset(c);
    c->retry_at_ms = crm_mono_ms() + RETRY_MS;
}

/* ---- replay ----------------------------------------------------------- */

Crm__Event *consumer_event_copy(const Crm__Event *ev)
{
    uint8_t *buf = crm_malloc(crm__event__get_packed_size(ev) + 1);
    size_t len = crm__event__pack(ev, buf);
    Crm__Event *copy = crm__event__unpack(NULL, len, buf);
    free(buf);
    return copy;
}

static void s_replayed(void *arg, const crm_rpc_result_t *res)
{
    crm_consumer_t *c = arg;
    c->replaying = 0;
    if (c->closing) {
        consumer_maybe_free(c);
        return;
    }
    if (res->status == CRM__STATUS__FAILED_PRECONDITION && res->field &&
        !strcmp(res->field, "from_sequence") && c->snapshot) {
        consumer_clone_start(c); /* its next event is gone: rebuild */
        return;
    }
    if (res->status != CRM__STATUS__OK) {
        crm_log(CRM_WARN, "replay failed", "producer", c->producer, "status",
                crm_status_name(res->status), "message", res->message, NULL);
        char *why = crm_sprintf("replay failed: %s", res->message);
        consumer_set_error(c, why);
        free(why);
        c->retry_at_ms = crm_mono_ms() + RETRY_MS;
        c->want_replay = 1;
        return;
    }
    c->heard_ms = crm_mono_ms();
    const Crm__ReplayReply *r = (const Crm__ReplayReply *)res->payload;
    s_announced(c, r->last_sequence);
    size_t taken = 0;
    for (size_t i = 0; i < r->n_events; i++) {
        Crm__Event *copy = consumer_event_copy(r->events[i]);
        if (copy && s_offer(c, copy) == 1)
            taken++;
    }
    /* More to fetch while the producer is ahead and the last page was full
     * of what we needed. */
    c->want_replay = c->want_replay || (r->last_sequence > c->queued && taken > 0);
    consumer_pump(c);
}

static void s_replay(crm_consumer_t *c)
{
    if (c->replaying || c->closing || !c->loaded)
        return;
    /* Keep the queue bounded: replay again once applying catches up. */
    if (c->nqueue >= (size_t)c->batch * 8) {
        c->want_replay = 1;
        return;
    }
    c->want_replay = 0;
    c->replaying = 1;
    Crm__ReplayRequest req = CRM__REPLAY_REQUEST__INIT;
    req.from_sequence = c->queued + 1;
    req.limit = REPLAY_LIMIT;
    crm_rpc_call(c->rpc, "Bus.Replay", &req.base, &crm__replay_reply__descriptor, NULL, s_replayed,
                 c);
}

/* ---- apply ----------------------------------------------------------- */

void consumer_batch_free(crm_consumer_batch_t *a)
{
    crm_strv_free(a->skipped, a->nskipped);
    crm_strv_free(a->uncache, a->nuncache);
    for (size_t i = 0; i < a->n; i++)
        crm__event__free_unpacked(a->events[i], NULL);
    free(a->events);
    free(a);
}

/* Drops queued events the database already has (a reset while a batch was
 * in flight can fetch them again). */
static void s_queue_trim(crm_consumer_t *c)
{
    size_t old = 0;
    while (old < c->nqueue && c->queue[old]->sequence <= c->applied)
        old++;
    s_queue_drop(c, old);
    if (c->queued < c->applied)
        c->queued = c->applied;
}

void crm_consumer_batch_uncache(crm_consumer_batch_t *batch, const char *key)
{
    batch->uncache = crm_realloc(batch->uncache, (batch->nuncache + 1) * sizeof *batch->uncache);
    batch->uncache[batch->nuncache++] = crm_strdup(key);
}

static void s_applied(void *arg, const crm_db_result_t *res)
{
    crm_consumer_batch_t *a = arg;
    crm_consumer_t *c = a->c;
    c->applying = 0;
    if (c->closing) {
        consumer_batch_free(a);
        consumer_maybe_free(c);
        return;
    }
    if (res->err) {
        /* 40001 from crm_advance_offset: another instance applied these
         * events first. Anything else: try the same events again later. */
        crm_log(CRM_WARN, "events not applied; will retry", "consumer", c->name, "producer",
                c->producer, "sqlstate", res->sqlstate, "error", res->message, NULL);
        consumer_set_error(c, res->message);
        c->loaded = 0;
        consumer_backoff(c);
    } else {
        c->applied = a->to;
        c->moved_ms = crm_mono_ms();
        consumer_set_error(c, NULL);
        s_queue_trim(c);
        consumer_skip_forget(c, a);
        for (size_t i = 0; c->cache && i < a->nuncache; i++)
            crm_cache_del(c->cache, a->uncache[i]);
        if (c->after_commit)
            c->after_commit(c->after_commit_arg);
    }
    consumer_batch_free(a);
    consumer_pump(c);
}

void crm_consumer_done(crm_consumer_batch_t *a, crm_db_batch_t **last, int ok)
{
    crm_consumer_t *c = a->c;
    if (a->clone) {
        consumer_clone_done(a, last, ok);
        return;
    }
    if (!ok || c->closing) {
        crm_db_batch_destroy(last);
        crm_db_tx_rollback(a->tx);
        c->applying = 0;
        consumer_batch_free(a);
        if (c->closing) {
            consumer_maybe_free(c);
            return;
        }
        crm_log(CRM_WARN, "event handler failed; will retry", "consumer", c->name, NULL);
        consumer_set_error(c, "the event handler failed");
        consumer_backoff(c);
        return;
    }
    crm_db_batch_t *b = last && *last ? *last : crm_db_batch_new();
    if (last)
        *last = NULL;
    char from[24], to[24];
    snprintf(from, sizeof from, "%llu", (unsigned long long)c->applied);
    snprintf(to, sizeof to, "%llu", (unsigned long long)a->to);
    const char *params[] = {c->name, c->producer, from, to};
    crm_db_batch_add(b, "SELECT crm_advance_offset($1, $2, $3::bigint, $4::bigint)", 4, params);
    if (a->nskipped) { /* skipped once: the ids are done with */
        char *ids = crm_db_text_array(a->skipped, a->nskipped);
        const char *p[] = {c->name, c->producer, ids};
        crm_db_batch_add(b,
                         "DELETE FROM crm_consumer_skips WHERE consumer = $1 AND producer = $2"
                         " AND event_id = ANY($3::uuid[])",
                         3, p);
        free(ids);
    }
    crm_db_tx_commit(a->tx, &b, s_applied, a);
}

static void s_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    crm_consumer_batch_t *a = arg;
    crm_consumer_t *c = a->c;
    if (!tx || c->closing) {
        if (tx)
            crm_db_tx_rollback(tx);
        c->applying = 0;
        consumer_batch_free(a);
        if (c->closing)
            consumer_maybe_free(c);
        else
            consumer_backoff(c);
        return;
    }
    a->tx = tx;
    consumer_skip_filter(c, a);
    if (a->n == 0) /* every event was in the snapshot it was rebuilt from */
        crm_consumer_done(a, NULL, 1);
    else
        c->apply(c->arg, tx, a->events, a->n, a);
}

static void s_apply(crm_consumer_t *c)
{
    if (c->applying || c->closing || c->nqueue == 0 || !crm_lease_held(c->lease))
        return;
    s_queue_trim(c);
    if (c->nqueue == 0)
        return;
    if (c->queue[0]->sequence != c->applied + 1) {
        consumer_queue_reset(c);
        c->want_replay = 1;
        return;
    }
    crm_consumer_batch_t *a = crm_calloc(1, sizeof *a);
    a->c = c;
    a->n = c->nqueue < (size_t)c->batch ? c->nqueue : (size_t)c->batch;
    a->events = crm_malloc(a->n * sizeof *a->events);
    memcpy(a->events, c->queue, a->n * sizeof *a->events);
    memmove(c->queue, c->queue + a->n, (c->nqueue - a->n) * sizeof *c->queue);
    c->nqueue -= a->n;
    a->to = a->events[a->n - 1]->sequence;
    c->applying = 1;
    crm_db_begin(c->db, s_began, a);
}

/* ---- the offset ------------------------------------------------------- */

static void s_loaded(void *arg, const crm_db_result_t *res)
{
    crm_consumer_t *c = arg;
    c->loading = 0;
    if (c->closing) {
        consumer_maybe_free(c);
        return;
    }
    if (res->err) {
        consumer_set_error(c, res->message);
        c->retry_at_ms = crm_mono_ms() + RETRY_MS;
        return;
    }
    c->applied = (uint64_t)crm_db_get_i64(res->results[0], 0, 0);
    consumer_skips_load(c, res->results[1]);
    c->moved_ms = crm_mono_ms();
    consumer_queue_reset(c);
    c->loaded = 1;
    c->acked_ms = 0; /* register at once */
    crm_log(CRM_INFO, "consuming", "consumer", c->name, "producer", c->producer, NULL);
    c->want_replay = 1;
    consumer_pump(c);
}

static void s_load(crm_consumer_t *c)
{
    if (c->loading || c->loaded || c->closing || !crm_lease_held(c->lease))
        return;
    c->loading = 1;
    const char *params[] = {c->name, c->producer};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b,
                     "SELECT COALESCE((SELECT last_seq FROM crm_consumer_offsets"
                     " WHERE consumer = $1 AND producer = $2), 0)",
                     2, params);
    crm_db_batch_add(b,
                     "SELECT array_agg(event_id::text) FROM crm_consumer_skips"
                     " WHERE consumer = $1 AND producer = $2",
                     2, params);
    crm_db_submit(c->db, &b, s_loaded, c);
}

/* Does whatever is due: load the offset, apply, fetch what is missing. */
void consumer_pump(crm_consumer_t *c)
{
    if (c->closing)
        return;
    if (!crm_lease_held(c->lease)) {
        c->loaded = 0;
        return;
    }
    if (crm_mono_ms() < c->retry_at_ms || c->cloning)
        return;
    if (!c->loaded) {
        s_load(c);
        return;
    }
    s_apply(c);
    if (c->want_replay)
        s_replay(c);
    consumer_ack(c);
}

/* ---- the bus ---------------------------------------------------------- */

/* A live event numbered at or below what is applied: after a replay that
 * overlapped the stream, or from a producer restored to an earlier point,
 * whose numbers start again below ours. Reports the position now rather
 * than in ack_ms, so such a producer raises its sequence past it at once
 * (bus_serve.c) and skips as few of its new events as can be. */
static void s_ack_soon(crm_consumer_t *c)
{
    if (crm_mono_ms() - c->acked_ms >= ACK_SOON_MS)
        c->acked_ms = 0;
}

static void s_received(crm_zsock_t *sock, crm_zmsg_t *msg, void *arg)
{
    crm_consumer_t *c = arg;
    if (msg->nparts != 2 || !c->loaded)
        return;
    size_t tlen = zmq_msg_size(&msg->parts[0]);
    const uint8_t *data = zmq_msg_data(&msg->parts[1]);
    size_t len = zmq_msg_size(&msg->parts[1]);
    c->heard_ms = crm_mono_ms();
    if (tlen == 10 && memcmp(zmq_msg_data(&msg->parts[0]), "_heartbeat", 10) == 0) {
        Crm__Heartbeat *hb = crm__heartbeat__unpack(NULL, len, data);
        if (hb && hb->last_sequence > c->queued)
            c->want_replay = 1;
        if (hb) {
            s_announced(c, hb->last_sequence);
            c->producer_stalled = hb->stalled;
        }
        crm__heartbeat__free_unpacked(hb, NULL);
    } else {
        Crm__Event *ev = crm__event__unpack(NULL, len, data);
        if (!ev) {
            crm_log(CRM_WARN, "undecodable event dropped", "producer", c->producer, NULL);
            return;
        }
        s_announced(c, ev->sequence);
        uint64_t seq = ev->sequence;
        if (c->replaying) {
            crm__event__free_unpacked(ev, NULL);
            c->want_replay = 1;
        } else {
            int taken = s_offer(c, ev);
            if (taken < 0)
                c->want_replay = 1;
            else if (taken == 0 && seq <= c->applied)
                s_ack_soon(c);
        }
    }
    consumer_pump(c);
}

/* Why this consumer, active, is not catching up (a static or last_error
 * text), or NULL. */
static const char *s_stall_reason(const crm_consumer_t *c, uint64_t *for_ms)
{
    uint64_t now = crm_mono_ms();
    if (!crm_lease_held(c->lease) || c->applied >= c->announced ||
        now - c->moved_ms <= (uint64_t)c->stall_ms)
        return NULL;
    *for_ms = now - c->moved_ms;
    return c->last_error ? c->last_error
           : c->applying ? "a batch gets no answer from the database"
                         : "events are announced but not applied";
}

static void s_watch_stall(crm_consumer_t *c)
{
    if (c->applied >= c->announced)
        c->moved_ms = crm_mono_ms(); /* nothing behind: the clock starts when something is */
    uint64_t for_ms = 0;
    const char *why = s_stall_reason(c, &for_ms);
    if (why && !c->stalled) {
        char ms[24], lag[24];
        crm_log(CRM_ERROR, "consumer stalled", "consumer", c->name, "producer", c->producer,
                "reason", why, "lag", crm_i64(lag, (int64_t)(c->announced - c->applied)), "for_ms",
                crm_i64(ms, (int64_t)for_ms), NULL);
    } else if (!why && c->stalled) {
        crm_log(CRM_INFO, "consumer moving again", "consumer", c->name, "producer", c->producer,
                NULL);
    }
    c->stalled = why != NULL;
}

static void s_tick(uv_timer_t *t)
{
    crm_consumer_t *c = t->data;
    s_watch_stall(c);
    consumer_clone_tick(c);
    if (c->loaded && crm_mono_ms() - c->heard_ms > SILENCE_MS) {
        c->heard_ms = crm_mono_ms();
        c->want_replay = 1;
    }
    consumer_pump(c);
}

static void s_lease_changed(void *arg, int held)
{
    crm_consumer_t *c = arg;
    if (!held) {
        c->loaded = 0;
        consumer_queue_reset(c);
    }
    consumer_pump(c);
}

static void s_handle_closed(uv_handle_t *h)
{
    crm_consumer_t *c = h->data;
    c->open_handles--;
    consumer_maybe_free(c);
}

crm_consumer_t *crm_consumer_new(uv_loop_t *loop, void *zctx, const crm_consumer_opts_t *o)
{
    crm_zsock_t *sub = crm_zsock_new(loop, zctx, ZMQ_SUB);
    if (!sub)
        return NULL;
    void *raw = crm_zsock_raw(sub);
    int hwm = 1000000;
    zmq_setsockopt(raw, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(raw, ZMQ_SUBSCRIBE, "", 0);
    char **eps;
    size_t n = crm_split_csv(o->pub_endpoints, &eps);
    for (size_t i = 0; i < n; i++)
        if (zmq_connect(raw, eps[i]) != 0)
            crm_log(CRM_ERROR, "cannot connect to events", "endpoint", eps[i], NULL);
    crm_strv_free(eps, n);

    crm_consumer_t *c = crm_calloc(1, sizeof *c);
    c->loop = loop;
    c->name = crm_strdup(o->name);
    c->producer = crm_strdup(o->producer);
    c->db = o->db;
    c->sub = sub;
    c->apply = o->apply;
    c->arg = o->arg;
    c->after_commit = o->after_commit;
    c->after_commit_arg = o->after_commit_arg ? o->after_commit_arg : o->arg;
    c->cache = o->cache;
    c->batch = o->batch > 0 ? o->batch : 256;
    c->rpc = crm_rpc_client_new(loop, zctx, o->rpc_endpoints,
                                o->rpc_deadline_ms ? o->rpc_deadline_ms : 2000, 2);
    char *lease = crm_sprintf("consumer:%s:%s", o->name, o->producer);
    c->lease = crm_lease_new(loop, o->conninfo, lease, s_lease_changed, c);
    free(lease);
    c->heard_ms = c->moved_ms = crm_mono_ms();
    c->stall_ms = crm_env_int("CRM_CONSUMER_STALL_MS", STALL_MS, 100, 3600000);
    c->ack_ms = crm_env_int("CRM_CONSUMER_ACK_MS", ACK_MS, 50, 3600000);
    c->clone_page = crm_env_int("CRM_CLONE_PAGE", CLONE_PAGE, 1, 1000);
    c->clone_delay_ms = crm_env_int("CRM_FAULT_CLONE_PAGE_MS", 0, 0, 60000);
    uv_timer_init(loop, &c->tick);
    c->tick.data = c;
    c->open_handles = 1;
    uv_timer_start(&c->tick, s_tick, TICK_MS, TICK_MS);
    crm_zsock_start(sub, s_received, c);
    return c;
}

void crm_consumer_rebuild_from(crm_consumer_t *c, const char *snapshot, const char *reset_sql)
{
    c->snapshot = snapshot;
    c->clone_reset = reset_sql;
}

uint64_t crm_consumer_applied(const crm_consumer_t *c)
{
    return c->applied;
}

void crm_consumer_health(const crm_consumer_t *c, crm_consumer_health_t *out)
{
    *out = (crm_consumer_health_t){0};
    out->producer = c->producer;
    out->active = crm_lease_held(c->lease);
    out->applied = c->applied;
    out->announced = c->announced;
    out->producer_stalled = c->producer_stalled;
    out->stalled_reason = s_stall_reason(c, &out->stalled_ms);
    crm_db_health(crm_lease_db(c->lease), &out->session);
}

void crm_consumer_destroy(crm_consumer_t **c_p)
{
    crm_consumer_t *c = c_p ? *c_p : NULL;
    if (!c)
        return;
    *c_p = NULL;
    c->closing = 1;
    crm_zsock_destroy(&c->sub);
    crm_rpc_client_destroy(&c->rpc); /* a pending replay calls back: closing */
    crm_lease_destroy(&c->lease);
    consumer_clone_stop(c);
    uv_timer_stop(&c->tick);
    uv_close((uv_handle_t *)&c->tick, s_handle_closed);
}
