/* service.c: the runtime every service process shares (see service.h). */
#include "crm/service.h"
#include "crm/snapshot.h"
#include "crm/curve.h"
#include "crm/health.h"
#include "crm/probe.h"
#include "crm/txn.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "crm/log.h"
#include "crm/org.h"
#include "crm/util.h"

#define MAX_HOOKS 16
#define MAX_CONSUMERS 16
#define DRAIN_POLL_MS 10

struct crm_service {
    crm_config_t cfg;
    uv_loop_t loop;
    void *zctx;
    crm_db_t *db;
    crm_rpc_server_t *rpc;
    crm_relay_t *relay;
    crm_cache_t *cache;
    crm_replay_ctx_t replay;
    crm_snapshots_t *snapshots; /* Bus.Snapshot: the Clone pattern's pages */
    crm_zap_t *zap;             /* who may connect (CurveZMQ), NULL when off */
    uv_signal_t sigterm, sigint;
    uv_timer_t drain;
    struct {
        void (*fn)(void *);
        void *arg;
    } hooks[MAX_HOOKS];
    int nhooks;
    struct {
        crm_health_fn fn;
        void *arg;
    } health[MAX_HOOKS];
    int nhealth;
    struct consume *consumers[MAX_CONSUMERS];
    int nconsumers;
    struct {
        crm_metrics_fn fn;
        void *arg;
    } metrics[MAX_HOOKS];
    int nmetrics;
    const crm_db_t *pools[MAX_HOOKS]; /* the pools of the metrics, s->db first */
    const char *pool_names[MAX_HOOKS];
    int npools;
    crm_probe_t *probe; /* NULL without CRM_PROBE_BIND */
    uint64_t started_s; /* the wall clock at start */
    int stopping;
    uint64_t stop_deadline_ms;
};

static void s_ping(crm_rpc_call_t *call, void *arg)
{
    crm_service_t *s = arg;
    Crm__PingReply reply = CRM__PING_REPLY__INIT;
    reply.service = (char *)s->cfg.service;
    reply.instance = (char *)s->cfg.instance;
    reply.now_us = crm_now_us();
    crm_rpc_reply(call, &reply.base);
}

/* A consumer started by crm_service_consume; its consumer is destroyed at
 * stop, the struct with the service. */
typedef struct consume {
    crm_service_t *svc;
    crm_consumer_t *consumer;
    crm_event_apply_t *typed; /* crm_service_consume_events' dispatch, or NULL */
} consume_t;

crm_health_t *crm_service_health(crm_service_t *s)
{
    crm_health_t *h = crm_health_new();
    crm_health_db(h, "database", s->db);
    if (s->relay)
        crm_health_relay(h, s->relay);
    for (int i = 0; i < s->nconsumers; i++)
        if (s->consumers[i]->consumer)
            crm_health_consumer(h, s->consumers[i]->consumer);
    if (s->cache)
        crm_health_check(h, "cache", 1, "%s",
                         crm_cache_connected(s->cache)
                             ? "connected"
                             : "Redis unreachable: reads go to the database");
    for (int i = 0; i < s->nhealth; i++)
        s->health[i].fn(s->health[i].arg, h);
    return h;
}

static void s_health(crm_rpc_call_t *call, void *arg)
{
    crm_service_t *s = arg;
    crm_health_t *h = crm_service_health(s);
    Crm__HealthReply reply = CRM__HEALTH_REPLY__INIT;
    reply.service = (char *)s->cfg.service;
    reply.instance = (char *)s->cfg.instance;
    crm_health_reply(h, &reply);
    crm_rpc_reply(call, &reply.base);
    crm_health_destroy(&h);
}

/* ---- metrics (probe.h) -------------------------------------------------- */

