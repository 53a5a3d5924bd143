/* csv.h: CSV text (RFC 4180) read from memory and written into memory.
 *
 * The reader: fields separated by
 * commas, records by CRLF or LF; a field in double quotes may hold commas,
 * line breaks and doubled quotes (""). A UTF-8 byte order mark at the very
 * start is skipped, and the last record may end with or without a line
 * break. Empty lines are skipped. And its writer (crm_csv_append), which
 * the reader reads back. Pure: no I/O, no global state.
 *
 *   crm_csv_t *r = crm_csv_new(text, len);
 *   char **f; size_t n;
 *   int rc;
 *   while ((rc = crm_csv_next(r, &f, &n)) == 1)
 *       ... f[0..n) ...
 *   if (rc < 0) ... crm_csv_error(r), crm_csv_line(r) ...
 *   crm_csv_destroy(&r);
 */
#ifndef CRM_CSV_H
#define CRM_CSV_H

#include <stddef.h>

#include "table.h"

typedef struct crm_csv crm_csv_t;

/* A reader of text[0..len). The text is not copied and must outlive the
 * reader. Caller owns the return value (crm_csv_destroy). */
crm_csv_t *crm_csv_new(const char *text, size_t len);

/* Frees the reader; safe on NULL; sets *r_p to NULL. */
void crm_csv_destroy(crm_csv_t **r_p);

/* Reads the next record: returns 1 with *fields[0..*n) (NUL-terminated,
 * unquoted; owned by the reader and valid until the next call), 0 at the
 * end of the text, or -1 on a syntax error (an unterminated quoted field, a
 * character after a closing quote other than a comma or a line break, a
 * quote inside an unquoted field); after an error every call returns -1. */
int crm_csv_next(crm_csv_t *r, char ***fields, size_t *n);

/* The line (from 1) where the record just read starts, or where the
 * syntax error is. */
size_t crm_csv_line(const crm_csv_t *r);

/* What the syntax error is, or NULL if none. */
const char *crm_csv_error(const crm_csv_t *r);

/* ---- writing (lib/src/csv_write.c) -------------------------------------
 * Records end with CRLF; a field holding a comma, a quote, CR or LF is
 * enclosed in quotes with its quotes doubled. A file for spreadsheets
 * starts with CRM_CSV_BOM (Excel reads it as UTF-8 then).
 *
 * Formula injection (OWASP, "CSV Injection"): a spreadsheet runs a cell
 * that starts with = + - @ (or TAB or CR, which it skips) as a formula. A
 * text cell people typed (CRM_CELL_TEXT of crm/table.h) that starts with
 * one of them is written with a leading ' so it stays text; the suite's
 * own cells (numbers, words, instants) never start with one, or are
 * numbers meant as such (a negative integer), and are written as they
 * are. */
#define CRM_CSV_BOM "\xEF\xBB\xBF"

/* A growing buffer the writer appends to, NUL-terminated once written to
 * (zero-initialise; free p). */
typedef struct {
    char *p;
    size_t len, cap;
} crm_csv_out_t;

/* Appends n bytes as they are (CRM_CSV_BOM). */
void crm_csv_write_raw(crm_csv_out_t *o, const char *s, size_t n);
/* Appends one record of n names (a header). */
void crm_csv_write_names(crm_csv_out_t *o, const char *const *names, size_t n);
/* Appends each row of cells (ncols cells a row) as a record. */
void crm_csv_write_cells(crm_csv_out_t *o, const crm_cells_t *cells, size_t ncols);
/* Appends one record of n plain strings (a header, or a row of a sheet
 * read for an import: no formula guard, the reader reads them back). */
void crm_csv_append(crm_csv_out_t *o, const char *const *fields, size_t n);

#endif
