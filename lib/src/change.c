/* change.c: the engine of every action on existing records (see change.h):
 * a txn (txn.h) whose reads lock the records and whose decision runs the
 * action on each, in request order, then writes each one's save, writes
 * and event, and the reply. */
#include "crm/change.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/cache.h"
#include "crm/util.h"

struct crm_change {
    crm_txn_t *txn;
    const crm_change_kind_t *kind;
    const crm_change_op_t *op;
    void *data;
    char *reason;
    int64_t *ids; /* request order */
    size_t n;
    char *after, *before; /* n records of kind->size bytes each */
    int *decoded;         /* record i was read (its before needs clearing) */
    char **detail;        /* n history details (or NULL) */
    size_t cur;
    void **kept;
    size_t nkept;
    void *state;
    void (*state_free)(void *);
};

/* ---- the run ------------------------------------------------------------ */

static void s_done(void *arg)
{
    crm_change_t *c = arg;
    if (c->op->done)
        c->op->done(c->data);
    for (size_t i = 0; i < c->n; i++) {
        if (c->decoded[i] && c->kind->clear)
            c->kind->clear(c->before + i * c->kind->size);
        free(c->detail[i]);
    }
    if (c->state_free)
        c->state_free(c->state);
    for (size_t i = 0; i < c->nkept; i++)
        free(c->kept[i]);
    free(c->kept);
    free(c->after);
    free(c->before);
    free(c->decoded);
    free(c->detail);
    free(c->ids);
    free(c->reason);
    free(c);
}

static void s_read(crm_txn_t *t)
{
    crm_change_t *c = crm_txn_data(t);
    c->txn = t;
    char *ids = crm_db_i64_array(c->ids, c->n);
    const char *p[] = {ids};
    crm_txn_read(t, "crm.records", c->kind->lock, 1, p);
    free(ids);
    if (c->kind->read)
        c->kind->read(c);
    if (c->op->read)
        c->op->read(c);
}

/* The row of id among the locked rows, or -1. */
static int s_row_of(const PGresult *r, int64_t id)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == id)
            return i;
    return -1;
}

/* Reads and decides every record; 0, or -1 once refused. */
static int s_apply_all(crm_change_t *c)
{
    const PGresult *rows = crm_txn_result(c->txn, "crm.records");
    size_t size = c->kind->size;
    int (*may_act)(crm_change_t *, const void *) =
        c->op->may_act ? c->op->may_act : c->kind->may_act;
    for (size_t i = 0; i < c->n; i++) {
        c->cur = i;
        void *rec = c->after + i * size;
        int r = s_row_of(rows, c->ids[i]);
        if (r < 0)
            return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
        c->kind->decode(rows, r, rec);
        memcpy(c->before + i * size, rec, size);
        c->decoded[i] = 1;
        if (may_act && may_act(c, rec) < 0)
            return -1;
        if (c->kind->stamp)
            c->kind->stamp(c, rec);
        if (c->op->apply(c, rec, c->before + i * size) < 0)
            return -1;
    }
    return 0;
}

/* The reply is made after the writes (a reply may mask what was
 * written) and stored with them. */
static void s_reply(crm_change_t *c)
{
    if (c->op->reply)
        c->op->reply(c);
    else
        c->kind->reply(c);
}

/* Each changed record's event. */
static void s_emit_all(crm_change_t *c, crm_db_batch_t *b)
{
    size_t size = c->kind->size;
    for (size_t i = 0; i < c->n; i++) {
        c->cur = i;
        const void *before = c->before + i * size;
        void *rec = c->after + i * size;
        if (c->op->emit)
            c->op->emit(c, before, rec, b);
        else if (c->kind->emit)
            c->kind->emit(c, before, rec, b);
    }
}

/* The records' derived columns, read back after their writes; then their
 * events and the reply, which carry them. */
static int s_reread_done(crm_txn_t *t, const crm_db_result_t *res)
{
    crm_change_t *c = crm_txn_data(t);
    const PGresult *r = res->results[res->nresults - 1];
    for (int row = 0; row < PQntuples(r); row++) {
        int64_t id = crm_db_get_i64(r, row, 0);
        for (size_t i = 0; i < c->n; i++)
            if (c->ids[i] == id)
                c->kind->refresh(c, c->after + i * c->kind->size, r, row);
    }
    s_emit_all(c, crm_txn_batch(t));
    s_reply(c);
    return 0;
}

/* Must the records be read back after their writes? */
static int s_derives(const crm_change_t *c)
{
    if (!c->kind->reread)
        return 0;
    if (!c->kind->derives)
        return 1;
    size_t size = c->kind->size;
    for (size_t i = 0; i < c->n; i++)
        if (c->kind->derives(c->before + i * size, c->after + i * size))
            return 1;
    return 0;
}

static int s_reread(crm_change_t *c)
{
    char *ids = crm_db_i64_array(c->ids, c->n);
    const char *p[] = {ids};
    int rc = crm_txn_then_writes(c->txn, c->kind->reread, 1, p, s_reread_done);
    free(ids);
    return rc;
}

static int s_decide(crm_txn_t *t)
{
    crm_change_t *c = crm_txn_data(t);
    if (c->kind->loaded)
        c->kind->loaded(c);
    if (s_apply_all(c) < 0)
        return -1;
    crm_db_batch_t *b = crm_txn_batch(t);
    size_t size = c->kind->size;
    for (size_t i = 0; i < c->n; i++) {
        c->cur = i;
        const void *before = c->before + i * size;
        void *rec = c->after + i * size;
        if (c->op->write)
            c->op->write(c, before, rec, b);
        c->kind->save(c, before, rec, b);
    }
    if (s_derives(c))
        return s_reread(c);
    s_emit_all(c, b);
    s_reply(c);
    return 0;
}

