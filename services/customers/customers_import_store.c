/* customers_import_store.c: the customers' own SQL of an import chunk (the
 * import's row, its stored results and counters are the kit's,
 * crm/import.h): the configured lists, the dedup keys' locks and the
 * customers that have them, the ids of the first contacts, and the writes
 * of a chunk's created rows in a handful of statements whatever their
 * number: one INSERT of the customers from arrays (unnest), one of their
 * history, their customer.created events, and their first contacts with
 * their contact.created events (customers_contacts_many.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/outbox.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers_import.h"

/* An imported customer sets its 19 text columns (s_text), its tags, type
 * and completeness, its owner, department, pool, creator and times; the
 * others keep their defaults (open, unlocked, never followed up). */
#define IMPORT_TEXTS 19
#define INSERT_ARRAYS (1 + IMPORT_TEXTS + 3) /* ids, texts, tags, types, completeness */

void customers_import_store_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "customer_import_options", "SELECT kind, value FROM customer_options");
    /* The department of an import's target owner (the organisation's read
     * model, crm/org.h): the created customers', as a create's follows its
     * owner. */
    crm_db_prepare(db, "customer_import_owner_department",
                   "SELECT u.department_id FROM customer_imports i JOIN crm_org_users u"
                   " ON u.id = i.target_owner_id WHERE i.id = $1::bigint");
    /* The locks of customer_dedup_lock (customers_store.c) for each key, in
     * the order of their hashes, so that two chunks never wait for each
     * other in a circle. */
    crm_db_prepare(db, "customer_import_locks",
                   "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT hashtext(CASE"
                   " WHEN left(x, 2) = 'm:' THEN 'customer.mobile:' || substr(x, 3) ELSE"
                   " 'customer.name:' || lower(btrim(substr(x, 3))) END) AS k FROM"
                   " unnest($1::text[]) x ORDER BY 1) s");
    /* The first customer of each name ($2) and of each mobile ($1), as the
     * keys the chunk gave: one index probe per key (customers_mobile,
     * customers_name), whatever the table's statistics say. */
    crm_db_prepare(db, "customer_import_duplicates",
                   "SELECT 'n:' || k, d.id FROM unnest($2::text[]) k CROSS JOIN LATERAL (SELECT"
                   " min(c.id) AS id FROM customers c WHERE lower(btrim(c.name)) ="
                   " lower(btrim(k)) AND c.deleted_at IS NULL) d WHERE d.id IS NOT NULL UNION ALL"
                   " SELECT 'm:' || k, d.id FROM unnest($1::text[]) k CROSS JOIN LATERAL (SELECT"
                   " min(c.id) AS id FROM customers c LEFT JOIN customer_pools p ON p.id ="
                   " c.pool_id WHERE c.mobile = k AND c.mobile <> '' AND c.deleted_at IS NULL"
                   " AND " CUSTOMER_UNMASKED("$3", "$4") ") d WHERE d.id IS NOT NULL");
    crm_db_prepare(db, "customer_import_contact_ids",
                   "SELECT ARRAY(SELECT nextval('contacts_id_seq') FROM generate_series(1,"
                   " $1::int))");
    /* The created customers with their recycle deadlines (sql/015: a row
     * that comes with one skips the per-row trigger). A new customer's
     * deadline depends on its pool's rules, its owner and its level only:
     * customer_deadline runs once per level of the chunk, on the row a new
     * customer is (open, unlocked, never followed up, owned since now), and
     * each row takes its level's. */
    crm_db_prepare(
        db, "customer_import_insert",
        "WITH u AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],"
        " $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],"
        " $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],"
        " $18::text[], $19::text[], $20::text[], $21::text[], $22::smallint[], $23::smallint[])"
        " AS u(id, name, mobile, telephone, email, wechat, qq, company, source, level, industry,"
        " province, city, district, address, remark, legal_representative, credit_code, bank,"
        " bank_account, tags, type, completeness)),"
        " d AS (SELECT l.level, x.* FROM (SELECT DISTINCT level FROM u) l"
        " JOIN customer_pools p ON p.id = $26::bigint AND p.deleted_at IS NULL"
        " CROSS JOIN LATERAL customer_deadline(p.recycle_rules, p.warn_days,"
        " jsonb_populate_record(NULL::customers, jsonb_build_object('owner_id', $24::bigint,"
        " 'level', l.level, 'locked', false, 'deal_status', 1, 'open_opportunities', 0,"
        " 'owner_since', crm_ts($28::bigint), 'created_at', crm_ts($29::bigint)))) x)"
        " INSERT INTO customers (id, name, mobile, telephone, email, wechat, qq, company, source,"
        " level, industry, province, city, district, address, remark, legal_representative,"
        " credit_code, bank, bank_account, tags, type, completeness, owner_id, department_id,"
        " pool_id, creator_id, owner_since, created_at, updated_at, pooled_at, recycle_at,"
        " recycle_warn_at, recycle_rule, recycle_rule_days)"
        " SELECT u.id, u.name, u.mobile, u.telephone, u.email, u.wechat, u.qq, u.company,"
        " u.source, u.level, u.industry, u.province, u.city, u.district, u.address, u.remark,"
        " u.legal_representative, u.credit_code, u.bank, u.bank_account, u.tags::text[], u.type,"
        " u.completeness, $24::bigint, $25::bigint, $26::bigint, $27::bigint,"
        " crm_ts($28::bigint), crm_ts($29::bigint), crm_ts($29::bigint),"
        " CASE WHEN $24::bigint = 0 THEN crm_ts($29::bigint) END, d.at, d.warn_at,"
        " COALESCE(d.rule, ''), COALESCE(d.days, 0)"
        " FROM u LEFT JOIN d ON d.level = u.level");
    crm_db_prepare(db, "customer_import_history",
                   "INSERT INTO customer_history (kind, record_id, action, actor_id, at,"
                   " to_owner_id, detail) SELECT 'customer', id, 'imported', $2::bigint,"
                   " crm_ts($3::bigint), $4::bigint, $5 FROM unnest($1::bigint[]) id");
}

