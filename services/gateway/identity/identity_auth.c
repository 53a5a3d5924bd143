/* identity_auth.c: Auth.* of proto/gateway.proto: sign-in, sign-out,
 * password change, the caller's own user. Sign-in answers UNAUTHENTICATED
 * alike for an unknown user and a wrong password, and takes as long
 * (unknown users are verified against a dummy hash). A sign-in's reply
 * holds the new token, shown once and stored only as its hash: it is
 * written in one statement and its reply is never stored (crm/idem.h
 * stores replies); sign-out and password change are crm_txn ops. */
#include <stdlib.h>
#include <string.h>

#include "crm/rowmap.h"
#include "crm/util.h"
#include "identity_impl.h"

static const Crm__Empty s_empty = CRM__EMPTY__INIT;

/* A call's state through its round trips and hashing. */
typedef struct {
    gw_identity_t *id;
    crm_rpc_call_t *call;
    id_pw_t *pw;
    PGresult *row; /* the user, kept until the reply */
    char token[44];
    char hash[65];
} s_auth_t;

static s_auth_t *s_new(gw_identity_t *id, crm_rpc_call_t *call)
{
    s_auth_t *a = crm_calloc(1, sizeof *a);
    a->id = id;
    a->call = call;
    return a;
}

/* Frees a and its slot; returns its call, to be answered. */
static crm_rpc_call_t *s_end(s_auth_t *a)
{
    crm_rpc_call_t *call = a->call;
    id_pw_end(&a->pw);
    PQclear(a->row);
    free(a);
    return call;
}

/* ---- Auth.Login -------------------------------------------------------------- */

static void s_login_stored(void *arg, const crm_db_result_t *res)
{
    s_auth_t *a = arg;
    if (res->err) {
        crm_fail_db(s_end(a), res);
        return;
    }
    Crm__Gateway__User user = CRM__GATEWAY__USER__INIT;
    crm_row_to_message(a->row, 0, &user.base, NULL);
    const PGresult *t = res->results[0];
    Crm__Gateway__LoginReply reply = CRM__GATEWAY__LOGIN_REPLY__INIT;
    reply.token = a->token;
    reply.expires_at_us = crm_db_get_i64(t, 0, PQfnumber(t, "expires_at_us"));
    reply.must_change_password = user.must_change_password;
    reply.user = &user;
    crm_rpc_reply(a->call, &reply.base);
    a->call = NULL;
    s_end(a);
}

static void s_login_verified(void *arg, int ok)
{
    s_auth_t *a = arg;
    if (!ok || !a->row || !crm_db_get_bool(a->row, 0, PQfnumber(a->row, "active"))) {
        crm_rpc_fail(s_end(a), CRM__STATUS__UNAUTHENTICATED, NULL, "wrong username or password");
        return;
    }
    id_token_new(a->token, a->hash);
    char ttl[24];
    const char *p[] = {"session", a->hash, crm_db_get(a->row, 0, PQfnumber(a->row, "id")),
                       "",        "write", crm_i64(ttl, a->id->session_ttl_s)};
    crm_db_exec(a->id->db, "gw_token_insert", 6, p, s_login_stored, a);
}

static void s_login_loaded(void *arg, const crm_db_result_t *res)
{
    s_auth_t *a = arg;
    const Crm__Gateway__LoginRequest *req = (const void *)crm_rpc_call_request(a->call);
    if (res->err) {
        crm_fail_db(s_end(a), res);
        return;
    }
    const PGresult *r = res->results[0];
    const char *hash = a->id->dummy_hash;
    if (PQntuples(r) > 0) {
        a->row = PQcopyResult(r, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
        hash = crm_db_get(a->row, 0, PQfnumber(a->row, "password_hash"));
    }
    id_pw_verify(a->pw, req->password, hash, s_login_verified, a);
}

static void s_login(crm_rpc_call_t *call, const Crm__Gateway__LoginRequest *req, void *arg)
{
    gw_identity_t *id = arg;
    if (!*req->username) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "username", "required");
        return;
    }
    if (!*req->password) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "password", "required");
        return;
    }
    id_pw_t *pw = id_pw_begin(id, call);
    if (!pw)
        return;
    s_auth_t *a = s_new(id, call);
    a->pw = pw;
    const char *p[] = {req->username};
    crm_db_exec(id->db, "gw_user_by_name", 1, p, s_login_loaded, a);
}

/* ---- Auth.Logout ------------------------------------------------------------- */

static int s_logout_then(crm_txn_t *t, const crm_db_result_t *res)
{
    gw_identity_t *id = crm_txn_env(t)->ctx;
    if (PQntuples(res->results[0]) > 0)
        id_forget(id, crm_db_get(res->results[0], 0, 0));
    crm_txn_reply(t, &s_empty.base);
    return 0;
}

