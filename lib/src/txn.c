/* txn.c: the transaction of a call that writes (see txn.h): begin, the
 * idempotency lookup and the op's named reads in one round trip, the op's
 * decision, the writes with the stored reply and COMMIT in a second, then
 * the reply. */
#include "crm/txn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idem.h"
#include "crm/log.h"
#include "crm/rpc_db.h"
#include "crm/util.h"

typedef struct {
    const char *name;
    size_t index; /* the statement's place in its round */
} s_slot_t;

struct crm_txn {
    crm_txn_env_t env;
    crm_rpc_call_t *call;
    const crm_txn_op_t *op;
    void *data;
    crm_db_tx_t *tx;
    int round;             /* the round of reads last submitted (1, 2, ...) */
    crm_db_batch_t *reads; /* the next round of reads, while it is built */
    s_slot_t *slots;       /* its slots */
    size_t nslots, capslots;
    const crm_db_result_t *res; /* the last round's results, during decide */
    s_slot_t *got;              /* their slots */
    size_t ngot;
    crm_db_batch_t *writes; /* the commit batch, from the first decide on */
    uint8_t *reply;         /* the encoded reply, stored with the writes */
    size_t reply_len;
    int replied; /* crm_txn_reply was called */
    int refused; /* the call was answered with a refusal */
    int64_t now;
    int (*then)(crm_txn_t *t, const crm_db_result_t *res); /* crm_txn_then's */
    PGresult **kept; /* the last round's results, kept for work decided LATER */
    size_t nkept;
};

static void s_free(crm_txn_t *t)
{
    if (t->op->done)
        t->op->done(t->data);
    crm_db_batch_destroy(&t->reads);
    crm_db_batch_destroy(&t->writes);
    free(t->slots);
    free(t->got);
    free(t->reply);
    crm_db_results_free(t->kept, t->nkept);
    free(t);
}

/* ---- round 2 ------------------------------------------------------------ */

static void s_committed(void *arg, const crm_db_result_t *res)
{
    crm_txn_t *t = arg;
    if (res->err) {
        crm_fail_db(t->call, res);
    } else {
        if (t->op->committed)
            t->op->committed(t);
        crm_rpc_reply_raw(t->call, t->reply, t->reply_len);
        crm_relay_kick(t->env.relay);
    }
    s_free(t);
}

/* ---- rounds and decisions ----------------------------------------------- */

static void s_round_done(void *arg, const crm_db_result_t *res);

/* Sends the round of reads built so far; its slots become the ones
 * crm_txn_result looks in once it is back. */
static void s_submit_reads(crm_txn_t *t)
{
    free(t->got);
    t->got = t->slots;
    t->ngot = t->nslots;
    t->slots = NULL;
    t->nslots = t->capslots = 0;
    t->round++;
    crm_db_batch_t *b = t->reads;
    t->reads = NULL;
    if (crm_db_batch_size(b) == 0) { /* no key and nothing to read: decide at once */
        static const crm_db_result_t none = {
            .sqlstate = "", .message = "", .constraint = "", .detail = "", .failed = -1};
        crm_db_batch_destroy(&b);
        s_round_done(t, &none);
        return;
    }
    crm_db_tx_submit(t->tx, &b, s_round_done, t);
}

static void s_round_done(void *arg, const crm_db_result_t *res)
{
    crm_txn_t *t = arg;
    if (res->err) {
        crm_db_tx_rollback(t->tx);
        crm_fail_db(t->call, res);
        s_free(t);
        return;
    }
    t->res = res;
    if (t->round == 1) {
        if (crm_txn_has(t, "crm.idem") &&
            crm_idem_replayed(t->call, crm_txn_result(t, "crm.idem"))) {
            crm_db_tx_rollback(t->tx); /* applied by an earlier attempt of this call */
            s_free(t);
            return;
        }
        t->now = crm_now_us();
        t->writes = crm_db_batch_new();
    }
    int rc = t->op->decide(t);
    t->res = NULL;
    if (rc == CRM_TXN_AGAIN && !t->refused) {
        if (!t->reads) {
            crm_log(CRM_ERROR, "a write asked for another round without reads", "method",
                    crm_rpc_call_method(t->call), NULL);
            abort();
        }
        s_submit_reads(t);
        return;
    }
    if (rc != CRM_TXN_LATER) {
        crm_txn_resume(t, rc == CRM_TXN_AGAIN ? -1 : rc);
        return;
    }
    /* What decide read stays valid until the run ends: its records may
     * point into it (a change's, read back after its writes). */
    if (res->nresults) {
        crm_db_results_free(t->kept, t->nkept);
        t->nkept = res->nresults;
        t->kept = crm_db_results_take(res);
    }
}

void crm_txn_resume(crm_txn_t *t, int rc)
{
    if (rc < 0 || t->refused) {
        if (!t->refused) {
            crm_log(CRM_ERROR, "a write refused without saying why", "method",
                    crm_rpc_call_method(t->call), NULL);
            crm_rpc_fail(t->call, CRM__STATUS__INTERNAL, NULL, "internal error");
        }
        crm_db_tx_rollback(t->tx);
        s_free(t);
        return;
    }
    if (!t->replied) {
        crm_log(CRM_ERROR, "a write decided without a reply", "method",
                crm_rpc_call_method(t->call), NULL);
        abort();
    }
    crm_db_tx_commit(t->tx, &t->writes, s_committed, t);
}

static void s_then_done(void *arg, const crm_db_result_t *res)
{
    crm_txn_t *t = arg;
    if (res->err) {
        crm_txn_resume(t, crm_txn_fail_db(t, res));
        return;
    }
    crm_txn_resume(t, t->then(t, res));
}

