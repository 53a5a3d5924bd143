/* import.h: importing many records in chunks (导入), the pipeline every
 * domain shares. An import is a row of the domain's table of imports (its
 * target, its counters, done or cancelled, the CSV header of its first
 * chunk); each chunk is one write transaction (crm/txn.h) of three rounds:
 *
 *   1. the import locked (chunks of one import apply one at a time), the
 *      chunk's stored results, the domain's reads (kind->read): a chunk
 *      applied before is answered from its stored results and changes
 *      nothing; otherwise the order is checked and the domain reads and
 *      checks the rows (kind->rows);
 *   2. the domain's reads of the records the rows refer to (kind->refs:
 *      a contact's customer), its dedup read (kind->dedup, all of the
 *      chunk's keys at once) and the ids of the new records (and of those
 *      made beside them: kind->more); back, each row's record, then the
 *      domain's screen (kind->screen: a row it may not answer as it stands
 *      is held back, or its record left unnamed), keys or none;
 *   3. the import's counters moved on;
 * then the domain's insert of the created rows (kind->insert, a handful of
 * statements whatever their number) and the chunk's results, stored under
 * (import, seq), commit with the reply.
 *
 * The tables stay the domain's (leads: lead_imports, lead_import_chunks);
 * crm_import_prepare names its statements after them. The CSV reader of
 * a chunk's rows is crm/import_csv.h. */
#ifndef CRM_IMPORT_H
#define CRM_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "rpc.h"
#include "txn.h"

#define CRM_IMPORT_MAX_ROWS 5000         /* rows per chunk */
#define CRM_IMPORT_MAX_CSV (1024 * 1024) /* bytes of CSV per chunk */

/* An import as stored. Strings point into the result it was read from. */
typedef struct {
    int64_t id;
    int64_t pool_id, owner_id, department_id; /* the target: exactly one */
    int allow_duplicates;
    const char *file_name;
    int64_t expected_rows;
    int64_t rows, created, duplicates, invalid; /* so far */
    int32_t chunks;                             /* applied */
    int done, cancelled;
    const char *csv_header; /* the column mapping of the first CSV chunk */
    int64_t created_by, created_at_us, updated_at_us;
} crm_import_t;

typedef enum {
    CRM_IMPORT_CREATED = 1,
    CRM_IMPORT_DUPLICATE = 2,
    CRM_IMPORT_INVALID = 3,
} crm_import_outcome_t;

/* What became of one row, as the reply tells it. */
typedef struct {
    int64_t row; /* its number in the whole import, from 1 */
    crm_import_outcome_t outcome;
    int64_t id;                  /* created: the new record */
    int64_t duplicate_of;        /* duplicate: the record with its key */
    const char *field, *message; /* invalid */
} crm_import_result_t;

/* A row of a chunk as the pipeline decides it. The domain sets field,
 * message, key and dup_row (kind->rows), and may change field, message and
 * unnamed (kind->screen; crm_import_hold); the pipeline sets the rest. */
typedef struct {
    const char *field, *message; /* invalid: the field at fault and why; NULL: valid */
    const char *key;             /* its dedup key (a normalised mobile); NULL or "": none */
    size_t dup_row;              /* a duplicate of row dup_row - 1 of this chunk; 0: none */
    int64_t duplicate_of;        /* a duplicate of this existing record */
    int unnamed;                 /* duplicate_of is not to be told: the result has none, and
                                  * message says what may be said of the record */
    int64_t id;                  /* created as this record */
} crm_import_row_t;

/* A chunk as sent. */
typedef struct {
    int64_t import_id;
    int32_t seq;     /* 1, 2, 3, ... */
    int last;        /* the import is complete after it */
    size_t n_rows;   /* rows given as fields */
    const char *csv; /* or as CSV text; "" when none */
} crm_import_request_t;

typedef struct crm_import_chunk crm_import_chunk_t;

