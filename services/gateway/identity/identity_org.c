/* identity_org.c: departments and users of Org.* (proto/gateway.proto):
 * departments as a tree, users with a role. Reads are one statement;
 * writes are crm_txn ops whose reply is the row they write, and every
 * committed change of users or departments moves the organisation's
 * version (cached data scopes become stale). Writes are admin-only (their
 * routes are flagged admin). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/list.h"
#include "crm/mask.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "identity_impl.h"

static const Crm__Empty s_empty = CRM__EMPTY__INIT;

/* The users list, by id. */
static const crm_key_t s_user_keys[] = {CRM_KEY_ID};
static const crm_keyset_t s_users_order = {
    .tag = "user:id", .keys = s_user_keys, .n = 1, .ascending = 1};

/* ---- checks --------------------------------------------------------------------- */

/* An optional id: 0 (none) or a positive id. */
static int s_opt_id(crm_rpc_call_t *call, const char *field, int64_t id)
{
    return id == 0 || crm_check_id(call, field, id);
}

static int s_role_check(crm_err_t *err, const char *role, int required)
{
    if ((!required && !*role) || !strcmp(role, "admin") || !strcmp(role, "manager") ||
        !strcmp(role, "employee"))
        return 0;
    return crm_err_invalid(err, "role", "one of admin, manager, employee");
}

static int s_username_check(crm_err_t *err, const char *u)
{
    size_t n = strlen(u);
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)u[i]) || strchr("._@-", u[i]);
    return ok ? 0
              : crm_err_invalid(err, "username", "1 to 64 letters, digits, '.', '_', '@' or '-'");
}

/* ---- replies -------------------------------------------------------------------- */

/* Answers a read of one record: row 0 of r as msg (initialised, of the
 * method's output type), or NOT_FOUND "no such <what>". */
static void s_read_one(crm_rpc_call_t *call, const crm_db_result_t *res, ProtobufCMessage *msg,
                       const char *what)
{
    if (res->err) {
        crm_fail_db(call, res);
    } else if (PQntuples(res->results[0]) == 0) {
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "id", "no such %s", what);
    } else {
        crm_row_to_message(res->results[0], 0, msg, NULL);
        crm_rpc_reply(call, msg);
    }
}

/* The reply of a write: row 0 of r as msg, or a refusal NOT_FOUND. */
static int s_wrote_one(crm_txn_t *t, const PGresult *r, ProtobufCMessage *msg, const char *what)
{
    if (PQntuples(r) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "no such %s", what);
    crm_row_to_message(r, 0, msg, NULL);
    crm_txn_reply(t, msg);
    return 0;
}

static void s_exec_id(gw_identity_t *id, crm_rpc_call_t *call, const char *stmt, int64_t v,
                      crm_db_cb cb)
{
    char s[24];
    const char *p[] = {crm_i64(s, v)};
    crm_db_exec(id->db, stmt, 1, p, cb, call);
}

/* Every write here changes the organisation: cached scopes and principals
 * become stale. */
void id_org_changed(crm_txn_t *t)
{
    gw_identity_t *id = crm_txn_env(t)->ctx;
    id_scope_changed(id);
    id_forget_all(id);
    if (id->on_change)
        id->on_change(id->on_change_arg);
}

/* ---- departments ---------------------------------------------------------------- */

/* The department the batch's last statement wrote, announced as type. */
static int s_dept_announced(crm_txn_t *t, const crm_db_result_t *res, const char *type)
{
    const PGresult *r = res->results[res->nresults - 1];
    if (PQntuples(r) == 1)
        id_event_department(crm_txn_batch(t), type, r, 0, 1);
    Crm__Gateway__Department d = CRM__GATEWAY__DEPARTMENT__INIT;
    return s_wrote_one(t, r, &d.base, "department");
}

static int s_dept_written(crm_txn_t *t, const crm_db_result_t *res)
{
    return s_dept_announced(t, res, "department.created");
}

