/* event_table.h: a consumer's events applied by type, the one dispatch every
 * service's consumers share. The service names, for each event type it
 * applies, the payload message and a function that adds the event's
 * statements to a batch; lib decodes each payload, skips the types not in
 * the table, runs the statements of the whole batch of events in one round
 * trip of the consumer's transaction, and hands their results to `applied`
 * for what must commit with them (the events the service emits in turn).
 * A payload that does not decode, or an add that refuses, fails the batch:
 * the consumer tries it again after a pause and the stream waits there
 * rather than skip an event (consumer.h), and the log says which. */
#ifndef CRM_EVENT_TABLE_H
#define CRM_EVENT_TABLE_H

#include "bus.pb-c.h"
#include "consumer.h"
#include "db.h"

/* Adds ev's statements to b, its payload decoded; 0, or -1 to fail the
 * batch (logged by the caller's own words). */
typedef int (*crm_event_add_fn)(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                                crm_db_batch_t *b);

typedef struct {
    const char *type;                          /* "lead.converted" */
    const ProtobufCMessageDescriptor *payload; /* its message */
    crm_event_add_fn add;
} crm_event_handler_t;

typedef struct {
    const crm_event_handler_t *handlers;
    size_t n;
    /* Optional: with the results of the statements the handlers added (in
     * their order), adds to commit what must commit with them. */
    void (*applied)(void *arg, const crm_db_result_t *res, crm_db_batch_t *commit);
    /* Optional: called once the handlers have seen every event of a batch,
     * in the same turn of the loop, to add what they gathered as one
     * statement for the whole batch (its results come last, after the
     * handlers' own); with b NULL when a handler refused or a payload did
     * not decode, to drop what was gathered. A table whose handlers gather
     * rather than add each event's statements is set-based: a thousand
     * events, one statement. */
    void (*gathered)(void *arg, crm_db_batch_t *b);
} crm_event_table_t;

typedef struct crm_event_apply crm_event_apply_t;

/* The dispatch of table for arg (both must outlive it). */
crm_event_apply_t *crm_event_apply_new(const crm_event_table_t *table, void *arg);
void crm_event_apply_destroy(crm_event_apply_t **a_p);

/* Inside a table's applied hook: makes current the trace (crm/trace.h) of
 * the event whose handler added statement i (whose result is
 * res->results[i]), so what the hook writes for that result carries the
 * event's request id on. The hook's caller restores the trace after it. */
void crm_event_applied_trace(size_t i);

/* A crm_consumer_apply_fn; its arg is a crm_event_apply_t. */
void crm_event_apply(void *a, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                     crm_consumer_batch_t *batch);

#endif
