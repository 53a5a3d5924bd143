/* history.h: what a history entry says changed, for every domain: each
 * field of a record that differs before and after, with both values as the
 * HTTP wire shows them (words for enums, RFC 3339 for instants):
 *
 *     {"changes": [{"field": "remark", "old": "a", "new": "b"}], ...}
 *
 * A domain names the fields its entries leave out (bookkeeping that moves
 * with every change); every other field is followed, a new one included. */
#ifndef CRM_HISTORY_H
#define CRM_HISTORY_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* The fields of a record a history entry does not follow (wire names,
 * NULL-ended). */
typedef const char *const crm_history_skip_t[];

/* The detail of an entry: op_detail (a JSON object, or NULL) with
 * "changes", each followed field that differs between before and after (two
 * messages of one type). NULL when both are empty; caller frees. */
char *crm_history_detail(const char *op_detail, const ProtobufCMessage *before,
                         const ProtobufCMessage *after, const char *const *skip);

/* The wire names of the followed fields that differ, at most max, into
 * out (allocated strings: free each). Returns how many. */
size_t crm_history_changed(const ProtobufCMessage *before, const ProtobufCMessage *after,
                           const char *const *skip, char **out, size_t max);

#endif
