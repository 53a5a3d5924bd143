/* gateway_patch.c: a PATCH body as JSON merge patch (RFC 7396). The keys
 * present become the request's update_mask (crm/mask.h), so a service
 * changes exactly those fields: a key with a value sets its field, a key
 * with null clears it (the field's default, still named in the mask), an
 * absent key stays. Keys are the request's fields (or their RFC 3339 time
 * aliases, named in the mask by the field); the rest is the decoder's.
 * A POST whose request has an update_mask (a dry run of a change: POST
 * /customer-pools/{id}/preview) takes its body the same way. */
#include <string.h>

#include "crm/pbjson.h"
#include "gateway_patch.h"

int gw_patch_applies(const gw_call_t *c, const ProtobufCMessageDescriptor *d)
{
    if (strcmp(c->route->method, "PATCH") != 0 && strcmp(c->route->method, "POST") != 0)
        return 0;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(d, "update_mask");
    return f && f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_STRING;
}

/* Is key one of c's path parameters? */
static int s_in_path(const gw_call_t *c, const char *key)
{
    for (int i = 0; i < c->nparams; i++)
        if (c->params[i].name_len == strlen(key) &&
            memcmp(c->params[i].name, key, c->params[i].name_len) == 0)
            return 1;
    return 0;
}

int gw_patch_mask(gw_call_t *c, const ProtobufCMessageDescriptor *d, json_t *obj)
{
    json_t *mask = json_array();
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, key, v)
    {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
        if (!f)
            f = crm_pb_wire_field(d, key);
        const char *why = !f ? NULL /* the decoder names an unknown key */
                          : !strcmp(f->name, "update_mask")
                              ? "is made from the keys of the merge patch: send the fields"
                          : s_in_path(c, f->name) ? "is given by the path, not the body"
                                                  : NULL;
        if (why) {
            json_decref(mask);
            char pointer[128]; /* the body's key, not the path's parameter */
            snprintf(pointer, sizeof pointer, "/%s", key);
            gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, pointer, "%s %s", key, why);
            return -1;
        }
        if (!f)
            continue;
        json_array_append_new(mask, json_string(f->name));
        if (json_is_null(v))
            json_object_del(obj, key);
    }
    if (json_array_size(mask) == 0 && json_object_size(obj) == 0) {
        json_decref(mask);
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, NULL,
                     "the merge patch names no field to change");
        return -1;
    }
    json_object_set_new(obj, "update_mask", mask);
    return 0;
}
