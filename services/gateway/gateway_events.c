/* gateway_events.c: server-sent events for the signed-in user
 * (GET /api/v1/events/stream): the notification centre. While a stream is
 * open the gateway subscribes to every configured service's PUB sockets
 * (with none open, the services send it nothing); an event concerns a
 * user when its payload names them as an owner (owner_id of the record it
 * carries, to_owner_id, from_owner_id, previous_owner_id), and goes to each
 * of that user's streams as
 *
 *     event: lead.transferred
 *     data: {"event_id": ..., "type": ..., "payload": {...}}
 *
 * A comment line every CRM_SSE_PING_MS keeps proxies from closing an idle
 * stream, and each time the stream's token is looked up again: a stream
 * whose token was revoked, expired or whose user was deleted ends.
 * This is a live feed, not a replay: what happens while a client is
 * disconnected is in the records themselves. At stop every stream is ended
 * so the connection can close. h2o allows one write in flight per stream:
 * text arriving meanwhile waits in a queue sent on proceed. */
#include <stdlib.h>
#include <string.h>

#include "crm/event_types.h"
#include "crm/log.h"
#include "crm/registry.h"
#include "crm/util.h"
#include "crm/zsock.h"
#include "gateway_events.h"
#include "identity/identity.h"

#define MAX_QUEUE (1 << 20) /* a stream this far behind is dropped */

/* Every domain of the suite registry may produce events. */
#define NPRODUCERS (crm_registry_get()->n_domains)

typedef struct s_stream {
    h2o_generator_t gen; /* first: h2o's callbacks get it */
    struct s_stream *prev, *next;
    uint64_t serial; /* finds it again after a token check */
    gw_events_t *ev;
    gw_call_t *c;
    char *queue, *sending; /* waiting text; text h2o is writing */
    size_t qlen;
    int ending;
} s_stream_t;

struct gw_events {
    gw_t *gw;
    crm_zsock_t **subs; /* one per domain (NULL: not configured) */
    s_stream_t *streams;
    uint64_t serials;
    int stopped;
    uv_timer_t ping;
};

/* ---- streams ----------------------------------------------------------- */

/* Subscribes to every event (on) or to none: while nobody listens, the
 * services' PUB sockets send the gateway nothing (they filter). */
static void s_subscribe(gw_events_t *ev, int on)
{
    for (size_t i = 0; i < NPRODUCERS; i++)
        if (ev->subs[i])
            zmq_setsockopt(crm_zsock_raw(ev->subs[i]), on ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE, "", 0);
}