/* The process: who it is, since when, its memory and CPU. */
static void s_process_metrics(crm_service_t *s, crm_metrics_t *m)
{
    crm_metrics_family(m, "crm_service_info", "gauge", "The process's service and instance");
    crm_metrics_value(m, "crm_service_info", 1, "service", s->cfg.service, "instance",
                      s->cfg.instance, NULL);
    crm_metrics_family(m, "process_start_time_seconds", "gauge",
                       "Start time of the process since the epoch, in seconds");
    crm_metrics_value(m, "process_start_time_seconds", (double)s->started_s, NULL);
    size_t rss = 0;
    uv_resident_set_memory(&rss);
    crm_metrics_family(m, "process_resident_memory_bytes", "gauge", "Resident memory, in bytes");
    crm_metrics_value(m, "process_resident_memory_bytes", (double)rss, NULL);
    uv_rusage_t ru;
    double cpu = 0;
    if (uv_getrusage(&ru) == 0)
        cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
              (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    crm_metrics_family(m, "process_cpu_seconds_total", "counter",
                       "User and system CPU time spent, in seconds");
    crm_metrics_value(m, "process_cpu_seconds_total", cpu, NULL);
}

/* The relay: whether this instance publishes, how far, and stalls. */
static void s_relay_metrics(crm_service_t *s, crm_metrics_t *m)
{
    crm_relay_health_t r;
    crm_relay_health(s->relay, &r);
    const char *p = s->cfg.service;
    crm_metrics_family(m, "crm_relay_active", "gauge",
                       "1 when this instance holds the relay's lease (publishes)");
    crm_metrics_value(m, "crm_relay_active", r.active, "producer", p, NULL);
    crm_metrics_family(m, "crm_relay_published_sequence", "gauge",
                       "Highest sequence this producer published");
    crm_metrics_value(m, "crm_relay_published_sequence", (double)r.published, "producer", p, NULL);
    crm_metrics_family(m, "crm_relay_stalled_seconds", "gauge",
                       "How long the relay has been stuck (0: moving)");
    crm_metrics_value(m, "crm_relay_stalled_seconds",
                      r.stalled_reason ? (double)r.stalled_ms / 1e3 : 0, "producer", p, NULL);
    crm_metrics_family(m, "crm_bus_sequence_raised_total", "counter",
                       "Consumers found ahead of this producer's sequence (its database restored"
                       " to an earlier point), the sequence raised past them");
    crm_metrics_value(m, "crm_bus_sequence_raised_total", (double)s->replay.sequence_raised,
                      "producer", p, NULL);
}

/* Each consumer: its positions, its lag behind what its producer
 * announced, and stalls. */
static void s_consumer_metrics(crm_service_t *s, crm_metrics_t *m)
{
    static const char *const names[] = {"crm_consumer_active", "crm_consumer_applied_sequence",
                                        "crm_consumer_lag_events", "crm_consumer_stalled_seconds"};
    static const char *const helps[] = {
        "1 when this instance holds the consumer's lease (applies)",
        "Last sequence of the producer applied and committed",
        "Events the producer announced and the consumer has not applied yet",
        "How long the consumer has been stuck behind its producer (0: keeping up)"};
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        crm_metrics_family(m, names[f], "gauge", helps[f]);
        for (int i = 0; i < s->nconsumers; i++) {
            if (!s->consumers[i]->consumer)
                continue;
            crm_consumer_health_t c;
            crm_consumer_health(s->consumers[i]->consumer, &c);
            double v[] = {c.active, (double)c.applied,
                          c.announced > c.applied ? (double)(c.announced - c.applied) : 0,
                          c.stalled_reason ? (double)c.stalled_ms / 1e3 : 0};
            crm_metrics_value(m, names[f], v[f], "producer", c.producer, NULL);
        }
    }
}

static void s_metrics(void *arg, crm_metrics_t *m)
{
    crm_service_t *s = arg;
    s_process_metrics(s, m);
    crm_rpc_server_metrics(s->rpc, m);
    crm_db_metrics(m, (size_t)s->npools, s->pools, s->pool_names);
    if (s->relay)
        s_relay_metrics(s, m);
    s_consumer_metrics(s, m);
    crm_metrics_family(m, "crm_cache_up", "gauge", "1 while the Redis cache is connected");
    crm_metrics_value(m, "crm_cache_up", s->cache && crm_cache_connected(s->cache), NULL);
    for (int i = 0; i < s->nmetrics; i++)
        s->metrics[i].fn(s->metrics[i].arg, m);
}

