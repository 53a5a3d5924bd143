/* leads_recycle.c: returns neglected leads to their pools (自动回收): an
 * owned lead of a pool whose rule says N days, with no follow-up (or, if
 * never followed up, not taken) for N days, goes back unowned. One
 * lead.recycled event and one history entry per lead, in pages inside one
 * transaction; their cached copies dropped once it commits. Fired by the
 * scheduler's "leads.recycle" job, or by Leads.Recycle. */
#include <stdio.h>
#include <stdlib.h>

#include "crm/outbox.h"
#include "crm/check.h"
#include "crm/job.h"
#include "crm/util.h"
#include "crm/scope.h"
#include "leads.h"

#define RECYCLE_PAGE 500

/* One page: lock due leads after the last page's last id ($2; NULL on the
 * first: crm_tx_pages_after, so a page does not visit again the leads the
 * earlier ones moved), skipping those a user is changing right now (the
 * next run takes them), move them, write their history. Returns the leads
 * as now stored, in id order, then the rule and the last activity. */
#define RECYCLE_PAGE_SQL                                                                           \
    "WITH due AS (SELECT l.id AS due_id, l.owner_id AS old_owner, l.status AS old_status,"         \
    "   p.recycle_days, " LEADS_LAST_ACT " AS last_act"                                            \
    "   FROM leads l JOIN lead_pools p ON p.id = l.pool_id"                                        \
    "  WHERE p.recycle_days > 0 AND l.owner_id <> 0 AND l.status IN (2, 3)"                        \
    "    AND l.deleted_at IS NULL AND " LEADS_RECYCLE_AT " < now()"                                \
    "    AND ($2::bigint IS NULL OR l.id > $2::bigint)"                                            \
    "  ORDER BY l.id LIMIT $1::int FOR UPDATE OF l),"                                              \
    " moved AS (UPDATE leads SET previous_owner_id = owner_id, owner_id = 0, status = 1,"          \
    "   owner_since = NULL, pooled_at = now(), updated_at = now()"                                 \
    "   FROM due WHERE leads.id = due.due_id"                                                      \
    "   RETURNING " LEAD_COLUMNS                                                                   \
    ", due.recycle_days, crm_us(due.last_act) AS last_activity_at_us, due.old_status),"            \
    " hist AS (INSERT INTO lead_history (lead_id, action, from_owner_id, pool_id, reason, detail)" \
    "   SELECT id, 'recycled', previous_owner_id, pool_id,"                                        \
    "          'no follow-up for ' || recycle_days || ' days',"                                    \
    "          jsonb_build_object('changes', jsonb_build_array(jsonb_build_object('field',"        \
    "          'owner_id', 'old', previous_owner_id, 'new', 0), jsonb_build_object('field',"       \
    "          'status', 'old', CASE old_status WHEN 2 THEN 'pending' ELSE 'following' END,"       \
    "          'new', 'unassigned')))::text FROM moved)"                                           \
    " SELECT * FROM moved ORDER BY id"

/* One lead.recycled per lead of the page; its cached copy (an owned
 * lead, answered from the cache as its old owner's) dropped after the
 * commit. arg: the job's run. */
static void s_emit(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    int days = PQfnumber(rows, "recycle_days"), last = PQfnumber(rows, "last_activity_at_us");
    crm_outbox_many_t *m = crm_outbox_many_begin(b, "lead.recycled");
    for (int i = 0; i < PQntuples(rows); i++) {
        lead_row_t row;
        leads_store_row(rows, i, &row);
        Crm__Events__LeadRecycled ev = CRM__EVENTS__LEAD_RECYCLED__INIT;
        ev.lead = &row.lead;
        ev.previous_owner_id = row.lead.previous_owner_id;
        ev.pool_id = row.lead.pool_id;
        ev.recycle_days = (int32_t)crm_db_get_i64(rows, i, days);
        ev.last_activity_at_us = crm_db_get_i64(rows, i, last);
        char id[24], key[32];
        crm_outbox_many_put(m, crm_i64(id, row.lead.id), &ev.base);
        leads_cache_key(row.lead.id, key);
        crm_job_uncache(arg, key);
        leads_row_clear(&row);
    }
    crm_outbox_many_end(&m);
}

void leads_recycle(void *arg, crm_job_run_t *run)
{
    (void)arg;
    static const char *const after[] = {"id"};
    crm_tx_pages_after(crm_job_tx(run), RECYCLE_PAGE_SQL, 0, NULL, RECYCLE_PAGE, after, 1, s_emit,
                       crm_job_end, run);
}

/* ---- Leads.Recycle: the same, now, for admins ------------------------- */

static void s_recycle_reply(crm_txn_t *t, int64_t count)
{
    Crm__Leads__RecycleLeadsReply reply = CRM__LEADS__RECYCLE_LEADS_REPLY__INIT;
    reply.recycled = count;
    crm_txn_reply(t, &reply.base);
}

static void s_recycle(crm_rpc_call_t *call, const Crm__Leads__RecycleLeadsRequest *req, void *arg)
{
    if (!crm_scope_all(crm_rpc_call_caller(call))) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL,
                     "only admins may run the recycle rules");
        return;
    }
    leads_t *l = arg;
    crm_job_run_now(&l->env, call, leads_recycle, NULL, s_recycle_reply);
}

void leads_recycle_handlers(leads_handlers_t *h)
{
    h->recycle = s_recycle;
}
