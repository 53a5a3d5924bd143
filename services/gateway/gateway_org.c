/* gateway_org.c: the organisation (Org.* of proto/gateway.proto):
 * departments as a tree, users with a role, API tokens; and the data scope
 * of a department manager: every user of their department and of its
 * sub-departments (a recursive query), cached in Redis.
 *
 * Scope cache: "gw:scope:<version>:<department>" -> "1,2,3", where the
 * version is "gw:orgver", set to a new value after every committed change
 * of users or departments. A stale entry is never read again once the
 * version moved; entries expire after SCOPE_TTL_S anyway (Redis may have
 * missed the version write). Writes are admin-only (routes flagged GW_ADMIN). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/list.h"
#include "crm/log.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "gateway.h"

#define SCOPE_TTL_S 300
#define VERSION_TTL_S (30 * 24 * 3600)
#define VERSION_KEY "gw:orgver"
/* The users list, by id. */
static const crm_key_t s_user_keys[] = {CRM_KEY_ID};
static const crm_keyset_t s_users_order = {
    .tag = "user:id", .keys = s_user_keys, .n = 1, .ascending = 1};

/* ---- data scope -------------------------------------------------------- */

typedef struct {
    gw_call_t *c;
    void (*cb)(gw_call_t *c, int ok);
    char key[96];
} s_scope_t;

static void s_scope_finish(s_scope_t *s, int ok)
{
    gw_call_t *c = s->c;
    void (*cb)(gw_call_t *, int) = s->cb;
    free(s);
    cb(c, ok);
}

/* Parses "1,2,3" into the call's scope. */
static void s_scope_parse(gw_call_t *c, const char *v, size_t len)
{
    size_t n = len ? 1 : 0;
    for (size_t i = 0; i < len; i++)
        n += v[i] == ',';
    c->who.scope_ids = crm_malloc((n ? n : 1) * sizeof(int64_t));
    c->who.n_scope = 0;
    const char *p = v, *end = v + len;
    while (p < end) {
        char *stop;
        c->who.scope_ids[c->who.n_scope++] = strtoll(p, &stop, 10);
        p = stop + 1;
    }
}

static void s_scope_loaded(void *arg, const crm_db_result_t *res)
{
    s_scope_t *s = arg;
    if (res->err) {
        s_scope_finish(s, 0);
        return;
    }
    const PGresult *r = res->results[0];
    int n = PQntuples(r);
    size_t cap = (size_t)n * 21 + 1, len = 0;
    char *text = crm_malloc(cap);
    text[0] = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s%s", i ? "," : "", crm_db_get(r, i, 0));
    crm_cache_set(s->c->gw->cache, s->key, text, len, SCOPE_TTL_S);
    s_scope_parse(s->c, text, len);
    free(text);
    s_scope_finish(s, 1);
}

static void s_scope_cached(void *arg, const char *value, size_t len)
{
    s_scope_t *s = arg;
    if (value) {
        s_scope_parse(s->c, value, len);
        s_scope_finish(s, 1);
        return;
    }
    char dept[24];
    const char *p[] = {crm_i64(dept, s->c->who.department_id)};
    crm_db_exec(s->c->gw->db, "gw_scope_users", 1, p, s_scope_loaded, s);
}

static void s_version_got(void *arg, const char *value, size_t len)
{
    s_scope_t *s = arg;
    snprintf(s->key, sizeof s->key, "gw:scope:%.*s:%lld", value ? (int)len : 1, value ? value : "0",
             (long long)s->c->who.department_id);
    crm_cache_get(s->c->gw->cache, s->key, s_scope_cached, s);
}

void gw_org_scope(gw_call_t *c, void (*cb)(gw_call_t *c, int ok))
{
    s_scope_t *s = crm_calloc(1, sizeof *s);
    s->c = c;
    s->cb = cb;
    crm_cache_get(c->gw->cache, VERSION_KEY, s_version_got, s);
}

void gw_org_changed(gw_t *gw)
{
    char v[24];
    crm_i64(v, crm_now_us());
    crm_cache_set(gw->cache, VERSION_KEY, v, strlen(v), VERSION_TTL_S);
    gw_auth_forget_all(gw);
}

