/* identity.c: the identity module's wiring (see identity.h): its settings,
 * the first admin, its statements, and its handler tables (Auth, Org),
 * served like any service's. */
#include <stdlib.h>

#include "crm/log.h"
#include "crm/util.h"
#include "identity_impl.h"

/* A cached principal owns its scope ids. */
static void s_cached_free(void *p)
{
    gw_principal_t *who = p;
    gw_principal_clear(who);
    free(who);
}

gw_identity_t *gw_identity_new(crm_service_t *svc, crm_db_t *db, crm_cache_t *cache)
{
    if (sodium_init() < 0) {
        crm_log(CRM_ERROR, "libsodium cannot start", NULL);
        exit(1);
    }
    gw_identity_t *id = crm_calloc(1, sizeof *id);
    id->svc = svc;
    id->loop = crm_service_loop(svc);
    id->db = db;
    id->cache = cache;
    id->env = (crm_txn_env_t){.db = db, .cache = cache, .relay = crm_service_relay(svc), .ctx = id};
    id->session_ttl_s = crm_env_int("CRM_SESSION_TTL_S", 12 * 3600, 1, 90 * 24 * 3600);
    id->auth_cache_ms = (uint64_t)crm_env_int("CRM_AUTH_CACHE_MS", 1000, 0, 60000);
    id->pw_ops =
        (unsigned long long)crm_env_int("CRM_PWHASH_OPSLIMIT", 3, crypto_pwhash_OPSLIMIT_MIN, 20);
    id->pw_mem =
        (size_t)crm_env_int("CRM_PWHASH_MEMLIMIT", 64 << 20, crypto_pwhash_MEMLIMIT_MIN, 1 << 30);
    id->pw_max_jobs = (int)crm_env_int("CRM_PWHASH_MAX_JOBS", 16, 1, 1024);
    id->principals = gw_map_new(s_cached_free);
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    if (crypto_pwhash_str(id->dummy_hash, (const char *)rnd, sizeof rnd, id->pw_ops, id->pw_mem) !=
        0) {
        crm_log(CRM_ERROR, "cannot hash a password (CRM_PWHASH_MEMLIMIT too large?)", NULL);
        exit(1);
    }
    id_store_bootstrap(id);
    id_events_backfill(id);
    id_events_snapshot(id);
    id_store_prepare(db);
    crm_txn_prepare(db);
    crm_outbox_prepare(db);
    id->auth.arg = id;
    id_auth_fill(&id->auth);
    id->org.arg = id;
    id_org_fill(&id->org);
    id_tokens_fill(&id->org);
    id_handover_fill(&id->org);
    return id;
}

void gw_identity_serve(gw_identity_t *id, crm_rpc_server_t *srv)
{
    auth_serve(srv, &id->auth);
    org_serve(srv, &id->org);
}

void gw_identity_on_change(gw_identity_t *id, void (*cb)(void *arg), void *arg)
{
    id->on_change = cb;
    id->on_change_arg = arg;
}

void gw_identity_destroy(gw_identity_t **id_p)
{
    if (!id_p || !*id_p)
        return;
    gw_map_destroy(&(*id_p)->principals);
    free(*id_p);
    *id_p = NULL;
}
