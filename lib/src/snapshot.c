/* snapshot.c: Bus.Snapshot, the producer's side of the Clone pattern (see
 * snapshot.h): pages of a domain's current records, all read from one
 * exported REPEATABLE READ snapshot whose horizon the first page gives. */
#include "crm/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.pb-c.h"
#include "crm/config.h"
#include "crm/log.h"
#include "crm/rpc.h"
#include "crm/rpc_db.h"
#include "crm/util.h"

#define PAGE_MAX 1000
#define HELD_MAX 4 /* snapshots one instance holds open at once */
#define IDLE_MS 30000

struct crm_snapshot_page {
    Crm__Event **events;
    size_t n, cap;
    const char *producer;
};

/* A snapshot this instance began and holds open. */
typedef struct s_held {
    struct s_held *next;
    crm_snapshots_t *s;
    char id[64];
    crm_db_tx_t *tx;
    uv_timer_t idle;
    int busy; /* a page runs on tx */
} s_held_t;

struct crm_snapshots {
    uv_loop_t *loop;
    crm_db_t *db;
    char *producer;
    const crm_snapshot_reader_t **readers;
    size_t nreaders;
    s_held_t *held;
    size_t nheld;
    int inflight, closing;
    int releasing; /* held snapshots whose timer is closing */
    int64_t idle_ms;
};

/* One page asked for. */
typedef struct {
    crm_snapshots_t *s;
    crm_rpc_call_t *call;
    const crm_snapshot_reader_t *reader;
    s_held_t *h; /* the held snapshot it runs on, or NULL */
    int first;   /* begins the snapshot */
    char cursor[256], limit[16], snap[64];
} s_req_t;

void crm_snapshot_record(crm_snapshot_page_t *page, const char *type, const char *aggregate_id,
                         const ProtobufCMessage *payload)
{
    if (page->n == page->cap) {
        page->cap = page->cap ? 2 * page->cap : 64;
        page->events = crm_realloc(page->events, page->cap * sizeof *page->events);
    }
    Crm__Event *ev = crm_calloc(1, sizeof *ev);
    crm__event__init(ev);
    ev->type = crm_strdup(type);
    ev->producer = (char *)page->producer;
    ev->aggregate_id = crm_strdup(aggregate_id ? aggregate_id : "");
    ev->payload.len = protobuf_c_message_get_packed_size(payload);
    ev->payload.data = crm_malloc(ev->payload.len + 1);
    protobuf_c_message_pack(payload, ev->payload.data);
    page->events[page->n++] = ev;
}

static void s_page_free(crm_snapshot_page_t *page)
{
    for (size_t i = 0; i < page->n; i++) {
        free(page->events[i]->type);
        free(page->events[i]->aggregate_id);
        free(page->events[i]->payload.data);
        free(page->events[i]);
    }
    free(page->events);
}

/* ---- holding ------------------------------------------------------------- */

static void s_maybe_free(crm_snapshots_t *s)
{
    if (s->closing && !s->inflight && !s->held && !s->releasing) {
        free(s->readers);
        free(s->producer);
        free(s);
    }
}

static void s_held_closed(uv_handle_t *hd)
{
    s_held_t *h = hd->data;
    crm_snapshots_t *s = h->s;
    free(h);
    s->releasing--;
    s_maybe_free(s);
}

/* Ends a held snapshot (its transaction rolled back: it only read). */
static void s_release(s_held_t *h)
{
    crm_snapshots_t *s = h->s;
    for (s_held_t **p = &s->held; *p; p = &(*p)->next)
        if (*p == h) {
            *p = h->next;
            break;
        }
    s->nheld--;
    s->releasing++;
    crm_db_tx_rollback(h->tx);
    uv_timer_stop(&h->idle);
    uv_close((uv_handle_t *)&h->idle, s_held_closed);
}

static void s_idle(uv_timer_t *t)
{
    s_held_t *h = t->data;
    if (!h->busy) {
        crm_log(CRM_INFO, "snapshot ended: no page asked for", "snapshot", h->id, NULL);
        s_release(h);
    }
}

static void s_hold(crm_snapshots_t *s, crm_db_tx_t *tx, const char *id)
{
    s_held_t *h = crm_calloc(1, sizeof *h);
    h->s = s;
    h->tx = tx;
    snprintf(h->id, sizeof h->id, "%s", id);
    uv_timer_init(s->loop, &h->idle);
    h->idle.data = h;
    uv_timer_start(&h->idle, s_idle, (uint64_t)s->idle_ms, 0);
    h->next = s->held;
    s->held = h;
    s->nheld++;
}

