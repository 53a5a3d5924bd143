/* table.h: messages as the rows of a table, in the wire form of the HTTP
 * contract (docs/api.md): what an export writes as CSV (crm/csv.h) or as a
 * spreadsheet. Pure: no I/O.
 *
 * The columns of a message type are its fields in proto order, each under
 * its wire key ("created_at" for created_at_us), and after an int64 field
 * the member the JSON writer's hook adds (crm_pb_extra_t: the gateway's
 * people's names, "owner_name" after "owner_id"). A cell says its field
 * as the JSON reply does:
 *   - a string as it is: CRM_CELL_TEXT, text people typed (a CSV writer
 *     guards it against formulas);
 *   - an integer, double or bool as one (CRM_CELL_INT, _DOUBLE, _BOOL);
 *   - an enum's word, an RFC 3339 instant, a JSON document (compact), a
 *     nested message (its JSON), bytes (base64): CRM_CELL_WORD, text the
 *     suite wrote;
 *   - what the JSON reply leaves out (an instant not set, an enum at
 *     *_UNSPECIFIED, an empty document or list) as CRM_CELL_EMPTY;
 *   - a repeated field as its values joined by ';' (tags "vip;重点", ids
 *     "3;4"; the separator lead imports split tags by): TEXT for strings
 *     and names, WORD otherwise.
 *
 *   crm_table_t *t = crm_table_new(&crm__leads__lead__descriptor, &names);
 *   crm_cells_t rows = {0};
 *   for (each lead)
 *       crm_table_row(t, &lead->base, &rows);
 *   ... crm_table_ncols(t), crm_table_column(t, i), rows.cells[r * ncols + i] ...
 *   crm_cells_free(&rows);
 *   crm_table_destroy(&t); */
#ifndef CRM_TABLE_H
#define CRM_TABLE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "pbjson.h"

typedef enum {
    CRM_CELL_EMPTY,
    CRM_CELL_TEXT, /* people's text: strings, names */
    CRM_CELL_WORD, /* the suite's text: words, instants, documents, lists of them */
    CRM_CELL_INT,
    CRM_CELL_DOUBLE,
    CRM_CELL_BOOL,
} crm_cell_kind_t;

/* One cell. TEXT and WORD: len bytes at the rows' text + off (UTF-8, a NUL
 * after them); INT and BOOL: i; DOUBLE: d. */
typedef struct {
    crm_cell_kind_t kind;
    size_t off, len;
    int64_t i;
    double d;
} crm_cell_t;

/* Rows of cells, one after another (n cells: n / ncols rows), and their
 * text. Zero-initialise; crm_cells_clear empties it for the next rows
 * (keeping the memory), crm_cells_free releases it. */
typedef struct {
    crm_cell_t *cells;
    size_t n, cap;
    char *text;
    size_t len, tcap;
} crm_cells_t;

typedef struct crm_table crm_table_t;

/* The table of messages of type d, with extra's members as columns (NULL:
 * none; extra->key is asked here, extra->value for each row). Caller owns
 * it; extra must outlive it. */
crm_table_t *crm_table_new(const ProtobufCMessageDescriptor *d, const crm_pb_extra_t *extra);
/* Safe on NULL; sets *t_p to NULL. */
void crm_table_destroy(crm_table_t **t_p);

/* The number of columns, and column i's name (its wire key). */
size_t crm_table_ncols(const crm_table_t *t);
const char *crm_table_column(const crm_table_t *t, size_t i);

/* Appends the cells of msg (of the table's type) to out as one row. */
void crm_table_row(const crm_table_t *t, const ProtobufCMessage *msg, crm_cells_t *out);

/* The text of a TEXT or WORD cell of c (len bytes). */
static inline const char *crm_cell_text(const crm_cells_t *c, const crm_cell_t *cell)
{
    return c->text + cell->off;
}

void crm_cells_clear(crm_cells_t *c);
void crm_cells_free(crm_cells_t *c);

#endif
