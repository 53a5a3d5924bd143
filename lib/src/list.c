/* list.c: the page check and the keyset query builder (see crm/list.h). */
#include "crm/list.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/db.h"

int crm_page_check(crm_page_t *pg, const crm_keyset_t *ks, int32_t limit, int def_limit,
                   const char *cursor, crm_err_t *err)
{
    return crm_page_check_max(pg, ks, limit, def_limit, CRM_PAGE_MAX, cursor, err);
}

int crm_page_check_max(crm_page_t *pg, const crm_keyset_t *ks, int32_t limit, int def_limit,
                       int max, const char *cursor, crm_err_t *err)
{
    crm_page_first(pg, ks, limit ? limit : def_limit);
    if (limit < 0 || limit > max)
        return crm_err_invalid(err, "limit", "must be between 1 and %d", max);
    if (!cursor || !*cursor)
        return 0;
    if (ks->n > CRM_KEYS_MAX || crm_cursor_decode(cursor, ks->tag, pg->after, ks->n) < 0) {
        memset(pg->after, 0, sizeof pg->after);
        return crm_err_invalid(err, "cursor",
                               "not a cursor of this list and order: pass next_cursor back"
                               " unchanged, with the same order");
    }
    pg->after_set = 1;
    return 0;
}

void crm_page_first(crm_page_t *pg, const crm_keyset_t *ks, int limit)
{
    memset(pg, 0, sizeof *pg);
    pg->ks = ks;
    pg->limit = limit;
}

/* A time key as a timestamptz literal (UTC, to the microsecond), the
 * infinities standing for NULL. */
static const char *s_ts_text(int64_t us, char buf[48])
{
    if (us == INT64_MAX)
        return "infinity";
    if (us == INT64_MIN)
        return "-infinity";
    int64_t s = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        s--;
        frac += 1000000;
    }
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(buf, 48, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, 48 - n, ".%06lld+00", (long long)frac);
    return buf;
}

/* Appends the key as the indexes have it. */
static void s_add_key(crm_sqlbuf_t *q, const crm_key_t *k)
{
    if (k->type == CRM_KEY_TIME && k->nulls)
        crm_sqlbuf_addf(q, "COALESCE(%s, '%sinfinity'::timestamptz)", k->sql,
                        k->nulls > 0 ? "" : "-");
    else
        crm_sqlbuf_add(q, k->sql);
}

void crm_page_where(crm_sqlbuf_t *q, const crm_page_t *pg)
{
    const crm_keyset_t *ks = pg->ks;
    if (!pg->after_set)
        return;
    int num[CRM_KEYS_MAX];
    for (size_t i = 0; i < ks->n; i++) {
        char ts[48];
        num[i] = ks->keys[i].type == CRM_KEY_TIME ? crm_sqlbuf_param(q, s_ts_text(pg->after[i], ts))
                                                  : crm_sqlbuf_param_i64(q, pg->after[i]);
    }
    crm_sqlbuf_add(q, " AND (");
    for (size_t i = 0; i < ks->n; i++) {
        crm_sqlbuf_add(q, i ? ", " : "");
        s_add_key(q, &ks->keys[i]);
    }
    crm_sqlbuf_addf(q, ") %s (", ks->ascending ? ">" : "<");
    for (size_t i = 0; i < ks->n; i++)
        crm_sqlbuf_addf(q, "%s$%d::%s", i ? ", " : "", num[i],
                        ks->keys[i].type == CRM_KEY_TIME ? "timestamptz" : "bigint");
    crm_sqlbuf_add(q, ")");
}

void crm_page_order(crm_sqlbuf_t *q, const crm_keyset_t *ks)
{
    crm_sqlbuf_add(q, " ORDER BY ");
    for (size_t i = 0; i < ks->n; i++) {
        crm_sqlbuf_add(q, i ? ", " : "");
        s_add_key(q, &ks->keys[i]);
        crm_sqlbuf_add(q, ks->ascending ? " ASC" : " DESC");
    }
}

void crm_page_limit(crm_sqlbuf_t *q, const crm_page_t *pg)
{
    crm_sqlbuf_addf(q, " LIMIT %d", pg->limit + 1);
}

void crm_page_tail(crm_sqlbuf_t *q, const crm_page_t *pg)
{
    crm_page_where(q, pg);
    crm_page_order(q, pg->ks);
    crm_page_limit(q, pg);
}

size_t crm_page_rows(const crm_page_t *pg, const PGresult *r, char **next)
{
    size_t n = (size_t)PQntuples(r);
    *next = NULL;
    if (n <= (size_t)pg->limit)
        return n;
    *next = crm_cursor_of_row(r, pg->limit - 1, pg->ks->tag, pg->ks->keys, pg->ks->n);
    return (size_t)pg->limit;
}

