/* leads_events.c: the events the leads service emits, written into the
 * outbox of the transaction that makes the change, and what it consumes:
 * the scheduler's "leads.recycle" job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "leads.h"

#define RECYCLE_JOB "leads.recycle"

void leads_emit_created(crm_db_batch_t *b, Crm__Leads__Lead *lead)
{
    Crm__Events__LeadCreated ev = CRM__EVENTS__LEAD_CREATED__INIT;
    ev.lead = lead;
    char id[24];
    crm_outbox_add(b, "lead.created", crm_i64(id, lead->id), &ev.base);
}

void leads_emit_changed(crm_db_batch_t *b, const char *action, const Crm__Leads__Lead *before,
                        Crm__Leads__Lead *after, int64_t by, const char *reason,
                        char **changed, size_t nchanged)
{
    Crm__Events__LeadChanged ev = CRM__EVENTS__LEAD_CHANGED__INIT;
    ev.lead = after;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.from_owner_id = before->owner_id;
    ev.to_owner_id = after->owner_id;
    ev.pool_id = after->pool_id ? after->pool_id : before->pool_id;
    ev.from_status = before->status;
    ev.changed_fields = changed;
    ev.n_changed_fields = nchanged;
    char type[48], id[24];
    snprintf(type, sizeof type, "lead.%s", action);
    crm_outbox_add(b, type, crm_i64(id, after->id), &ev.base);
}

/* ---- scheduler: scheduler.fired "leads.recycle" → recycling ---------- */

static void s_recycled(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    crm_consumer_batch_t *batch = arg;
    if (err) {
        crm_log(CRM_WARN, "lead recycling failed; will retry", "error", err->message, NULL);
        crm_consumer_done(batch, NULL, 0);
        return;
    }
    char n[24];
    crm_log(CRM_INFO, "leads recycled", "count", crm_i64(n, count), NULL);
    crm_consumer_done(batch, &last, 1);
}

static int s_is_recycle_job(const Crm__Event *ev)
{
    if (strcmp(ev->type, "scheduler.fired") != 0)
        return 0;
    Crm__Events__SchedulerFired *f =
        crm__events__scheduler_fired__unpack(NULL, ev->payload.len, ev->payload.data);
    int yes = f && strcmp(f->job, RECYCLE_JOB) == 0;
    crm__events__scheduler_fired__free_unpacked(f, NULL);
    return yes;
}

static void s_apply_scheduler(void *arg, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                              crm_consumer_batch_t *batch)
{
    /* Several firings in one batch recycle once: the rule is a state. */
    for (size_t i = 0; i < n; i++) {
        if (s_is_recycle_job(events[i])) {
            leads_recycle(tx, s_recycled, batch);
            return;
        }
    }
    crm_consumer_done(batch, NULL, 1);
}

static void s_after_commit(void *arg)
{
    leads_t *l = arg;
    crm_relay_kick(l->relay);
}

static void s_stop(void *arg)
{
    leads_t *l = arg;
    crm_consumer_destroy(&l->from_scheduler);
}

void leads_events_start(leads_t *l)
{
    const crm_config_t *cfg = crm_service_config(l->svc);
    crm_consumer_opts_t o = {0};
    o.name = "leads";
    o.producer = "scheduler";
    o.pub_endpoints = crm_peer_pub("scheduler", "");
    o.rpc_endpoints = crm_peer_rpc("scheduler", "");
    o.conninfo = cfg->db_url;
    o.db = l->db;
    o.batch = cfg->consumer_batch;
    o.rpc_deadline_ms = (unsigned)cfg->rpc_deadline_ms;
    o.apply = s_apply_scheduler;
    o.arg = l;
    o.after_commit = s_after_commit;
    if (!*o.pub_endpoints || !*o.rpc_endpoints) {
        crm_log(CRM_WARN, "no scheduler configured: leads are not recycled automatically",
                NULL);
        return;
    }
    l->from_scheduler = crm_consumer_new(crm_service_loop(l->svc), crm_service_zctx(l->svc), &o);
    crm_service_on_stop(l->svc, s_stop, l);
}
