/* event_types.c: which payload message an event type (the PUB topic)
 * carries, from the suite registry (crm/registry.h, generated from the
 * (crm.event) options of proto/events.proto), and events as JSON (the wire
 * form of crm/pbjson.h, as HTTP clients and crmctl read them). */
#include "crm/event_types.h"

#include <stdio.h>
#include <string.h>

#include "crm/pbjson.h"
#include "crm/registry.h"
#include "crm/rfc3339.h"

int crm_event_internal(const char *type)
{
    static const char *const prefixes[] = {"timer.", "scheduler.", "job."};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(type, prefixes[i], strlen(prefixes[i])))
            return 1;
    return 0;
}

const ProtobufCMessageDescriptor *crm_event_payload_type(const char *type)
{
    if (!type)
        return NULL;
    const crm_registry_t *suite = crm_registry_get();
    for (size_t i = 0; i < suite->n_events; i++)
        if (strcmp(suite->events[i].type, type) == 0)
            return suite->events[i].payload;
    return NULL;
}

json_t *crm_event_to_json(const Crm__Event *ev)
{
    json_t *obj = crm_pb_to_json_as(&ev->base, CRM_PBJSON_WIRE);
    const ProtobufCMessageDescriptor *desc = crm_event_payload_type(ev->type);
    if (!desc)
        return obj;
    static const uint8_t none[1];
    const uint8_t *data = ev->payload.len ? ev->payload.data : none;
    ProtobufCMessage *p = protobuf_c_message_unpack(desc, NULL, ev->payload.len, data);
    if (!p) {
        json_object_set_new(obj, "payload_error", json_string("not a valid payload of its type"));
        return obj;
    }
    json_object_set_new(obj, "payload", crm_pb_to_json_as(p, CRM_PBJSON_WIRE));
    protobuf_c_message_free_unpacked(p, NULL);
    return obj;
}

json_t *crm_cloudevent(const Crm__Event *ev, json_t *data)
{
    char at[CRM_RFC3339_MAX];
    if (crm_rfc3339_format(ev->occurred_at_us, at) < 0)
        snprintf(at, sizeof at, "1970-01-01T00:00:00Z");
    char source[160];
    snprintf(source, sizeof source, "crm/%s", ev->producer ? ev->producer : "");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "specversion", "1.0", "id",
                     ev->event_id ? ev->event_id : "", "source", source, "type",
                     ev->type ? ev->type : "", "time", at, "datacontenttype", "application/json",
                     "data", data ? data : json_null());
}
