/* customers_contact_import_rows.c: the rows of one contacts import chunk,
 * from the request's rows or from CSV text (the kit's reader,
 * crm/import_csv.h, with the contact columns: the header names in Chinese
 * or English), and the checks of each row: its customer named (by name or
 * id), the contact's fields as Customers.CreateContact checks them, primary
 * a yes or a no; then its key (the mobile) and the rows repeating an
 * earlier one's. No database, no call: which customer a name means is the
 * screen's (customers_contact_import_screen.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crm/util.h"
#include "customers_contact_import.h"

#define IN(f) offsetof(contact_input_t, f)

/* The columns a CSV header may name: the key (also the stored mapping),
 * the names people use, and where the value goes. The name is required,
 * and one of the customer's name and id (s_one_of). */
static const crm_import_column_t s_columns[] = {
    {"name", "姓名", "联系人", IN(name)},
    {"customer", "客户名称", "客户", IN(customer)},
    {"customer_id", "客户ID", "客户编号", IN(customer_id)},
    {"title", "职务", "职位", IN(title)},
    {"mobile", "手机", "手机号", IN(mobile)},
    {"telephone", "电话", "固定电话", IN(telephone)},
    {"email", "邮箱", "电子邮箱", IN(email)},
    {"wechat", "微信", "微信号", IN(wechat)},
    {"birthday", "生日", "出生日期", IN(birthday)},
    {"remark", "备注", NULL, IN(remark)},
    {"primary", "首要联系人", "主联系人", IN(primary)},
};
static const size_t s_one_of[] = {1, 2};

static const crm_import_format_t s_format = {
    .columns = s_columns,
    .n_columns = sizeof s_columns / sizeof s_columns[0],
    .required = "姓名 (name)",
    .one_of = s_one_of,
    .n_one_of = sizeof s_one_of / sizeof s_one_of[0],
    .one_of_said = "客户名称 (customer) or 客户ID (customer_id)",
    .doc = "docs/customers.md",
};

void contact_import_rows_clear(contact_rows_t *out)
{
    for (size_t i = 0; i < out->n; i++)
        free(out->rows[i].customer_name);
    crm_import_text_clear(&out->text);
    free(out->rows);
    free(out->header);
    memset(out, 0, sizeof *out);
}

/* A new row (zeroed) at the end of out. */
static contact_row_t *s_add(contact_rows_t *out)
{
    out->rows = crm_push(out->rows, &out->n, &out->cap, sizeof *out->rows);
    return &out->rows[out->n - 1];
}

void contact_import_from_rows(Crm__Customers__ContactImportRow *const *rows, size_t n,
                              contact_rows_t *out)
{
    for (size_t i = 0; i < n; i++) {
        const Crm__Customers__ContactImportRow *r = rows[i];
        contact_row_t *row = s_add(out);
        row->in = (contact_input_t){
            .customer = r->customer,
            .name = r->name,
            .title = r->title,
            .mobile = r->mobile,
            .telephone = r->telephone,
            .email = r->email,
            .wechat = r->wechat,
            .birthday = r->birthday,
            .remark = r->remark,
        };
        row->customer_id = r->customer_id;
        row->primary = r->primary;
    }
}

/* A record of the CSV: a new row, its input to fill (NULL when bad). */
static void *s_record(void *arg, const char *bad)
{
    contact_row_t *row = s_add(arg);
    if (!bad)
        return &row->in;
    snprintf(row->msg, sizeof row->msg, "%s", bad);
    row->wrong_width = 1;
    return NULL;
}

int contact_import_from_csv(const char *csv, size_t len, const char *header, contact_rows_t *out,
                            char *msg, size_t cap)
{
    return crm_import_csv(&s_format, csv, len, header, &out->text, &out->header, s_record, out, msg,
                          cap);
}

/* ---- checks ----------------------------------------------------------- */

/* A yes or a no as people write it in a sheet: 1, 0, or -1 for neither.
 * Empty is a no. */
