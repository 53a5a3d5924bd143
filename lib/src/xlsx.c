/* xlsx.c: the first worksheet of an XLSX workbook as rows of text cells
 * (see crm/xlsx.h): the archive opened from memory with libzip, each XML
 * part read whole (within the limits) and walked with libxml2's streaming
 * reader: the workbook and its relationships (which part is the first
 * sheet), the shared strings, the styles (which cell formats are dates),
 * then the sheet's rows. */
#include "crm/xlsx.h"

#include <libxml/xmlreader.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "crm/util.h"

#define MAX_COLUMN 16384 /* XFD: the last column a workbook may have */

typedef struct {
    zip_t *zip;
    const crm_xlsx_limits_t *lim;
    char *msg;
    size_t cap;
    char **strings; /* the shared strings */
    size_t n_strings;
    unsigned char *date_xf; /* per cell format (xf): is it a date? */
    size_t n_xf;
    int date1904;
    size_t text; /* bytes of cell text so far */
} s_book_t;

static int s_fail(s_book_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int s_fail(s_book_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->msg, b->cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* A growing string. */
typedef struct {
    char *s;
    size_t len, cap;
} s_str_t;

static void s_append(s_str_t *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = crm_realloc(t->s, t->cap);
    }
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

/* The text so far (empty: ""), taken from t. Caller frees. */
static char *s_take(s_str_t *t)
{
    char *s = t->s ? t->s : crm_strdup("");
    memset(t, 0, sizeof *t);
    return s;
}

/* ---- parts ----------------------------------------------------------- */

/* The bytes of part name (NUL-terminated) in *out: 1; 0 when the archive
 * has no such part; -1 with the message. */
static int s_part(s_book_t *b, const char *name, char **out, size_t *len)
{
    *out = NULL;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(b->zip, name, 0, &st) < 0)
        return 0;
    if (!(st.valid & ZIP_STAT_SIZE) || st.size > b->lim->max_part)
        return s_fail(b, "the workbook's %s is too large (%llu bytes unpacked; at most %zu)", name,
                      (unsigned long long)st.size, b->lim->max_part);
    zip_file_t *f = zip_fopen(b->zip, name, 0);
    if (!f)
        return s_fail(b, "the workbook's %s cannot be read (%s)", name, zip_strerror(b->zip));
    char *buf = crm_malloc(st.size + 1);
    zip_int64_t n = zip_fread(f, buf, st.size);
    char tail;
    int more = n >= 0 && zip_fread(f, &tail, 1) != 0; /* also checks the CRC at the end */
    zip_fclose(f);
    if (n < 0 || (zip_uint64_t)n != st.size || more) {
        free(buf);
        return s_fail(b, "the workbook's %s is damaged", name);
    }
    buf[n] = '\0';
    *out = buf;
    *len = (size_t)n;
    return 1;
}

/* A streaming reader of an XML part's text, or NULL. */
static xmlTextReaderPtr s_reader(const char *xml, size_t len)
{
    if (len > INT32_MAX)
        return NULL;
    return xmlReaderForMemory(xml, (int)len, NULL, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* The next node of r: 1, 0 at the end, -1 with the message (not well
 * formed, or a DTD: no part of a workbook has one). */
static int s_next(s_book_t *b, xmlTextReaderPtr r, const char *part)
{
    int rc = xmlTextReaderRead(r);
    if (rc < 0)
        return s_fail(b, "the workbook's %s is not well-formed XML", part);
    if (rc == 1 && xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE)
        return s_fail(b, "the workbook's %s carries a DTD", part);
    return rc;
}

static int s_is(xmlTextReaderPtr r, int type, const char *name)
{
    return xmlTextReaderNodeType(r) == type &&
           strcmp((const char *)xmlTextReaderConstLocalName(r), name) == 0;
}

#define S_OPEN(r, name) s_is(r, XML_READER_TYPE_ELEMENT, name)
#define S_CLOSE(r, name) s_is(r, XML_READER_TYPE_END_ELEMENT, name)

/* Is the node text (or a space kept)? */
static int s_text_node(xmlTextReaderPtr r)
{
    int t = xmlTextReaderNodeType(r);
    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
           t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || t == XML_READER_TYPE_WHITESPACE;
}

/* Attribute name of the current element (caller frees), or NULL. */
static char *s_attr(xmlTextReaderPtr r, const char *name)
{
    xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
    char *s = v ? crm_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* The value of the element's attribute of local name `local` in any
 * namespace (r:id, whatever the prefix), or NULL; caller frees. */
static char *s_attr_ns(xmlTextReaderPtr r, const char *local)
{
    char *out = NULL;
    while (!out && xmlTextReaderMoveToNextAttribute(r) == 1)
        if (xmlTextReaderConstNamespaceUri(r) &&
            strcmp((const char *)xmlTextReaderConstLocalName(r), local) == 0)
            out = crm_strdup((const char *)xmlTextReaderConstValue(r));
    xmlTextReaderMoveToElement(r);
    return out;
}

/* Walks part name's XML with fn called on each node: 0, or -1. */
static int s_walk(s_book_t *b, const char *name, const char *xml, size_t len,
                  int (*fn)(s_book_t *b, xmlTextReaderPtr r, void *arg), void *arg)
{
    xmlTextReaderPtr r = s_reader(xml, len);
    if (!r)
        return s_fail(b, "the workbook's %s cannot be read", name);
    int rc;
    while ((rc = s_next(b, r, name)) == 1)
        if (fn(b, r, arg) < 0) {
            rc = -1;
            break;
        }
    xmlFreeTextReader(r);
    return rc;
}

/* ---- the workbook: which part is the first sheet --------------------- */

typedef struct {
    char *rid;  /* the first sheet's relationship */
    char *path; /* its part */
} s_first_t;

static int s_on_workbook(s_book_t *b, xmlTextReaderPtr r, void *arg)
{
    s_first_t *f = arg;
    if (S_OPEN(r, "workbookPr")) {
        char *v = s_attr(r, "date1904");
        b->date1904 = v && (!strcmp(v, "1") || !strcasecmp(v, "true"));
        free(v);
    } else if (S_OPEN(r, "sheet") && !f->rid) {
        f->rid = s_attr_ns(r, "id");
    }
    return 0;
}

static int s_on_rels(s_book_t *b, xmlTextReaderPtr r, void *arg)
{
    (void)b;
    s_first_t *f = arg;
    if (!S_OPEN(r, "Relationship") || f->path)
        return 0;
    char *id = s_attr(r, "Id"), *target = s_attr(r, "Target");
    if (id && target && !strcmp(id, f->rid))
        f->path = target[0] == '/' ? crm_strdup(target + 1) : crm_sprintf("xl/%s", target);
    free(id);
    free(target);
    return 0;
}

/* The part of the first sheet (caller frees), or NULL after the message. */
static char *s_first_sheet(s_book_t *b)
{
    char *xml;
    size_t len;
    int rc = s_part(b, "xl/workbook.xml", &xml, &len);
    if (rc == 0)
        s_fail(b, "not an XLSX workbook: the archive has no xl/workbook.xml (an .ods or .xlsb "
                  "is not read: save it as .xlsx)");
    if (rc <= 0)
        return NULL;
    s_first_t f = {NULL, NULL};
    rc = s_walk(b, "xl/workbook.xml", xml, len, s_on_workbook, &f);
    free(xml);
    if (rc == 0 && !f.rid)
        s_fail(b, "the workbook has no worksheet");
    if (rc == 0 && f.rid) {
        rc = s_part(b, "xl/_rels/workbook.xml.rels", &xml, &len);
        if (rc > 0)
            rc = s_walk(b, "xl/_rels/workbook.xml.rels", xml, len, s_on_rels, &f);
        free(xml);
        if (rc == 0 && !f.path)
            s_fail(b, "the workbook's first sheet (%s) has no part", f.rid);
    }
    free(f.rid);
    if (rc < 0 || !f.path) {
        free(f.path);
        return NULL;
    }
    return f.path;
}

/* ---- shared strings -------------------------------------------------- */

typedef struct {
    s_str_t cur;
    int in_t, in_rph;
    size_t cap;
} s_sst_t;

static int s_on_sst(s_book_t *b, xmlTextReaderPtr r, void *arg)
{
    s_sst_t *s = arg;
    int empty = xmlTextReaderIsEmptyElement(r) > 0;
    if (S_OPEN(r, "rPh") && !empty)
        s->in_rph = 1;
    else if (S_CLOSE(r, "rPh"))
        s->in_rph = 0;
    else if (S_OPEN(r, "t") && !empty)
        s->in_t = 1;
    else if (S_CLOSE(r, "t"))
        s->in_t = 0;
    else if (s->in_t && !s->in_rph && s_text_node(r))
        s_append(&s->cur, (const char *)xmlTextReaderConstValue(r));
    else if (S_CLOSE(r, "si") || (S_OPEN(r, "si") && empty)) {
        if (b->n_strings == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 256;
            b->strings = crm_realloc(b->strings, s->cap * sizeof *b->strings);
        }
        b->strings[b->n_strings++] = s_take(&s->cur);
    }
    return 0;
}

static int s_shared_strings(s_book_t *b)
{
    char *xml;
    size_t len;
    int rc = s_part(b, "xl/sharedStrings.xml", &xml, &len);
    if (rc <= 0)
        return rc; /* none: a workbook of numbers and inline strings */
    s_sst_t s = {{NULL, 0, 0}, 0, 0, 0};
    rc = s_walk(b, "xl/sharedStrings.xml", xml, len, s_on_sst, &s);
    free(s.cur.s);
    free(xml);
    return rc;
}

/* ---- styles: which cell formats are dates ---------------------------- */

/* Is built-in number format id a date or time (ECMA-376 18.8.30, with the
 * East Asian ones Chinese Excel writes)? */
static int s_builtin_date(long id)
{
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
           (id >= 50 && id <= 58);
}

/* Does a custom format code show a date or time: a y, m, d, h or s outside
 * quoted text, escapes and [colour] sections? */
static int s_code_date(const char *code)
{
    for (const char *p = code; *p; p++) {
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            if (!q)
                return 0;
            p = q;
        } else if (*p == '\\' && p[1]) {
            p++;
        } else if (*p == '[') {
            const char *q = strchr(p, ']');
            if (!q)
                return 0;
            if (strchr("hHmMsS", p[1])) /* elapsed time: [h]:mm */
                return 1;
            p = q;
        } else if (strchr("yYmMdDhHsS", *p)) {
            return 1;
        }
    }
    return 0;
}

typedef struct {
    long *ids; /* custom formats: id, and whether a date */
    unsigned char *dates;
    size_t n, cap;
    int in_xfs;
    size_t xf_cap;
} s_styles_t;

static int s_is_date_id(const s_styles_t *st, long id)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->ids[i] == id)
            return st->dates[i];
    return s_builtin_date(id);
}

static int s_on_styles(s_book_t *b, xmlTextReaderPtr r, void *arg)
{
    s_styles_t *st = arg;
    if (S_OPEN(r, "numFmt")) {
        char *id = s_attr(r, "numFmtId"), *code = s_attr(r, "formatCode");
        if (id && code) {
            if (st->n == st->cap) {
                st->cap = st->cap ? 2 * st->cap : 16;
                st->ids = crm_realloc(st->ids, st->cap * sizeof *st->ids);
                st->dates = crm_realloc(st->dates, st->cap);
            }
            st->ids[st->n] = strtol(id, NULL, 10);
            st->dates[st->n++] = (unsigned char)s_code_date(code);
        }
        free(id);
        free(code);
    } else if (S_OPEN(r, "cellXfs") && xmlTextReaderIsEmptyElement(r) == 0) {
        st->in_xfs = 1;
    } else if (S_CLOSE(r, "cellXfs")) {
        st->in_xfs = 0;
    } else if (st->in_xfs && S_OPEN(r, "xf")) {
        char *id = s_attr(r, "numFmtId");
        if (b->n_xf == st->xf_cap) {
            st->xf_cap = st->xf_cap ? 2 * st->xf_cap : 16;
            b->date_xf = crm_realloc(b->date_xf, st->xf_cap);
        }
        b->date_xf[b->n_xf++] = (unsigned char)(id && s_is_date_id(st, strtol(id, NULL, 10)));
        free(id);
    }
    return 0;
}

static int s_styles(s_book_t *b)
{
    char *xml;
    size_t len;
    int rc = s_part(b, "xl/styles.xml", &xml, &len);
    if (rc <= 0)
        return rc;
    s_styles_t st = {NULL, NULL, 0, 0, 0, 0};
    rc = s_walk(b, "xl/styles.xml", xml, len, s_on_styles, &st);
    free(st.ids);
    free(st.dates);
    free(xml);
    return rc;
}

/* ---- cell values ------------------------------------------------------- */

/* Days since 1970-01-01 into a civil date (H. Hinnant's algorithm). */
static void s_civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* A date serial as text: "2026-01-15", with " 09:30:00" when it has a
 * time of day; NULL when it is no date (negative, past 9999). */
static char *s_date(double serial, int date1904)
{
    if (!(serial >= 0 && serial < 2958466))
        return NULL;
    int64_t secs = (int64_t)llround(serial * 86400.0);
    int64_t days = secs / 86400, tod = secs % 86400;
    /* 1900 system: day 1 is 1900-01-01 and Excel counts a 29 February
     * 1900 (day 60) that never was; 1904 system: day 0 is 1904-01-01. */
    int64_t unix_days;
    if (date1904)
        unix_days = days - 24107; /* 1904-01-01 */
    else
        unix_days = days - (days < 60 ? 25568 : 25569); /* from 1899-12-31 / 1899-12-30 */
    int y, m, d;
    s_civil(unix_days, &y, &m, &d);
    if (!tod)
        return crm_sprintf("%04d-%02d-%02d", y, m, d);
    return crm_sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, m, d, (int)(tod / 3600),
                       (int)(tod / 60 % 60), (int)(tod % 60));
}

