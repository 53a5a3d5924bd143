/* customers_store.c: the customers service's SQL: statements and row
 * mapping. Every write of a customer goes through one INSERT and one UPDATE
 * that carry every column, so no action can forget one. */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/rowmap.h"
#include "crm/util.h"
#include "customers.h"

/* The parameters every write of a customer carries, $2..$38 (s_params). */
#define WRITE_PARAMS 37
#define WRITE_COLUMNS                                                                              \
    "name, mobile, telephone, email, company, source, level, industry, owner_id, department_id,"   \
    " pool_id, last_followup_at, updated_at, wechat, qq, enterprise_id, type, tags, province,"     \
    " city, district, address, remark, legal_representative, credit_code, bank, bank_account,"     \
    " next_contact_at, deal_status, dealt_at, locked, claim_count, last_followup_content,"         \
    " completeness, owner_since, previous_owner_id, pooled_at"
#define WRITE_VALUES                                                                               \
    "$2, $3, $4, $5, $6, $7, $8, $9, $10::bigint, $11::bigint, $12::bigint, crm_ts($13::bigint),"  \
    " crm_ts($14::bigint), $15, $16, NULLIF($17::bigint, 0), $18::smallint, $19::text[], $20,"     \
    " $21, $22, $23, $24, $25, $26, $27, $28, crm_ts($29::bigint), $30::smallint,"                 \
    " crm_ts($31::bigint), $32::boolean, $33::integer, $34, $35::smallint, crm_ts($36::bigint),"   \
    " $37::bigint, crm_ts($38::bigint)"

void customers_store_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "customer_get",
                   "SELECT " CUSTOMER_COLUMNS " FROM customers c WHERE c.id = $1::bigint"
                   " AND c.deleted_at IS NULL");
    crm_db_prepare(db, "customer_by_lead",
                   "SELECT " CUSTOMER_COLUMNS " FROM customers c WHERE c.lead_id = $1::bigint"
                   " AND c.deleted_at IS NULL");
    crm_db_prepare(db, "customer_lock_many",
                   "SELECT " CUSTOMER_COLUMNS " FROM customers c WHERE c.id = ANY($1::bigint[])"
                   " AND c.deleted_at IS NULL ORDER BY c.id FOR UPDATE OF c");
    crm_db_prepare(db, "customer_next_id", "SELECT nextval('customers_id_seq'), crm_us(now())");
    crm_db_prepare(db, "customer_insert",
                   "INSERT INTO customers (id, " WRITE_COLUMNS ", creator_id, lead_id, created_at)"
                   " VALUES ($1::bigint, " WRITE_VALUES
                   ", $39::bigint, NULLIF($40::bigint, 0), crm_ts($41::bigint))");
    crm_db_prepare(db, "customer_save",
                   "UPDATE customers SET (" WRITE_COLUMNS ", deleted_at) = (" WRITE_VALUES
                   ", CASE WHEN $39::boolean THEN now() END) WHERE id = $1::bigint");
    crm_db_prepare(db, "customer_history_insert",
                   "INSERT INTO customer_history (kind, record_id, action, actor_id, at,"
                   " from_owner_id, to_owner_id, reason, detail) VALUES ($1, $2::bigint, $3,"
                   " $4::bigint, crm_ts($5::bigint), $6::bigint, $7::bigint, $8, $9)");
    crm_db_prepare(db, CUSTOMERS_CHECK_OPTIONS,
                   "SELECT v.k FROM (VALUES ('level', $1::text), ('industry', $2::text),"
                   " ('source', $3::text)) v(k, val) WHERE v.val <> '' AND NOT EXISTS"
                   " (SELECT 1 FROM customer_options o WHERE o.kind = v.k AND o.value = v.val)");
    /* Serialises writers of one name or mobile until commit, so the
     * duplicate checks see every committed customer: the locks in the
     * order of their hashes, as an import chunk takes its keys'
     * (customer_import_locks), so the two never wait in a circle; "" locks
     * nothing (a customer without a mobile waits for nobody's). */
    crm_db_prepare(db, "customer_dedup_lock",
                   "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT hashtext(x) AS k"
                   " FROM unnest(ARRAY[CASE WHEN btrim($1) <> '' THEN 'customer.name:' ||"
                   " lower(btrim($1)) END, CASE WHEN $2 <> '' THEN 'customer.mobile:' || $2 END])"
                   " x WHERE x IS NOT NULL ORDER BY 1) s");
    /* Another customer with the name ($1) or the mobile ($2), not $3. A
     * pooled customer whose mobile is masked to the caller ($4; $5: the
     * caller sees every contact) is not a duplicate by its mobile: refusing
     * would confirm the number the mask hides (docs/customers.md, "What the
     * mask hides"). */
    crm_db_prepare(db, "customer_duplicate",
                   "SELECT c.id, c.owner_id, c.pool_id, CASE WHEN lower(btrim(c.name)) ="
                   " lower(btrim($1)) THEN 'name' ELSE 'mobile' END AS matched_on FROM customers c"
                   " LEFT JOIN customer_pools p ON p.id = c.pool_id"
                   " WHERE c.deleted_at IS NULL AND c.id <> $3::bigint AND"
                   " (lower(btrim(c.name)) = lower(btrim($1)) OR (c.mobile = $2 AND c.mobile <> ''"
                   " AND " CUSTOMER_UNMASKED("$4", "$5") ")) ORDER BY c.id LIMIT 1");
}

void customers_row_to(const PGresult *r, int i, ProtobufCMessage *msg)
{
    crm_err_t err;
    int ok = crm_row_to_message(r, i, msg, &err) == 0;
    assert(ok && "a column cannot fill its field");
    (void)ok;
}

