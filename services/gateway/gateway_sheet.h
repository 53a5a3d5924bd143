/* gateway_sheet.h: a spreadsheet (XLSX) body as the CSV text of a request
 * field, read on libuv's thread pool (see gateway_sheet.c). */
#ifndef GATEWAY_SHEET_H
#define GATEWAY_SHEET_H

#include "gateway_call.h"

/* Does c's route take a spreadsheet and its body say it is one
 * (Content-Type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)? */
int gw_sheet_sent(gw_call_t *c);

/* Reads c's body (a copy: the client may leave meanwhile) on libuv's
 * thread pool into c->sheet_csv, its first sheet as CSV text (c->sheet set),
 * then calls next(c) on the loop. When the body cannot be read, fails c
 * with 400 saying why (its field the route's sheet field: the body as a
 * whole); when the client left, finishes c; next is then not called. */
void gw_sheet_read(gw_call_t *c, void (*next)(gw_call_t *c));

#endif
