/* gateway_auth.c: who is calling. Bearer tokens (sessions from a login, and
 * API tokens) are 32 random bytes from libsodium, handed out once as
 * base64url and stored only as their BLAKE2b hash. A token resolves into
 * its user, role and data scope (admin: everything; manager: every user of
 * their department tree, see gateway_org.c; employee: themselves), kept in
 * process for CRM_AUTH_CACHE_MS (never past the token's expiry; a logout on
 * this instance drops it at once).
 *
 * Passwords are argon2id strings (crypto_pwhash_str), hashed and verified on
 * libuv's thread pool because they are slow on purpose. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"
#include "gateway.h"

/* A hash of a random password: unknown users are verified against it, so a
 * login takes as long whether the user exists or not. */
static char s_dummy_hash[crypto_pwhash_STRBYTES];

/* ---- tokens ------------------------------------------------------------ */

void gw_token_hash(const char *token, size_t len, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, len, NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void gw_token_new(char token[44], char hash[65])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, 44, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    gw_token_hash(token, strlen(token), hash);
}

/* ---- the principal cache --------------------------------------------- */

typedef struct {
    gw_principal_t who;
    uint64_t until_ms;
} s_cached_t;

static void s_cached_free(void *p)
{
    s_cached_t *e = p;
    free(e->who.scope_ids);
    free(e);
}

static void s_copy_principal(gw_principal_t *dst, const gw_principal_t *src)
{
    *dst = *src;
    if (src->scope_ids) {
        dst->scope_ids = crm_malloc((src->n_scope ? src->n_scope : 1) * sizeof(int64_t));
        memcpy(dst->scope_ids, src->scope_ids, src->n_scope * sizeof(int64_t));
    }
}

void gw_auth_forget_all(gw_t *gw)
{
    gw_map_clear(gw->auth_cache);
}

/* The principal is complete: build the RPC caller, cache, dispatch. */
static void s_resolved(gw_call_t *c, int64_t expires_us)
{
    gw_t *gw = c->gw;
    if (gw->cfg.auth_cache_ms && !gw_map_get(gw->auth_cache, c->token_hash)) {
        uint64_t until = crm_mono_ms() + gw->cfg.auth_cache_ms;
        if (expires_us) {
            int64_t left_ms = (expires_us - crm_now_us()) / 1000;
            if (left_ms <= 0)
                left_ms = 0;
            if ((uint64_t)left_ms < gw->cfg.auth_cache_ms)
                until = crm_mono_ms() + (uint64_t)left_ms;
        }
        if (gw_map_size(gw->auth_cache) > 100000)
            gw_map_clear(gw->auth_cache);
        s_cached_t *e = crm_calloc(1, sizeof *e);
        s_copy_principal(&e->who, &c->who);
        e->until_ms = until;
        gw_map_put(gw->auth_cache, c->token_hash, e);
    }
    c->caller.user_id = c->who.user_id;
    c->caller.department_id = c->who.department_id;
    c->caller.role = c->who.role;
    c->scope.all = c->who.role == CRM__ROLE__ROLE_ADMIN;
    c->scope.user_ids = c->who.scope_ids;
    c->scope.n_user_ids = c->who.n_scope;
    c->caller.scope = &c->scope;
    gw_call_dispatch(c);
}

static Crm__Role s_role(const char *s)
{
    if (!strcmp(s, "admin"))
        return CRM__ROLE__ROLE_ADMIN;
    if (!strcmp(s, "manager"))
        return CRM__ROLE__ROLE_MANAGER;
    return CRM__ROLE__ROLE_EMPLOYEE;
}

typedef struct {
    int64_t expires_us;
} s_resolve_t;

static void s_scope_done(gw_call_t *c, int ok)
{
    s_resolve_t *r = c->state;
    int64_t expires_us = r->expires_us;
    free(r);
    c->state = NULL;
    if (!ok) {
        gw_call_fail(c, CRM__STATUS__UNAVAILABLE, NULL, "cannot resolve the data scope; retry");
        return;
    }
    s_resolved(c, expires_us);
}

/* A token that signs nobody in also costs its client address a request, so
 * guessing tokens (each with a fresh bucket of its own) is limited too. */
static void s_unknown_token(gw_call_t *c)
{
    if (!c->req || !gw_rate_ok(c->gw, c->req, c->peer)) {
        gw_call_finish(c);
        return;
    }
    gw_call_fail_http(c, 401, "unauthenticated", "invalid, expired or revoked token");
}

