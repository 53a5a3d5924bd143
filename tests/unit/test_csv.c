/* test_csv.c: the CSV reader (crm/csv.h): quoting, line breaks, the byte
 * order mark, empty lines, the trailing newline, and the line of each
 * record and of each syntax error; the writer: quoting, CRLF, the formula
 * guard on people's text only, and what it writes read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/csv.h"
#include "crm/table.h"
#include "unit.h"

/* Reads all of text into "f1|f2@line\n..." (the record's start line after
 * @), or "ERROR@line: why". */
static void s_read(const char *text, size_t len, char *out, size_t cap)
{
    crm_csv_t *r = crm_csv_new(text, len);
    size_t used = 0;
    out[0] = '\0';
    char **f;
    size_t n;
    int rc;
    while ((rc = crm_csv_next(r, &f, &n)) == 1) {
        for (size_t i = 0; i < n; i++)
            used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "|" : "", f[i]);
        used += (size_t)snprintf(out + used, cap - used, "@%zu\n", crm_csv_line(r));
    }
    if (rc < 0) {
        snprintf(out + used, cap - used, "ERROR@%zu: %s", crm_csv_line(r), crm_csv_error(r));
        CHECK(crm_csv_next(r, &f, &n) == -1); /* stays failed */
    } else {
        CHECK(crm_csv_error(r) == NULL);
    }
    crm_csv_destroy(&r);
    CHECK(r == NULL);
}

static void s_expect(const char *text, const char *want)
{
    char got[1024];
    s_read(text, strlen(text), got, sizeof got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "  csv %s\n  got  %s\n  want %s\n", text, got, want);
        unit_failed++;
    }
}

/* ---- the writer ---- */

/* Appends a cell of kind with text (TEXT, WORD) to c. */
static void s_add(crm_cells_t *c, crm_cell_kind_t kind, const char *text, int64_t i, double d)
{
    size_t len = text ? strlen(text) : 0;
    c->cells = realloc(c->cells, (c->n + 1) * sizeof *c->cells);
    c->text = realloc(c->text, c->len + len + 1);
    c->cells[c->n++] = (crm_cell_t){.kind = kind, .off = c->len, .len = len, .i = i, .d = d};
    memcpy(c->text + c->len, text ? text : "", len + 1);
    c->len += len + 1;
}

static void s_writer(void)
{
    crm_csv_out_t o = {0};
    const char *names[] = {"id", "name", "a,b"};
    crm_csv_write_raw(&o, CRM_CSV_BOM, strlen(CRM_CSV_BOM));
    crm_csv_write_names(&o, names, 3);
    crm_cells_t c = {0};
    s_add(&c, CRM_CELL_INT, NULL, -5, 0);                 /* a number: as it is */
    s_add(&c, CRM_CELL_TEXT, "=1+1", 0, 0);               /* people's text: guarded */
    s_add(&c, CRM_CELL_TEXT, "say \"hi\", \"ok\"", 0, 0); /* quoted, quotes doubled */
    s_add(&c, CRM_CELL_EMPTY, NULL, 0, 0);
    s_add(&c, CRM_CELL_TEXT, "+86,-1\nx", 0, 0); /* guarded and quoted */
    s_add(&c, CRM_CELL_WORD, "-infinity", 0, 0); /* the suite's word: as it is */
    s_add(&c, CRM_CELL_BOOL, NULL, 1, 0);
    s_add(&c, CRM_CELL_DOUBLE, NULL, 0, 1.5);
    s_add(&c, CRM_CELL_TEXT, "@x", 0, 0);
    crm_csv_write_cells(&o, &c, 3);
    const char *want = "\xEF\xBB\xBF"
                       "id,name,\"a,b\"\r\n"
                       "-5,'=1+1,\"say \"\"hi\"\", \"\"ok\"\"\"\r\n"
                       ",\"'+86,-1\nx\",-infinity\r\n"
                       "true,1.5,'@x\r\n";
    CHECK(o.len == strlen(want) && !memcmp(o.p, want, o.len));
    if (o.len != strlen(want) || memcmp(o.p, want, o.len))
        fprintf(stderr, "  wrote %.*s\n", (int)o.len, o.p);
    /* read back: the reader gives the fields as written, guard and all */
    char got[512];
    s_read(o.p, o.len, got, sizeof got);
    CHECK(!strcmp(got, "id|name|a,b@1\n-5|'=1+1|say \"hi\", \"ok\"@2\n|'+86,-1\nx|-infinity@3\n"
                       "true|1.5|'@x@5\n"));
    free(c.cells);
    free(c.text);
    free(o.p);
}

