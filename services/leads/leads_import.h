/* leads_import.h: what the import's files share (导入): the rows of one
 * chunk read from the request's rows or from CSV text and checked
 * (leads_import_rows.c, pure), and the SQL of a chunk (leads_import_store.c).
 * The RPCs are in leads_import.c; the format and protocol in docs/leads.md. */
#ifndef LEADS_IMPORT_H
#define LEADS_IMPORT_H

#include "leads.h"

#define IMPORT_MAX_ROWS 5000         /* rows per chunk */
#define IMPORT_MAX_CSV (1024 * 1024) /* bytes of CSV per chunk */

/* ---- leads_import_rows.c: a chunk's rows (pure) ---- */

/* One row of a chunk and what became of it. */
typedef struct {
    lead_input_t in;      /* as typed; strings owned by the import_rows_t */
    lead_norm_t norm;     /* normalised phones, once checked */
    const char *field;    /* invalid: the field at fault (NULL: valid) */
    char msg[192];        /* invalid: why */
    size_t dup_row;       /* duplicate of row dup_row - 1 of this chunk (0: none) */
    int64_t duplicate_of; /* duplicate of this existing lead */
    int64_t lead_id;      /* created as this lead */
} import_row_t;

/* The rows of one chunk, and the storage they point into. */
typedef struct {
    import_row_t *rows;
    size_t n;
    char *header;  /* the column mapping to store, when this chunk's CSV
                    * carried the header; else NULL */
    void **blocks; /* storage */
    size_t nblocks;
} import_rows_t;

/* The rows of a request (their strings stay the request's). */
void leads_import_from_rows(Crm__Leads__ImportRow *const *rows, size_t n, import_rows_t *out);

/* The rows of CSV text (csv[0..len), NUL-terminated: UTF-8 or refused).
 * header is the stored column mapping of the import
 * ("" when none yet: then the text starts with the header, whose mapping is
 * left in out->header). A record with another number of columns than the
 * header is an invalid row (field "csv"); records whose fields are all
 * empty are skipped. Returns 0, or -1 with msg saying what is wrong with
 * the text as a whole (a syntax error and its line, an unknown column). */
int leads_import_from_csv(const char *csv, size_t len, const char *header, import_rows_t *out,
                          char *msg, size_t cap);

/* Frees what out holds (not out itself); safe on a zeroed one. */
void leads_import_rows_clear(import_rows_t *out);

/* The configured lists (数据字典) a row's level, industry and source must be
 * in; the strings are the caller's. */
typedef struct {
    const char **levels, **industries, **sources;
    size_t n_levels, n_industries, n_sources;
} import_options_t;

/* Checks every row (leads_validate, the lists) and marks the rows whose
 * mobile an earlier valid row of the chunk has (dup_row). Unless
 * allow_duplicates, returns the distinct mobiles of the valid rows, sorted
 * (*n of them; caller frees the array, not the strings, which are the
 * rows'). */
const char **leads_import_check(import_rows_t *rows, const import_options_t *opts,
                                int allow_duplicates, size_t *n);

/* ---- leads_import_store.c: the SQL of an import ---- */

/* The columns of lead_imports, in the order leads_import_row reads. */
#define IMPORT_COLUMNS                                                                             \
    "id, target_pool_id, target_owner_id, target_department_id, allow_duplicates, file_name,"      \
    " expected_rows, rows, created, duplicates, invalid, chunks, done, csv_header, created_by,"    \
    " crm_us(created_at), crm_us(updated_at), cancelled"

/* Registers the import's statements on db. */
void leads_import_prepare(crm_db_t *db);

/* Fills imp (its target in *target) from row i of r; *csv_header points
 * into r. */
void leads_import_row(const PGresult *r, int i, Crm__Leads__Import *imp,
                      Crm__Leads__ImportTarget *target, const char **csv_header);

/* What every lead of a chunk shares. */
typedef struct {
    int64_t import_id;
    int64_t owner_id, pool_id, department_id, creator_id;
    lead_status_t status;
    int64_t now_us;
} import_leads_t;

/* Adds to b the writes of the created rows: the leads (one INSERT), their
 * history (one INSERT) and their lead.created events. */
void leads_import_store_created(crm_db_batch_t *b, const import_rows_t *rows,
                                const import_leads_t *common);

#endif
