/* test_kill_redis.c: Redis is a cache, never the source of truth. With
 * Redis killed the services keep serving (reads from PostgreSQL, writes
 * unaffected); when it returns they use it again. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suite.h"

static int s_redis_has(h_t *h, const char *key)
{
    int port = atoi(strrchr(h_redis_url(h), ':') + 1);
    redisContext *r = redisConnect("127.0.0.1", port);
    H_CHECK(r && !r->err, "connect to redis");
    redisReply *rep = redisCommand(r, "EXISTS %s", key);
    int yes = rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
    freeReplyObject(rep);
    redisFree(r);
    return yes;
}

/* The cache is filled after the reply is sent: waits up to 2 s for key. */
static int s_redis_gets(h_t *h, const char *key)
{
    for (int i = 0; i < 100 && !s_redis_has(h, key); i++) {
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    return s_redis_has(h, key);
}

static void s_get(h_t *h, int64_t id, const char *name)
{
    Crm__Leads__GetLeadRequest req = CRM__LEADS__GET_LEAD_REQUEST__INIT;
    req.id = id;
    ProtobufCMessage *out = NULL;
    char *err = NULL;
    Crm__Status st = t_call_at(h_rpc(h, "leads"), 2000, "Leads.Get", &req.base,
                               &crm__leads__lead__descriptor, t_system(), &out, &err);
    H_CHECK(st == CRM__STATUS__OK, "Leads.Get: %s %s", crm_status_name(st), err ? err : "");
    H_CHECK(strcmp(((Crm__Leads__Lead *)out)->name, name) == 0, "the right lead");
    protobuf_c_message_free_unpacked(out, NULL);
    free(err);
}

int main(void)
{
    h_t *h = h_new("kill_redis");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    int64_t id = t_create_lead(h, "缓存线索", NULL, 3);
    char key[32];
    snprintf(key, sizeof key, "lead:%lld", (long long)id);
    s_get(h, id, "缓存线索");
    H_CHECK(s_redis_gets(h, key), "a read fills the cache");

    h_redis_stop(h);
    for (int i = 0; i < 20; i++)
        s_get(h, id, "缓存线索");
    int64_t other = t_create_lead(h, "无缓存时创建", NULL, 3);
    t_convert(h, other);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE lead_id = %lld",
             (long long)other);
    H_CHECK(h_wait_sql(h, "customers", sql, 1, 15000) == 1, "events flow without Redis");
    h_note("Redis down: reads, writes and events keep working");

    h_redis_start(h);
    snprintf(key, sizeof key, "lead:%lld", (long long)other);
    int cached = 0;
    for (int i = 0; i < 100 && !cached; i++) {
        s_get(h, other, "无缓存时创建");
        cached = s_redis_has(h, key);
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
    H_CHECK(cached, "the cache is used again after Redis returns");
    h_note("Redis back: the cache fills again");
    h_stop(h, "leads", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_redis: ok\n");
    return 0;
}
