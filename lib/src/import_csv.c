/* import_csv.c: the rows of an import chunk from CSV text (see
 * crm/import_csv.h): the header mapped to the domain's columns and stored
 * for later chunks, each record's values into the domain's input. */
#include "crm/import_csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crm/csv.h"
#include "crm/util.h"
#include "crm/validate.h"

#define MAX_COLUMNS 64
#define IGNORED (-2) /* a column read and dropped */

void crm_import_text_clear(crm_import_text_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->blocks[i]);
    free(t->blocks);
    memset(t, 0, sizeof *t);
}

static void *s_alloc(crm_import_text_t *t, size_t size)
{
    void *p = crm_calloc(1, size ? size : 1);
    t->blocks = crm_realloc(t->blocks, (t->n + 1) * sizeof *t->blocks);
    t->blocks[t->n++] = p;
    return p;
}

/* ---- the header ------------------------------------------------------- */

/* s without the spaces and tabs around it, into out (cap bytes). */
static void s_trim(const char *s, char *out, size_t cap)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    snprintf(out, cap, "%.*s", (int)n, s);
}

/* The column a header name means: its index, IGNORED, or -1. */
static int s_column(const crm_import_format_t *f, const char *name)
{
    for (size_t i = 0; i < f->n_columns; i++) {
        const crm_import_column_t *c = &f->columns[i];
        if (strcasecmp(name, c->key) == 0 || strcmp(name, c->name) == 0 ||
            (c->alias && strcmp(name, c->alias) == 0))
            return (int)i;
    }
    static const char *const plain[] = {"", "ID", "序号"};
    const char *const *ignored = f->ignored ? f->ignored : plain;
    size_t n = f->ignored ? f->n_ignored : sizeof plain / sizeof plain[0];
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(name, ignored[i]) == 0)
            return IGNORED;
    return -1;
}

/* Maps header fields v[0..n) to columns map[0..n). 0, or -1 with msg. */
static int s_map_header(const crm_import_format_t *f, char **v, size_t n, int *map, char *msg,
                        size_t cap)
{
    if (n > MAX_COLUMNS) {
        snprintf(msg, cap, "the header has %zu columns; at most %d", n, MAX_COLUMNS);
        return -1;
    }
    int seen[MAX_COLUMNS] = {0};
    for (size_t i = 0; i < n; i++) {
        char name[128];
        s_trim(v[i], name, sizeof name);
        map[i] = s_column(f, name);
        if (map[i] == -1) {
            snprintf(msg, cap, "unknown column \"%s\" (column %zu of the header; see %s)", name,
                     i + 1, f->doc);
            return -1;
        }
        if (map[i] != IGNORED && seen[map[i]]++) {
            snprintf(msg, cap, "column \"%s\" appears twice in the header", name);
            return -1;
        }
    }
    if (!seen[0]) {
        snprintf(msg, cap, "the header has no %s column", f->required);
        return -1;
    }
    size_t k = 0;
    while (k < f->n_one_of && !seen[f->one_of[k]])
        k++;
    if (f->n_one_of && k == f->n_one_of) {
        snprintf(msg, cap, "the header has no %s column", f->one_of_said);
        return -1;
    }
    return 0;
}

/* The mapping as stored for the later chunks: the keys, comma separated,
 * "" for an ignored column (read back by s_map_header). */
static char *s_mapping_text(const crm_import_format_t *f, const int *map, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += 1 + (map[i] == IGNORED ? 0 : strlen(f->columns[map[i]].key));
    char *out = crm_calloc(1, len);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        if (map[i] != IGNORED)
            strcat(out, f->columns[map[i]].key);
    }
    return out;
}

/* Reads the header: from the stored mapping, or the text's first record. */
static int s_header(const crm_import_format_t *f, crm_csv_t *r, const char *stored, char **header,
                    int *map, size_t *ncols, char *msg, size_t cap)
{
    char **v;
    size_t n = 0;
    int rc;
    if (*stored) {
        crm_csv_t *h = crm_csv_new(stored, strlen(stored));
        rc = crm_csv_next(h, &v, &n) == 1 ? s_map_header(f, v, n, map, msg, cap) : -1;
        crm_csv_destroy(&h);
        if (rc < 0)
            snprintf(msg, cap, "the import's stored header is damaged");
    } else {
        rc = crm_csv_next(r, &v, &n);
        if (rc == 0)
            snprintf(msg, cap, "the first CSV chunk of an import starts with the header");
        rc = rc == 1 ? s_map_header(f, v, n, map, msg, cap) : rc == 0 ? -1 : -2;
        if (rc == 0)
            *header = s_mapping_text(f, map, n);
    }
    *ncols = n;
    return rc;
}

/* How many of map[0..n) name a column (are not ignored). */
static size_t s_mapped(const int *map, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += map[i] != IGNORED;
    return k;
}

/* Is record v[0..n), the first of a later chunk, the import's header again
 * (map, ncols columns)? A chunk cut from a spreadsheet (an XLSX chunk, a
 * file split in parts) repeats it. 1: it is, skip it; -1 with msg: it
 * names as many columns, but others or in another order; 0: it is a record
 * (even one whose values happen to be column names, when it names fewer). */
