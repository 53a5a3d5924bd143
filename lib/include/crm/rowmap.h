/* rowmap.h: rows of a query result into protobuf messages by column name:
 * each column fills the field of the same name (the message's descriptor,
 * by name), never by column number. A statement names its columns after
 * the message's fields ("crm_us(created_at) AS created_at_us"); a column
 * that names no field is left for its caller, a field no column names
 * keeps its default.
 *
 * Values are read as the statement asked for them. In text (libpq's
 * default): strings point into the result (valid while it lives), numbers
 * and enums (int64, int32, ...), bool ('t'), double; repeated strings from
 * text[] and repeated int64 from bigint[] are allocated (crm_rowmap_clear
 * frees them). In binary (crm_db_batch_binary): the same fields from
 * columns of the matching types (text, varchar, name, json into strings;
 * int2, int4, int8 into integers and enums; a timestamptz into an integer
 * as microseconds since the epoch; bool; float4, float8; text[] and
 * int2/4/8[] into repeated fields), parsed not at all. A NULL is the
 * field's default, an array's NULL element "" or 0.
 *
 *     crm_rowmap_t *m = crm_rowmap_new(&crm__leads__lead__descriptor, r, &err);
 *     for (int i = 0; i < PQntuples(r); i++) {
 *         crm__leads__lead__init(&lead[i]);
 *         crm_rowmap_fill(m, r, i, &lead[i].base);
 *     }
 *     ...
 *     crm_rowmap_clear(&lead[i].base);  (each)
 *     crm_rowmap_destroy(&m);
 *
 * A map costs a name lookup per column: make one per result, not per row.
 *
 * Times: a *_us field is filled from crm_us(t) in a text statement and
 * from t itself in a binary one (a timestamptz read as text is refused: it
 * is not a number). A column list that serves both names its times with a
 * macro parameter, given CRM_US_TEXT or CRM_US_BINARY:
 *
 *     #define LEAD_COLUMNS_AS(US) "id, name, " US("created_at", "created_at_us")
 *     #define LEAD_COLUMNS LEAD_COLUMNS_AS(CRM_US_TEXT) */
#ifndef CRM_ROWMAP_H
#define CRM_ROWMAP_H

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>

#include "err.h"

/* A time column named after its *_us field (see above). */
#define CRM_US_TEXT(col, name) "crm_us(" col ") AS " name
#define CRM_US_BINARY(col, name) col " AS " name

typedef struct crm_rowmap crm_rowmap_t;

/* Matches r's columns with d's fields. Caller owns it (crm_rowmap_destroy).
 * NULL, with *err (INTERNAL, the column as its field), if a column names a
 * field of a type it cannot fill (a message, bytes, a repeated field other
 * than string and int64), or a column cannot be read into its field (a
 * time in text into a number; in binary, a type other than the above). */
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
