/* test_cache.c: the Redis cache against a real redis-server: set, get, del,
 * expiry; Redis killed (gets miss at once), restarted (the cache comes back),
 * stopped with SIGSTOP (gets time out as misses, late replies are ignored);
 * destruction with gets pending, with the connection down and from inside a
 * get's callback; the loop closes cleanly at the end. */
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "crm/cache.h"
#include "crm/util.h"
#include "harness.h"

#define TIMEOUT_MS 200

typedef struct {
    int calls; /* how many times the callback ran: must be 1 */
    int hit;
    char value[256];
    size_t len;
    uint64_t asked_ms, answered_ms;
    crm_cache_t **destroy; /* destroy this cache from inside the callback */
} s_result_t;

static void s_on_get(void *arg, const char *value, size_t len)
{
    s_result_t *r = arg;
    r->calls++;
    r->answered_ms = crm_mono_ms();
    r->hit = value != NULL;
    if (value) {
        r->len = len < sizeof r->value ? len : sizeof r->value;
        memcpy(r->value, value, r->len);
    }
    if (r->destroy)
        crm_cache_destroy(r->destroy);
}

static void s_tick(uv_timer_t *t) {}

/* Runs the loop until *flag is non-zero (flag NULL: for ms) or ms pass.
 * Returns the flag. */
static int s_run(uv_loop_t *loop, const int *flag, unsigned ms)
{
    uv_timer_t tick;
    uv_timer_init(loop, &tick);
    uv_timer_start(&tick, s_tick, 5, 5);
    uint64_t end = crm_mono_ms() + ms;
    while ((!flag || !*flag) && crm_mono_ms() < end)
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return flag ? *flag : 0;
}

static int s_connected_flag;
static crm_cache_t *s_watch;

static void s_watch_tick(uv_timer_t *t)
{
    s_connected_flag = crm_cache_connected(s_watch);
}

/* Waits until the cache's connection state is want; returns 1 if it is. */
static int s_wait_connected(uv_loop_t *loop, crm_cache_t *c, int want, unsigned ms)
{
    uv_timer_t t;
    uv_timer_init(loop, &t);
    s_watch = c;
    s_connected_flag = crm_cache_connected(c);
    uv_timer_start(&t, s_watch_tick, 5, 5);
    uint64_t end = crm_mono_ms() + ms;
    while (s_connected_flag != want && crm_mono_ms() < end)
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return crm_cache_connected(c) == want;
}

/* A get that runs the loop until it is answered (or 5 s pass). */
static s_result_t s_get(uv_loop_t *loop, crm_cache_t *c, const char *key)
{
    s_result_t r = {0};
    r.asked_ms = crm_mono_ms();
    crm_cache_get(c, key, s_on_get, &r);
    s_run(loop, &r.calls, 5000);
    return r;
}

/* Redis' own pid, from INFO (the harness does not say it). */
static pid_t s_redis_pid(const char *url)
{
    const char *hp = strstr(url, "://") ? strstr(url, "://") + 3 : url;
    const char *colon = strrchr(hp, ':');
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(colon - hp), hp);
    redisContext *rc = redisConnect(host, atoi(colon + 1));
    H_CHECK(rc && !rc->err, "cannot connect to %s", url);
    redisReply *rep = redisCommand(rc, "INFO server");
    H_CHECK(rep && rep->type == REDIS_REPLY_STRING, "INFO failed");
    const char *p = strstr(rep->str, "process_id:");
    H_CHECK(p != NULL, "no process_id in INFO");
    pid_t pid = (pid_t)atol(p + 11);
    freeReplyObject(rep);
    redisFree(rc);
    return pid;
}