static int s_logout_decide(crm_txn_t *t)
{
    char tid[24];
    const char *p[] = {crm_i64(tid, crm_txn_caller(t)->token_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_token_revoke", 1, p);
    return crm_txn_then(t, &b, s_logout_then);
}

static const crm_txn_op_t s_logout_op = {.decide = s_logout_decide};

static void s_logout(crm_rpc_call_t *call, const Crm__Empty *req, void *arg)
{
    (void)req;
    gw_identity_t *id = arg;
    crm_txn_run(&id->env, call, &s_logout_op, NULL);
}

/* ---- Auth.ChangePassword ------------------------------------------------------ */

typedef struct {
    char *hash; /* the new password's */
    id_pw_t *pw;
} s_newpw_t;

static int s_password_decide(crm_txn_t *t)
{
    s_newpw_t *n = crm_txn_data(t);
    const Crm__Caller *who = crm_txn_caller(t);
    char uid[24], tid[24];
    const char *p1[] = {crm_i64(uid, who->user_id), n->hash};
    const char *p2[] = {uid, crm_i64(tid, who->token_id)};
    crm_db_batch_add(crm_txn_batch(t), "gw_user_set_password", 2, p1);
    crm_db_batch_add(crm_txn_batch(t), "gw_sessions_revoke_others", 2, p2);
    crm_txn_reply(t, &s_empty.base);
    return 0;
}

static void s_password_committed(crm_txn_t *t)
{
    id_forget_all(crm_txn_env(t)->ctx); /* the user's other sessions are revoked */
}

static void s_password_done(void *data)
{
    s_newpw_t *n = data;
    id_pw_end(&n->pw);
    free(n->hash);
    free(n);
}

static const crm_txn_op_t s_password_op = {
    .decide = s_password_decide, .committed = s_password_committed, .done = s_password_done};

static void s_password_hashed(void *arg, const char *hash)
{
    s_auth_t *a = arg;
    if (!hash) {
        crm_rpc_fail(s_end(a), CRM__STATUS__INTERNAL, NULL, "cannot hash the password");
        return;
    }
    s_newpw_t *n = crm_calloc(1, sizeof *n);
    n->hash = crm_strdup(hash);
    n->pw = a->pw; /* held until the change is answered */
    a->pw = NULL;
    gw_identity_t *id = a->id;
    crm_txn_run(&id->env, s_end(a), &s_password_op, n);
}

static void s_old_verified(void *arg, int ok)
{
    s_auth_t *a = arg;
    const Crm__Gateway__ChangePasswordRequest *req = (const void *)crm_rpc_call_request(a->call);
    if (!ok) {
        crm_rpc_fail(s_end(a), CRM__STATUS__INVALID_ARGUMENT, "old_password", "wrong password");
        return;
    }
    id_pw_hash(a->pw, req->new_password, s_password_hashed, a);
}

static void s_pwhash_loaded(void *arg, const crm_db_result_t *res)
{
    s_auth_t *a = arg;
    const Crm__Gateway__ChangePasswordRequest *req = (const void *)crm_rpc_call_request(a->call);
    if (res->err) {
        crm_fail_db(s_end(a), res);
        return;
    }
    if (PQntuples(res->results[0]) == 0) {
        crm_rpc_fail(s_end(a), CRM__STATUS__UNAUTHENTICATED, NULL, "the user no longer exists");
        return;
    }
    id_pw_verify(a->pw, req->old_password, crm_db_get(res->results[0], 0, 0), s_old_verified, a);
}

static void s_password(crm_rpc_call_t *call, const Crm__Gateway__ChangePasswordRequest *req,
                       void *arg)
{
    gw_identity_t *id = arg;
    crm_err_t err;
    if (crm_rpc_call_caller(call)->api_token) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "sign in to change a password");
        return;
    }
    if (id_password_check(&err, "new_password", req->new_password) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (!strcmp(req->old_password, req->new_password)) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "new_password",
                     "the new password must differ from the old one");
        return;
    }
    id_pw_t *pw = id_pw_begin(id, call);
    if (!pw)
        return;
    s_auth_t *a = s_new(id, call);
    a->pw = pw;
    char uid[24];
    const char *p[] = {crm_i64(uid, crm_rpc_call_caller(call)->user_id)};
    crm_db_exec(id->db, "gw_user_pwhash", 1, p, s_pwhash_loaded, a);
}

/* ---- Auth.Me ------------------------------------------------------------------- */

static void s_me_loaded(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    if (PQntuples(res->results[0]) == 0) {
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, NULL, "no such user");
        return;
    }
    Crm__Gateway__User u = CRM__GATEWAY__USER__INIT;
    crm_row_to_message(res->results[0], 0, &u.base, NULL);
    crm_rpc_reply(call, &u.base);
}

static void s_me(crm_rpc_call_t *call, const Crm__Empty *req, void *arg)
{
    (void)req;
    gw_identity_t *id = arg;
    char uid[24];
    const char *p[] = {crm_i64(uid, crm_rpc_call_caller(call)->user_id)};
    crm_db_exec(id->db, "gw_user_get", 1, p, s_me_loaded, call);
}

void id_auth_fill(auth_handlers_t *h)
{
    h->login = s_login;
    h->logout = s_logout;
    h->change_password = s_password;
    h->me = s_me;
}
