/* event_types.c: the table from event type (the PUB topic) to the payload
 * message of proto/events.proto, and events as JSON. A new event type is
 * one line here. */
#include "crm/event_types.h"

#include <string.h>

#include "crm/pbjson.h"
#include "events.pb-c.h"

static const struct {
    const char *type;
    const ProtobufCMessageDescriptor *desc;
} s_types[] = {
    {"lead.created", &crm__events__lead_created__descriptor},
    {"lead.converted", &crm__events__lead_converted__descriptor},
    {"lead.updated", &crm__events__lead_changed__descriptor},
    {"lead.transferred", &crm__events__lead_changed__descriptor},
    {"lead.pooled", &crm__events__lead_changed__descriptor},
    {"lead.claimed", &crm__events__lead_changed__descriptor},
    {"lead.assigned", &crm__events__lead_changed__descriptor},
    {"lead.invalidated", &crm__events__lead_changed__descriptor},
    {"lead.resumed", &crm__events__lead_changed__descriptor},
    {"lead.voided", &crm__events__lead_changed__descriptor},
    {"lead.restored", &crm__events__lead_changed__descriptor},
    {"lead.deleted", &crm__events__lead_changed__descriptor},
    {"lead.team_changed", &crm__events__lead_changed__descriptor},
    {"lead.followed_up", &crm__events__lead_followed_up__descriptor},
    {"lead.recycled", &crm__events__lead_recycled__descriptor},
    {"lead.reminder", &crm__events__lead_reminder__descriptor},
    {"lead.recycle_warning", &crm__events__lead_recycle_warning__descriptor},
    {"customer.created", &crm__events__customer_created__descriptor},
    {"customer.followed_up", &crm__events__customer_followed_up__descriptor},
    {"customer.recycled", &crm__events__customer_recycled__descriptor},
    {"scheduler.fired", &crm__events__scheduler_fired__descriptor},
};

const ProtobufCMessageDescriptor *crm_event_payload_type(const char *type)
{
    if (!type)
        return NULL;
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (strcmp(s_types[i].type, type) == 0)
            return s_types[i].desc;
    return NULL;
}

json_t *crm_event_to_json(const Crm__Event *ev)
{
    json_t *obj = crm_pb_to_json(&ev->base);
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
    json_object_set_new(obj, "payload", crm_pb_to_json(p));
    protobuf_c_message_free_unpacked(p, NULL);
    return obj;
}
