/* export_check.c: an export checked against the list it exports
 * (docs/api.md, "Exports"): the same rows in the same order, every value as
 * the JSON reply has it, as CSV (byte order mark, CRLF, the formula guard)
 * and as XLSX (sheets of a given size, each with the header). */
#include "export_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/csv.h"
#include "crm/util.h"
#include "xlsx.h"

json_t *t_list_all(const char *base, const char *token, const char *path, const char *query)
{
    json_t *all = json_array();
    char cursor[512] = "";
    do {
        t_resp_t r;
        t_httpf(&r, "GET", base, token, NULL, "%s?limit=200&%s%s%s", path, query,
                *cursor ? "&cursor=" : "", cursor);
        H_CHECK(r.status == 200, "list %s: %d %s", query, r.status, r.raw);
        json_array_extend(all, json_object_get(r.body, "items"));
        snprintf(cursor, sizeof cursor, "%s", t_json_str(&r, "next_cursor"));
        t_resp_free(&r);
    } while (*cursor);
    return all;
}

/* A JSON value as one cell's text: a list joined by ';'. */
static char *s_text(json_t *v)
{
    if (!v || json_is_null(v))
        return crm_strdup("");
    if (json_is_string(v))
        return crm_strdup(json_string_value(v));
    if (json_is_integer(v))
        return crm_sprintf("%lld", (long long)json_integer_value(v));
    if (json_is_boolean(v))
        return crm_strdup(json_is_true(v) ? "true" : "false");
    if (json_is_array(v)) {
        char *out = crm_strdup("");
        for (size_t i = 0; i < json_array_size(v); i++) {
            char *e = s_text(json_array_get(v, i));
            char *joined = crm_sprintf("%s%s%s", out, i ? ";" : "", e);
            free(out);
            free(e);
            out = joined;
        }
        return out;
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The CSV cell of a JSON value: text a spreadsheet would take for a
 * formula gets a leading ' (the suite's words and numbers never start so). */
static char *s_csv_cell(json_t *v)
{
    char *t = s_text(v);
    if (!strchr("=+-@\t\r", t[0]) || !t[0])
        return t;
    char *guarded = crm_sprintf("'%s", t);
    free(t);
    return guarded;
}

/* ---- CSV ------------------------------------------------------------------ */

void t_export_csv(const t_resp_t *r, const char *noun, json_t *items, const char *what)
{
    char file[64];
    snprintf(file, sizeof file, "attachment; filename=\"%s-", noun);
    H_CHECK(r->status == 200, "%s: %d %s", what, r->status, r->raw);
    H_CHECK(!strcmp(r->content_type, "text/csv; charset=utf-8"), "%s: type %s", what,
            r->content_type);
    H_CHECK(!strncmp(r->disposition, file, strlen(file)) && strstr(r->disposition, ".csv\""),
            "%s: Content-Disposition %s", what, r->disposition);
    H_CHECK(r->len >= 3 && !memcmp(r->raw, "\xEF\xBB\xBF", 3), "%s: no byte order mark", what);
    H_CHECK(strstr(r->raw, "\r\n") != NULL, "%s: records end with CRLF", what);
    crm_csv_t *csv = crm_csv_new(r->raw, r->len);
    char **f;
    size_t n, ncols;
    H_CHECK(crm_csv_next(csv, &f, &ncols) == 1, "%s: no header", what);
    char **cols = crm_calloc(ncols, sizeof *cols);
    for (size_t j = 0; j < ncols; j++)
        cols[j] = crm_strdup(f[j]);
    size_t row = 0;
    int rc;
    while ((rc = crm_csv_next(csv, &f, &n)) == 1) {
        json_t *item = json_array_get(items, row);
        H_CHECK(item, "%s: more rows than the list has (%zu)", what, json_array_size(items));
        H_CHECK(n == ncols, "%s: row %zu has %zu fields, the header %zu", what, row, n, ncols);
        for (size_t j = 0; j < ncols; j++) {
            char *want = s_csv_cell(json_object_get(item, cols[j]));
            H_CHECK(!strcmp(f[j], want), "%s: row %zu, %s: '%s', the list has '%s'", what, row,
                    cols[j], f[j], want);
            free(want);
        }
        const char *key;
        json_t *v;
        json_object_foreach(item, key, v)
        {
            size_t j = 0;
            while (j < ncols && strcmp(cols[j], key) != 0)
                j++;
            H_CHECK(j < ncols, "%s: no column %s", what, key);
        }
        row++;
    }
    H_CHECK(rc == 0, "%s: not CSV: %s", what, crm_csv_error(csv));
    H_CHECK(row == json_array_size(items), "%s: %zu rows, the list has %zu", what, row,
            json_array_size(items));
    for (size_t j = 0; j < ncols; j++)
        free(cols[j]);
    free(cols);
    crm_csv_destroy(&csv);
}

/* ---- XLSX ----------------------------------------------------------------- */

/* The cell a JSON value is in the spreadsheet: strings as they are (a
 * string cell is never a formula), numbers, booleans, lists joined; an
 * empty cell for what the reply leaves out and for empty text. */
static json_t *s_xlsx_cell(json_t *v)
{
    if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
        (json_is_string(v) && !*json_string_value(v)))
        return json_null();
    if (json_is_string(v) || json_is_integer(v) || json_is_boolean(v))
        return json_incref(v);
    char *t = s_text(v);
    json_t *s = json_string(t);
    free(t);
    return s;
}

