/* identity.h: who is calling, and the organisation they belong to: the
 * gateway's own services Auth (sign-in, sessions, passwords) and Org
 * (departments, users, API tokens), and the resolution of a bearer token
 * into a principal with its data scope.
 *
 * Identity knows nothing of HTTP: its handlers are RPC handlers served on
 * an RPC server (the gateway's in-process one, crm_rpc_server_new_local),
 * answered through the call they get; the HTTP layer resolves tokens here
 * and hands each call over. */
#ifndef GW_IDENTITY_H
#define GW_IDENTITY_H

#include <stdint.h>

#include "bus.pb-c.h"
#include "crm/db.h"
#include "crm/err.h"
#include "crm/service.h"

typedef struct gw_identity gw_identity_t;

/* Who is calling, resolved from the bearer token. */
typedef struct {
    int64_t user_id;
    int64_t department_id;
    Crm__Role role;
    int must_change_password;
    int64_t token_id;
    int api_token;      /* an integration's token */
    int read_only;      /* its scope is "read" */
    int64_t *scope_ids; /* owned; NULL for scope "all" */
    size_t n_scope;
} gw_principal_t;

/* Reads its settings (CRM_SESSION_TTL_S, CRM_AUTH_CACHE_MS, CRM_PWHASH_*),
 * creates the first admin when there are no users (CRM_ADMIN_USER,
 * CRM_ADMIN_PASSWORD; blocking, at start) and prepares its statements on
 * db, the pool its handlers use (with cache, it must outlive their calls).
 * Exits the process if it cannot start. Caller owns the result. */
gw_identity_t *gw_identity_new(crm_service_t *svc, crm_db_t *db, crm_cache_t *cache);

/* Calls cb(arg) after every committed change of the organisation made
 * here (a user or department created, changed or deleted), for caches of
 * it elsewhere in the process (people's names). One hook; NULL removes it. */
void gw_identity_on_change(gw_identity_t *id, void (*cb)(void *arg), void *arg);
/* Serves Auth.* and Org.* on srv (which must not outlive id). */
void gw_identity_serve(gw_identity_t *id, crm_rpc_server_t *srv);

/* Safe on NULL; sets *id_p to NULL. */
void gw_identity_destroy(gw_identity_t **id_p);

/* Hashes a bearer token into 64 hex characters (tokens are stored and
 * looked up by this hash only). */
void gw_identity_token_hash(const char *token, size_t len, char out[65]);

/* Resolves the token of hash into *who (its scope_ids owned by who:
 * gw_principal_clear), then calls cb with err NULL; or with the error:
 * UNAUTHENTICATED for an unknown, expired or revoked token, UNAVAILABLE
 * when the data scope cannot be read, a database error's mapped status.
 * cb runs later, or before this returns (a principal cached in process). */
typedef void (*gw_identity_cb)(void *arg, const crm_err_t *err);
void gw_identity_resolve(gw_identity_t *id, const char *hash, gw_principal_t *who,
                         gw_identity_cb cb, void *arg);

/* Does the token of hash still sign anybody in? cb(arg, 0) if it is known
 * to be revoked, expired or its user deleted; 1 otherwise (also when the
 * database does not answer). */
void gw_identity_check(gw_identity_t *id, const char *hash, void (*cb)(void *arg, int live),
                       void *arg);

/* The RPC caller of who: caller and scope are filled, scope's ids point
 * into who. */
void gw_principal_caller(const gw_principal_t *who, Crm__Caller *caller, Crm__DataScope *scope);

/* Frees what who owns and zeroes it. */
void gw_principal_clear(gw_principal_t *who);

/* Adds to b what a domain's event means for identity: a handover.progressed
 * report is kept for Org.GetHandover (other types add nothing). Called by
 * the gateway's consumer of the domains' streams (notify_events.c), so it
 * commits with the consumer's offset. */
void id_handover_event(crm_db_batch_t *b, const Crm__Event *ev);

#endif
