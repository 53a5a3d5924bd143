/* customers_contact_import.h: what the contacts import's files share
 * (联系人导入): the rows of one chunk read from the request's rows or from
 * CSV text and checked (customers_contact_import_rows.c, pure), the
 * customer each row names and the primary contacts it makes
 * (customers_contact_import_screen.c), and its SQL
 * (customers_contact_import_store.c). The kind and the RPCs are in
 * customers_contact_import.c, on the kit's pipeline (crm/import.h); the
 * columns and the rules in docs/customers.md ("Contacts import"). */
#ifndef CUSTOMERS_CONTACT_IMPORT_H
#define CUSTOMERS_CONTACT_IMPORT_H

#include "crm/import.h"
#include "crm/import_csv.h"
#include "customers.h"

/* The contact kind of import (customers_contact_import.c). */
extern const crm_import_kind_t customers_contact_import_kind;

/* ---- customers_contact_import_rows.c: a chunk's rows (pure) ---- */

/* A row's fields as written (CSV text; over RPC customer_id and primary
 * are typed, and these stay NULL). */
typedef struct {
    const char *customer, *customer_id, *name, *title, *mobile, *telephone, *email, *wechat,
        *birthday, *remark, *primary;
} contact_input_t;

/* One row of a chunk and what became of it. Its verdict (field, message,
 * key, dup_row) is the kit's crm_import_row_t of the same index. */
typedef struct {
    contact_input_t in;             /* as typed; strings the rows' or the request's */
    int64_t customer_id;            /* the customer by id (0: by name, in.customer) */
    int primary;                    /* marked primary (是, true) */
    char mobile[12], telephone[32]; /* normalised */
    char msg[256];                  /* why the row is invalid */
    int wrong_width;                /* a CSV record of another number of columns (msg says) */
    char *customer_name;            /* checked: the customer's name without the spaces around
                                     * (owned; NULL when none is given) */
    size_t customer;                /* screened: 1 + its customer's index (contact_customers_t) */
    int made_primary;               /* screened: it becomes its customer's primary contact */
} contact_row_t;

/* The rows of one chunk, and the storage they point into. */
typedef struct {
    contact_row_t *rows;
    size_t n, cap;
    char *header;           /* the column mapping to store, when this chunk's CSV carried it */
    crm_import_text_t text; /* what the CSV's values point into */
} contact_rows_t;

/* The rows of a request into out (zeroed; their strings stay the
 * request's). */
void contact_import_from_rows(Crm__Customers__ContactImportRow *const *rows, size_t n,
                              contact_rows_t *out);

/* The rows of CSV text into out (zeroed) (crm_import_csv with the contact
 * columns of docs/customers.md: the name and one of the customer's name
 * and id required), csv[0..len) under header (the import's stored
 * mapping, "" before the first chunk: then out->header gets the text's).
 * A record of another number of columns is an invalid row (field "csv").
 * Returns 0, or -1 with msg saying what is wrong with the text as a whole
 * (out keeps what was read: contact_import_rows_clear frees it). */
int contact_import_from_csv(const char *csv, size_t len, const char *header, contact_rows_t *out,
                            char *msg, size_t cap);

/* Frees what out holds (not out itself); safe on a zeroed one. */
void contact_import_rows_clear(contact_rows_t *out);

/* Checks every row (its customer named, the contact's fields as a
 * create's, primary a yes or a no) into v[0..rows->n) (the first field at
 * fault, its message the row's msg), keys the valid ones by their mobile
 * and, unless allow_duplicates, marks the rows that repeat an earlier
 * one's mobile (dup_row). Returns the distinct mobiles, sorted (*n; caller
 * frees the array, not the strings); NULL with *n 0 when none or when
 * duplicates are allowed. */
const char **contact_import_check(contact_rows_t *rows, crm_import_row_t *v, int allow_duplicates,
                                  size_t *n);

/* ---- customers_contact_import_screen.c: customers and primaries ---- */

/* A customer rows name, as the chunk read it (locked). */
typedef struct {
    int64_t id, owner_id;
    char *name;          /* as stored (owned) */
    char *trimmed;       /* without the spaces around (owned): what a row's name matches */
    int editable;        /* the importer may edit it (and so add its contacts) */
    int primary_at;      /* its primary contact's row in the read "primaries", or -1 */
    int64_t claimed_row; /* the row of this import that made its primary contact (0: none) */
    int new_primary;     /* this chunk makes one */
} contact_customer_t;

typedef struct {
    contact_customer_t *c;
    size_t n;
} contact_customers_t;

void contact_customers_clear(contact_customers_t *cs);

/* The kind's screen (crm/import.h) of the rows v[0..rows->n) against the
 * customers read as "customers" (contact_import_store_refs) and their
 * primary contacts as "primaries": each row's customer (by id, else by
 * name among those the importer may edit: none, or several, hold it
 * back), then its primary (one per customer in an import: a second
 * marked row is held back; a customer without a primary contact gets the
 * first created row), the demotions of the primaries replaced (at now_us)
 * added to the chunk's writes. first_row is the import's number of the
 * chunk's first row. Fills cs. */
void contact_import_screen(crm_txn_t *t, crm_import_row_t *v, contact_rows_t *rows,
                           contact_customers_t *cs, int64_t first_row, int64_t now_us);

/* ---- customers_contact_import_store.c: the SQL of a chunk ---- */

void contact_import_store_prepare(crm_db_t *db);

/* Adds to t's round the reads of the customers the valid rows of v name
 * (by id or by name: "customers", locked, with their import's primary
 * row; their primary contacts: "primaries"). */
void contact_import_store_refs(crm_txn_t *t, const contact_rows_t *rows, const crm_import_row_t *v,
                               int64_t import_id);

/* Adds to t's round the locks of the mobiles (as Customers.CreateContact's,
 * in one order) and, as "duplicates", the first contact of each that the
 * importer sees unmasked: rows of (mobile, id). */
void contact_import_store_dedup(crm_txn_t *t, const char *const *keys, size_t n);

/* Adds to b the created rows (those of v with an id): the contacts and
 * their contact.created events, by creator at now_us, and the primaries
 * the marked ones made, kept for the import's later chunks. first_row as
 * contact_import_screen's. */
void contact_import_store_created(crm_db_batch_t *b, const contact_rows_t *rows,
                                  const crm_import_row_t *v, const contact_customers_t *cs,
                                  int64_t import_id, int64_t first_row, int64_t creator,
                                  int64_t now_us);

#endif
