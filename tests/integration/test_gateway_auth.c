/* test_gateway_auth.c: signing in through the gateway, on real processes:
 * login (wrong and right), the token on every request (missing, invalid,
 * expired, revoked by logout, by deleting the user), the initial password
 * that must be changed first, changing a password, and API tokens with a
 * read scope. Ends with a clean stop of the gateway (no leak, status 0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;

static t_resp_t s_expect(int want, const char *method, const char *token, const char *body,
                         const char *path)
{
    return t_expect(want, method, base, token, body, path);
}

static void s_ok(const char *method, const char *token, const char *body, const char *path)
{
    t_resp_t r = t_expect(200, method, base, token, body, path);
    t_resp_free(&r);
}

static void s_expect_code(int want, const char *code, const char *method, const char *token,
                          const char *body, const char *path)
{
    t_expect_error(want, code, NULL, method, base, token, body, path);
}

static void test_login(void)
{
    t_resp_t r = s_expect(200, "GET", NULL, NULL, "/healthz");
    t_resp_free(&r);
    s_expect_code(401, "unauthenticated", "POST", NULL,
                  "{\"username\":\"admin\",\"password\":\"wrong-password\"}", "/api/v1/auth/login");
    s_expect_code(401, "unauthenticated", "POST", NULL,
                  "{\"username\":\"nobody\",\"password\":\"whatever1\"}", "/api/v1/auth/login");
    s_expect_code(400, "invalid_argument", "POST", NULL, "{\"username\":\"admin\"}",
                  "/api/v1/auth/login");

    r = s_expect(200, "POST", NULL,
                 "{\"username\":\"" H_ADMIN_USER "\",\"password\":\"" H_ADMIN_PASSWORD "\"}",
                 "/api/v1/auth/login");
    H_CHECK(strlen(t_json_str(&r, "token")) == 43, "token: %s", r.raw);
    /* Instants of the gateway's own resources are RFC 3339 in the business
     * time zone too, not UTC. */
    H_CHECK(strlen(t_json_str(&r, "expires_at")) == 32 &&
                !strcmp(t_json_str(&r, "expires_at") + 26, "+08:00") &&
                strlen(t_json_str(&r, "user.created_at")) == 32 &&
                !strcmp(t_json_str(&r, "user.created_at") + 26, "+08:00"),
            "expires_at, created_at RFC 3339 +08:00: %s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "user.role"), "admin"), "role: %s", r.raw);
    char *token = crm_strdup(t_json_str(&r, "token"));
    t_resp_free(&r);

    r = s_expect(200, "GET", token, NULL, "/api/v1/auth/me");
    H_CHECK(!strcmp(t_json_str(&r, "username"), H_ADMIN_USER), "me: %s", r.raw);
    t_resp_free(&r);

    /* Only the hash is stored. */
    char *sql = crm_sprintf("SELECT count(*) FROM tokens WHERE token_hash = '%s'", token);
    H_CHECK(h_sql_int(h, "gateway", sql) == 0, "the raw token is not stored");
    free(sql);

    s_expect_code(401, "unauthenticated", "GET", NULL, NULL, "/api/v1/auth/me");
    s_expect_code(401, "unauthenticated", "GET", "not-a-token", NULL, "/api/v1/auth/me");

    s_ok("POST", token, NULL, "/api/v1/auth/logout");
    s_expect_code(401, "unauthenticated", "GET", token, NULL, "/api/v1/auth/me");
    free(token);
    h_note("login, logout: ok");
}

/* Sessions live in the database: a gateway killed and started again (or
 * another instance) honours them. */
static void test_restart(void)
{
    char *token = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    h_kill(h, "gateway", 0);
    h_gateway(h);
    t_resp_t r = t_expect(200, "GET", base, token, NULL, "/api/v1/auth/me");
    t_resp_free(&r);
    free(token);
    h_note("a session survives a gateway restart: ok");
}

