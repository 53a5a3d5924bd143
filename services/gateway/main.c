/* main.c: the gateway (HTTP/JSON in front of the services): wiring of the
 * runtime, its own database pool and cache, the RPC clients of the
 * services and the HTTP listener, and the order in which they stop. */
#include <sodium.h>
#include <stdlib.h>

#include "crm/log.h"
#include "crm/registry.h"
#include "crm_suite.h"
#include "gateway.h"

extern const crm_migration_t crm_migrations_gateway[];
extern const char gw_openapi_json[];
extern const size_t gw_openapi_json_len;

static void s_config(gw_config_t *cfg)
{
    cfg->http_bind = crm_env_str("CRM_HTTP_BIND", "127.0.0.1:8080");
    cfg->max_body = (size_t)crm_env_int("CRM_HTTP_MAX_BODY", 1 << 20, 1024, 64 << 20);
    cfg->rate_rps = (double)crm_env_int("CRM_RATE_LIMIT_RPS", 100, 0, 1000000);
    cfg->rate_burst = (double)crm_env_int("CRM_RATE_LIMIT_BURST", 200, 1, 1000000);
    cfg->session_ttl_s = crm_env_int("CRM_SESSION_TTL_S", 12 * 3600, 1, 90 * 24 * 3600);
    cfg->auth_cache_ms = (uint64_t)crm_env_int("CRM_AUTH_CACHE_MS", 1000, 0, 60000);
    cfg->pw_ops =
        (unsigned long long)crm_env_int("CRM_PWHASH_OPSLIMIT", 3, crypto_pwhash_OPSLIMIT_MIN, 20);
    cfg->pw_mem =
        (size_t)crm_env_int("CRM_PWHASH_MEMLIMIT", 64 << 20, crypto_pwhash_MEMLIMIT_MIN, 1 << 30);
    cfg->pw_max_jobs = (int)crm_env_int("CRM_PWHASH_MAX_JOBS", 16, 1, 1024);
}

/* The pool that serves HTTP requests, beside the runtime's. */
static void s_health(void *arg, crm_health_t *h)
{
    gw_t *gw = arg;
    if (!gw->stopping)
        crm_health_db(h, "database:http", gw->db);
}

/* The last connection is closed: release what the calls used. */
static void s_http_done(gw_t *gw)
{
    gw_proxy_destroy(gw);
    crm_db_destroy(&gw->db);
    crm_cache_destroy(&gw->cache);
}

static void s_on_stop(void *arg)
{
    gw_t *gw = arg;
    gw->stopping = 1;
    gw_events_stop(gw->events);
    gw_http_stop(gw->http, s_http_done);
}

int main(void)
{
    static gw_t gw;
    crm_registry_set(&crm_suite);
    gw.svc = crm_service_new("gateway", crm_migrations_gateway);
    gw.loop = crm_service_loop(gw.svc);
    const crm_config_t *cfg = crm_service_config(gw.svc);
    s_config(&gw.cfg);
    if (gw_call_init() < 0)
        exit(1);
    gw_auth_bootstrap(&gw);
    gw.db = crm_db_new(gw.loop, cfg->db_url, cfg->db_pool);
    gw_store_prepare(gw.db);
    gw_notify_prepare(gw.db);
    gw_notify_start(&gw);
    gw.cache = crm_cache_new(gw.loop, cfg->redis_url, 50);
    gw.limiter = gw_ratelimit_new(gw.cfg.rate_rps, gw.cfg.rate_burst);
    gw.openapi = gw_openapi_json;
    gw.openapi_len = gw_openapi_json_len;
    gw_proxy_init(&gw);
    gw.events = gw_events_new(&gw);
    gw.http = gw_http_new(&gw);
    crm_service_on_stop(gw.svc, s_on_stop, &gw);
    crm_service_on_health(gw.svc, s_health, &gw);
    int rc = crm_service_run(gw.svc);
    gw_http_destroy(&gw.http);
    gw_events_destroy(&gw.events);
    gw_map_destroy(&gw.auth_cache);
    gw_ratelimit_destroy(&gw.limiter);
    gw_call_fini();
    return rc;
}
