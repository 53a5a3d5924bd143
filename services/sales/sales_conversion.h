/* sales_conversion.h: the opportunity a lead's conversion asked for (转为客户
 * 和商机), made when the customers service announces its customer; see
 * sales_conversion.c. */
#ifndef SALES_CONVERSION_H
#define SALES_CONVERSION_H

#include "crm/db.h"
#include "events.pb-c.h"

/* Adds to b (a batch of the consumer of customer events, after the
 * statement keeping the customer in the read model) the statement making
 * the opportunity ev asks for: nothing when it asks for none or the
 * customer came from no lead. */
void sales_conversion_add(crm_db_batch_t *b, const Crm__Events__CustomerCreated *ev);

/* The consumer's applied hook (crm/event_table.h): each opportunity made
 * announced (opportunity.created) in the batch's commit. */
void sales_conversion_applied(void *arg, const crm_db_result_t *res, crm_db_batch_t *commit);

#endif
