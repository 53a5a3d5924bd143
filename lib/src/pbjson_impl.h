/* pbjson_impl.h: what the halves of pbjson share (pbjson.c: base64 and
 * field helpers; pbjson_out.c: messages to JSON; pbjson_in.c: JSON to
 * messages). Not part of lib's public face. */
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

#endif
