/* gateway_sheet.c: a spreadsheet body as the CSV text of a request field,
 * for routes whose (crm.http) option names one (`sheet`: an import's
 * chunk). The workbook's first sheet is read (crm/xlsx.h) within an import
 * chunk's bounds (crm/import.h: 5,000 rows under the header, 1 MiB), and
 * each row becomes a CSV record (crm/csv.h) padded with empty cells to the
 * width of the first (the header), as a spreadsheet leaves a row's empty
 * cells at its end out; rows without a value stay empty lines, so a
 * record's line is its row in the sheet (when no cell holds a line break)
 * and the service's messages name the right one. Nothing else changes:
 * the service reads the CSV as if it had been sent as such.
 *
 * Reading a workbook of 5,000 rows takes about 0.1 s, so it runs on
 * libuv's thread pool, on a copy of the body, and the loop goes on serving
 * other requests meanwhile. */
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

/* One body read on the thread pool. */
typedef struct {
    uv_work_t work;
    gw_call_t *c;
    void (*next)(gw_call_t *c);
    char *body; /* the copy */
    size_t len;
    crm_csv_out_t csv;
    char msg[384]; /* why it cannot be read ("": it can) */
} s_job_t;

/* On the thread pool: the body into job->csv, or job->msg. */
static void s_work(uv_work_t *w)
{
    s_job_t *j = w->data;
    const crm_xlsx_limits_t lim = {.max_part = SHEET_MAX_PART,
                                   .max_rows = CRM_IMPORT_MAX_ROWS + 1,
                                   .max_columns = SHEET_MAX_COLUMNS,
                                   .max_text = CRM_IMPORT_MAX_CSV};
    crm_xlsx_sheet_t s;
    char why[256];
    if (crm_xlsx_read(j->body, j->len, &lim, &s, why, sizeof why) < 0) {
        snprintf(j->msg, sizeof j->msg,
                 "the XLSX body: %s (a chunk is one sheet of at most %d rows under its header row "
                 "and 1 MiB of text)",
                 why, CRM_IMPORT_MAX_ROWS);
        return;
    }
    if (s.n == 0)
        snprintf(j->msg, sizeof j->msg,
                 "the XLSX body: its first sheet is empty (its first row is the header)");
    else
        s_csv(&s, &j->csv);
    crm_xlsx_clear(&s);
    if (j->csv.len > CRM_IMPORT_MAX_CSV)
        snprintf(j->msg, sizeof j->msg,
                 "the XLSX body: its sheet is over 1 MiB as CSV; split it into chunks, each "
                 "starting with the header row");
}

/* Back on the loop: the call goes on, fails, or is gone. */
static void s_after(uv_work_t *w, int status)
{
    s_job_t *j = w->data;
    gw_call_t *c = j->c;
    if (!c->req)
        gw_call_finish(c); /* the client left */
    else if (status < 0 || j->msg[0])
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, c->route->sheet, "%s",
                     j->msg[0] ? j->msg : "the XLSX body was not read");
    else {
        c->sheet_csv = j->csv.p;
        c->sheet_len = j->csv.len;
        j->csv.p = NULL;
        j->next(c);
    }
    free(j->csv.p);
    free(j->body);
    free(j);
}

void gw_sheet_read(gw_call_t *c, void (*next)(gw_call_t *c))
{
    crm_xlsx_init(); /* on the loop's thread, before any worker reads */
    c->sheet = 1;
    s_job_t *j = crm_calloc(1, sizeof *j);
    j->c = c;
    j->next = next;
    j->len = c->req->entity.len;
    j->body = crm_malloc(j->len + 1);
    if (j->len)
        memcpy(j->body, c->req->entity.base, j->len);
    j->work.data = j;
    if (uv_queue_work(c->gw->loop, &j->work, s_work, s_after) < 0) {
        free(j->body);
        free(j);
        gw_call_fail(c, CRM__STATUS__UNAVAILABLE, NULL, "the XLSX body cannot be read now; retry");
    }
}
