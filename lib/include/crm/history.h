/* history.h: what a history entry says changed, for every domain: each
 * field of a record that differs before and after, with both values as the
 * HTTP wire shows them (words for enums, RFC 3339 for instants):
 *
 *     {"changes": [{"field": "remark", "old": "a", "new": "b"}], ...}
 *
 * A domain names the fields its entries leave out (bookkeeping that moves
 * with every change); every other field is followed, a new one included.
 *
 * Every domain's history table has the same columns (kind, record_id,
 * action, actor_id, at, from_owner_id, to_owner_id, reason, detail: the
 * customers' customer_history, the sales service's sales_history), written
 * by crm_history_add with the domain's own INSERT. */
#ifndef CRM_HISTORY_H
#define CRM_HISTORY_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

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

/* One entry of a domain's history table. */
typedef struct {
    const char *kind; /* what the record is ("customer", "enterprise", "product") */
    int64_t record_id;
    const char *action; /* "created", "updated", "transferred", ... */
    int64_t actor_id;   /* who (0: the system) */
    int64_t at_us;
    int64_t from_owner_id, to_owner_id;
    const char *reason; /* NULL: none */
    const char *detail; /* a JSON object (crm_history_detail), or NULL */
} crm_history_entry_t;

/* Adds to b the INSERT of e by stmt, the domain's prepared statement taking
 * the nine columns in the order above ($1 text, $2 bigint, $3 text, $4
 * bigint, $5 microseconds, $6 and $7 bigint, $8 and $9 text). */
void crm_history_add(crm_db_batch_t *b, const char *stmt, const crm_history_entry_t *e);

#endif