static void s_unlink(s_stream_t *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else
        st->ev->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    if (!st->ev->streams && !st->ev->stopped)
        s_subscribe(st->ev, 0);
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

static void s_push(s_stream_t *st, const char *text, size_t len)
{
    if (st->qlen + len > MAX_QUEUE) {
        st->ending = 1; /* a client this slow gets the end of the stream */
    } else {
        st->queue = crm_realloc(st->queue, st->qlen + len);
        memcpy(st->queue + st->qlen, text, len);
        st->qlen += len;
    }
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

void gw_events_stream(gw_call_t *c)
{
    gw_events_t *ev = c->gw->events;
    h2o_req_t *req = c->req;
    s_stream_t *st = crm_calloc(1, sizeof *st);
    st->gen.proceed = s_proceed;
    st->gen.stop = s_stop;
    st->ev = ev;
    st->c = c;
    st->serial = ++ev->serials;
    if (!ev->streams)
        s_subscribe(ev, 1);
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
    s_push(st, H2O_STRLIT(": connected\n\n"));
}

/* ---- events ------------------------------------------------------------ */

/* Does obj (or an object directly inside it) name user as an owner? */
static int s_concerns(json_t *obj, int64_t user, int depth)
{
    static const char *const keys[] = {"owner_id", "to_owner_id", "from_owner_id",
                                       "previous_owner_id"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        if (json_is_integer(v) && json_integer_value(v) == user)
            return 1;
    }
    const char *k;
    json_t *v;
    if (depth == 0)
        json_object_foreach(obj, k, v) if (json_is_object(v) && s_concerns(v, user, 1)) return 1;
    return 0;
}

static void s_on_event(crm_zsock_t *sock, crm_zmsg_t *msg, void *arg)
{
    gw_events_t *ev = arg;
    if (msg->nparts != 2 || !ev->streams)
        return;
    zmq_msg_t *body = &msg->parts[1];
    Crm__Event *e =
        crm__event__unpack(NULL, zmq_msg_size(body), (const uint8_t *)zmq_msg_data(body));
    if (!e)
        return;
    if (e->type[0] == '_') { /* _heartbeat */
        crm__event__free_unpacked(e, NULL);
        return;
    }
    json_t *j = crm_event_to_json(e);
    json_t *payload = json_object_get(j, "payload");
    char *data = NULL;
    for (s_stream_t *st = ev->streams, *next; st; st = next) {
        next = st->next;
        if (st->ending || !json_is_object(payload) || !s_concerns(payload, st->c->who.user_id, 0))
            continue;
        if (!data) {
            char *text = json_dumps(j, JSON_COMPACT);
            data = crm_sprintf("event: %s\ndata: %s\n\n", e->type, text);
            free(text);
        }
        s_push(st, data, strlen(data));
    }
    free(data);
    json_decref(j);
    crm__event__free_unpacked(e, NULL);
}

typedef struct {
    gw_events_t *ev;
    uint64_t serial;
} s_check_t;

/* The token of stream serial was checked: end the stream if it no longer
 * signs anybody in (it may have ended meanwhile). */
static void s_checked(void *arg, int live)
{
    s_check_t *k = arg;
    gw_events_t *ev = k->ev;
    for (s_stream_t *st = ev->streams; st && !live && !ev->stopped; st = st->next)
        if (st->serial == k->serial) {
            st->ending = 1;
            s_flush(st);
            break;
        }
    free(k);
}

static void s_ping(uv_timer_t *t)
{
    gw_events_t *ev = t->data;
    for (s_stream_t *st = ev->streams, *next; st; st = next) {
        next = st->next;
        s_check_t *k = crm_malloc(sizeof *k);
        k->ev = ev;
        k->serial = st->serial;
        gw_identity_check(ev->gw->identity, st->c->token_hash, s_checked, k);
        s_push(st, H2O_STRLIT(": ping\n\n"));
    }
}

gw_events_t *gw_events_new(gw_t *gw)
{
    gw_events_t *ev = crm_calloc(1, sizeof *ev);
    ev->gw = gw;
    ev->subs = crm_calloc(NPRODUCERS + 1, sizeof *ev->subs);
    for (size_t i = 0; i < NPRODUCERS; i++) {
        const char *eps = crm_peer_pub(crm_registry_get()->domains[i].name, NULL);
        if (!eps)
            continue;
        ev->subs[i] = crm_zsock_new(gw->loop, crm_service_zctx(gw->svc), ZMQ_SUB);
        void *raw = crm_zsock_raw(ev->subs[i]);
        char **v;
        size_t n = crm_split_csv(eps, &v);
        for (size_t k = 0; k < n; k++)
            if (zmq_connect(raw, v[k]) != 0)
                crm_log(CRM_WARN, "cannot subscribe", "endpoint", v[k], NULL);
        crm_strv_free(v, n);
        crm_zsock_start(ev->subs[i], s_on_event, ev);
    }
    uv_timer_init(gw->loop, &ev->ping);
    ev->ping.data = ev;
    uint64_t ping_ms = (uint64_t)crm_env_int("CRM_SSE_PING_MS", 15000, 10, 3600000);
    uv_timer_start(&ev->ping, s_ping, ping_ms, ping_ms);
    return ev;
}

void gw_events_stop(gw_events_t *ev)
{
    ev->stopped = 1;
    for (size_t i = 0; i < NPRODUCERS; i++)
        crm_zsock_destroy(&ev->subs[i]);
    uv_close((uv_handle_t *)&ev->ping, NULL);
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
    free((*ev_p)->subs);
    free(*ev_p);
    *ev_p = NULL;
}
