/* leads_validate.c: the checks and normal forms of a lead's typed fields,
 * shared by create, edit and import: lengths, UTF-8, phone numbers, e-mail,
 * tags. Pure: no database, no call. */
#include <stdio.h>
#include <string.h>

#include "crm/check.h"
#include "crm/form.h"
#include "crm/validate.h"
#include "leads.h"

#define MAX_TAGS 20

static const char *s_str(const char *s)
{
    return s ? s : "";
}

/* A text field of at most max characters: 0, or -1 with its error added. */
static int s_text(crm_errs_t *errs, const char *field, const char *v, long max, int required)
{
    long len = crm_utf8_len(s_str(v));
    if (len < 0)
        return crm_errs_invalid(errs, field, "%s is not valid UTF-8", field);
    if (len > max)
        return crm_errs_invalid(errs, field, "%s is longer than %ld characters", field, max);
    if (required && len == 0)
        return crm_errs_invalid(errs, field, "%s is required", field);
    return 0;
}

static void s_texts(const lead_input_t *in, int name_optional, crm_errs_t *errs)
{
    const struct {
        const char *field, *value;
        long max;
    } texts[] = {
        {"name", in->name, 200},       {"email", in->email, 254},
        {"wechat", in->wechat, 64},    {"qq", in->qq, 20},
        {"company", in->company, 200}, {"source", in->source, 50},
        {"level", in->level, 50},      {"industry", in->industry, 50},
        {"remark", in->remark, 2000},  {"province", in->province, 50},
        {"city", in->city, 50},        {"district", in->district, 50},
        {"address", in->address, 500},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        s_text(errs, texts[i].field, texts[i].value, texts[i].max, i == 0 && !name_optional);
}

/* The contact fields' forms (a field already refused as text is not
 * checked again). */
static void s_forms(const lead_input_t *in, lead_norm_t *out, crm_errs_t *errs, size_t text_errs)
{
    out->mobile[0] = out->telephone[0] = '\0';
    if (*s_str(in->mobile) && crm_phone_mobile(in->mobile, out->mobile) < 0)
        crm_errs_invalid(errs, "mobile",
                         "mobile is not a mainland mobile number (11 digits, 13x-19x)");
    if (*s_str(in->telephone) &&
        crm_phone_landline(in->telephone, out->telephone, sizeof out->telephone) < 0)
        crm_errs_invalid(errs, "telephone",
                         "telephone is not a landline number (area code and 7 or 8 digits)");
    int email_refused = 0;
    for (size_t i = 0; i < text_errs; i++)
        email_refused |= !strcmp(errs->e[i].field, "email");
    if (*s_str(in->email) && !email_refused && !crm_email_valid(in->email))
        crm_errs_invalid(errs, "email", "email is not an e-mail address");
    if (*s_str(in->qq) && strspn(in->qq, "0123456789") != strlen(in->qq))
        crm_errs_invalid(errs, "qq", "qq is not a QQ number (digits only)");
}

int leads_validate_all(const lead_input_t *in, int name_optional, lead_norm_t *out,
                       crm_errs_t *errs)
{
    size_t before = errs->n;
    s_texts(in, name_optional, errs);
    s_forms(in, out, errs, errs->n);
    if (in->n_tags > MAX_TAGS)
        crm_errs_invalid(errs, "tags", "tags at most %d tags", MAX_TAGS);
    for (size_t i = 0; i < in->n_tags && i < MAX_TAGS; i++)
        if (s_text(errs, "tags", in->tags[i], 30, 1) < 0)
            break; /* one per array: its first bad element */
    return errs->n > before ? -1 : 0;
}

int leads_validate(const lead_input_t *in, int name_optional, lead_norm_t *out, const char **field,
                   char *msg, size_t cap)
{
    crm_errs_t errs = {.n = 0};
    if (leads_validate_all(in, name_optional, out, &errs) == 0)
        return 0;
    /* The message without its leading field name: the caller adds it. */
    const char *m = errs.e[0].message;
    size_t k = strlen(errs.e[0].field);
    *field = errs.e[0].field;
    snprintf(msg, cap, "%s", !strncmp(m, *field, k) && m[k] == ' ' ? m + k + 1 : m);
    return -1;
}

int leads_check_input(crm_rpc_call_t *call, const lead_input_t *in, int name_optional,
                      lead_norm_t *out)
{
    crm_errs_t errs = {.n = 0};
    if (leads_validate_all(in, name_optional, out, &errs) == 0)
        return 1;
    crm_rpc_fail_errs(call, &errs);
    return 0;
}

/* The largest amount an opportunity takes (sales: 0 to 10^17 minor units). */
#define OPPORTUNITY_AMOUNT_MAX 100000000000000000LL

int leads_check_conversion_opportunity(const Crm__Leads__ConversionOpportunity *o, crm_errs_t *errs)
{
    size_t before = errs->n;
    const char *name = s_str(o->name);
    if (s_text(errs, "opportunity.name", name, 200, 1) == 0 &&
        strspn(name, " \t\r\n") == strlen(name))
        crm_errs_invalid(errs, "opportunity.name", "opportunity.name is required");
    if (o->amount < 0 || o->amount > OPPORTUNITY_AMOUNT_MAX)
        crm_errs_invalid(errs, "opportunity.amount",
                         "opportunity.amount is in minor units, 0 to 10^17");
    if (*s_str(o->expected_close_date) && !crm_form_date_valid(o->expected_close_date))
        crm_errs_invalid(errs, "opportunity.expected_close_date",
                         "opportunity.expected_close_date is a date, YYYY-MM-DD");
    if (o->pipeline_id < 0)
        crm_errs_invalid(errs, "opportunity.pipeline_id",
                         "opportunity.pipeline_id must not be negative (0: the default)");
    return errs->n > before ? -1 : 0;
}
