/* gateway_sheet.h: a spreadsheet (XLSX) body as the CSV text of a request
 * field (see gateway_sheet.c). */
#ifndef GATEWAY_SHEET_H
#define GATEWAY_SHEET_H

#include "gateway_call.h"

/* Does c's route take a spreadsheet and its body say it is one
 * (Content-Type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)? */
int gw_sheet_sent(gw_call_t *c);

/* The body's first sheet as CSV text (caller frees; *len its length), or
 * NULL after failing c with 400 saying what cannot be read (its field the
 * route's sheet field: the body as a whole, c->sheet set). */
char *gw_sheet_csv(gw_call_t *c, size_t *len);

#endif
