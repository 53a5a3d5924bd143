/* relay.c: the relay that publishes the outbox in commit-safe order, its
 * heartbeat and stall watch (see outbox.h); pruning is retention.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/config.h"
#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "crm/zsock.h"
#include "lease.h"
#include "outbox_impl.h"

#define RELAY_SAFETY_MS 500 /* look at the outbox at least this often */
#define RELAY_HEARTBEAT_MS 1000
/* While rows wait that a round did not take (committed while it ran), the
 * relay looks again after 1 ms, then 2, 4, ... up to 32 ms. */
#define RELAY_WAIT_MIN_MS 1
#define RELAY_WAIT_MAX_MS 32
#define RELAY_STALL_MS 5000 /* CRM_RELAY_STALL_MS overrides */

struct crm_relay {
    uv_loop_t *loop;
    crm_lease_t *lease;
    crm_zsock_t *pub;
    char *producer;
    char batch[16];
    uv_timer_t timer;   /* safety poll and heartbeat */
    uv_timer_t again;   /* the next round, soon */
    uint64_t published; /* highest sequence published */
    uint64_t last_heartbeat_ms;
    crm_retention_t *retention; /* prunes what every consumer has applied */
    unsigned wait_ms;           /* the next look while rows wait (0: none yet) */
    int running;                /* a round is in flight */
    int wanted;                 /* a round was asked for while one ran */
    int64_t stall_ms;           /* CRM_RELAY_STALL_MS: no progress this long is a stall */
    uint64_t ok_ms;             /* the last round that succeeded (or the lease taken) */
    uint64_t waiting_ms;        /* since when rows wait and none could be taken (0: not) */
    int stalled;                /* the stall has been reported */
    char *last_error;           /* why the last round failed, NULL once one succeeds */
    int closing;
    int open_handles;
};

static void s_round(crm_relay_t *r);

static void s_publish(crm_relay_t *r, const PGresult *rows)
{
    int n = PQntuples(rows);
    for (int i = 0; i < n; i++) {
        Crm__Event ev;
        uint8_t *payload = NULL;
        crm_event_from_row(rows, i, r->producer, &ev, &payload);
        size_t len = crm__event__get_packed_size(&ev);
        uint8_t *buf = crm_malloc(len);
        crm__event__pack(&ev, buf);
        const void *data[] = {ev.type, buf};
        size_t lens[] = {strlen(ev.type), len};
        if (crm_zsock_send(r->pub, data, lens, 2) != 0)
            crm_log(CRM_WARN, "event not sent; consumers will replay it", "type", ev.type, NULL);
        if (ev.sequence > r->published)
            r->published = ev.sequence;
        free(buf);
        free(payload);
    }
}

/* Why the relay, holding the lease, is not moving events (a static or
 * r->last_error text), or NULL when it is. */
static const char *s_stall_reason(const crm_relay_t *r, uint64_t *for_ms)
{
    uint64_t now = crm_mono_ms();
    if (!crm_lease_held(r->lease))
        return NULL;
    if (now - r->ok_ms > (uint64_t)r->stall_ms) {
        *for_ms = now - r->ok_ms;
        return r->last_error ? r->last_error
               : r->running  ? "a round gets no answer from the database"
                             : "no round completes";
    }
    if (r->waiting_ms && now - r->waiting_ms > (uint64_t)r->stall_ms) {
        *for_ms = now - r->waiting_ms;
        return "events wait in the outbox and no round takes them";
    }
    return NULL;
}

/* Says in the log when the relay stalls and when it moves again. */
static void s_watch_stall(crm_relay_t *r)
{
    uint64_t for_ms = 0;
    const char *why = s_stall_reason(r, &for_ms);
    if (why && !r->stalled) {
        char ms[24];
        crm_log(CRM_ERROR, "relay stalled: events may wait unpublished", "producer", r->producer,
                "reason", why, "for_ms", crm_i64(ms, (int64_t)for_ms), NULL);
    } else if (!why && r->stalled) {
        crm_log(CRM_INFO, "relay moving again", "producer", r->producer, NULL);
    }
    r->stalled = why != NULL;
}

static void s_heartbeat(crm_relay_t *r)
{
    Crm__Heartbeat hb = CRM__HEARTBEAT__INIT;
    hb.producer = r->producer;
    hb.last_sequence = r->published;
    hb.stalled = r->stalled;
    uint8_t buf[256];
    size_t len = crm__heartbeat__pack(&hb, buf);
    const void *data[] = {"_heartbeat", buf};
    size_t lens[] = {10, len};
    crm_zsock_send(r->pub, data, lens, 2);
    r->last_heartbeat_ms = crm_mono_ms();
}

