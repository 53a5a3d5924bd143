/* txn.h: the transaction of a call that writes: the one protocol every
 * change of every domain follows (creates directly; changes of existing
 * records through change.h, which is built on it).
 *
 *   begin
 *   round 1: the idempotency lookup (lib/src/idem.h) and the op's reads, each
 *            under a name of its own (crm_txn_read)
 *   decide:  the op reads the named results and either refuses (nothing is
 *            written, the call gets the refusal) or adds its writes
 *            (crm_txn_batch) and its reply (crm_txn_reply)
 *   round 2: the writes, the reply stored under the call's idempotency key,
 *            COMMIT
 *   then:    the op's after-commit hook (drop cached copies), the reply
 *            (the same bytes that were stored), the relay woken.
 *
 * Work that must read again after deciding (an import chunk: its rows,
 * then their duplicates, then the counters) asks for further rounds of
 * reads from decide (CRM_TXN_AGAIN); paged work runs its own round trips
 * (CRM_TXN_LATER). Either way the writes and the reply commit together.
 *
 * An attempt of a call that already committed gets the stored reply and
 * writes nothing. A database failure answers the call with its mapped
 * status (crm_fail_db). The op's data is freed by op->done however the run
 * ends. */
#ifndef CRM_TXN_H
#define CRM_TXN_H

#include <stdint.h>

#include "cache.h"
#include "db.h"
#include "outbox.h"
#include "rpc.h"

typedef struct crm_txn crm_txn_t;

/* Where a domain's writes go. cache and relay may be NULL. */
typedef struct {
    crm_db_t *db;
    crm_cache_t *cache;
    crm_relay_t *relay; /* woken after each commit */
    void *ctx;          /* the domain's own context, for its kinds and ops */
} crm_txn_env_t;

typedef struct {
    /* Optional: adds the reads of round 1 (crm_txn_read). */
    void (*read)(crm_txn_t *t);
    /* Decides: returns 0 after adding the writes and the reply, or -1
     * after crm_txn_refuse. Results of round 1 are valid during decide.
     * Work that needs more round trips (paged work) returns CRM_TXN_LATER,
     * runs them on crm_txn_tx and ends with crm_txn_resume. */
    int (*decide)(crm_txn_t *t);
    /* Optional: after the commit, before the reply (drop cached copies). */
    void (*committed)(crm_txn_t *t);
    /* Optional: frees the run's data when the run ends, however it ends. */
    void (*done)(void *data);
} crm_txn_op_t;

/* decide's answer when the op goes on with round trips of its own. */
#define CRM_TXN_LATER 1
/* decide's answer after adding reads for another round (crm_txn_read):
 * decide runs again with their results (crm_txn_round tells which). */
#define CRM_TXN_AGAIN 2

/* Registers on db the statements a txn runs (the idempotency lookup and
 * store): every pool that runs txn ops (the service runtime's is). */
void crm_txn_prepare(crm_db_t *db);

/* Runs op for call on env. data is the op's own (crm_txn_data). */
void crm_txn_run(const crm_txn_env_t *env, crm_rpc_call_t *call, const crm_txn_op_t *op,
                 void *data);

/* Adds a read under slot (a name unique in its round; the string must
 * outlive the run: use literals): in op->read for round 1, in decide for
 * the next round (then decide returns CRM_TXN_AGAIN). */
void crm_txn_read(crm_txn_t *t, const char *slot, const char *stmt, int nparams,
                  const char *const *values);

/* The result of the read named slot in the round just back (during
 * decide). Asking for a slot that was not read is a programming error: it
 * aborts with a log line. */
const PGresult *crm_txn_result(const crm_txn_t *t, const char *slot);

/* Did the round just back read slot? */
int crm_txn_has(const crm_txn_t *t, const char *slot);

/* The batch of round 2 (during decide): the writes. */
crm_db_batch_t *crm_txn_batch(crm_txn_t *t);

/* The reply (during decide, after the writes it describes): encoded now,
 * stored with the writes, sent after the commit. */
void crm_txn_reply(crm_txn_t *t, const ProtobufCMessage *reply);

/* The transaction, for an op that decided CRM_TXN_LATER: it submits its
 * own batches on it (never commits or rolls it back). */
crm_db_tx_t *crm_txn_tx(const crm_txn_t *t);

/* Ends the work of an op that decided CRM_TXN_LATER, as decide would have:
 * rc 0 after adding the writes (crm_txn_batch, or crm_txn_take_batch) and
 * the reply; -1 after crm_txn_refuse or crm_txn_fail_db. */
void crm_txn_resume(crm_txn_t *t, int rc);

/* During decide, for a write whose reply is what it returns (an UPDATE
 * ... RETURNING, or one that finds nothing to change): submits *b_p (taken)
 * on the transaction; then() runs with its results and answers as decide
 * would (0 after crm_txn_reply, -1 after crm_txn_refuse); a failed batch
 * refuses the call with its mapped status and then() is not called.
 * Returns CRM_TXN_LATER, for decide to return. What decide read (and
 * anything pointing into it) stays valid until the run ends. */
int crm_txn_then(crm_txn_t *t, crm_db_batch_t **b_p,
                 int (*then)(crm_txn_t *t, const crm_db_result_t *res));

/* During decide, for a reply that shows what the database derives from
 * the writes (a trigger's columns): submits the writes added so far and
 * then the read stmt on the transaction; then() runs with their results
 * (the read's is the last) as for crm_txn_then, and the writes it adds go
 * with the COMMIT. Returns CRM_TXN_LATER, for decide to return. */
int crm_txn_then_writes(crm_txn_t *t, const char *stmt, int nparams, const char *const *params,
                        int (*then)(crm_txn_t *t, const crm_db_result_t *res));

/* Adds the statements of *b_p (taken) to the writes. */
void crm_txn_take_batch(crm_txn_t *t, crm_db_batch_t **b_p);

/* Refuses the call with a failed batch's mapped status (crm_fail_db);
 * returns -1. */
int crm_txn_fail_db(crm_txn_t *t, const crm_db_result_t *res);

/* Answers the call with reply and writes nothing (a replay of work done
 * before, found by the op's own means); returns -1 for decide to return. */
int crm_txn_answer(crm_txn_t *t, const ProtobufCMessage *reply);

/* The round of reads whose results decide sees: 1, 2, ... */
int crm_txn_round(const crm_txn_t *t);

/* Refuses the call (during decide): nothing is written; returns -1. */
int crm_txn_refuse(crm_txn_t *t, Crm__Status status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with every error of errs (at least one; the first gives the
 * status): a request with several fields at fault. */
int crm_txn_refuse_errs(crm_txn_t *t, const crm_errs_t *errs);

crm_rpc_call_t *crm_txn_call(const crm_txn_t *t);
const Crm__Caller *crm_txn_caller(const crm_txn_t *t);
const void *crm_txn_request(const crm_txn_t *t);
void *crm_txn_data(const crm_txn_t *t);
const crm_txn_env_t *crm_txn_env(const crm_txn_t *t);
/* The time of the decision (microseconds since the epoch), the same for
 * every record of the run. */
int64_t crm_txn_now(const crm_txn_t *t);

#endif
