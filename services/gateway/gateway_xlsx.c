/* gateway_xlsx.c: the spreadsheet of an export (gateway_export.c), written
 * with libxlsxwriter in its constant_memory mode: each row goes to a
 * temporary file as it is written, so memory stays flat however many rows
 * there are, and the zip is made at the end. Both are slow next to the
 * loop's work (about a microsecond a cell, then seconds of deflate for a
 * large sheet), so every call into libxlsxwriter but the first runs on
 * libuv's thread pool, one job of a workbook at a time: the loop hands a
 * page of cells over and goes on reading the next page meanwhile.
 *
 * Cells as crm/table.h says them: text and words as strings (a string cell
 * is never a formula, so no guard is needed as in CSV), integers up to
 * 2^53 and doubles as numbers (larger integers as their digits, which a
 * double would round), bools as booleans, empty cells left out. A string
 * is cut at Excel's limit of 32,767 characters. A sheet holds
 * CRM_EXPORT_SHEET_ROWS rows, the header's included (at most 1,048,576,
 * Excel's; older programs hold 65,536); the rows after them go on in a new
 * sheet with the header again ("leads 2"). */
#include "gateway_xlsx.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "crm/log.h"
#include "crm/util.h"

#define CELL_CHARS 32767             /* the most characters of a cell */
#define EXACT_INT 9007199254740992LL /* 2^53: larger integers are strings */

struct gw_xlsx {
    uv_loop_t *loop;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold;
    char *path, *sheet;
    char **columns;
    size_t ncols;
    lxw_row_t row; /* the next row of ws */
    lxw_row_t sheet_rows;
    int sheets;
    /* The job in flight. */
    uv_work_t work;
    crm_cells_t cells; /* its rows (then the rows written, given back) */
    atomic_int cancel;
    lxw_error err;
    int fd;
    size_t size;
    void (*added)(void *arg, int ok);
    void (*finished)(void *arg, int fd, size_t size);
    void *arg;
};

/* A new sheet with the header row, frozen above the rows. */
static lxw_error s_sheet(gw_xlsx_t *x)
{
    char name[LXW_SHEETNAME_MAX + 1];
    if (++x->sheets == 1)
        snprintf(name, sizeof name, "%.31s", x->sheet);
    else
        snprintf(name, sizeof name, "%.19s %d", x->sheet, x->sheets);
    x->ws = workbook_add_worksheet(x->wb, name);
    if (!x->ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    worksheet_freeze_panes(x->ws, 1, 0);
    for (size_t i = 0; i < x->ncols; i++) {
        lxw_error e = worksheet_write_string(x->ws, 0, (lxw_col_t)i, x->columns[i], x->bold);
        if (e)
            return e;
    }
    x->row = 1;
    return LXW_NO_ERROR;
}

gw_xlsx_t *gw_xlsx_new(uv_loop_t *loop, const char *dir, const char *sheet, uint32_t sheet_rows,
                       const char *const *columns, size_t n)
{
    static unsigned serial;
    gw_xlsx_t *x = crm_calloc(1, sizeof *x);
    x->loop = loop;
    x->sheet_rows = sheet_rows < 2 ? 2 : sheet_rows > LXW_ROW_MAX ? LXW_ROW_MAX : sheet_rows;
    x->fd = -1;
    x->path = crm_sprintf("%s/crm-export-%d-%u.xlsx", dir, (int)getpid(), ++serial);
    x->sheet = crm_strdup(sheet);
    x->columns = crm_calloc(n + 1, sizeof *x->columns);
    for (size_t i = 0; i < n; i++)
        x->columns[i] = crm_strdup(columns[i]);
    x->ncols = n;
    atomic_init(&x->cancel, 0);
    lxw_workbook_options opts = {
        .constant_memory = LXW_TRUE, .tmpdir = (char *)dir, .use_zip64 = LXW_TRUE};
    x->wb = workbook_new_opt(x->path, &opts);
    if (x->wb) {
        x->bold = workbook_add_format(x->wb);
        format_set_bold(x->bold);
    }
    if (!x->wb || s_sheet(x) != LXW_NO_ERROR) {
        crm_log(CRM_ERROR, "export: cannot start a spreadsheet", "dir", dir, NULL);
        gw_xlsx_destroy(&x);
    }
    return x;
}

/* ---- writing rows (thread pool) --------------------------------------- */

/* Cuts text at CELL_CHARS characters (UTF-8), in place. */
static void s_cut(char *text, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80 && ++chars > CELL_CHARS) {
            text[i] = '\0';
            return;
        }
}

