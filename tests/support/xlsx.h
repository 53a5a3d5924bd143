/* xlsx.h: the cells of a spreadsheet a test received (an export), read by
 * tests/support/xlsx_rows.py with Python's zipfile and ElementTree. */
#ifndef CRM_TEST_XLSX_H
#define CRM_TEST_XLSX_H

#include <jansson.h>
#include <stddef.h>

#include "harness.h"

/* The sheets of the workbook body[0..len) as JSON, {"sheets": [{"name",
 * "rows": [[cell, ...], ...]}]}: strings, numbers, booleans, null for an
 * empty cell (caller json_decref's it). Fails the test if it is not a
 * readable workbook. */
json_t *t_xlsx_sheets(h_t *h, const char *body, size_t len);

#endif
