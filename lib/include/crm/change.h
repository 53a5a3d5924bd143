/* change.h: the engine every action on existing records goes through, in
 * every domain (built on txn.h).
 *
 *   begin → round 1: the idempotency lookup, the records locked in id order
 *   (the kind's lock statement), the kind's reads and the action's reads →
 *   for each record, in request order: found? may the caller act on it?
 *   the action decides → round 2: for each record its save (row and
 *   history, the kind's) and the action's own writes, then (after reading
 *   back what the database derived, for a kind that asks) each event; the reply,
 *   stored under the call's idempotency key; COMMIT → drop the cached
 *   copies, reply, wake the relay.
 *
 * All or nothing: the first record refused rolls everything back, and the
 * refusal names it ("lead 12: ...") and the request field at fault (the
 * ids' field unless the action names another).
 *
 * A domain supplies a record kind (how its records are locked, decoded,
 * checked, saved, announced and cached) and, per action, an op (what the
 * action reads, decides and writes). Records live in memory as the
 * domain's own struct of kind->size bytes; the engine keeps each as read
 * (before) and as changed. What decode points into (strings of the read's
 * result) is valid until the reply is made; memory an action hangs on a
 * record is handed to crm_change_keep. */
#ifndef CRM_CHANGE_H
#define CRM_CHANGE_H

#include "txn.h"

typedef struct crm_change crm_change_t;

typedef struct {
    const char *noun; /* "lead": refusals read "lead 12: ..." */
    /* Statement taking the ids ($1, bigint[]) and returning the rows, locked
     * (FOR UPDATE) in id order, the id in column 0. */
    const char *lock;
    size_t size; /* bytes of one record in memory */
    void (*decode)(const PGresult *r, int row, void *rec);
    void (*clear)(void *rec); /* optional: frees what decode allocated */
    /* Optional: the kind's own reads (crm_change_read) and what it makes of
     * them once read (crm_change_set_state), before any record is decided. */
    void (*read)(crm_change_t *c);
    void (*loaded)(crm_change_t *c);
    /* Optional: may the caller act on rec? 0, or -1 after refusing
     * (crm_change_refuse). Default: yes. An op may override it. */
    int (*may_act)(crm_change_t *c, const void *rec);
    /* Optional: before the action decides (stamp the update time). */
    void (*stamp)(crm_change_t *c, void *rec);
    /* The row's UPDATE and its history entry. */
    void (*save)(crm_change_t *c, const void *before, const void *rec, crm_db_batch_t *b);
    /* The event of a change, unless the op emits its own. */
    void (*emit)(crm_change_t *c, const void *before, void *rec, crm_db_batch_t *b);
    /* The reply, unless the op makes its own (crm_change_reply). */
    void (*reply)(crm_change_t *c);
    /* Optional: what the database derives from a save (a trigger's
     * columns), read back before the events and the reply: a statement
     * taking the ids ($1, bigint[]) and returning a row per record, the id
     * in column 0; refresh copies row `row` of r into rec (r lives until
     * the reply is made). */
    const char *reread;
    void (*refresh)(crm_change_t *c, void *rec, const PGresult *r, int row);
    /* Optional, with reread: does the save of rec (from before) move what
     * the database derives? When no record's does, nothing is read back. */
    int (*derives)(const void *before, const void *rec);
    /* Optional: the cache key of a record, dropped after the commit. */
    void (*cache_key)(int64_t id, char out[32]);
} crm_change_kind_t;

typedef struct {
    const char *action;            /* the history action ("transferred"), for the kind */
    const char *ids_field;         /* the request field that holds the ids */
    void (*read)(crm_change_t *c); /* optional: the action's reads */
    /* Optional: instead of kind->may_act. */
    int (*may_act)(crm_change_t *c, const void *rec);
    /* Decides for one record: changes rec and returns 0, or refuses (-1). */
    int (*apply)(crm_change_t *c, void *rec, const void *before);
    /* Optional: more writes for one changed record (before its save). */
    void (*write)(crm_change_t *c, const void *before, void *rec, crm_db_batch_t *b);
    /* Optional: the event instead of kind->emit. */
    void (*emit)(crm_change_t *c, const void *before, void *rec, crm_db_batch_t *b);
    /* Optional: the reply instead of kind->reply. */
    void (*reply)(crm_change_t *c);
    /* Optional: frees the run's data when it ends, however it ends. */
    void (*done)(void *data);
} crm_change_op_t;

/* Runs op on the records ids[0..n) of kind for call (see above). The ids
 * must have been checked (crm_change_check_ids). reason (may be NULL) and
 * data are kept for the run; op->done frees data. */
void crm_change_run(const crm_txn_env_t *env, crm_rpc_call_t *call, const crm_change_kind_t *kind,
                    const crm_change_op_t *op, const int64_t *ids, size_t n, const char *reason,
                    void *data);

/* Checks a request's ids: 1 to max, each >= 1, none twice. On a bad list
 * fails call (field) and returns 0. */
int crm_change_check_ids(crm_rpc_call_t *call, const char *field, const int64_t *ids, size_t n,
                         size_t max);

/* Refuses the whole change: the message names the record being decided;
 * field NULL means the ids' field. Returns -1. */
int crm_change_refuse(crm_change_t *c, Crm__Status status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with every error of errs (at least one; the first gives the
 * status), each message naming the record. */
int crm_change_refuse_errs(crm_change_t *c, const crm_errs_t *errs);

/* Round 1 reads (in kind->read or op->read), by slot name, and their
 * results (from kind->loaded on). */
void crm_change_read(crm_change_t *c, const char *slot, const char *stmt, int nparams,
                     const char *const *values);
const PGresult *crm_change_result(const crm_change_t *c, const char *slot);

/* The records, in request order: how many, the id, as changed, as read. */
size_t crm_change_count(const crm_change_t *c);
const int64_t *crm_change_ids(const crm_change_t *c); /* all of them, in request order */
int64_t crm_change_id(const crm_change_t *c, size_t i);
void *crm_change_record(const crm_change_t *c, size_t i);
const void *crm_change_before(const crm_change_t *c, size_t i);
/* The record being decided or written (its index). */
size_t crm_change_current(const crm_change_t *c);

/* A history detail for the record being decided (copied), and record i's. */
void crm_change_detail(crm_change_t *c, const char *detail);
const char *crm_change_detail_of(const crm_change_t *c, size_t i);

/* Frees p when the run ends; returns p. */
void *crm_change_keep(crm_change_t *c, void *p);

/* The kind's state for this run (kind->loaded sets it; free_fn frees it
 * when the run ends). */
void crm_change_set_state(crm_change_t *c, void *state, void (*free_fn)(void *));
void *crm_change_state(const crm_change_t *c);

/* The reply (in op->reply or kind->reply): stored with the change. */
void crm_change_reply(crm_change_t *c, const ProtobufCMessage *reply);

const crm_change_op_t *crm_change_op(const crm_change_t *c);
const Crm__Caller *crm_change_caller(const crm_change_t *c);
const void *crm_change_request(const crm_change_t *c);
void *crm_change_data(const crm_change_t *c);
const char *crm_change_reason(const crm_change_t *c); /* "" if none */
int64_t crm_change_now(const crm_change_t *c);
crm_txn_t *crm_change_txn(const crm_change_t *c);
/* The domain's context (crm_txn_env_t.ctx). */
void *crm_change_ctx(const crm_change_t *c);

#endif