int crm_page_advance(crm_page_t *pg, const PGresult *r)
{
    int n = PQntuples(r);
    if (n <= pg->limit)
        return 0;
    if (pg->ks->n > CRM_KEYS_MAX ||
        crm_cursor_row_keys(r, pg->limit - 1, pg->ks->keys, pg->ks->n, pg->after) < 0)
        return -1;
    pg->after_set = 1;
    return 1;
}

void crm_page_count_add(const crm_sqlbuf_t *q, crm_db_batch_t *b)
{
    crm_sqlbuf_t *c = crm_sqlbuf_new();
    crm_sqlbuf_add(c, "SELECT count(*) AS total FROM (");
    crm_sqlbuf_add(c, crm_sqlbuf_sql(q));
    crm_sqlbuf_add(c, ") AS c");
    const char *const *v = crm_sqlbuf_params(q);
    for (int i = 0; i < crm_sqlbuf_nparams(q); i++)
        crm_sqlbuf_param(c, v[i]);
    crm_sqlbuf_batch_add(c, b);
    crm_sqlbuf_destroy(&c);
}

void crm_page_batch_add(crm_sqlbuf_t **q_p, const crm_page_t *pg, int total, crm_db_batch_t *b)
{
    crm_db_batch_t *count = crm_db_batch_new();
    if (total)
        crm_page_count_add(*q_p, count);
    crm_page_tail(*q_p, pg);
    crm_sqlbuf_batch_add(*q_p, b);
    crm_db_batch_append(b, &count);
    crm_sqlbuf_destroy(q_p);
}

void crm_list_keyword_shape(crm_sqlbuf_t *q, const char *table, const char *alias,
                            const char *columns, crm_list_scope_fn scope, const void *arg,
                            const char *base, const char *kw, const char *order, int limit,
                            int window)
{
    crm_sqlbuf_addf(
        q, "WITH recent AS MATERIALIZED (SELECT %s.* FROM %s %s WHERE %s.deleted_at IS NULL", alias,
        table, alias, alias);
    scope(q, arg);
    crm_sqlbuf_addf(q, "%s%s LIMIT %d),", base, order, window);
    crm_sqlbuf_addf(q, " hits AS MATERIALIZED (SELECT * FROM recent WHERE true%s%s LIMIT %d),", kw,
                    order, limit + 1);
    crm_sqlbuf_addf(q, " m AS MATERIALIZED (SELECT %s.* FROM %s %s WHERE %s.deleted_at IS NULL",
                    alias, table, alias, alias);
    scope(q, arg);
    crm_sqlbuf_addf(q, "%s%s)", base, kw);
    crm_sqlbuf_addf(q,
                    " SELECT %s FROM (SELECT * FROM hits WHERE"
                    " (SELECT count(*) FROM hits) > %d OR (SELECT count(*) FROM recent) < %d"
                    " UNION ALL SELECT * FROM m WHERE (SELECT count(*) FROM hits) <= %d AND"
                    " (SELECT count(*) FROM recent) = %d) %s%s LIMIT %d",
                    columns, limit, window, limit, window, alias, order, limit + 1);
}

void crm_list_owners_shape(crm_sqlbuf_t *q, const char *table, const char *alias,
                           const char *columns, const int64_t *owners, size_t n, const char *cond,
                           const char *order, int limit)
{
    char *a = crm_db_i64_array(owners, n);
    crm_sqlbuf_addf(q, "SELECT %s FROM (SELECT x.* FROM unnest(", columns);
    crm_sqlbuf_addp(q, "$?::bigint[]", a);
    crm_sqlbuf_addf(q,
                    ") o(id) CROSS JOIN LATERAL (SELECT * FROM %s WHERE owner_id = o.id AND"
                    " deleted_at IS NULL%s%s LIMIT %d) x) %s%s LIMIT %d",
                    table, cond, order, limit + 1, alias, order, limit + 1);
    free(a);
}

void crm_page_set_total(ProtobufCMessage *msg, const PGresult *r)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "total");
    int col = PQfnumber(r, "total");
    assert(f && f->type == PROTOBUF_C_TYPE_INT64 && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF));
    if (col < 0 || PQntuples(r) != 1)
        return;
    *(int64_t *)((char *)msg + f->offset) = crm_db_get_i64(r, 0, col);
    *(uint32_t *)((char *)msg + f->quantifier_offset) = f->id;
}
