/* customers_import_rows.c: the rows of one customer import chunk, from the
 * request's rows or from CSV text (the kit's reader, crm/import_csv.h, with
 * the customer columns: the header names in Chinese or English), and the
 * checks of each row: the typed fields (customers_validate), the type, the
 * first contact, the configured lists; then its dedup key and the rows that
 * repeat an earlier one of the chunk. Pure: no database, no call. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crm/util.h"
#include "customers_import.h"

#define IN(f) offsetof(import_input_t, f)

/* The columns a CSV header may name: the key (also the stored mapping), the
 * names people use, and where the value goes. */
static const crm_import_column_t s_columns[] = {
    {"name", "客户名称", "客户", IN(c.name)},
    {"mobile", "手机", "手机号", IN(c.mobile)},
    {"telephone", "电话", "固定电话", IN(c.telephone)},
    {"email", "邮箱", "电子邮箱", IN(c.email)},
    {"wechat", "微信", "微信号", IN(c.wechat)},
    {"qq", "QQ", "QQ号", IN(c.qq)},
    {"company", "公司", "公司名称", IN(c.company)},
    {"type", "客户类型", "类型", IN(type)},
    {"source", "客户来源", "来源", IN(c.source)},
    {"level", "客户级别", "级别", IN(c.level)},
    {"industry", "所属行业", "行业", IN(c.industry)},
    {"tags", "标签", NULL, CRM_IMPORT_LIST},
    {"province", "省", "省份", IN(c.province)},
    {"city", "市", "城市", IN(c.city)},
    {"district", "区", "区县", IN(c.district)},
    {"address", "详细地址", "地址", IN(c.address)},
    {"remark", "备注", NULL, IN(c.remark)},
    {"legal_representative", "法定代表人", "法人", IN(c.legal_representative)},
    {"credit_code", "统一社会信用代码", "信用代码", IN(c.credit_code)},
    {"bank", "开户银行", "开户行", IN(c.bank)},
    {"bank_account", "银行账号", "账号", IN(c.bank_account)},
    {"contact_name", "联系人", "联系人姓名", IN(contact_name)},
    {"contact_mobile", "联系人手机", "联系人手机号", IN(contact_mobile)},
    {"contact_title", "联系人职务", "职务", IN(contact_title)},
};

static const crm_import_format_t s_format = {
    .columns = s_columns,
    .n_columns = sizeof s_columns / sizeof s_columns[0],
    .list_at = IN(c.tags),
    .n_list_at = IN(c.n_tags),
    .required = "客户名称 (name)",
    .doc = "docs/customers.md",
};

void customers_import_rows_clear(import_rows_t *out)
{
    for (size_t i = 0; i < out->n; i++)
        free(out->rows[i].key);
    crm_import_text_clear(&out->text);
    free(out->rows);
    free(out->header);
    memset(out, 0, sizeof *out);
}

/* A new row (zeroed) at the end of out. */
static import_row_t *s_add(import_rows_t *out)
{
    out->rows = crm_push(out->rows, &out->n, &out->cap, sizeof *out->rows);
    return &out->rows[out->n - 1];
}

void customers_import_from_rows(Crm__Customers__CustomerImportRow *const *rows, size_t n,
                                import_rows_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const Crm__Customers__CustomerImportRow *r = rows[i];
        import_row_t *row = s_add(out);
        row->in = (import_input_t){
            .c = CUSTOMER_INPUT_OF(r),
            .contact_name = r->contact_name,
            .contact_mobile = r->contact_mobile,
            .contact_title = r->contact_title,
        };
        row->type = (int)r->type;
    }
}

/* A record of the CSV: a new row, its input to fill (NULL when bad). */
static void *s_record(void *arg, const char *bad)
{
    import_row_t *row = s_add(arg);
    row->in.c.has_tags = 1;
    if (!bad)
        return &row->in;
    row->field = "csv";
    snprintf(row->msg, sizeof row->msg, "%s", bad);
    return NULL;
}

int customers_import_from_csv(const char *csv, size_t len, const char *header, import_rows_t *out,
                              char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    if (crm_import_csv(&s_format, csv, len, header, &out->text, &out->header, s_record, out, msg,
                       cap) < 0) {
        customers_import_rows_clear(out);
        return -1;
    }
    return 0;
}

/* ---- checks ----------------------------------------------------------- */

#define TYPE_COMPANY CRM__CUSTOMERS__CUSTOMER_TYPE__CUSTOMER_TYPE_COMPANY
#define TYPE_INDIVIDUAL CRM__CUSTOMERS__CUSTOMER_TYPE__CUSTOMER_TYPE_INDIVIDUAL

/* The type a CSV cell names: its words; 0 when it names none. */
static int s_type_word(const char *s)
{
    static const struct {
        const char *word;
        int type;
    } words[] = {
        {"企业客户", TYPE_COMPANY},      {"企业", TYPE_COMPANY},        {"公司", TYPE_COMPANY},
        {"company", TYPE_COMPANY},       {"个人客户", TYPE_INDIVIDUAL}, {"个人", TYPE_INDIVIDUAL},
        {"individual", TYPE_INDIVIDUAL},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(s, words[i].word) == 0)
            return words[i].type;
    return 0;
}