static lxw_error s_cell(gw_xlsx_t *x, lxw_col_t col, crm_cell_t *c)
{
    char digits[24];
    switch (c->kind) {
    case CRM_CELL_EMPTY:
        return LXW_NO_ERROR;
    case CRM_CELL_TEXT:
    case CRM_CELL_WORD: {
        char *text = x->cells.text + c->off;
        if (c->len > CELL_CHARS)
            s_cut(text, c->len);
        return worksheet_write_string(x->ws, x->row, col, text, NULL);
    }
    case CRM_CELL_INT:
        if (c->i > EXACT_INT || c->i < -EXACT_INT)
            return worksheet_write_string(x->ws, x->row, col, crm_i64(digits, c->i), NULL);
        return worksheet_write_number(x->ws, x->row, col, (double)c->i, NULL);
    case CRM_CELL_DOUBLE:
        return worksheet_write_number(x->ws, x->row, col, c->d, NULL);
    case CRM_CELL_BOOL:
        return worksheet_write_boolean(x->ws, x->row, col, (int)c->i, NULL);
    }
    return LXW_NO_ERROR;
}

static void s_add_work(uv_work_t *w)
{
    gw_xlsx_t *x = w->data;
    size_t rows = x->ncols ? x->cells.n / x->ncols : 0;
    for (size_t r = 0; r < rows && !x->err && !atomic_load(&x->cancel); r++) {
        if (x->row == x->sheet_rows)
            x->err = s_sheet(x);
        for (size_t i = 0; i < x->ncols && !x->err; i++)
            x->err = s_cell(x, (lxw_col_t)i, &x->cells.cells[r * x->ncols + i]);
        x->row++;
    }
}

static void s_added(uv_work_t *w, int status)
{
    gw_xlsx_t *x = w->data;
    if (x->err)
        crm_log(CRM_ERROR, "export: a spreadsheet's rows not written", "error",
                lxw_strerror(x->err), NULL);
    x->added(x->arg, status == 0 && !x->err);
}

void gw_xlsx_add(gw_xlsx_t *x, crm_cells_t *cells, void (*done)(void *arg, int ok), void *arg)
{
    crm_cells_t written = x->cells;
    x->cells = *cells;
    *cells = written;
    crm_cells_clear(cells);
    x->added = done;
    x->arg = arg;
    x->work.data = x;
    uv_queue_work(x->loop, &x->work, s_add_work, s_added);
}

/* ---- the file ------------------------------------------------------------ */

static void s_finish_work(uv_work_t *w)
{
    gw_xlsx_t *x = w->data;
    x->err = workbook_close(x->wb); /* frees the workbook */
    x->wb = NULL;
    x->fd = x->err ? -1 : open(x->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (x->fd >= 0 && fstat(x->fd, &st) == 0) {
        x->size = (size_t)st.st_size;
    } else if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
    }
    unlink(x->path); /* the open descriptor keeps the bytes until it is closed */
}

static void s_finished(uv_work_t *w, int status)
{
    gw_xlsx_t *x = w->data;
    if (x->err || x->fd < 0)
        crm_log(CRM_ERROR, "export: a spreadsheet not written", "error",
                x->err ? lxw_strerror(x->err) : "cannot open the file", NULL);
    (void)status; /* never cancelled */
    int fd = x->fd;
    x->fd = -1;
    x->finished(x->arg, fd, x->size);
}

void gw_xlsx_finish(gw_xlsx_t *x, void (*done)(void *arg, int fd, size_t size), void *arg)
{
    x->finished = done;
    x->arg = arg;
    x->work.data = x;
    uv_queue_work(x->loop, &x->work, s_finish_work, s_finished);
}

void gw_xlsx_cancel(gw_xlsx_t *x)
{
    atomic_store(&x->cancel, 1);
}

void gw_xlsx_destroy(gw_xlsx_t **x_p)
{
    gw_xlsx_t *x = x_p ? *x_p : NULL;
    if (!x)
        return;
    if (x->wb)
        lxw_workbook_free(x->wb); /* not written: its temporary files go */
    for (size_t i = 0; i < x->ncols; i++)
        free(x->columns[i]);
    free(x->columns);
    crm_cells_free(&x->cells);
    free(x->path);
    free(x->sheet);
    free(x);
    *x_p = NULL;
}
