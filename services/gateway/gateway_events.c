/* gateway_events.c: server-sent events for the signed-in user
 * (GET /api/v1/events/stream). The stream is the user's rows of the feed
 * (gw_feed: every event the gateway consumes that names them as an owner,
 * written once by notify/notify_feed.c), each sent as
 *
 *     id: 1234
 *     event: lead.transferred
 *     data: {"specversion": "1.0", "id": ..., "type": ..., "data": {...}}
 *
 * A client that comes back with Last-Event-ID: 1234 first gets every row
 * after 1234, in order, then the live ones; without it the stream starts
 * at the user's newest row. Ids follow commit order (the feed's writers
 * serialise on a lock), so "after n" loses nothing. Each gateway instance
 * listens for NOTIFY gw_feed (the user) on a session of its own and reads
 * the new rows of that user's streams; the ping timer reads too, in case a
 * notification was lost with a session.
 *
 * A comment line every CRM_SSE_PING_MS keeps proxies from closing an idle
 * stream, and each time the stream's token is looked up again: a stream
 * whose token was revoked, expired or whose user was deleted ends. Rows
 * older than CRM_SSE_KEEP_HOURS are pruned (every instance tries once a
 * minute; deleting is idempotent). At stop every stream is ended so the
 * connection can close. h2o allows one write in flight per stream: text
 * arriving meanwhile waits in a queue sent on proceed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"
#include "gateway_events.h"
#include "identity/identity.h"

#define MAX_QUEUE (1 << 20) /* a stream this far behind is dropped */
#define PAGE 200            /* feed rows read at a time */
#define PAGE_S "200"
#define PRUNE_MS 60000

typedef struct s_stream {
    h2o_generator_t gen; /* first: h2o's callbacks get it */
    struct s_stream *prev, *next;
    uint64_t serial; /* finds it again after a query or token check */
    gw_events_t *ev;
    gw_call_t *c;
    char *queue, *sending; /* waiting text; text h2o is writing */
    size_t qlen;
    int64_t after; /* the last feed id sent (-1: not known yet) */
    int reading;   /* a feed query is in flight */
    int again;     /* more was announced while it was */
    int ending;
} s_stream_t;

struct gw_events {
    gw_t *gw;
    crm_db_t *listen; /* the session that hears NOTIFY gw_feed */
    s_stream_t *streams;
    uint64_t serials;
    int stopped;
    int keep_hours;
    uv_timer_t ping, prune;
};

/* ---- streams ----------------------------------------------------------- */

static void s_unlink(s_stream_t *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else
        st->ev->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
}

static void s_free(s_stream_t *st)
{
    s_unlink(st);
    gw_call_finish(st->c);
    free(st->queue);
    free(st->sending);
    free(st);
}

/* Sends what is queued (if h2o is not writing), or ends the response. */
static void s_flush(s_stream_t *st)
{
    if (st->sending)
        return;
    if (st->ending && !st->qlen) {
        h2o_send(st->c->req, NULL, 0, H2O_SEND_STATE_FINAL);
        s_free(st);
        return;
    }
    if (!st->qlen)
        return;
    st->sending = st->queue;
    h2o_iovec_t buf = h2o_iovec_init(st->sending, st->qlen);
    st->queue = NULL;
    st->qlen = 0;
    h2o_send(st->c->req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
}

/* Queues text; does not send (s_flush does). */
static void s_queue(s_stream_t *st, const char *text, size_t len)
{
    if (st->qlen + len > MAX_QUEUE) {
        st->ending = 1; /* a client this slow gets the end of the stream */
        return;
    }
    st->queue = crm_realloc(st->queue, st->qlen + len);
    memcpy(st->queue + st->qlen, text, len);
    st->qlen += len;
}

static void s_push(s_stream_t *st, const char *text, size_t len)
{
    s_queue(st, text, len);
    s_flush(st);
}

static void s_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    s_stream_t *st = (s_stream_t *)gen;
    free(st->sending);
    st->sending = NULL;
    s_flush(st);
}

/* The client went away. */
static void s_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    s_free((s_stream_t *)gen);
}

static s_stream_t *s_find(gw_events_t *ev, uint64_t serial)
{
    for (s_stream_t *st = ev->streams; st; st = st->next)
        if (st->serial == serial)
            return st;
    return NULL;
}

