/* org_impl.h: what org.c shares with org_handover.c inside lib. */
#ifndef CRM_ORG_IMPL_H
#define CRM_ORG_IMPL_H

#include "bus.pb-c.h"
#include "crm/db.h"

/* Adds the read model's upsert for ev (user.* or department.*) to b; other
 * types add nothing. 0, or -1 when the payload does not decode (logged). */
int org_upsert(crm_db_batch_t *b, const Crm__Event *ev);

#endif