static int s_header_again(const crm_import_format_t *f, char **v, size_t n, const int *map,
                          size_t ncols, char *msg, size_t cap)
{
    int again[MAX_COLUMNS];
    char why[256];
    if (s_map_header(f, v, n, again, why, sizeof why) < 0 ||
        s_mapped(again, n) != s_mapped(map, ncols))
        return 0;
    if (n == ncols && memcmp(again, map, n * sizeof *map) == 0)
        return 1;
    snprintf(msg, cap,
             "the chunk starts with a header that differs from the import's first: repeat it "
             "with the same columns in the same order, or give none");
    return -1;
}

/* ---- a record --------------------------------------------------------- */

/* Is s one of the list separators (; ； ，)? Returns its length, or 0. */
static size_t s_list_sep(const char *s)
{
    if (*s == ';')
        return 1;
    if (strncmp(s, "；", 3) == 0 || strncmp(s, "，", 3) == 0)
        return 3;
    return 0;
}

/* Splits the list cell s (a copy the record owns) in place into items. */
static size_t s_split(char *s, char **items)
{
    size_t n = 0;
    char *start = s;
    for (char *p = s;; p++) {
        size_t sep = *p ? s_list_sep(p) : 1;
        if (!sep)
            continue;
        int end = !*p;
        *p = '\0';
        char *t = start;
        while (*t == ' ')
            t++;
        size_t len = strlen(t);
        while (len && t[len - 1] == ' ')
            t[--len] = '\0';
        if (len)
            items[n++] = t;
        if (end)
            return n;
        p += sep - 1;
        start = p + 1;
    }
}

static int s_all_empty(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strspn(v[i], " \t") != strlen(v[i]))
            return 0;
    return 1;
}

/* Fills in from record v[0..n) under map (n columns, checked). */
static void s_record(const crm_import_format_t *f, crm_import_text_t *t, void *in, char **v,
                     size_t n, const int *map)
{
    size_t bytes = 0, max_items = 0;
    for (size_t i = 0; i < n; i++) {
        bytes += strlen(v[i]) + 1;
        if (map[i] != IGNORED && f->columns[map[i]].at == CRM_IMPORT_LIST)
            max_items = strlen(v[i]) / 2 + 1; /* an item and a separator: at least 2 bytes */
    }
    char **items = s_alloc(t, max_items * sizeof *items + bytes);
    char *text = (char *)(items + max_items);
    for (size_t i = 0; i < n; i++) {
        if (map[i] == IGNORED)
            continue;
        s_trim(v[i], text, strlen(v[i]) + 1);
        size_t len = strlen(text); /* before the list is cut in place */
        size_t at = f->columns[map[i]].at;
        if (at == CRM_IMPORT_LIST) {
            size_t count = s_split(text, items);
            char *const *list = items;
            memcpy((char *)in + f->list_at, &list, sizeof list);
            memcpy((char *)in + f->n_list_at, &count, sizeof count);
        } else {
            const char *value = text;
            memcpy((char *)in + at, &value, sizeof value);
        }
        text += len + 1;
    }
}

int crm_import_csv(const crm_import_format_t *f, const char *csv, size_t len, const char *stored,
                   crm_import_text_t *text, char **header, crm_import_record_fn record, void *arg,
                   char *msg, size_t cap)
{
    *header = NULL;
    if (crm_utf8_len(csv) < 0) { /* Excel's plain "CSV" is GBK */
        snprintf(msg, cap, "the CSV is not UTF-8 text (save it as \"CSV UTF-8\")");
        return -1;
    }
    crm_csv_t *r = crm_csv_new(csv, len);
    int map[MAX_COLUMNS];
    size_t ncols = 0;
    int rc = s_header(f, r, stored, header, map, &ncols, msg, cap);
    char **v;
    size_t n;
    int first = *stored != '\0'; /* a later chunk: its first record may be the header */
    while (rc == 0 && (rc = crm_csv_next(r, &v, &n)) == 1) {
        rc = 0;
        if (s_all_empty(v, n))
            continue;
        if (first) {
            first = 0;
            int again = s_header_again(f, v, n, map, ncols, msg, cap);
            if (again < 0)
                rc = -1;
            if (again)
                continue; /* skipped, or refused (the loop ends) */
        }
        if (n != ncols) {
            char bad[160];
            snprintf(bad, sizeof bad, "the record on line %zu has %zu columns; the header has %zu",
                     crm_csv_line(r), n, ncols);
            record(arg, bad);
            continue;
        }
        s_record(f, text, record(arg, NULL), v, n, map);
    }
    if (rc < 0 && crm_csv_error(r))
        snprintf(msg, cap, "line %zu: %s", crm_csv_line(r), crm_csv_error(r));
    crm_csv_destroy(&r);
    if (rc < 0) {
        free(*header);
        *header = NULL;
        return -1;
    }
    return 0;
}