/* A number cell's text: as written, a whole number in E notation in
 * digits, a date as its date. Caller frees. */
static char *s_number(const s_book_t *b, const char *v, int date)
{
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end)
        return crm_strdup(v);
    if (date) {
        char *s = s_date(x, b->date1904);
        if (s)
            return s;
    }
    if (strpbrk(v, "eE") && fabs(x) < 1e15 && x == floor(x))
        return crm_sprintf("%.0f", x);
    return crm_strdup(v);
}

/* A cell's column from its reference ("B7": 2), or 0. */
static size_t s_column(const char *ref)
{
    size_t col = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ref++) {
        col = col * 26 + (size_t)(*ref - 'A' + 1);
        if (col > MAX_COLUMN)
            return 0;
    }
    return col;
}

/* ---- the sheet --------------------------------------------------------- */

typedef struct {
    crm_xlsx_sheet_t *out;
    size_t cap;
    crm_xlsx_row_t row; /* the row being read */
    size_t row_cap;
    size_t col; /* the current cell's column (1: A) */
    char *type; /* its t attribute, or NULL */
    long style; /* its s attribute */
    s_str_t v;  /* its <v> */
    s_str_t is; /* its inline string */
    int in_v, in_t, in_rph, in_is;
} s_sheet_t;

/* The text of the current cell, by its type. Caller frees; NULL after the
 * message. */