static int s_yes_no(const char *s)
{
    static const char *const yes[] = {"是", "true", "yes", "y", "1"};
    static const char *const no[] = {"否", "false", "no", "n", "0", ""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    return -1;
}

/* The customer a row names, by id (its column's digits) or by name: the
 * field at fault in errs. */
static void s_customer(contact_row_t *row, crm_errs_t *errs)
{
    const contact_input_t *in = &row->in;
    if (in->customer_id && *in->customer_id &&
        (crm_parse_i64(in->customer_id, &row->customer_id) < 0 || row->customer_id < 1)) {
        crm_errs_invalid(errs, "customer_id",
                         "customer_id \"%.40s\" is not a customer's id (digits, as"
                         " GET /api/v1/customers shows it)",
                         in->customer_id);
        return;
    }
    if (row->customer_id < 0) {
        crm_errs_invalid(errs, "customer_id", "customer_id must not be negative");
        return;
    }
    int named = in->customer && *in->customer;
    if (!row->customer_id && !named) {
        crm_errs_invalid(errs, "customer",
                         "name the customer the contact belongs to: 客户名称 (customer) or"
                         " 客户ID (customer_id)");
        return;
    }
    const crm_form_field_t f[] = {
        {.field = "customer", .value = in->customer, .kind = CRM_FORM_TEXT, .max = 200},
    };
    if (crm_form_check(f, 1, errs) == 0 && named) {
        row->customer_name = crm_strtrim(in->customer);
        if (!*row->customer_name) { /* only spaces: none given */
            free(row->customer_name);
            row->customer_name = NULL;
            if (!row->customer_id)
                crm_errs_invalid(errs, "customer", "the customer's name is only spaces");
        }
    }
}

/* Marks row invalid (v) if a field is wrong: the first at fault. errs is
 * the caller's scratch. */
static void s_check_row(contact_row_t *row, crm_import_row_t *v, crm_errs_t *errs)
{
    errs->n = 0;
    if (row->wrong_width) {
        v->field = "csv";
        v->message = row->msg;
        return;
    }
    s_customer(row, errs);
    const contact_input_t *in = &row->in;
    Crm__Customers__Contact k = CRM__CUSTOMERS__CONTACT__INIT;
    k.name = (char *)(in->name ? in->name : ""); /* required */
    k.title = (char *)in->title;
    k.mobile = (char *)in->mobile;
    k.telephone = (char *)in->telephone;
    k.email = (char *)in->email;
    k.wechat = (char *)in->wechat;
    k.birthday = (char *)in->birthday;
    k.remark = (char *)in->remark;
    if (!errs->n)
        customers_contact_check(&k, 1, "", row->mobile, row->telephone, errs);
    int yes = in->primary ? s_yes_no(in->primary) : row->primary;
    if (!errs->n && yes < 0)
        crm_errs_invalid(errs, "primary",
                         "primary is 是 or 否 (true or false), not \"%.40s\"; empty: 否",
                         in->primary);
    row->primary = yes > 0;
    if (errs->n) {
        v->field = errs->e[0].field;
        v->message = row->msg;
        snprintf(row->msg, sizeof row->msg, "%.255s", errs->e[0].message);
    }
}

const char **contact_import_check(contact_rows_t *rows, crm_import_row_t *v, int allow_duplicates,
                                  size_t *n)
{
    crm_errs_t *errs = crm_malloc(sizeof *errs);
    const char **keys = crm_calloc(rows->n + 1, sizeof *keys);
    for (size_t i = 0; i < rows->n; i++) {
        contact_row_t *row = &rows->rows[i];
        s_check_row(row, &v[i], errs);
        if (!v[i].field && row->mobile[0])
            keys[i] = v[i].key = row->mobile;
    }
    free(errs);
    const char **out = NULL;
    *n = 0;
    if (!allow_duplicates) {
        size_t *dup = crm_calloc(rows->n + 1, sizeof *dup);
        out = crm_import_dedup(keys, rows->n, dup, n);
        for (size_t i = 0; i < rows->n; i++)
            v[i].dup_row = dup[i];
        free(dup);
    }
    free(keys);
    return out;
}
