/* customers_validate.c: the checks and normal forms of a customer's typed
 * fields, shared by create, edit, conversion and import (crm/form.h), and
 * its data completeness (资料完善度). Pure: no database, no call. */
#include <string.h>

#include "customers.h"

#define MAX_TAGS 20

int customers_validate(const customer_input_t *in, customer_norm_t *out, crm_errs_t *errs)
{
    const crm_form_field_t f[] = {
        {.field = "name", .value = in->name, .kind = CRM_FORM_TEXT, .max = 200, .required = 1},
        {.field = "mobile",
         .value = in->mobile,
         .kind = CRM_FORM_MOBILE,
         .max = 32,
         .out = out->mobile,
         .cap = sizeof out->mobile},
        {.field = "telephone",
         .value = in->telephone,
         .kind = CRM_FORM_LANDLINE,
         .max = 32,
         .out = out->telephone,
         .cap = sizeof out->telephone},
        {.field = "email", .value = in->email, .kind = CRM_FORM_EMAIL, .max = 254},
        {.field = "wechat", .value = in->wechat, .kind = CRM_FORM_TEXT, .max = 64},
        {.field = "qq", .value = in->qq, .kind = CRM_FORM_DIGITS, .max = 20},
        {.field = "company", .value = in->company, .kind = CRM_FORM_TEXT, .max = 200},
        {.field = "source", .value = in->source, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "level", .value = in->level, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "industry", .value = in->industry, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "province", .value = in->province, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "city", .value = in->city, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "district", .value = in->district, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "address", .value = in->address, .kind = CRM_FORM_TEXT, .max = 500},
        {.field = "remark", .value = in->remark, .kind = CRM_FORM_TEXT, .max = 2000},
        {.field = "legal_representative",
         .value = in->legal_representative,
         .kind = CRM_FORM_TEXT,
         .max = 100},
        {.field = "credit_code", .value = in->credit_code, .kind = CRM_FORM_CREDIT_CODE, .max = 18},
        {.field = "bank", .value = in->bank, .kind = CRM_FORM_TEXT, .max = 100},
        {.field = "bank_account", .value = in->bank_account, .kind = CRM_FORM_DIGITS, .max = 40},
    };
    size_t before = errs->n;
    crm_form_check(f, sizeof f / sizeof f[0], errs);
    if (in->has_tags)
        crm_form_tags(errs, "tags", in->tags, in->n_tags, MAX_TAGS, 30);
    return errs->n > before ? -1 : 0;
}

static int s_set(const char *s)
{
    return s && *s;
}

int customers_completeness(const customer_t *c)
{
    const int filled[] = {
        s_set(c->name),
        s_set(c->mobile),
        s_set(c->telephone),
        s_set(c->email),
        s_set(c->wechat),
        s_set(c->qq),
        s_set(c->company) || c->enterprise_id,
        s_set(c->source),
        s_set(c->level),
        s_set(c->industry),
        c->n_tags > 0,
        s_set(c->province),
        s_set(c->city),
        s_set(c->district),
        s_set(c->address),
        s_set(c->remark),
        s_set(c->legal_representative),
        s_set(c->credit_code),
        s_set(c->bank),
        s_set(c->bank_account),
        c->next_contact_at_us != 0,
    };
    int n = (int)(sizeof filled / sizeof filled[0]), k = 0;
    for (int i = 0; i < n; i++)
        k += filled[i];
    return (k * 100 + n / 2) / n;
}