/* Fault injection for the kill tests: with CRM_FAULT_RELAY_CRASH=<file>,
 * the first round that numbered events exits the process after its commit
 * and before sending, as a crash there would, and creates <file> so the
 * restarted process runs normally. */
static void s_fault_crash_before_publish(int numbered)
{
    const char *marker = getenv("CRM_FAULT_RELAY_CRASH");
    if (!marker || !*marker || numbered == 0 || access(marker, F_OK) == 0)
        return;
    FILE *f = fopen(marker, "w");
    if (f)
        fclose(f);
    crm_log(CRM_WARN, "fault injected: exiting between commit and publish", NULL);
    _exit(137);
}

static void s_maybe_free(crm_relay_t *r)
{
    if (r->closing && !r->running && r->open_handles == 0) {
        free(r->last_error);
        free(r->producer);
        free(r);
    }
}

/* The "again" timer: the next round, soon. */
static void s_again(uv_timer_t *t)
{
    s_round(t->data);
}

static void s_round_done(void *arg, const crm_db_result_t *res)
{
    crm_relay_t *r = arg;
    r->running = 0;
    if (r->closing) {
        s_maybe_free(r);
        return;
    }
    if (res->err) {
        crm_log(CRM_WARN, "relay round failed", "producer", r->producer, "error", res->message,
                NULL);
        free(r->last_error);
        r->last_error = crm_strdup(res->message);
        uv_timer_start(&r->again, s_again, 100, 0);
        return;
    }
    r->ok_ms = crm_mono_ms();
    free(r->last_error);
    r->last_error = NULL;
    /* results: [0] the relay row lock with the last sequence before this
     * round, [1] the events numbered this round, [2] whether rows wait. */
    uint64_t before = (uint64_t)crm_db_get_i64(res->results[0], 0, 0);
    if (before > r->published)
        r->published = before; /* numbered by an earlier relay, never sent: replayed */
    const PGresult *rows = res->results[1];
    int n = PQntuples(rows);
    s_fault_crash_before_publish(n);
    s_publish(r, rows);
    int waiting = crm_db_get_bool(res->results[2], 0, 0);
    if (n > 0 || !waiting)
        r->waiting_ms = 0;
    else if (!r->waiting_ms)
        r->waiting_ms = r->ok_ms;
    if (n >= atoi(r->batch) || r->wanted) {
        r->wanted = 0;
        s_round(r);
    } else if (waiting) {
        r->wait_ms = n > 0 || !r->wait_ms                 ? RELAY_WAIT_MIN_MS
                     : r->wait_ms * 2 > RELAY_WAIT_MAX_MS ? RELAY_WAIT_MAX_MS
                                                          : r->wait_ms * 2;
        uv_timer_start(&r->again, s_again, r->wait_ms, 0);
    }
}

static void s_round(crm_relay_t *r)
{
    if (r->closing || !crm_lease_held(r->lease))
        return;
    if (r->running) {
        r->wanted = 1;
        return;
    }
    r->running = 1;
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "crm_relay_lock", 0, NULL);
    const char *params[] = {r->batch};
    crm_db_batch_add(b, "crm_relay_take", 1, params);
    crm_db_batch_add(b, "crm_relay_waiting", 0, NULL);
    crm_db_submit(crm_lease_db(r->lease), &b, s_round_done, r);
}

static void s_tick(uv_timer_t *t)
{
    crm_relay_t *r = t->data;
    s_watch_stall(r);
    if (!crm_lease_held(r->lease))
        return;
    s_round(r);
    if (crm_mono_ms() - r->last_heartbeat_ms >= RELAY_HEARTBEAT_MS)
        s_heartbeat(r);
    crm_retention_tick(r->retention);
}

static void s_notified(void *arg, const char *channel, const char *payload)
{
    s_round(arg);
}

static void s_lease_changed(void *arg, int held)
{
    crm_relay_t *r = arg;
    if (held) {
        crm_log(CRM_INFO, "relay active", "producer", r->producer, NULL);
        r->ok_ms = crm_mono_ms();
        r->waiting_ms = 0;
        s_round(r);
    }
}

static void s_handle_closed(uv_handle_t *h)
{
    crm_relay_t *r = h->data;
    r->open_handles--;
    s_maybe_free(r);
}