static void test_expiry(void)
{
    char *token = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_resp_t r = s_expect(200, "GET", token, NULL, "/api/v1/auth/me");
    t_resp_free(&r);
    /* The clock moves past the expiry (CRM_AUTH_CACHE_MS=0: no reuse). */
    PQclear(h_sql(h, "gateway",
                  "UPDATE tokens SET expires_at = now() - interval '1 second'"
                  " WHERE kind = 'session' AND revoked_at IS NULL"));
    s_expect_code(401, "unauthenticated", "GET", token, NULL, "/api/v1/auth/me");
    free(token);
    h_note("expiry: ok");
}

/* Creates a user as admin; returns the id. */
static long long s_create_user(const char *admin, const char *name, const char *role,
                               long long dept)
{
    char *body = crm_sprintf("{\"username\":\"%s\",\"password\":\"initial-pw\","
                             "\"display_name\":\"%s\",\"department_id\":%lld,\"role\":\"%s\"}",
                             name, name, dept, role);
    t_resp_t r = s_expect(201, "POST", admin, body, "/api/v1/users");
    free(body);
    H_CHECK(json_is_true(json_object_get(r.body, "must_change_password")),
            "a new user must change the initial password: %s", r.raw);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    return id;
}

static void test_initial_password(void)
{
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_resp_t r = s_expect(201, "POST", admin, "{\"name\":\"销售一部\",\"parent_id\":1}",
                          "/api/v1/departments");
    long long dept = t_json_int(&r, "id");
    t_resp_free(&r);
    long long alice = s_create_user(admin, "alice", "employee", dept);
    s_expect_code(409, "already_exists", "POST", admin,
                  "{\"username\":\"alice\",\"password\":\"initial-pw\",\"department_id\":1,"
                  "\"role\":\"employee\"}",
                  "/api/v1/users");

    r = s_expect(200, "POST", NULL, "{\"username\":\"alice\",\"password\":\"initial-pw\"}",
                 "/api/v1/auth/login");
    H_CHECK(json_is_true(json_object_get(r.body, "must_change_password")), "%s", r.raw);
    char *token = crm_strdup(t_json_str(&r, "token"));
    t_resp_free(&r);

    /* Until the password is changed, only auth routes work. */
    s_expect_code(403, "password_change_required", "GET", token, NULL, "/api/v1/leads/1");
    s_expect_code(403, "password_change_required", "GET", token, NULL, "/api/v1/users");
    r = s_expect(200, "GET", token, NULL, "/api/v1/auth/me");
    t_resp_free(&r);

    s_expect_code(400, "invalid_argument", "POST", token,
                  "{\"old_password\":\"wrong-pw\",\"new_password\":\"alice-secret\"}",
                  "/api/v1/auth/password");
    s_expect_code(400, "invalid_argument", "POST", token,
                  "{\"old_password\":\"initial-pw\",\"new_password\":\"short\"}",
                  "/api/v1/auth/password");
    r = s_expect(200, "POST", token,
                 "{\"old_password\":\"initial-pw\",\"new_password\":\"alice-secret\"}",
                 "/api/v1/auth/password");
    t_resp_free(&r);
    /* The session that changed it goes on, now unrestricted. */
    s_expect_code(404, "not_found", "GET", token, NULL, "/api/v1/leads/999999");

    s_expect_code(401, "unauthenticated", "POST", NULL,
                  "{\"username\":\"alice\",\"password\":\"initial-pw\"}", "/api/v1/auth/login");
    r = s_expect(200, "POST", NULL, "{\"username\":\"alice\",\"password\":\"alice-secret\"}",
                 "/api/v1/auth/login");
    H_CHECK(json_is_false(json_object_get(r.body, "must_change_password")), "%s", r.raw);
    char *second = crm_strdup(t_json_str(&r, "token"));
    t_resp_free(&r);

    /* Employees cannot write the organisation. */
    s_expect_code(403, "permission_denied", "POST", second, "{\"name\":\"x\"}",
                  "/api/v1/departments");

    /* Deleting the user revokes every token. */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/users/%lld", alice);
    r = s_expect(200, "DELETE", admin, NULL, path);
    t_resp_free(&r);
    s_expect_code(401, "unauthenticated", "GET", second, NULL, "/api/v1/auth/me");
    s_expect_code(401, "unauthenticated", "POST", NULL,
                  "{\"username\":\"alice\",\"password\":\"alice-secret\"}", "/api/v1/auth/login");
    free(token);
    free(second);
    free(admin);
    h_note("initial password, change, delete: ok");
}

