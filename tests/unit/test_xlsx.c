/* test_xlsx.c: the XLSX reader (lib/src/xlsx.c) on real workbooks written
 * by libxlsxwriter, once with shared strings and once with inline strings
 * (its constant-memory mode): text in Chinese, numbers as written (a mobile
 * typed as a number), dates in a custom and a built-in format, a boolean,
 * a rich string, cells and rows left out; on workbooks made part by part
 * (the 1904 date system, E notation, formula, error and ISO date cells,
 * phonetic guides left out); and what it refuses: not a ZIP, a ZIP without
 * a workbook, a workbook without a sheet, a DTD, a damaged part, the
 * limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "crm/csv.h"
#include "crm/xlsx.h"
#include "unit.h"
#include "xlsx_fixture.h"

static const crm_xlsx_limits_t s_lim = {1 << 20, 1000, 64, 1 << 20};
static char s_dir[64];

static const char *s_path(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", s_dir, name);
    return p;
}

/* Reads bytes; returns crm_xlsx_read's answer, msg in *msg. */
static int s_read(const unsigned char *b, size_t len, const crm_xlsx_limits_t *lim,
                  crm_xlsx_sheet_t *s, char *msg)
{
    return crm_xlsx_read(b, len, lim, s, msg, 256);
}

static const char *s_cell(const crm_xlsx_sheet_t *s, size_t r, size_t c)
{
    return r < s->n && c < s->rows[r].n ? s->rows[r].cells[c] : "(none)";
}

/* ---- workbooks as libxlsxwriter writes them ------------------------------ */

#define COLS 6
/* clang-format off */
static const char *const s_cells[] = {
    "客户名称",       "手机",           "备注",           "日期",          "时间",                "是否",
    "北京星河科技",   "=n:13800138000", "第一行\n第二行", "=d:2026-01-15", "=t:2026-01-15 09:30", "=b:1",
    "上海, \"引号\"", "",               "=n:12.5",        NULL,            NULL,                  "=b:0",
    NULL,             NULL,             NULL,             NULL,            NULL,                  NULL,
    "=r:粗体|普通",   NULL,             NULL,             NULL,            NULL,                  "末列",
};
/* clang-format on */

static void s_check_sheet(const crm_xlsx_sheet_t *s)
{
    CHECK(s->n == 4); /* the empty row is left out */
    CHECK(s->rows[0].number == 1 && s->rows[3].number == 5);
    CHECK(s->rows[0].n == COLS && !strcmp(s_cell(s, 0, 0), "客户名称"));
    CHECK(!strcmp(s_cell(s, 1, 0), "北京星河科技"));
    CHECK(!strcmp(s_cell(s, 1, 1), "13800138000"));
    CHECK(!strcmp(s_cell(s, 1, 2), "第一行\n第二行"));
    CHECK(!strcmp(s_cell(s, 1, 3), "2026-01-15"));
    CHECK(!strcmp(s_cell(s, 1, 4), "2026-01-15 09:30:00"));
    CHECK(!strcmp(s_cell(s, 1, 5), "TRUE"));
    CHECK(!strcmp(s_cell(s, 2, 0), "上海, \"引号\""));
    CHECK(!strcmp(s_cell(s, 2, 1), "")); /* a cell left out */
    CHECK(!strcmp(s_cell(s, 2, 2), "12.5"));
    CHECK(!strcmp(s_cell(s, 2, 5), "FALSE"));
    CHECK(!strcmp(s_cell(s, 3, 0), "粗体普通") && !strcmp(s_cell(s, 3, 1), ""));
    CHECK(s->rows[3].n == COLS && !strcmp(s_cell(s, 3, 5), "末列"));
}

static void test_libxlsxwriter(int inline_strings)
{
    size_t len = 0;
    unsigned char *b =
        t_xlsx(s_path(inline_strings ? "inline.xlsx" : "shared.xlsx"), s_cells,
               sizeof s_cells / sizeof s_cells[0] / COLS, COLS, inline_strings, &len);
    CHECK(b != NULL);
    if (!b)
        return;
    crm_xlsx_sheet_t s;
    char msg[256] = "";
    int rc = s_read(b, len, &s_lim, &s, msg);
    CHECK(rc == 0);
    if (rc < 0)
        fprintf(stderr, "read: %s\n", msg);
    else
        s_check_sheet(&s);
    crm_xlsx_clear(&s);
    /* The limits: rows, columns, text. */
    crm_xlsx_limits_t lim = s_lim;
    lim.max_rows = 3;
    CHECK(s_read(b, len, &lim, &s, msg) < 0 && strstr(msg, "more than 3 rows") && s.n == 0);
    lim = s_lim;
    lim.max_columns = 5;
    CHECK(s_read(b, len, &lim, &s, msg) < 0 && strstr(msg, "column 6"));
    lim = s_lim;
    lim.max_text = 40;
    CHECK(s_read(b, len, &lim, &s, msg) < 0 && strstr(msg, "more than 40 bytes"));
    lim = s_lim;
    lim.max_part = 100;
    CHECK(s_read(b, len, &lim, &s, msg) < 0 && strstr(msg, "too large"));
    free(b);
}

