/* xlsx_fixture.c: real XLSX workbooks for the tests (see xlsx_fixture.h). */
#include "xlsx_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "crm/csv.h"
#include "crm/util.h"

char *t_xlsx_csv(const char *const *cells, size_t rows, size_t cols)
{
    crm_csv_out_t o = {NULL, 0, 0};
    const char **row = calloc(cols + 1, sizeof *row);
    char **owned = calloc(cols + 1, sizeof *owned);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < cols; c++) {
            const char *v = cells[r * cols + c];
            owned[c] = NULL;
            if (!v || v[0] != '=' || strlen(v) < 3 || v[2] != ':')
                row[c] = v ? v : "";
            else if (v[1] == 'b')
                row[c] = v[3] == '1' ? "TRUE" : "FALSE";
            else if (v[1] == 't')
                row[c] = owned[c] = crm_sprintf("%s:00", v + 3);
            else if (v[1] == 'r')
                row[c] = owned[c] = crm_sprintf("%.*s%s", (int)strcspn(v + 3, "|"), v + 3,
                                                strchr(v, '|') ? strchr(v, '|') + 1 : "");
            else
                row[c] = v + 3;
        }
        crm_csv_append(&o, row, cols);
        for (size_t c = 0; c < cols; c++)
            free(owned[c]);
    }
    free(owned);
    free(row);
    return o.p;
}

unsigned char *t_file_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    if (*len != (size_t)n) {
        free(b);
        return NULL;
    }
    return b;
}

/* Writes one cell by its kind (see xlsx_fixture.h). */
static void s_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *v, lxw_format **fmt)
{
    if (!v || !*v)
        return;
    if (!strncmp(v, "=n:", 3)) {
        worksheet_write_number(ws, r, c, strtod(v + 3, NULL), NULL);
    } else if (!strncmp(v, "=d:", 3) || !strncmp(v, "=t:", 3)) {
        lxw_datetime dt = {0, 0, 0, 0, 0, 0};
        sscanf(v + 3, "%d-%d-%d %d:%d", &dt.year, &dt.month, &dt.day, &dt.hour, &dt.min);
        worksheet_write_datetime(ws, r, c, &dt, v[1] == 'd' ? fmt[0] : fmt[1]);
    } else if (!strncmp(v, "=b:", 3)) {
        worksheet_write_boolean(ws, r, c, v[3] == '1', NULL);
    } else if (!strncmp(v, "=r:", 3)) {
        const char *bar = strchr(v + 3, '|');
        char a[128];
        snprintf(a, sizeof a, "%.*s", (int)(bar - v - 3), v + 3);
        lxw_rich_string_tuple one = {fmt[2], a}, two = {NULL, (char *)bar + 1};
        lxw_rich_string_tuple *runs[] = {&one, &two, NULL};
        worksheet_write_rich_string(ws, r, c, runs, NULL);
    } else {
        worksheet_write_string(ws, r, c, v, NULL);
    }
}

unsigned char *t_xlsx(const char *path, const char *const *cells, size_t rows, size_t cols,
                      int inline_strings, size_t *len)
{
    lxw_workbook_options opt = {.constant_memory = inline_strings ? LXW_TRUE : LXW_FALSE,
                                .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb)
        return NULL;
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *fmt[3] = {workbook_add_format(wb), workbook_add_format(wb),
                          workbook_add_format(wb)};
    format_set_num_format(fmt[0], "yyyy-mm-dd");
    format_set_num_format_index(fmt[1], 22); /* m/d/yy h:mm */
    format_set_bold(fmt[2]);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            s_cell(ws, (lxw_row_t)r, (lxw_col_t)c, cells[r * cols + c], fmt);
    if (workbook_close(wb) != LXW_NO_ERROR)
        return NULL;
    return t_file_bytes(path, len);
}