static int s_create_department_decide(crm_txn_t *t)
{
    const Crm__Gateway__CreateDepartmentRequest *req = crm_txn_request(t);
    char parent[24];
    const char *p[] = {req->name, crm_i64(parent, req->parent_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_dept_insert", 2, p);
    return crm_txn_then(t, &b, s_dept_written);
}

static const crm_txn_op_t s_create_department_op = {.decide = s_create_department_decide,
                                                    .committed = id_org_changed};

static void s_create_department(crm_rpc_call_t *call,
                                const Crm__Gateway__CreateDepartmentRequest *req, void *arg)
{
    gw_identity_t *id = arg;
    if (crm_check_text(call, "name", req->name, 100, 1) &&
        s_opt_id(call, "parent_id", req->parent_id))
        crm_txn_run(&id->env, call, &s_create_department_op, NULL);
}

static void s_dept_read(void *arg, const crm_db_result_t *res)
{
    Crm__Gateway__Department d = CRM__GATEWAY__DEPARTMENT__INIT;
    s_read_one(arg, res, &d.base, "department");
}

static void s_get_department(crm_rpc_call_t *call, const Crm__Gateway__GetDepartmentRequest *req,
                             void *arg)
{
    if (crm_check_id(call, "id", req->id))
        s_exec_id(arg, call, "gw_dept_get", req->id, s_dept_read);
}

static int s_dept_updated(crm_txn_t *t, const crm_db_result_t *res)
{
    if (PQntuples(res->results[0]) == 1 && PQntuples(res->results[1]) == 0)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "parent_id",
                              "a department cannot move below itself");
    return s_dept_announced(t, res, "department.updated");
}

static int s_update_department_decide(crm_txn_t *t)
{
    const Crm__Gateway__UpdateDepartmentRequest *req = crm_txn_request(t);
    char id[24], parent[24];
    char *mask = crm_mask_param(req->update_mask, req->n_update_mask);
    const char *p1[] = {crm_i64(id, req->id)};
    const char *p2[] = {id, req->name, crm_i64(parent, req->parent_id), mask};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_dept_get", 1, p1);
    crm_db_batch_add(b, "gw_dept_update", 4, p2);
    free(mask);
    return crm_txn_then(t, &b, s_dept_updated);
}

static const crm_txn_op_t s_update_department_op = {.decide = s_update_department_decide,
                                                    .committed = id_org_changed};

/* A mask of the fields an update may change (crm/mask.h); 1 if fine. */
static int s_mask_ok(crm_rpc_call_t *call, char *const *mask, size_t n, const char *const *editable)
{
    crm_err_t err;
    return crm_mask_check(mask, n, editable, &err) == 0 || crm_rpc_fail_err(call, &err);
}

static void s_update_department(crm_rpc_call_t *call,
                                const Crm__Gateway__UpdateDepartmentRequest *req, void *arg)
{
    static const char *const editable[] = {"name", "parent_id", NULL};
    gw_identity_t *id = arg;
    int named = crm_mask_has(req->update_mask, req->n_update_mask, "name");
    if (crm_check_id(call, "id", req->id) &&
        s_mask_ok(call, req->update_mask, req->n_update_mask, editable) &&
        crm_check_text(call, "name", req->name, 100, named) &&
        s_opt_id(call, "parent_id", req->parent_id))
        crm_txn_run(&id->env, call, &s_update_department_op, NULL);
}

static int s_dept_deleted(crm_txn_t *t, const crm_db_result_t *res)
{
    if (PQntuples(res->results[0]) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "no such department");
    if (PQntuples(res->results[1]) == 0)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "id",
                              "the department still has users or sub-departments");
    id_event_department(crm_txn_batch(t), "department.deactivated", res->results[1], 0, 0);
    crm_txn_reply(t, &s_empty.base);
    return 0;
}

static int s_delete_department_decide(crm_txn_t *t)
{
    const Crm__Gateway__GetDepartmentRequest *req = crm_txn_request(t);
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_dept_get", 1, p);
    crm_db_batch_add(b, "gw_dept_delete", 1, p);
    return crm_txn_then(t, &b, s_dept_deleted);
}

static const crm_txn_op_t s_delete_department_op = {.decide = s_delete_department_decide,
                                                    .committed = id_org_changed};

static void s_delete_department(crm_rpc_call_t *call, const Crm__Gateway__GetDepartmentRequest *req,
                                void *arg)
{
    gw_identity_t *id = arg;
    if (crm_check_id(call, "id", req->id))
        crm_txn_run(&id->env, call, &s_delete_department_op, NULL);
}

static void s_depts_listed(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    Crm__Gateway__ListDepartmentsReply reply = CRM__GATEWAY__LIST_DEPARTMENTS_REPLY__INIT;
    const PGresult *r = res->results[0];
    crm_rowmap_items(&reply.base, "items", r, (size_t)PQntuples(r), NULL);
    crm_rpc_reply(call, &reply.base);
    crm_rowmap_items_clear(&reply.base, "items");
}

