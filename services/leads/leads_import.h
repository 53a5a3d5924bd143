/* leads_import.h: what the import's files share (导入): the rows of one
 * chunk read from the request's rows or from CSV text and checked
 * (leads_import_rows.c, pure), and the SQL of a chunk (leads_import_store.c).
 * The RPCs are in leads_import.c, on the kit's pipeline (crm/import.h); the
 * format and protocol in docs/leads.md. */
#ifndef LEADS_IMPORT_H
#define LEADS_IMPORT_H

#include "crm/import.h"
#include "crm/import_csv.h"
#include "crm/options.h"
#include "leads.h"

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
    size_t cap;
    char *header;           /* the column mapping to store, when this chunk's
                             * CSV carried the header; else NULL */
    crm_import_text_t text; /* what the CSV's values point into */
} import_rows_t;

/* The rows of a request (their strings stay the request's). */
void leads_import_from_rows(Crm__Leads__ImportRow *const *rows, size_t n, import_rows_t *out);

/* The rows of CSV text (crm_import_csv with the lead columns of
 * docs/leads.md): csv[0..len), NUL-terminated, under header, the stored
 * column mapping of the import ("" when none yet: then the text starts
 * with the header, whose mapping is left in out->header). A record with
 * another number of columns than the header is an invalid row (field
 * "csv"). Returns 0, or -1 with msg saying what is wrong with the text as
 * a whole. */
int leads_import_from_csv(const char *csv, size_t len, const char *header, import_rows_t *out,
                          char *msg, size_t cap);

/* Frees what out holds (not out itself); safe on a zeroed one. */
void leads_import_rows_clear(import_rows_t *out);

/* Checks every row (leads_validate, the configured lists) and, unless
 * allow_duplicates, marks the rows whose mobile an earlier valid row of the
 * chunk has (dup_row) and returns the distinct mobiles of the valid rows,
 * sorted (crm_import_dedup: *n of them; caller frees the array, not the
 * strings, which are the rows'). */
const char **leads_import_check(import_rows_t *rows, const crm_options_t *opts,
                                int allow_duplicates, size_t *n);

/* ---- leads_import_store.c: the SQL of an import ---- */

/* Registers the import's statements on db: the kit's (crm/import.h, on
 * lead_imports and lead_import_chunks) and the leads' own
 * (leads_import_store.c). Defined in leads_import.c. */
void leads_import_prepare(crm_db_t *db);

/* The leads' own statements of a chunk: the configured lists
 * ("import_options"), the mobiles' locks ("import_mobile_locks") and the
 * leads that have them ("import_duplicates"), the inserts of the created
 * rows. */
void leads_import_store_prepare(crm_db_t *db);

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

/* ---- leads_probe.c: an import's masked probes (docs/leads.md) ---- */

/* Adds to an import chunk's round 2 the reads that tell which of its
 * mobiles (a text array) are masked probes for the caller: its probes
 * serialised until commit, today's count, and for each mobile of a masked
 * lead's form the first such lead and those with the mobile itself.
 * Nothing for callers who see every contact (admins). */
void leads_probe_read_mobiles(crm_txn_t *t, const char *mobiles);
/* The import's screen (crm/import.h kind->screen) of the rows v (one per
 * row of rows, whose msg holds the messages): in order, each first row of
 * its mobile that is a masked probe costs one of the caller's probes of the
 * day, and its duplicate, when the lead is masked to the caller, is left
 * unnamed (the pool and the masked number said); once today's are used,
 * such a row is held back, invalid on its mobile, whatever its number. Adds
 * the cost to the writes. Returns 0. */
int leads_probe_screen(crm_txn_t *t, crm_import_row_t *v, import_rows_t *rows);

#endif
