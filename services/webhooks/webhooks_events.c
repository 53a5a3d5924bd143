/* webhooks_events.c: the consumer of every producer of the suite registry
 * (each other domain whose endpoints are set): each event is stored once,
 * rendered as a CloudEvents 1.0 JSON object, with one delivery per
 * matching subscription, in the transaction of the consumer's offset. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/config.h"
#include "crm/event_types.h"
#include "crm/log.h"
#include "crm/pbjson.h"
#include "crm/registry.h"
#include "crm/util.h"
#include "webhooks.h"

char *wh_cloudevent(const Crm__Event *ev, const ProtobufCMessage *payload, size_t *len)
{
    json_t *data = crm_pb_to_json_as(payload, CRM_PBJSON_WIRE);
    json_t *ce = crm_cloudevent(ev, data);
    json_decref(data);
    char *body = json_dumps(ce, JSON_COMPACT);
    json_decref(ce);
    if (len)
        *len = strlen(body);
    return body;
}

static int s_add_event(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                       crm_db_batch_t *b)
{
    char *body = wh_cloudevent(ev, payload, NULL);
    char seq[24];
    const char *p[] = {ev->producer, crm_i64(seq, (int64_t)ev->sequence), ev->event_id, ev->type,
                       body};
    crm_db_batch_add(b, "wh_event", 5, p);
    free(body);
    return 0;
}

/* One table for every producer: each event type of the registry (the
 * types of the other producers never arrive on a stream). */
void webhooks_events_start(webhooks_t *w)
{
    const crm_registry_t *r = crm_registry_get();
    crm_event_handler_t *h = crm_calloc(r->n_events + 1, sizeof *h);
    for (size_t i = 0; i < r->n_events; i++)
        h[i] = (crm_event_handler_t){r->events[i].type, r->events[i].payload, s_add_event};
    w->event_handlers = h;
    w->events = (crm_event_table_t){.handlers = h, .n = r->n_events};
    for (size_t i = 0; i < r->n_domains; i++) {
        const char *d = r->domains[i].name;
        if (strcmp(d, crm_service_config(w->svc)->service) != 0)
            crm_service_consume_events(w->svc, d, &w->events, w, 0);
    }
}
