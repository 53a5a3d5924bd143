/* form.c: the typed fields of a record, checked as a table (crm/form.h). */
#include <stdio.h>
#include <string.h>

#include "crm/form.h"
#include "crm/validate.h"

int crm_form_date_valid(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* The alphabet of GB 32100: digits and capitals without I, O, S, V, Z; a
 * character's value is its place. */
static const char s_code_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int crm_form_credit_code_valid(const char *s)
{
    static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (strlen(s) != 18)
        return 0;
    int sum = 0, v[18];
    for (int i = 0; i < 18; i++) {
        const char *p = s[i] ? strchr(s_code_alphabet, s[i]) : NULL;
        if (!p)
            return 0;
        v[i] = (int)(p - s_code_alphabet);
    }
    for (int i = 0; i < 17; i++)
        sum += v[i] * weights[i];
    return v[17] == (31 - sum % 31) % 31;
}

/* The form of a non-empty value of kind k: 0, or -1 with its error added. */
static int s_form(const crm_form_field_t *f, crm_errs_t *errs)
{
    switch (f->kind) {
    case CRM_FORM_MOBILE:
        if (crm_phone_mobile(f->value, f->out) < 0)
            return crm_errs_invalid(errs, f->field,
                                    "%s is not a mainland mobile number (11 digits, 13x-19x)",
                                    f->field);
        return 0;
    case CRM_FORM_LANDLINE:
        if (crm_phone_landline(f->value, f->out, f->cap) < 0)
            return crm_errs_invalid(errs, f->field,
                                    "%s is not a landline number (area code and 7 or 8 digits)",
                                    f->field);
        return 0;
    case CRM_FORM_EMAIL:
        return crm_email_valid(f->value)
                   ? 0
                   : crm_errs_invalid(errs, f->field, "%s is not an e-mail address", f->field);
    case CRM_FORM_DIGITS:
        return strspn(f->value, "0123456789") == strlen(f->value)
                   ? 0
                   : crm_errs_invalid(errs, f->field, "%s takes digits only", f->field);
    case CRM_FORM_DATE:
        return crm_form_date_valid(f->value)
                   ? 0
                   : crm_errs_invalid(errs, f->field, "%s is not a date (YYYY-MM-DD)", f->field);
    case CRM_FORM_CREDIT_CODE:
        return crm_form_credit_code_valid(f->value)
                   ? 0
                   : crm_errs_invalid(errs, f->field,
                                      "%s is not a unified social credit code (18 characters,"
                                      " its last the check character)",
                                      f->field);
    case CRM_FORM_TEXT:
        break;
    }
    return 0;
}

int crm_form_check(const crm_form_field_t *f, size_t n, crm_errs_t *errs)
{
    size_t before = errs->n;
    for (size_t i = 0; i < n; i++) {
        if (!f[i].value)
            continue;
        if ((f[i].kind == CRM_FORM_MOBILE || f[i].kind == CRM_FORM_LANDLINE) && f[i].out)
            f[i].out[0] = '\0';
        crm_err_t err;
        if (crm_text_check(&err, f[i].field, f[i].value, f[i].max ? f[i].max : 200, f[i].required) <
            0) {
            crm_errs_invalid(errs, f[i].field, "%s", err.message);
            continue;
        }
        if (f[i].value[0])
            s_form(&f[i], errs);
    }
    return errs->n > before ? -1 : 0;
}

int crm_form_tags(crm_errs_t *errs, const char *field, char *const *tags, size_t n,
                  size_t max_items, long max_len)
{
    if (n > max_items)
        return crm_errs_invalid(errs, field, "%s: at most %zu", field, max_items);
    for (size_t i = 0; i < n; i++) {
        crm_err_t err;
        if (crm_text_check(&err, field, tags[i], max_len, 1) < 0)
            return crm_errs_invalid(errs, field, "%s", err.message);
    }
    return 0;
}