static char *s_cell_text(s_book_t *b, s_sheet_t *s)
{
    const char *t = s->type ? s->type : "n";
    const char *v = s->v.s ? s->v.s : "";
    if (!strcmp(t, "inlineStr"))
        return s_take(&s->is);
    if (!strcmp(t, "s")) {
        char *end;
        unsigned long i = strtoul(v, &end, 10);
        if (!*v || *end || i >= b->n_strings) {
            s_fail(b, "a cell of row %zu names shared string \"%s\"; the workbook has %zu",
                   s->row.number, v, b->n_strings);
            return NULL;
        }
        return crm_strdup(b->strings[i]);
    }
    if (!strcmp(t, "b"))
        return crm_strdup(!*v ? "" : strcmp(v, "0") ? "TRUE" : "FALSE");
    if (!strcmp(t, "n")) {
        int date = s->style >= 0 && (size_t)s->style < b->n_xf && b->date_xf[s->style];
        return s_number(b, v, date);
    }
    return crm_strdup(v); /* str (a formula's text), e (an error), d (ISO 8601) */
}

/* Places the current cell in the row (empty cells are left out). */
static int s_cell_end(s_book_t *b, s_sheet_t *s)
{
    char *text = s_cell_text(b, s);
    free(s->type);
    s->type = NULL;
    free(s->v.s);
    free(s->is.s);
    memset(&s->v, 0, sizeof s->v);
    memset(&s->is, 0, sizeof s->is);
    if (!text)
        return -1;
    if (!*text) {
        free(text);
        return 0;
    }
    size_t len = strlen(text);
    if (s->col > b->lim->max_columns || b->text + len > b->lim->max_text) {
        free(text);
        if (s->col > b->lim->max_columns)
            return s_fail(b, "row %zu has a value in column %zu; at most %zu columns are read",
                          s->row.number, s->col, b->lim->max_columns);
        return s_fail(b, "the sheet holds more than %zu bytes of text", b->lim->max_text);
    }
    b->text += len;
    crm_xlsx_row_t *row = &s->row;
    if (s->col > row->n) {
        if (s->col > s->row_cap) {
            size_t cap = s->row_cap ? s->row_cap * 2 : 16;
            while (cap < s->col)
                cap *= 2;
            row->cells = crm_realloc(row->cells, cap * sizeof *row->cells);
            s->row_cap = cap;
        }
        for (size_t i = row->n; i < s->col; i++)
            row->cells[i] = NULL;
        row->n = s->col;
    }
    free(row->cells[s->col - 1]); /* a cell given twice: the last one */
    row->cells[s->col - 1] = text;
    return 0;
}

