/* followup.c: a follow-up of a record (see crm/followup.h). */
#include "crm/followup.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "crm/change.h"
#include "crm/form.h"
#include "crm/util.h"
#include "crm/validate.h"

/* The last instant RFC 3339 writes (9999-12-31T23:59:59.999999Z). */
#define LAST_INSTANT_US INT64_C(253402300799999999)
/* A follow-up at most this far ahead of the clock is taken as now's. */
#define SKEW_US INT64_C(60000000)

/* The field name of msg, at its offset (a programmer's error if none). */
static void *s_field(const ProtobufCMessage *msg, const char *name,
                     const ProtobufCFieldDescriptor **fd_out)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
    assert(fd && "a follow-up message names its fields as the kit does");
    if (fd_out)
        *fd_out = fd;
    return (char *)msg + fd->offset; /* the caller knows whether it writes */
}

crm_followup_t crm_followup_of_request(const ProtobufCMessage *req, const char *record_field)
{
    const ProtobufCFieldDescriptor *fd;
    crm_followup_t f = {
        .record_id = *(const int64_t *)s_field(req, record_field, NULL),
        .at_us = *(const int64_t *)s_field(req, "at_us", NULL),
        .content = *(const char *const *)s_field(req, "content", NULL),
        .method = *(const int *)s_field(req, "method", NULL),
        .contact_id = *(const int64_t *)s_field(req, "contact_id", NULL),
        .next_contact_at_us = *(const int64_t *)s_field(req, "next_contact_at_us", NULL),
        .clear_next_contact = *(const protobuf_c_boolean *)s_field(req, "clear_next_contact", NULL),
        .attachments = *(char *const *const *)s_field(req, "attachments", &fd),
    };
    f.n_attachments = *(const size_t *)((const char *)req + fd->quantifier_offset);
    return f;
}

static void s_time(crm_errs_t *errs, const char *field, int64_t us)
{
    if (us < 0 || us > LAST_INSTANT_US)
        crm_errs_invalid(errs, field,
                         us < 0 ? "must not be negative" : "must be before the year 10000");
}

int crm_followup_check(const crm_followup_t *f, int method_max, crm_errs_t *errs)
{
    size_t before = errs->n;
    crm_err_t err;
    if (crm_text_check(&err, "content", f->content, CRM_FOLLOWUP_CONTENT_MAX, 1) < 0)
        crm_errs_invalid(errs, "content", "%s", err.message);
    if (f->method < 1 || f->method > method_max)
        crm_errs_invalid(errs, "method",
                         "say how it was followed up (phone, visit, wechat, email, sms, other,"
                         " event)");
    if (f->contact_id < 0)
        crm_errs_invalid(errs, "contact_id", "contact_id must not be negative");
    if (f->clear_next_contact && f->next_contact_at_us)
        crm_errs_invalid(errs, "clear_next_contact",
                         "set a next contact time or clear it, not both");
    crm_form_tags(errs, "attachments", f->attachments, f->n_attachments,
                  CRM_FOLLOWUP_ATTACHMENTS_MAX, 500);
    s_time(errs, "at_us", f->at_us);
    s_time(errs, "next_contact_at_us", f->next_contact_at_us);
    return errs->n > before ? -1 : 0;
}

int crm_followup_apply(crm_followup_t *f, int64_t now_us, int64_t *last_at_us, char **last_content,
                       int64_t *next_contact_at_us, crm_err_t *err)
{
    if (!f->at_us)
        f->at_us = now_us;
    if (f->at_us > now_us + SKEW_US)
        return crm_err_invalid(err, "at_us", "a follow-up cannot happen in the future");
    if (f->at_us >= *last_at_us) {
        *last_at_us = f->at_us;
        *last_content = (char *)f->content;
    }
    if (f->next_contact_at_us || f->clear_next_contact)
        *next_contact_at_us = f->next_contact_at_us;
    return 0;
}

crm_followup_t crm_followup_of_change(crm_change_t *c, const char *record_field)
{
    crm_followup_t f = crm_followup_of_request(crm_change_request(c), record_field);
    f.id = crm_db_get_i64(crm_change_result(c, "followup_id"), 0, 0);
    f.user_id = crm_change_caller(c)->user_id;
    if (!f.at_us)
        f.at_us = crm_change_now(c);
    return f;
}

void crm_followup_insert(crm_db_batch_t *b, const char *table, const char *record_column,
                         const crm_followup_t *f)
{
    char id[24], rec[24], user[24], at[24], method[8], contact[24], next[24];
    char *att = crm_db_text_array(f->attachments, f->n_attachments);
    const char *p[] = {crm_i64(id, f->id),
                       crm_i64(rec, f->record_id),
                       crm_i64(user, f->user_id),
                       crm_i64(at, f->at_us),
                       f->content,
                       crm_i64(method, f->method),
                       crm_i64(contact, f->contact_id),
                       crm_i64(next, f->next_contact_at_us),
                       att};
    char *sql = crm_sprintf("INSERT INTO %s (id, %s, user_id, at, content, method, contact_id,"
                            " next_contact_at, attachments) VALUES ($1::bigint, $2::bigint,"
                            " $3::bigint, crm_ts($4::bigint), $5, $6::smallint,"
                            " NULLIF($7::bigint, 0), crm_ts($8::bigint), $9::text[])",
                            table, record_column);
    crm_db_batch_add(b, sql, 9, p);
    free(sql);
    free(att);
}

void crm_followup_message(const crm_followup_t *f, const char *record_field, int64_t created_us,
                          ProtobufCMessage *msg)
{
    *(int64_t *)s_field(msg, "id", NULL) = f->id;
    *(int64_t *)s_field(msg, record_field, NULL) = f->record_id;
    *(int64_t *)s_field(msg, "user_id", NULL) = f->user_id;
    *(int64_t *)s_field(msg, "at_us", NULL) = f->at_us;
    *(int64_t *)s_field(msg, "contact_id", NULL) = f->contact_id;
    *(int64_t *)s_field(msg, "next_contact_at_us", NULL) = f->next_contact_at_us;
    *(int64_t *)s_field(msg, "created_at_us", NULL) = created_us;
    *(const char **)s_field(msg, "content", NULL) = f->content;
    *(int *)s_field(msg, "method", NULL) = f->method;
    const ProtobufCFieldDescriptor *fd;
    *(char *const **)s_field(msg, "attachments", &fd) = f->attachments;
    *(size_t *)((char *)msg + fd->quantifier_offset) = f->n_attachments;
}
