/* leads_import_store.c: the leads' own SQL of an import chunk (the import's
 * row, its stored results and counters are the kit's, crm/import.h): the
 * configured lists, the mobile locks and duplicates, and the writes of a
 * chunk's created rows in a handful of statements whatever their number:
 * one INSERT of the leads from arrays (unnest), one of their history, one
 * of their lead.created events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/outbox.h"
#include "crm/util.h"
#include "leads_import.h"

/* An imported lead sets its 15 text columns (s_text), its tags, owner,
 * department, pool, status, creator and times; the others keep their
 * defaults (no follow-up, no previous owner, not converted, not deleted). */
#define IMPORT_LEAD_TEXTS 15

void leads_import_store_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "import_options", "SELECT kind, value FROM lead_options");
    /* The same locks as lead_mobile_lock (leads_store.c), taken in the
     * order of their keys so that two chunks never wait for each other in
     * a circle. */
    crm_db_prepare(db, "import_mobile_locks",
                   "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT"
                   " hashtext('lead.mobile:' || m) AS k FROM unnest($1::text[]) m ORDER BY 1) s");
    /* By the mobile index alone (OFFSET 0 keeps the other conditions out of
     * the scan: they would let the planner pick a partial index on
     * deleted_at and filter every lead against every mobile). */
    crm_db_prepare(db, "import_duplicates",
                   "SELECT mobile, min(id) FROM (SELECT mobile, id, status, deleted_at"
                   " FROM leads WHERE mobile = ANY($1::text[]) AND mobile <> '' OFFSET 0) l"
                   " WHERE status <> 6 AND deleted_at IS NULL GROUP BY mobile");
    crm_db_prepare(db, "import_leads_insert",
                   "INSERT INTO leads (id, name, mobile, telephone, email, wechat, qq, company,"
                   " source, level, industry, remark, province, city, district, address, tags,"
                   " owner_id, department_id, pool_id, status, creator_id, owner_since,"
                   " pooled_at, created_at, updated_at)"
                   " SELECT u.id, u.name, u.mobile, u.telephone, u.email, u.wechat, u.qq,"
                   " u.company, u.source, u.level, u.industry, u.remark, u.province, u.city,"
                   " u.district, u.address, u.tags::text[], $18::bigint, $19::bigint,"
                   " $20::bigint, $21::smallint, $22::bigint, crm_ts($23::bigint),"
                   " crm_ts($24::bigint), crm_ts($25::bigint), crm_ts($25::bigint)"
                   " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],"
                   " $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],"
                   " $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],"
                   " $17::text[]) AS u(id, name, mobile, telephone, email, wechat, qq, company,"
                   " source, level, industry, remark, province, city, district, address, tags)");
    crm_db_prepare(db, "import_history",
                   "INSERT INTO lead_history (lead_id, action, actor_id, at, to_owner_id,"
                   " pool_id, detail) SELECT id, 'imported', $2::bigint, crm_ts($3::bigint),"
                   " $4::bigint, $5::bigint, $6 FROM unnest($1::bigint[]) id");
}

/* ---- the created rows --------------------------------------------------- */

static const char *s_str(const char *s)
{
    return s ? s : "";
}

/* The value of text column c of row. */
static const char *s_text(const import_row_t *row, size_t c)
{
    const lead_input_t *in = &row->in;
    const char *v[IMPORT_LEAD_TEXTS] = {
        in->name,    row->norm.mobile, row->norm.telephone, in->email,    in->wechat, in->qq,
        in->company, in->source,       in->level,           in->industry, in->remark, in->province,
        in->city,    in->district,     in->address,
    };
    return s_str(v[c]);
}

/* The lead a created row became, for its event; strings are the row's. */
static void s_lead(const import_row_t *row, const import_leads_t *c, Crm__Leads__Lead *lead)
{
    const lead_input_t *in = &row->in;
    crm__leads__lead__init(lead);
    lead->id = row->lead_id;
    lead->name = (char *)s_str(in->name);
    lead->mobile = (char *)row->norm.mobile;
    lead->telephone = (char *)row->norm.telephone;
    lead->email = (char *)s_str(in->email);
    lead->wechat = (char *)s_str(in->wechat);
    lead->qq = (char *)s_str(in->qq);
    lead->company = (char *)s_str(in->company);
    lead->source = (char *)s_str(in->source);
    lead->level = (char *)s_str(in->level);
    lead->industry = (char *)s_str(in->industry);
    lead->remark = (char *)s_str(in->remark);
    lead->province = (char *)s_str(in->province);
    lead->city = (char *)s_str(in->city);
    lead->district = (char *)s_str(in->district);
    lead->address = (char *)s_str(in->address);
    lead->tags = (char **)in->tags;
    lead->n_tags = in->n_tags;
    lead->owner_id = c->owner_id;
    lead->department_id = c->department_id;
    lead->pool_id = c->pool_id;
    lead->creator_id = c->creator_id;
    lead->status = c->status;
    lead->created_at_us = lead->updated_at_us = c->now_us;
    if (c->owner_id)
        lead->owner_since_us = c->now_us;
    else
        lead->pooled_at_us = c->now_us;
}

