/* gateway_decode.h: an HTTP request into its method's request message
 * (see gateway_decode.c). */
#ifndef GATEWAY_DECODE_H
#define GATEWAY_DECODE_H

#include "gateway_call.h"

/* The request message of type d from c's body (or query string, or a
 * spreadsheet body already read: gateway_sheet.c) and path parameters. Caller owns it
 * (protobuf_c_message_free_unpacked). NULL after failing c with 400 and the field at fault. */
ProtobufCMessage *gw_decode(gw_call_t *c, const ProtobufCMessageDescriptor *d);

/* The value of query parameter name into out (cap bytes, NUL-terminated):
 * 1 if given, 0 if not; -1 after failing c with 400 naming it (given
 * twice, a NUL byte, or cap bytes or more). On an export route (GW_EXPORT)
 * gw_decode leaves the parameter `format` to this, and refuses limit,
 * cursor and total (the export sets them). */
int gw_decode_query_value(gw_call_t *c, const char *name, char *out, size_t cap);

/* 1 if every {param} of pattern is a field of in (or a repeated
 * `<param>s`); 0 if not, or in is NULL. */
int gw_decode_params_known(const char *pattern, const ProtobufCMessageDescriptor *in);

#endif
