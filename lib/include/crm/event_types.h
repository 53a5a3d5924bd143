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

/* 1 if type is the suite's own plumbing, not a business fact: a timer's
 * due time published (timer.*), a job fired or run (scheduler.*,
 * job.*). An integrator's "every event" leaves them out; naming them
 * ("timer.*") still reaches them. */
int crm_event_internal(const char *type);

/* A new JSON object for ev (caller owns the reference): the envelope's
 * fields, with "payload" decoded into an object when the type is known and
 * the payload decodes; otherwise "payload" stays base64 (and, for a known
 * type that does not decode, "payload_error" says so). */
json_t *crm_event_to_json(const Crm__Event *ev);

/* ev as a CloudEvents 1.0 JSON object, the shape integrators receive it in
 * (webhooks, the SSE stream): specversion, id (the event's id), source
 * ("crm/<producer>"), type, time (RFC 3339 in the business time zone),
 * datacontenttype and data (borrowed: the payload in the API's wire form,
 * e.g. crm_pb_to_json_as(payload, CRM_PBJSON_WIRE); NULL: null). A new
 * reference for the caller. */
json_t *crm_cloudevent(const Crm__Event *ev, json_t *data);

#endif
