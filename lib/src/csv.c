/* csv.c: a reader of CSV text held in memory (see csv.h). One pass over the
 * bytes; a record's fields are unquoted into one growing buffer, and the
 * field pointers handed out point into it. And the writer of records the
 * reader reads back. */
#include "crm/csv.h"

#include <stdlib.h>
#include <string.h>

#include "crm/util.h"

struct crm_csv {
    const char *p, *end;
    size_t line;        /* the line p is on */
    size_t record_line; /* where the last record (or the error) starts */
    const char *error;
    char *buf; /* the record's fields, each NUL-terminated */
    size_t len, cap;
    size_t *starts; /* offsets of the fields in buf */
    char **fields;
    size_t n, ncap;
};

crm_csv_t *crm_csv_new(const char *text, size_t len)
{
    crm_csv_t *r = crm_calloc(1, sizeof *r);
    r->p = text;
    r->end = text + len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r->p += 3;
    r->line = 1;
    return r;
}

void crm_csv_destroy(crm_csv_t **r_p)
{
    crm_csv_t *r = r_p ? *r_p : NULL;
    if (!r)
        return;
    free(r->buf);
    free(r->starts);
    free(r->fields);
    free(r);
    *r_p = NULL;
}

static void s_put(crm_csv_t *r, char c)
{
    if (r->len == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->buf = crm_realloc(r->buf, r->cap);
    }
    r->buf[r->len++] = c;
}

static void s_begin_field(crm_csv_t *r)
{
    if (r->n == r->ncap) {
        r->ncap = r->ncap ? 2 * r->ncap : 16;
        r->starts = crm_realloc(r->starts, r->ncap * sizeof *r->starts);
    }
    r->starts[r->n++] = r->len;
}

static int s_fail(crm_csv_t *r, const char *why)
{
    r->error = why;
    r->record_line = r->line;
    return -1;
}

/* At a line break (CRLF or LF)? Returns its length, or 0. */
static size_t s_newline(const crm_csv_t *r, const char *p)
{
    if (p < r->end && *p == '\n')
        return 1;
    if (p < r->end && *p == '\r')
        return p + 1 == r->end ? 1 : p[1] == '\n' ? 2 : 0; /* a CR alone ends the text */
    return 0;
}

/* A quoted field: p is past the opening quote. Leaves r->p after the
 * closing quote. */
static int s_quoted(crm_csv_t *r)
{
    const char *p = r->p;
    size_t start = r->line;
    for (;;) {
        if (p == r->end) {
            r->line = start; /* report where it opens */
            return s_fail(r, "a quoted field is not closed");
        }
        if (*p == '"') {
            if (p + 1 < r->end && p[1] == '"') {
                s_put(r, '"');
                p += 2;
                continue;
            }
            r->p = p + 1;
            return 0;
        }
        if (*p == '\n')
            r->line++;
        s_put(r, *p++);
    }
}

/* One field; leaves r->p at the comma, line break or end after it. */
static int s_field(crm_csv_t *r)
{
    s_begin_field(r);
    if (r->p < r->end && *r->p == '"') {
        r->p++;
        if (s_quoted(r) < 0)
            return -1;
        if (r->p < r->end && *r->p != ',' && !s_newline(r, r->p))
            return s_fail(r, "a quoted field is followed by text (quote the whole field)");
    } else {
        while (r->p < r->end && *r->p != ',' && !s_newline(r, r->p)) {
            if (*r->p == '"')
                return s_fail(r, "a quote inside an unquoted field (quote the field)");
            s_put(r, *r->p++);
        }
    }
    s_put(r, '\0');
    return 0;
}

/* Skips empty lines before a record. */
static void s_skip_empty(crm_csv_t *r)
{
    size_t nl;
    while ((nl = s_newline(r, r->p)) > 0) {
        r->p += nl;
        r->line++;
    }
}

int crm_csv_next(crm_csv_t *r, char ***fields, size_t *n)
{
    if (r->error)
        return -1;
    s_skip_empty(r);
    if (r->p >= r->end)
        return 0;
    r->record_line = r->line;
    r->len = r->n = 0;
    for (;;) {
        if (s_field(r) < 0)
            return -1;
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        size_t nl = s_newline(r, r->p);
        r->p += nl;
        r->line += nl > 0;
        break;
    }
    r->fields = crm_realloc(r->fields, r->n * sizeof *r->fields);
    for (size_t i = 0; i < r->n; i++)
        r->fields[i] = r->buf + r->starts[i];
    *fields = r->fields;
    *n = r->n;
    return 1;
}

size_t crm_csv_line(const crm_csv_t *r)
{
    return r->record_line;
}

const char *crm_csv_error(const crm_csv_t *r)
{
    return r->error;
}
