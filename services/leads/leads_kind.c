/* leads_kind.c: the lead as a record kind of the change engine
 * (crm/change.h): how leads are locked, read, checked, saved, announced,
 * cached and replied with. Every action on existing leads is an op run on
 * this kind (leads_actions.c, leads_rpc.c).
 *
 * Besides the leads, a change reads the pools they are in (and the pool an
 * op moves them to, read by the op as "target_pool"): the pools' rules
 * decide who may act, and their members see masked contacts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/scope.h"
#include "crm/util.h"
#include "leads.h"

/* The pools of the run, parsed. */
typedef struct {
    Crm__Leads__LeadPool *pools;
    size_t n;
} s_pools_t;

static void s_pools_free(void *arg)
{
    s_pools_t *p = arg;
    for (size_t i = 0; i < p->n; i++)
        leads_pool_clear(&p->pools[i]);
    free(p->pools);
    free(p);
}

static void s_read(crm_change_t *c)
{
    char *arr = crm_db_i64_array(crm_change_ids(c), crm_change_count(c));
    const char *p[] = {arr, "0"};
    crm_change_read(c, "pools", "lead_pools_of_many", 2, p);
    free(arr);
}

static void s_add_pools(s_pools_t *p, const PGresult *r)
{
    int n = PQntuples(r);
    p->pools = crm_realloc(p->pools, (p->n + (size_t)n + 1) * sizeof *p->pools);
    for (int i = 0; i < n; i++)
        leads_pool_row(r, i, &p->pools[p->n++]);
}

static void s_loaded(crm_change_t *c)
{
    s_pools_t *p = crm_calloc(1, sizeof *p);
    s_add_pools(p, crm_change_result(c, "pools"));
    if (crm_txn_has(crm_change_txn(c), "target_pool"))
        s_add_pools(p, crm_change_result(c, "target_pool"));
    crm_change_set_state(c, p, s_pools_free);
}

const Crm__Leads__LeadPool *leads_change_pool(const crm_change_t *c, int64_t pool_id)
{
    const s_pools_t *p = crm_change_state(c);
    for (size_t i = 0; pool_id && p && i < p->n; i++)
        if (p->pools[i].id == pool_id)
            return &p->pools[i];
    return NULL;
}

int leads_may_act_if(crm_change_t *c, const Crm__Leads__Lead *lead, int visible)
{
    if (visible)
        return 0;
    if (leads_in_team(crm_change_caller(c), lead))
        return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                                 "team members read a lead and follow it up; this is for its"
                                 " owner's side");
    return crm_change_refuse(c, CRM__STATUS__NOT_FOUND, NULL, "not found");
}

static int s_may_act(crm_change_t *c, const void *rec)
{
    const Crm__Leads__Lead *lead = &((const lead_row_t *)rec)->lead;
    return leads_may_act_if(
        c, lead, leads_can_see(crm_change_caller(c), lead, leads_change_pool(c, lead->pool_id)));
}

/* Moves row to the status act leads to, or refuses. */
int leads_move(crm_change_t *c, lead_row_t *row, lead_act_t act)
{
    const char *why;
    lead_status_t to =
        leads_next_status(act, row->lead.status, row->lead.last_followup_at_us != 0, &why);
    if (!to)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL, "%s", why);
    row->lead.status = to;
    return 0;
}

int leads_check_pool_admin(crm_change_t *c, const Crm__Leads__Lead *lead)
{
    if (lead->owner_id)
        return 0;
    const Crm__Leads__LeadPool *pool = leads_change_pool(c, lead->pool_id);
    const Crm__Caller *caller = crm_change_caller(c);
    if (pool ? leads_pool_is_admin(pool, caller)
             : crm_scope_all(caller) || caller->role == CRM__ROLE__ROLE_MANAGER)
        return 0;
    return crm_change_refuse(c, CRM__STATUS__PERMISSION_DENIED, NULL,
                             "only the admins of the lead's pool may do this");
}

static void s_decode(const PGresult *r, int row, void *rec)
{
    leads_store_row(r, row, rec);
}

static void s_clear(void *rec)
{
    leads_row_clear(rec);
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((lead_row_t *)rec)->lead.updated_at_us = crm_change_now(c);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const Crm__Leads__Lead *before = &((const lead_row_t *)prev)->lead;
    const lead_row_t *row = rec;
    leads_store_save(b, row);
    char *detail =
        leads_history_detail(crm_change_detail_of(c, crm_change_current(c)), before, &row->lead);
    lead_history_t h = {
        .lead_id = row->lead.id,
        .action = crm_change_op(c)->action,
        .actor_id = crm_change_caller(c)->user_id,
        .at_us = crm_change_now(c),
        .from_owner_id = before->owner_id,
        .to_owner_id = row->lead.owner_id,
        .pool_id = row->lead.pool_id ? row->lead.pool_id : before->pool_id,
        .reason = crm_change_reason(c),
        .detail = detail,
    };
    leads_store_history(b, &h);
    free(detail);
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    leads_emit_changed(b, crm_change_op(c)->action, &((const lead_row_t *)prev)->lead,
                       &((lead_row_t *)rec)->lead, crm_change_caller(c)->user_id,
                       crm_change_reason(c), NULL, 0);
}

void leads_change_mask(crm_change_t *c, size_t i)
{
    Crm__Leads__Lead *lead = &leads_row(c, i)->lead;
    if (leads_must_mask(crm_change_caller(c), lead, leads_change_pool(c, lead->pool_id)))
        leads_mask(lead, crm_change_keep(c, crm_malloc(sizeof(char[5][CRM_POOL_MASK_LEN]))));
}

/* The default reply: the changed leads, masked for the caller. */
static void s_reply(crm_change_t *c)
{
    size_t n = crm_change_count(c);
    Crm__Leads__LeadsReply reply = CRM__LEADS__LEADS_REPLY__INIT;
    Crm__Leads__Lead **leads = crm_calloc(n, sizeof *leads);
    for (size_t i = 0; i < n; i++) {
        leads_change_mask(c, i);
        leads[i] = &leads_row(c, i)->lead;
    }
    reply.n_leads = n;
    reply.leads = leads;
    crm_change_reply(c, &reply.base);
    free(leads);
}

void leads_cache_key(int64_t id, char out[32])
{
    snprintf(out, 32, "lead:%lld", (long long)id);
}

static void s_cache_key(int64_t id, char out[32])
{
    leads_cache_key(id, out);
}

const crm_change_kind_t leads_kind = {
    .noun = "lead",
    .lock = "lead_lock_many",
    .size = sizeof(lead_row_t),
    .decode = s_decode,
    .clear = s_clear,
    .read = s_read,
    .loaded = s_loaded,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = s_reply,
    .cache_key = s_cache_key,
};

void leads_change_run(leads_t *l, crm_rpc_call_t *call, const crm_change_op_t *op,
                      const int64_t *ids, size_t n, const char *reason, void *data)
{
    crm_change_run(&l->env, call, &leads_kind, op, ids, n, reason, data);
}