/* ---- workbooks made part by part -------------------------------------- */

#define WORKBOOK                                                                                   \
    "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"    \
    "2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">" \
    "%s<sheets><sheet name=\"客户\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>"
#define RELS                                                                                       \
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/"     \
    "2006/relationships\"><Relationship Id=\"rId1\" Target=\"worksheets/other.xml\"/>"             \
    "<Relationship Id=\"rId7\" Target=\"/xl/worksheets/first.xml\"/></Relationships>"
#define STYLES                                                                                     \
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><numFmts>"    \
    "<numFmt numFmtId=\"164\" formatCode=\"&quot;Day&quot; 0.00\"/></numFmts><cellStyleXfs>"       \
    "<xf numFmtId=\"14\"/></cellStyleXfs><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/>"       \
    "<xf numFmtId=\"164\"/><xf numFmtId=\"31\"/></cellXfs></styleSheet>"
#define SST                                                                                         \
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>张三</t>"    \
    "<rPh sb=\"0\" eb=\"2\"><t>ちょう</t></rPh></si><si><r><t xml:space=\"preserve\">A </t></r>" \
    "<r><t>B</t></r></si><si/></sst>"

/* Writes a ZIP of the parts names[i] -> texts[i] to path; its bytes. */
static unsigned char *s_zip(const char *path, const char *const *names, const char *const *texts,
                            size_t n, size_t *len)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    for (size_t i = 0; z && i < n; i++) {
        zip_source_t *src = zip_source_buffer(z, texts[i], strlen(texts[i]), 0);
        zip_file_add(z, names[i], src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    }
    if (!z || zip_close(z) < 0)
        return NULL;
    return t_file_bytes(path, len);
}

/* A workbook of the parts above with sheet as its first sheet. */
static int s_parts(const char *workbook_pr, const char *sheet, crm_xlsx_sheet_t *s, char *msg)
{
    char *wb = NULL;
    if (asprintf(&wb, WORKBOOK, workbook_pr) < 0)
        return -2;
    const char *names[] = {"xl/workbook.xml",         "xl/_rels/workbook.xml.rels",
                           "xl/styles.xml",           "xl/sharedStrings.xml",
                           "xl/worksheets/first.xml", "xl/worksheets/other.xml"};
    const char *texts[] = {wb, RELS, STYLES, SST, sheet, "<worksheet/>"};
    size_t len = 0;
    unsigned char *b = s_zip(s_path("parts.xlsx"), names, texts, 6, &len);
    int rc = b ? s_read(b, len, &s_lim, s, msg) : -2;
    free(b);
    free(wb);
    return rc;
}

#define SHEET(rows)                                                                                \
    "<worksheet "                                                                                  \
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" rows         \
    "</sheetData></worksheet>"

