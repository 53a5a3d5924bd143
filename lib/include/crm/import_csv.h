/* import_csv.h: the rows of an import chunk from CSV text (crm/import.h),
 * for any domain: a header naming the domain's columns (in Chinese or
 * English, any order, any subset, a required one), its mapping stored for
 * the later chunks (which carry no header), records read into the domain's
 * input struct by the columns' offsets, a list column split on ; ； ，,
 * all-empty records skipped, a record with another number of columns
 * marked. Pure: no database, no call. */
#ifndef CRM_IMPORT_CSV_H
#define CRM_IMPORT_CSV_H

#include <stddef.h>

/* A column's at when it is the list (tags). */
#define CRM_IMPORT_LIST ((size_t)-1)

/* A column a header may name. */
typedef struct {
    const char *key;          /* in the stored mapping; also accepted, any case */
    const char *name, *alias; /* the names people use (alias may be NULL) */
    size_t at; /* offsetof the `const char *` it fills in the domain's input, or CRM_IMPORT_LIST */
} crm_import_column_t;

/* A domain's CSV. */
typedef struct {
    const crm_import_column_t *columns; /* columns[0] is required */
    size_t n_columns;
    /* Names accepted and dropped ("" too, if listed); NULL: those every
     * spreadsheet may add (an empty name, "ID", "序号"). */
    const char *const *ignored;
    size_t n_ignored;
    size_t list_at, n_list_at; /* where the list goes: a `char *const *` and a `size_t` */
    const char *required;      /* how messages name columns[0]: "线索 (name)" */
    /* Optional: columns of which the header must name at least one besides
     * columns[0] (a contact's customer, by its name or its id): their
     * indices in columns, and how messages name them ("客户名称 (customer)
     * or 客户ID (customer_id)"). */
    const size_t *one_of;
    size_t n_one_of;
    const char *one_of_said;
    const char *doc; /* where the columns are listed: "docs/leads.md" */
} crm_import_format_t;

/* The storage the read values live in. */
typedef struct {
    void **blocks;
    size_t n;
} crm_import_text_t;

/* Frees what t holds; safe on a zeroed one. */
void crm_import_text_clear(crm_import_text_t *t);

/* Called for each record kept, in order: returns the domain's input struct
 * to fill (zeroed by the domain), or NULL when bad is set: the record has
 * another number of columns than the header (bad says so, with its line;
 * the row is invalid, field "csv"). */
typedef void *(*crm_import_record_fn)(void *arg, const char *bad);

/* Reads csv[0..len) (NUL-terminated; UTF-8 or refused) under the stored
 * mapping `stored` ("" when none yet: then the text starts with the header,
 * and *header gets its mapping to store; caller frees). A later chunk may
 * start with the header again (a spreadsheet cut in parts, an XLSX chunk):
 * a first record that maps as a header to the same columns in the same
 * order is skipped; one naming as many columns, others or in another
 * order, refuses the text. Values (trimmed) live in *text. Returns 0, or -1 with
 * msg saying what is wrong with the text as a whole (not UTF-8, a syntax
 * error and its line, an unknown or repeated column, no required column
 * or none of f->one_of, no header, a later header of other columns). */
int crm_import_csv(const crm_import_format_t *f, const char *csv, size_t len, const char *stored,
                   crm_import_text_t *text, char **header, crm_import_record_fn record, void *arg,
                   char *msg, size_t cap);

#endif
