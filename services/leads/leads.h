/* leads.h: what the leads service's files share: the service context, the
 * store (SQL) and the events it emits. */
#ifndef LEADS_H
#define LEADS_H

#include <libpq-fe.h>

#include "crm/service.h"
#include "events.pb-c.h"
#include "leads.pb-c.h"

typedef struct {
    crm_service_t *svc;
    crm_db_t *db;
    crm_cache_t *cache;
    crm_relay_t *relay;
} leads_t;

/* ---- leads_store.c ---- */

/* Registers the service's statements on db. */
void leads_store_prepare(crm_db_t *db);

/* The columns every lead read selects, in the order leads_store_row reads. */
#define LEAD_COLUMNS                                                                               \
    "id, name, mobile, telephone, email, company, source, level, industry, remark, owner_id,"      \
    " department_id, creator_id, status, crm_us(created_at), crm_us(updated_at),"                  \
    " COALESCE(crm_us(converted_at), 0)"

/* Fills lead from row i of r (strings point into r). */
void leads_store_row(const PGresult *r, int i, Crm__Leads__Lead *lead);

/* Adds the INSERT of lead (id and times included) to b. */
void leads_store_insert(crm_db_batch_t *b, const Crm__Leads__Lead *lead);

/* ---- leads_events.c ---- */

void leads_emit_created(crm_db_batch_t *b, Crm__Leads__Lead *lead);
void leads_emit_converted(crm_db_batch_t *b, Crm__Leads__Lead *lead,
                          const Crm__Leads__ConvertLeadRequest *req, int64_t by);

/* ---- leads_rpc.c ---- */

/* Registers the Leads.* handlers. */
void leads_rpc_register(leads_t *l);

/* The cache key of a lead. */
void leads_cache_key(int64_t id, char out[32]);

#endif