/* ---- reading the feed --------------------------------------------------- */

typedef struct {
    gw_events_t *ev;
    uint64_t serial;
} s_ref_t;

static void s_read(s_stream_t *st);

/* Queues each row of a page as an SSE event; returns the rows. */
static int s_send_rows(s_stream_t *st, const PGresult *r)
{
    int n = PQntuples(r);
    for (int i = 0; i < n && !st->ending; i++) {
        char *text = crm_sprintf("id: %s\nevent: %s\ndata: %s\n\n", crm_db_get(r, i, 0),
                                 crm_db_get(r, i, 1), crm_db_get(r, i, 2));
        s_queue(st, text, strlen(text));
        free(text);
        st->after = crm_db_get_i64(r, i, 0);
    }
    return n;
}

static void s_got(void *arg, const crm_db_result_t *res)
{
    s_ref_t *ref = arg;
    s_stream_t *st = ref->ev->stopped ? NULL : s_find(ref->ev, ref->serial);
    free(ref);
    if (!st)
        return;
    st->reading = 0;
    int more = st->again;
    st->again = 0;
    if (res->err) {
        crm_log(CRM_WARN, "event stream: feed not read; tried again at the next ping", "error",
                res->message, NULL);
        return;
    }
    const PGresult *r = res->results[0];
    if (st->after < 0)
        st->after = crm_db_get_i64(r, 0, 0); /* the head: start after it */
    else if (s_send_rows(st, r) == PAGE)
        more = 1;
    gw_events_t *ev = st->ev;
    uint64_t serial = st->serial;
    s_flush(st); /* may end and free st */
    if (more && (st = s_find(ev, serial)) != NULL)
        s_read(st);
}

/* Reads the stream's next rows (or, before the first read, its head). */
static void s_read(s_stream_t *st)
{
    if (st->reading) {
        st->again = 1;
        return;
    }
    gw_events_t *ev = st->ev;
    if (st->ending)
        return;
    st->reading = 1;
    s_ref_t *ref = crm_malloc(sizeof *ref);
    *ref = (s_ref_t){ev, st->serial};
    char user[24], after[24];
    const char *p[] = {crm_i64(user, st->c->who.user_id), crm_i64(after, st->after)};
    if (st->after < 0)
        crm_db_exec(ev->gw->db, "gw_feed_head", 1, p, s_got, ref);
    else
        crm_db_exec(ev->gw->db, "gw_feed_after", 2, p, s_got, ref);
}

/* NOTIFY gw_feed: the user in payload has new rows. */
static void s_notified(void *arg, const char *channel, const char *payload)
{
    gw_events_t *ev = arg;
    int64_t user = strtoll(payload, NULL, 10);
    for (s_stream_t *st = ev->streams, *next; st; st = next) {
        next = st->next;
        if (st->c->who.user_id == user)
            s_read(st);
    }
}

/* ---- opening a stream -------------------------------------------------- */

/* The Last-Event-ID header: -1 when absent, -2 when not a feed id (a
 * decimal number up to 2^63 - 1), else the id. */
static int64_t s_last_event_id(h2o_req_t *req)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("last-event-id"), -1);
    if (i < 0)
        return -1;
    h2o_iovec_t v = req->headers.entries[i].value;
    if (v.len == 0 || v.len > 19)
        return -2;
    char buf[20];
    for (size_t k = 0; k < v.len; k++)
        if (v.base[k] < '0' || v.base[k] > '9')
            return -2;
    memcpy(buf, v.base, v.len);
    buf[v.len] = 0;
    errno = 0;
    long long n = strtoll(buf, NULL, 10);
    return errno ? -2 : (int64_t)n;
}

void gw_events_stream(gw_call_t *c)
{
    gw_events_t *ev = c->gw->events;
    h2o_req_t *req = c->req;
    int64_t last = s_last_event_id(req);
    if (last == -2) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "Last-Event-ID",
                     "give the id of the last event received (a decimal number), or omit it");
        return;
    }
    s_stream_t *st = crm_calloc(1, sizeof *st);
    st->gen.proceed = s_proceed;
    st->gen.stop = s_stop;
    st->ev = ev;
    st->c = c;
    st->serial = ++ev->serials;
    st->after = last; /* -1: the head, read first */
    st->next = ev->streams;
    if (ev->streams)
        ev->streams->prev = st;
    ev->streams = st;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    h2o_start_response(req, &st->gen);
    s_queue(st, H2O_STRLIT(": connected\n\n"));
    s_read(st);
    s_flush(st);
}

