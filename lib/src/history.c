/* history.c: what a history entry says changed (crm/history.h): the two
 * records in their wire form, compared key by key; and an entry's row. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crm/history.h"
#include "crm/pbjson.h"
#include "crm/util.h"

static int s_followed(const char *key, const char *const *skip)
{
    for (size_t i = 0; skip && skip[i]; i++)
        if (!strcmp(key, skip[i]))
            return 0;
    return 1;
}

/* A member of o, or JSON null when the wire form leaves it out. */
static json_t *s_value(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return v ? json_incref(v) : json_null();
}

/* Appends to changes each followed key of x (but those after_only has not:
 * then x is after and only its own keys count) whose value differs in y,
 * as {field, old, new}. */
static void s_diff(json_t *changes, json_t *x, json_t *y, json_t *after_only,
                   const char *const *skip)
{
    const char *key;
    json_t *xv;
    json_object_foreach(x, key, xv)
    {
        if (!s_followed(key, skip) || (after_only && json_object_get(after_only, key)))
            continue;
        json_t *yv = s_value(y, key);
        if (!json_equal(xv, yv))
            json_array_append_new(changes,
                                  json_pack("{s:s, s:O, s:O}", "field", key, "old",
                                            after_only ? yv : xv, "new", after_only ? xv : yv));
        json_decref(yv);
    }
}

/* The changes between before and after, as an array of {field, old, new}. */
static json_t *s_changes(const ProtobufCMessage *before, const ProtobufCMessage *after,
                         const char *const *skip)
{
    json_t *b = crm_pb_to_json_as(before, CRM_PBJSON_WIRE);
    json_t *a = crm_pb_to_json_as(after, CRM_PBJSON_WIRE);
    json_t *changes = json_array();
    s_diff(changes, b, a, NULL, skip);
    s_diff(changes, a, b, b, skip); /* the keys only after has (before left them out) */
    json_decref(b);
    json_decref(a);
    return changes;
}

char *crm_history_detail(const char *op_detail, const ProtobufCMessage *before,
                         const ProtobufCMessage *after, const char *const *skip)
{
    json_t *changes = s_changes(before, after, skip);
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

size_t crm_history_changed(const ProtobufCMessage *before, const ProtobufCMessage *after,
                           const char *const *skip, char **out, size_t max)
{
    json_t *changes = s_changes(before, after, skip);
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(changes) && n < max; i++)
        out[n++] = strdup(json_string_value(json_object_get(json_array_get(changes, i), "field")));
    json_decref(changes);
    return n;
}

void crm_history_add(crm_db_batch_t *b, const char *stmt, const crm_history_entry_t *e)
{
    char id[24], actor[24], at[24], from[24], to[24];
    const char *p[] = {e->kind,
                       crm_i64(id, e->record_id),
                       e->action,
                       crm_i64(actor, e->actor_id),
                       crm_i64(at, e->at_us),
                       crm_i64(from, e->from_owner_id),
                       crm_i64(to, e->to_owner_id),
                       e->reason ? e->reason : "",
                       e->detail ? e->detail : ""};
    crm_db_batch_add(b, stmt, 9, p);
}
