/* config.c: settings from environment variables (see config.h). */
#include "crm/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm/log.h"
#include "crm/util.h"

#define CRM_TZ_DEFAULT "Asia/Shanghai"

const char *crm_tz_apply(void)
{
    const char *tz = crm_env_str("CRM_TZ", CRM_TZ_DEFAULT);
    setenv("TZ", tz, 1);
    tzset();
    return tz;
}

const char *crm_env_str(const char *name, const char *def)
{
    const char *v = getenv(name);
    return (v && *v) ? v : def;
}

int64_t crm_env_int(const char *name, int64_t def, int64_t min, int64_t max)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    int64_t n;
    if (crm_parse_i64(v, &n) != 0 || n < min || n > max) {
        char range[64];
        snprintf(range, sizeof range, "%lld..%lld", (long long)min, (long long)max);
        crm_log(CRM_ERROR, "bad configuration value", "variable", name, "value", v, "expected",
                range, NULL);
        exit(2);
    }
    return n;
}

void crm_env_service_var(char *name, size_t size, const char *service, const char *what)
{
    snprintf(name, size, "CRM_%s_%s", service, what);
    for (char *p = name; *p; p++)
        *p = (char)toupper((unsigned char)*p);
}

const char *crm_env_service_str(const char *service, const char *what, const char *def)
{
    char name[96];
    crm_env_service_var(name, sizeof name, service, what);
    return crm_env_str(name, def);
}

int64_t crm_env_service_int(const char *service, const char *what, int64_t def, int64_t min,
                            int64_t max)
{
    char name[96];
    crm_env_service_var(name, sizeof name, service, what);
    return crm_env_int(name, def, min, max);
}

const char *crm_peer_rpc(const char *service, const char *def)
{
    return crm_env_service_str(service, "RPC", def);
}

const char *crm_peer_pub(const char *service, const char *def)
{
    return crm_env_service_str(service, "PUB", def);
}

void crm_config_load(crm_config_t *cfg, const char *service)
{
    static char instance[128];
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(instance, sizeof instance, "%s:%d", host, (int)getpid());

    memset(cfg, 0, sizeof *cfg);
    cfg->service = service;
    cfg->instance = crm_env_str("CRM_INSTANCE", instance);
    cfg->rpc_bind = crm_env_str("CRM_RPC_BIND", NULL);
    cfg->pub_bind = crm_env_str("CRM_PUB_BIND", NULL);
    cfg->probe_bind = crm_env_str("CRM_PROBE_BIND", NULL);
    cfg->db_url = crm_env_str("CRM_DB_URL", NULL);
    cfg->redis_url = crm_env_str("CRM_REDIS_URL", "");
    cfg->db_pool = (int)crm_env_int("CRM_DB_POOL", 4, 1, 256);
    cfg->max_payload = (int)crm_env_int("CRM_MAX_PAYLOAD", 2 << 20, 1024, 64 << 20);
    cfg->rpc_deadline_ms = (int)crm_env_int("CRM_RPC_DEADLINE_MS", 2000, 10, 600000);
    cfg->relay_batch = (int)crm_env_int("CRM_RELAY_BATCH", 1000, 1, 100000);
    cfg->consumer_batch = (int)crm_env_int("CRM_CONSUMER_BATCH", 256, 1, 100000);
    cfg->tz = crm_env_str("CRM_TZ", CRM_TZ_DEFAULT);
    if (!cfg->rpc_bind || !cfg->db_url) {
        crm_log(CRM_ERROR, "missing configuration", "variable",
                !cfg->rpc_bind ? "CRM_RPC_BIND" : "CRM_DB_URL", NULL);
        exit(2);
    }
}