/* A domain's imports. */
typedef struct {
    const char *imports; /* its table of imports: "lead_imports" */
    const char *chunks;  /* its table of applied chunks: "lead_import_chunks" */
    const char *id_seq;  /* the sequence of the created records' ids */
    const char *nouns;   /* the records in messages: "leads" */
    /* The records go where each row says (a contact to the customer it
     * names): an import has no target (crm_import_check_start refuses
     * one). */
    int untargeted;
    size_t size;                /* bytes of the domain's state of a chunk (zeroed) */
    void (*clear)(void *state); /* frees what the state holds, not itself */
    /* Round 1: further reads the rows' checks need (optional). */
    void (*read)(crm_import_chunk_t *c);
    /* Round 1 back: reads the chunk's rows (the request's, or its CSV
     * under the import's csv_header, "" before the first), checks them
     * and gives each a verdict (crm_import_rows). Unless duplicates are
     * allowed, it marks the rows whose key an earlier row has and returns
     * the distinct keys, sorted, in *keys and *n_keys (crm_import_dedup;
     * the pipeline frees the array, not the strings). When the chunk's CSV
     * carried the header, crm_import_set_header. Returns 0, or -1 after
     * refusing (crm_txn_refuse on crm_import_txn). */
    int (*rows)(crm_import_chunk_t *c, const char *csv_header, const char ***keys, size_t *n_keys);
    /* Round 2 (optional): reads (and locks) the records the rows refer to,
     * whatever keys the chunk has (a contact's customer), for
     * kind->screen; before kind->dedup's reads, so a domain takes its
     * locks in one order. Called when the chunk has rows. */
    void (*refs)(crm_import_chunk_t *c);
    /* Round 2: locks the keys and reads the records that have them, as
     * the read "duplicates": rows of (key, id), and whatever kind->screen
     * reads of them. Only called with keys. */
    void (*dedup)(crm_import_chunk_t *c, const char *const *keys, size_t n_keys);
    /* Round 2 back (optional), keys or none (a screen reading what
     * kind->dedup reads checks it was read: crm_txn_has): the rows once
     * each row that is the first of its key knows the record that has the
     * key (duplicate_of, 0: none), before the ones to create get their
     * ids. For a row it may not answer as it stands, the domain holds it
     * back (sets field and message: the row is invalid, nothing is
     * created) or leaves its record unnamed (sets unnamed and message: a
     * duplicate reported without duplicate_of), and it may add writes
     * (crm_txn_batch). A row repeating an earlier one's key follows that
     * row: held back as it is, else a duplicate of its record; a row held
     * back for a fault of its own rather than its key's passes its place
     * to the next row of its key (crm_import_hold). Returns 0, or -1 after
     * refusing. */
    int (*screen)(crm_import_chunk_t *c);
    /* Optional: the sequence of records made beside the created ones (a
     * customer's first contact: "contacts_id_seq"), and how many of them
     * the rows that may be created (crm_import_rows: no field, no dup_row)
     * make at most: their ids are taken in round 2 with the created
     * records' (crm_import_more_ids). */
    const char *more_seq;
    size_t (*more)(crm_import_chunk_t *c);
    /* Last: adds the writes of the created rows (crm_import_rows: those
     * with an id) to b: the records, their history, their events. */
    void (*insert)(crm_import_chunk_t *c, crm_db_batch_t *b);
    /* The domain's messages (its proto), which the kit fills by field name
     * (import_msg.c), leaving out a field the message does not have:
     *   import_msg  id, target {pool_id, owner_id, department_id},
     *               allow_duplicates, file_name, expected_rows, rows,
     *               created, duplicates, invalid, chunks, done, cancelled,
     *               created_by, created_at_us, updated_at_us;
     *   list_msg    items (imports), next_cursor, the oneof total;
     *   reply_msg   results {row, outcome, <record_id>, duplicate_of, field,
     *               message} (outcome an enum numbered as
     *               crm_import_outcome_t), import. */
    const ProtobufCMessageDescriptor *import_msg, *list_msg, *reply_msg;
    const char *record_id; /* a result's field naming the created record: "lead_id" */
} crm_import_kind_t;

/* Registers k's statements on db (named after k->imports). */
void crm_import_prepare(crm_db_t *db, const crm_import_kind_t *k);

/* Checks a new import (imp: its target, file_name, expected_rows): exactly
 * one target and none negative (none for an untargeted kind); an owner in
 * the caller's scope; a department for admins and its managers. A pool
 * target is the domain's to check (its rules: crm/pool.h). 0, or -1 with
 * err. */
int crm_import_check_start(const crm_import_kind_t *k, const crm_import_t *imp,
                           const Crm__Caller *c, crm_err_t *err);

/* Adds to b a guard (crm/org.h) that the import's target owner and
 * department are known and active in the organisation's read model: the
 * first that is not fails the batch as invalid_argument naming
 * "target.owner_id" or "target.department_id". crm_import_start runs it
 * before storing the import, and the chunk pipeline again before a chunk's
 * writes, so no record is created for a target deactivated since. */
