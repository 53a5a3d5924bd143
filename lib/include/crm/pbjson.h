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
 * its length in *len (may be NULL). */
char *crm_pb_to_json_text(const ProtobufCMessage *msg, size_t *len);

/* Builds a message of type desc from obj. Returns the message (caller frees
 * with protobuf_c_message_free_unpacked(m, NULL)), or NULL with a message
 * and the dotted path of the field at fault written to err/field (each
 * malloc'd, caller frees; may be NULL). */
ProtobufCMessage *crm_pb_from_json(const ProtobufCMessageDescriptor *desc, json_t *obj, char **err,
                                   char **field);

#endif
