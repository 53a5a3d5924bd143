/* identity_impl.h: what the identity files share (not a public face; see
 * identity.h): the module's state, and each file's entry points. */
#ifndef GW_IDENTITY_IMPL_H
#define GW_IDENTITY_IMPL_H

#include <sodium.h>

#include "crm/txn.h"
#include "gateway.glue.h"
#include "gateway_map.h"
#include "identity.h"
#include "org.pb-c.h"

struct gw_identity {
    crm_service_t *svc;
    uv_loop_t *loop;
    crm_db_t *db;
    crm_cache_t *cache;
    crm_txn_env_t env;         /* where Auth and Org write (crm/txn.h) */
    int64_t session_ttl_s;     /* CRM_SESSION_TTL_S */
    uint64_t auth_cache_ms;    /* CRM_AUTH_CACHE_MS: how long a resolved token is reused */
    unsigned long long pw_ops; /* CRM_PWHASH_OPSLIMIT */
    size_t pw_mem;             /* CRM_PWHASH_MEMLIMIT, bytes */
    int pw_max_jobs;           /* CRM_PWHASH_MAX_JOBS: calls hashing at once, at most */
    int pw_jobs;               /* calls holding a hashing slot */
    gw_map_t *principals;      /* token hash -> resolved principal */
    void (*on_change)(void *); /* gw_identity_on_change */
    void *on_change_arg;
    /* A hash of a random password: unknown users are verified against it,
     * so a sign-in takes as long whether the user exists or not. */
    char dummy_hash[crypto_pwhash_STRBYTES];
    auth_handlers_t auth;
    org_handlers_t org;
};

/* ---- identity_store.c: the SQL ---- */

void id_store_prepare(crm_db_t *db);
/* Creates the first admin and a root department when there are no users. */
void id_store_bootstrap(gw_identity_t *id);

/* identity_events.c: the organisation's events (proto/org.proto) added to a
 * change's batch b, from row i of r (the columns of the User or Department
 * message; a department's active flag given); and, once per database at
 * start, every existing department and user announced. */
void id_event_user(crm_db_batch_t *b, const char *type, const PGresult *r, int i);
void id_event_department(crm_db_batch_t *b, const char *type, const PGresult *r, int i, int active);
void id_events_backfill(gw_identity_t *id);
/* Serves the organisation's snapshot (CRM_ORG_SNAPSHOT) on Bus.Snapshot. */
void id_events_snapshot(gw_identity_t *id);
/* user.deactivated of row i of r, naming who takes over (org.proto). */
void id_event_user_left(crm_db_batch_t *b, const PGresult *r, int i, int64_t successor_id,
                        Crm__OrgSuccessor **successors, size_t n);

/* ---- identity_org.c ---- */

/* A committed change of the organisation: cached scopes and principals
 * become stale (a crm_txn_op_t's committed). */
void id_org_changed(crm_txn_t *t);

/* ---- identity_handover.c: a leaver's handover (Org.DeactivateUser,
 * Org.GetHandover) ---- */

void id_handover_fill(org_handlers_t *h);

/* ---- identity_principal.c: tokens -> principals, the in-process cache ---- */

/* Drops every cached principal (the organisation changed). */
void id_forget_all(gw_identity_t *id);
/* Drops the cached principal of one token. */
void id_forget(gw_identity_t *id, const char *hash);
/* A new random token (43 characters of base64url) and its hash. */
void id_token_new(char token[44], char hash[65]);

/* ---- identity_scope.c: a manager's data scope ---- */

/* Fills who's scope with the users of who's department tree (cached in
 * Redis under the organisation's version); cb(arg, ok). */
void id_scope_resolve(gw_identity_t *id, gw_principal_t *who, void (*cb)(void *arg, int ok),
                      void *arg);
/* Moves the organisation's version: cached scopes become stale. */
void id_scope_changed(gw_identity_t *id);

/* ---- identity_password.c: argon2id on the thread pool ---- */

/* A call's hold on one of the pw_max_jobs hashing slots, from the request
 * until its answer. */
typedef struct id_pw id_pw_t;
/* Takes a slot for call: NULL after answering it RATE_LIMITED (that many
 * are hashing already: argon2 is slow on purpose, and sign-ins must not
 * queue without bound). */
id_pw_t *id_pw_begin(gw_identity_t *id, crm_rpc_call_t *call);
/* Gives the slot back; safe on NULL; sets *pw_p to NULL. */
void id_pw_end(id_pw_t **pw_p);
/* Hashes password; cb gets the argon2id string, or NULL if it failed. */
void id_pw_hash(id_pw_t *pw, const char *password, void (*cb)(void *arg, const char *hash),
                void *arg);
/* Checks password against hash; cb(arg, ok). */
void id_pw_verify(id_pw_t *pw, const char *password, const char *hash,
                  void (*cb)(void *arg, int ok), void *arg);
/* 0 if a new password is acceptable, else -1 with *err. */
int id_password_check(crm_err_t *err, const char *field, const char *pw);

/* ---- identity_auth.c, identity_org.c, identity_tokens.c: the handlers ---- */

void id_auth_fill(auth_handlers_t *h);
void id_org_fill(org_handlers_t *h);
void id_tokens_fill(org_handlers_t *h);

#endif
