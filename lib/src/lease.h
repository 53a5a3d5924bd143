/* lease.h: leadership among a service's instances, by a PostgreSQL advisory
 * lock held on a dedicated session.
 *
 * The instance whose session holds the lock for name leads (the outbox relay
 * of a producer, the consumer of a stream). The lock is checked, and taken
 * when free, every second; when the session is lost the lock is lost with it
 * and another instance takes over. Leadership is an optimisation, never the
 * only guard: what a leader writes is also guarded in the database, since a
 * leader learns of losing its session only after the fact. */
#ifndef CRM_LEASE_H
#define CRM_LEASE_H

#include <uv.h>

#include "db.h"

typedef struct crm_lease crm_lease_t;

/* on_change(arg, held) runs when this instance gains or loses the lease. */
typedef void (*crm_lease_cb)(void *arg, int held);

/* Opens a one-connection session to conninfo and competes for name. */
crm_lease_t *crm_lease_new(uv_loop_t *loop, const char *conninfo, const char *name,
                           crm_lease_cb on_change, void *arg);

/* Does this instance hold the lease? */
int crm_lease_held(const crm_lease_t *l);

/* The session that holds the lock: work that must run under the lease can
 * run here (a pool of one connection). Owned by the lease. */
crm_db_t *crm_lease_db(crm_lease_t *l);

/* Releases (by closing the session) and frees. Safe on NULL. */
void crm_lease_destroy(crm_lease_t **l_p);

#endif