/* ---- rows -------------------------------------------------------------- */

void gw_org_user_row(const PGresult *r, int i, Crm__Gateway__User *u)
{
    crm__gateway__user__init(u);
    u->id = crm_db_get_i64(r, i, 0);
    u->username = (char *)crm_db_get(r, i, 1);
    u->display_name = (char *)crm_db_get(r, i, 2);
    u->department_id = crm_db_get_i64(r, i, 3);
    u->role = (char *)crm_db_get(r, i, 4);
    u->must_change_password = crm_db_get_bool(r, i, 5);
    u->active = crm_db_get_bool(r, i, 6);
    u->created_at = (char *)crm_db_get(r, i, 7);
}

static void s_user_row(const PGresult *r, int i, void *msg)
{
    gw_org_user_row(r, i, msg);
}

static void s_dept_row(const PGresult *r, int i, void *msg)
{
    Crm__Gateway__Department *d = msg;
    crm__gateway__department__init(d);
    d->id = crm_db_get_i64(r, i, 0);
    d->name = (char *)crm_db_get(r, i, 1);
    d->parent_id = crm_db_get_i64(r, i, 2);
    d->created_at = (char *)crm_db_get(r, i, 3);
}

static void s_token_row(const PGresult *r, int i, void *msg)
{
    Crm__Gateway__ApiToken *t = msg;
    crm__gateway__api_token__init(t);
    t->id = crm_db_get_i64(r, i, 0);
    t->name = (char *)crm_db_get(r, i, 2);
    t->user_id = crm_db_get_i64(r, i, 3);
    t->scope = (char *)crm_db_get(r, i, 4);
    t->created_at = (char *)crm_db_get(r, i, 5);
    t->revoked = crm_db_get_bool(r, i, 6);
}

/* Replies with reply, whose repeated field "items" gets one message of
 * elem_size bytes per row of r (the first n), each filled by row(). */
static void s_reply_rows(gw_call_t *c, ProtobufCMessage *reply, const PGresult *r, size_t n,
                         size_t elem_size, void (*row)(const PGresult *r, int i, void *msg))
{
    char *elems = crm_calloc(n ? n : 1, elem_size);
    void **ptrs = crm_calloc(n ? n : 1, sizeof *ptrs);
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = elems + i * elem_size;
        row(r, (int)i, ptrs[i]);
    }
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, "items");
    *(size_t *)((char *)reply + f->quantifier_offset) = n;
    *(void ***)((char *)reply + f->offset) = ptrs;
    gw_call_reply(c, reply);
    free(ptrs);
    free(elems);
}

/* ---- checks ------------------------------------------------------------ */

static int s_text(gw_call_t *c, const char *field, const char *v, long max, int required)
{
    crm_err_t err;
    return crm_text_check(&err, field, v, max, required) < 0 ? gw_call_fail_err(c, &err) : 1;
}

static int s_role_ok(gw_call_t *c, const char *role, int required)
{
    if ((!required && !*role) || !strcmp(role, "admin") || !strcmp(role, "manager") ||
        !strcmp(role, "employee"))
        return 1;
    gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "role", "one of admin, manager, employee");
    return 0;
}

static int s_id_ok(gw_call_t *c, const char *field, int64_t id, int required)
{
    if (id < 0 || (required && id == 0)) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, field, "must be a positive id");
        return 0;
    }
    return 1;
}

/* ---- generic replies --------------------------------------------------- */

/* A statement's first row as one message, or 404. */
static void s_one(gw_call_t *c, const crm_db_result_t *res, size_t stmt, const char *what,
                  int changed)
{
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    const PGresult *r = res->results[stmt];
    if (PQntuples(r) == 0) {
        gw_call_fail(c, CRM__STATUS__NOT_FOUND, "id", "no such %s", what);
        return;
    }
    if (changed)
        gw_org_changed(c->gw);
    if (!strcmp(what, "user")) {
        Crm__Gateway__User u;
        gw_org_user_row(r, 0, &u);
        gw_call_reply(c, &u.base);
    } else {
        Crm__Gateway__Department d;
        s_dept_row(r, 0, &d);
        gw_call_reply(c, &d.base);
    }
}

