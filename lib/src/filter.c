/* filter.c: a list's filters declared as a table: checks and SQL from the
 * request's descriptor (see crm/filter.h). */
#include "crm/filter.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/form.h"
#include "crm/util.h"
#include "crm/validate.h"

/* ---- reading a request field by its descriptor -------------------------- */

static const ProtobufCFieldDescriptor *s_field(const ProtobufCMessage *req, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(req->descriptor, name);
    assert(f && "a filter names a field the request does not have");
    return f;
}

static const void *s_at(const ProtobufCMessage *req, unsigned offset)
{
    return (const char *)req + offset;
}

static int s_is_string(const ProtobufCFieldDescriptor *f)
{
    return f->type == PROTOBUF_C_TYPE_STRING;
}

/* Element i of a number or enum field (repeated or not) as an int64. */
static int64_t s_number(const ProtobufCFieldDescriptor *f, const void *p, size_t i)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return ((const int64_t *)p)[i];
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return (int64_t)((const uint64_t *)p)[i];
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return ((const uint32_t *)p)[i];
    default: /* int32, sint32, sfixed32, enum */
        return ((const int32_t *)p)[i];
    }
}

/* The values of a repeated field: the array, its length in *n. */
static const void *s_repeated(const ProtobufCMessage *req, const ProtobufCFieldDescriptor *f,
                              size_t *n)
{
    assert(f->label == PROTOBUF_C_LABEL_REPEATED);
    *n = *(const size_t *)s_at(req, f->quantifier_offset);
    return *(const void *const *)s_at(req, f->offset);
}

static const char *s_string(const ProtobufCMessage *req, const ProtobufCFieldDescriptor *f)
{
    const char *s = *(const char *const *)s_at(req, f->offset);
    return s ? s : "";
}

/* ---- checks ---------------------------------------------------------- */

/* Two dates, either empty: each a calendar date, from before to. */
static int s_check_dates(const crm_filter_t *t, const ProtobufCMessage *req, crm_err_t *err)
{
    const char *from = s_string(req, s_field(req, t->field));
    const char *to = s_string(req, s_field(req, t->to));
    if (*from && !crm_form_date_valid(from))
        return crm_err_invalid(err, t->field, "not a date YYYY-MM-DD");
    if (*to && !crm_form_date_valid(to))
        return crm_err_invalid(err, t->to, "not a date YYYY-MM-DD");
    if (*from && *to && strcmp(from, to) >= 0)
        return crm_err_invalid(err, t->to, "must be after %s", t->field);
    return 0;
}

/* A number or enum value: enums the proto names (not 0 when in a list),
 * numbers not negative (ids, at least 1, in a list). */
static int s_check_number(const ProtobufCFieldDescriptor *f, int64_t v, int in_list, crm_err_t *err)
{
    if (f->type == PROTOBUF_C_TYPE_ENUM) {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        if ((in_list && v == 0) || v < INT32_MIN || v > INT32_MAX ||
            !protobuf_c_enum_descriptor_get_value(ed, (int)v))
            return crm_err_invalid(err, f->name, "not a known %s", ed->short_name);
        return 0;
    }
    if (in_list && v < 1)
        return crm_err_invalid(err, f->name, "an id is at least 1");
    if (v < 0)
        return crm_err_invalid(err, f->name, "must not be negative");
    return 0;
}

static int s_check_range(const crm_filter_t *t, const ProtobufCMessage *req, crm_err_t *err)
{
    const ProtobufCFieldDescriptor *ff = s_field(req, t->field), *tf = s_field(req, t->to);
    int64_t from = s_number(ff, s_at(req, ff->offset), 0);
    int64_t to = s_number(tf, s_at(req, tf->offset), 0);
    if (from < 0)
        return crm_err_invalid(err, t->field, "must not be negative");
    if (to < 0)
        return crm_err_invalid(err, t->to, "must not be negative");
    if (from && to && from >= to)
        return crm_err_invalid(err, t->to, "must be after %s", t->field);
    return 0;
}

