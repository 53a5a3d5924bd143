/* leads_validate.c: the checks and normal forms of a lead's typed fields,
 * shared by create, edit and import: lengths, UTF-8, phone numbers, e-mail,
 * tags. Pure: no database, no call. */
#include <stdio.h>
#include <string.h>

#include "crm/check.h"
#include "crm/validate.h"
#include "leads.h"

#define MAX_TAGS 20

static const char *s_str(const char *s)
{
    return s ? s : "";
}

/* A text field of at most max characters. */
static int s_text(const char *field, const char *v, long max, int required, const char **bad,
                  char *msg, size_t cap)
{
    long len = crm_utf8_len(s_str(v));
    if (len < 0)
        snprintf(msg, cap, "is not valid UTF-8");
    else if (len > max)
        snprintf(msg, cap, "is longer than %ld characters", max);
    else if (required && len == 0)
        snprintf(msg, cap, "is required");
    else
        return 0;
    *bad = field;
    return -1;
}

int leads_validate(const lead_input_t *in, int name_optional, lead_norm_t *out, const char **field,
                   char *msg, size_t cap)
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
        if (s_text(texts[i].field, texts[i].value, texts[i].max, i == 0 && !name_optional, field,
                   msg, cap) < 0)
            return -1;
    out->mobile[0] = out->telephone[0] = '\0';
    if (*s_str(in->mobile) && crm_phone_mobile(in->mobile, out->mobile) < 0) {
        *field = "mobile";
        snprintf(msg, cap, "is not a mainland mobile number (11 digits, 13x-19x)");
        return -1;
    }
    if (*s_str(in->telephone) &&
        crm_phone_landline(in->telephone, out->telephone, sizeof out->telephone) < 0) {
        *field = "telephone";
        snprintf(msg, cap, "is not a landline number (area code and 7 or 8 digits)");
        return -1;
    }
    if (*s_str(in->email) && !crm_email_valid(in->email)) {
        *field = "email";
        snprintf(msg, cap, "is not an e-mail address");
        return -1;
    }
    if (*s_str(in->qq) && strspn(in->qq, "0123456789") != strlen(in->qq)) {
        *field = "qq";
        snprintf(msg, cap, "is not a QQ number (digits only)");
        return -1;
    }
    if (in->n_tags > MAX_TAGS) {
        *field = "tags";
        snprintf(msg, cap, "at most %d tags", MAX_TAGS);
        return -1;
    }
    for (size_t i = 0; i < in->n_tags; i++)
        if (s_text("tags", in->tags[i], 30, 1, field, msg, cap) < 0)
            return -1;
    return 0;
}

int leads_check_input(crm_rpc_call_t *call, const lead_input_t *in, int name_optional,
                      lead_norm_t *out)
{
    const char *field;
    char msg[160];
    if (leads_validate(in, name_optional, out, &field, msg, sizeof msg) == 0)
        return 1;
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s %s", field, msg);
    return 0;
}
