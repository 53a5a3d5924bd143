/* xlsx.h: the cells of an XLSX workbook's first worksheet as text, for
 * imports of spreadsheets (Office Open XML, ECMA-376: a ZIP archive of XML
 * parts, read with libzip and libxml2's streaming reader).
 *
 * What it reads, and how each cell becomes text:
 *   - the workbook's first sheet (xl/workbook.xml, its relationships);
 *   - shared strings (t="s") and inline strings (t="inlineStr"): their text,
 *     rich-text runs joined, phonetic guides (rPh) left out;
 *   - numbers as written in the file (13800138000, 12.5), but a whole
 *     number the file writes in E notation (1.38001380001E10) in digits;
 *   - numbers whose cell format is a date (the built-in date formats,
 *     Chinese ones included, or a custom format of y, m, d, h, s) as the
 *     date, "2026-01-15", or "2026-01-15 09:30:00" with a time of day
 *     (both the 1900 and the 1904 date systems);
 *   - booleans as TRUE / FALSE, errors as written (#N/A), formulas by their
 *     cached value (none: empty), t="d" dates as written (ISO 8601).
 * Rows without a value are left out; cells are placed by their reference
 * (B7), so skipped cells are empty.
 *
 * Refused, with a message for people: anything that is not a ZIP archive
 * (an .xls of Excel 97-2003, an encrypted workbook), a ZIP without
 * xl/workbook.xml (.ods, .xlsb), a workbook without a worksheet, XML that
 * is not well formed or carries a DTD, and anything past the caller's
 * limits (a part's uncompressed size, rows, columns, text). Pure: memory
 * in, memory out; reads may run on several threads at once (after
 * crm_xlsx_init). */
#ifndef CRM_XLSX_H
#define CRM_XLSX_H

#include <stddef.h>

/* The bounds of one read. */
typedef struct {
    size_t max_part;    /* bytes of one XML part, uncompressed */
    size_t max_rows;    /* rows with a value */
    size_t max_columns; /* the last column a value may be in (1: A) */
    size_t max_text;    /* bytes of all the cells' text */
} crm_xlsx_limits_t;

/* A row with a value: its cells up to its last value. */
typedef struct {
    size_t number; /* its number in the sheet, from 1 */
    char **cells;  /* cells[0..n): the text of columns A, B, ...; "" when empty */
    size_t n;
} crm_xlsx_row_t;

/* The first sheet's rows, in order. */
typedef struct {
    crm_xlsx_row_t *rows;
    size_t n;
} crm_xlsx_sheet_t;

/* Prepares the XML parser (libxml2's): call it once on the main thread
 * before crm_xlsx_read runs on others (a thread pool); harmless again. */
void crm_xlsx_init(void);

/* Reads the workbook data[0..len) into *out (free with crm_xlsx_clear).
 * Returns 0, or -1 with msg saying why it cannot be read (out is then
 * empty). */
int crm_xlsx_read(const void *data, size_t len, const crm_xlsx_limits_t *lim, crm_xlsx_sheet_t *out,
                  char *msg, size_t cap);

/* Frees what s holds; safe on a zeroed one. */
void crm_xlsx_clear(crm_xlsx_sheet_t *s);

#endif