static int s_check_one(const crm_filter_t *t, const ProtobufCMessage *req, crm_err_t *err)
{
    if (t->kind == CRM_FILTER_RANGE || t->kind == CRM_FILTER_SPAN)
        return s_check_range(t, req, err);
    if (t->kind == CRM_FILTER_DATES)
        return s_check_dates(t, req, err);
    const ProtobufCFieldDescriptor *f = s_field(req, t->field);
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
        if (s_is_string(f))
            return crm_text_check(err, t->field, s_string(req, f), t->max_len, 0);
        return s_check_number(f, s_number(f, s_at(req, f->offset), 0), 0, err);
    }
    size_t n;
    const void *v = s_repeated(req, f, &n);
    if (t->max_items && n > (size_t)t->max_items)
        return crm_err_invalid(err, t->field, "at most %d values", t->max_items);
    for (size_t i = 0; i < n; i++) {
        int bad = s_is_string(f)
                      ? crm_text_check(err, t->field, ((char *const *)v)[i], t->max_len, 1)
                      : s_check_number(f, s_number(f, v, i), 1, err);
        if (bad < 0)
            return -1;
    }
    return 0;
}

int crm_filter_check(const crm_filter_t *table, size_t n, const ProtobufCMessage *req,
                     crm_err_t *err)
{
    for (size_t i = 0; i < n; i++)
        if (s_check_one(&table[i], req, err) < 0)
            return -1;
    return 0;
}

/* ---- SQL --------------------------------------------------------------- */

/* Does the keyword look like the start of a number (digits and dashes, 3
 * or more)? */
static int s_number_like(const char *kw)
{
    size_t n = strlen(kw);
    return n >= 3 && strspn(kw, "0123456789-") == n;
}

static void s_where_keyword(crm_sqlbuf_t *q, const crm_filter_t *t, const char *keyword)
{
    while (*keyword == ' ')
        keyword++;
    size_t n = strlen(keyword);
    while (n && keyword[n - 1] == ' ')
        n--;
    if (!n)
        return;
    /* "%kw%" with % _ \ escaped, and without its ends the LIKE prefix. */
    char *like = crm_malloc(2 * n + 3), *p = like;
    *p++ = '%';
    for (size_t i = 0; i < n; i++) {
        if (keyword[i] == '%' || keyword[i] == '_' || keyword[i] == '\\')
            *p++ = '\\';
        *p++ = keyword[i];
    }
    *p++ = '%';
    *p = '\0';
    int contains = crm_sqlbuf_param(q, like);
    if (t->gate && t->open)
        crm_sqlbuf_addf(q, " AND ((%1$s ILIKE $%2$d AND (%3$s OR %4$s ILIKE $%2$d))", t->column,
                        contains, t->gate, t->open);
    else
        crm_sqlbuf_addf(q, " AND (%s ILIKE $%d", t->column, contains);
    char *kw = crm_strndup(keyword, n);
    if (t->prefix[0] && s_number_like(kw)) {
        /* [kw, kw with its last character raised) is every text starting
         * with kw in code point order (the cluster's C.UTF-8 collation);
         * LIKE rechecks it under any other. */
        char *hi = crm_strdup(kw);
        hi[n - 1]++;
        int lo_n = crm_sqlbuf_param(q, kw), hi_n = crm_sqlbuf_param(q, hi);
        like[strlen(like) - 1] = '\0';
        int like_n = crm_sqlbuf_param(q, like + 1);
        for (size_t i = 0; i < sizeof t->prefix / sizeof t->prefix[0] && t->prefix[i]; i++)
            crm_sqlbuf_addf(q,
                            " OR (%1$s <> '' AND %1$s >= $%2$d AND %1$s < $%3$d"
                            " AND %1$s LIKE $%4$d || '%%'%5$s%6$s)",
                            t->prefix[i], lo_n, hi_n, like_n, t->gate ? " AND " : "",
                            t->gate ? t->gate : "");
        free(hi);
    }
    crm_sqlbuf_add(q, ")");
    free(kw);
    free(like);
}

/* The SQL type of a number or enum field's values. */
static const char *s_sql_type(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return "bigint";
    default:
        return "int";
    }
}

