/* leads_change.c: the one path every action on existing leads takes.
 *
 *   begin → lock the leads (in id order), read their pools and the action's
 *   context, in one round trip → the action decides for each lead in
 *   memory → one batch: each lead's row, its history entry, its event, the
 *   reply stored under the call's idempotency key (crm/idem.h) → commit →
 *   reply, drop the cached copies, wake the relay. An attempt of a call
 *   already applied gets the stored reply and changes nothing.
 *
 * All or nothing: the first lead the action refuses rolls everything back
 * and the error names it. An action is a leads_op_t: a few small functions
 * (leads_actions.c, leads_rpc.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/idem.h"
#include "crm/log.h"
#include "crm/util.h"
#include "leads.h"

struct leads_change {
    leads_t *l;
    crm_rpc_call_t *call;
    const leads_op_t *op;
    void *data;
    const char *reason;
    int64_t now;
    int64_t *ids; /* request order */
    size_t n;
    crm_db_tx_t *tx;
    PGresult *rows;             /* the locked leads */
    PGresult *pools;            /* every pool */
    Crm__Leads__LeadPool *pool; /* parsed pools, PQntuples(pools) of them */
    PGresult *ctx[8];
    size_t nctx;
    Crm__Leads__Lead *before; /* n: as read */
    lead_row_t *after;        /* n: as changed */
    char **detail;            /* n: history detail (or NULL) */
    size_t cur;               /* the lead being applied */
    int idem;                 /* statements of the idempotency lookup (0 or 2) */
    void **kept;              /* memory the op handed over (leads_change_keep) */
    size_t nkept;
    crm_db_batch_t *commit; /* the commit batch, while the reply is built */
    uint8_t *reply;         /* the encoded reply, built before the commit */
    size_t reply_len;
    char (*masks)[5][64]; /* n: masked contacts for the reply */
};

/* ---- accessors ---------------------------------------------------------- */

const Crm__Caller *leads_change_caller(const leads_change_t *c)
{
    return crm_rpc_call_caller(c->call);
}

const void *leads_change_request(const leads_change_t *c)
{
    return crm_rpc_call_request(c->call);
}

void *leads_change_data(const leads_change_t *c)
{
    return c->data;
}

const char *leads_change_reason(const leads_change_t *c)
{
    return c->reason ? c->reason : "";
}

int64_t leads_change_now(const leads_change_t *c)
{
    return c->now;
}

const char *leads_change_tz(const leads_change_t *c)
{
    return c->l->tz;
}

const PGresult *leads_change_ctx(const leads_change_t *c, size_t i)
{
    return i < c->nctx ? c->ctx[i] : NULL;
}

const Crm__Leads__LeadPool *leads_change_pool(const leads_change_t *c, int64_t pool_id)
{
    if (!pool_id || !c->pools)
        return NULL;
    int i = leads_pool_find(c->pools, pool_id);
    return i < 0 ? NULL : &c->pool[i];
}

lead_row_t *leads_change_row(const leads_change_t *c, size_t i)
{
    return &c->after[i];
}

void leads_change_detail(leads_change_t *c, const char *detail)
{
    free(c->detail[c->cur]);
    c->detail[c->cur] = crm_strdup(detail);
}

void *leads_change_keep(leads_change_t *c, void *p)
{
    c->kept = crm_realloc(c->kept, (c->nkept + 1) * sizeof *c->kept);
    c->kept[c->nkept++] = p;
    return p;
}

void leads_change_respond(leads_change_t *c, const ProtobufCMessage *reply)
{
    free(c->reply);
    c->reply = crm_idem_record(c->commit, c->call, reply, &c->reply_len);
}

void leads_change_mask(leads_change_t *c, size_t i)
{
    Crm__Leads__Lead *lead = &c->after[i].lead;
    if (leads_must_mask(leads_change_caller(c), lead, leads_change_pool(c, lead->pool_id)))
        leads_mask(lead, c->masks[i]);
}

/* ---- errors ------------------------------------------------------------- */

static int s_refuse(leads_change_t *c, Crm__Status st, const char *field, const char *fmt,
                    va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    crm_rpc_fail(c->call, st, field ? field : c->op->ids_field, "lead %lld: %s",
                 (long long)c->ids[c->cur], msg);
    c->call = NULL;
    return -1;
}

