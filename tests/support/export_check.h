/* export_check.h: checks that a list's export (GET <path>/export) is the
 * list itself, for the tests of every domain's lists. */
#ifndef CRM_TEST_EXPORT_CHECK_H
#define CRM_TEST_EXPORT_CHECK_H

#include <jansson.h>

#include "harness.h"
#include "http.h"

/* Every item of GET <path>?<query> as token sees it, page by page
 * (caller json_decref's it). */
json_t *t_list_all(const char *base, const char *token, const char *path, const char *query);

/* GET <path>/export?format=csv|xlsx&<query> as token: the CSV (streamed:
 * chunked) and the XLSX (sheets of sheet_rows rows, named noun, noun 2,
 * ...; the file noun-<date>-<time>) each hold items, in order, value for
 * value. Fails the test otherwise. */
void t_export_matches(h_t *h, const char *base, const char *token, const char *path,
                      const char *noun, int sheet_rows, const char *query, json_t *items,
                      const char *what);

/* r is the CSV export (file noun-...) of items, the JSON list, in order. */
void t_export_csv(const t_resp_t *r, const char *noun, json_t *items, const char *what);

#endif
