/* rowmap.h: rows of a query result into protobuf messages by column name:
 * each column fills the field of the same name (PQfnumber against the
 * message's descriptor), never by column number. A statement names its
 * columns after the message's fields ("crm_us(created_at) AS
 * created_at_us"); a column that names no field is left for its caller,
 * a field no column names keeps its default.
 *
 * Values are read as text (libpq's default format): strings point into the
 * result (valid while it lives), numbers and enums (int64, int32, ...),
 * bool ('t'), double; repeated strings from text[] and repeated int64 from
 * bigint[] are allocated (crm_rowmap_clear frees them). A NULL is the
 * field's default.
 *
 *     crm_rowmap_t *m = crm_rowmap_new(&crm__leads__lead__descriptor, r, &err);
 *     for (int i = 0; i < PQntuples(r); i++) {
 *         crm__leads__lead__init(&lead[i]);
 *         crm_rowmap_fill(m, r, i, &lead[i].base);
 *     }
 *     ...
 *     crm_rowmap_clear(&lead[i].base);  (each)
 *     crm_rowmap_destroy(&m); */
#ifndef CRM_ROWMAP_H
#define CRM_ROWMAP_H

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>

#include "err.h"

typedef struct crm_rowmap crm_rowmap_t;

/* Matches r's columns with d's fields. Caller owns it (crm_rowmap_destroy).
 * NULL, with *err (INTERNAL, the column as its field), if a column names a
 * field of a type it cannot fill (a message, bytes, a repeated field other
 * than string and int64). */
crm_rowmap_t *crm_rowmap_new(const ProtobufCMessageDescriptor *d, const PGresult *r,
                             crm_err_t *err);

/* Frees m; safe on NULL; sets *m_p to NULL. */
void crm_rowmap_destroy(crm_rowmap_t **m_p);

/* Fills msg (of m's descriptor, initialised by the caller) from row `row`
 * of r, the result m was made for (or one with the same columns). */
void crm_rowmap_fill(const crm_rowmap_t *m, const PGresult *r, int row, ProtobufCMessage *msg);

/* How many of r's columns fill a field. */
int crm_rowmap_columns(const crm_rowmap_t *m);

/* One row without keeping a map (a single record): 0, or -1 with *err as
 * crm_rowmap_new. */
int crm_row_to_message(const PGresult *r, int row, ProtobufCMessage *msg, crm_err_t *err);

/* A list reply's items: sets list's repeated message field `items` to
 * rows [0, n) of r, each mapped into a new message of the field's type.
 * Returns 0, or -1 with *err as crm_rowmap_new. Free with
 * crm_rowmap_items_clear. */
int crm_rowmap_items(ProtobufCMessage *list, const char *items, const PGresult *r, size_t n,
                     crm_err_t *err);
void crm_rowmap_items_clear(ProtobufCMessage *list, const char *items);

/* Frees the repeated fields of msg (not its nested messages) and empties
 * them: what crm_rowmap_fill allocated. */
void crm_rowmap_clear(ProtobufCMessage *msg);

#endif
