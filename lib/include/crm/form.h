/* form.h: the typed fields of a record as people fill them in (a create,
 * an edit, an import row), checked as a table: each field's kind, length
 * and whether it is required, every field at fault reported at once
 * (crm_errs_t), phone numbers normalised. Pure: every domain's forms
 * (customers, contacts, enterprises; later sales) share it.
 *
 *     char mobile[12];
 *     crm_form_field_t f[] = {
 *         {.field = "name", .value = req->name, .kind = CRM_FORM_TEXT, .max = 200, .required = 1},
 *         {"mobile", req->mobile, CRM_FORM_MOBILE, .out = mobile, .cap = sizeof mobile},
 *     };
 *     crm_errs_t errs = {.n = 0};
 *     if (crm_form_check(f, 2, &errs) < 0) ... crm_rpc_fail_errs(call, &errs);
 *
 * A field whose value is NULL was not given (an edit's field outside its
 * mask): it is not checked, and its out is left as is. */
#ifndef CRM_FORM_H
#define CRM_FORM_H

#include <stddef.h>

#include "err.h"

typedef enum {
    CRM_FORM_TEXT,     /* UTF-8 of at most max characters */
    CRM_FORM_MOBILE,   /* a mainland mobile, normalised into out (cap >= 12) */
    CRM_FORM_LANDLINE, /* a landline, normalised into out (cap >= 24) */
    CRM_FORM_EMAIL,    /* an e-mail address */
    CRM_FORM_DIGITS,   /* digits only (a QQ number, a bank account) */
    CRM_FORM_DATE,     /* a calendar date, "YYYY-MM-DD" */
    CRM_FORM_CREDIT_CODE, /* 统一社会信用代码: 18 characters with its check character (GB 32100) */
} crm_form_kind_t;

typedef struct {
    const char *field; /* the request field (static text) */
    const char *value; /* NULL: not given */
    crm_form_kind_t kind;
    long max;     /* characters (0: the kind's own limit, or 200) */
    int required; /* empty is refused */
    char *out;    /* MOBILE, LANDLINE: the normal form ("" when empty) */
    size_t cap;
} crm_form_field_t;

/* Checks f[0..n): each given field as text (UTF-8, length, required), then
 * its form. Adds one error per field at fault to errs. Returns 0, or -1 if
 * any was added. */
int crm_form_check(const crm_form_field_t *f, size_t n, crm_errs_t *errs);

/* Checks a list of tags: at most max_items, each 1..max_len characters.
 * Adds one error (its first bad tag) to errs: 0, or -1. */
int crm_form_tags(crm_errs_t *errs, const char *field, char *const *tags, size_t n,
                  size_t max_items, long max_len);

/* Is s a valid calendar date "YYYY-MM-DD" (years 1000-9999)? 1 or 0. */
int crm_form_date_valid(const char *s);

/* Is s a unified social credit code (18 characters of the code's alphabet
 * with a matching check character)? 1 or 0. */
int crm_form_credit_code_valid(const char *s);

#endif
