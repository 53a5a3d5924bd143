/* event_types.h: which message each event type carries in Event.payload
 * (proto/events.proto), for tools and the gateway that show events as JSON.
 * The table is the suite registry's (crm/registry.h): empty until
 * crm_registry_set. */
#ifndef CRM_EVENT_TYPES_H
#define CRM_EVENT_TYPES_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "bus.pb-c.h"

/* The payload message of event type ("lead.created" gives
 * crm.events.LeadCreated), or NULL if the type is unknown. */
const ProtobufCMessageDescriptor *crm_event_payload_type(const char *type);

/* A new JSON object for ev (caller owns the reference): the envelope's
 * fields, with "payload" decoded into an object when the type is known and
 * the payload decodes; otherwise "payload" stays base64 (and, for a known
 * type that does not decode, "payload_error" says so). */
json_t *crm_event_to_json(const Crm__Event *ev);

#endif