/* The array parameters $1..$17 of import_leads_insert; caller frees
 * each. */
static void s_insert_arrays(const import_row_t *const *rows, size_t n, char **p)
{
    int64_t *ids = crm_malloc(n * sizeof *ids);
    char **v = crm_malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        ids[i] = rows[i]->lead_id;
    p[0] = crm_db_i64_array(ids, n);
    for (size_t c = 0; c < IMPORT_LEAD_TEXTS; c++) {
        for (size_t i = 0; i < n; i++)
            v[i] = (char *)s_text(rows[i], c);
        p[1 + c] = crm_db_text_array(v, n);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = crm_db_text_array(rows[i]->in.tags, rows[i]->in.n_tags);
    p[16] = crm_db_text_array(v, n);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    free(ids);
}

static void s_insert(crm_db_batch_t *b, const import_row_t *const *rows, size_t n,
                     const import_leads_t *c)
{
    char *arrays[17];
    s_insert_arrays(rows, n, arrays);
    char num[7][24];
    const char *p[25];
    for (size_t i = 0; i < 17; i++)
        p[i] = arrays[i];
    p[17] = crm_i64(num[0], c->owner_id);
    p[18] = crm_i64(num[1], c->department_id);
    p[19] = crm_i64(num[2], c->pool_id);
    p[20] = crm_i64(num[3], c->status);
    p[21] = crm_i64(num[4], c->creator_id);
    p[22] = crm_i64(num[5], c->owner_id ? c->now_us : 0);
    p[24] = crm_i64(num[6], c->now_us);
    p[23] = c->owner_id ? "0" : p[24]; /* pooled_at, as a create sets it */
    crm_db_batch_add(b, "import_leads_insert", 25, p);
    for (size_t i = 0; i < 17; i++)
        free(arrays[i]);
}

static void s_history(crm_db_batch_t *b, const import_row_t *const *rows, size_t n,
                      const import_leads_t *c)
{
    int64_t *ids = crm_malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = rows[i]->lead_id;
    char num[4][24], detail[64];
    snprintf(detail, sizeof detail, "{\"import_id\": %lld}", (long long)c->import_id);
    char *arr = crm_db_i64_array(ids, n);
    const char *p[] = {arr,
                       crm_i64(num[0], c->creator_id),
                       crm_i64(num[1], c->now_us),
                       crm_i64(num[2], c->owner_id),
                       crm_i64(num[3], c->pool_id),
                       detail};
    crm_db_batch_add(b, "import_history", 6, p);
    free(arr);
    free(ids);
}

static void s_events(crm_db_batch_t *b, const import_row_t *const *rows, size_t n,
                     const import_leads_t *c)
{
    Crm__Leads__Lead *leads = crm_malloc(n * sizeof *leads);
    Crm__Events__LeadCreated *ev = crm_malloc(n * sizeof *ev);
    const ProtobufCMessage **payloads = crm_malloc(n * sizeof *payloads);
    char(*ids)[24] = crm_malloc(n * sizeof *ids);
    const char **agg = crm_malloc(n * sizeof *agg);
    for (size_t i = 0; i < n; i++) {
        s_lead(rows[i], c, &leads[i]);
        crm__events__lead_created__init(&ev[i]);
        ev[i].lead = &leads[i];
        payloads[i] = &ev[i].base;
        agg[i] = crm_i64(ids[i], rows[i]->lead_id);
    }
    crm_outbox_add_many(b, "lead.created", n, agg, payloads);
    free(agg);
    free(ids);
    free(payloads);
    free(ev);
    free(leads);
}

void leads_import_store_created(crm_db_batch_t *b, const import_rows_t *rows,
                                const import_leads_t *common)
{
    const import_row_t **created = crm_malloc((rows->n ? rows->n : 1) * sizeof *created);
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++)
        if (rows->rows[i].lead_id)
            created[n++] = &rows->rows[i];
    if (n) {
        s_insert(b, created, n, common);
        s_history(b, created, n, common);
        s_events(b, created, n, common);
    }
    free(created);
}