static void s_token_loaded(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    const PGresult *r = res->results[0];
    if (PQntuples(r) == 0) {
        s_unknown_token(c);
        return;
    }
    gw_principal_t *w = &c->who;
    w->token_id = crm_db_get_i64(r, 0, 0);
    w->api_token = !strcmp(crm_db_get(r, 0, 1), "api");
    w->read_only = !strcmp(crm_db_get(r, 0, 2), "read");
    w->user_id = crm_db_get_i64(r, 0, 3);
    w->department_id = crm_db_get_i64(r, 0, 4);
    w->role = s_role(crm_db_get(r, 0, 5));
    w->must_change_password = crm_db_get_bool(r, 0, 6);
    int64_t expires_us = crm_db_get_i64(r, 0, 7);
    if (w->role == CRM__ROLE__ROLE_EMPLOYEE) {
        w->scope_ids = crm_malloc(sizeof(int64_t));
        w->scope_ids[0] = w->user_id;
        w->n_scope = 1;
    }
    if (w->role != CRM__ROLE__ROLE_MANAGER) {
        s_resolved(c, expires_us);
        return;
    }
    s_resolve_t *st = crm_calloc(1, sizeof *st);
    st->expires_us = expires_us;
    c->state = st;
    gw_org_scope(c, s_scope_done);
}

void gw_auth_resolve(gw_call_t *c)
{
    if (!c->token_hash[0]) {
        gw_call_fail_http(c, 401, "unauthenticated", "missing bearer token");
        return;
    }
    s_cached_t *e = gw_map_get(c->gw->auth_cache, c->token_hash);
    if (e && e->until_ms > crm_mono_ms()) {
        s_copy_principal(&c->who, &e->who);
        s_resolved(c, 0);
        return;
    }
    if (e)
        gw_map_del(c->gw->auth_cache, c->token_hash);
    const char *p[] = {c->token_hash};
    crm_db_exec(c->gw->db, "gw_token_lookup", 1, p, s_token_loaded, c);
}

/* ---- passwords on the thread pool ------------------------------------ */

typedef struct {
    uv_work_t work;
    gw_call_t *c;
    char *password;
    char hash[crypto_pwhash_STRBYTES];
    int verify; /* 1: check password against hash; 0: hash password */
    int ok;
    unsigned long long ops;
    size_t mem;
    void (*done)(gw_call_t *c, int ok, const char *hash);
} s_pw_t;

static void s_pw_work(uv_work_t *w)
{
    s_pw_t *j = w->data;
    size_t len = strlen(j->password);
    if (j->verify)
        j->ok = crypto_pwhash_str_verify(j->hash, j->password, len) == 0;
    else
        j->ok = crypto_pwhash_str(j->hash, j->password, len, j->ops, j->mem) == 0;
}

static void s_pw_after(uv_work_t *w, int status)
{
    s_pw_t *j = w->data;
    j->done(j->c, status == 0 && j->ok, j->hash);
    sodium_memzero(j->password, strlen(j->password));
    free(j->password);
    free(j);
}

static void s_pw_start(gw_call_t *c, const char *password, const char *hash,
                       void (*done)(gw_call_t *c, int ok, const char *hash))
{
    s_pw_t *j = crm_calloc(1, sizeof *j);
    j->work.data = j;
    j->c = c;
    j->password = crm_strdup(password);
    j->verify = hash != NULL;
    if (hash)
        snprintf(j->hash, sizeof j->hash, "%s", hash);
    j->ops = c->gw->cfg.pw_ops;
    j->mem = c->gw->cfg.pw_mem;
    j->done = done;
    uv_queue_work(c->gw->loop, &j->work, s_pw_work, s_pw_after);
}

int gw_password_slot(gw_call_t *c)
{
    if (c->pw_slot || c->gw->pw_jobs < c->gw->cfg.pw_max_jobs) {
        c->gw->pw_jobs += !c->pw_slot;
        c->pw_slot = 1; /* given back when the call ends */
        return 1;
    }
    if (c->req)
        h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                       H2O_STRLIT("1"));
    gw_call_fail_http(c, 429, "rate_limited", "too many sign-ins in progress; retry");
    return 0;
}

typedef struct {
    gw_pwhash_cb cb;
} s_hash_t;

static void s_hashed(gw_call_t *c, int ok, const char *hash)
{
    s_hash_t *h = c->state;
    gw_pwhash_cb cb = h->cb;
    free(h);
    c->state = NULL;
    cb(c, ok ? hash : NULL);
}

void gw_password_hash(gw_call_t *c, const char *password, gw_pwhash_cb cb)
{
    s_hash_t *h = crm_calloc(1, sizeof *h);
    h->cb = cb;
    c->state = h;
    s_pw_start(c, password, NULL, s_hashed);
}

/* 1 if a new password is acceptable; else fails c and returns 0. */
static int s_password_ok(gw_call_t *c, const char *field, const char *pw)
{
    size_t n = strlen(pw);
    if (n < 8 || n > 256) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, field, "a password has 8 to 256 characters");
        return 0;
    }
    return 1;
}