/* r is the XLSX export of items: sheets "leads", "leads 2", ... of
 * sheet_rows rows each (CRM_EXPORT_sheet_rows), each with the header. */
static void s_check_xlsx(h_t *h, const t_resp_t *r, const char *noun, size_t sheet_rows,
                         json_t *items, const char *what)
{
    char file[64];
    snprintf(file, sizeof file, "filename=\"%s-", noun);
    H_CHECK(r->status == 200, "%s: %d %s", what, r->status, r->raw);
    H_CHECK(!strcmp(r->content_type,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "%s: type %s", what, r->content_type);
    H_CHECK(strstr(r->disposition, file) && strstr(r->disposition, ".xlsx\""),
            "%s: Content-Disposition %s", what, r->disposition);
    json_t *doc = t_xlsx_sheets(h, r->raw, r->len);
    json_t *sheets = json_object_get(doc, "sheets");
    size_t n = json_array_size(items), item = 0;
    size_t want_sheets = n > sheet_rows - 1 ? (n + sheet_rows - 2) / (sheet_rows - 1) : 1;
    H_CHECK(json_array_size(sheets) == want_sheets, "%s: %zu sheets, want %zu", what,
            json_array_size(sheets), want_sheets);
    json_t *head = json_array_get(json_object_get(json_array_get(sheets, 0), "rows"), 0);
    for (size_t k = 0; k < json_array_size(sheets); k++) {
        json_t *sheet = json_array_get(sheets, k), *rows = json_object_get(sheet, "rows");
        char name[32];
        if (k)
            snprintf(name, sizeof name, "%s %zu", noun, k + 1);
        else
            snprintf(name, sizeof name, "%s", noun);
        H_CHECK(!strcmp(json_string_value(json_object_get(sheet, "name")), name), "%s: sheet %s",
                what, json_string_value(json_object_get(sheet, "name")));
        H_CHECK(json_equal(json_array_get(rows, 0), head), "%s: sheet %s has no header", what,
                name);
        H_CHECK(json_array_size(rows) <= sheet_rows, "%s: %zu rows in %s", what,
                json_array_size(rows), name);
        for (size_t i = 1; i < json_array_size(rows); i++, item++) {
            json_t *want = json_array_get(items, item), *row = json_array_get(rows, i);
            H_CHECK(want, "%s: more rows than the list has (%zu)", what, json_array_size(items));
            for (size_t j = 0; j < json_array_size(head); j++) {
                const char *col = json_string_value(json_array_get(head, j));
                json_t *cell = s_xlsx_cell(json_object_get(want, col)),
                       *got = json_array_get(row, j);
                if (!json_equal(cell, got)) {
                    char *g = json_dumps(got, JSON_ENCODE_ANY),
                         *w = json_dumps(cell, JSON_ENCODE_ANY);
                    H_CHECK(0, "%s: row %zu, %s: %s, the list has %s", what, item, col, g, w);
                }
                json_decref(cell);
            }
            H_CHECK(json_object_size(want) <= json_array_size(head), "%s: columns missing", what);
        }
    }
    H_CHECK(item == json_array_size(items), "%s: %zu rows, the list has %zu", what, item,
            json_array_size(items));
    json_decref(doc);
}

void t_export_matches(h_t *h, const char *base, const char *token, const char *path,
                      const char *noun, int sheet_rows, const char *query, json_t *items,
                      const char *what)
{
    static const char *const formats[] = {"csv", "xlsx"};
    for (int k = 0; k < 2; k++) {
        t_resp_t r;
        char label[96];
        t_httpf(&r, "GET", base, token, NULL, "%s/export?format=%s&%s", path, formats[k], query);
        snprintf(label, sizeof label, "%s as %s", what, formats[k]);
        if (k == 0) {
            H_CHECK(!strcmp(r.encoding, "chunked"), "%s: Transfer-Encoding '%s'", label,
                    r.encoding);
            t_export_csv(&r, noun, items, label);
        } else {
            s_check_xlsx(h, &r, noun, sheet_rows, items, label);
        }
        t_resp_free(&r);
    }
}