static void test_api_tokens(void)
{
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long bob = s_create_user(admin, "bob", "employee", 1);
    char *body = crm_sprintf("{\"name\":\"erp\",\"user_id\":%lld,\"scope\":\"read\"}", bob);
    t_resp_t r = s_expect(201, "POST", admin, body, "/api/v1/api-tokens");
    free(body);
    char *api = crm_strdup(t_json_str(&r, "token"));
    long long id = t_json_int(&r, "api_token.id");
    t_resp_free(&r);
    s_expect_code(400, "invalid_argument", "POST", admin,
                  "{\"name\":\"x\",\"user_id\":1,\"scope\":\"all\"}", "/api/v1/api-tokens");

    /* An integration acts as its user; its token needs no password change. */
    r = s_expect(200, "GET", api, NULL, "/api/v1/auth/me");
    H_CHECK(t_json_int(&r, "id") == bob, "acts as bob: %s", r.raw);
    t_resp_free(&r);
    s_expect_code(403, "permission_denied", "POST", api, "{\"name\":\"张三\"}", "/api/v1/leads");

    r = s_expect(200, "GET", admin, NULL, "/api/v1/api-tokens");
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 1, "%s", r.raw);
    t_resp_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/api-tokens/%lld", id);
    r = s_expect(200, "DELETE", admin, NULL, path);
    t_resp_free(&r);
    s_expect_code(401, "unauthenticated", "GET", api, NULL, "/api/v1/auth/me");
    s_expect_code(404, "not_found", "DELETE", admin, NULL, path);
    free(api);
    free(admin);
    h_note("API tokens: ok");
}

/* Password hashing is slow on purpose: sign-ins beyond CRM_PWHASH_MAX_JOBS
 * at once are turned away (429) instead of queueing without bound. */
static void test_hashing_cap(void)
{
    h_stop(h, "gateway", 0);
    h_setenv(h, "CRM_PWHASH_MAX_JOBS=1");
    h_setenv(h, "CRM_PWHASH_OPSLIMIT=4");
    h_setenv(h, "CRM_PWHASH_MEMLIMIT=33554432");
    h_gateway(h);
    enum { N = 6 };
    int fds[N], ok = 0, busy = 0;
    const char *body = "{\"username\":\"" H_ADMIN_USER "\",\"password\":\"" H_ADMIN_PASSWORD "\"}";
    char *req = crm_sprintf("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\n"
                            "Content-Length: %zu\r\n\r\n%s",
                            strlen(body), body);
    for (int i = 0; i < N; i++) {
        fds[i] = t_raw_connect(base);
        t_raw_write(fds[i], req);
    }
    for (int i = 0; i < N; i++) {
        int st = t_raw_status(fds[i], 20000);
        H_CHECK(st == 200 || st == 429, "login: %d", st);
        ok += st == 200;
        busy += st == 429;
        close(fds[i]);
    }
    free(req);
    H_CHECK(ok >= 1 && busy >= 1, "%d signed in, %d turned away", ok, busy);
    h_note("hashing cap: %d signed in, %d told to retry: ok", ok, busy);
}

int main(void)
{
    h = h_new("gateway_auth");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    h_setenv(h, "CRM_AUTH_CACHE_MS=0");
    base = h_gateway(h);
    test_login();
    test_restart();
    test_expiry();
    test_initial_password();
    test_api_tokens();
    test_hashing_cap();
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