crm_relay_t *crm_relay_new(uv_loop_t *loop, void *zctx, const char *conninfo, const char *producer,
                           const char *pub_endpoint, int batch)
{
    crm_zsock_t *pub = crm_zsock_new(loop, zctx, ZMQ_PUB);
    if (!pub)
        return NULL;
    int hwm = 1000000;
    zmq_setsockopt(crm_zsock_raw(pub), ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (zmq_bind(crm_zsock_raw(pub), pub_endpoint) != 0) {
        crm_log(CRM_ERROR, "cannot bind the event endpoint", "endpoint", pub_endpoint, "error",
                zmq_strerror(zmq_errno()), NULL);
        crm_zsock_destroy(&pub);
        return NULL;
    }
    crm_relay_t *r = crm_calloc(1, sizeof *r);
    r->loop = loop;
    r->pub = pub;
    r->producer = crm_strdup(producer);
    snprintf(r->batch, sizeof r->batch, "%d", batch > 0 ? batch : 1000);
    char *name = crm_sprintf("relay:%s", producer);
    r->lease = crm_lease_new(loop, conninfo, name, s_lease_changed, r);
    free(name);
    r->stall_ms = crm_env_int("CRM_RELAY_STALL_MS", RELAY_STALL_MS, 100, 3600000);
    r->ok_ms = crm_mono_ms();
    crm_db_t *db = crm_lease_db(r->lease);
    crm_db_prepare(db, "crm_relay_lock",
                   "SELECT last_seq FROM crm_outbox_relay WHERE id = 1 FOR UPDATE");
    /* Runs after the lock above, so its snapshot sees every sequence any
     * earlier relay committed. Takes the committed rows not yet numbered, in
     * id order; a row whose transaction commits later gets a later sequence
     * in a later round. That keeps each record's events in order because
     * every writer adds an event after it holds its record's lock (the
     * change engine locks in its first round and writes in its second): a
     * second event of a record is inserted, and so committed, after the
     * first committed. */
    crm_db_prepare(db, "crm_relay_take",
                   "WITH todo AS ("
                   "  SELECT id, row_number() OVER (ORDER BY id) AS rn FROM crm_outbox"
                   "  WHERE seq IS NULL"
                   "  ORDER BY id LIMIT $1::int),"
                   " base AS (SELECT last_seq FROM crm_outbox_relay WHERE id = 1),"
                   " upd AS (UPDATE crm_outbox o SET seq = base.last_seq + todo.rn,"
                   "           published_at = now() FROM todo, base WHERE o.id = todo.id"
                   "         RETURNING o.*),"
                   " moved AS (UPDATE crm_outbox_relay SET last_seq = last_seq +"
                   "           (SELECT count(*) FROM todo) WHERE id = 1)"
                   " SELECT " EVENT_COLUMNS " FROM upd ORDER BY seq");
    crm_db_prepare(db, "crm_relay_waiting",
                   "SELECT EXISTS (SELECT 1 FROM crm_outbox WHERE seq IS NULL)");
    r->retention = crm_retention_new(db, producer);
    crm_db_listen(db, "crm_outbox", s_notified, r);
    uv_timer_init(loop, &r->timer);
    uv_timer_init(loop, &r->again);
    r->timer.data = r->again.data = r;
    r->open_handles = 2;
    uv_timer_start(&r->timer, s_tick, RELAY_SAFETY_MS / 5, RELAY_SAFETY_MS / 5);
    return r;
}

void crm_relay_kick(crm_relay_t *r)
{
    if (r)
        s_round(r);
}

int crm_relay_active(const crm_relay_t *r)
{
    return r && crm_lease_held(r->lease);
}

uint64_t crm_relay_published(const crm_relay_t *r)
{
    return r ? r->published : 0;
}

void crm_relay_health(const crm_relay_t *r, crm_relay_health_t *out)
{
    *out = (crm_relay_health_t){0};
    if (!r)
        return;
    out->active = crm_relay_active(r);
    out->published = r->published;
    out->stalled_reason = s_stall_reason(r, &out->stalled_ms);
    crm_db_health(crm_lease_db(r->lease), &out->session);
    if (out->active)
        crm_retention_report(r->retention, &out->retention);
}

void crm_relay_destroy(crm_relay_t **r_p)
{
    crm_relay_t *r = r_p ? *r_p : NULL;
    if (!r)
        return;
    *r_p = NULL;
    r->closing = 1;
    crm_zsock_destroy(&r->pub);
    crm_retention_destroy(&r->retention); /* freed once its prune returns */
    crm_lease_destroy(&r->lease);
    uv_timer_stop(&r->timer);
    uv_timer_stop(&r->again);
    uv_close((uv_handle_t *)&r->timer, s_handle_closed);
    uv_close((uv_handle_t *)&r->again, s_handle_closed);
}
