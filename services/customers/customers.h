/* customers.h: what the customers service's files share: the service
 * context, the store (SQL), recycling and the events it emits. */
#ifndef CUSTOMERS_H
#define CUSTOMERS_H

#include <libpq-fe.h>

#include "crm/job.h"
#include "crm/org.h"
#include "crm/txn.h"
#include "crm/service.h"
#include "customers.glue.h"
#include "customers.pb-c.h"
#include "events.pb-c.h"

typedef struct {
    crm_service_t *svc;
    crm_db_t *db;
    crm_relay_t *relay;
    crm_txn_env_t env;             /* where changes go */
    customers_handlers_t handlers; /* what serves Customers.* (customers.glue.h) */
} customers_t;

/* ---- customers_store.c ---- */

void customers_store_prepare(crm_db_t *db);

/* The columns every customer read selects, in the order customers_store_row reads. */
#define CUSTOMER_COLUMNS                                                                           \
    "id, name, contact_name, mobile, telephone, email, company, source, level, industry,"          \
    " owner_id, department_id, pool_id, COALESCE(lead_id, 0), crm_us(last_followup_at),"           \
    " crm_us(created_at), crm_us(updated_at)"

/* Fills c from row i of r (strings point into r). */
void customers_store_row(const PGresult *r, int i, Crm__Customers__Customer *c);

/* ---- customers_recycle.c ---- */

/* Returns neglected customers to their pools inside the run's transaction,
 * a page at a time: days > 0 overrides every pool's rule. Ends the run
 * (crm_job_end) with the statements that must commit with the change (the
 * customer.recycled events) and the count, or the failure. */
void customers_recycle(crm_job_run_t *run, int days);
/* The "customers.recycle" job's work (a crm_job_fn): each pool's rule. */
void customers_recycle_job(void *arg, crm_job_run_t *run);

/* ---- customers_handover.c ---- */

/* How the customers of someone who leaves go to their successor (crm/org.h). */
const crm_org_handover_t *customers_handover(void);

/* ---- customers_events.c ---- */

/* Starts consuming the leads and scheduler streams. */
void customers_events_start(customers_t *c);

/* ---- customers_rpc.c ---- */

/* Serves every Customers.* RPC (fails the start if one has no handler). */
void customers_rpc_register(customers_t *c);

#endif