static void s_user_read(void *arg, const crm_db_result_t *res)
{
    s_one(arg, res, 0, "user", 0);
}

static void s_user_written(void *arg, const crm_db_result_t *res)
{
    s_one(arg, res, 0, "user", 1);
}

static void s_dept_read(void *arg, const crm_db_result_t *res)
{
    s_one(arg, res, 0, "department", 0);
}

static void s_dept_written(void *arg, const crm_db_result_t *res)
{
    s_one(arg, res, 0, "department", 1);
}

static void s_exec_id(gw_call_t *c, const char *stmt, int64_t id, crm_db_cb cb)
{
    char v[24];
    const char *p[] = {crm_i64(v, id)};
    crm_db_exec(c->gw->db, stmt, 1, p, cb, c);
}

/* ---- departments ------------------------------------------------------- */

static void s_create_department(gw_call_t *c)
{
    const Crm__Gateway__CreateDepartmentRequest *req = (const void *)c->in;
    if (!s_text(c, "name", req->name, 100, 1) || !s_id_ok(c, "parent_id", req->parent_id, 0))
        return;
    char parent[24];
    const char *p[] = {req->name, crm_i64(parent, req->parent_id)};
    crm_db_exec(c->gw->db, "gw_dept_insert", 2, p, s_dept_written, c);
}

static void s_get_department(gw_call_t *c)
{
    const Crm__Gateway__GetDepartmentRequest *req = (const void *)c->in;
    if (s_id_ok(c, "id", req->id, 1))
        s_exec_id(c, "gw_dept_get", req->id, s_dept_read);
}

static void s_dept_updated(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (!res->err && PQntuples(res->results[0]) == 1 && PQntuples(res->results[1]) == 0) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "parent_id",
                     "a department cannot move below itself");
        return;
    }
    s_one(c, res, 1, "department", 1);
}

static void s_update_department(gw_call_t *c)
{
    const Crm__Gateway__UpdateDepartmentRequest *req = (const void *)c->in;
    if (!s_id_ok(c, "id", req->id, 1) || !s_text(c, "name", req->name, 100, 0) ||
        !s_id_ok(c, "parent_id", req->parent_id, 0))
        return;
    char id[24], parent[24];
    const char *p1[] = {crm_i64(id, req->id)};
    const char *p2[] = {id, req->name, crm_i64(parent, req->parent_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_dept_get", 1, p1);
    crm_db_batch_add(b, "gw_dept_update", 3, p2);
    crm_db_submit(c->gw->db, &b, s_dept_updated, c);
}

static void s_dept_deleted(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
    } else if (PQntuples(res->results[0]) == 0) {
        gw_call_fail(c, CRM__STATUS__NOT_FOUND, "id", "no such department");
    } else if (PQntuples(res->results[1]) == 0) {
        gw_call_fail(c, CRM__STATUS__FAILED_PRECONDITION, "id",
                     "the department still has users or sub-departments");
    } else {
        gw_org_changed(c->gw);
        gw_call_reply(c, NULL);
    }
}

static void s_delete_department(gw_call_t *c)
{
    const Crm__Gateway__GetDepartmentRequest *req = (const void *)c->in;
    if (!s_id_ok(c, "id", req->id, 1))
        return;
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_dept_get", 1, p);
    crm_db_batch_add(b, "gw_dept_delete", 1, p);
    crm_db_submit(c->gw->db, &b, s_dept_deleted, c);
}

static void s_depts_listed(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    Crm__Gateway__ListDepartmentsReply reply = CRM__GATEWAY__LIST_DEPARTMENTS_REPLY__INIT;
    s_reply_rows(c, &reply.base, res->results[0], (size_t)PQntuples(res->results[0]),
                 sizeof(Crm__Gateway__Department), s_dept_row);
}

static void s_list_departments(gw_call_t *c)
{
    crm_db_exec(c->gw->db, "gw_dept_list", 0, NULL, s_depts_listed, c);
}

/* ---- users ------------------------------------------------------------- */

static int s_username_ok(gw_call_t *c, const char *u)
{
    size_t n = strlen(u);
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)u[i]) || strchr("._@-", u[i]);
    if (!ok)
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "username",
                     "1 to 64 letters, digits, '.', '_', '@' or '-'");
    return ok;
}