/* Ends the current row: kept when it has a value. */
static int s_row_end(s_book_t *b, s_sheet_t *s)
{
    crm_xlsx_row_t *row = &s->row;
    if (!row->n)
        return 0;
    for (size_t i = 0; i < row->n; i++)
        if (!row->cells[i])
            row->cells[i] = crm_strdup("");
    crm_xlsx_sheet_t *out = s->out;
    if (out->n == b->lim->max_rows)
        return s_fail(b, "the sheet has more than %zu rows", b->lim->max_rows);
    if (out->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        out->rows = crm_realloc(out->rows, s->cap * sizeof *out->rows);
    }
    out->rows[out->n++] = *row;
    size_t number = row->number;
    memset(row, 0, sizeof *row);
    row->number = number;
    s->row_cap = 0;
    return 0;
}

static void s_cell_start(xmlTextReaderPtr r, s_sheet_t *s)
{
    char *ref = s_attr(r, "r"), *style = s_attr(r, "s");
    size_t col = ref ? s_column(ref) : 0;
    s->col = col ? col : s->col + 1;
    s->type = s_attr(r, "t");
    s->style = style ? strtol(style, NULL, 10) : -1;
    free(ref);
    free(style);
}

static int s_on_sheet(s_book_t *b, xmlTextReaderPtr r, void *arg)
{
    s_sheet_t *s = arg;
    int empty = xmlTextReaderIsEmptyElement(r) > 0;
    if (S_OPEN(r, "row")) {
        char *n = s_attr(r, "r");
        long number = n ? strtol(n, NULL, 10) : 0;
        free(n);
        s->row.number = number > 0 ? (size_t)number : s->row.number + 1;
        s->col = 0;
        if (empty)
            return s_row_end(b, s);
    } else if (S_CLOSE(r, "row")) {
        return s_row_end(b, s);
    } else if (S_OPEN(r, "c")) {
        s_cell_start(r, s);
        if (empty)
            return s_cell_end(b, s);
    } else if (S_CLOSE(r, "c")) {
        return s_cell_end(b, s);
    } else if (S_OPEN(r, "v") && !empty) {
        s->in_v = 1;
    } else if (S_CLOSE(r, "v")) {
        s->in_v = 0;
    } else if (S_OPEN(r, "is") && !empty) {
        s->in_is = 1;
    } else if (S_CLOSE(r, "is")) {
        s->in_is = 0;
    } else if (S_OPEN(r, "rPh") && !empty) {
        s->in_rph = 1;
    } else if (S_CLOSE(r, "rPh")) {
        s->in_rph = 0;
    } else if (S_OPEN(r, "t") && !empty) {
        s->in_t = 1;
    } else if (S_CLOSE(r, "t")) {
        s->in_t = 0;
    } else if (s_text_node(r)) {
        const char *text = (const char *)xmlTextReaderConstValue(r);
        if (s->in_v)
            s_append(&s->v, text);
        else if (s->in_is && s->in_t && !s->in_rph)
            s_append(&s->is, text);
    }
    return 0;
}

