/* identity_store.c: identity's SQL: named statements prepared on every
 * connection of the gateway's pool, their columns named after the fields
 * of the messages they fill (crm/rowmap.h); and the first admin, made at
 * start with a blocking connection. */
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"
#include "identity_impl.h"

#define USER_OUT                                                                                   \
    "u.id, u.username, u.display_name, u.department_id, u.role, u.must_change_password,"           \
    " u.active, crm_us(u.created_at) AS created_at_us"
#define TOKEN_OUT                                                                                  \
    "id, kind, name, user_id, scope, crm_us(created_at) AS created_at_us,"                         \
    " revoked_at IS NOT NULL AS revoked"
#define DEPT_OUT                                                                                   \
    "id, name, COALESCE(parent_id, 0) AS parent_id, crm_us(created_at) AS created_at_us"

static const struct {
    const char *name, *sql;
} s_statements[] = {
    /* ---- tokens ---- */
    {"gw_token_lookup",
     "SELECT t.id AS token_id, t.kind, t.scope, u.id AS user_id, u.department_id, u.role,"
     " u.must_change_password, COALESCE(crm_us(t.expires_at), 0) AS expires_us"
     " FROM tokens t JOIN users u ON u.id = t.user_id"
     " WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
     " AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.active"},
    {"gw_token_insert",
     "INSERT INTO tokens (kind, token_hash, user_id, name, scope, expires_at)"
     " VALUES ($1, $2, $3, $4, $5,"
     " CASE WHEN $6::bigint > 0 THEN now() + make_interval(secs => $6::bigint) END)"
     " RETURNING " TOKEN_OUT ", COALESCE(crm_us(expires_at), 0) AS expires_at_us"},
    /* Revoked once; its hash returned every time, so each instance can drop it. */
    {"gw_token_revoke", "UPDATE tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1"
                        " RETURNING token_hash"},
    {"gw_api_token_revoke",
     "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND kind = 'api' AND revoked_at IS NULL"
     " RETURNING id"},
    {"gw_api_token_list", "SELECT " TOKEN_OUT " FROM tokens WHERE kind = 'api' ORDER BY id"},
    {"gw_sessions_revoke_others",
     "UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND id <> $2"
     " AND kind = 'session' AND revoked_at IS NULL"},
    {"gw_tokens_revoke_user",
     "UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL"},

    /* ---- users ---- */
    {"gw_user_by_name", "SELECT " USER_OUT ", u.password_hash FROM users u WHERE u.username = $1"},
    {"gw_user_get", "SELECT " USER_OUT " FROM users u WHERE u.id = $1"},
    {"gw_user_pwhash", "SELECT password_hash FROM users WHERE id = $1"},
    {"gw_user_set_password",
     "UPDATE users SET password_hash = $2, must_change_password = false, updated_at = now()"
     " WHERE id = $1"},
    {"gw_user_insert",
     "INSERT INTO users AS u (username, password_hash, display_name, department_id, role,"
     " must_change_password) VALUES ($1, $2, $3, $4, $5, true)"
     " RETURNING " USER_OUT},
    /* $5: the mask (crm/mask.h): a field it names takes the value. */
    {"gw_user_update",
     "UPDATE users u SET display_name = CASE WHEN 'display_name' = ANY($5::text[]) THEN $2"
     " ELSE display_name END, department_id = CASE WHEN 'department_id' = ANY($5::text[])"
     " THEN $3::bigint ELSE department_id END,"
     " role = CASE WHEN 'role' = ANY($5::text[]) THEN $4 ELSE role END, updated_at = now()"
     " WHERE u.id = $1 RETURNING " USER_OUT},
    {"gw_user_deactivate",
     "UPDATE users u SET active = false, updated_at = now() WHERE id = $1 AND active"
     " RETURNING " USER_OUT},
    /* The total of gw_user_list's filter (a list's total on request). */
    {"gw_user_count",
     "SELECT count(*) AS total FROM users u WHERE ($1::bigint = 0 OR u.department_id = $1)"},
    {"gw_user_list", "SELECT " USER_OUT " FROM users u WHERE u.id > $1"
                     " AND ($2::bigint = 0 OR u.department_id = $2) ORDER BY u.id LIMIT $3"},

    /* ---- departments ---- */
    {"gw_dept_insert",
     "INSERT INTO departments (name, parent_id) VALUES ($1, NULLIF($2::bigint, 0))"
     " RETURNING " DEPT_OUT},
    {"gw_dept_get", "SELECT " DEPT_OUT " FROM departments WHERE id = $1"},
    {"gw_dept_list", "SELECT " DEPT_OUT " FROM departments ORDER BY id"},
    /* A new parent must not be the department itself or below it. */
    {"gw_dept_update",
     "WITH RECURSIVE below(id) AS (SELECT $1::bigint"
     " UNION SELECT d.id FROM departments d JOIN below b ON d.parent_id = b.id)"
     " UPDATE departments SET name = CASE WHEN 'name' = ANY($4::text[]) THEN $2 ELSE name END,"
     " parent_id = CASE WHEN 'parent_id' = ANY($4::text[]) THEN NULLIF($3::bigint, 0)"
     " ELSE parent_id END, updated_at = now()"
     " WHERE id = $1 AND ($3::bigint = 0 OR $3::bigint NOT IN (SELECT id FROM below))"
     " RETURNING " DEPT_OUT},
    /* Only an empty department goes: no users (even inactive), no children. */
    {"gw_dept_delete", "DELETE FROM departments d WHERE id = $1"
                       " AND NOT EXISTS (SELECT 1 FROM users WHERE department_id = d.id)"
                       " AND NOT EXISTS (SELECT 1 FROM departments c WHERE c.parent_id = d.id)"
                       " RETURNING " DEPT_OUT},

    /* ---- data scope ---- */
    /* Every user of the department and of its sub-departments. */
    {"gw_scope_users",
     "WITH RECURSIVE tree(id) AS (SELECT $1::bigint"
     " UNION SELECT d.id FROM departments d JOIN tree t ON d.parent_id = t.id)"
     " SELECT u.id FROM users u JOIN tree t ON u.department_id = t.id ORDER BY u.id"},
};

void id_store_prepare(crm_db_t *db)
{
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements[0]; i++)
        crm_db_prepare(db, s_statements[i].name, s_statements[i].sql);
}

/* ---- the first admin ------------------------------------------------------ */

static int s_exec(PGconn *db, const char *sql, int n, const char *const *p)
{
    PGresult *r = PQexecParams(db, sql, n, NULL, p, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        crm_log(CRM_ERROR, "bootstrap failed", "error", PQresultErrorMessage(r), NULL);
    PQclear(r);
    return ok ? 0 : -1;
}

void id_store_bootstrap(gw_identity_t *id)
{
    PGconn *db = PQconnectdb(crm_service_config(id->svc)->db_url);
    PGresult *r = PQexec(db, "SELECT count(*) FROM users");
    long users = PQresultStatus(r) == PGRES_TUPLES_OK ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    if (users != 0) {
        if (users < 0)
            crm_log(CRM_ERROR, "cannot read users", "error", PQerrorMessage(db), NULL);
        PQfinish(db);
        if (users < 0)
            exit(1);
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
    if (crypto_pwhash_str(hash, pw, strlen(pw), id->pw_ops, id->pw_mem) != 0)
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
