/* import_chunk.c: one chunk of an import, one write transaction of three
 * rounds (see crm/import.h): the import locked and the chunk's stored
 * results; the domain's reads of what the rows refer to and of their keys
 * and the new ids, then its screen of the rows; the counters moved on;
 * then the created rows and the chunk's results stored under (import,
 * seq), so a chunk sent again gets them and changes nothing. The rows'
 * own logic (repeats, places passed on) is import_rows.c. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/import.h"
#include "crm/util.h"
#include "import.pb-c.h"
#include "import_impl.h"

struct crm_import_chunk {
    const crm_import_kind_t *k;
    crm_txn_t *t;
    crm_import_request_t req;
    void *state;      /* the domain's (k->size bytes) */
    crm_import_t cur; /* the import as locked */
    crm_import_row_t *rows;
    size_t n;
    const char **keys; /* distinct, sorted; the domain's strings */
    size_t n_keys;
    size_t n_new;      /* rows to create */
    int64_t *more_ids; /* kind->more's */
    size_t n_more;
    char *header;                 /* the column mapping to store, or NULL */
    crm_import_result_t *results; /* once decided */
    int64_t counts[3];            /* created, duplicates, invalid */
    int64_t now_us;
    int replay; /* answering from the stored results */
};

static void s_free(void *arg)
{
    crm_import_chunk_t *c = arg;
    if (c->k->clear)
        c->k->clear(c->state);
    free(c->state);
    free(c->rows);
    free(c->keys);
    free(c->more_ids);
    free(c->header);
    free(c->results);
    free(c);
}

static void s_read(crm_txn_t *t, crm_import_chunk_t *c, const char *slot, const char *suffix,
                   int nparams, const char *const *p)
{
    char stmt[96];
    import_stmt(stmt, sizeof stmt, c->k, suffix);
    crm_txn_read(t, slot, stmt, nparams, p);
}

/* ---- the results -------------------------------------------------------- */

/* Replies with the chunk's results and the import as it is now (imp): the
 * stored reply of the call when the chunk is applied now, a plain answer
 * when it was applied before. */
static void s_reply(crm_import_chunk_t *c, const crm_import_result_t *res, size_t n,
                    const crm_import_t *imp)
{
    import_msg_t m = {.n = 0};
    ProtobufCMessage *msg = import_msg_reply(&m, c->k, res, n, imp);
    if (c->replay)
        crm_txn_answer(c->t, msg);
    else
        crm_txn_reply(c->t, msg);
    import_msg_clear(&m);
}

/* The chunk was applied before: its stored results and the import now. */
static int s_replay(crm_import_chunk_t *c, const PGresult *stored)
{
    size_t len = 0;
    uint8_t *bytes = crm_db_get_bytea(stored, 0, 0, &len);
    Crm__ImportResults *r = crm__import_results__unpack(NULL, len, bytes);
    free(bytes);
    if (!r)
        return crm_txn_refuse(c->t, CRM__STATUS__INTERNAL, NULL,
                              "the stored results do not decode");
    crm_import_result_t *res = crm_calloc(r->n_results + 1, sizeof *res);
    for (size_t i = 0; i < r->n_results; i++) {
        const Crm__ImportRowResult *x = r->results[i];
        res[i] = (crm_import_result_t){
            x->row, (crm_import_outcome_t)x->outcome, x->id, x->duplicate_of, x->field, x->message};
    }
    c->replay = 1;
    s_reply(c, res, r->n_results, &c->cur);
    free(res);
    crm__import_results__free_unpacked(r, NULL);
    return -1; /* nothing to write: answered */
}