static void s_user_hashed(gw_call_t *c, const char *hash)
{
    const Crm__Gateway__CreateUserRequest *req = (const void *)c->in;
    if (!hash) {
        gw_call_fail(c, CRM__STATUS__INTERNAL, NULL, "cannot hash the password");
        return;
    }
    char dept[24];
    const char *p[] = {req->username, hash, req->display_name, crm_i64(dept, req->department_id),
                       req->role};
    crm_db_exec(c->gw->db, "gw_user_insert", 5, p, s_user_written, c);
}

static void s_create_user(gw_call_t *c)
{
    const Crm__Gateway__CreateUserRequest *req = (const void *)c->in;
    if (!s_username_ok(c, req->username) || !s_text(c, "display_name", req->display_name, 100, 0) ||
        !s_id_ok(c, "department_id", req->department_id, 1) || !s_role_ok(c, req->role, 1))
        return;
    size_t n = strlen(req->password);
    if (n < 8 || n > 256) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "password",
                     "a password has 8 to 256 characters");
        return;
    }
    if (gw_password_slot(c))
        gw_password_hash(c, req->password, s_user_hashed);
}

static void s_get_user(gw_call_t *c)
{
    const Crm__Gateway__GetUserRequest *req = (const void *)c->in;
    if (s_id_ok(c, "id", req->id, 1))
        s_exec_id(c, "gw_user_get", req->id, s_user_read);
}

static void s_update_user(gw_call_t *c)
{
    const Crm__Gateway__UpdateUserRequest *req = (const void *)c->in;
    if (!s_id_ok(c, "id", req->id, 1) || !s_text(c, "display_name", req->display_name, 100, 0) ||
        !s_id_ok(c, "department_id", req->department_id, 0) || !s_role_ok(c, req->role, 0))
        return;
    char id[24], dept[24];
    const char *p[] = {crm_i64(id, req->id), req->display_name, crm_i64(dept, req->department_id),
                       req->role};
    crm_db_exec(c->gw->db, "gw_user_update", 4, p, s_user_written, c);
}

static void s_user_deleted(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
    } else if (PQntuples(res->results[0]) == 0) {
        gw_call_fail(c, CRM__STATUS__NOT_FOUND, "id", "no such active user");
    } else {
        gw_org_changed(c->gw);
        gw_call_reply(c, NULL);
    }
}

static void s_delete_user(gw_call_t *c)
{
    const Crm__Gateway__GetUserRequest *req = (const void *)c->in;
    if (!s_id_ok(c, "id", req->id, 1))
        return;
    if (req->id == c->who.user_id) {
        gw_call_fail(c, CRM__STATUS__FAILED_PRECONDITION, "id", "you cannot delete yourself");
        return;
    }
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_user_deactivate", 1, p);
    crm_db_batch_add(b, "gw_tokens_revoke_user", 1, p);
    crm_db_submit(c->gw->db, &b, s_user_deleted, c);
}

/* The request's page (checked when the call came; read again for the
 * reply). */
static int s_users_page(const Crm__Gateway__ListUsersRequest *req, crm_page_t *pg, crm_err_t *err)
{
    return crm_page_check(pg, &s_users_order, req->limit, 50, req->cursor, err);
}

static void s_users_listed(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    const Crm__Gateway__ListUsersRequest *req = (const void *)c->in;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    const PGresult *r = res->results[0];
    crm_page_t pg;
    s_users_page(req, &pg, NULL);
    char *next;
    size_t n = crm_page_rows(&pg, r, &next);
    Crm__Gateway__ListUsersReply reply = CRM__GATEWAY__LIST_USERS_REPLY__INIT;
    reply.next_cursor = next ? next : "";
    s_reply_rows(c, &reply.base, r, n, sizeof(Crm__Gateway__User), s_user_row);
    free(next);
}

static void s_list_users(gw_call_t *c)
{
    const Crm__Gateway__ListUsersRequest *req = (const void *)c->in;
    crm_page_t pg;
    crm_err_t err;
    if (s_users_page(req, &pg, &err) < 0) {
        gw_call_fail_err(c, &err);
        return;
    }
    if (!s_id_ok(c, "department_id", req->department_id, 0))
        return;
    char a[24], d[24], l[24];
    const char *p[] = {crm_i64(a, pg.after[0]), crm_i64(d, req->department_id),
                       crm_i64(l, pg.limit + 1)};
    crm_db_exec(c->gw->db, "gw_user_list", 3, p, s_users_listed, c);
}