static void s_basics(uv_loop_t *loop, crm_cache_t *c)
{
    s_result_t r = s_get(loop, c, "test:absent");
    H_CHECK(r.calls == 1 && !r.hit, "absent key: calls %d hit %d", r.calls, r.hit);

    /* Binary values with NUL bytes and UTF-8 survive. */
    const char value[] = "客户\0\x01\xff-42";
    crm_cache_set(c, "test:k1", value, sizeof value, 60);
    r = s_get(loop, c, "test:k1");
    H_CHECK(r.calls == 1 && r.hit, "set then get: calls %d hit %d", r.calls, r.hit);
    H_CHECK(r.len == sizeof value && memcmp(r.value, value, r.len) == 0, "value differs");

    crm_cache_del(c, "test:k1");
    r = s_get(loop, c, "test:k1");
    H_CHECK(r.calls == 1 && !r.hit, "get after del hits");

    /* No ttl: kept. */
    crm_cache_set(c, "test:forever", "x", 1, 0);
    r = s_get(loop, c, "test:forever");
    H_CHECK(r.hit && r.len == 1, "ttl 0 set");

    /* Expiry. */
    crm_cache_set(c, "test:ttl", "soon gone", 9, 1);
    r = s_get(loop, c, "test:ttl");
    H_CHECK(r.hit, "ttl key missing at once");
    s_run(loop, NULL, 1300);
    r = s_get(loop, c, "test:ttl");
    H_CHECK(r.calls == 1 && !r.hit, "ttl key did not expire");

    /* Many gets in flight at once, each answered once. */
    s_result_t many[50];
    memset(many, 0, sizeof many);
    crm_cache_set(c, "test:many", "m", 1, 60);
    for (int i = 0; i < 50; i++)
        crm_cache_get(c, i % 2 ? "test:many" : "test:absent", s_on_get, &many[i]);
    s_run(loop, NULL, 300);
    for (int i = 0; i < 50; i++)
        H_CHECK(many[i].calls == 1 && many[i].hit == (i % 2), "get %d: calls %d hit %d", i,
                many[i].calls, many[i].hit);
    h_note("cache: set/get/del/ttl ok");
}

static void s_killed_and_restarted(h_t *h, uv_loop_t *loop, crm_cache_t *c)
{
    /* Gets in flight when Redis dies are answered as misses. */
    s_result_t inflight = {0};
    crm_cache_get(c, "test:many", s_on_get, &inflight);
    h_redis_stop(h);
    s_run(loop, &inflight.calls, 2000);
    H_CHECK(inflight.calls == 1, "get in flight at the kill: calls %d", inflight.calls);
    H_CHECK(s_wait_connected(loop, c, 0, 2000), "the cache did not notice Redis died");

    /* While down: gets miss at once, sets and dels are dropped. */
    for (int i = 0; i < 5; i++) {
        crm_cache_set(c, "test:down", "x", 1, 60);
        crm_cache_del(c, "test:down");
        s_result_t r = s_get(loop, c, "test:many");
        H_CHECK(r.calls == 1 && !r.hit, "get while down: calls %d hit %d", r.calls, r.hit);
        H_CHECK(r.answered_ms - r.asked_ms < TIMEOUT_MS / 2, "a get while down took %llu ms",
                (unsigned long long)(r.answered_ms - r.asked_ms));
        s_run(loop, NULL, 100);
    }
    /* Let the back-off reach its ceiling. */
    s_run(loop, NULL, 2500);

    uint64_t t0 = crm_mono_ms();
    h_redis_start(h);
    H_CHECK(s_wait_connected(loop, c, 1, 5000), "no reconnection within 5 s of the restart");
    h_note("cache: reconnected %llu ms after the restart began",
           (unsigned long long)(crm_mono_ms() - t0));
    crm_cache_set(c, "test:back", "again", 5, 60);
    s_result_t r = s_get(loop, c, "test:back");
    H_CHECK(r.hit && r.len == 5 && memcmp(r.value, "again", 5) == 0, "cache not back");
    h_note("cache: kill and restart ok");
}

static void s_stopped(h_t *h, uv_loop_t *loop, crm_cache_t *c)
{
    crm_cache_set(c, "test:slow", "late", 4, 60);
    s_result_t r = s_get(loop, c, "test:slow");
    H_CHECK(r.hit, "test:slow not stored");

    pid_t pid = s_redis_pid(h_redis_url(h));
    H_CHECK(kill(pid, SIGSTOP) == 0, "SIGSTOP");
    r = s_get(loop, c, "test:slow");
    uint64_t took = r.answered_ms - r.asked_ms;
    H_CHECK(r.calls == 1 && !r.hit, "get against a stopped Redis: calls %d hit %d", r.calls, r.hit);
    H_CHECK(took >= TIMEOUT_MS - 5 && took < TIMEOUT_MS + 300, "timed out after %llu ms",
            (unsigned long long)took);

    /* More gets time out; the late replies come after SIGCONT and are
     * ignored (no second call). */
    s_result_t late[5];
    memset(late, 0, sizeof late);
    for (int i = 0; i < 5; i++)
        crm_cache_get(c, "test:slow", s_on_get, &late[i]);
    s_run(loop, NULL, TIMEOUT_MS + 100);
    H_CHECK(kill(pid, SIGCONT) == 0, "SIGCONT");
    s_run(loop, NULL, 300);
    for (int i = 0; i < 5; i++)
        H_CHECK(late[i].calls == 1 && !late[i].hit, "late get %d: calls %d hit %d", i,
                late[i].calls, late[i].hit);
    r = s_get(loop, c, "test:slow");
    H_CHECK(r.hit && r.len == 4, "cache unusable after SIGCONT");
    h_note("cache: timeouts against a stopped Redis ok");
}