static void s_where_in(crm_sqlbuf_t *q, const crm_filter_t *t, const ProtobufCMessage *req)
{
    const ProtobufCFieldDescriptor *f = s_field(req, t->field);
    size_t n;
    const void *v = s_repeated(req, f, &n);
    if (!n)
        return;
    const char *type = s_is_string(f) ? "text" : s_sql_type(f);
    if (n == 1 && t->kind == CRM_FILTER_IN) {
        /* One value is an equality: the planner then uses an index on the
         * column and the next ones in their order (PostgreSQL 15 orders a
         * scan by the columns after an "= ANY" of a one-element array no
         * better than after a range; the stage view's columns). */
        char num[24];
        const char *one = s_is_string(f) ? ((char *const *)v)[0] : crm_i64(num, s_number(f, v, 0));
        crm_sqlbuf_addf(q, " AND %s = $%d::%s", t->column, crm_sqlbuf_param(q, one), type);
        return;
    }
    char *a;
    if (s_is_string(f)) {
        a = crm_db_text_array((char *const *)v, n);
    } else {
        int64_t *nums = crm_calloc(n, sizeof *nums);
        for (size_t i = 0; i < n; i++)
            nums[i] = s_number(f, v, i);
        a = crm_db_i64_array(nums, n);
        free(nums);
    }
    crm_sqlbuf_addf(q, " AND %s %s$%d::%s[]", t->column,
                    t->kind == CRM_FILTER_TAGS ? "@> " : "= ANY(", crm_sqlbuf_param(q, a), type);
    if (t->kind == CRM_FILTER_IN)
        crm_sqlbuf_add(q, ")");
    free(a);
}

static void s_where_one(crm_sqlbuf_t *q, const crm_filter_t *t, const ProtobufCMessage *req)
{
    if (t->kind == CRM_FILTER_IN || t->kind == CRM_FILTER_TAGS) {
        s_where_in(q, t, req);
        return;
    }
    if (t->kind == CRM_FILTER_RANGE || t->kind == CRM_FILTER_SPAN) {
        const ProtobufCFieldDescriptor *ff = s_field(req, t->field), *tf = s_field(req, t->to);
        int64_t from = s_number(ff, s_at(req, ff->offset), 0);
        int64_t to = s_number(tf, s_at(req, tf->offset), 0);
        int time = t->kind == CRM_FILTER_RANGE;
        if (from)
            crm_sqlbuf_addf(q, time ? " AND %s >= crm_ts($%d::bigint)" : " AND %s >= $%d::bigint",
                            t->column, crm_sqlbuf_param_i64(q, from));
        if (to)
            crm_sqlbuf_addf(q, time ? " AND %s < crm_ts($%d::bigint)" : " AND %s < $%d::bigint",
                            t->column, crm_sqlbuf_param_i64(q, to));
        return;
    }
    if (t->kind == CRM_FILTER_DATES) {
        const char *from = s_string(req, s_field(req, t->field));
        const char *to = s_string(req, s_field(req, t->to));
        if (*from)
            crm_sqlbuf_addf(q, " AND %s >= $%d::date", t->column, crm_sqlbuf_param(q, from));
        if (*to)
            crm_sqlbuf_addf(q, " AND %s < $%d::date", t->column, crm_sqlbuf_param(q, to));
        return;
    }
    const ProtobufCFieldDescriptor *f = s_field(req, t->field);
    if (t->kind == CRM_FILTER_KEYWORD) {
        s_where_keyword(q, t, s_string(req, f));
    } else if (s_is_string(f)) {
        const char *s = s_string(req, f);
        if (*s)
            crm_sqlbuf_addf(q, " AND %s = $%d", t->column, crm_sqlbuf_param(q, s));
    } else {
        int64_t v = s_number(f, s_at(req, f->offset), 0);
        if (v)
            crm_sqlbuf_addf(q, " AND %s = $%d::%s", t->column, crm_sqlbuf_param_i64(q, v),
                            s_sql_type(f));
    }
}

void crm_filter_where(crm_sqlbuf_t *q, const crm_filter_t *table, size_t n,
                      const ProtobufCMessage *req)
{
    for (size_t i = 0; i < n; i++)
        s_where_one(q, &table[i], req);
}
