/* customers_import.h: what the customer import's files share (导入): the
 * rows of one chunk read from the request's rows or from CSV text and
 * checked (customers_import_rows.c, pure), and the SQL of a chunk
 * (customers_import_store.c). The RPCs are in customers_import.c, on the
 * kit's pipeline (crm/import.h); the columns and the protocol in
 * docs/customers.md. */
#ifndef CUSTOMERS_IMPORT_H
#define CUSTOMERS_IMPORT_H

#include "crm/import.h"
#include "crm/import_csv.h"
#include "crm/options.h"
#include "customers.h"

/* The customer kind of import (customers_import.c). */
extern const crm_import_kind_t customers_import_kind;

/* ---- customers_import_rows.c: a chunk's rows (pure) ---- */

/* A row's typed fields as written: the customer's, its type in words, and
 * its first contact's. */
typedef struct {
    customer_input_t c;
    const char *type; /* CSV: 企业客户, 个人客户, company, individual ("": company) */
    const char *contact_name, *contact_mobile, *contact_title;
} import_input_t;

/* One row of a chunk and what became of it. */
typedef struct {
    import_input_t in;       /* as typed; strings owned by the import_rows_t */
    int type;                /* a CustomerType (rows: as given; CSV: from in.type) */
    customer_norm_t norm;    /* normalised phones, once checked */
    char contact_mobile[12]; /* the contact's mobile, normalised */
    char *key;               /* the dedup key: "m:<mobile>", else "n:<name>" (owned) */
    const char *field;       /* invalid: the field at fault (NULL: valid) */
    char msg[256];           /* invalid: why */
    size_t dup_row;          /* duplicate of row dup_row - 1 of this chunk (0: none) */
    int64_t id, contact_id;  /* created as this customer, with this contact */
} import_row_t;

/* The rows of one chunk, and the storage they point into. */
typedef struct {
    import_row_t *rows;
    size_t n, cap;
    char *header;           /* the column mapping to store, when this chunk's CSV carried it */
    crm_import_text_t text; /* what the CSV's values point into */
} import_rows_t;

/* The rows of a request (their strings stay the request's). */
void customers_import_from_rows(Crm__Customers__CustomerImportRow *const *rows, size_t n,
                                import_rows_t *out);

/* The rows of CSV text (crm_import_csv with the customer columns of
 * docs/customers.md): csv[0..len), NUL-terminated, under header, the
 * import's stored column mapping ("" before the first chunk: then the text
 * starts with the header, whose mapping is left in out->header). A record
 * with another number of columns than the header is an invalid row (field
 * "csv"). Returns 0, or -1 with msg saying what is wrong with the text as
 * a whole. */
int customers_import_from_csv(const char *csv, size_t len, const char *header, import_rows_t *out,
                              char *msg, size_t cap);

/* Frees what out holds (not out itself); safe on a zeroed one. */
void customers_import_rows_clear(import_rows_t *out);

/* Checks every row (customers_validate, the type, the contact, the
 * configured lists: a row's first field at fault), gives each valid row its
 * key and, unless allow_duplicates, marks the rows that repeat an earlier
 * valid row of the chunk (dup_row): the same mobile, or for a row without
 * a mobile the same name (any ASCII case, spaces around). Returns the
 * distinct keys of the rows not so marked, sorted (*n of them; caller
 * frees the array, not the strings, which are the rows'); NULL with *n 0
 * when duplicates are allowed. */
const char **customers_import_check(import_rows_t *rows, const crm_options_t *opts,
                                    int allow_duplicates, size_t *n);

/* ---- customers_import_store.c: the SQL of an import ---- */

/* Registers the import's statements on db: the kit's (on customer_imports
 * and customer_import_chunks) and the customers' own. Defined in
 * customers_import.c. */
void customers_import_prepare(crm_db_t *db);

/* The customers' own statements of a chunk: the configured lists
 * ("customer_import_options"), the keys' locks and the customers that have
 * them, the contacts' ids, and the inserts of the created rows. */
void customers_import_store_prepare(crm_db_t *db);

/* Adds to t's round the locks of the keys (the same advisory locks as
 * Customers.Create takes for a name and a mobile, in one order) and, as
 * "duplicates", the customers that have them: rows of (key, id). */
void customers_import_store_dedup(crm_txn_t *t, const char *const *keys, size_t n);

/* What every customer of a chunk shares. */
typedef struct {
    int64_t import_id;
    int64_t owner_id, pool_id, department_id, creator_id;
    int64_t now_us;
} import_common_t;

/* Adds to b the writes of the created rows (those with an id): the
 * customers (one INSERT), their history (one INSERT), their first contacts
 * (one INSERT), and their customer.created and contact.created events. */
void customers_import_store_created(crm_db_batch_t *b, const import_rows_t *rows,
                                    const import_common_t *common);

#endif