int crm_txn_then(crm_txn_t *t, crm_db_batch_t **b_p,
                 int (*then)(crm_txn_t *t, const crm_db_result_t *res))
{
    t->then = then;
    crm_db_tx_submit(t->tx, b_p, s_then_done, t);
    return CRM_TXN_LATER;
}

int crm_txn_then_writes(crm_txn_t *t, const char *stmt, int nparams, const char *const *params,
                        int (*then)(crm_txn_t *t, const crm_db_result_t *res))
{
    crm_db_batch_t *b = t->writes;
    t->writes = crm_db_batch_new();
    crm_db_batch_add(b, stmt, nparams, params);
    return crm_txn_then(t, &b, then);
}

crm_db_tx_t *crm_txn_tx(const crm_txn_t *t)
{
    return t->tx;
}

void crm_txn_take_batch(crm_txn_t *t, crm_db_batch_t **b_p)
{
    crm_db_batch_append(t->writes, b_p);
}

int crm_txn_fail_db(crm_txn_t *t, const crm_db_result_t *res)
{
    if (!t->refused)
        crm_fail_db(t->call, res);
    t->refused = 1;
    return -1;
}

/* ---- round 1 ------------------------------------------------------------ */

/* Records slot as the name of the statement just added to the reads. */
static void s_add_slot(crm_txn_t *t, const char *slot)
{
    if (t->nslots == t->capslots) {
        t->capslots = t->capslots ? t->capslots * 2 : 8;
        t->slots = crm_realloc(t->slots, t->capslots * sizeof *t->slots);
    }
    t->slots[t->nslots++] = (s_slot_t){slot, crm_db_batch_size(t->reads) - 1};
}

static void s_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    crm_txn_t *t = arg;
    if (!tx) {
        crm_fail_db(t->call, err);
        s_free(t);
        return;
    }
    t->tx = tx;
    t->reads = crm_db_batch_new();
    if (crm_idem_lookup(t->reads, t->call) > 0)
        s_add_slot(t, "crm.idem"); /* the lookup: the second of its two statements */
    if (t->op->read)
        t->op->read(t);
    s_submit_reads(t);
}

void crm_txn_prepare(crm_db_t *db)
{
    crm_idem_prepare(db);
}

void crm_txn_run(const crm_txn_env_t *env, crm_rpc_call_t *call, const crm_txn_op_t *op, void *data)
{
    crm_txn_t *t = crm_calloc(1, sizeof *t);
    t->env = *env;
    t->call = call;
    t->op = op;
    t->data = data;
    crm_db_begin(env->db, s_began, t);
}

/* ---- what ops call ------------------------------------------------------ */

void crm_txn_read(crm_txn_t *t, const char *slot, const char *stmt, int nparams,
                  const char *const *values)
{
    if (!t->reads) {
        if (!t->res) {
            crm_log(CRM_ERROR, "crm_txn_read outside op->read and op->decide", "slot", slot, NULL);
            abort();
        }
        t->reads = crm_db_batch_new(); /* the next round, asked for by decide */
    }
    crm_db_batch_add(t->reads, stmt, nparams, values);
    s_add_slot(t, slot);
}

static const s_slot_t *s_find(const crm_txn_t *t, const char *slot)
{
    for (size_t i = 0; i < t->ngot; i++)
        if (!strcmp(t->got[i].name, slot))
            return &t->got[i];
    return NULL;
}

int crm_txn_has(const crm_txn_t *t, const char *slot)
{
    return s_find(t, slot) != NULL;
}

const PGresult *crm_txn_result(const crm_txn_t *t, const char *slot)
{
    /* During decide, the round just back; after (work decided LATER), the
     * same results, kept. */
    const s_slot_t *s = s_find(t, slot);
    PGresult *const *results = t->res ? t->res->results : t->kept;
    size_t n = t->res ? t->res->nresults : t->nkept;
    if (!s || s->index >= n) {
        crm_log(CRM_ERROR, "no such read in this transaction", "slot", slot, NULL);
        abort();
    }
    return results[s->index];
}

crm_db_batch_t *crm_txn_batch(crm_txn_t *t)
{
    return t->writes;
}

void crm_txn_reply(crm_txn_t *t, const ProtobufCMessage *reply)
{
    free(t->reply);
    t->reply = crm_idem_record(t->writes, t->call, reply, &t->reply_len);
    t->replied = 1;
}

int crm_txn_refuse(crm_txn_t *t, Crm__Status status, const char *field, const char *fmt, ...)
{
    if (t->refused)
        return -1; /* the first refusal is the answer */
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    crm_rpc_fail(t->call, status, field, "%s", msg);
    t->refused = 1;
    return -1;
}

int crm_txn_refuse_errs(crm_txn_t *t, const crm_errs_t *errs)
{
    if (t->refused)
        return -1;
    crm_rpc_fail_errs(t->call, errs);
    t->refused = 1;
    return -1;
}

crm_rpc_call_t *crm_txn_call(const crm_txn_t *t)
{
    return t->call;
}

const Crm__Caller *crm_txn_caller(const crm_txn_t *t)
{
    return crm_rpc_call_caller(t->call);
}

const void *crm_txn_request(const crm_txn_t *t)
{
    return crm_rpc_call_request(t->call);
}

void *crm_txn_data(const crm_txn_t *t)
{
    return t->data;
}

const crm_txn_env_t *crm_txn_env(const crm_txn_t *t)
{
    return &t->env;
}

int64_t crm_txn_now(const crm_txn_t *t)
{
    return t->now;
}

int crm_txn_round(const crm_txn_t *t)
{
    return t->round;
}

int crm_txn_answer(crm_txn_t *t, const ProtobufCMessage *reply)
{
    if (!t->refused)
        crm_rpc_reply(t->call, reply);
    t->refused = 1;
    return -1;
}