static s_held_t *s_find(crm_snapshots_t *s, const char *id)
{
    for (s_held_t *h = s->held; h; h = h->next)
        if (!strcmp(h->id, id))
            return h;
    return NULL;
}

/* ---- pages --------------------------------------------------------------- */

/* Answers q from the results of its page batch: the first page's holds the
 * export, the horizon and the unnumbered events before the page. */
static void s_answer(s_req_t *q, const crm_db_result_t *res, int page_at, int *done)
{
    Crm__SnapshotReply reply = CRM__SNAPSHOT_REPLY__INIT;
    crm_snapshot_page_t page = {.producer = q->s->producer};
    const PGresult *r = res->results[page_at];
    int n = PQntuples(r);
    for (int i = 0; i < n; i++)
        q->reader->add(q->reader->arg, r, i, &page);
    *done = n < atoi(q->limit);
    reply.snapshot = q->snap;
    reply.records = page.events;
    reply.n_records = page.n;
    reply.cursor = n ? (char *)crm_db_get(r, n - 1, PQfnumber(r, "cursor")) : q->cursor;
    reply.done = *done;
    char **skip = NULL;
    if (q->first) {
        reply.horizon = (uint64_t)crm_db_get_i64(res->results[2], 0, 0);
        const PGresult *sk = res->results[3];
        reply.n_skip = (size_t)PQntuples(sk);
        skip = crm_calloc(reply.n_skip + 1, sizeof *skip);
        for (size_t i = 0; i < reply.n_skip; i++)
            skip[i] = (char *)crm_db_get(sk, (int)i, 0);
        reply.skip = skip;
    }
    crm_rpc_reply(q->call, &reply.base);
    free(skip);
    s_page_free(&page);
}

static void s_fail(s_req_t *q, const crm_db_result_t *res)
{
    if (!strcmp(res->sqlstate, "22023") && !q->first)
        crm_rpc_fail(q->call, CRM__STATUS__FAILED_PRECONDITION, "snapshot",
                     "snapshot %s is gone (its instance stopped, or no page was asked for in"
                     " time): begin again",
                     q->snap);
    else
        crm_fail_db(q->call, res);
}

static void s_req_end(s_req_t *q)
{
    crm_snapshots_t *s = q->s;
    s->inflight--;
    free(q);
    s_maybe_free(s);
}

/* A page on this instance's held snapshot (the first one included). */
static void s_held_page_done(void *arg, const crm_db_result_t *res)
{
    s_req_t *q = arg;
    s_held_t *h = q->h;
    h->busy = 0;
    int done = 1;
    if (res->err) {
        s_fail(q, res);
    } else {
        if (q->first)
            snprintf(q->snap, sizeof q->snap, "%s", crm_db_get(res->results[1], 0, 0));
        if (q->first)
            snprintf(h->id, sizeof h->id, "%s", q->snap);
        s_answer(q, res, q->first ? 4 : 0, &done);
    }
    if (done || res->err || q->s->closing)
        s_release(h);
    else
        uv_timer_start(&h->idle, s_idle, (uint64_t)q->s->idle_ms, 0);
    s_req_end(q);
}

static void s_add_page(crm_db_batch_t *b, s_req_t *q)
{
    const char *p[] = {q->cursor, q->limit};
    crm_db_batch_add(b, q->reader->page_sql, 2, p);
}

/* The batch of a page's transaction, begun REPEATABLE READ; NULL (and q
 * answered and ended) when no transaction could be had. */