/* ---- timers ------------------------------------------------------------ */

/* The token of stream serial was checked: end the stream if it no longer
 * signs anybody in (it may have ended meanwhile). */
static void s_checked(void *arg, int live)
{
    s_ref_t *k = arg;
    gw_events_t *ev = k->ev;
    s_stream_t *st = live || ev->stopped ? NULL : s_find(ev, k->serial);
    if (st) {
        st->ending = 1;
        s_flush(st);
    }
    free(k);
}

static void s_ping(uv_timer_t *t)
{
    gw_events_t *ev = t->data;
    for (s_stream_t *st = ev->streams, *next; st; st = next) {
        next = st->next;
        s_ref_t *k = crm_malloc(sizeof *k);
        *k = (s_ref_t){ev, st->serial};
        gw_identity_check(ev->gw->identity, st->c->token_hash, s_checked, k);
        s_read(st);
        s_push(st, H2O_STRLIT(": ping\n\n"));
    }
}

static void s_pruned(void *arg, const crm_db_result_t *res)
{
    (void)arg;
    if (res->err)
        crm_log(CRM_WARN, "event stream: old feed rows not pruned", "error", res->message, NULL);
}

static void s_prune(uv_timer_t *t)
{
    gw_events_t *ev = t->data;
    char hours[24];
    const char *p[] = {crm_i64(hours, ev->keep_hours)};
    crm_db_exec(ev->gw->db, "gw_feed_prune", 1, p, s_pruned, NULL);
}

static void s_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "gw_feed_head",
                   "SELECT COALESCE(max(id), 0) FROM gw_feed WHERE user_id = $1::bigint");
    crm_db_prepare(db, "gw_feed_after",
                   "SELECT id, type, event FROM gw_feed WHERE user_id = $1::bigint"
                   " AND id > $2::bigint ORDER BY id LIMIT " PAGE_S);
    crm_db_prepare(db, "gw_feed_prune",
                   "DELETE FROM gw_feed WHERE id IN (SELECT id FROM gw_feed WHERE created_at"
                   " < now() - make_interval(hours => $1::int) LIMIT 10000)");
}

gw_events_t *gw_events_new(gw_t *gw)
{
    gw_events_t *ev = crm_calloc(1, sizeof *ev);
    ev->gw = gw;
    ev->keep_hours = (int)crm_env_int("CRM_SSE_KEEP_HOURS", 24, 1, 24 * 365);
    s_prepare(gw->db);
    ev->listen = crm_db_new(gw->loop, crm_service_config(gw->svc)->db_url, 1);
    crm_db_set_role(ev->listen, "events");
    crm_db_listen(ev->listen, "gw_feed", s_notified, ev);
    uv_timer_init(gw->loop, &ev->ping);
    ev->ping.data = ev;
    uint64_t ping_ms = (uint64_t)crm_env_int("CRM_SSE_PING_MS", 15000, 10, 3600000);
    uv_timer_start(&ev->ping, s_ping, ping_ms, ping_ms);
    uv_timer_init(gw->loop, &ev->prune);
    ev->prune.data = ev;
    uv_timer_start(&ev->prune, s_prune, 1000, PRUNE_MS);
    return ev;
}

void gw_events_stop(gw_events_t *ev)
{
    ev->stopped = 1;
    crm_db_destroy(&ev->listen);
    uv_close((uv_handle_t *)&ev->ping, NULL);
    uv_close((uv_handle_t *)&ev->prune, NULL);
    for (s_stream_t *st = ev->streams, *next; st; st = next) {
        next = st->next;
        st->ending = 1;
        s_flush(st);
    }
}

void gw_events_destroy(gw_events_t **ev_p)
{
    if (!ev_p || !*ev_p)
        return;
    free(*ev_p);
    *ev_p = NULL;
}
