/* notify_impl.h: what the notification files share (not a public face;
 * see notify.h). */
#ifndef GW_NOTIFY_IMPL_H
#define GW_NOTIFY_IMPL_H

#include <jansson.h>

#include "crm/event_types.h"
#include "crm/txn.h"
#include "gateway.glue.h"
#include "notify.h"

struct gw_notify {
    crm_service_t *svc;
    crm_db_t *db;
    crm_txn_env_t env; /* where MarkRead writes */
    notifications_handlers_t handlers;
};

/* notify_store.c: the statements of the handlers (on db) and of the
 * consumers (on the service's own pool). */
void ntf_store_prepare(crm_db_t *db);
void ntf_store_prepare_consumer(crm_db_t *db);

/* notify_feed.c: the stream's feed rows ev (as JSON j) makes, added to b
 * after the feed's lock (taken once per transaction: *locked). */
void ntf_feed_prepare(crm_db_t *db);
void ntf_feed_add(crm_db_batch_t *b, const Crm__Event *ev, json_t *j, int *locked);
/* The feed's lock, added to b once per transaction (*locked): taken before
 * any feed row, and before any row two consumers may both write (a
 * digest), so the consumers always lock in one order. */
void ntf_feed_lock(crm_db_batch_t *b, int *locked);
/* A feed row's event: ev with payload as the stream sends it (a CloudEvent).
 * Caller frees. */
char *ntf_feed_text(const Crm__Event *ev, json_t *payload);

/* notify_digest.c: lead.digest and customer.digest (ev as JSON j) merged
 * into their user's notification of the day, added to b after the feed's
 * lock; other events: nothing. */
void ntf_digest_prepare(crm_db_t *db);
void ntf_digest_add(crm_db_batch_t *b, const Crm__Event *ev, json_t *j, int *locked);

/* notify_escalation.c: lead.reminder_escalated and
 * customer.reminder_escalated (ev as JSON j) as a notification and a feed
 * row of the manager of the owner's department (the nearest above, if
 * none), added to b after the feed's lock; other events: nothing. */
void ntf_escalation_prepare(crm_db_t *db);
void ntf_escalation_add(crm_db_batch_t *b, const Crm__Event *ev, json_t *j, int *locked);

/* notify_events.c: starts the consumers. */
void ntf_events_start(gw_notify_t *n);

/* notify_rpc.c: fills the handler table. */
void ntf_rpc_fill(notifications_handlers_t *h);

#endif
