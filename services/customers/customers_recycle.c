/* customers_recycle.c: returns neglected customers to their pools (公海),
 * one customer.recycled event per customer, in pages inside one
 * transaction. Fired by the scheduler's "customers.recycle" job, or by
 * Customers.Recycle. */
#include <stdio.h>
#include <stdlib.h>

#include "crm/job.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

#define RECYCLE_PAGE 500

/* One customer.recycled per customer of the page. */
static void s_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    for (int i = 0; i < PQntuples(rows); i++) {
        Crm__Events__CustomerRecycled ev = CRM__EVENTS__CUSTOMER_RECYCLED__INIT;
        ev.customer_id = crm_db_get_i64(rows, i, 0);
        ev.previous_owner_id = crm_db_get_i64(rows, i, 1);
        ev.pool_id = crm_db_get_i64(rows, i, 2);
        ev.days_without_followup = (int32_t)crm_db_get_i64(rows, i, 3);
        ev.last_followup_at_us = crm_db_get_i64(rows, i, 4);
        crm_outbox_add(b, "customer.recycled", crm_db_get(rows, i, 0), &ev.base);
    }
}

void customers_recycle(crm_job_run_t *run, int days)
{
    char d[16];
    snprintf(d, sizeof d, "%d", days);
    const char *p[] = {d};
    crm_tx_pages(crm_job_tx(run), "customer_recycle_page", 1, p, RECYCLE_PAGE, s_page, crm_job_end,
                 run);
}

void customers_recycle_job(void *arg, crm_job_run_t *run)
{
    (void)arg;
    customers_recycle(run, 0);
}