/* ---- Auth.Login -------------------------------------------------------- */

typedef struct {
    PGresult *row; /* the user (NULL: unknown), kept until the reply */
    char token[44];
    char hash[65];
} s_login_t;

/* Takes the login state off c and frees it. */
static void s_login_free(gw_call_t *c)
{
    s_login_t *l = c->state;
    c->state = NULL;
    PQclear(l->row);
    free(l);
}

static void s_login_stored(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    s_login_t *l = c->state;
    if (res->err) {
        s_login_free(c);
        gw_call_fail_db(c, res);
        return;
    }
    Crm__Gateway__User user;
    gw_org_user_row(l->row, 0, &user);
    Crm__Gateway__LoginReply reply = CRM__GATEWAY__LOGIN_REPLY__INIT;
    reply.token = l->token;
    reply.expires_at = (char *)crm_db_get(res->results[0], 0, 7);
    reply.must_change_password = user.must_change_password;
    reply.user = &user;
    c->state = NULL; /* freed after the reply: its strings point into the rows */
    gw_call_reply(c, &reply.base);
    PQclear(l->row);
    free(l);
}

static void s_login_verified(gw_call_t *c, int ok, const char *hash)
{
    s_login_t *l = c->state;
    if (!ok || !l->row || !crm_db_get_bool(l->row, 0, 6)) {
        s_login_free(c);
        gw_call_fail_http(c, 401, "unauthenticated", "wrong username or password");
        return;
    }
    gw_token_new(l->token, l->hash);
    char ttl[24];
    const char *p[] = {"session", l->hash, crm_db_get(l->row, 0, 0),
                       "",        "write", crm_i64(ttl, c->gw->cfg.session_ttl_s)};
    crm_db_exec(c->gw->db, "gw_token_insert", 6, p, s_login_stored, c);
}

static void s_login_loaded(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    const Crm__Gateway__LoginRequest *req = (const Crm__Gateway__LoginRequest *)c->in;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    s_login_t *l = crm_calloc(1, sizeof *l);
    c->state = l;
    const PGresult *r = res->results[0];
    const char *hash = s_dummy_hash;
    if (PQntuples(r) > 0) {
        l->row = PQcopyResult(r, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
        hash = crm_db_get(l->row, 0, 8);
    }
    s_pw_start(c, req->password, hash, s_login_verified);
}

void gw_auth_handle_login(gw_call_t *c)
{
    const Crm__Gateway__LoginRequest *req = (const Crm__Gateway__LoginRequest *)c->in;
    if (!*req->username) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "username", "required");
        return;
    }
    if (!*req->password) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "password", "required");
        return;
    }
    if (!gw_password_slot(c))
        return;
    const char *p[] = {req->username};
    crm_db_exec(c->gw->db, "gw_user_by_name", 1, p, s_login_loaded, c);
}

/* ---- Auth.Logout ------------------------------------------------------- */

static void s_logged_out(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    gw_map_del(c->gw->auth_cache, c->token_hash);
    gw_call_reply(c, NULL);
}

void gw_auth_handle_logout(gw_call_t *c)
{
    char id[24];
    const char *p[] = {crm_i64(id, c->who.token_id)};
    crm_db_exec(c->gw->db, "gw_token_revoke", 1, p, s_logged_out, c);
}

/* ---- Auth.ChangePassword ----------------------------------------------- */

static void s_password_stored(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    gw_auth_forget_all(c->gw); /* the user's other sessions are revoked */
    gw_call_reply(c, NULL);
}

static void s_password_hashed(gw_call_t *c, const char *hash)
{
    if (!hash) {
        gw_call_fail(c, CRM__STATUS__INTERNAL, NULL, "cannot hash the password");
        return;
    }
    char uid[24], tid[24];
    const char *p1[] = {crm_i64(uid, c->who.user_id), hash};
    const char *p2[] = {uid, crm_i64(tid, c->who.token_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_user_set_password", 2, p1);
    crm_db_batch_add(b, "gw_sessions_revoke_others", 2, p2);
    crm_db_submit(c->gw->db, &b, s_password_stored, c);
}

static void s_old_verified(gw_call_t *c, int ok, const char *hash)
{
    const Crm__Gateway__ChangePasswordRequest *req =
        (const Crm__Gateway__ChangePasswordRequest *)c->in;
    if (!ok) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "old_password", "wrong password");
        return;
    }
    gw_password_hash(c, req->new_password, s_password_hashed);
}

static void s_pwhash_loaded(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    const Crm__Gateway__ChangePasswordRequest *req =
        (const Crm__Gateway__ChangePasswordRequest *)c->in;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    if (PQntuples(res->results[0]) == 0) {
        gw_call_fail_http(c, 401, "unauthenticated", "the user no longer exists");
        return;
    }
    s_pw_start(c, req->old_password, crm_db_get(res->results[0], 0, 0), s_old_verified);
}

