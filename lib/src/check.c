/* check.c: request checks that answer the call themselves (see check.h). */
#include "crm/check.h"

#include <stdlib.h>
#include <string.h>

#include "crm/rowmap.h"
#include "crm/util.h"
#include "crm/validate.h"

int crm_check_text(crm_rpc_call_t *call, const char *field, const char *value, long max,
                   int required)
{
    crm_err_t err;
    if (crm_text_check(&err, field, value, max, required) < 0)
        return crm_rpc_fail_err(call, &err);
    return 1;
}

int crm_check_id(crm_rpc_call_t *call, const char *field, int64_t id)
{
    if (id < 1) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s must be a positive id", field);
        return 0;
    }
    return 1;
}

int crm_check_email(crm_rpc_call_t *call, const char *field, const char *value)
{
    if (value && *value && !crm_email_valid(value)) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s is not an e-mail address",
                     field);
        return 0;
    }
    return 1;
}

int crm_check_mobile(crm_rpc_call_t *call, const char *field, const char *value, char out[12])
{
    out[0] = 0;
    if (!value || !*value)
        return 1;
    if (crm_phone_mobile(value, out) != 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field,
                     "%s is not a mainland mobile number (11 digits, 13x-19x)", field);
        return 0;
    }
    return 1;
}

int crm_check_landline(crm_rpc_call_t *call, const char *field, const char *value, char *out,
                       size_t cap)
{
    out[0] = 0;
    if (!value || !*value)
        return 1;
    if (crm_phone_landline(value, out, cap) != 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field,
                     "%s is not a landline number (area code and number)", field);
        return 0;
    }
    return 1;
}

int crm_check_page(crm_rpc_call_t *call, crm_page_t *pg, const crm_keyset_t *ks, int32_t limit,
                   int def_limit, const char *cursor)
{
    crm_err_t err;
    if (crm_page_check_max(pg, ks, limit, def_limit, crm_page_max(call), cursor, &err) < 0)
        return crm_rpc_fail_err(call, &err);
    return 1;
}

int crm_page_max(const crm_rpc_call_t *call)
{
    return crm_rpc_call_walks(call) ? CRM_PAGE_WALK_MAX : CRM_PAGE_MAX;
}

/* 9999-12-31T23:59:59.999999Z: the last instant RFC 3339 can write. */
#define LAST_INSTANT_US 253402300799999999LL

int crm_check_time(crm_rpc_call_t *call, const char *field, int64_t us)
{
    if (us >= 0 && us <= LAST_INSTANT_US)
        return 1;
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field,
                 us < 0 ? "must not be negative" : "must be before the year 10000");
    return 0;
}

size_t crm_call_page_rows(crm_rpc_call_t *call, const crm_page_t *pg, const PGresult *r,
                          char **next)
{
    size_t shown = crm_page_rows(pg, r, next);
    crm_rpc_call_next_page(call, *next);
    return shown;
}

void crm_reply_page(crm_rpc_call_t *call, const crm_page_t *pg, const ProtobufCMessageDescriptor *d,
                    const PGresult *r, const PGresult *total)
{
    crm_reply_page_fixed(call, pg, d, r, total, NULL, NULL);
}

void crm_reply_page_fixed(crm_rpc_call_t *call, const crm_page_t *pg,
                          const ProtobufCMessageDescriptor *d, const PGresult *r,
                          const PGresult *total, crm_page_fix_fn fix, void *arg)
{
    ProtobufCMessage *list = calloc(1, d->sizeof_message);
    d->message_init(list);
    char *cursor;
    size_t shown = crm_call_page_rows(call, pg, r, &cursor);
    crm_err_t err;
    if (crm_rowmap_items(list, "items", r, shown, &err) < 0) {
        crm_rpc_fail_err(call, &err);
    } else {
        const ProtobufCFieldDescriptor *next =
            protobuf_c_message_descriptor_get_field_by_name(d, "next_cursor");
        *(const char **)((char *)list + next->offset) = cursor ? cursor : "";
        if (total)
            crm_page_set_total(list, total);
        if (fix)
            fix(list, arg);
        crm_rpc_reply(call, list);
        crm_rowmap_items_clear(list, "items");
    }
    free(cursor);
    free(list);
}

int crm_check_dedup(crm_rpc_call_t *call, const char *name_in, const char *mobile_in,
                    const char *telephone_in, char **name, char mobile[12], char telephone[32])
{
    *name = NULL;
    if (!crm_check_text(call, "name", name_in, 200, 0) ||
        !crm_check_mobile(call, "mobile", mobile_in, mobile) ||
        !crm_check_landline(call, "telephone", telephone_in, telephone, 32))
        return 0;
    *name = crm_strtrim(name_in ? name_in : "");
    if (**name || *mobile || *telephone)
        return 1;
    free(*name);
    *name = NULL;
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "name",
                 "give a name, a mobile or a telephone to look for");
    return 0;
}