static void test_parts(void)
{
    crm_xlsx_sheet_t s;
    char msg[256] = "";
    int rc = s_parts("<workbookPr date1904=\"1\"/>",
                     SHEET("<row r=\"2\"><c r=\"C2\" t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c>"
                           "<c r=\"F2\" t=\"s\"><v>2</v></c></row>"
                           "<row r=\"3\"><c r=\"A3\"><v>1.3800138001E10</v></c>"
                           "<c r=\"B3\" s=\"1\"><v>0</v></c><c r=\"C3\" s=\"2\"><v>3.5</v></c>"
                           "<c r=\"D3\" s=\"3\"><v>45000.75</v></c>"
                           "<c r=\"E3\" t=\"str\"><f>A3&amp;\"\"</f><v>公式</v></c>"
                           "<c r=\"F3\" t=\"e\"><v>#N/A</v></c><c r=\"G3\" t=\"d\">"
                           "<v>2026-01-15T00:00:00</v></c><c r=\"H3\"><f>1+1</f></c></row>"
                           "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>内联</t></is></c>"
                           "<c r=\"B4\" s=\"1\"/></row><row r=\"9\"/>"),
                     &s, msg);
    CHECK(rc == 0);
    if (rc == 0) {
        CHECK(s.n == 3 && s.rows[0].number == 2);
        CHECK(!strcmp(s_cell(&s, 0, 0), "") && !strcmp(s_cell(&s, 0, 2), "张三"));
        CHECK(!strcmp(s_cell(&s, 0, 3), "A B") && s.rows[0].n == 4); /* F2: an empty string */
        CHECK(!strcmp(s_cell(&s, 1, 0), "13800138001"));             /* E notation */
        CHECK(!strcmp(s_cell(&s, 1, 1), "1904-01-01"));              /* the 1904 system */
        CHECK(!strcmp(s_cell(&s, 1, 2), "3.5"));                     /* "Day" 0.00: no date */
        CHECK(!strcmp(s_cell(&s, 1, 3), "2027-03-16 18:00:00"));     /* 年月日 (31), 1904 */
        CHECK(!strcmp(s_cell(&s, 1, 4), "公式") && !strcmp(s_cell(&s, 1, 5), "#N/A"));
        CHECK(!strcmp(s_cell(&s, 1, 6), "2026-01-15T00:00:00"));
        CHECK(s.rows[1].n == 7); /* H3: a formula without a value is empty */
        CHECK(!strcmp(s_cell(&s, 2, 0), "内联") && s.rows[2].n == 1);
    } else {
        fprintf(stderr, "parts: %s\n", msg);
    }
    crm_xlsx_clear(&s);
    /* The 1900 system, before and after Excel's 29 February 1900. */
    rc = s_parts("",
                 SHEET("<row><c s=\"1\"><v>59</v></c><c s=\"1\"><v>61</v></c>"
                       "<c s=\"1\"><v>46037</v></c></row>"),
                 &s, msg);
    CHECK(rc == 0 && !strcmp(s_cell(&s, 0, 0), "1900-02-28") &&
          !strcmp(s_cell(&s, 0, 1), "1900-03-01") && !strcmp(s_cell(&s, 0, 2), "2026-01-15"));
    crm_xlsx_clear(&s);
    rc = s_parts("", SHEET("<row><c t=\"s\"><v>7</v></c></row>"), &s, msg);
    CHECK(rc < 0 && strstr(msg, "shared string"));
    rc =
        s_parts("", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><worksheet/>", &s, msg);
    CHECK(rc < 0 && strstr(msg, "DTD"));
    rc = s_parts("", "<worksheet><sheetData><row>", &s, msg);
    CHECK(rc < 0 && strstr(msg, "not well-formed"));
}

static void test_refused(void)
{
    crm_xlsx_sheet_t s;
    char msg[256] = "";
    const unsigned char text[] = "客户名称,手机\n张三,13800138000\n";
    CHECK(s_read(text, sizeof text - 1, &s_lim, &s, msg) < 0 && strstr(msg, "not a ZIP archive"));
    size_t len = 0;
    const char *names[] = {"content.xml"}, *texts[] = {"<office:document/>"};
    unsigned char *b = s_zip(s_path("ods.zip"), names, texts, 1, &len);
    CHECK(b && s_read(b, len, &s_lim, &s, msg) < 0 && strstr(msg, "no xl/workbook.xml"));
    free(b);
    const char *wb_names[] = {"xl/workbook.xml"};
    const char *wb_texts[] = {"<workbook><sheets/></workbook>"};
    b = s_zip(s_path("nosheet.zip"), wb_names, wb_texts, 1, &len);
    CHECK(b && s_read(b, len, &s_lim, &s, msg) < 0 && strstr(msg, "no worksheet"));
    free(b);
    /* A damaged archive: bytes of the sheet's packed data changed. */
    b = t_xlsx(s_path("damaged.xlsx"), s_cells, 2, COLS, 0, &len);
    const char *part = "xl/worksheets/sheet1.xml";
    unsigned char *at = b ? memmem(b, len, part, strlen(part)) : NULL;
    CHECK(at != NULL);
    if (at) {
        for (unsigned char *p = at + strlen(part) + 8; p < at + strlen(part) + 40; p++)
            *p ^= 0x5a;
        CHECK(s_read(b, len, &s_lim, &s, msg) < 0 && s.n == 0);
    }
    free(b);
}

/* The CSV writer the gateway turns a sheet into, read back by the reader. */
static void test_csv_roundtrip(void)
{
    crm_csv_out_t o = {NULL, 0, 0};
    const char *rec[] = {"a", "b,c", "d\"e", "第一行\n第二行", ""};
    crm_csv_append(&o, rec, 5);
    crm_csv_append(&o, NULL, 0);
    crm_csv_append(&o, rec, 1);
    CHECK(!strcmp(o.p, "a,\"b,c\",\"d\"\"e\",\"第一行\n第二行\",\r\n\r\na\r\n"));
    crm_csv_t *r = crm_csv_new(o.p, o.len);
    char **f;
    size_t n;
    CHECK(crm_csv_next(r, &f, &n) == 1 && n == 5);
    for (size_t i = 0; i < n && i < 5; i++)
        CHECK(!strcmp(f[i], rec[i]));
    CHECK(crm_csv_next(r, &f, &n) == 1 && n == 1 && !strcmp(f[0], "a"));
    CHECK(crm_csv_next(r, &f, &n) == 0);
    crm_csv_destroy(&r);
    free(o.p);
}

int main(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/test_xlsx.XXXXXX");
    if (!mkdtemp(s_dir))
        return 1;
    test_libxlsxwriter(0);
    test_libxlsxwriter(1);
    test_parts();
    test_refused();
    test_csv_roundtrip();
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
    return unit_result("xlsx");
}
