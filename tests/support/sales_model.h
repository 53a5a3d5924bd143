/* sales_model.h: the sales service's read model of customers held against
 * the customers service's records, for the tests that change customers and
 * watch the model follow (live, rebuilt from a snapshot, under kill -9). */
#ifndef CRM_TEST_SALES_MODEL_H
#define CRM_TEST_SALES_MODEL_H

#include "harness.h"

/* 1 when sales_customers (not deleted: id, name, owner, department, pool,
 * team) and sales_contacts (of those customers) equal the customers
 * service's records, and the consumer's offset is the producer's last
 * sequence; else 0. */
int t_sales_model_same(h_t *h);

/* Waits up to timeout_ms for t_sales_model_same; fails the test saying
 * both sides (when: where the test is) if it does not come. */
void t_sales_model_converges(h_t *h, const char *when, int timeout_ms);

#endif