/* ---- API tokens -------------------------------------------------------- */

typedef struct {
    char token[44];
    char hash[65];
} s_newtoken_t;

static void s_api_token_created(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    s_newtoken_t *t = c->state;
    c->state = NULL;
    if (res->err) {
        free(t);
        gw_call_fail_db(c, res);
        return;
    }
    Crm__Gateway__ApiToken at;
    s_token_row(res->results[0], 0, &at);
    Crm__Gateway__CreateApiTokenReply reply = CRM__GATEWAY__CREATE_API_TOKEN_REPLY__INIT;
    reply.token = t->token;
    reply.api_token = &at;
    gw_call_reply(c, &reply.base);
    free(t);
}

static void s_create_api_token(gw_call_t *c)
{
    const Crm__Gateway__CreateApiTokenRequest *req = (const void *)c->in;
    if (!s_text(c, "name", req->name, 100, 1) || !s_id_ok(c, "user_id", req->user_id, 1))
        return;
    if (strcmp(req->scope, "read") != 0 && strcmp(req->scope, "write") != 0) {
        gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "scope", "read or write");
        return;
    }
    s_newtoken_t *t = crm_calloc(1, sizeof *t);
    gw_token_new(t->token, t->hash);
    c->state = t;
    char uid[24];
    const char *p[] = {"api", t->hash, crm_i64(uid, req->user_id), req->name, req->scope, "0"};
    crm_db_exec(c->gw->db, "gw_token_insert", 6, p, s_api_token_created, c);
}

static void s_api_tokens_listed(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
        return;
    }
    Crm__Gateway__ListApiTokensReply reply = CRM__GATEWAY__LIST_API_TOKENS_REPLY__INIT;
    s_reply_rows(c, &reply.base, res->results[0], (size_t)PQntuples(res->results[0]),
                 sizeof(Crm__Gateway__ApiToken), s_token_row);
}

static void s_list_api_tokens(gw_call_t *c)
{
    crm_db_exec(c->gw->db, "gw_api_token_list", 0, NULL, s_api_tokens_listed, c);
}

static void s_api_token_revoked(void *arg, const crm_db_result_t *res)
{
    gw_call_t *c = arg;
    if (res->err) {
        gw_call_fail_db(c, res);
    } else if (PQntuples(res->results[0]) == 0) {
        gw_call_fail(c, CRM__STATUS__NOT_FOUND, "id", "no such live API token");
    } else {
        gw_auth_forget_all(c->gw); /* only the hash knows the cache key */
        gw_call_reply(c, NULL);
    }
}

static void s_revoke_api_token(gw_call_t *c)
{
    const Crm__Gateway__RevokeApiTokenRequest *req = (const void *)c->in;
    if (s_id_ok(c, "id", req->id, 1))
        s_exec_id(c, "gw_api_token_revoke", req->id, s_api_token_revoked);
}

/* ---- the table --------------------------------------------------------- */

static const struct {
    const char *name;
    void (*fn)(gw_call_t *c);
} s_handlers[] = {
    {"CreateDepartment", s_create_department},
    {"GetDepartment", s_get_department},
    {"UpdateDepartment", s_update_department},
    {"DeleteDepartment", s_delete_department},
    {"ListDepartments", s_list_departments},
    {"CreateUser", s_create_user},
    {"GetUser", s_get_user},
    {"UpdateUser", s_update_user},
    {"DeleteUser", s_delete_user},
    {"ListUsers", s_list_users},
    {"CreateApiToken", s_create_api_token},
    {"ListApiTokens", s_list_api_tokens},
    {"RevokeApiToken", s_revoke_api_token},
};

void (*gw_org_handler(const char *method))(gw_call_t *c)
{
    for (size_t i = 0; i < sizeof s_handlers / sizeof s_handlers[0]; i++)
        if (!strcmp(s_handlers[i].name, method))
            return s_handlers[i].fn;
    return NULL;
}