static void s_list_departments(crm_rpc_call_t *call,
                               const Crm__Gateway__ListDepartmentsRequest *req, void *arg)
{
    (void)req;
    gw_identity_t *id = arg;
    crm_db_exec(id->db, "gw_dept_list", 0, NULL, s_depts_listed, call);
}

/* ---- users ---------------------------------------------------------------------- */

/* The user the batch wrote, announced as type. */
static int s_user_announced(crm_txn_t *t, const crm_db_result_t *res, const char *type)
{
    if (PQntuples(res->results[0]) == 1)
        id_event_user(crm_txn_batch(t), type, res->results[0], 0);
    Crm__Gateway__User u = CRM__GATEWAY__USER__INIT;
    return s_wrote_one(t, res->results[0], &u.base, "user");
}

static int s_user_written(crm_txn_t *t, const crm_db_result_t *res)
{
    return s_user_announced(t, res, "user.created");
}

static int s_user_updated(crm_txn_t *t, const crm_db_result_t *res)
{
    return s_user_announced(t, res, "user.updated");
}

typedef struct {
    char *hash; /* the initial password's */
    id_pw_t *pw;
} s_newuser_t;

static int s_create_user_decide(crm_txn_t *t)
{
    const Crm__Gateway__CreateUserRequest *req = crm_txn_request(t);
    s_newuser_t *n = crm_txn_data(t);
    char dept[24];
    const char *p[] = {req->username, n->hash, req->display_name, crm_i64(dept, req->department_id),
                       req->role};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_user_insert", 5, p);
    return crm_txn_then(t, &b, s_user_written);
}

static void s_newuser_done(void *data)
{
    s_newuser_t *n = data;
    id_pw_end(&n->pw);
    free(n->hash);
    free(n);
}

static const crm_txn_op_t s_create_user_op = {
    .decide = s_create_user_decide, .committed = id_org_changed, .done = s_newuser_done};

typedef struct {
    gw_identity_t *id;
    crm_rpc_call_t *call;
    id_pw_t *pw;
} s_hashing_t;

static void s_user_hashed(void *arg, const char *hash)
{
    s_hashing_t *h = arg;
    crm_rpc_call_t *call = h->call;
    gw_identity_t *id = h->id;
    s_newuser_t *n = crm_calloc(1, sizeof *n);
    n->pw = h->pw; /* held until the call is answered */
    free(h);
    if (!hash) {
        s_newuser_done(n);
        crm_rpc_fail(call, CRM__STATUS__INTERNAL, NULL, "cannot hash the password");
        return;
    }
    n->hash = crm_strdup(hash);
    crm_txn_run(&id->env, call, &s_create_user_op, n);
}

