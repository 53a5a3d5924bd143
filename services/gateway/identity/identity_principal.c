/* identity_principal.c: bearer tokens into principals. Tokens (sessions
 * from a sign-in, and API tokens) are 32 random bytes from libsodium,
 * handed out once as base64url and stored only as their BLAKE2b hash. A
 * token resolves into its user, role and data scope (admin: everything;
 * manager: every user of their department tree, identity_scope.c;
 * employee: themselves), kept in process for CRM_AUTH_CACHE_MS (never past
 * the token's expiry; a logout on this instance drops it at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "identity_impl.h"

#define MAX_CACHED 100000

void gw_identity_token_hash(const char *token, size_t len, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, len, NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void id_token_new(char token[44], char hash[65])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, 44, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    gw_identity_token_hash(token, strlen(token), hash);
}

void gw_principal_clear(gw_principal_t *who)
{
    free(who->scope_ids);
    memset(who, 0, sizeof *who);
}

void gw_principal_caller(const gw_principal_t *who, Crm__Caller *caller, Crm__DataScope *scope)
{
    crm__caller__init(caller);
    crm__data_scope__init(scope);
    caller->user_id = who->user_id;
    caller->department_id = who->department_id;
    caller->role = who->role;
    caller->token_id = who->token_id;
    caller->api_token = who->api_token;
    scope->all = who->role == CRM__ROLE__ROLE_ADMIN;
    scope->user_ids = who->scope_ids;
    scope->n_user_ids = who->n_scope;
    caller->scope = scope;
}

/* ---- the cache -------------------------------------------------------------- */

typedef struct {
    gw_principal_t who; /* first: the map frees it as a principal */
    uint64_t until_ms;
} s_cached_t;

static void s_copy(gw_principal_t *dst, const gw_principal_t *src)
{
    *dst = *src;
    if (src->scope_ids) {
        dst->scope_ids = crm_malloc((src->n_scope ? src->n_scope : 1) * sizeof(int64_t));
        memcpy(dst->scope_ids, src->scope_ids, src->n_scope * sizeof(int64_t));
    }
}

void id_forget_all(gw_identity_t *id)
{
    gw_map_clear(id->principals);
}

void id_forget(gw_identity_t *id, const char *hash)
{
    gw_map_del(id->principals, hash);
}

/* Keeps who for CRM_AUTH_CACHE_MS, or until the token expires if sooner. */
static void s_keep(gw_identity_t *id, const char *hash, const gw_principal_t *who,
                   int64_t expires_us)
{
    if (!id->auth_cache_ms || gw_map_get(id->principals, hash))
        return;
    uint64_t until = crm_mono_ms() + id->auth_cache_ms;
    if (expires_us) {
        int64_t left_ms = (expires_us - crm_now_us()) / 1000;
        if (left_ms <= 0)
            left_ms = 0;
        if ((uint64_t)left_ms < id->auth_cache_ms)
            until = crm_mono_ms() + (uint64_t)left_ms;
    }
    if (gw_map_size(id->principals) > MAX_CACHED)
        gw_map_clear(id->principals);
    s_cached_t *e = crm_calloc(1, sizeof *e);
    s_copy(&e->who, who);
    e->until_ms = until;
    gw_map_put(id->principals, hash, e);
}

/* ---- resolving -------------------------------------------------------------- */

typedef struct {
    gw_identity_t *id;
    char hash[65];
    gw_principal_t *who;
    int64_t expires_us;
    gw_identity_cb cb;
    void *arg;
} s_resolve_t;

static void s_finish(s_resolve_t *r, const crm_err_t *err)
{
    if (!err)
        s_keep(r->id, r->hash, r->who, r->expires_us);
    gw_identity_cb cb = r->cb;
    void *arg = r->arg;
    free(r);
    cb(arg, err);
}

static void s_scope_done(void *arg, int ok)
{
    s_resolve_t *r = arg;
    crm_err_t err;
    if (!ok) {
        crm_err_set(&err, CRM__STATUS__UNAVAILABLE, NULL, "cannot resolve the data scope; retry");
        s_finish(r, &err);
        return;
    }
    s_finish(r, NULL);
}

