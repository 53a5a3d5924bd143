/* gateway_decode.h: an HTTP request into its method's request message
 * (see gateway_decode.c). */
#ifndef GATEWAY_DECODE_H
#define GATEWAY_DECODE_H

#include "gateway_call.h"

/* The request message of type d from c's body (or query string, or a
 * spreadsheet body already read: gateway_sheet.c) and path parameters. Caller owns it
 * (protobuf_c_message_free_unpacked). NULL after failing c with 400 and the field at fault. */
ProtobufCMessage *gw_decode(gw_call_t *c, const ProtobufCMessageDescriptor *d);

/* 1 if every {param} of pattern is a field of in (or a repeated
 * `<param>s`); 0 if not, or in is NULL. */
int gw_decode_params_known(const char *pattern, const ProtobufCMessageDescriptor *in);

#endif
