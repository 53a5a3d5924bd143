/* check.c: request checks that answer the call themselves (see check.h). */
#include "crm/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/change.h"
#include "crm/rowmap.h"
#include "crm/rpc_db.h"
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

int crm_check_transfer(crm_rpc_call_t *call, const int64_t *ids, size_t n, size_t max,
                       int64_t to_owner, int64_t to_department, const char *reason)
{
    if (!crm_change_check_ids(call, "ids", ids, n, max) ||
        !crm_check_id(call, "to_owner_id", to_owner) ||
        !crm_check_text(call, "reason", reason, 500, 0))
        return 0;
    if (to_department < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "to_department_id",
                     "to_department_id must not be negative");
        return 0;
    }
    return 1;
}

/* A page in flight: its order and tag copied, so the caller's may go (the
 * keys are a list's static table). */
typedef struct {
    crm_rpc_call_t *call;
    crm_keyset_t order;
    char tag[64];
    crm_page_t page;
    int total;
    const ProtobufCMessageDescriptor *d;
} submitted_t;

static void s_page_read(void *arg, const crm_db_result_t *res)
{
    submitted_t *p = arg;
    if (res->err)
        crm_fail_db(p->call, res);
    else
        crm_reply_page(p->call, &p->page, p->d, res->results[0], p->total ? res->results[1] : NULL);
    free(p);
}

void crm_page_submit(crm_rpc_call_t *call, crm_db_t *db, crm_db_batch_t **b_p, const crm_page_t *pg,
                     int total, const ProtobufCMessageDescriptor *d)
{
    submitted_t *p = crm_malloc(sizeof *p);
    *p = (submitted_t){.call = call, .order = *pg->ks, .page = *pg, .total = total, .d = d};
    snprintf(p->tag, sizeof p->tag, "%s", pg->ks->tag);
    p->order.tag = p->tag;
    p->page.ks = &p->order;
    crm_db_submit(db, b_p, s_page_read, p);
}

typedef struct {
    crm_rpc_call_t *call;
    int64_t id;
    const ProtobufCMessageDescriptor *d;
    const char *noun;
} one_t;

static void s_one_read(void *arg, const crm_db_result_t *res)
{
    one_t *o = arg;
    crm_err_t err;
    if (res->err) {
        crm_fail_db(o->call, res);
    } else if (PQntuples(res->results[0]) == 0) {
        crm_rpc_fail(o->call, CRM__STATUS__NOT_FOUND, "id", "%s %lld not found", o->noun,
                     (long long)o->id);
    } else {
        ProtobufCMessage *m = crm_calloc(1, o->d->sizeof_message);
        o->d->message_init(m);
        if (crm_row_to_message(res->results[0], 0, m, &err) < 0)
            crm_rpc_fail_err(o->call, &err);
        else
            crm_rpc_reply(o->call, m);
        crm_rowmap_clear(m);
        free(m);
    }
    free(o);
}

void crm_reply_one(crm_rpc_call_t *call, crm_db_t *db, const char *stmt, int64_t id,
                   const ProtobufCMessageDescriptor *d, const char *noun)
{
    if (!crm_check_id(call, "id", id))
        return;
    one_t *o = crm_malloc(sizeof *o);
    *o = (one_t){.call = call, .id = id, .d = d, .noun = noun};
    char v[24];
    const char *p[] = {crm_i64(v, id)};
    crm_db_exec(db, stmt, 1, p, s_one_read, o);
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
