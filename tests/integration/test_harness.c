/* test_harness.c: the harness itself, without any service: PostgreSQL and
 * Redis come up, answer, Redis stops and starts again, and h_destroy leaves
 * no process and no folder behind. */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness.h"

/* 1 if Redis at url ("redis://127.0.0.1:PORT") answers PING with PONG. */
static int s_redis_ping(const char *url, long long *pid)
{
    int port = 0;
    if (sscanf(url, "redis://127.0.0.1:%d", &port) != 1)
        return 0;
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    int ok = 0;
    if (c && !c->err) {
        redisSetTimeout(c, tv);
        redisReply *r = redisCommand(c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        if (r)
            freeReplyObject(r);
        if (ok && pid) {
            r = redisCommand(c, "INFO server");
            const char *p = r && r->type == REDIS_REPLY_STRING ? r->str : NULL;
            p = p ? strstr(p, "process_id:") : NULL;
            *pid = p ? atoll(p + strlen("process_id:")) : 0;
            if (r)
                freeReplyObject(r);
        }
    }
    redisFree(c);
    return ok;
}

/* The postmaster's pid, from the first line of postmaster.pid. */
static pid_t s_postmaster_pid(const char *dir)
{
    char *path = crm_sprintf("%s/pg/postmaster.pid", dir);
    FILE *f = fopen(path, "r");
    free(path);
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

static int s_gone(pid_t pid)
{
    return kill(pid, 0) != 0 && errno == ESRCH;
}

int main(void)
{
    h_t *h = h_new("harness");
    char *dir = crm_strdup(h_dir(h));

    /* PostgreSQL: SQL works, h_pg creates a database. */
    H_CHECK(h_sql_int(h, "postgres", "select 1") == 1, "select 1");
    const char *ci = h_pg(h, "scratch");
    H_CHECK(ci && strstr(ci, "dbname=scratch"), "conninfo %s", ci ? ci : "(null)");
    H_CHECK(h_pg(h, "scratch") == ci, "h_pg returns the same conninfo twice");
    H_CHECK(h_sql_int(h, "postgres", "select count(*) from pg_database where datname='scratch'") ==
                1,
            "database scratch exists");
    PQclear(h_sql(h, "scratch", "create table t (id bigint primary key)"));
    PQclear(h_sql(h, "scratch", "insert into t values (1), (2), (3)"));
    H_CHECK(h_sql_int(h, "scratch", "select sum(id) from t") == 6, "sum");
    H_CHECK(h_wait_sql(h, "scratch", "select count(*) from t", 3, 1000) == 3, "h_wait_sql");
    pid_t backend = (pid_t)h_sql_int(h, "scratch", "select pg_backend_pid()");
    pid_t postmaster = s_postmaster_pid(dir);
    H_CHECK(postmaster > 0, "postmaster.pid in %s/pg", dir);
    h_note("harness: postgres ok (postmaster %d)", (int)postmaster);

    /* Redis: answers, stops, comes back on the same URL. */
    long long redis_pid = 0;
    H_CHECK(s_redis_ping(h_redis_url(h), &redis_pid), "PING %s", h_redis_url(h));
    H_CHECK(redis_pid > 0, "redis process_id");
    h_redis_stop(h);
    H_CHECK(!s_redis_ping(h_redis_url(h), NULL), "PING fails after h_redis_stop");
    H_CHECK(s_gone((pid_t)redis_pid), "redis %lld is gone", redis_pid);
    h_redis_start(h);
    H_CHECK(s_redis_ping(h_redis_url(h), &redis_pid), "PING after h_redis_start");
    h_note("harness: redis ok");

    /* Endpoints are distinct and well-formed. */
    char *a = h_free_endpoint(), *b = h_free_endpoint();
    H_CHECK(strncmp(a, "tcp://127.0.0.1:", 16) == 0, "endpoint %s", a);
    H_CHECK(strcmp(a, b) != 0, "two endpoints differ: %s %s", a, b);
    free(a);
    free(b);
    H_CHECK(strstr(h_bin("tools/crmctl"), "/tools/crmctl") != NULL, "h_bin");

    /* Teardown leaves nothing. */
    h_destroy(&h);
    H_CHECK(h == NULL, "h_destroy clears the pointer");
    h_destroy(&h); /* safe on NULL */
    H_CHECK(s_gone(postmaster), "postmaster %d is gone", (int)postmaster);
    H_CHECK(s_gone(backend), "backend %d is gone", (int)backend);
    H_CHECK(s_gone((pid_t)redis_pid), "redis %lld is gone", redis_pid);
    struct stat st;
    if (!getenv("CRM_KEEP_TMP") || strcmp(getenv("CRM_KEEP_TMP"), "1") != 0)
        H_CHECK(stat(dir, &st) != 0 && errno == ENOENT, "%s is removed", dir);
    free(dir);
    h_note("harness: ok");
    return 0;
}
