/* cache.c: Redis as a cache that may always miss (see cache.h), on hiredis'
 * async API attached to the loop with its libuv adapter.
 *
 * hiredis 0.14 has no command timeouts, so each get carries its own timer.
 * A get is answered exactly once, by whichever comes first: its reply, its
 * timer (a miss), the loss of the connection or the cache's destruction (a
 * miss). Its memory stays until both hiredis has let go of it (the reply
 * callback ran, possibly with a NULL reply on disconnect) and its timer is
 * closed; a reply that comes after the timer is then simply ignored.
 *
 * A lost or refused connection is retried with back-off, 100 ms doubling to
 * 2 s. hiredis 0.14's libuv adapter drops libuv's poll errors (POLLERR, as a
 * refused connect or a reset gives) on the floor and hiredis then waits
 * forever, so two guards stand in: a connect that has not finished after
 * CONNECT_TIMEOUT_MS is abandoned and retried, and after STALL_TIMEOUTS gets
 * in a row time out the connection is presumed dead and made again.
 *
 * The cache is freed after its retry timer is closed, its hiredis context is
 * gone and every get has been freed. */
#include "crm/cache.h"

#include <assert.h>
#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/trace.h"
#include "crm/util.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define DEFAULT_TIMEOUT_MS 200
#define CONNECT_TIMEOUT_MS 500
#define STALL_TIMEOUTS 3

typedef struct s_get s_get_t;

struct crm_cache {
    uv_loop_t *loop;
    char *host; /* NULL: no Redis, every get misses */
    int port;
    unsigned timeout_ms;
    redisAsyncContext *ac; /* NULL while disconnected */
    int connected;         /* ac has finished connecting */
    int down_logged;       /* the outage was logged already */
    uv_timer_t retry;      /* back-off, or the connect deadline */
    unsigned backoff_ms;
    unsigned timeouts; /* gets timed out in a row */
    s_get_t *gets;     /* every get whose memory is still held */
    int closing, retry_closed;
};

struct s_get {
    crm_cache_t *c;
    crm_cache_get_cb cb;
    void *arg;
    uv_timer_t timer;
    int answered;     /* cb has run */
    int in_redis;     /* hiredis holds it as a command's privdata */
    int timer_closed; /* the timer's close callback has run */
    s_get_t *prev, *next;
    crm_trace_t trace; /* current at the get, again around cb (crm/trace.h) */
};

static void s_connect(crm_cache_t *c);
static void s_drop(crm_cache_t *c, const char *why);

/* ---- lifetime --------------------------------------------------------- */

static void s_maybe_free(crm_cache_t *c)
{
    if (c->closing && c->retry_closed && !c->ac && !c->gets) {
        free(c->host);
        free(c);
    }
}

static void s_retry_closed(uv_handle_t *h)
{
    crm_cache_t *c = h->data;
    c->retry_closed = 1;
    s_maybe_free(c);
}

/* ---- gets ------------------------------------------------------------- */

static void s_get_maybe_free(s_get_t *g)
{
    if (g->in_redis || !g->timer_closed)
        return;
    crm_cache_t *c = g->c;
    if (g->prev)
        g->prev->next = g->next;
    else
        c->gets = g->next;
    if (g->next)
        g->next->prev = g->prev;
    free(g);
    s_maybe_free(c);
}

static void s_get_closed(uv_handle_t *h)
{
    s_get_t *g = h->data;
    g->timer_closed = 1;
    s_get_maybe_free(g);
}

/* Answers g once; later answers (a late reply, a timer) are ignored. The
 * timer is closed first, so the callback may do anything, even destroy the
 * cache. */
static void s_answer(s_get_t *g, const char *value, size_t len)
{
    if (g->answered)
        return;
    g->answered = 1;
    uv_close((uv_handle_t *)&g->timer, s_get_closed);
    crm_trace_t was = crm_trace_swap(g->trace.id);
    g->cb(g->arg, value, len);
    crm_trace_restore(&was);
}

static void s_get_timeout(uv_timer_t *t)
{
    s_get_t *g = t->data;
    crm_cache_t *c = g->c;
    int waited = g->in_redis;
    s_answer(g, NULL, 0);
    if (waited && !c->closing && c->connected && ++c->timeouts >= STALL_TIMEOUTS)
        s_drop(c, "no replies");
}

/* hiredis' reply callback: reply is NULL when the connection went away or
 * the context is being freed. */