static void s_committed(crm_txn_t *t)
{
    crm_change_t *c = crm_txn_data(t);
    crm_cache_t *cache = crm_txn_env(t)->cache;
    if (!c->kind->cache_key || !cache)
        return;
    for (size_t i = 0; i < c->n; i++) {
        char key[32];
        c->kind->cache_key(c->ids[i], key);
        crm_cache_del(cache, key);
    }
}

static const crm_txn_op_t s_txn_op = {
    .read = s_read,
    .decide = s_decide,
    .committed = s_committed,
    .done = s_done,
};

void crm_change_run(const crm_txn_env_t *env, crm_rpc_call_t *call, const crm_change_kind_t *kind,
                    const crm_change_op_t *op, const int64_t *ids, size_t n, const char *reason,
                    void *data)
{
    crm_change_t *c = crm_calloc(1, sizeof *c);
    c->kind = kind;
    c->op = op;
    c->data = data;
    c->reason = reason ? crm_strdup(reason) : NULL;
    c->n = n;
    c->ids = crm_malloc((n ? n : 1) * sizeof *c->ids);
    memcpy(c->ids, ids, n * sizeof *ids);
    c->after = crm_calloc(n ? n : 1, kind->size);
    c->before = crm_calloc(n ? n : 1, kind->size);
    c->decoded = crm_calloc(n ? n : 1, sizeof *c->decoded);
    c->detail = crm_calloc(n ? n : 1, sizeof *c->detail);
    crm_txn_run(env, call, &s_txn_op, c);
}

int crm_change_check_ids(crm_rpc_call_t *call, const char *field, const int64_t *ids, size_t n,
                         size_t max)
{
    if (n == 0 || n > max) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "give 1 to %zu ids, not %zu", max,
                     n);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 1) {
            crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "id %lld is not valid",
                         (long long)ids[i]);
            return 0;
        }
        for (size_t j = 0; j < i; j++) {
            if (ids[j] == ids[i]) {
                crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "id %lld is given twice",
                             (long long)ids[i]);
                return 0;
            }
        }
    }
    return 1;
}

/* ---- what kinds and ops call -------------------------------------------- */

int crm_change_refuse(crm_change_t *c, Crm__Status status, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return crm_txn_refuse(c->txn, status, field ? field : c->op->ids_field, "%s %lld: %s",
                          c->kind->noun, (long long)c->ids[c->cur], msg);
}

int crm_change_refuse_errs(crm_change_t *c, const crm_errs_t *errs)
{
    crm_errs_t named = {.n = errs->n};
    for (size_t i = 0; i < errs->n; i++)
        crm_err_set(&named.e[i], errs->e[i].status,
                    errs->e[i].field ? errs->e[i].field : c->op->ids_field, "%s %lld: %s",
                    c->kind->noun, (long long)c->ids[c->cur], errs->e[i].message);
    return crm_txn_refuse_errs(c->txn, &named);
}

void crm_change_read(crm_change_t *c, const char *slot, const char *stmt, int nparams,
                     const char *const *values)
{
    crm_txn_read(c->txn, slot, stmt, nparams, values);
}

const PGresult *crm_change_result(const crm_change_t *c, const char *slot)
{
    return crm_txn_result(c->txn, slot);
}

size_t crm_change_count(const crm_change_t *c)
{
    return c->n;
}

const int64_t *crm_change_ids(const crm_change_t *c)
{
    return c->ids;
}

int64_t crm_change_id(const crm_change_t *c, size_t i)
{
    return c->ids[i];
}

void *crm_change_record(const crm_change_t *c, size_t i)
{
    return c->after + i * c->kind->size;
}

const void *crm_change_before(const crm_change_t *c, size_t i)
{
    return c->before + i * c->kind->size;
}

size_t crm_change_current(const crm_change_t *c)
{
    return c->cur;
}

void crm_change_detail(crm_change_t *c, const char *detail)
{
    free(c->detail[c->cur]);
    c->detail[c->cur] = detail ? crm_strdup(detail) : NULL;
}

const char *crm_change_detail_of(const crm_change_t *c, size_t i)
{
    return c->detail[i];
}

void *crm_change_keep(crm_change_t *c, void *p)
{
    c->kept = crm_realloc(c->kept, (c->nkept + 1) * sizeof *c->kept);
    c->kept[c->nkept++] = p;
    return p;
}

void crm_change_set_state(crm_change_t *c, void *state, void (*free_fn)(void *))
{
    c->state = state;
    c->state_free = free_fn;
}

void *crm_change_state(const crm_change_t *c)
{
    return c->state;
}

void crm_change_reply(crm_change_t *c, const ProtobufCMessage *reply)
{
    crm_txn_reply(c->txn, reply);
}

const crm_change_op_t *crm_change_op(const crm_change_t *c)
{
    return c->op;
}

const Crm__Caller *crm_change_caller(const crm_change_t *c)
{
    return crm_txn_caller(c->txn);
}

const void *crm_change_request(const crm_change_t *c)
{
    return crm_txn_request(c->txn);
}

void *crm_change_data(const crm_change_t *c)
{
    return c->data;
}

const char *crm_change_reason(const crm_change_t *c)
{
    return c->reason ? c->reason : "";
}

int64_t crm_change_now(const crm_change_t *c)
{
    return crm_txn_now(c->txn);
}

crm_txn_t *crm_change_txn(const crm_change_t *c)
{
    return c->txn;
}

void *crm_change_ctx(const crm_change_t *c)
{
    return crm_txn_env(c->txn)->ctx;
}