static Crm__Role s_role(const char *s)
{
    if (!strcmp(s, "admin"))
        return CRM__ROLE__ROLE_ADMIN;
    if (!strcmp(s, "manager"))
        return CRM__ROLE__ROLE_MANAGER;
    return CRM__ROLE__ROLE_EMPLOYEE;
}

/* The value of column name of r's first row: text, and as an integer. */
static const char *s_col(const PGresult *r, const char *name)
{
    return crm_db_get(r, 0, PQfnumber(r, name));
}

static int64_t s_i64(const PGresult *r, const char *name)
{
    return crm_db_get_i64(r, 0, PQfnumber(r, name));
}

static void s_token_loaded(void *arg, const crm_db_result_t *res)
{
    s_resolve_t *r = arg;
    crm_err_t err;
    if (res->err) {
        crm_err_db(&err, res);
        s_finish(r, &err);
        return;
    }
    const PGresult *row = res->results[0];
    if (PQntuples(row) == 0) {
        crm_err_set(&err, CRM__STATUS__UNAUTHENTICATED, NULL, "invalid, expired or revoked token");
        s_finish(r, &err);
        return;
    }
    gw_principal_t *w = r->who;
    w->token_id = s_i64(row, "token_id");
    w->api_token = !strcmp(s_col(row, "kind"), "api");
    w->read_only = !strcmp(s_col(row, "scope"), "read");
    w->user_id = s_i64(row, "user_id");
    w->department_id = s_i64(row, "department_id");
    w->role = s_role(s_col(row, "role"));
    w->must_change_password = !strcmp(s_col(row, "must_change_password"), "t");
    r->expires_us = s_i64(row, "expires_us");
    if (w->role == CRM__ROLE__ROLE_EMPLOYEE) {
        w->scope_ids = crm_malloc(sizeof(int64_t));
        w->scope_ids[0] = w->user_id;
        w->n_scope = 1;
    }
    if (w->role != CRM__ROLE__ROLE_MANAGER) {
        s_finish(r, NULL);
        return;
    }
    id_scope_resolve(r->id, w, s_scope_done, r);
}

void gw_identity_resolve(gw_identity_t *id, const char *hash, gw_principal_t *who,
                         gw_identity_cb cb, void *arg)
{
    crm_err_t err;
    if (!*hash) {
        crm_err_set(&err, CRM__STATUS__UNAUTHENTICATED, NULL, "missing bearer token");
        cb(arg, &err);
        return;
    }
    s_cached_t *e = gw_map_get(id->principals, hash);
    if (e && e->until_ms > crm_mono_ms()) {
        s_copy(who, &e->who);
        cb(arg, NULL);
        return;
    }
    if (e)
        gw_map_del(id->principals, hash);
    s_resolve_t *r = crm_calloc(1, sizeof *r);
    r->id = id;
    snprintf(r->hash, sizeof r->hash, "%s", hash);
    r->who = who;
    r->cb = cb;
    r->arg = arg;
    const char *p[] = {hash};
    crm_db_exec(id->db, "gw_token_lookup", 1, p, s_token_loaded, r);
}

/* ---- checking again ----------------------------------------------------------- */

typedef struct {
    void (*cb)(void *arg, int live);
    void *arg;
} s_check_t;

static void s_checked(void *arg, const crm_db_result_t *res)
{
    s_check_t k = *(s_check_t *)arg;
    free(arg);
    k.cb(k.arg, res->err || PQntuples(res->results[0]) > 0); /* unknown: live */
}

void gw_identity_check(gw_identity_t *id, const char *hash, void (*cb)(void *arg, int live),
                       void *arg)
{
    s_check_t *k = crm_malloc(sizeof *k);
    k->cb = cb;
    k->arg = arg;
    const char *p[] = {hash};
    crm_db_exec(id->db, "gw_token_lookup", 1, p, s_checked, k);
}