/* The team from its JSON column: [[user, access, expires_us], ...]. */
static void s_team(const char *text, customer_t *c)
{
    json_t *a = text && *text ? json_loads(text, 0, NULL) : NULL;
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    c->n_team = 0;
    c->team = n ? crm_calloc(n, sizeof *c->team) : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(a, i);
        Crm__Customers__TeamMember *t = crm_calloc(1, sizeof *t);
        crm__customers__team_member__init(t);
        t->user_id = json_integer_value(json_array_get(m, 0));
        t->access = (Crm__Customers__TeamAccess)json_integer_value(json_array_get(m, 1));
        t->expires_at_us = json_integer_value(json_array_get(m, 2));
        c->team[c->n_team++] = t;
    }
    json_decref(a);
}

/* Rows [first, first + n) of r into rows[0..n), the columns matched once. */
static void s_rows(const PGresult *r, int first, size_t n, customer_row_t *rows)
{
    crm_err_t err;
    crm_rowmap_t *m = crm_rowmap_new(&crm__customers__customer__descriptor, r, &err);
    assert(m && "a column cannot fill its field");
    int team = PQfnumber(r, "team_json");
    for (size_t k = 0; k < n; k++) {
        int i = first + (int)k;
        customer_row_t *row = &rows[k];
        crm__customers__customer__init(&row->c);
        row->deleted = 0;
        if (m)
            crm_rowmap_fill(m, r, i, &row->c.base);
        s_team(team >= 0 && !PQgetisnull(r, i, team) ? crm_db_get(r, i, team) : NULL, &row->c);
    }
    crm_rowmap_destroy(&m);
}

void customers_store_rows(const PGresult *r, size_t n, customer_row_t *rows)
{
    s_rows(r, 0, n, rows);
}

void customers_store_row(const PGresult *r, int i, customer_row_t *row)
{
    s_rows(r, i, 1, row);
}

void customers_row_clear(customer_row_t *row)
{
    for (size_t i = 0; i < row->c.n_team; i++)
        free(row->c.team[i]);
    free(row->c.team);
    row->c.team = NULL;
    row->c.n_team = 0;
    crm_rowmap_clear(&row->c.base);
}

/* Number buffers for the parameters of one write. */
typedef struct {
    char n[16][24];
    char *tags;
} params_t;

/* Fills p[0..WRITE_PARAMS + 1) from c ($1 the id, $2.. the columns). */
static void s_params(const customer_t *c, params_t *buf, const char **p)
{
    buf->tags = crm_db_text_array(c->tags, c->n_tags);
    const char *v[WRITE_PARAMS + 1] = {
        crm_i64(buf->n[0], c->id),
        c->name,
        c->mobile,
        c->telephone,
        c->email,
        c->company,
        c->source,
        c->level,
        c->industry,
        crm_i64(buf->n[1], c->owner_id),
        crm_i64(buf->n[2], c->department_id),
        crm_i64(buf->n[3], c->pool_id),
        crm_i64(buf->n[4], c->last_followup_at_us),
        crm_i64(buf->n[5], c->updated_at_us),
        c->wechat,
        c->qq,
        crm_i64(buf->n[6], c->enterprise_id),
        crm_i64(buf->n[7], c->type),
        buf->tags,
        c->province,
        c->city,
        c->district,
        c->address,
        c->remark,
        c->legal_representative,
        c->credit_code,
        c->bank,
        c->bank_account,
        crm_i64(buf->n[8], c->next_contact_at_us),
        crm_i64(buf->n[9], c->deal_status),
        crm_i64(buf->n[10], c->dealt_at_us),
        c->locked ? "true" : "false",
        crm_i64(buf->n[11], c->claim_count),
        c->last_followup_content,
        crm_i64(buf->n[12], customers_completeness(c)),
        crm_i64(buf->n[13], c->owner_since_us),
        crm_i64(buf->n[14], c->previous_owner_id),
        crm_i64(buf->n[15], c->pooled_at_us),
    };
    memcpy(p, v, sizeof v);
}

void customers_store_insert(crm_db_batch_t *b, const customer_t *c)
{
    params_t buf;
    char creator[24], lead[24], created[24];
    const char *p[WRITE_PARAMS + 4];
    s_params(c, &buf, p);
    p[WRITE_PARAMS + 1] = crm_i64(creator, c->creator_id);
    p[WRITE_PARAMS + 2] = crm_i64(lead, c->lead_id);
    p[WRITE_PARAMS + 3] = crm_i64(created, c->created_at_us);
    crm_db_batch_add(b, "customer_insert", WRITE_PARAMS + 4, p);
    free(buf.tags);
}

void customers_store_save(crm_db_batch_t *b, const customer_row_t *row)
{
    params_t buf;
    const char *p[WRITE_PARAMS + 2];
    s_params(&row->c, &buf, p);
    p[WRITE_PARAMS + 1] = row->deleted ? "true" : "false";
    crm_db_batch_add(b, "customer_save", WRITE_PARAMS + 2, p);
    free(buf.tags);
}

void customers_store_history(crm_db_batch_t *b, const customers_history_t *h)
{
    crm_history_add(b, "customer_history_insert", h);
}

void customers_read_options(crm_txn_t *t, const char *level, const char *industry,
                            const char *source)
{
    const char *p[] = {level ? level : "", industry ? industry : "", source ? source : ""};
    crm_txn_read(t, "options", CUSTOMERS_CHECK_OPTIONS, 3, p);
}

int customers_options_ok(crm_txn_t *t)
{
    const PGresult *r = crm_txn_result(t, "options");
    if (PQntuples(r) == 0)
        return 0;
    const char *kind = crm_db_get(r, 0, 0);
    return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, kind,
                          "%s is not one of the configured values (GET /api/v1/customer-options)",
                          kind);
}
