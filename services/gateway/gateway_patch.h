/* gateway_patch.h: a PATCH body as JSON merge patch (see gateway_patch.c). */
#ifndef GATEWAY_PATCH_H
#define GATEWAY_PATCH_H

#include <jansson.h>

#include "gateway_call.h"

/* 1 if c is a PATCH whose request (d) takes an update_mask. */
int gw_patch_applies(const gw_call_t *c, const ProtobufCMessageDescriptor *d);

/* Turns the merge patch obj into the request's JSON: every key present is
 * named in "update_mask", nulls are dropped (the field's default). 0, or
 * -1 after failing c (400 naming the key). */
int gw_patch_mask(gw_call_t *c, const ProtobufCMessageDescriptor *d, json_t *obj);

#endif
