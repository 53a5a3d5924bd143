/* leads_history.c: what a lead's history entry says changed. Every change
 * of the change engine records, in its entry's detail, each field of the
 * lead that differs before and after (crm/history.h); the History call
 * masks the contacts in it for a caller who sees the lead masked. */
#include <stdlib.h>
#include <string.h>

#include "crm/history.h"
#include "crm/pbjson.h"
#include "crm/util.h"
#include "leads.h"

/* The fields a history entry leaves out: the record's bookkeeping, which
 * moves with every change or is said by the entry itself. Every other
 * field of the lead is followed, a new one included. */
static crm_history_skip_t s_unfollowed = {
    "id",           "creator_id",        "created_at",       "updated_at",
    "owner_since",  "pooled_at",         "last_followup_at", "last_followup_content",
    "converted_at", "previous_owner_id", "masked",           NULL,
};

/* The contacts a pool's mask hides (leads_mask). */
static const char *const s_contacts[] = {"mobile", "telephone", "email", "wechat", "qq"};

char *leads_history_detail(const char *op_detail, const Crm__Leads__Lead *before,
                           const Crm__Leads__Lead *after)
{
    return crm_history_detail(op_detail, &before->base, &after->base, s_unfollowed);
}

/* Masks the string value v of a contact, in place in its parent. */
static void s_mask_value(json_t *change, const char *key)
{
    json_t *v = json_object_get(change, key);
    if (!json_is_string(v) || !*json_string_value(v))
        return;
    char buf[1][CRM_POOL_MASK_LEN];
    char *s = (char *)json_string_value(v), **fields[] = {&s};
    crm_pool_mask(fields, 1, buf);
    json_object_set_new(change, key, json_string(s));
}

static int s_is_contact(const char *field)
{
    for (size_t i = 0; i < sizeof s_contacts / sizeof s_contacts[0]; i++)
        if (field && !strcmp(field, s_contacts[i]))
            return 1;
    return 0;
}

char *leads_history_mask(const char *detail)
{
    json_t *d = detail && *detail ? json_loads(detail, 0, NULL) : NULL;
    json_t *changes = json_object_get(d, "changes");
    int masked = 0;
    for (size_t i = 0; i < json_array_size(changes); i++) {
        json_t *c = json_array_get(changes, i);
        if (!s_is_contact(json_string_value(json_object_get(c, "field"))))
            continue;
        s_mask_value(c, "old");
        s_mask_value(c, "new");
        masked = 1;
    }
    char *text = masked ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    return text;
}
