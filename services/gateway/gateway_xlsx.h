/* gateway_xlsx.h: a spreadsheet built on the thread pool for an export
 * (see gateway_xlsx.c). */
#ifndef GATEWAY_XLSX_H
#define GATEWAY_XLSX_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "crm/table.h"

typedef struct gw_xlsx gw_xlsx_t;

/* A workbook in folder dir (its rows' temporary files, then the file)
 * whose sheets are named sheet ("leads", "leads 2", ...), hold sheet_rows
 * rows each (2 to 1,048,576, Excel's most) and start with a bold header
 * row of the n columns (copied). NULL if libxlsxwriter cannot start it (the
 * folder). Caller owns it. */
gw_xlsx_t *gw_xlsx_new(uv_loop_t *loop, const char *dir, const char *sheet, uint32_t sheet_rows,
                       const char *const *columns, size_t n);

/* Writes the rows of *cells (n columns a row; taken: *cells is left empty
 * with the buffers of the last rows written, to be reused) on the thread
 * pool, after the rows given before; done(arg, ok) runs on the loop when
 * they are written (ok 0: libxlsxwriter failed; the workbook is then only
 * to be destroyed). One job at a time: not again before done. */
void gw_xlsx_add(gw_xlsx_t *x, crm_cells_t *cells, void (*done)(void *arg, int ok), void *arg);

/* Closes the workbook on the thread pool (libxlsxwriter writes the zip
 * then), opens the file and removes its name, so nothing is left on disk
 * once the descriptor is closed; done(arg, fd, size) runs on the loop
 * with the open file (the caller closes it) or fd -1. */
void gw_xlsx_finish(gw_xlsx_t *x, void (*done)(void *arg, int fd, size_t size), void *arg);

/* Stops the rows being written by a job in flight at the next row (an
 * export whose client left); its done still runs. */
void gw_xlsx_cancel(gw_xlsx_t *x);

/* Frees x (a workbook not finished is dropped with its temporary files).
 * Not while a job is in flight. Safe on NULL; sets *x_p to NULL. */
void gw_xlsx_destroy(gw_xlsx_t **x_p);

#endif