/* The results of the decided rows, and their counts by outcome. */
static void s_results(crm_import_chunk_t *c)
{
    crm_import_result_t *res = c->results = crm_calloc(c->n + 1, sizeof *res);
    for (size_t i = 0; i < c->n; i++) {
        const crm_import_row_t *row = &c->rows[i];
        crm_import_result_t *r = &res[i];
        r->row = c->cur.rows + (int64_t)i + 1;
        if (row->field) {
            r->outcome = CRM_IMPORT_INVALID;
            r->field = row->field;
            r->message = row->message;
        } else if (row->duplicate_of) {
            r->outcome = CRM_IMPORT_DUPLICATE;
            r->duplicate_of = row->unnamed ? 0 : row->duplicate_of;
            r->message = row->unnamed ? row->message : NULL;
        } else {
            r->outcome = CRM_IMPORT_CREATED;
            r->id = row->id;
        }
        c->counts[r->outcome - 1]++;
    }
}

/* Adds the chunk's results, encoded, to b. */
static void s_store(crm_import_chunk_t *c, crm_db_batch_t *b, const crm_import_result_t *res)
{
    Crm__ImportRowResult *rows = crm_calloc(c->n + 1, sizeof *rows);
    Crm__ImportRowResult **ptrs = crm_calloc(c->n + 1, sizeof *ptrs);
    for (size_t i = 0; i < c->n; i++) {
        crm__import_row_result__init(&rows[i]);
        rows[i].row = res[i].row;
        rows[i].outcome = (int32_t)res[i].outcome;
        rows[i].id = res[i].id;
        rows[i].duplicate_of = res[i].duplicate_of;
        rows[i].field = (char *)(res[i].field ? res[i].field : "");
        rows[i].message = (char *)(res[i].message ? res[i].message : "");
        ptrs[i] = &rows[i];
    }
    Crm__ImportResults msg = CRM__IMPORT_RESULTS__INIT;
    msg.results = ptrs;
    msg.n_results = c->n;
    size_t len = crm__import_results__get_packed_size(&msg);
    uint8_t *bytes = crm_malloc(len + 1);
    crm__import_results__pack(&msg, bytes);
    char *hex = crm_db_bytea_hex(bytes, len);
    char id[24], seq[24], stmt[96];
    const char *p[] = {crm_i64(id, c->req.import_id), crm_i64(seq, c->req.seq), hex};
    import_stmt(stmt, sizeof stmt, c->k, "chunk_insert");
    crm_db_batch_add(b, stmt, 3, p);
    free(hex);
    free(bytes);
    free(ptrs);
    free(rows);
}

/* ---- the rounds ------------------------------------------------------- */

static void s_chunk_read(crm_txn_t *t)
{
    crm_import_chunk_t *c = crm_txn_data(t);
    c->t = t;
    char id[24], seq[24];
    const char *p[] = {crm_i64(id, c->req.import_id), crm_i64(seq, c->req.seq)};
    s_read(t, c, "import", "lock", 1, p);
    s_read(t, c, "stored", "chunk_get", 2, p);
    if (c->k->read)
        c->k->read(c);
}

/* Round 1 back: the import, the stored results; the order; the rows. Asks
 * for round 2: the records that have the keys, the new ids. */
static int s_loaded(crm_import_chunk_t *c)
{
    crm_txn_t *t = c->t;
    const PGresult *imp = crm_txn_result(t, "import"), *stored = crm_txn_result(t, "stored");
    if (PQntuples(imp) == 1)
        import_row(imp, 0, &c->cur);
    if (PQntuples(imp) == 0 || !import_owned(crm_txn_caller(t), &c->cur))
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "import_id", "import %lld not found",
                              (long long)c->req.import_id);
    if (PQntuples(stored) == 1)
        return s_replay(c, stored);
    const crm_import_t *cur = &c->cur;
    if (cur->cancelled && (cur->done || c->req.seq != cur->chunks + 1))
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "seq",
                              "import %lld was cancelled after chunk %d", (long long)cur->id,
                              cur->chunks);
    if (cur->done)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "seq",
                              "import %lld is complete: its last chunk was %d", (long long)cur->id,
                              cur->chunks);
    if (c->req.seq != cur->chunks + 1)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "seq", "expected chunk %d",
                              cur->chunks + 1);
    if (c->k->rows(c, cur->csv_header, &c->keys, &c->n_keys) < 0)
        return -1;
    for (size_t i = 0; i < c->n; i++)
        c->n_new += !c->rows[i].field && !c->rows[i].dup_row;
    if (c->k->refs && c->n)
        c->k->refs(c);
    if (c->n_keys)
        c->k->dedup(c, c->keys, c->n_keys);
    char n[2][24];
    const char *p[] = {crm_i64(n[0], (int64_t)c->n_new),
                       crm_i64(n[1], c->k->more ? (int64_t)c->k->more(c) : 0)};
    s_read(t, c, "ids", "ids", 2, p);
    return CRM_TXN_AGAIN;
}