void customers_import_store_dedup(crm_txn_t *t, const char *const *keys, size_t n)
{
    char **mobiles = crm_malloc((n + 1) * sizeof *mobiles);
    char **names = crm_malloc((n + 1) * sizeof *names);
    size_t nm = 0, nn = 0;
    for (size_t i = 0; i < n; i++) {
        if (keys[i][0] == 'm')
            mobiles[nm++] = (char *)keys[i] + 2;
        else
            names[nn++] = (char *)keys[i] + 2;
    }
    char *all = crm_db_text_array((char *const *)keys, n);
    char *am = crm_db_text_array(mobiles, nm), *an = crm_db_text_array(names, nn);
    /* A pooled customer whose mobile the importer sees masked is not a
     * duplicate by it: the row's outcome would confirm the number. */
    const Crm__Caller *c = crm_txn_caller(t);
    char user[24];
    const char *lock[] = {all},
               *p[] = {am, an, crm_i64(user, c->user_id), crm_scope_all(c) ? "true" : "false"};
    crm_txn_read(t, "key_locks", "customer_import_locks", 1, lock);
    crm_txn_read(t, "duplicates", "customer_import_duplicates", 4, p);
    free(all);
    free(am);
    free(an);
    free(mobiles);
    free(names);
}

/* ---- the created rows --------------------------------------------------- */

static const char *s_str(const char *s)
{
    return s ? s : "";
}

/* The value of text column c of row. */
static const char *s_text(const import_row_t *row, size_t c)
{
    const customer_input_t *in = &row->in.c;
    const char *v[IMPORT_TEXTS] = {
        in->name,        row->norm.mobile, row->norm.telephone, in->email,
        in->wechat,      in->qq,           in->company,         in->source,
        in->level,       in->industry,     in->province,        in->city,
        in->district,    in->address,      in->remark,          in->legal_representative,
        in->credit_code, in->bank,         in->bank_account,
    };
    return s_str(v[c]);
}

