/* main.c: the gateway (HTTP/JSON in front of the services): wiring of the
 * runtime, the pool and cache of its HTTP calls, its own services (identity/,
 * notify/) on an in-process RPC server, the RPC clients of the domain
 * services, the HTTP listener, and the order in which they stop. */
#include <stdlib.h>

#include "crm/list.h"
#include "crm/log.h"
#include "crm/registry.h"
#include "crm_suite.h"
#include "gateway.h"
#include "gateway_events.h"
#include "gateway_http.h"
#include "gateway_names.h"
#include "gateway_pipeline.h"
#include "gateway_proxy.h"
#include "gateway_ratelimit.h"
#include "identity/identity.h"
#include "notify/notify.h"

extern const crm_migration_t crm_migrations_gateway[];
extern const char gw_openapi_json[];
extern const size_t gw_openapi_json_len;

static void s_config(gw_config_t *cfg)
{
    cfg->http_bind = crm_env_str("CRM_HTTP_BIND", "127.0.0.1:8080");
    cfg->max_body = (size_t)crm_env_int("CRM_HTTP_MAX_BODY", 1 << 20, 1024, 64 << 20);
    cfg->rate_rps = (double)crm_env_int("CRM_RATE_LIMIT_RPS", 100, 0, 1000000);
    cfg->rate_burst = (double)crm_env_int("CRM_RATE_LIMIT_BURST", 200, 1, 1000000);
    cfg->export_page = (int)crm_env_int("CRM_EXPORT_PAGE", 2000, 1, CRM_PAGE_WALK_MAX);
    const char *tmp = getenv("TMPDIR");
    cfg->export_dir = crm_env_str("CRM_EXPORT_DIR", tmp && *tmp ? tmp : "/tmp");
    cfg->export_xlsx_max = (size_t)crm_env_int("CRM_EXPORT_XLSX_MAX", 2, 0, 64);
    cfg->export_sheet_rows = (uint32_t)crm_env_int("CRM_EXPORT_SHEET_ROWS", 1048576, 2, 1048576);
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
    crm_rpc_server_destroy(&gw->local);
    crm_db_destroy(&gw->db);
    crm_cache_destroy(&gw->cache);
}

static void s_on_stop(void *arg)
{
    gw_t *gw = arg;
    gw->stopping = 1;
    crm_rpc_server_drain(gw->local);
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
    gw.db = crm_db_new(gw.loop, cfg->db_url, cfg->db_pool);
    crm_service_metrics_pool(gw.svc, "http", gw.db);
    gw.cache = crm_cache_new(gw.loop, cfg->redis_url, 50);
    gw.identity = gw_identity_new(gw.svc, gw.db, gw.cache);
    gw.notify = gw_notify_new(gw.svc, gw.db);
    gw.names = gw_names_new(&gw, (int)crm_env_int("CRM_NAMES_CACHE_MS", 30000, 0, 3600000));
    gw_identity_on_change(gw.identity, gw_names_forget, gw.names);
    gw.local = crm_rpc_server_new_local();
    gw_identity_serve(gw.identity, gw.local);
    gw_notify_serve(gw.notify, gw.local);
    if (gw_pipeline_init(&gw) < 0)
        exit(1);
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
    gw_identity_destroy(&gw.identity);
    gw_notify_destroy(&gw.notify);
    gw_names_destroy(&gw.names);
    gw_ratelimit_destroy(&gw.limiter);
    gw_pipeline_fini();
    return rc;
}
