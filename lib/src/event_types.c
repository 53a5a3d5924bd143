/* event_types.c: which payload message an event type (the PUB topic)
 * carries, from the suite registry (crm/registry.h, generated from the
 * (crm.event) options of proto/events.proto), and events as JSON (the wire
 * form of crm/pbjson.h, as HTTP clients and crmctl read them). */
#include "crm/event_types.h"

#include <string.h>

#include "crm/pbjson.h"
#include "crm/registry.h"

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