void crm_import_require_target(crm_db_batch_t *b, const crm_import_t *imp);

/* Checks a chunk's shape: import_id, seq, rows or CSV within bounds. 0, or
 * -1 with err (INVALID_ARGUMENT). */
int crm_import_check_chunk(const crm_import_request_t *req, crm_err_t *err);

/* The RPCs. Each answers call with the kind's messages, or an error. Only the import's creator (or
 * an admin) sees and continues an import; for others it does not exist. start stores imp (checked)
 * as made by the caller. */
void crm_import_start(const crm_import_kind_t *k, crm_db_t *db, crm_rpc_call_t *call,
                      const crm_import_t *imp);
void crm_import_get(const crm_import_kind_t *k, crm_db_t *db, crm_rpc_call_t *call, int64_t id);
void crm_import_cancel(const crm_import_kind_t *k, crm_db_t *db, crm_rpc_call_t *call, int64_t id);
void crm_import_list(const crm_import_kind_t *k, crm_db_t *db, crm_rpc_call_t *call, int32_t limit,
                     const char *cursor, int total);
/* Applies a chunk (checked with crm_import_check_chunk). */
void crm_import_chunk(const crm_import_kind_t *k, const crm_txn_env_t *env, crm_rpc_call_t *call,
                      const crm_import_request_t *req);
/* The ImportChunk RPC of a kind: the domain's request req (its fields
 * import_id, seq, rows, csv and last read by name) checked, then applied;
 * a bad shape is answered with the field at fault. */
void crm_import_chunk_call(const crm_import_kind_t *k, const crm_txn_env_t *env,
                           crm_rpc_call_t *call, const ProtobufCMessage *req);

/* ---- for the kind's callbacks ---- */

crm_txn_t *crm_import_txn(const crm_import_chunk_t *c);
void *crm_import_state(const crm_import_chunk_t *c);
const crm_import_request_t *crm_import_request(const crm_import_chunk_t *c);
/* The import as locked (before this chunk). */
const crm_import_t *crm_import_current(const crm_import_chunk_t *c);
/* The chunk's row verdicts: the first call makes n of them (zeroed); *n
 * tells how many. */
crm_import_row_t *crm_import_rows(crm_import_chunk_t *c, size_t *n);
/* The column mapping to store when the chunk's CSV carried the header
 * (copied). */
void crm_import_set_header(crm_import_chunk_t *c, const char *header);
/* After the domain read the chunk's CSV (kind->rows): rc its reader's (-1
 * with msg: the text is wrong as a whole), n the records read. 0 when the
 * chunk may go on; else refuses it (invalid_argument on "csv": msg, or
 * more than CRM_IMPORT_MAX_ROWS records) and returns -1. */
int crm_import_csv_read(crm_import_chunk_t *c, int rc, const char *msg, size_t n);
/* The ids taken for the records made beside the created ones (kind->more),
 * in order, *n of them (from round 2 on; unused ones are skipped). */
const int64_t *crm_import_more_ids(const crm_import_chunk_t *c, size_t *n);
/* The transaction's time, as the created records' (from round 2 on). */
int64_t crm_import_now(const crm_import_chunk_t *c);

/* ---- a chunk's rows (pure: lib/src/import_rows.c) ---- */

/* Within one chunk: dup[i] = 1 + the first row with the same key as row i
 * (0 for that first row and for rows without a key: NULL or ""). Returns
 * the distinct keys, sorted (*n_keys; NULL when none; the caller frees the
 * array, not the strings). */
const char **crm_import_dedup(const char *const *keys, size_t n, size_t *dup, size_t *n_keys);

/* The screen holds row i of rows[0..n) back for a fault of its own (its
 * customer, say), not its key's: it is invalid (field, message: kept by
 * the caller until the chunk's results are stored). When it was the first
 * of its key, the next row repeating it that is not held back takes its
 * place: no longer a repeat, the record with the key (duplicate_of) is
 * its, and the later repeats follow it. A repeat held back passes nothing
 * on. Call it in the rows' order, before deciding later rows. */
void crm_import_hold(crm_import_row_t *rows, size_t n, size_t i, const char *field,
                     const char *message);

/* Decides row i of rows after the screen (the pipeline's round 2 back):
 * a repeat of an earlier row (dup_row) follows it, held back as it is,
 * else a duplicate of its record (named as it is). Returns 1 when the row
 * is to be created (no field, no repeat, no duplicate_of), else 0. */
int crm_import_follow(crm_import_row_t *rows, size_t i);

#endif
