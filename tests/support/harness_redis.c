/* harness_redis.c: the harness's private Redis (see harness.h), started on
 * a free port, killed and started again on the same port; what it holds. */
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness_impl.h"

static int s_redis_ping(int port)
{
    struct timeval tv = {0, 500 * 1000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    int ok = 0;
    if (c && !c->err) {
        redisSetTimeout(c, tv);
        redisReply *r = redisCommand(c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        if (r)
            freeReplyObject(r);
    }
    redisFree(c);
    return ok;
}

void h_redis_start(h_t *h)
{
    if (h->redis_pid)
        S_FAIL("Redis is running already");
    if (!h->redis_port)
        h->redis_port = hi_free_port();
    char port[16];
    snprintf(port, sizeof port, "%d", h->redis_port);
    char *log = crm_sprintf("%s/redis.log", h->dir);
    char *argv[] = {"redis-server", "--port", port,     "--save",    "",      "--appendonly", "no",
                    "--daemonize",  "no",     "--bind", "127.0.0.1", "--dir", h->dir,         NULL};
    const char *path = access("/usr/bin/redis-server", X_OK) == 0 ? "/usr/bin/redis-server"
                                                                  : "/usr/local/bin/redis-server";
    hi_spawn_t sp = {
        .path = path, .argv = argv, .envp = hi_env_unfaked(), .log = log, .death_sig = SIGKILL};
    h->redis_pid = hi_spawn(h, &sp);
    hi_pid_add(h->redis_pid, SIGKILL);
    uint64_t until = crm_mono_ms() + 30000;
    while (!s_redis_ping(h->redis_port)) {
        int st = hi_reap(h->redis_pid, 0);
        if (st >= 0) {
            h->redis_pid = 0;
            hi_tail(log, H_LOG_TAIL);
            S_FAIL("redis-server exited with status %d while starting", st);
        }
        if (crm_mono_ms() > until) {
            hi_tail(log, H_LOG_TAIL);
            S_FAIL("redis-server does not answer PING after 30 s");
        }
        hi_sleep_ms(20);
    }
    free(log);
}

void h_redis_stop(h_t *h)
{
    if (!h->redis_pid)
        return;
    kill(h->redis_pid, SIGKILL);
    hi_reap(h->redis_pid, -1);
    h->redis_pid = 0;
}

const char *h_redis_url(const h_t *h)
{
    return h->redis_url;
}

int h_redis_exists(h_t *h, const char *key)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", h->redis_port, tv);
    redisReply *r = c && !c->err ? redisCommand(c, "EXISTS %s", key) : NULL;
    if (!r || r->type != REDIS_REPLY_INTEGER)
        S_FAIL("Redis does not answer EXISTS %s", key);
    int yes = r->integer > 0;
    freeReplyObject(r);
    redisFree(c);
    return yes;
}
