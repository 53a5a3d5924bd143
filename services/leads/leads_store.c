/* leads_store.c: the leads service's SQL: statements and row mapping. Every
 * write of a lead goes through one INSERT and one UPDATE that carry every
 * column, so no action can forget one. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "crm/rowmap.h"
#include "crm/util.h"
#include "leads.h"

/* The parameters every write of a lead carries, $1..$31 (see s_params). */
#define LEAD_WRITE_PARAMS 31
#define LEAD_VALUES                                                                                \
    "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text[], $14, $15, $16, $17,"              \
    " $18::bigint, $19::bigint, $20::smallint, crm_ts($21::bigint), crm_ts($22::bigint), $23,"     \
    " $24::bigint, $25::bigint, crm_ts($26::bigint), crm_ts($27::bigint), crm_ts($28::bigint),"    \
    " crm_ts($29::bigint), crm_ts($30::bigint), NULLIF($31::bigint[], '{}')"
#define LEAD_WRITE_COLUMNS                                                                         \
    "name, mobile, telephone, email, wechat, qq, company, source, level, industry, remark, tags,"  \
    " province, city, district, address, owner_id, department_id, status, next_followup_at,"       \
    " last_followup_at, last_followup_content, pool_id, previous_owner_id, owner_since,"           \
    " converted_at, updated_at, pooled_at, created_at, team_member_ids"

void leads_store_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "lead_get",
                   "SELECT " LEAD_COLUMNS " FROM leads WHERE id = $1::bigint"
                   " AND deleted_at IS NULL");
    crm_db_prepare(db, "lead_lock_many",
                   "SELECT " LEAD_COLUMNS " FROM leads WHERE id = ANY($1::bigint[])"
                   " AND deleted_at IS NULL ORDER BY id FOR UPDATE");
    crm_db_prepare(db, "lead_pool_of",
                   "SELECT " POOL_COLUMNS " FROM lead_pools WHERE id ="
                   " (SELECT pool_id FROM leads WHERE id = $1::bigint)");
    /* The pools a change needs: those of its leads, and the one it moves
     * them to ($2, 0: none). */
    crm_db_prepare(db, "lead_pools_of_many",
                   "SELECT " POOL_COLUMNS " FROM lead_pools WHERE id = $2::bigint OR id IN"
                   " (SELECT pool_id FROM leads WHERE id = ANY($1::bigint[])) ORDER BY id");
    crm_db_prepare(db, "lead_next_id", "SELECT nextval('leads_id_seq'), crm_us(now())");
    /* Serialises writers of one mobile number until commit, so the check
     * below sees every committed duplicate. (mobile <> '' lets even a
     * generic plan use the partial index leads_mobile.) */
    crm_db_prepare(db, "lead_mobile_lock",
                   "SELECT pg_advisory_xact_lock(hashtext('lead.mobile:' || $1))");
    crm_db_prepare(db, "lead_by_mobile",
                   "SELECT id, owner_id FROM leads WHERE mobile = $1 AND mobile <> ''"
                   " AND status <> 6 AND deleted_at IS NULL AND id <> $2::bigint"
                   " ORDER BY id LIMIT 1");
    crm_db_prepare(db, "lead_insert",
                   "INSERT INTO leads (id, " LEAD_WRITE_COLUMNS ", creator_id)"
                   " VALUES ($1::bigint, " LEAD_VALUES ", $32::bigint)");
    crm_db_prepare(db, "lead_save",
                   "UPDATE leads SET (" LEAD_WRITE_COLUMNS ", deleted_at) = (" LEAD_VALUES
                   ", CASE WHEN $32::boolean THEN now() END) WHERE id = $1::bigint");
    crm_db_prepare(db, "lead_history_insert",
                   "INSERT INTO lead_history (lead_id, action, actor_id, at, from_owner_id,"
                   " to_owner_id, pool_id, reason, detail) VALUES ($1::bigint, $2, $3::bigint,"
                   " crm_ts($4::bigint), $5::bigint, $6::bigint, $7::bigint, $8, $9)");
    crm_db_prepare(db, LEADS_CHECK_OPTIONS,
                   "SELECT v.k FROM (VALUES ('level', $1::text), ('industry', $2::text),"
                   " ('source', $3::text)) v(k, val) WHERE v.val <> '' AND NOT EXISTS"
                   " (SELECT 1 FROM lead_options o WHERE o.kind = v.k AND o.value = v.val)");
}

/* Fills msg (initialised) from row i of r by column names. The columns
 * are the service's own (LEAD_COLUMNS...): a mismatch is a bug. */
void leads_row_to(const PGresult *r, int i, ProtobufCMessage *msg)
{
    crm_err_t err;
    int ok = crm_row_to_message(r, i, msg, &err) == 0;
    assert(ok && "a column cannot fill its field");
    (void)ok;
}

