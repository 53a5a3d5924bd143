/* health.h: what a process reports when asked whether it is doing its work
 * (System.Health, the gateway's /readyz).
 *
 * A report is a list of checks, one per part that can fail on its own: the
 * database pool, the relay, each consumer, a service's own duties. Each says
 * ok or not and, in words, what the part is doing or why it is stuck. The
 * process is ready when every check is ok. The describe helpers turn the
 * parts' own health snapshots (db.h, outbox.h, consumer.h) into checks, so
 * every service words them alike. */
#ifndef CRM_HEALTH_H
#define CRM_HEALTH_H

#include "consumer.h"
#include "db.h"
#include "outbox.h"
#include "rpc.pb-c.h"

typedef struct crm_health crm_health_t;

crm_health_t *crm_health_new(void);
void crm_health_destroy(crm_health_t **h_p);

/* Adds a check; detail is printf-style. */
void crm_health_check(crm_health_t *h, const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds a check that is ok but degraded: the part works, and something
 * needs an operator (readiness does not depend on it). */
void crm_health_degraded(crm_health_t *h, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Every check so far is ok. */
int crm_health_ready(const crm_health_t *h);

/* Fills reply (service and instance are the caller's) with the checks;
 * valid while h lives. */
void crm_health_reply(const crm_health_t *h, Crm__HealthReply *reply);

/* A pool: ok while at least one connection is usable. */
void crm_health_db(crm_health_t *h, const char *name, const crm_db_t *db);

/* The relay: ok while it moves events (or stands by with a live session). */
void crm_health_relay(crm_health_t *h, const crm_relay_t *r);

/* A consumer: ok while it keeps up (or stands by with a live session). */
void crm_health_consumer(crm_health_t *h, const crm_consumer_t *c);

#endif