/* The existing record with key, from r (key, id), or 0. */
static int64_t s_existing(const PGresult *r, const char *key)
{
    for (int i = 0; r && i < PQntuples(r); i++)
        if (strcmp(crm_db_get(r, i, 0), key) == 0)
            return crm_db_get_i64(r, i, 1);
    return 0;
}

/* Round 2 back: each valid row a duplicate (of an existing record or an
 * earlier row of the chunk) or created with the next id, after the
 * domain's screen. Asks for round 3: the counters moved on. */
static int s_decided(crm_import_chunk_t *c)
{
    crm_txn_t *t = c->t;
    const PGresult *dups = c->n_keys ? crm_txn_result(t, "duplicates") : NULL;
    const PGresult *idr = crm_txn_result(t, "ids");
    size_t n_ids = 0, k = 0;
    int64_t *ids = crm_db_get_i64_array(idr, 0, 1, &n_ids);
    if (n_ids != c->n_new) { /* cannot be: the statement returns n */
        free(ids);
        return crm_txn_refuse(t, CRM__STATUS__INTERNAL, NULL, "record ids not allocated");
    }
    c->now_us = crm_db_get_i64(idr, 0, 0);
    c->more_ids = crm_db_get_i64_array(idr, 0, 2, &c->n_more);
    for (size_t i = 0; i < c->n; i++) {
        crm_import_row_t *row = &c->rows[i];
        if (!row->field && !row->dup_row)
            row->duplicate_of =
                row->key && *row->key && !c->cur.allow_duplicates ? s_existing(dups, row->key) : 0;
    }
    if (c->k->screen && c->k->screen(c) < 0) {
        free(ids);
        return -1;
    }
    /* Rows the screen held back leave their ids unused (gaps in the
     * sequence, as a rolled back create leaves); a row that took a held
     * one's place (crm_import_hold) takes its id. */
    for (size_t i = 0; i < c->n; i++) {
        if (!crm_import_follow(c->rows, i))
            continue;
        if (k == n_ids) { /* cannot be: each place passed on frees an id */
            free(ids);
            return crm_txn_refuse(t, CRM__STATUS__INTERNAL, NULL, "record ids not allocated");
        }
        c->rows[i].id = ids[k++];
    }
    free(ids);
    s_results(c);
    const int64_t *counts = c->counts;
    char num[6][24];
    const char *p[] = {crm_i64(num[0], c->req.import_id), crm_i64(num[1], (int64_t)c->n),
                       crm_i64(num[2], counts[0]),        crm_i64(num[3], counts[1]),
                       crm_i64(num[4], counts[2]),        crm_i64(num[5], c->req.seq),
                       c->req.last ? "true" : "false",    c->header ? c->header : ""};
    s_read(t, c, "advanced", "advance", 8, p);
    return CRM_TXN_AGAIN;
}

/* Round 3 back: the created rows, the results stored, the reply. */
static int s_write(crm_import_chunk_t *c)
{
    crm_db_batch_t *b = crm_txn_batch(c->t);
    /* The target may have been deactivated since the import started. */
    crm_import_require_target(b, crm_import_current(c));
    c->k->insert(c, b);
    s_store(c, b, c->results);
    crm_import_t now;
    import_row(crm_txn_result(c->t, "advanced"), 0, &now);
    s_reply(c, c->results, c->n, &now);
    return 0;
}

