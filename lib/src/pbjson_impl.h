/* pbjson_impl.h: what the parts of pbjson share (pbjson.c: base64 and
 * field helpers; pbjson_wire.c: the wire form's names; pbjson_out.c:
 * messages to JSON; pbjson_in.c: JSON to messages). Not part of lib's
 * public face. */
#ifndef CRM_PBJSON_IMPL_H
#define CRM_PBJSON_IMPL_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_DEPTH 64                        /* nested messages */
#define MAX_EXACT_DOUBLE 9007199254740992.0 /* 2^53 */

char *pbj_b64_encode(const uint8_t *in, size_t len);
int pbj_b64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len);
size_t pbj_elem_size(const ProtobufCFieldDescriptor *f);
int pbj_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f);

/* ---- the wire form (pbjson_wire.c) ---- */

/* How a field is said in the wire form. */
typedef enum {
    PBJ_PLAIN, /* by its name and type */
    PBJ_TIME,  /* "<x>_us" int64: "<x>", RFC 3339 */
    PBJ_JSON,  /* "<x>_json" string: "<x>", the JSON document itself */
} pbj_kind_t;

pbj_kind_t pbj_wire_kind(const ProtobufCFieldDescriptor *f);
/* f's key in the wire form (f->name, or its stem written into buf). */
const char *pbj_wire_key(const ProtobufCFieldDescriptor *f, char *buf, size_t cap);
/* The field the wire key names, or NULL ("created_at_us" names none). */
const ProtobufCFieldDescriptor *pbj_wire_field(const ProtobufCMessageDescriptor *d,
                                               const char *key);
/* ev's short word ("pending"), written into buf. */
const char *pbj_enum_word(const ProtobufCEnumDescriptor *ed, const ProtobufCEnumValue *ev,
                          char *buf, size_t cap);
/* The value of ed whose short word is word (never *_UNSPECIFIED), or NULL. */
const ProtobufCEnumValue *pbj_enum_by_word(const ProtobufCEnumDescriptor *ed, const char *word);
/* Whether ev is a *_UNSPECIFIED zero, which the wire form never says. */
int pbj_enum_unspecified(const ProtobufCEnumValue *ev);
/* The words of ed, "a, b, c", for messages. */
void pbj_enum_words(const ProtobufCEnumDescriptor *ed, char *buf, size_t cap);

#endif