void leads_store_row(const PGresult *r, int i, lead_row_t *row)
{
    crm__leads__lead__init(&row->lead);
    row->deleted = 0;
    leads_row_to(r, i, &row->lead.base);
}

void leads_store_add_lead_and_pool(crm_db_batch_t *b, int64_t id)
{
    char v[24];
    const char *p[] = {crm_i64(v, id)};
    crm_db_batch_add(b, "lead_get", 1, p);
    crm_db_batch_add(b, "lead_pool_of", 1, p);
}

void leads_row_clear(lead_row_t *row)
{
    crm_rowmap_clear(&row->lead.base);
}

/* Number buffers for the parameters of one write. */
typedef struct {
    char n[12][24];
    char *tags;
    char *team;
} params_t;

/* Fills p[0..LEAD_WRITE_PARAMS) from lead. */
static void s_params(const Crm__Leads__Lead *lead, params_t *buf, const char **p)
{
    buf->tags = crm_db_text_array(lead->tags, lead->n_tags);
    p[0] = crm_i64(buf->n[0], lead->id);
    p[1] = lead->name;
    p[2] = lead->mobile;
    p[3] = lead->telephone;
    p[4] = lead->email;
    p[5] = lead->wechat;
    p[6] = lead->qq;
    p[7] = lead->company;
    p[8] = lead->source;
    p[9] = lead->level;
    p[10] = lead->industry;
    p[11] = lead->remark;
    p[12] = buf->tags;
    p[13] = lead->province;
    p[14] = lead->city;
    p[15] = lead->district;
    p[16] = lead->address;
    p[17] = crm_i64(buf->n[1], lead->owner_id);
    p[18] = crm_i64(buf->n[2], lead->department_id);
    p[19] = crm_i64(buf->n[3], lead->status);
    p[20] = crm_i64(buf->n[4], lead->next_followup_at_us);
    p[21] = crm_i64(buf->n[5], lead->last_followup_at_us);
    p[22] = lead->last_followup_content;
    p[23] = crm_i64(buf->n[6], lead->pool_id);
    p[24] = crm_i64(buf->n[7], lead->previous_owner_id);
    p[25] = crm_i64(buf->n[8], lead->owner_since_us);
    p[26] = crm_i64(buf->n[9], lead->converted_at_us);
    p[27] = crm_i64(buf->n[10], lead->updated_at_us);
    p[28] = crm_i64(buf->n[11], lead->pooled_at_us);
    p[29] = NULL; /* created_at: set by the caller */
    buf->team = crm_db_i64_array(lead->team_member_ids, lead->n_team_member_ids);
    p[30] = buf->team;
}

void leads_store_insert(crm_db_batch_t *b, const Crm__Leads__Lead *lead)
{
    params_t buf;
    char created[24], creator[24];
    const char *p[LEAD_WRITE_PARAMS + 1];
    s_params(lead, &buf, p);
    p[29] = crm_i64(created, lead->created_at_us);
    p[31] = crm_i64(creator, lead->creator_id);
    crm_db_batch_add(b, "lead_insert", LEAD_WRITE_PARAMS + 1, p);
    free(buf.tags);
    free(buf.team);
}

void leads_store_save(crm_db_batch_t *b, const lead_row_t *row)
{
    params_t buf;
    char created[24];
    const char *p[LEAD_WRITE_PARAMS + 1];
    s_params(&row->lead, &buf, p);
    p[29] = crm_i64(created, row->lead.created_at_us);
    p[31] = row->deleted ? "true" : "false";
    crm_db_batch_add(b, "lead_save", LEAD_WRITE_PARAMS + 1, p);
    free(buf.tags);
    free(buf.team);
}

void leads_store_history(crm_db_batch_t *b, const lead_history_t *h)
{
    char id[24], actor[24], at[24], from[24], to[24], pool[24];
    const char *p[] = {crm_i64(id, h->lead_id),         h->action,
                       crm_i64(actor, h->actor_id),     crm_i64(at, h->at_us),
                       crm_i64(from, h->from_owner_id), crm_i64(to, h->to_owner_id),
                       crm_i64(pool, h->pool_id),       h->reason ? h->reason : "",
                       h->detail ? h->detail : ""};
    crm_db_batch_add(b, "lead_history_insert", 9, p);
}

void leads_followup_row(const PGresult *r, int i, Crm__Leads__FollowUp *f)
{
    crm__leads__follow_up__init(f);
    leads_row_to(r, i, &f->base);
}

void leads_followup_clear(Crm__Leads__FollowUp *f)
{
    crm_rowmap_clear(&f->base);
}
