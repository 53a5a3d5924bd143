/* leads_history.c: what a lead's history entry says changed. Every change
 * of the change engine records, in its entry's detail, each field of the
 * lead that differs before and after, with both values as the HTTP wire
 * shows them ({"changes": [{"field": "remark", "old": "a", "new": "b"}]}:
 * words for enums, RFC 3339 for instants); the History call masks the
 * contacts in it for a caller who sees the lead masked. */
#include <stdlib.h>
#include <string.h>

#include "crm/pbjson.h"
#include "crm/util.h"
#include "leads.h"

/* The fields a history entry leaves out: the record's bookkeeping, which
 * moves with every change or is said by the entry itself. Every other
 * field of the lead is followed, a new one included. */
static const char *const s_unfollowed[] = {
    "id",           "creator_id",        "created_at",       "updated_at",
    "owner_since",  "pooled_at",         "last_followup_at", "last_followup_content",
    "converted_at", "previous_owner_id", "masked",
};

static int s_followed(const char *key)
{
    for (size_t i = 0; i < sizeof s_unfollowed / sizeof s_unfollowed[0]; i++)
        if (!strcmp(key, s_unfollowed[i]))
            return 0;
    return 1;
}

/* The contacts a pool's mask hides (leads_mask). */
static const char *const s_contacts[] = {"mobile", "telephone", "email", "wechat", "qq"};

/* A member of o, or JSON null when the wire form leaves it out. */
static json_t *s_value(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return v ? json_incref(v) : json_null();
}

/* Appends to changes each followed key of x (but those of skip) whose
 * value differs in y, as {field, old: x's, new: y's} (swapped when skip:
 * then x is after). */
static void s_diff(json_t *changes, json_t *x, json_t *y, json_t *skip)
{
    const char *key;
    json_t *xv;
    json_object_foreach(x, key, xv)
    {
        if (!s_followed(key) || (skip && json_object_get(skip, key)))
            continue;
        json_t *yv = s_value(y, key);
        if (!json_equal(xv, yv))
            json_array_append_new(changes, json_pack("{s:s, s:O, s:O}", "field", key, "old",
                                                     skip ? yv : xv, "new", skip ? xv : yv));
        json_decref(yv);
    }
}

char *leads_history_detail(const char *op_detail, const Crm__Leads__Lead *before,
                           const Crm__Leads__Lead *after)
{
    json_t *b = crm_pb_to_json_as(&before->base, CRM_PBJSON_WIRE);
    json_t *a = crm_pb_to_json_as(&after->base, CRM_PBJSON_WIRE);
    json_t *changes = json_array();
    s_diff(changes, b, a, NULL);
    s_diff(changes, a, b, b); /* the keys only after has (before left them out) */
    json_decref(b);
    json_decref(a);
    json_t *d = op_detail && *op_detail ? json_loads(op_detail, 0, NULL) : NULL;
    if (!json_is_object(d)) {
        json_decref(d);
        d = json_object();
    }
    if (json_array_size(changes))
        json_object_set(d, "changes", changes);
    json_decref(changes);
    char *text = json_object_size(d) ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    return text;
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