static int s_chunk_decide(crm_txn_t *t)
{
    crm_import_chunk_t *c = crm_txn_data(t);
    switch (crm_txn_round(t)) {
    case 1:
        return s_loaded(c);
    case 2:
        return s_decided(c);
    default:
        return s_write(c);
    }
}

static const crm_txn_op_t s_chunk_op = {
    .read = s_chunk_read, .decide = s_chunk_decide, .done = s_free};

void crm_import_chunk(const crm_import_kind_t *k, const crm_txn_env_t *env, crm_rpc_call_t *call,
                      const crm_import_request_t *req)
{
    crm_import_chunk_t *c = crm_calloc(1, sizeof *c);
    c->k = k;
    c->req = *req;
    c->state = crm_calloc(1, k->size ? k->size : 1);
    crm_txn_run(env, call, &s_chunk_op, c);
}

/* ---- for the kind ------------------------------------------------------- */

crm_txn_t *crm_import_txn(const crm_import_chunk_t *c)
{
    return c->t;
}

void *crm_import_state(const crm_import_chunk_t *c)
{
    return c->state;
}

const crm_import_request_t *crm_import_request(const crm_import_chunk_t *c)
{
    return &c->req;
}

const crm_import_t *crm_import_current(const crm_import_chunk_t *c)
{
    return &c->cur;
}

crm_import_row_t *crm_import_rows(crm_import_chunk_t *c, size_t *n)
{
    if (!c->rows) {
        c->rows = crm_calloc(*n + 1, sizeof *c->rows);
        c->n = *n;
    }
    *n = c->n;
    return c->rows;
}

void crm_import_set_header(crm_import_chunk_t *c, const char *header)
{
    free(c->header);
    c->header = header ? crm_strdup(header) : NULL;
}

int crm_import_csv_read(crm_import_chunk_t *c, int rc, const char *msg, size_t n)
{
    if (rc < 0)
        return crm_txn_refuse(c->t, CRM__STATUS__INVALID_ARGUMENT, "csv", "%s", msg);
    if (n > CRM_IMPORT_MAX_ROWS)
        return crm_txn_refuse(c->t, CRM__STATUS__INVALID_ARGUMENT, "csv",
                              "%zu rows; at most %d per chunk", n, CRM_IMPORT_MAX_ROWS);
    return 0;
}

const int64_t *crm_import_more_ids(const crm_import_chunk_t *c, size_t *n)
{
    *n = c->n_more;
    return c->more_ids;
}

int64_t crm_import_now(const crm_import_chunk_t *c)
{
    return c->now_us;
}

/* A chunk's request message (any domain's: import_id, seq, last, rows and
 * csv by name), checked, then the chunk. */
void crm_import_chunk_call(const crm_import_kind_t *k, const crm_txn_env_t *env,
                           crm_rpc_call_t *call, const ProtobufCMessage *req)
{
    const ProtobufCMessageDescriptor *d = req->descriptor;
    const ProtobufCFieldDescriptor *rows =
                                       protobuf_c_message_descriptor_get_field_by_name(d, "rows"),
                                   *csv = protobuf_c_message_descriptor_get_field_by_name(d, "csv");
    assert(rows && rows->label == PROTOBUF_C_LABEL_REPEATED && csv &&
           csv->type == PROTOBUF_C_TYPE_STRING);
    crm_import_request_t r = {
        .import_id = import_msg_int(req, "import_id"),
        .seq = (int32_t)import_msg_int(req, "seq"),
        .last = (int)import_msg_int(req, "last"),
        .n_rows = *(const size_t *)((const char *)req + rows->quantifier_offset),
        .csv = *(const char *const *)((const char *)req + csv->offset),
    };
    crm_err_t err;
    if (crm_import_check_chunk(&r, &err) < 0)
        crm_rpc_fail_err(call, &err);
    else
        crm_import_chunk(k, env, call, &r);
}
