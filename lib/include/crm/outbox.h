/* outbox.h: events committed with the change they describe, and the relay
 * that publishes them.
 *
 * A service writes an event by adding crm_outbox_add's statement to the
 * batch (or transaction) that makes the change, so both commit or neither.
 *
 * The relay publishes the outbox on the service's PUB socket, topic = event
 * type, and numbers events 1, 2, 3, ... in publication order: each round
 * numbers the committed rows not yet numbered, so a row that commits late
 * gets a later sequence and nothing is stepped over. A record's events keep
 * their order because every writer adds an event only while it holds the
 * record's lock (crm/change.h does): the second event of a record commits
 * after the first. No transaction elsewhere in the cluster holds the relay
 * back. The relay assigns sequences and commits them before sending, so a
 * crash between the two leaves events that consumers fetch with
 * Bus.Replay.
 *
 * The heartbeat (topic "_heartbeat", every second) announces the highest
 * sequence published, and whether the relay is stalled (see
 * crm_relay_health), so a quiet stream and a stuck one look different.
 *
 * Only the instance holding the producer's advisory lock relays; the others
 * wait and take over within a second when it dies. Every instance serves
 * Bus.Replay from the outbox.
 *
 * Retention follows the consumers. Each consumer registers with the
 * producer and reports how far it has applied (Bus.Ack, every
 * CRM_CONSUMER_ACK_MS). The active relay, every CRM_OUTBOX_PRUNE_MS
 * (default an hour), deletes the published events that every registered
 * consumer has applied and that are older than CRM_OUTBOX_KEEP_HOURS
 * (default 168; with no consumer registered, age alone decides). The
 * ceiling: an event published longer than CRM_OUTBOX_CEILING_S ago
 * (default 30 days), or more than CRM_OUTBOX_CEILING_EVENTS behind the
 * newest (0, the default: no bound by count), goes anyway; a consumer
 * silent longer than CRM_OUTBOX_FORGET_S (default 90 days) is forgotten
 * until it reports again. A consumer holding retention (its next event
 * kept past the keep time and older than CRM_OUTBOX_ALERT_S, default 600),
 * or passed by the ceiling, is logged
 * and named by the degraded "retention" health check. A consumer asking to
 * replay from before the oldest kept event gets FAILED_PRECONDITION (field
 * from_sequence): it rebuilds from a snapshot. */
#ifndef CRM_OUTBOX_H
#define CRM_OUTBOX_H

#include <protobuf-c/protobuf-c.h>
#include <uv.h>

#include "db.h"

/* Registers the outbox's statements on db (the service's pool and any pool
 * whose batches call crm_outbox_add or serve Bus.Replay). */
void crm_outbox_prepare(crm_db_t *db);

/* The INSERT of one event ($1 event id, $2 type, $3 aggregate id, $4 the
 * payload as bytea hex), for work that writes events on a connection of
 * its own (a start-up backfill); everything else uses crm_outbox_add. */
#define CRM_OUTBOX_INSERT_SQL                                                                      \
    "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload, trace_id)"                     \
    " VALUES ($1, $2, $3, $4::bytea, NULLIF($5, ''))"

/* The largest encoded payload of one event (1 MiB). A domain bounds what
 * its events carry (lists travel with a cap); an event over the bound makes
 * the batch it is added to fail (failed_precondition, saying which event and
 * how big), so the change is refused whole rather than half-published. */
#define CRM_EVENT_MAX_BYTES (1 << 20)

/* Adds to b the INSERT of one event: type (e.g. "lead.converted"), the id
 * of the record it is about, and its payload message. */
void crm_outbox_add(crm_db_batch_t *b, const char *type, const char *aggregate_id,
                    const ProtobufCMessage *payload);

/* The same as one statement made as the events come: begin, put each
 * event (its payload packed at once, so it may live on the caller's
 * stack), end adds the INSERT to b (nothing when none was put) and frees
 * the builder. For a page of rows each making one event. */
typedef struct crm_outbox_many crm_outbox_many_t;
crm_outbox_many_t *crm_outbox_many_begin(crm_db_batch_t *b, const char *type);
void crm_outbox_many_put(crm_outbox_many_t *m, const char *aggregate_id,
                         const ProtobufCMessage *payload);
void crm_outbox_many_end(crm_outbox_many_t **m_p);

/* Adds to b one INSERT of n events of one type, aggregate_ids[i] and
 * payloads[i] each: the same rows, in the same order, as n calls of
 * crm_outbox_add, in one statement. Nothing when n is 0. */
void crm_outbox_add_many(crm_db_batch_t *b, const char *type, size_t n,
                         const char *const *aggregate_ids, const ProtobufCMessage *const *payloads);

typedef struct crm_relay crm_relay_t;

/* Starts the relay of producer on a PUB socket bound to pub_endpoint. It
 * keeps its own database session (conninfo) for the advisory lock and the
 * reads, and wakes on NOTIFY from outbox inserts. batch: rows per round. */
crm_relay_t *crm_relay_new(uv_loop_t *loop, void *zctx, const char *conninfo, const char *producer,
                           const char *pub_endpoint, int batch);

/* Asks the relay to look at the outbox now (after a local commit). */
void crm_relay_kick(crm_relay_t *r);

/* Is this instance the active relay? */
int crm_relay_active(const crm_relay_t *r);

/* Highest sequence this relay has published (0 if none). */
uint64_t crm_relay_published(const crm_relay_t *r);

/* Is the relay moving? It is stalled when, holding the lease, it has not
 * completed a round for CRM_RELAY_STALL_MS (default 5000: its session gets
 * no answer, or every round fails), or rows have waited that long for an
 * older transaction. A stall is logged when it starts and ends, and carried
 * in the heartbeat (Heartbeat.stalled). */
/* What retention last found (the active relay's, once it has looked):
 * the registered consumer furthest behind, and whether it holds events
 * (HOLDING) or the ceiling pruned events it had not applied (PASSED). */
typedef enum {
    CRM_RETENTION_FINE,
    CRM_RETENTION_HOLDING,
    CRM_RETENTION_PASSED
} crm_retention_state_t;
typedef struct {
    int looked; /* 0: nothing to say (standing by, or not looked yet) */
    crm_retention_state_t state;
    char laggard[101];
    int64_t applied, oldest, silent_s, consumers, keep_hours, ceiling_s;
} crm_retention_report_t;

typedef struct {
    int active;                 /* holds the lease */
    uint64_t published;         /* highest sequence published */
    const char *stalled_reason; /* NULL when moving (or standing by) */
    uint64_t stalled_ms;        /* for how long */
    crm_db_health_t session;    /* its database session (the lease's) */
    crm_retention_report_t retention;
} crm_relay_health_t;
void crm_relay_health(const crm_relay_t *r, crm_relay_health_t *out);

/* Stops after the round in flight; frees after the loop closes its handles. */
void crm_relay_destroy(crm_relay_t **r_p);

/* Bus.Replay and Bus.Ack, served from the outbox of db (prepared with
 * crm_outbox_prepare). The context must outlive the server. An Ack past
 * the last sequence handed out (this database restored to an earlier
 * point) raises the sequence past it, logs an error and counts it in
 * sequence_raised (docs/operations.md, "Backup and restore"). */
typedef struct {
    crm_db_t *db;
    const char *producer;
    uint64_t sequence_raised; /* Acks that found the sequence behind them */
} crm_replay_ctx_t;

struct crm_rpc_server;
void crm_replay_serve(struct crm_rpc_server *srv, crm_replay_ctx_t *ctx);

#endif
