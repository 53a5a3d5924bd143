/* pbjson.h: protobuf-c messages to and from JSON, by their descriptors.
 *
 * Field names are the proto names; 64-bit integers are JSON numbers; enums
 * are their proto value names (numbers are accepted on input); bytes are
 * base64; repeated fields are arrays. Unknown fields and wrong types are
 * errors that name the field, so the gateway and crmctl can report them. */
#ifndef CRM_PBJSON_H
#define CRM_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object for msg (caller owns the reference). */
json_t *crm_pb_to_json(const ProtobufCMessage *msg);

/* The same document as compact JSON text, written without building JSON
 * values (for hot paths). Returns a NUL-terminated string (caller frees);
 * its length in *len (may be NULL). flags: 0, or CRM_PBJSON_TIMES: each
 * non-zero int64 field "<x>_at_us" (an instant in microseconds) is followed
 * by "<x>_at", the same instant in RFC 3339 with the offset of the local
 * time zone ("2026-01-02T11:04:05.000006+08:00"), for people and HTTP
 * clients; not when the message has a field "<x>_at" of its own. */
#define CRM_PBJSON_TIMES 0x1
char *crm_pb_to_json_text(const ProtobufCMessage *msg, unsigned flags, size_t *len);

/* The int64 field "<key>_us" that key names as an RFC 3339 time (the alias
 * crm_pb_from_json accepts), or NULL. */
const ProtobufCFieldDescriptor *crm_pb_time_alias(const ProtobufCMessageDescriptor *desc,
                                                  const char *key);

/* Builds a message of type desc from obj. An int64 field "<x>_us" (an
 * instant in microseconds) may also be given as "<x>", a string in RFC 3339
 * with its offset ("2026-11-23T18:00:00+08:00"). Returns the message (caller frees
 * with protobuf_c_message_free_unpacked(m, NULL)), or NULL with a message
 * and the dotted path of the field at fault written to err/field (each
 * malloc'd, caller frees; may be NULL). */
ProtobufCMessage *crm_pb_from_json(const ProtobufCMessageDescriptor *desc, json_t *obj, char **err,
                                   char **field);

#endif