static void s_get_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    s_get_t *g = privdata;
    redisReply *reply = r;
    g->in_redis = 0;
    if (reply)
        g->c->timeouts = 0;
    if (reply && reply->type == REDIS_REPLY_STRING)
        s_answer(g, reply->str, reply->len);
    else
        s_answer(g, NULL, 0);
    s_get_maybe_free(g);
}

/* ---- the connection --------------------------------------------------- */

static void s_retry_fire(uv_timer_t *t)
{
    s_connect(t->data);
}

static void s_schedule_retry(crm_cache_t *c)
{
    if (c->closing)
        return;
    uv_timer_start(&c->retry, s_retry_fire, c->backoff_ms, 0);
    c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

static void s_log_down(crm_cache_t *c, const char *what, const char *why)
{
    if (c->down_logged)
        return;
    c->down_logged = 1;
    char port[16];
    snprintf(port, sizeof port, "%d", c->port);
    crm_log(CRM_WARN, what, "host", c->host, "port", port, "error", why ? why : "", NULL);
}

/* The connect deadline: hiredis may never say that a connect failed. */
static void s_connect_timeout(uv_timer_t *t)
{
    crm_cache_t *c = t->data;
    if (!c->ac || c->connected)
        return;
    redisAsyncContext *ac = c->ac;
    c->ac = NULL;
    redisAsyncFree(ac); /* not connected: no callbacks run */
    s_log_down(c, "cache unavailable", "connect timed out");
    s_schedule_retry(c);
}

/* Gives up a connection that seems dead; it is made again with back-off. */
static void s_drop(crm_cache_t *c, const char *why)
{
    crm_log(CRM_WARN, "cache not answering, reconnecting", "host", c->host, "error", why, NULL);
    c->down_logged = 1;
    /* Answers the pending gets as misses, then runs s_on_disconnect, which
     * schedules the reconnection. */
    redisAsyncFree(c->ac);
}

static void s_on_connect(const redisAsyncContext *ac, int status)
{
    crm_cache_t *c = ac->data;
    uv_timer_stop(&c->retry);
    if (status != REDIS_OK) {
        /* hiredis frees the context when this returns. */
        c->ac = NULL;
        s_log_down(c, "cache unavailable", ac->errstr);
        s_schedule_retry(c);
        return;
    }
    c->connected = 1;
    c->timeouts = 0;
    c->backoff_ms = BACKOFF_MIN_MS;
    if (c->down_logged) {
        c->down_logged = 0;
        crm_log(CRM_INFO, "cache reconnected", "host", c->host, NULL);
    }
}

/* Runs when a connected context goes away: lost, or freed by destroy. The
 * pending commands' callbacks have run already (with NULL replies). */
static void s_on_disconnect(const redisAsyncContext *ac, int status)
{
    crm_cache_t *c = ac->data;
    c->ac = NULL;
    c->connected = 0;
    if (c->closing) {
        s_maybe_free(c);
        return;
    }
    s_log_down(c, "cache connection lost", status == REDIS_OK ? NULL : ac->errstr);
    s_schedule_retry(c);
}

static void s_connect(crm_cache_t *c)
{
    redisAsyncContext *ac = redisAsyncConnect(c->host, c->port);
    if (!ac) {
        s_log_down(c, "cache unavailable", "out of memory");
        s_schedule_retry(c);
        return;
    }
    if (ac->err) {
        s_log_down(c, "cache unavailable", ac->errstr);
        redisAsyncFree(ac);
        s_schedule_retry(c);
        return;
    }
    ac->data = c;
    if (redisLibuvAttach(ac, c->loop) != REDIS_OK) {
        s_log_down(c, "cache unavailable", "cannot attach to the loop");
        redisAsyncFree(ac);
        s_schedule_retry(c);
        return;
    }
    redisAsyncSetConnectCallback(ac, s_on_connect);
    redisAsyncSetDisconnectCallback(ac, s_on_disconnect);
    c->ac = ac;
    uv_timer_start(&c->retry, s_connect_timeout, CONNECT_TIMEOUT_MS, 0);
}

/* Parses "redis://host:port" (also "redis://host", "redis://[::1]:port",
 * with an optional trailing "/..."). Returns 0, or -1 if malformed. */
static int s_parse_url(const char *url, char **host, int *port)
{
    const char *p = url;
    if (strncmp(p, "redis://", 8) == 0)
        p += 8;
    const char *end = p + strcspn(p, "/");
    const char *hs = p, *he, *colon;
    if (*p == '[') {
        hs = p + 1;
        he = memchr(hs, ']', (size_t)(end - hs));
        if (!he)
            return -1;
        colon = he + 1 < end && he[1] == ':' ? he + 1 : NULL;
        if (he + 1 < end && !colon)
            return -1;
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        he = colon ? colon : end;
    }
    if (he == hs)
        return -1;
    *port = 6379;
    if (colon) {
        char buf[8];
        size_t n = (size_t)(end - colon - 1);
        int64_t v;
        if (n == 0 || n >= sizeof buf)
            return -1;
        memcpy(buf, colon + 1, n);
        buf[n] = '\0';
        if (crm_parse_i64(buf, &v) < 0 || v < 1 || v > 65535)
            return -1;
        *port = (int)v;
    }
    *host = crm_strndup(hs, (size_t)(he - hs));
    return 0;
}

/* ---- the interface ---------------------------------------------------- */

crm_cache_t *crm_cache_new(uv_loop_t *loop, const char *url, unsigned timeout_ms)
{
    crm_cache_t *c = crm_calloc(1, sizeof *c);
    c->loop = loop;
    c->timeout_ms = timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS;
    c->backoff_ms = BACKOFF_MIN_MS;
    uv_timer_init(loop, &c->retry);
    c->retry.data = c;
    if (!url || !*url)
        return c;
    if (s_parse_url(url, &c->host, &c->port) < 0) {
        /* A cache may always miss; a bad URL makes one, loudly. */
        crm_log(CRM_ERROR, "bad cache URL, caching disabled", "url", url, NULL);
        return c;
    }
    s_connect(c);
    return c;
}

int crm_cache_connected(const crm_cache_t *c)
{
    return c && c->connected;
}

void crm_cache_get(crm_cache_t *c, const char *key, crm_cache_get_cb cb, void *arg)
{
    assert(c && key && cb);
    s_get_t *g = crm_calloc(1, sizeof *g);
    g->c = c;
    g->cb = cb;
    g->arg = arg;
    g->trace = crm_trace_keep();
    g->next = c->gets;
    if (c->gets)
        c->gets->prev = g;
    c->gets = g;
    uv_timer_init(c->loop, &g->timer);
    g->timer.data = g;
    unsigned wait_ms = 0; /* a miss on the next turn of the loop */
    if (c->connected && !c->closing &&
        redisAsyncCommand(c->ac, s_get_reply, g, "GET %b", key, strlen(key)) == REDIS_OK) {
        g->in_redis = 1;
        wait_ms = c->timeout_ms;
    }
    uv_timer_start(&g->timer, s_get_timeout, wait_ms, 0);
}

void crm_cache_set(crm_cache_t *c, const char *key, const void *value, size_t len, unsigned ttl_s)
{
    if (!c || !c->connected || c->closing)
        return;
    if (ttl_s)
        redisAsyncCommand(c->ac, NULL, NULL, "SET %b %b EX %u", key, strlen(key), value, len,
                          ttl_s);
    else
        redisAsyncCommand(c->ac, NULL, NULL, "SET %b %b", key, strlen(key), value, len);
}

void crm_cache_del(crm_cache_t *c, const char *key)
{
    if (!c || !c->connected || c->closing)
        return;
    redisAsyncCommand(c->ac, NULL, NULL, "DEL %b", key, strlen(key));
}

void crm_cache_destroy(crm_cache_t **c_p)
{
    if (!c_p || !*c_p)
        return;
    crm_cache_t *c = *c_p;
    *c_p = NULL;
    if (c->closing)
        return;
    c->closing = 1;
    uv_timer_stop(&c->retry);
    uv_close((uv_handle_t *)&c->retry, s_retry_closed);
    if (c->ac) {
        redisAsyncContext *ac = c->ac;
        if (!c->connected)
            c->ac = NULL; /* still connecting: no disconnect callback will come */
        /* Runs the pending gets' callbacks with NULL replies, then (when it
         * was connected) s_on_disconnect; from inside a hiredis callback
         * hiredis does both once that callback returns. */
        redisAsyncFree(ac);
    }
    for (s_get_t *g = c->gets; g; g = g->next)
        s_answer(g, NULL, 0);
    s_maybe_free(c);
}
