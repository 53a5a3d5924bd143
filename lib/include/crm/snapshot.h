/* snapshot.h: the producer's side of the Clone pattern. A consumer too far
 * behind to replay (its next event was pruned) rebuilds its read model from
 * a snapshot of the producer's current records, then follows the stream
 * from the snapshot's horizon (consumer.h, crm_consumer_opts_t.snapshot).
 *
 * A domain supplies a reader: one page of its current records after a
 * cursor, and how a row becomes an event of a snapshot type
 * ("user.snapshot"). Lib serves Bus.Snapshot: the first page opens a
 * REPEATABLE READ transaction, exports its database snapshot and records
 * its horizon (the last sequence numbered in it, and the events committed
 * but not numbered yet, whose effects it already holds); the instance
 * holds it while pages are asked for (CRM_SNAPSHOT_IDLE_MS, 30 s, without
 * one ends it), and every page, on any instance, reads that same snapshot
 * (SET TRANSACTION SNAPSHOT). */
#ifndef CRM_SNAPSHOT_H
#define CRM_SNAPSHOT_H

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>
#include <uv.h>

#include "db.h"

/* The page being built. */
typedef struct crm_snapshot_page crm_snapshot_page_t;

typedef struct {
    const char *name; /* asked for by consumers: "org" */
    /* One page: $1 the cursor (text, '' for the first), $2 the page size;
     * the records after the cursor in the cursor's order, a column named
     * "cursor" giving each record's place. */
    const char *page_sql;
    /* Adds the record of row i of r to page (crm_snapshot_record). */
    void (*add)(void *arg, const PGresult *r, int i, crm_snapshot_page_t *page);
    void *arg;
} crm_snapshot_reader_t;

/* Adds one record to page: an event of type (a snapshot type, e.g.
 * "user.snapshot") about aggregate_id with payload. */
void crm_snapshot_record(crm_snapshot_page_t *page, const char *type, const char *aggregate_id,
                         const ProtobufCMessage *payload);

/* A producer's snapshots: its readers, and the snapshots this instance
 * holds. The service runtime makes one (crm_service_snapshot adds a
 * reader). */
typedef struct crm_snapshots crm_snapshots_t;
struct crm_rpc_server;

crm_snapshots_t *crm_snapshots_new(uv_loop_t *loop, crm_db_t *db, const char *producer);
/* reader must outlive s. */
void crm_snapshots_add(crm_snapshots_t *s, const crm_snapshot_reader_t *reader);
/* Serves Bus.Snapshot on srv. */
void crm_snapshots_serve(crm_snapshots_t *s, struct crm_rpc_server *srv);
/* Ends the snapshots held (rolled back); frees once their rounds are done.
 * Call before the pool is destroyed. Safe on NULL. */
void crm_snapshots_destroy(crm_snapshots_t **s_p);

#endif