static int s_sheet(s_book_t *b, const char *path, crm_xlsx_sheet_t *out)
{
    char *xml;
    size_t len;
    int rc = s_part(b, path, &xml, &len);
    if (rc == 0)
        return s_fail(b, "the workbook's first sheet (%s) is missing", path);
    if (rc < 0)
        return -1;
    s_sheet_t s;
    memset(&s, 0, sizeof s);
    s.out = out;
    rc = s_walk(b, path, xml, len, s_on_sheet, &s);
    for (size_t i = 0; i < s.row.n; i++)
        free(s.row.cells[i]);
    free(s.row.cells);
    free(s.type);
    free(s.v.s);
    free(s.is.s);
    free(xml);
    return rc;
}

/* ---- the workbook ------------------------------------------------------ */

void crm_xlsx_init(void)
{
    xmlInitParser();
}

int crm_xlsx_read(const void *data, size_t len, const crm_xlsx_limits_t *lim, crm_xlsx_sheet_t *out,
                  char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    s_book_t b;
    memset(&b, 0, sizeof b);
    b.lim = lim;
    b.msg = msg;
    b.cap = cap;
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &zerr);
    if (src)
        b.zip = zip_open_from_source(src, ZIP_RDONLY, &zerr);
    if (!b.zip) {
        zip_source_free(src);
        zip_error_fini(&zerr);
        return s_fail(&b, "not an XLSX workbook: not a ZIP archive (an .xls of Excel 97-2003 "
                          "or an encrypted workbook is not read: save it as .xlsx)");
    }
    zip_error_fini(&zerr);
    char *path = s_first_sheet(&b);
    int rc = path && s_shared_strings(&b) >= 0 && s_styles(&b) >= 0 ? s_sheet(&b, path, out) : -1;
    free(path);
    zip_discard(b.zip); /* read only: nothing to write back */
    for (size_t i = 0; i < b.n_strings; i++)
        free(b.strings[i]);
    free(b.strings);
    free(b.date_xf);
    if (rc < 0)
        crm_xlsx_clear(out);
    return rc < 0 ? -1 : 0;
}

void crm_xlsx_clear(crm_xlsx_sheet_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->rows[i].n; k++)
            free(s->rows[i].cells[k]);
        free(s->rows[i].cells);
    }
    free(s->rows);
    memset(s, 0, sizeof *s);
}
