/* csv_write.c: CSV text written into memory (see crm/csv.h, "writing"):
 * RFC 4180 quoting, CRLF records, and the formula guard on people's text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/csv.h"
#include "crm/util.h"

/* Appends n bytes, keeping the text NUL-terminated. */
static void s_put(crm_csv_out_t *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cap = o->cap ? o->cap : 4096;
        while (o->len + n + 1 > o->cap)
            o->cap *= 2;
        o->p = crm_realloc(o->p, o->cap);
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* Would a spreadsheet take text starting with c for a formula? */
static int s_formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* One field: quoted when it holds a separator, a quote or a line break;
 * guarded with a leading ' when it is people's text a spreadsheet would
 * run. */
static void s_field(crm_csv_out_t *o, const char *s, size_t n, int guard)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (quote)
        s_put(o, "\"", 1);
    if (guard && n && s_formula_start(s[0]))
        s_put(o, "'", 1);
    if (!quote) {
        s_put(o, s, n);
        return;
    }
    const char *run = s, *end = s + n, *q;
    while ((q = memchr(run, '"', (size_t)(end - run))) != NULL) {
        s_put(o, run, (size_t)(q - run + 1));
        s_put(o, "\"", 1); /* doubled */
        run = q + 1;
    }
    s_put(o, run, (size_t)(end - run));
    s_put(o, "\"", 1);
}

void crm_csv_write_raw(crm_csv_out_t *o, const char *s, size_t n)
{
    s_put(o, s, n);
}

void crm_csv_write_names(crm_csv_out_t *o, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            s_put(o, ",", 1);
        s_field(o, names[i], strlen(names[i]), 0);
    }
    s_put(o, "\r\n", 2);
}

void crm_csv_write_cells(crm_csv_out_t *o, const crm_cells_t *cells, size_t ncols)
{
    char buf[40];
    for (size_t i = 0; i < cells->n; i++) {
        const crm_cell_t *c = &cells->cells[i];
        if (i % ncols)
            s_put(o, ",", 1);
        switch (c->kind) {
        case CRM_CELL_EMPTY:
            break;
        case CRM_CELL_TEXT:
        case CRM_CELL_WORD:
            s_field(o, crm_cell_text(cells, c), c->len, c->kind == CRM_CELL_TEXT);
            break;
        case CRM_CELL_INT:
            s_put(o, buf, strlen(crm_i64(buf, c->i)));
            break;
        case CRM_CELL_DOUBLE:
            s_put(o, buf, (size_t)snprintf(buf, sizeof buf, "%.17g", c->d));
            break;
        case CRM_CELL_BOOL:
            s_put(o, c->i ? "true" : "false", c->i ? 4 : 5);
            break;
        }
        if (i % ncols == ncols - 1)
            s_put(o, "\r\n", 2);
    }
}

void crm_csv_append(crm_csv_out_t *o, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *f = fields[i] ? fields[i] : "";
        if (i)
            s_put(o, ",", 1);
        s_field(o, f, strlen(f), 0);
    }
    s_put(o, "\r\n", 2);
}
