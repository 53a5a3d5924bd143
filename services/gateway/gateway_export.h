/* gateway_export.h: GET <list>/export, a list as a CSV or XLSX file (see
 * gateway_export.c). */
#ifndef GATEWAY_EXPORT_H
#define GATEWAY_EXPORT_H

#include "gateway_call.h"

/* Answers c, a request of an export route (GW_EXPORT), with the file of
 * the list whose request *in_p is (taken, set to NULL): the list's reply
 * has type out; local: the gateway's own service serves the list. */
void gw_export_start(gw_call_t *c, ProtobufCMessage **in_p, const ProtobufCMessageDescriptor *out,
                     int local);

#endif
