/* leads_store.c: the leads service's SQL: statements and row mapping. */
#include <stdio.h>

#include "crm/util.h"
#include "leads.h"

void leads_store_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "lead_get", "SELECT " LEAD_COLUMNS " FROM leads WHERE id = $1::bigint");
    crm_db_prepare(db, "lead_lock",
                   "SELECT " LEAD_COLUMNS " FROM leads WHERE id = $1::bigint FOR UPDATE");
    crm_db_prepare(db, "lead_next_id", "SELECT nextval('leads_id_seq'), crm_us(now())");
    /* Serialises creates of one mobile number until commit, so the check
     * below sees every committed duplicate. */
    crm_db_prepare(db, "lead_mobile_lock",
                   "SELECT pg_advisory_xact_lock(hashtext('lead.mobile:' || $1))");
    crm_db_prepare(db, "lead_by_mobile",
                   "SELECT id, owner_id FROM leads WHERE mobile = $1 AND status <> 6"
                   " ORDER BY id LIMIT 1");
    crm_db_prepare(db, "lead_insert",
                   "INSERT INTO leads (id, name, mobile, telephone, email, company, source, level,"
                   " industry, remark, owner_id, department_id, creator_id, status, created_at,"
                   " updated_at) VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                   " $11::bigint, $12::bigint, $13::bigint, $14::smallint,"
                   " to_timestamp($15::bigint / 1e6), to_timestamp($15::bigint / 1e6))");
    crm_db_prepare(db, "lead_convert",
                   "UPDATE leads SET status = 5, converted_at = to_timestamp($2::bigint / 1e6),"
                   " updated_at = to_timestamp($2::bigint / 1e6) WHERE id = $1::bigint");
}

void leads_store_row(const PGresult *r, int i, Crm__Leads__Lead *lead)
{
    crm__leads__lead__init(lead);
    lead->id = crm_db_get_i64(r, i, 0);
    lead->name = (char *)crm_db_get(r, i, 1);
    lead->mobile = (char *)crm_db_get(r, i, 2);
    lead->telephone = (char *)crm_db_get(r, i, 3);
    lead->email = (char *)crm_db_get(r, i, 4);
    lead->company = (char *)crm_db_get(r, i, 5);
    lead->source = (char *)crm_db_get(r, i, 6);
    lead->level = (char *)crm_db_get(r, i, 7);
    lead->industry = (char *)crm_db_get(r, i, 8);
    lead->remark = (char *)crm_db_get(r, i, 9);
    lead->owner_id = crm_db_get_i64(r, i, 10);
    lead->department_id = crm_db_get_i64(r, i, 11);
    lead->creator_id = crm_db_get_i64(r, i, 12);
    lead->status = (Crm__Leads__LeadStatus)crm_db_get_i64(r, i, 13);
    lead->created_at_us = crm_db_get_i64(r, i, 14);
    lead->updated_at_us = crm_db_get_i64(r, i, 15);
    lead->converted_at_us = crm_db_get_i64(r, i, 16);
}

void leads_store_insert(crm_db_batch_t *b, const Crm__Leads__Lead *lead)
{
    char id[24], owner[24], dept[24], creator[24], status[8], at[24];
    const char *params[] = {crm_i64(id, lead->id),
                            lead->name,
                            lead->mobile,
                            lead->telephone,
                            lead->email,
                            lead->company,
                            lead->source,
                            lead->level,
                            lead->industry,
                            lead->remark,
                            crm_i64(owner, lead->owner_id),
                            crm_i64(dept, lead->department_id),
                            crm_i64(creator, lead->creator_id),
                            crm_i64(status, lead->status),
                            crm_i64(at, lead->created_at_us)};
    crm_db_batch_add(b, "lead_insert", 15, params);
}