/* The type of row: 0 after marking it invalid. */
static int s_type(import_row_t *row)
{
    if (row->in.type && *row->in.type)
        row->type = s_type_word(row->in.type);
    else if (!row->type)
        row->type = TYPE_COMPANY;
    if (row->type == TYPE_COMPANY || row->type == TYPE_INDIVIDUAL)
        return row->type;
    row->field = "type";
    snprintf(row->msg, sizeof row->msg, "type is 企业客户 (company) or 个人客户 (individual)");
    return 0;
}

/* The first contact's fields (when any is given): the field at fault in
 * errs, named as the row's columns. */
static void s_contact(import_row_t *row, crm_errs_t *errs)
{
    const import_input_t *in = &row->in;
    int named = in->contact_name && *in->contact_name;
    if (!named && !(in->contact_mobile && *in->contact_mobile) &&
        !(in->contact_title && *in->contact_title))
        return;
    if (!named) {
        crm_errs_invalid(errs, "contact_name", "a contact needs its name (联系人)");
        return;
    }
    const crm_form_field_t f[] = {
        {.field = "contact_name", .value = in->contact_name, .kind = CRM_FORM_TEXT, .max = 100},
        {.field = "contact_mobile",
         .value = in->contact_mobile,
         .kind = CRM_FORM_MOBILE,
         .max = 32,
         .out = row->contact_mobile,
         .cap = sizeof row->contact_mobile},
        {.field = "contact_title", .value = in->contact_title, .kind = CRM_FORM_TEXT, .max = 100},
    };
    crm_form_check(f, sizeof f / sizeof f[0], errs);
}

/* Marks row invalid if a field is wrong: the first at fault. errs is the
 * caller's scratch. */
static void s_check_row(import_row_t *row, const crm_options_t *o, crm_errs_t *errs)
{
    const char *field, *value;
    errs->n = 0;
    customers_validate(&row->in.c, &row->norm, errs);
    if (!errs->n && s_type(row))
        s_contact(row, errs);
    if (errs->n) {
        row->field = errs->e[0].field;
        snprintf(row->msg, sizeof row->msg, "%.255s", errs->e[0].message);
    } else if (!row->field && (field = crm_options_unlisted(o, row->in.c.level, row->in.c.industry,
                                                            row->in.c.source, &value))) {
        row->field = field;
        snprintf(row->msg, sizeof row->msg,
                 "%s \"%s\" is not one of the configured values (GET /api/v1/customer-options)",
                 field, value);
    }
}

/* A name's key "n:<name>": the spaces around cut and ASCII letters lowered
 * (the database compares lower(btrim(name))). */
static char *s_name_key(const char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    char *key = crm_sprintf("n:%.*s", (int)n, s);
    for (char *p = key + 2; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return key;
}

/* The row's dedup key: "m:<mobile>", else its name's. */
static char *s_key(const import_row_t *row)
{
    if (row->norm.mobile[0])
        return crm_sprintf("m:%s", row->norm.mobile);
    return s_name_key(row->in.c.name);
}

/* Orders row indices by name key, then by position (qsort_r). */
static int s_by_name(const void *a, const void *b, void *arg)
{
    char **names = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(names[i], names[j]);
    return c ? c : (i > j) - (i < j);
}

/* A row without a mobile repeats the first earlier valid row of its name,
 * whatever that row's mobile (as it would repeat that customer once
 * stored): sets its dup_row when crm_import_dedup did not. */
static void s_dup_names(import_rows_t *rows, size_t *dup)
{
    size_t n = rows->n, k = 0;
    char **names = crm_calloc(n + 1, sizeof *names);
    size_t *idx = crm_malloc((n + 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++) {
        import_row_t *row = &rows->rows[i];
        if (row->field)
            continue;
        names[i] = s_name_key(row->in.c.name);
        idx[k++] = i;
    }
    qsort_r(idx, k, sizeof *idx, s_by_name, names);
    size_t first = 0; /* where the current name's rows start in idx */
    for (size_t a = 1; a < k; a++) {
        size_t i = idx[a];
        if (strcmp(names[idx[a - 1]], names[i]) != 0)
            first = a;
        else if (!rows->rows[i].norm.mobile[0] && !dup[i])
            dup[i] = idx[first] + 1;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(idx);
}

const char **customers_import_check(import_rows_t *rows, const crm_options_t *opts,
                                    int allow_duplicates, size_t *n)
{
    crm_errs_t *errs = crm_malloc(sizeof *errs);
    const char **keys = crm_calloc(rows->n + 1, sizeof *keys);
    size_t *dup = crm_calloc(rows->n + 1, sizeof *dup);
    for (size_t i = 0; i < rows->n; i++) {
        import_row_t *row = &rows->rows[i];
        if (!row->field)
            s_check_row(row, opts, errs);
        if (!row->field)
            keys[i] = row->key = s_key(row);
    }
    free(errs);
    const char **out = NULL;
    *n = 0;
    if (!allow_duplicates) {
        free(crm_import_dedup(keys, rows->n, dup, n));
        s_dup_names(rows, dup);
        for (size_t i = 0; i < rows->n; i++)
            if ((rows->rows[i].dup_row = dup[i]))
                keys[i] = NULL;
        out = crm_import_dedup(keys, rows->n, dup, n);
    }
    free(dup);
    free(keys);
    return out;
}
