/* pbjson.h: protobuf-c messages to and from JSON, by their descriptors.
 *
 * Two forms. The proto form (flags 0): field names are the proto names;
 * 64-bit integers are JSON numbers; enums are their proto value names
 * (numbers are accepted on input); bytes are base64; repeated fields are
 * arrays. It is what the suite's RPC tests speak.
 *
 * The wire form (CRM_PBJSON_WIRE), the HTTP contract (docs/api.md) that
 * the gateway, crmctl and events as JSON speak, differs in three things,
 * each derived from the descriptors (pbjson_wire.c):
 *   - enums are short lower-case words both ways (LEAD_STATUS_PENDING is
 *     "pending": the name without the prefix all the enum's values share);
 *     a *_UNSPECIFIED zero is left out, and neither it, proto names nor
 *     numbers are accepted on input;
 *   - an int64 field "<x>_us" (an instant in microseconds) is "<x>", an RFC
 *     3339 string with the offset of the local time zone (the business
 *     time zone, CRM_TZ): "2026-01-02T11:04:05.000006+08:00"; left out
 *     while 0; "<x>_us" itself is not a key;
 *   - a string field "<x>_json" (a JSON document) is "<x>", the document
 *     itself; left out while empty; any JSON value on input.
 *
 * Unknown fields and wrong types are errors that name the field (in the
 * form's names), so the gateway and crmctl can report them. Messages speak
 * of JSON fields and values, never of proto type names. */
#ifndef CRM_PBJSON_H
#define CRM_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#define CRM_PBJSON_WIRE 0x1

/* A new JSON object for msg in the proto form / the form of flags (caller
 * owns the reference). */
json_t *crm_pb_to_json(const ProtobufCMessage *msg);
json_t *crm_pb_to_json_as(const ProtobufCMessage *msg, unsigned flags);

/* The same document as compact JSON text, written without building JSON
 * values (for hot paths). Returns a NUL-terminated string (caller frees);
 * its length in *len (may be NULL). */
char *crm_pb_to_json_text(const ProtobufCMessage *msg, unsigned flags, size_t *len);

/* Members a writer adds after int64 fields (the gateway's names beside
 * people's ids). key gives, for field f of a message of type d, the key of
 * the member to add after it, or NULL for none; value the string for one
 * id: NULL leaves a single field's member out, and stands as "" in a
 * repeated field's list. */
typedef struct {
    const char *(*key)(void *arg, const ProtobufCMessageDescriptor *d,
                       const ProtobufCFieldDescriptor *f);
    const char *(*value)(void *arg, int64_t id);
    void *arg;
} crm_pb_extra_t;

/* crm_pb_to_json_text with extra's members (extra may be NULL). */
char *crm_pb_to_json_text_extra(const ProtobufCMessage *msg, unsigned flags,
                                const crm_pb_extra_t *extra, size_t *len);

/* The field of desc that key names in the wire form ("created_at" names
 * created_at_us), or NULL. */
const ProtobufCFieldDescriptor *crm_pb_wire_field(const ProtobufCMessageDescriptor *desc,
                                                  const char *key);

/* Builds a message of type desc from obj, in the proto form / the form of
 * flags. In the proto form an int64 field "<x>_us" may also be given as
 * "<x>", a string in RFC 3339 with its offset. Returns the message (caller
 * frees with protobuf_c_message_free_unpacked(m, NULL)), or NULL with a
 * message and the dotted path of the field at fault, in the form's names
 * ("items[2].next_followup_at"), written to err/field (each malloc'd,
 * caller frees; may be NULL). */
ProtobufCMessage *crm_pb_from_json(const ProtobufCMessageDescriptor *desc, json_t *obj, char **err,
                                   char **field);
ProtobufCMessage *crm_pb_from_json_as(const ProtobufCMessageDescriptor *desc, json_t *obj,
                                      unsigned flags, char **err, char **field);

/* A fault of crm_pb_from_json_all: the dotted path and the message. */
typedef struct {
    char *field;
    char *message;
} crm_pb_fault_t;

/* The same, going on after a fault to report every field at fault (up to
 * 20; one per array, the first of its elements): the message, or NULL
 * with the faults in *faults (*nfaults of them; at least one). Free them
 * with crm_pb_faults_free, also when there are none. */
ProtobufCMessage *crm_pb_from_json_all(const ProtobufCMessageDescriptor *desc, json_t *obj,
                                       unsigned flags, crm_pb_fault_t **faults, size_t *nfaults);
void crm_pb_faults_free(crm_pb_fault_t *faults, size_t n);

#endif
