/* gateway_store.c: the gateway's SQL, as named statements prepared on every
 * connection of its pool. */
#include "gateway.h"

#define TOKEN_OUT "id, kind, name, user_id, scope, gw_time(created_at), revoked_at IS NOT NULL"

static const struct {
    const char *name, *sql;
} s_statements[] = {
    /* ---- tokens ---- */
    {"gw_token_lookup",
     "SELECT t.id, t.kind, t.scope, u.id, u.department_id, u.role, u.must_change_password,"
     " COALESCE(crm_us(t.expires_at), 0)"
     " FROM tokens t JOIN users u ON u.id = t.user_id"
     " WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
     " AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.active"},
    {"gw_token_insert",
     "INSERT INTO tokens (kind, token_hash, user_id, name, scope, expires_at)"
     " VALUES ($1, $2, $3, $4, $5,"
     " CASE WHEN $6::bigint > 0 THEN now() + make_interval(secs => $6::bigint) END)"
     " RETURNING " TOKEN_OUT ", COALESCE(gw_time(expires_at), '')"},
    {"gw_token_revoke",
     "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"},
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
    {"gw_user_by_name",
     "SELECT " GW_USER_COLUMNS ", u.password_hash FROM users u WHERE u.username = $1"},
    {"gw_user_get", "SELECT " GW_USER_COLUMNS " FROM users u WHERE u.id = $1"},
    {"gw_user_pwhash", "SELECT password_hash FROM users WHERE id = $1"},
    {"gw_user_set_password",
     "UPDATE users SET password_hash = $2, must_change_password = false, updated_at = now()"
     " WHERE id = $1"},
    {"gw_user_insert",
     "INSERT INTO users AS u (username, password_hash, display_name, department_id, role,"
     " must_change_password) VALUES ($1, $2, $3, $4, $5, true)"
     " RETURNING " GW_USER_COLUMNS},
    {"gw_user_update", "UPDATE users u SET display_name = COALESCE(NULLIF($2, ''), display_name),"
                       " department_id = COALESCE(NULLIF($3::bigint, 0), department_id),"
                       " role = COALESCE(NULLIF($4, ''), role), updated_at = now()"
                       " WHERE u.id = $1 RETURNING " GW_USER_COLUMNS},
    {"gw_user_deactivate",
     "UPDATE users SET active = false, updated_at = now() WHERE id = $1 AND active RETURNING id"},
    {"gw_user_list", "SELECT " GW_USER_COLUMNS " FROM users u WHERE u.id > $1"
                     " AND ($2::bigint = 0 OR u.department_id = $2) ORDER BY u.id LIMIT $3"},

    /* ---- departments ---- */
    {"gw_dept_insert",
     "INSERT INTO departments (name, parent_id) VALUES ($1, NULLIF($2::bigint, 0))"
     " RETURNING id, name, COALESCE(parent_id, 0), gw_time(created_at)"},
    {"gw_dept_get", "SELECT id, name, COALESCE(parent_id, 0), gw_time(created_at) FROM departments"
                    " WHERE id = $1"},
    {"gw_dept_list",
     "SELECT id, name, COALESCE(parent_id, 0), gw_time(created_at) FROM departments ORDER BY id"},
    /* A new parent must not be the department itself or below it. */
    {"gw_dept_update",
     "WITH RECURSIVE below(id) AS (SELECT $1::bigint"
     " UNION SELECT d.id FROM departments d JOIN below b ON d.parent_id = b.id)"
     " UPDATE departments SET name = COALESCE(NULLIF($2, ''), name),"
     " parent_id = CASE WHEN $3::bigint = 0 THEN parent_id ELSE $3::bigint END,"
     " updated_at = now()"
     " WHERE id = $1 AND ($3::bigint = 0 OR $3::bigint NOT IN (SELECT id FROM below))"
     " RETURNING id, name, COALESCE(parent_id, 0), gw_time(created_at)"},
    /* Only an empty department goes: no users (even inactive), no children. */
    {"gw_dept_delete",
     "DELETE FROM departments d WHERE id = $1"
     " AND NOT EXISTS (SELECT 1 FROM users WHERE department_id = d.id)"
     " AND NOT EXISTS (SELECT 1 FROM departments c WHERE c.parent_id = d.id) RETURNING id"},

    /* ---- data scope ---- */
    /* Every user of the department and of its sub-departments. */
    {"gw_scope_users",
     "WITH RECURSIVE tree(id) AS (SELECT $1::bigint"
     " UNION SELECT d.id FROM departments d JOIN tree t ON d.parent_id = t.id)"
     " SELECT u.id FROM users u JOIN tree t ON u.department_id = t.id ORDER BY u.id"},
};

void gw_store_prepare(crm_db_t *db)
{
    for (size_t i = 0; i < sizeof s_statements / sizeof s_statements[0]; i++)
        crm_db_prepare(db, s_statements[i].name, s_statements[i].sql);
}