int leads_refuse(leads_change_t *c, Crm__Status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = s_refuse(c, st, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int leads_refuse_at(leads_change_t *c, Crm__Status st, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = s_refuse(c, st, field, fmt, ap);
    va_end(ap);
    return rc;
}

int leads_check_ids(crm_rpc_call_t *call, const char *field, const int64_t *ids, size_t n)
{
    if (n == 0 || n > LEADS_MAX_IDS) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "give 1 to %d ids, not %zu",
                     LEADS_MAX_IDS, n);
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

/* ---- the run ------------------------------------------------------------ */

static void s_free(leads_change_t *c)
{
    if (c->op->done)
        c->op->done(c->data);
    for (size_t i = 0; c->before && i < c->n; i++) {
        free(c->before[i].tags); /* the blocks read from the row */
        free(c->before[i].team_member_ids);
        free(c->detail[i]);
    }
    for (int i = 0; c->pools && i < PQntuples(c->pools); i++)
        leads_pool_clear(&c->pool[i]);
    for (size_t i = 0; i < c->nctx; i++)
        PQclear(c->ctx[i]);
    PQclear(c->rows);
    PQclear(c->pools);
    free(c->pool);
    free(c->before);
    free(c->after);
    free(c->detail);
    free(c->masks);
    free(c->reply);
    for (size_t i = 0; i < c->nkept; i++)
        free(c->kept[i]);
    free(c->kept);
    free(c->ids);
    free(c);
}

static void s_default_reply(leads_change_t *c)
{
    Crm__Leads__LeadsReply reply = CRM__LEADS__LEADS_REPLY__INIT;
    Crm__Leads__Lead **leads = crm_calloc(c->n, sizeof *leads);
    for (size_t i = 0; i < c->n; i++) {
        leads_change_mask(c, i);
        leads[i] = &c->after[i].lead;
    }
    reply.n_leads = c->n;
    reply.leads = leads;
    leads_change_respond(c, &reply.base);
    free(leads);
}

static void s_committed(void *arg, const crm_db_result_t *res)
{
    leads_change_t *c = arg;
    if (res->err) {
        crm_fail_db(c->call, res);
        s_free(c);
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        char key[32];
        leads_cache_key(c->ids[i], key);
        crm_cache_del(c->l->cache, key);
    }
    crm_rpc_reply_raw(c->call, c->reply, c->reply_len);
    crm_relay_kick(c->l->relay);
    s_free(c);
}

static void s_write(leads_change_t *c, crm_db_batch_t *b)
{
    const Crm__Caller *caller = leads_change_caller(c);
    for (size_t i = 0; i < c->n; i++) {
        c->cur = i;
        const Crm__Leads__Lead *before = &c->before[i];
        lead_row_t *row = &c->after[i];
        if (c->op->write)
            c->op->write(c, before, row, b);
        leads_store_save(b, row);
        lead_history_t h = {
            .lead_id = row->lead.id,
            .action = c->op->action,
            .actor_id = caller->user_id,
            .at_us = c->now,
            .from_owner_id = before->owner_id,
            .to_owner_id = row->lead.owner_id,
            .pool_id = row->lead.pool_id ? row->lead.pool_id : before->pool_id,
            .reason = c->reason,
            .detail = c->detail[i],
        };
        leads_store_history(b, &h);
        if (c->op->emit)
            c->op->emit(c, before, row, b);
        else
            leads_emit_changed(b, c->op->action, before, &row->lead, caller->user_id, c->reason,
                               NULL, 0);
    }
}

/* Index of id among the locked rows, or -1. */
static int s_find_row(const PGresult *r, int64_t id)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == id)
            return i;
    return -1;
}

/* Reads each requested lead and lets the action decide; 0, or -1 after the
 * call was answered. */
