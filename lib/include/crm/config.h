/* config.h: configuration from environment variables with defaults.
 *
 * Every variable a process reads is listed in docs/architecture.md. A value
 * that is present but malformed stops the process at start with a clear log
 * line, rather than running with a silent default. */
#ifndef CRM_CONFIG_H
#define CRM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* The value of name, or def if unset or empty. Never NULL unless def is. */
const char *crm_env_str(const char *name, const char *def);

/* The value of name as an integer in [min, max], or def if unset. Exits the
 * process with status 2 and a log line if set to anything else. */
int64_t crm_env_int(const char *name, int64_t def, int64_t min, int64_t max);

/* The setting what of one service: CRM_<SERVICE>_<WHAT>, the names in
 * capitals ("leads", "DIGEST_AT": CRM_LEADS_DIGEST_AT), so services that
 * share one environment are set apart. As crm_env_str and crm_env_int;
 * crm_env_service_var writes the variable's name into name[0..size). */
void crm_env_service_var(char *name, size_t size, const char *service, const char *what);
const char *crm_env_service_str(const char *service, const char *what, const char *def);
int64_t crm_env_service_int(const char *service, const char *what, int64_t def, int64_t min,
                            int64_t max);

/* Makes the business time zone (CRM_TZ, default Asia/Shanghai) the
 * process's local time zone (TZ), in which instants are written as RFC 3339
 * (crm/pbjson.h) and days are counted. Returns its name. */
const char *crm_tz_apply(void);

/* The settings every service process reads. */
typedef struct {
    const char *service;    /* "leads", "customers", ... */
    const char *instance;   /* CRM_INSTANCE, default "host:pid" */
    const char *rpc_bind;   /* CRM_RPC_BIND, e.g. tcp://127.0.0.1:7101 */
    const char *pub_bind;   /* CRM_PUB_BIND, e.g. tcp://127.0.0.1:7201 */
    const char *probe_bind; /* CRM_PROBE_BIND, host:port of /metrics, /healthz, /readyz (probe.h);
                               NULL: none */
    const char *db_url;     /* CRM_DB_URL, a libpq connection string */
    const char *redis_url;  /* CRM_REDIS_URL, redis://host:port, empty: no cache */
    int db_pool;            /* CRM_DB_POOL, connections in the pool (default 4) */
    int max_payload;     /* CRM_MAX_PAYLOAD, largest request frame in bytes (default 2 MiB: a 1 MiB
                            import chunk and its envelope) */
    int rpc_deadline_ms; /* CRM_RPC_DEADLINE_MS, default deadline of outgoing calls */
    int relay_batch;     /* CRM_RELAY_BATCH, events published per relay round */
    int consumer_batch;  /* CRM_CONSUMER_BATCH, events applied per transaction */
    const char *tz;      /* CRM_TZ, the business time zone (default Asia/Shanghai) */
} crm_config_t;

/* Reads the common settings for service; exits with status 2 on a bad value. */
void crm_config_load(crm_config_t *cfg, const char *service);

/* The endpoints of another service's RPC (CRM_<SVC>_RPC) or PUB
 * (CRM_<SVC>_PUB) sockets, comma-separated, or def. */
const char *crm_peer_rpc(const char *service, const char *def);
const char *crm_peer_pub(const char *service, const char *def);

#endif
