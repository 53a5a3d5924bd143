/* gateway_sheet.c: a spreadsheet body as the CSV text of a request field,
 * for routes whose (crm.http) option names one (`sheet`: an import's
 * chunk). The workbook's first sheet is read (crm/xlsx.h) within an import
 * chunk's bounds (crm/import.h: 5,000 rows under the header, 1 MiB), and
 * each row becomes a CSV record (crm/csv.h) padded with empty cells to the
 * width of the first (the header), as a spreadsheet leaves a row's empty
 * cells at its end out; rows without a value stay empty lines, so a
 * record's line is its row in the sheet (when no cell holds a line break)
 * and the service's messages name the right one. Nothing else changes:
 * the service reads the CSV as if it had been sent as such. */
#include "gateway_sheet.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crm/csv.h"
#include "crm/import.h"
#include "crm/util.h"
#include "crm/xlsx.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define SHEET_MAX_PART (32u << 20) /* bytes of one XML part, unpacked */
#define SHEET_MAX_COLUMNS 256

int gw_sheet_sent(gw_call_t *c)
{
    if (!c->route->sheet)
        return 0;
    ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i < 0)
        return 0;
    h2o_iovec_t v = c->req->headers.entries[i].value;
    size_t n = sizeof XLSX_TYPE - 1;
    return v.len >= n && strncasecmp(v.base, XLSX_TYPE, n) == 0 &&
           (v.len == n || v.base[n] == ';' || v.base[n] == ' ');
}

/* The rows as CSV, each padded to the first's width. */
static void s_csv(const crm_xlsx_sheet_t *s, crm_csv_out_t *o)
{
    size_t width = s->n ? s->rows[0].n : 0, line = 1;
    const char **cells = crm_calloc(width + 1, sizeof *cells);
    for (size_t i = 0; i < s->n; i++) {
        const crm_xlsx_row_t *row = &s->rows[i];
        for (; line < row->number; line++)
            crm_csv_append(o, NULL, 0);
        if (row->n >= width) {
            crm_csv_append(o, (const char *const *)row->cells, row->n);
        } else {
            for (size_t k = 0; k < width; k++)
                cells[k] = k < row->n ? row->cells[k] : "";
            crm_csv_append(o, cells, width);
        }
        line++;
    }
    free(cells);
}

char *gw_sheet_csv(gw_call_t *c, size_t *len)
{
    h2o_iovec_t body = c->req->entity;
    const crm_xlsx_limits_t lim = {.max_part = SHEET_MAX_PART,
                                   .max_rows = CRM_IMPORT_MAX_ROWS + 1,
                                   .max_columns = SHEET_MAX_COLUMNS,
                                   .max_text = CRM_IMPORT_MAX_CSV};
    crm_xlsx_sheet_t s;
    char msg[256];
    if (crm_xlsx_read(body.base, body.len, &lim, &s, msg, sizeof msg) < 0) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, c->route->sheet,
                     "the XLSX body: %s (a chunk is one sheet of at most %d rows under its "
                     "header row and 1 MiB of text)",
                     msg, CRM_IMPORT_MAX_ROWS);
        return NULL;
    }
    if (s.n == 0) {
        crm_xlsx_clear(&s);
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, c->route->sheet,
                     "the XLSX body: its first sheet is empty (its first row is the header)");
        return NULL;
    }
    crm_csv_out_t o = {NULL, 0, 0};
    s_csv(&s, &o);
    crm_xlsx_clear(&s);
    if (o.len > CRM_IMPORT_MAX_CSV) {
        free(o.p);
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, c->route->sheet,
                     "the XLSX body: its sheet is over 1 MiB as CSV; split it into chunks, each "
                     "starting with the header row");
        return NULL;
    }
    *len = o.len;
    return o.p;
}
