/* customers_recycle.c: returns neglected customers to their pools (公海),
 * one customer.recycled event per customer, in pages inside one
 * transaction. Fired by the scheduler's "customers.recycle" job, or by
 * Customers.Recycle. */
#include <stdio.h>
#include <stdlib.h>

#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

#define RECYCLE_PAGE 500

typedef struct {
    crm_db_tx_t *tx;
    char days[16];
    customers_recycle_cb cb;
    void *arg;
    int64_t count;
} recycle_t;

static void s_add_page_query(recycle_t *r, crm_db_batch_t *b)
{
    char page[16];
    snprintf(page, sizeof page, "%d", RECYCLE_PAGE);
    const char *p[] = {r->days, page};
    crm_db_batch_add(b, "customer_recycle_page", 2, p);
}

static void s_emit(crm_db_batch_t *b, const PGresult *rows)
{
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

static void s_page_done(void *arg, const crm_db_result_t *res)
{
    recycle_t *r = arg;
    if (res->err) {
        r->cb(r->arg, NULL, r->count, res);
        free(r);
        return;
    }
    /* The page query is the batch's last statement; before it ran the
     * previous page's events. */
    const PGresult *rows = res->results[res->nresults - 1];
    int n = PQntuples(rows);
    crm_db_batch_t *b = crm_db_batch_new();
    s_emit(b, rows);
    r->count += n;
    if (n < RECYCLE_PAGE) {
        r->cb(r->arg, b, r->count, NULL);
        free(r);
        return;
    }
    s_add_page_query(r, b);
    crm_db_tx_submit(r->tx, &b, s_page_done, r);
}

void customers_recycle(crm_db_tx_t *tx, int days, customers_recycle_cb cb, void *arg)
{
    recycle_t *r = crm_calloc(1, sizeof *r);
    r->tx = tx;
    snprintf(r->days, sizeof r->days, "%d", days);
    r->cb = cb;
    r->arg = arg;
    crm_db_batch_t *b = crm_db_batch_new();
    s_add_page_query(r, b);
    crm_db_tx_submit(tx, &b, s_page_done, r);
}