void gw_auth_handle_password(gw_call_t *c)
{
    const Crm__Gateway__ChangePasswordRequest *req =
        (const Crm__Gateway__ChangePasswordRequest *)c->in;
    if (c->who.api_token) {
        gw_call_fail(c, CRM__STATUS__PERMISSION_DENIED, NULL, "sign in to change a password");
        return;
    }
    if (!s_password_ok(c, "new_password", req->new_password))
        return;
    if (!strcmp(req->old_password, req->new_password)) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "new_password",
                     "the new password must differ from the old one");
        return;
    }
    if (!gw_password_slot(c))
        return;
    char uid[24];
    const char *p[] = {crm_i64(uid, c->who.user_id)};
    crm_db_exec(c->gw->db, "gw_user_pwhash", 1, p, s_pwhash_loaded, c);
}

/* ---- Auth.Me ----------------------------------------------------------- */

static void s_me_loaded(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    if (PQntuples(res->results[0]) == 0) {
        gw_call_fail(c, CRM__STATUS__NOT_FOUND, NULL, "no such user");
        return;
    }
    Crm__Gateway__User u;
    gw_org_user_row(res->results[0], 0, &u);
    gw_call_reply(c, &u.base);
}

void gw_auth_handle_me(gw_call_t *c)
{
    char uid[24];
    const char *p[] = {crm_i64(uid, c->who.user_id)};
    crm_db_exec(c->gw->db, "gw_user_get", 1, p, s_me_loaded, c);
}

/* ---- the first admin --------------------------------------------------- */

static int s_exec(PGconn *db, const char *sql, int n, const char *const *p)
{
    PGresult *r = PQexecParams(db, sql, n, NULL, p, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        crm_log(CRM_ERROR, "bootstrap failed", "error", PQresultErrorMessage(r), NULL);
    PQclear(r);
    return ok ? 0 : -1;
}

void gw_auth_bootstrap(gw_t *gw)
{
    if (sodium_init() < 0) {
        crm_log(CRM_ERROR, "libsodium cannot start", NULL);
        exit(1);
    }
    gw->auth_cache = gw_map_new(s_cached_free);
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    if (crypto_pwhash_str(s_dummy_hash, (const char *)rnd, sizeof rnd, gw->cfg.pw_ops,
                          gw->cfg.pw_mem) != 0) {
        crm_log(CRM_ERROR, "cannot hash a password (CRM_PWHASH_MEMLIMIT too large?)", NULL);
        exit(1);
    }
    PGconn *db = PQconnectdb(crm_service_config(gw->svc)->db_url);
    PGresult *r = PQexec(db, "SELECT count(*) FROM users");
    long users = PQresultStatus(r) == PGRES_TUPLES_OK ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    if (users != 0) {
        PQfinish(db);
        if (users < 0) {
            crm_log(CRM_ERROR, "cannot read users", "error", PQerrorMessage(db), NULL);
            exit(1);
        }
        return;
    }
    const char *name = crm_env_str("CRM_ADMIN_USER", "admin");
    const char *pw = crm_env_str("CRM_ADMIN_PASSWORD", NULL);
    if (!pw || strlen(pw) < 8) {
        crm_log(CRM_ERROR,
                "no users yet: set CRM_ADMIN_PASSWORD (8+ characters) for the first admin", NULL);
        PQfinish(db);
        exit(1);
    }
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, pw, strlen(pw), gw->cfg.pw_ops, gw->cfg.pw_mem) != 0)
        exit(1);
    const char *dept = crm_env_str("CRM_ROOT_DEPARTMENT", "总部");
    const char *p1[] = {dept};
    const char *p2[] = {name, hash};
    /* Under a lock and re-checked: two instances starting at once make one admin. */
    int rc = s_exec(db, "BEGIN", 0, NULL);
    if (!rc)
        rc = s_exec(db, "SELECT pg_advisory_xact_lock(hashtext('gateway:bootstrap'))", 0, NULL);
    if (!rc)
        rc = s_exec(db,
                    "INSERT INTO departments (name) SELECT $1"
                    " WHERE NOT EXISTS (SELECT 1 FROM users)",
                    1, p1);
    if (!rc)
        rc = s_exec(db,
                    "INSERT INTO users (username, password_hash, display_name, department_id, role)"
                    " SELECT $1, $2, $1, (SELECT min(id) FROM departments), 'admin'"
                    " WHERE NOT EXISTS (SELECT 1 FROM users)",
                    2, p2);
    if (!rc)
        rc = s_exec(db, "COMMIT", 0, NULL);
    PQfinish(db);
    if (rc)
        exit(1);
    crm_log(CRM_INFO, "first admin created", "user", name, NULL);
}