/* The customer a created row became, for its event and completeness;
 * strings are the row's. */
static void s_customer(const import_row_t *row, const import_common_t *k, customer_t *c)
{
    const customer_input_t *in = &row->in.c;
    crm__customers__customer__init(c);
    c->id = row->id;
    c->name = (char *)s_str(in->name);
    c->mobile = (char *)row->norm.mobile;
    c->telephone = (char *)row->norm.telephone;
    c->email = (char *)s_str(in->email);
    c->wechat = (char *)s_str(in->wechat);
    c->qq = (char *)s_str(in->qq);
    c->company = (char *)s_str(in->company);
    c->type = (Crm__Customers__CustomerType)row->type;
    c->source = (char *)s_str(in->source);
    c->level = (char *)s_str(in->level);
    c->industry = (char *)s_str(in->industry);
    c->tags = (char **)in->tags;
    c->n_tags = in->n_tags;
    c->province = (char *)s_str(in->province);
    c->city = (char *)s_str(in->city);
    c->district = (char *)s_str(in->district);
    c->address = (char *)s_str(in->address);
    c->remark = (char *)s_str(in->remark);
    c->legal_representative = (char *)s_str(in->legal_representative);
    c->credit_code = (char *)s_str(in->credit_code);
    c->bank = (char *)s_str(in->bank);
    c->bank_account = (char *)s_str(in->bank_account);
    c->owner_id = k->owner_id;
    c->department_id = k->department_id;
    c->pool_id = k->pool_id;
    c->creator_id = k->creator_id;
    c->deal_status = CRM__CUSTOMERS__DEAL_STATUS__DEAL_STATUS_OPEN;
    c->created_at_us = c->updated_at_us = k->now_us;
    c->owner_since_us = k->owner_id ? k->now_us : 0;
    c->pooled_at_us = k->owner_id ? 0 : k->now_us;
    c->completeness = customers_completeness(c);
}

/* The array parameters $1..$23 of customer_import_insert from the created
 * customers cs[0..n) (their rows' strings); caller frees each. */