static void s_create_user(crm_rpc_call_t *call, const Crm__Gateway__CreateUserRequest *req,
                          void *arg)
{
    gw_identity_t *id = arg;
    crm_err_t err;
    if (s_username_check(&err, req->username) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (!crm_check_text(call, "display_name", req->display_name, 100, 0) ||
        !crm_check_id(call, "department_id", req->department_id))
        return;
    if (s_role_check(&err, req->role, 1) < 0 ||
        id_password_check(&err, "password", req->password) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    id_pw_t *pw = id_pw_begin(id, call);
    if (!pw)
        return;
    s_hashing_t *h = crm_calloc(1, sizeof *h);
    h->id = id;
    h->call = call;
    h->pw = pw;
    id_pw_hash(pw, req->password, s_user_hashed, h);
}

static void s_user_read(void *arg, const crm_db_result_t *res)
{
    Crm__Gateway__User u = CRM__GATEWAY__USER__INIT;
    s_read_one(arg, res, &u.base, "user");
}

static void s_get_user(crm_rpc_call_t *call, const Crm__Gateway__GetUserRequest *req, void *arg)
{
    if (crm_check_id(call, "id", req->id))
        s_exec_id(arg, call, "gw_user_get", req->id, s_user_read);
}

static int s_update_user_decide(crm_txn_t *t)
{
    const Crm__Gateway__UpdateUserRequest *req = crm_txn_request(t);
    char id[24], dept[24];
    char *mask = crm_mask_param(req->update_mask, req->n_update_mask);
    const char *p[] = {crm_i64(id, req->id), req->display_name, crm_i64(dept, req->department_id),
                       req->role, mask};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_user_update", 5, p);
    free(mask);
    return crm_txn_then(t, &b, s_user_updated);
}

static const crm_txn_op_t s_update_user_op = {.decide = s_update_user_decide,
                                              .committed = id_org_changed};

static void s_update_user(crm_rpc_call_t *call, const Crm__Gateway__UpdateUserRequest *req,
                          void *arg)
{
    static const char *const editable[] = {"display_name", "department_id", "role", NULL};
    gw_identity_t *id = arg;
    crm_err_t err;
    int dept = crm_mask_has(req->update_mask, req->n_update_mask, "department_id");
    int role = crm_mask_has(req->update_mask, req->n_update_mask, "role");
    if (!crm_check_id(call, "id", req->id) ||
        !s_mask_ok(call, req->update_mask, req->n_update_mask, editable) ||
        !crm_check_text(call, "display_name", req->display_name, 100, 0) ||
        !(dept ? crm_check_id(call, "department_id", req->department_id)
               : s_opt_id(call, "department_id", req->department_id)))
        return;
    if (s_role_check(&err, req->role, role) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    crm_txn_run(&id->env, call, &s_update_user_op, NULL);
}

static int s_user_deleted(crm_txn_t *t, const crm_db_result_t *res)
{
    if (PQntuples(res->results[0]) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "no such active user");
    id_event_user(crm_txn_batch(t), "user.deactivated", res->results[0], 0);
    crm_txn_reply(t, &s_empty.base);
    return 0;
}

static int s_delete_user_decide(crm_txn_t *t)
{
    const Crm__Gateway__GetUserRequest *req = crm_txn_request(t);
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_user_deactivate", 1, p);
    crm_db_batch_add(b, "gw_tokens_revoke_user", 1, p);
    return crm_txn_then(t, &b, s_user_deleted);
}

static const crm_txn_op_t s_delete_user_op = {.decide = s_delete_user_decide,
                                              .committed = id_org_changed};

static void s_delete_user(crm_rpc_call_t *call, const Crm__Gateway__GetUserRequest *req, void *arg)
{
    gw_identity_t *id = arg;
    if (!crm_check_id(call, "id", req->id))
        return;
    if (req->id == crm_rpc_call_caller(call)->user_id) {
        crm_rpc_fail(call, CRM__STATUS__FAILED_PRECONDITION, "id", "you cannot delete yourself");
        return;
    }
    crm_txn_run(&id->env, call, &s_delete_user_op, NULL);
}

static void s_users_listed(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    const Crm__Gateway__ListUsersRequest *req = (const void *)crm_rpc_call_request(call);
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    const PGresult *r = res->results[0];
    crm_page_t pg;
    crm_page_check_max(&pg, &s_users_order, req->limit, 50, crm_page_max(call), req->cursor,
                       NULL); /* checked before */
    char *next;
    size_t n = crm_page_rows(&pg, r, &next);
    Crm__Gateway__ListUsersReply reply = CRM__GATEWAY__LIST_USERS_REPLY__INIT;
    reply.next_cursor = next ? next : "";
    crm_rowmap_items(&reply.base, "items", r, n, NULL);
    if (req->total)
        crm_page_set_total(&reply.base, res->results[1]);
    crm_rpc_reply(call, &reply.base);
    crm_rowmap_items_clear(&reply.base, "items");
    free(next);
}

static void s_list_users(crm_rpc_call_t *call, const Crm__Gateway__ListUsersRequest *req, void *arg)
{
    gw_identity_t *id = arg;
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &s_users_order, req->limit, 50, req->cursor) ||
        !s_opt_id(call, "department_id", req->department_id))
        return;
    char a[24], d[24], l[24];
    const char *p[] = {crm_i64(a, pg.after[0]), crm_i64(d, req->department_id),
                       crm_i64(l, pg.limit + 1)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_user_list", 3, p);
    if (req->total)
        crm_db_batch_add(b, "gw_user_count", 1, p + 1);
    crm_db_submit(id->db, &b, s_users_listed, call);
}

void id_org_fill(org_handlers_t *h)
{
    h->create_department = s_create_department;
    h->get_department = s_get_department;
    h->update_department = s_update_department;
    h->delete_department = s_delete_department;
    h->list_departments = s_list_departments;
    h->create_user = s_create_user;
    h->get_user = s_get_user;
    h->update_user = s_update_user;
    h->delete_user = s_delete_user;
    h->list_users = s_list_users;
}
