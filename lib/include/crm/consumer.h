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
 * The active instance registers with the producer and reports how far it
 * has applied (Bus.Ack, every CRM_CONSUMER_ACK_MS): the producer keeps its
 * events until every registered consumer has them, up to a ceiling
 * (outbox.h). A consumer whose next event is gone anyway can rebuild its
 * read model from the producer's snapshot (crm_consumer_rebuild_from).
 *
 * One instance per consumer and producer is active at a time (a lease: a
 * PostgreSQL advisory lock, see lease.h); the others stand by. An event the
 * handler's statements fail on is retried, with back-off, until it applies:
 * the stream stops there rather than skip it (the log says which). */
#ifndef CRM_CONSUMER_H
#define CRM_CONSUMER_H

#include <uv.h>

#include "bus.pb-c.h"
#include "cache.h"
#include "db.h"

typedef struct crm_consumer crm_consumer_t;

/* One batch being applied; finished by crm_consumer_done. */
typedef struct crm_consumer_batch crm_consumer_batch_t;

/* Applies events[0..n) (consecutive, in order) inside tx: the handler runs
 * what it needs on tx (crm_db_tx_submit, reading results between batches),
 * may write events of its own with crm_outbox_add, skips types it does not
 * handle, and then calls crm_consumer_done exactly once. The events are
 * valid until then. */
typedef void (*crm_consumer_apply_fn)(void *arg, crm_db_tx_t *tx, Crm__Event *const *events,
                                      size_t n, crm_consumer_batch_t *batch);

/* Ends the handler's part: last (may be NULL; ownership taken) holds the
 * statements to run with the commit. ok = 0 rolls back, and the same events
 * are tried again after a pause. The consumer adds the offset move and
 * commits. */
void crm_consumer_done(crm_consumer_batch_t *batch, crm_db_batch_t **last, int ok);

typedef struct {
    const char *name;          /* the consumer's name, e.g. "customers" */
    const char *producer;      /* the producer's name, e.g. "leads" */
    const char *pub_endpoints; /* the producer's PUB sockets, comma-separated */
    const char *rpc_endpoints; /* the producer's RPC sockets, for Bus.Replay */
    const char *conninfo;      /* the consumer's own database, for the lease session */
    crm_db_t *db;              /* the pool that runs the apply transactions */
    int batch;                 /* events per transaction (default 256) */
    unsigned rpc_deadline_ms;  /* replay call deadline (default 2000) */
    crm_consumer_apply_fn apply;
    void *arg;
    void (*after_commit)(void *arg); /* optional: after each applied batch */
    void *after_commit_arg;          /* its argument (NULL: arg) */
    crm_cache_t *cache;              /* optional: where crm_consumer_batch_uncache drops keys */
} crm_consumer_opts_t;

crm_consumer_t *crm_consumer_new(uv_loop_t *loop, void *zctx, const crm_consumer_opts_t *opts);

/* Rebuilds c's read model from the producer's snapshot named snapshot
 * (crm/snapshot.h) when c is too far behind to replay (its next event was
 * pruned): the Clone pattern. In one transaction: reset_sql (optional, one
 * statement without parameters: e.g. marking every record gone, so those
 * the snapshot no longer holds end that way), then every page of the
 * snapshot's records, events of a snapshot type ("user.snapshot"), through
 * the consumer's apply like any event, then the offset moved to the
 * snapshot's horizon; the events after it whose effects the snapshot
 * already held are then skipped once. Without this, such a consumer waits
 * for an operator, as Replay's refusal says. The strings must outlive c. */
void crm_consumer_rebuild_from(crm_consumer_t *c, const char *snapshot, const char *reset_sql);

/* Last sequence applied and committed. */
uint64_t crm_consumer_applied(const crm_consumer_t *c);

/* Is the consumer keeping up? It is stalled when, active, it is behind what
 * the producer announced (heartbeats, replays, live events) and has applied
 * nothing for CRM_CONSUMER_STALL_MS (default 10000); the log says when a
 * stall starts and ends. Strings are valid until the loop runs again. */
typedef struct {
    const char *producer;
    int active;                 /* holds the lease */
    uint64_t applied;           /* last sequence applied */
    uint64_t announced;         /* highest sequence the producer announced */
    int producer_stalled;       /* the producer's relay says it is stalled */
    const char *stalled_reason; /* NULL when keeping up (or standing by) */
    uint64_t stalled_ms;
    crm_db_health_t session; /* its lease session */
} crm_consumer_health_t;
void crm_consumer_health(const crm_consumer_t *c, crm_consumer_health_t *out);

/* Stops; a batch in flight completes or fails in the database as one unit. */
void crm_consumer_destroy(crm_consumer_t **c_p);

/* Drops key from the consumer's cache once batch has committed: the cached
 * copy of a record the batch's work changed (a handover's moved records).
 * A batch that does not commit drops nothing. */
void crm_consumer_batch_uncache(crm_consumer_batch_t *batch, const char *key);

#endif