static void s_insert_arrays(const import_row_t *const *rows, const customer_t *cs, size_t n,
                            char **p)
{
    int64_t *nums = crm_malloc((n + 1) * sizeof *nums);
    char **v = crm_malloc((n + 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        nums[i] = cs[i].id;
    p[0] = crm_db_i64_array(nums, n);
    for (size_t c = 0; c < IMPORT_TEXTS; c++) {
        for (size_t i = 0; i < n; i++)
            v[i] = (char *)s_text(rows[i], c);
        p[1 + c] = crm_db_text_array(v, n);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = crm_db_text_array(cs[i].tags, cs[i].n_tags);
    p[1 + IMPORT_TEXTS] = crm_db_text_array(v, n);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    for (size_t i = 0; i < n; i++)
        nums[i] = cs[i].type;
    p[2 + IMPORT_TEXTS] = crm_db_i64_array(nums, n);
    for (size_t i = 0; i < n; i++)
        nums[i] = cs[i].completeness;
    p[3 + IMPORT_TEXTS] = crm_db_i64_array(nums, n);
    free(v);
    free(nums);
}

static void s_insert(crm_db_batch_t *b, const import_row_t *const *rows, const customer_t *cs,
                     size_t n, const import_common_t *k)
{
    char *arrays[INSERT_ARRAYS];
    s_insert_arrays(rows, cs, n, arrays);
    char num[6][24];
    const char *p[INSERT_ARRAYS + 6];
    for (size_t i = 0; i < INSERT_ARRAYS; i++)
        p[i] = arrays[i];
    p[INSERT_ARRAYS] = crm_i64(num[0], k->owner_id);
    p[INSERT_ARRAYS + 1] = crm_i64(num[1], k->department_id);
    p[INSERT_ARRAYS + 2] = crm_i64(num[2], k->pool_id);
    p[INSERT_ARRAYS + 3] = crm_i64(num[3], k->creator_id);
    p[INSERT_ARRAYS + 4] = crm_i64(num[4], k->owner_id ? k->now_us : 0);
    p[INSERT_ARRAYS + 5] = crm_i64(num[5], k->now_us);
    crm_db_batch_add(b, "customer_import_insert", INSERT_ARRAYS + 6, p);
    for (size_t i = 0; i < INSERT_ARRAYS; i++)
        free(arrays[i]);
}

static void s_history(crm_db_batch_t *b, const customer_t *cs, size_t n, const import_common_t *k)
{
    int64_t *ids = crm_malloc((n + 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = cs[i].id;
    char num[3][24], detail[64];
    snprintf(detail, sizeof detail, "{\"import_id\": %lld}", (long long)k->import_id);
    char *arr = crm_db_i64_array(ids, n);
    const char *p[] = {arr, crm_i64(num[0], k->creator_id), crm_i64(num[1], k->now_us),
                       crm_i64(num[2], k->owner_id), detail};
    crm_db_batch_add(b, "customer_import_history", 5, p);
    free(arr);
    free(ids);
}

/* The customer.created events of cs[0..n). */
static void s_customer_events(crm_db_batch_t *b, customer_t *cs, size_t n)
{
    Crm__Events__CustomerCreated *ev = crm_malloc((n + 1) * sizeof *ev);
    const ProtobufCMessage **payloads = crm_malloc((n + 1) * sizeof *payloads);
    char(*keys)[24] = crm_malloc((n + 1) * sizeof *keys);
    const char **agg = crm_malloc((n + 1) * sizeof *agg);
    for (size_t i = 0; i < n; i++) {
        crm__events__customer_created__init(&ev[i]);
        ev[i].customer = &cs[i];
        payloads[i] = &ev[i].base;
        agg[i] = crm_i64(keys[i], cs[i].id);
    }
    crm_outbox_add_many(b, "customer.created", n, agg, payloads);
    free(agg);
    free(keys);
    free(payloads);
    free(ev);
}

/* The first contacts of the created rows that name one (primary), and
 * their contact.created events (customers_contacts_many.c). */
static void s_contacts(crm_db_batch_t *b, const import_row_t *const *rows, const customer_t *cs,
                       size_t n, const import_common_t *k)
{
    Crm__Customers__Contact *ct = crm_malloc((n + 1) * sizeof *ct);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const import_row_t *row = rows[i];
        if (!row->contact_id)
            continue;
        Crm__Customers__Contact *x = &ct[m++];
        crm__customers__contact__init(x);
        x->id = row->contact_id;
        x->customer_id = cs[i].id;
        x->customer_name = cs[i].name;
        x->name = (char *)row->in.contact_name;
        x->title = (char *)s_str(row->in.contact_title);
        x->mobile = (char *)row->contact_mobile;
        x->primary = 1;
        x->owner_id = k->owner_id;
        x->creator_id = k->creator_id;
        x->created_at_us = x->updated_at_us = k->now_us;
    }
    customers_contacts_insert_many(b, ct, m);
    free(ct);
}

void customers_import_store_created(crm_db_batch_t *b, const import_rows_t *rows,
                                    const import_common_t *common)
{
    const import_row_t **created = crm_malloc((rows->n + 1) * sizeof *created);
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++)
        if (rows->rows[i].id)
            created[n++] = &rows->rows[i];
    if (n) {
        customer_t *cs = crm_malloc(n * sizeof *cs);
        for (size_t i = 0; i < n; i++)
            s_customer(created[i], common, &cs[i]);
        s_insert(b, created, cs, n, common);
        s_history(b, cs, n, common);
        s_customer_events(b, cs, n);
        s_contacts(b, created, cs, n, common);
        free(cs);
    }
    free(created);
}