int main(void)
{
    s_writer();
    /* plain records, LF and CRLF, with and without the last line break */
    s_expect("a,b,c\n1,2,3\n", "a|b|c@1\n1|2|3@2\n");
    s_expect("a,b,c\r\n1,2,3\r\n", "a|b|c@1\n1|2|3@2\n");
    s_expect("a,b\r\n1,2", "a|b@1\n1|2@2\n");
    s_expect("a,b\n1,2\r", "a|b@1\n1|2@2\n");
    s_expect("", "");
    s_expect("\n\r\n", "");
    /* empty fields, and empty lines skipped (their lines still counted) */
    s_expect(",,\n", "||@1\n");
    s_expect("a\n\n\r\nb\n", "a@1\nb@4\n");
    /* a BOM at the start only */
    s_expect("\xEF\xBB\xBF线索,手机\n张三,13800138000\n", "线索|手机@1\n张三|13800138000@2\n");
    s_expect("x,\xEF\xBB\xBFy\n", "x|\xEF\xBB\xBFy@1\n");
    /* quoting: commas, doubled quotes, line breaks inside; empty quoted */
    s_expect("\"a,b\",\"say \"\"hi\"\"\",\"\"\n", "a,b|say \"hi\"|@1\n");
    s_expect("\"line1\nline2\",x\nnext,y\n", "line1\nline2|x@1\nnext|y@3\n");
    s_expect("\"cr\r\nlf\"\r\n", "cr\r\nlf@1\n");
    s_expect("\"中文，逗号\",\"北京市\"\n", "中文，逗号|北京市@1\n");
    /* a CR alone inside a field is data */
    s_expect("a\rb,c\n", "a\rb|c@1\n");
    /* errors, with the line where they are */
    s_expect("a,b\n\"open,x\n", "a|b@1\nERROR@2: a quoted field is not closed");
    s_expect("a\n\"x\ny\nz\n", "a@1\nERROR@2: a quoted field is not closed");
    s_expect("ok\n\"a\"b,c\n",
             "ok@1\nERROR@2: a quoted field is followed by text (quote the whole field)");
    s_expect("ok\nok\nab\"c\n",
             "ok@1\nok@2\nERROR@3: a quote inside an unquoted field (quote the field)");
    s_expect("\"two\nlines\" x\n",
             "ERROR@2: a quoted field is followed by text (quote the whole field)");
    /* the text need not be NUL-terminated: only len bytes are read */
    {
        char got[256];
        s_read("a,b\nc,d", 5, got, sizeof got);
        CHECK(strcmp(got, "a|b@1\nc@2\n") == 0);
    }
    /* many fields and long fields grow the buffers */
    {
        size_t n = 3000;
        char *text = malloc(n * 4 + 2);
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
            len += (size_t)sprintf(text + len, "%s%03zu", i ? "," : "", i % 1000);
        crm_csv_t *r = crm_csv_new(text, len);
        char **f;
        size_t nf = 0;
        CHECK(crm_csv_next(r, &f, &nf) == 1);
        CHECK(nf == n && strcmp(f[0], "000") == 0 && strcmp(f[n - 1], "999") == 0);
        CHECK(crm_csv_next(r, &f, &nf) == 0);
        crm_csv_destroy(&r);
        free(text);
    }
    crm_csv_destroy(NULL);
    return unit_result("csv");
}