static void s_destroys(h_t *h, uv_loop_t *loop)
{
    const char *url = h_redis_url(h);

    /* With gets pending against a stopped Redis. */
    crm_cache_t *c = crm_cache_new(loop, url, TIMEOUT_MS);
    H_CHECK(s_wait_connected(loop, c, 1, 2000), "no connection");
    pid_t pid = s_redis_pid(url);
    kill(pid, SIGSTOP);
    s_result_t pending[3];
    memset(pending, 0, sizeof pending);
    for (int i = 0; i < 3; i++)
        crm_cache_get(c, "test:slow", s_on_get, &pending[i]);
    s_run(loop, NULL, 20);
    crm_cache_destroy(&c);
    H_CHECK(c == NULL, "destroy does not clear the pointer");
    for (int i = 0; i < 3; i++)
        H_CHECK(pending[i].calls == 1 && !pending[i].hit, "pending get %d at destroy", i);
    kill(pid, SIGCONT);
    s_run(loop, NULL, 50);
    crm_cache_destroy(&c); /* NULL: no-op */

    /* From inside a get's callback (hiredis defers the free). */
    c = crm_cache_new(loop, url, TIMEOUT_MS);
    H_CHECK(s_wait_connected(loop, c, 1, 2000), "no connection");
    s_result_t inside = {.destroy = &c};
    s_result_t other = {0};
    crm_cache_get(c, "test:slow", s_on_get, &inside);
    crm_cache_get(c, "test:slow", s_on_get, &other);
    s_run(loop, NULL, 200);
    H_CHECK(inside.calls == 1 && inside.hit && c == NULL, "destroy from a callback");
    H_CHECK(other.calls == 1, "the other get: calls %d", other.calls);

    /* Right after new, while connecting: gets miss, destroy is safe. */
    c = crm_cache_new(loop, url, TIMEOUT_MS);
    s_result_t early = {0};
    crm_cache_get(c, "test:slow", s_on_get, &early);
    crm_cache_destroy(&c);
    s_run(loop, NULL, 50);
    H_CHECK(early.calls == 1 && !early.hit, "get while connecting");

    /* With Redis down all along: gets miss, destroy is safe mid back-off. */
    h_redis_stop(h);
    c = crm_cache_new(loop, url, TIMEOUT_MS);
    s_run(loop, NULL, 350);
    H_CHECK(!crm_cache_connected(c), "connected to a dead Redis");
    s_result_t r = s_get(loop, c, "test:slow");
    H_CHECK(r.calls == 1 && !r.hit && r.answered_ms - r.asked_ms < 50, "get while down");
    crm_cache_destroy(&c);

    /* No URL, and a bad one: caches that always miss. */
    const char *urls[] = {NULL,          "", "redis://", "redis://host:notaport", "redis://h:70000",
                          "redis://[::1"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        c = crm_cache_new(loop, urls[i], TIMEOUT_MS);
        crm_cache_set(c, "k", "v", 1, 1);
        crm_cache_del(c, "k");
        r = s_get(loop, c, "k");
        H_CHECK(r.calls == 1 && !r.hit, "url %s", urls[i] ? urls[i] : "(null)");
        H_CHECK(!crm_cache_connected(c), "url %s connected", urls[i] ? urls[i] : "(null)");
        crm_cache_destroy(&c);
    }
    h_note("cache: destruction ok");
}

int main(void)
{
    h_t *h = h_new("cache");
    uv_loop_t loop;
    uv_loop_init(&loop);

    crm_cache_t *c = crm_cache_new(&loop, h_redis_url(h), TIMEOUT_MS);
    H_CHECK(c != NULL, "crm_cache_new");
    H_CHECK(s_wait_connected(&loop, c, 1, 3000), "no connection to %s", h_redis_url(h));

    s_basics(&loop, c);
    s_killed_and_restarted(h, &loop, c);
    s_stopped(h, &loop, c);
    crm_cache_destroy(&c);
    s_destroys(h, &loop);

    uv_run(&loop, UV_RUN_DEFAULT);
    H_CHECK(uv_loop_close(&loop) == 0, "handles left open on the loop");
    h_destroy(&h);
    printf("test_cache: ok\n");
    return 0;
}