static int s_apply_all(leads_change_t *c)
{
    const Crm__Caller *caller = leads_change_caller(c);
    for (size_t i = 0; i < c->n; i++) {
        c->cur = i;
        int r = s_find_row(c->rows, c->ids[i]);
        if (r >= 0) {
            leads_store_row(c->rows, r, &c->after[i]);
            c->before[i] = c->after[i].lead;
        }
        const Crm__Leads__Lead *lead = &c->after[i].lead;
        if (r < 0)
            return leads_refuse(c, CRM__STATUS__NOT_FOUND, "not found");
        if (!(c->op->visible ? c->op->visible(c, lead)
                             : leads_can_see(caller, lead, leads_change_pool(c, lead->pool_id)))) {
            if (leads_in_team(caller, lead))
                return leads_refuse(c, CRM__STATUS__PERMISSION_DENIED,
                                    "team members read a lead and follow it up; this is for its"
                                    " owner's side");
            return leads_refuse(c, CRM__STATUS__NOT_FOUND, "not found");
        }
        c->after[i].lead.updated_at_us = c->now;
        if (c->op->apply(c, &c->after[i], &c->before[i]) < 0)
            return -1;
    }
    return 0;
}

static void s_locked(void *arg, const crm_db_result_t *res)
{
    leads_change_t *c = arg;
    if (res->err) {
        crm_db_tx_rollback(c->tx);
        crm_fail_db(c->call, res);
        s_free(c);
        return;
    }
    if (c->idem && crm_idem_replayed(c->call, res->results[1])) {
        crm_db_tx_rollback(c->tx); /* applied by an earlier attempt of this call */
        s_free(c);
        return;
    }
    size_t k = (size_t)c->idem;
    c->rows = PQcopyResult(res->results[k], PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    c->pools = PQcopyResult(res->results[k + 1], PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    c->pool = crm_calloc((size_t)PQntuples(c->pools) + 1, sizeof *c->pool);
    for (int i = 0; i < PQntuples(c->pools); i++)
        leads_pool_row(c->pools, i, &c->pool[i]);
    c->nctx = res->nresults - 2 - k;
    for (size_t i = 0; i < c->nctx; i++)
        c->ctx[i] = PQcopyResult(res->results[i + 2 + k], PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    c->now = crm_now_us();
    if (s_apply_all(c) < 0) {
        crm_db_tx_rollback(c->tx);
        s_free(c);
        return;
    }
    crm_db_batch_t *b = crm_db_batch_new();
    s_write(c, b);
    /* The reply is built now (after the rows are written: masking changes
     * them in memory) and stored with the change. */
    c->commit = b; /* leads_change_respond stores the reply with the change */
    if (c->op->reply)
        c->op->reply(c);
    else
        s_default_reply(c);
    c->commit = NULL;
    crm_db_tx_commit(c->tx, &b, s_committed, c);
}

static void s_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    leads_change_t *c = arg;
    if (!tx) {
        crm_fail_db(c->call, err);
        s_free(c);
        return;
    }
    c->tx = tx;
    char *ids = crm_db_i64_array(c->ids, c->n), target[24];
    const char *p[] = {ids, crm_i64(target, c->op->target_pool ? c->op->target_pool(c) : 0)};
    crm_db_batch_t *b = crm_db_batch_new();
    c->idem = crm_idem_lookup(b, c->call);
    crm_db_batch_add(b, "lead_lock_many", 1, p);
    crm_db_batch_add(b, "lead_pools_of_many", 2, p);
    free(ids);
    if (c->op->load)
        c->op->load(c, b);
    if (crm_db_batch_size(b) > (size_t)c->idem + 2 + sizeof c->ctx / sizeof c->ctx[0]) {
        crm_log(CRM_ERROR, "an action loads too much", "action", c->op->action, NULL);
        abort();
    }
    crm_db_tx_submit(tx, &b, s_locked, c);
}

void leads_change_run(leads_t *l, crm_rpc_call_t *call, const leads_op_t *op, const int64_t *ids,
                      size_t n, const char *reason, void *data)
{
    leads_change_t *c = crm_calloc(1, sizeof *c);
    c->l = l;
    c->call = call;
    c->op = op;
    c->data = data;
    c->reason = reason;
    c->n = n;
    c->ids = crm_malloc(n * sizeof *c->ids);
    memcpy(c->ids, ids, n * sizeof *ids);
    c->before = crm_calloc(n, sizeof *c->before);
    c->after = crm_calloc(n, sizeof *c->after);
    c->detail = crm_calloc(n, sizeof *c->detail);
    c->masks = crm_calloc(n, sizeof *c->masks);
    crm_db_begin(l->db, s_began, c);
}
