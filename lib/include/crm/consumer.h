/* consumer.h: applies one producer's events exactly once.
 *
 * The consumer subscribes to the producer's PUB sockets and keeps, in its
 * own database, the last sequence applied (crm_consumer_offsets). Each
 * event's effect and the new offset commit in one transaction, guarded by
 * the old offset, so an event is applied once even if two instances race.
 * A sequence that skips ahead, a heartbeat announcing events it has not
 * seen, or a start (the slow-joiner gap) makes it ask the producer for a
 * replay over RPC (Bus.Replay). Queued events are applied in batches, one
 * transaction per batch.
 *
 * One instance per consumer and producer is active at a time (a PostgreSQL
 * advisory lock); the others stand by. */
#ifndef CRM_CONSUMER_H
#define CRM_CONSUMER_H

#include <uv.h>

#include "bus.pb-c.h"
#include "db.h"

typedef struct crm_consumer crm_consumer_t;

/* Adds the statements that apply ev to b. Returns 0, or -1 to skip the event
 * (a type this consumer ignores; the offset still moves). The handler may
 * add events of its own to b with crm_outbox_add. */
typedef int (*crm_consumer_apply_fn)(void *arg, const Crm__Event *ev, crm_db_batch_t *b);

typedef struct {
    const char *name;          /* the consumer's name, e.g. "customers" */
    const char *producer;      /* the producer's name, e.g. "leads" */
    const char *pub_endpoints; /* the producer's PUB sockets, comma-separated */
    const char *rpc_endpoints; /* the producer's RPC sockets, for Bus.Replay */
    const char *conninfo;      /* the consumer's own database */
    int batch;                 /* events per transaction (default 256) */
    unsigned rpc_deadline_ms;  /* replay call deadline (default 2000) */
    crm_consumer_apply_fn apply;
    void *arg;
    void (*after_commit)(void *arg); /* optional: after each applied batch */
} crm_consumer_opts_t;

crm_consumer_t *crm_consumer_new(uv_loop_t *loop, void *zctx, const crm_consumer_opts_t *opts);

/* Last sequence applied and committed. */
uint64_t crm_consumer_applied(const crm_consumer_t *c);

/* Stops; a batch in flight completes or fails in the database as one unit. */
void crm_consumer_destroy(crm_consumer_t **c_p);

#endif
