/* outbox_impl.h: what the outbox's files share (outbox.c writes events,
 * relay.c publishes them, retention.c prunes them, bus_serve.c serves
 * Bus.*); not a public face. */
#ifndef CRM_OUTBOX_IMPL_H
#define CRM_OUTBOX_IMPL_H

#include <stdint.h>

#include "bus.pb-c.h"
#include "crm/db.h"
#include "crm/outbox.h"

/* The columns both the relay and Replay read, in this order. */
#define EVENT_COLUMNS                                                                              \
    "seq, event_id::text, type, aggregate_id, payload,"                                            \
    " (extract(epoch FROM occurred_at) * 1000000)::bigint, COALESCE(trace_id, '')"

/* Builds an Event from row i of r (columns EVENT_COLUMNS). The strings and
 * payload point into r or into *payload_buf (caller frees). */
void crm_event_from_row(const PGresult *r, int i, const char *producer, Crm__Event *ev,
                        uint8_t **payload_buf);

/* ---- retention.c: which published events go ------------------------------ */
typedef struct crm_retention crm_retention_t;

/* Prunes the outbox of db (the active relay's session) by the rule of
 * outbox.h, when due; call often, while holding the relay lease. */
crm_retention_t *crm_retention_new(crm_db_t *db, const char *producer);
void crm_retention_tick(crm_retention_t *rt);
/* The "retention" check: degraded while a registered consumer holds events
 * past CRM_OUTBOX_KEEP_HOURS, or was passed by the ceiling. */
void crm_retention_report(const crm_retention_t *rt, crm_retention_report_t *out);
/* Frees once no prune is in flight (its callback runs when db is
 * destroyed). Safe on NULL. */
void crm_retention_destroy(crm_retention_t **rt_p);

#endif