static crm_db_batch_t *s_repeatable(s_req_t *q, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    if (!tx) {
        s_fail(q, err);
        s_req_end(q);
        return NULL;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", 0, NULL);
    return b;
}

static void s_begun(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    s_req_t *q = arg;
    crm_db_batch_t *b = s_repeatable(q, tx, err);
    if (!b)
        return;
    crm_db_batch_add(b, "SELECT pg_export_snapshot()", 0, NULL);
    crm_db_batch_add(b, "SELECT last_seq FROM crm_outbox_relay WHERE id = 1", 0, NULL);
    crm_db_batch_add(b, "SELECT event_id::text FROM crm_outbox WHERE seq IS NULL ORDER BY id", 0,
                     NULL);
    s_add_page(b, q);
    s_hold(q->s, tx, "");
    q->h = q->s->held;
    q->h->busy = 1;
    crm_db_tx_submit(tx, &b, s_held_page_done, q);
}

/* A page of a snapshot held elsewhere (or busy here): its own transaction
 * on the same database snapshot. */
static void s_joined_done(void *arg, const crm_db_result_t *res)
{
    s_req_t *q = arg;
    int done;
    if (res->err)
        s_fail(q, res);
    else
        s_answer(q, res, 2, &done);
    s_req_end(q);
}

static void s_joined(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    s_req_t *q = arg;
    crm_db_batch_t *b = s_repeatable(q, tx, err);
    if (!b)
        return;
    char *set = crm_sprintf("SET TRANSACTION SNAPSHOT '%s'", q->snap); /* checked: [0-9A-F-] */
    crm_db_batch_add(b, set, 0, NULL);
    free(set);
    s_add_page(b, q);
    crm_db_tx_commit(tx, &b, s_joined_done, q);
}

/* A snapshot id as pg_export_snapshot makes them: hex digits and dashes. */
static int s_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= 64)
        return 0;
    return strspn(id, "0123456789ABCDEFabcdef-") == n;
}

static void s_snapshot(crm_rpc_call_t *call, void *arg)
{
    crm_snapshots_t *s = arg;
    const Crm__SnapshotRequest *req = (const Crm__SnapshotRequest *)crm_rpc_call_request(call);
    const crm_snapshot_reader_t *reader = NULL;
    for (size_t i = 0; i < s->nreaders && !reader; i++)
        if (!strcmp(s->readers[i]->name, req->name))
            reader = s->readers[i];
    if (!reader) {
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "name", "%s serves no snapshot named \"%s\"",
                     s->producer, req->name);
        return;
    }
    if (*req->snapshot && !s_id_ok(req->snapshot)) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "snapshot",
                     "give the id the first page gave, or \"\" to begin");
        return;
    }
    if (strlen(req->cursor) >= 256) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "cursor", "give the last page's cursor");
        return;
    }
    if (!*req->snapshot && s->nheld >= HELD_MAX) {
        crm_rpc_fail(call, CRM__STATUS__UNAVAILABLE, NULL,
                     "%d snapshots are being read from this instance; try again", HELD_MAX);
        return;
    }
    s_req_t *q = crm_calloc(1, sizeof *q);
    q->s = s;
    q->call = call;
    q->reader = reader;
    q->first = !*req->snapshot;
    snprintf(q->cursor, sizeof q->cursor, "%s", req->cursor);
    snprintf(q->limit, sizeof q->limit, "%u",
             req->limit == 0 || req->limit > PAGE_MAX ? PAGE_MAX : req->limit);
    snprintf(q->snap, sizeof q->snap, "%s", req->snapshot);
    s->inflight++;
    s_held_t *h = q->first ? NULL : s_find(s, q->snap);
    if (q->first) {
        crm_db_begin(s->db, s_begun, q);
    } else if (h && !h->busy) {
        q->h = h;
        h->busy = 1;
        uv_timer_stop(&h->idle);
        crm_db_batch_t *b = crm_db_batch_new();
        s_add_page(b, q);
        crm_db_tx_submit(h->tx, &b, s_held_page_done, q);
    } else {
        crm_db_begin(s->db, s_joined, q);
    }
}

crm_snapshots_t *crm_snapshots_new(uv_loop_t *loop, crm_db_t *db, const char *producer)
{
    crm_snapshots_t *s = crm_calloc(1, sizeof *s);
    s->loop = loop;
    s->db = db;
    s->producer = crm_strdup(producer);
    s->idle_ms = crm_env_int("CRM_SNAPSHOT_IDLE_MS", IDLE_MS, 100, 3600000);
    return s;
}

void crm_snapshots_add(crm_snapshots_t *s, const crm_snapshot_reader_t *reader)
{
    s->readers = crm_realloc(s->readers, (s->nreaders + 1) * sizeof *s->readers);
    s->readers[s->nreaders++] = reader;
}

void crm_snapshots_serve(crm_snapshots_t *s, crm_rpc_server_t *srv)
{
    crm_rpc_server_handle(srv, &crm__bus__descriptor, "Snapshot", s_snapshot, s);
}

void crm_snapshots_destroy(crm_snapshots_t **s_p)
{
    crm_snapshots_t *s = s_p ? *s_p : NULL;
    if (!s)
        return;
    *s_p = NULL;
    s->closing = 1;
    for (s_held_t *h = s->held, *next; h; h = next) {
        next = h->next;
        if (!h->busy)
            s_release(h);
    }
    s_maybe_free(s);
}
