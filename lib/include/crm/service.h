/* service.h: the runtime every service process shares.
 *
 * crm_service_new reads the configuration, applies the migrations (the
 * common library's, then the service's), and sets up on one libuv loop: the
 * ZeroMQ context, the PostgreSQL pool, the RPC server (with System.Ping,
 * System.Health and Bus.Replay), the outbox relay and the Redis cache.
 *
 * System.Health reports the database pool, the relay, every consumer started
 * here and the cache (health.h), then the service's own checks
 * (crm_service_on_health); the process is ready when every check is ok. The service then adds
 * its handlers and consumers and calls crm_service_run. With CRM_PROBE_BIND
 * the process also answers HTTP probes there (probe.h): /metrics, /healthz
 * and /readyz.
 *
 * SIGTERM or SIGINT: new requests are refused with UNAVAILABLE, stop hooks
 * run (consumers stop taking events), in-flight calls and queries finish
 * (up to CRM_STOP_TIMEOUT_MS), every handle is closed, the process exits 0. */
#ifndef CRM_SERVICE_H
#define CRM_SERVICE_H

#include <uv.h>

#include "cache.h"
#include "config.h"
#include "consumer.h"
#include "db.h"
#include "event_table.h"
#include "health.h"
#include "metrics.h"
#include "migrate.h"
#include "outbox.h"
#include "rpc.h"
#include "rpc_db.h"
#include "snapshot.h"

typedef struct crm_service crm_service_t;

/* Sets everything up; exits the process with status 1 after a log line if a
 * part cannot start (bad config, database unreachable for
 * CRM_START_TIMEOUT_MS, migration failure, endpoint in use). */
crm_service_t *crm_service_new(const char *name, const crm_migration_t *migrations);

uv_loop_t *crm_service_loop(crm_service_t *s);
void *crm_service_zctx(crm_service_t *s);
const crm_config_t *crm_service_config(crm_service_t *s);
crm_db_t *crm_service_db(crm_service_t *s);
crm_rpc_server_t *crm_service_rpc(crm_service_t *s);
crm_cache_t *crm_service_cache(crm_service_t *s);
/* The outbox relay; NULL when the service publishes nothing (no CRM_PUB_BIND). */
crm_relay_t *crm_service_relay(crm_service_t *s);

/* Runs fn(arg) when a stop begins, before in-flight work drains (stop
 * consumers, timers). Hooks run in reverse order of registration. */
void crm_service_on_stop(crm_service_t *s, void (*fn)(void *arg), void *arg);

/* The same with the events applied by type (event_table.h): each payload
 * decoded, the types the table does not name skipped. */
crm_consumer_t *crm_service_consume_events(crm_service_t *s, const char *producer,
                                           const crm_event_table_t *table, void *arg, int required);

/* Adds fn's checks to every health report of this process, after the
 * common ones. */
typedef void (*crm_health_fn)(void *arg, crm_health_t *h);
void crm_service_on_health(crm_service_t *s, crm_health_fn fn, void *arg);

/* Adds fn's figures to every scrape of this process's /metrics
 * (probe.h, CRM_PROBE_BIND), after the common ones: the process, RPC
 * calls, database pools, relay, consumers, cache. fn writes families of
 * its own (metrics.h). */
typedef void (*crm_metrics_fn)(void *arg, crm_metrics_t *m);
void crm_service_on_metrics(crm_service_t *s, crm_metrics_fn fn, void *arg);

/* Counts a pool of the service's own (beside the runtime's, "main") in
 * the database figures, labelled pool=name. name and db must outlive the
 * service's loop. */
void crm_service_metrics_pool(crm_service_t *s, const char *name, const crm_db_t *db);

/* This process's health report, as System.Health answers it; the caller
 * destroys it. */
crm_health_t *crm_service_health(crm_service_t *s);

/* Starts a consumer, in this service's name, of producer's events (its
 * endpoints from CRM_<PRODUCER>_PUB and _RPC), applied by apply(arg, ...) on
 * the service's pool and batch size; after each applied batch the service's
 * relay is woken (the apply may have written events). It is destroyed when
 * the service stops. When the producer's endpoints are not configured: with
 * required, exits with status 2 after a log line; otherwise logs a warning
 * and returns NULL. */
crm_consumer_t *crm_service_consume(crm_service_t *s, const char *producer,
                                    crm_consumer_apply_fn apply, void *arg, int required);

/* The same mapping as an error value (crm/err.h), for a caller that is not
 * an RPC call; field points into res: answer err during the callback.
 * Returns -1. */
int crm_err_db(crm_err_t *err, const crm_db_result_t *res);

/* Serves reader's snapshot (Bus.Snapshot, crm/snapshot.h: the producer's
 * side of the Clone pattern); reader must outlive s. */
void crm_service_snapshot(crm_service_t *s, const crm_snapshot_reader_t *reader);

/* Runs the loop until stopped; returns the exit status (0 on a clean stop).
 * Frees s. */
int crm_service_run(crm_service_t *s);

#endif
