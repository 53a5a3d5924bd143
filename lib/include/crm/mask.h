/* mask.h: the field mask of an update: the fields a caller changes, by
 * their request field names. Every update RPC (a lead, a pool, a user, a
 * department) takes `repeated string update_mask` beside the fields: a
 * named field takes the request's value (its default, "" or 0 or empty,
 * clears it), an unnamed one stays as stored. The gateway makes the mask
 * from the keys of a JSON merge patch (RFC 7396; docs/api.md), so every
 * resource is patched the same way. A service applies the mask in its
 * UPDATE with `CASE WHEN '<field>' = ANY($n::text[]) THEN $v ELSE <column>
 * END` (crm_mask_param gives $n's value), or field by field with
 * crm_mask_has. */
#ifndef CRM_MASK_H
#define CRM_MASK_H

#include <stddef.h>

#include "err.h"

/* Does the mask (n names) name field? */
int crm_mask_has(char *const *mask, size_t n, const char *field);

/* Checks a mask against the fields an update may change (editable, ended
 * by NULL): at least one name, each editable, none twice. 0, or -1 with
 * *err set (invalid_argument, field "update_mask", the name in words). */
int crm_mask_check(char *const *mask, size_t n, const char *const *editable, crm_err_t *err);

/* The mask as a text[] literal for the UPDATE's parameter (caller frees). */
char *crm_mask_param(char *const *mask, size_t n);

#endif