static crm_health_t *s_probe_health(void *arg)
{
    return crm_service_health(arg);
}

/* Applies the common and the service's migrations, waiting for the
 * database to come up for at most CRM_START_TIMEOUT_MS. */
static void s_migrate(crm_service_t *s, const crm_migration_t *migrations)
{
    int64_t timeout = crm_env_int("CRM_START_TIMEOUT_MS", 30000, 0, 3600000);
    uint64_t until = crm_mono_ms() + (uint64_t)timeout;
    for (;;) {
        PGconn *probe = PQconnectdb(s->cfg.db_url);
        int up = PQstatus(probe) == CONNECTION_OK;
        PQfinish(probe);
        if (up)
            break;
        if (crm_mono_ms() >= until) {
            crm_log(CRM_ERROR, "database unreachable", "timeout_ms", "CRM_START_TIMEOUT_MS", NULL);
            exit(1);
        }
        struct timespec ts = {0, 200 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (crm_migrate(s->cfg.db_url, "crm", crm_migrations_common) < 0 ||
        (migrations && crm_migrate(s->cfg.db_url, s->cfg.service, migrations) < 0))
        exit(1);
}

static void s_close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void s_probe_stopped(void *arg)
{
    (void)arg;
}

/* Everything in flight has finished (or the deadline passed): close all. */
static void s_teardown(crm_service_t *s)
{
    crm_relay_destroy(&s->relay);
    crm_cache_destroy(&s->cache);
    crm_rpc_server_destroy(&s->rpc);
    crm_snapshots_destroy(&s->snapshots);
    crm_db_destroy(&s->db);
    crm_zap_destroy(&s->zap);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->drain, NULL);
}

static void s_drain_tick(uv_timer_t *t)
{
    crm_service_t *s = t->data;
    size_t calls = crm_rpc_server_inflight(s->rpc);
    size_t queries = crm_db_pending(s->db);
    if ((calls == 0 && queries == 0) || crm_mono_ms() >= s->stop_deadline_ms) {
        if (calls || queries)
            crm_logf(CRM_WARN, "stop deadline passed with %zu calls and %zu queries in flight",
                     calls, queries);
        uv_timer_stop(t);
        s_teardown(s);
    }
}

static void s_on_signal(uv_signal_t *h, int signum)
{
    crm_service_t *s = h->data;
    if (s->stopping)
        return;
    s->stopping = 1;
    crm_log(CRM_INFO, "stopping", "signal", signum == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
    crm_rpc_server_drain(s->rpc);
    /* First: what it reads (a service's own pools) goes away as the stop
     * proceeds. */
    if (s->probe)
        crm_probe_stop(s->probe, s_probe_stopped, s);
    for (int i = s->nhooks - 1; i >= 0; i--)
        s->hooks[i].fn(s->hooks[i].arg);
    s->stop_deadline_ms =
        crm_mono_ms() + (uint64_t)crm_env_int("CRM_STOP_TIMEOUT_MS", 10000, 0, 600000);
    uv_timer_start(&s->drain, s_drain_tick, 0, DRAIN_POLL_MS);
}

crm_service_t *crm_service_new(const char *name, const crm_migration_t *migrations)
{
    crm_log_init(name, CRM_INFO);
    signal(SIGPIPE, SIG_IGN);
    crm_service_t *s = crm_calloc(1, sizeof *s);
    crm_config_load(&s->cfg, name);
    crm_tz_apply();
    s_migrate(s, migrations);

    uv_loop_init(&s->loop);
    s->zctx = zmq_ctx_new();
    s->zap = crm_zap_start(&s->loop, s->zctx);
    if (!s->zap)
        crm_log(CRM_WARN,
                "the bus is not authenticated (CRM_CURVE_DIR unset): anyone who reaches"
                " a port is trusted",
                NULL);
    s->db = crm_db_new(&s->loop, s->cfg.db_url, s->cfg.db_pool);
    crm_outbox_prepare(s->db);
    crm_txn_prepare(s->db);
    crm_org_prepare(s->db);
    s->rpc = crm_rpc_server_new(&s->loop, s->zctx, s->cfg.rpc_bind, (size_t)s->cfg.max_payload);
    if (!s->rpc)
        exit(1);
    crm_rpc_server_handle(s->rpc, &crm__system__descriptor, "Ping", s_ping, s);
    crm_rpc_server_handle(s->rpc, &crm__system__descriptor, "Health", s_health, s);
    s->replay.db = s->db;
    s->replay.producer = s->cfg.service;
    crm_replay_serve(s->rpc, &s->replay);
    s->snapshots = crm_snapshots_new(&s->loop, s->db, s->cfg.service);
    crm_snapshots_serve(s->snapshots, s->rpc);
    if (s->cfg.pub_bind) {
        s->relay = crm_relay_new(&s->loop, s->zctx, s->cfg.db_url, name, s->cfg.pub_bind,
                                 s->cfg.relay_batch);
        if (!s->relay)
            exit(1);
    }
    s->cache = crm_cache_new(&s->loop, s->cfg.redis_url, 50);

    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sigint);
    uv_timer_init(&s->loop, &s->drain);
    s->sigterm.data = s->sigint.data = s->drain.data = s;
    uv_signal_start(&s->sigterm, s_on_signal, SIGTERM);
    uv_signal_start(&s->sigint, s_on_signal, SIGINT);
    crm_service_metrics_pool(s, "main", s->db);
    s->started_s = (uint64_t)(crm_now_us() / 1000000);
    if (s->cfg.probe_bind) {
        crm_probe_ops_t ops = {.metrics = s_metrics,
                               .health = s_probe_health,
                               .service = s->cfg.service,
                               .instance = s->cfg.instance,
                               .arg = s};
        s->probe = crm_probe_new(&s->loop, s->cfg.probe_bind, &ops);
        if (!s->probe)
            exit(1);
    }
    crm_log(CRM_INFO, "started", "instance", s->cfg.instance, "rpc", s->cfg.rpc_bind, "pub",
            s->cfg.pub_bind ? s->cfg.pub_bind : "", NULL);
    return s;
}

uv_loop_t *crm_service_loop(crm_service_t *s)
{
    return &s->loop;
}

void *crm_service_zctx(crm_service_t *s)
{
    return s->zctx;
}

const crm_config_t *crm_service_config(crm_service_t *s)
{
    return &s->cfg;
}

crm_db_t *crm_service_db(crm_service_t *s)
{
    return s->db;
}

crm_rpc_server_t *crm_service_rpc(crm_service_t *s)
{
    return s->rpc;
}

crm_cache_t *crm_service_cache(crm_service_t *s)
{
    return s->cache;
}

void crm_service_snapshot(crm_service_t *s, const crm_snapshot_reader_t *reader)
{
    crm_snapshots_add(s->snapshots, reader);
}

crm_relay_t *crm_service_relay(crm_service_t *s)
{
    return s->relay;
}

static void s_consumed(void *arg)
{
    consume_t *c = arg;
    crm_relay_kick(c->svc->relay);
}

static void s_consume_stop(void *arg)
{
    consume_t *c = arg;
    crm_consumer_destroy(&c->consumer);
}

/* A consumer of producer's events applied by apply(arg, ...); typed (may
 * be NULL) is the dispatch behind arg, freed with the service. */
static crm_consumer_t *s_consume(crm_service_t *s, const char *producer,
                                 crm_consumer_apply_fn apply, void *arg, crm_event_apply_t *typed,
                                 int required)
{
    crm_consumer_opts_t o = {0};
    o.name = s->cfg.service;
    o.producer = producer;
    o.pub_endpoints = crm_peer_pub(producer, "");
    o.rpc_endpoints = crm_peer_rpc(producer, "");
    o.conninfo = s->cfg.db_url;
    o.db = s->db;
    o.batch = s->cfg.consumer_batch;
    o.rpc_deadline_ms = (unsigned)s->cfg.rpc_deadline_ms;
    o.apply = apply;
    o.arg = arg;
    o.after_commit = s_consumed;
    o.cache = s->cache;
    if (!*o.pub_endpoints || !*o.rpc_endpoints) {
        crm_log(required ? CRM_ERROR : CRM_WARN,
                required ? "missing configuration: the producer's endpoints"
                         : "producer not configured: its events are not consumed",
                "producer", producer, NULL);
        if (required)
            exit(2);
        crm_event_apply_destroy(&typed);
        return NULL;
    }
    if (s->nconsumers == MAX_CONSUMERS) {
        crm_log(CRM_ERROR, "too many consumers", NULL);
        abort();
    }
    consume_t *c = crm_calloc(1, sizeof *c);
    c->svc = s;
    c->typed = typed;
    s->consumers[s->nconsumers++] = c;
    o.after_commit_arg = c;
    c->consumer = crm_consumer_new(&s->loop, s->zctx, &o);
    crm_service_on_stop(s, s_consume_stop, c);
    return c->consumer;
}

crm_consumer_t *crm_service_consume(crm_service_t *s, const char *producer,
                                    crm_consumer_apply_fn apply, void *arg, int required)
{
    return s_consume(s, producer, apply, arg, NULL, required);
}

crm_consumer_t *crm_service_consume_events(crm_service_t *s, const char *producer,
                                           const crm_event_table_t *table, void *arg, int required)
{
    crm_event_apply_t *a = crm_event_apply_new(table, arg);
    return s_consume(s, producer, crm_event_apply, a, a, required);
}

void crm_service_on_stop(crm_service_t *s, void (*fn)(void *arg), void *arg)
{
    if (s->nhooks == MAX_HOOKS) {
        crm_log(CRM_ERROR, "too many stop hooks", NULL);
        abort();
    }
    s->hooks[s->nhooks].fn = fn;
    s->hooks[s->nhooks].arg = arg;
    s->nhooks++;
}

void crm_service_on_health(crm_service_t *s, crm_health_fn fn, void *arg)
{
    if (s->nhealth == MAX_HOOKS) {
        crm_log(CRM_ERROR, "too many health checks", NULL);
        abort();
    }
    s->health[s->nhealth].fn = fn;
    s->health[s->nhealth].arg = arg;
    s->nhealth++;
}

void crm_service_on_metrics(crm_service_t *s, crm_metrics_fn fn, void *arg)
{
    if (s->nmetrics == MAX_HOOKS) {
        crm_log(CRM_ERROR, "too many metrics hooks", NULL);
        abort();
    }
    s->metrics[s->nmetrics].fn = fn;
    s->metrics[s->nmetrics].arg = arg;
    s->nmetrics++;
}

void crm_service_metrics_pool(crm_service_t *s, const char *name, const crm_db_t *db)
{
    if (s->npools == MAX_HOOKS) {
        crm_log(CRM_ERROR, "too many pools for the metrics", NULL);
        abort();
    }
    s->pools[s->npools] = db;
    s->pool_names[s->npools] = name;
    s->npools++;
}

int crm_service_run(crm_service_t *s)
{
    uv_run(&s->loop, UV_RUN_DEFAULT);
    int rc = 0;
    if (uv_loop_close(&s->loop) != 0) {
        /* A module left a handle open: close it so the process can end, and
         * say so (a clean stop closes everything itself). */
        crm_log(CRM_ERROR, "handles left open at stop", NULL);
        uv_walk(&s->loop, s_close_walk, NULL);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        uv_loop_close(&s->loop);
        rc = 1;
    }
    zmq_ctx_term(s->zctx);
    crm_log(CRM_INFO, "stopped", NULL);
    for (int i = 0; i < s->nconsumers; i++) {
        crm_event_apply_destroy(&s->consumers[i]->typed);
        free(s->consumers[i]);
    }
    crm_probe_destroy(&s->probe);
    free(s);
    return rc;
}
