/* leads_import_rows.c: the rows of one import chunk, from the request's
 * rows or from CSV text (the kit's reader, crm/import_csv.h, with the lead
 * columns: the header names in Chinese or English, as the import template
 * has them), and the checks of each row: the typed fields
 * (leads_validate), the configured lists, and duplicate mobiles inside the
 * chunk (crm_import_dedup). Pure: no database, no call. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "leads_import.h"

/* The columns a CSV header may name: the key (also the stored mapping), the
 * names the template and people use, and where the value goes. */
static const crm_import_column_t s_columns[] = {
    {"name", "线索", "线索名称", offsetof(lead_input_t, name)},
    {"mobile", "手机", "手机号", offsetof(lead_input_t, mobile)},
    {"telephone", "电话", "固定电话", offsetof(lead_input_t, telephone)},
    {"email", "邮箱", "电子邮箱", offsetof(lead_input_t, email)},
    {"wechat", "微信", "微信号", offsetof(lead_input_t, wechat)},
    {"qq", "QQ", "QQ号", offsetof(lead_input_t, qq)},
    {"company", "公司", "公司名称", offsetof(lead_input_t, company)},
    {"source", "来源", "线索来源", offsetof(lead_input_t, source)},
    {"level", "等级", "线索等级", offsetof(lead_input_t, level)},
    {"industry", "行业", "所属行业", offsetof(lead_input_t, industry)},
    {"tags", "标签", NULL, CRM_IMPORT_LIST},
    {"province", "省", "省份", offsetof(lead_input_t, province)},
    {"city", "市", "城市", offsetof(lead_input_t, city)},
    {"district", "区", "区县", offsetof(lead_input_t, district)},
    {"address", "详细地址", "地址", offsetof(lead_input_t, address)},
    {"remark", "备注", NULL, offsetof(lead_input_t, remark)},
};

/* Columns of the template that are accepted and ignored (an empty name
 * too: spreadsheets leave them). */
static const char *const s_ignored[] = {"",         "ID", "部门id", "推送类型", "department_id",
                                        "push_type"};

static const crm_import_format_t s_format = {
    .columns = s_columns,
    .n_columns = sizeof s_columns / sizeof s_columns[0],
    .ignored = s_ignored,
    .n_ignored = sizeof s_ignored / sizeof s_ignored[0],
    .list_at = offsetof(lead_input_t, tags),
    .n_list_at = offsetof(lead_input_t, n_tags),
    .required = "线索 (name)",
    .doc = "docs/leads.md",
};

void leads_import_rows_clear(import_rows_t *out)
{
    crm_import_text_clear(&out->text);
    free(out->rows);
    free(out->header);
    memset(out, 0, sizeof *out);
}

void leads_import_from_rows(Crm__Leads__ImportRow *const *rows, size_t n, import_rows_t *out)
{
    memset(out, 0, sizeof *out);
    out->rows = crm_calloc(n ? n : 1, sizeof *out->rows);
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        const Crm__Leads__ImportRow *r = rows[i];
        out->rows[i].in = (lead_input_t){
            r->name,    r->mobile,   r->telephone, r->email,    r->wechat, r->qq,
            r->company, r->source,   r->level,     r->industry, r->remark, r->province,
            r->city,    r->district, r->address,   r->tags,     r->n_tags};
    }
}

/* A record of the CSV: a new row, its input to fill (NULL when bad). */
static void *s_record(void *arg, const char *bad)
{
    import_rows_t *out = arg;
    out->rows = crm_push(out->rows, &out->n, &out->cap, sizeof *out->rows);
    import_row_t *row = &out->rows[out->n - 1];
    if (!bad)
        return &row->in;
    row->field = "csv";
    snprintf(row->msg, sizeof row->msg, "%s", bad);
    return NULL;
}

int leads_import_from_csv(const char *csv, size_t len, const char *header, import_rows_t *out,
                          char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    if (crm_import_csv(&s_format, csv, len, header, &out->text, &out->header, s_record, out, msg,
                       cap) < 0) {
        leads_import_rows_clear(out);
        return -1;
    }
    return 0;
}

/* ---- checks ----------------------------------------------------------- */

/* The typed fields and the lists: marks row invalid if one is wrong. */
static void s_check_row(import_row_t *row, const crm_options_t *o)
{
    const char *field, *value;
    char m[160];
    if (leads_validate(&row->in, 0, &row->norm, &field, m, sizeof m) < 0) {
        row->field = field;
        snprintf(row->msg, sizeof row->msg, "%s %s", field, m);
        return;
    }
    field = crm_options_unlisted(o, row->in.level, row->in.industry, row->in.source, &value);
    if (field) {
        row->field = field;
        snprintf(row->msg, sizeof row->msg,
                 "%s \"%s\" is not one of the configured values (GET /api/v1/lead-options)", field,
                 value);
    }
}

const char **leads_import_check(import_rows_t *rows, const crm_options_t *opts,
                                int allow_duplicates, size_t *n)
{
    const char **keys = crm_malloc((rows->n ? rows->n : 1) * sizeof *keys);
    size_t *dup = crm_malloc((rows->n ? rows->n : 1) * sizeof *dup);
    for (size_t i = 0; i < rows->n; i++) {
        import_row_t *row = &rows->rows[i];
        if (!row->field)
            s_check_row(row, opts);
        keys[i] = row->field ? NULL : row->norm.mobile;
    }
    const char **mobiles = NULL;
    *n = 0;
    if (!allow_duplicates) {
        mobiles = crm_import_dedup(keys, rows->n, dup, n);
        for (size_t i = 0; i < rows->n; i++)
            rows->rows[i].dup_row = dup[i];
    }
    free(dup);
    free(keys);
    return mobiles;
}
