/* xlsx_fixture.h: real XLSX workbooks for the tests, written by
 * libxlsxwriter (the library Excel-compatible files are made with), so the
 * reader (crm/xlsx.h) and the gateway's spreadsheet bodies are tested on
 * files as an application writes them. */
#ifndef CRM_TEST_XLSX_FIXTURE_H
#define CRM_TEST_XLSX_FIXTURE_H

#include <stddef.h>

/* Writes a workbook of one sheet to path: cells[r * cols + c] is row r,
 * column c. A cell is text, but "=n:<number>" is a number, "=d:<YYYY-MM-DD>"
 * a date in the custom format yyyy-mm-dd, "=t:<YYYY-MM-DD HH:MM>" a date and
 * time in Excel's built-in format 22, "=b:<0|1>" a boolean, "=r:<a>|<b>" a
 * rich string of two runs (a bold); NULL and "" are left out. inline_strings
 * writes every text as an inline string (libxlsxwriter's constant-memory
 * mode) instead of a shared one. Returns the file's bytes (caller frees)
 * and their number in *len, or NULL if it cannot be written. */
unsigned char *t_xlsx(const char *path, const char *const *cells, size_t rows, size_t cols,
                      int inline_strings, size_t *len);

/* The same cells as CSV text, as the gateway hands a sheet on (its reader,
 * crm/xlsx.h): a number or a date as written, a date and time with its
 * seconds, a boolean TRUE or FALSE, a rich string's runs joined; NULL and
 * "" empty. Caller frees. */
char *t_xlsx_csv(const char *const *cells, size_t rows, size_t cols);

/* A file's bytes (caller frees), *len; NULL if it cannot be read. */
unsigned char *t_file_bytes(const char *path, size_t *len);

#endif
