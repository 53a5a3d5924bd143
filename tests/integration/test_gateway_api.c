/* test_gateway_api.c: the gateway's translation of REST/JSON into the
 * services' RPCs and back, on real processes: leads created, read and
 * converted over HTTP with every RPC error mapped to its HTTP status and
 * field; each kind of bad input (malformed JSON, wrong type, unknown field
 * or parameter, oversized body, unknown route, wrong method, too many
 * requests); the served OpenAPI document; readiness when a service stops. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

#define MAX_BODY 4096

static h_t *h;
static const char *base;
static char *admin;

static t_resp_t s_expect(int want, const char *method, const char *token, const char *body,
                         const char *path)
{
    return t_expect(want, method, base, token, body, path);
}

/* Expects an error with code and (when field is not NULL) field. */
static void s_error(int want, const char *code, const char *field, const char *method,
                    const char *body, const char *path)
{
    t_expect_error(want, code, field, method, base, admin, body, path);
}

/* Has text (NUL-terminated) a response's head and all of its body? */
static int s_response_whole(const char *text)
{
    const char *end = strstr(text, "\r\n\r\n"), *len = strcasestr(text, "content-length:");
    return end && len && len < end && strlen(end + 4) >= (size_t)atol(len + 15);
}

/* A chunked body that passes the limit as it comes: our problem document,
 * read from a raw connection (the gateway closes it after answering). */
static void s_chunked_too_large(void)
{
    int fd = t_raw_connect(base);
    static const char start[] = "{\"name\": \"x\", \"remark\": \"";
    char head[512];
    snprintf(head, sizeof head,
             "POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
             "%zx\r\n%s\r\n",
             admin, strlen(start), start);
    t_raw_write(fd, head);
    char chunk[1100];
    snprintf(chunk, sizeof chunk, "400\r\n%01024d\r\n", 0);
    /* Ten times the limit, or until the gateway, having answered, stops
     * reading. */
    for (int i = 0; i < 10 * MAX_BODY / 1024; i++)
        if (send(fd, chunk, strlen(chunk), MSG_NOSIGNAL) < 0)
            break;
    char resp[4096];
    size_t have = 0;
    ssize_t got;
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    resp[0] = 0;
    while (!s_response_whole(resp) && have < sizeof resp - 1 &&
           (got = read(fd, resp + have, sizeof resp - 1 - have)) > 0) {
        have += (size_t)got;
        resp[have] = 0;
    }
    close(fd);
    H_CHECK(!strncmp(resp, "HTTP/1.1 413", 12) && strstr(resp, "application/problem+json") &&
                strstr(resp, "\"code\":\"payload_too_large\""),
            "chunked over the limit: %s", resp);
}

static void test_bad_input(void)
{
    s_error(400, "invalid_argument", "", "POST", "{\"name\": ", "/api/v1/leads");
    s_error(400, "invalid_argument", "", "POST", "[1, 2]", "/api/v1/leads");
    s_error(400, "invalid_argument", "/name", "POST", "{\"name\": 5}", "/api/v1/leads");
    s_error(400, "invalid_argument", "/allow_duplicate", "POST",
            "{\"name\": \"x\", \"allow_duplicate\": \"yes\"}", "/api/v1/leads");
    s_error(400, "invalid_argument", "/colour", "POST", "{\"name\": \"x\", \"colour\": \"red\"}",
            "/api/v1/leads");
    s_error(400, "invalid_argument", "id", "GET", NULL, "/api/v1/leads/abc");
    s_error(400, "invalid_argument", "limit", "GET", NULL, "/api/v1/users?limit=abc");
    s_error(400, "invalid_argument", "colour", "GET", NULL, "/api/v1/users?colour=red");
    s_error(404, "not_found", NULL, "GET", NULL, "/api/v1/nothing");
    s_error(404, "not_found", NULL, "GET", NULL, "/api/v1/leads/1/nothing");
    s_error(405, "method_not_allowed", NULL, "PUT", "{}", "/api/v1/leads");
    s_error(405, "method_not_allowed", NULL, "DELETE", NULL, "/api/v1/auth/login");
    /* A NUL byte (%00) in a path or query value is refused, never cut short:
     * "97%00x" is not lead 97, "a%00b" is not the keyword "a". */
    s_error(400, "invalid_argument", "id", "POST", "{}", "/api/v1/leads/97%00x/convert");
    s_error(400, "invalid_argument", "id", "GET", NULL, "/api/v1/users/1%00");
    s_error(400, "invalid_argument", "keyword", "GET", NULL, "/api/v1/leads?keyword=a%00b");
    /* A follow-up without a method is the caller's mistake (400 naming the
     * field), not an unimplemented route. */
    s_error(400, "invalid_argument", "/method", "POST", "{\"content\": \"打了电话\"}",
            "/api/v1/leads/1/follow-ups");

    /* A body over CRM_HTTP_MAX_BODY, just over or ten times over (which
     * h2o refuses itself, before any handler), or chunked: our problem
     * document every time. */
    char *big = crm_malloc(MAX_BODY * 30);
    int n = snprintf(big, MAX_BODY * 30, "{\"name\": \"x\", \"remark\": \"");
    memset(big + n, 'a', MAX_BODY);
    strcpy(big + n + MAX_BODY, "\"}");
    s_error(413, "payload_too_large", NULL, "POST", big, "/api/v1/leads");
    memset(big + n, 'a', MAX_BODY * 10);
    strcpy(big + n + MAX_BODY * 10, "\"}");
    s_error(413, "payload_too_large", NULL, "POST", big, "/api/v1/leads");
    s_error(413, "payload_too_large", NULL, "POST", big, "/api/v1/nothing");
    free(big);
    s_chunked_too_large();
    t_resp_t r;

    /* Query parameters: typed, and lists page with an opaque cursor. */
    r = s_expect(201, "POST", admin,
                 "{\"username\":\"second\",\"password\":\"initial-pw\",\"department_id\":1,"
                 "\"role\":\"employee\"}",
                 "/api/v1/users");
    t_resp_free(&r);
    r = s_expect(200, "GET", admin, NULL, "/api/v1/users?limit=1");
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 1, "%s", r.raw);
    char *path = crm_sprintf("/api/v1/users?limit=1&cursor=%s", t_json_str(&r, "next_cursor"));
    H_CHECK(*t_json_str(&r, "next_cursor"), "two users, two pages: %s", r.raw);
    t_resp_free(&r);
    r = s_expect(200, "GET", admin, NULL, path);
    free(path);
    json_t *items = json_object_get(r.body, "items");
    H_CHECK(json_array_size(items) == 1 &&
                !strcmp(json_string_value(json_object_get(json_array_get(items, 0), "username")),
                        "second") &&
                *t_json_str(&r, "next_cursor") == 0,
            "the second page: %s", r.raw);
    t_resp_free(&r);
    s_error(400, "invalid_argument", "cursor", "GET", NULL, "/api/v1/users?cursor=42");
    h_note("bad input: ok");
}

static void test_leads(void)
{
    t_resp_t r = s_expect(201, "POST", admin,
                          "{\"name\": \"张三\", \"mobile\": \"+86 138 0013 8000\","
                          " \"source\": \"广告\"}",
                          "/api/v1/leads");
    long long id = t_json_int(&r, "id");
    H_CHECK(id > 0, "id: %s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "mobile"), "13800138000"), "normalised: %s", r.raw);
    H_CHECK(t_json_int(&r, "owner_id") == 1, "the caller owns it: %s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "pending"), "%s", r.raw);
    const char *at = t_json_str(&r, "created_at"); /* RFC 3339 in CRM_TZ (Asia/Shanghai) */
    H_CHECK(strlen(at) == 32 && at[10] == 'T' && !strcmp(at + 26, "+08:00"), "created_at: %s",
            r.raw);
    t_resp_free(&r);

    char path[96];
    snprintf(path, sizeof path, "/api/v1/leads/%lld", id);
    r = s_expect(200, "GET", admin, NULL, path);
    H_CHECK(!strcmp(t_json_str(&r, "name"), "张三") && t_json_int(&r, "id") == id, "%s", r.raw);
    t_resp_free(&r);

    s_error(409, "already_exists", "/mobile", "POST",
            "{\"name\": \"李四\", \"mobile\": \"13800138000\"}", "/api/v1/leads");
    s_error(400, "invalid_argument", "/mobile", "POST", "{\"name\": \"李四\", \"mobile\": \"12\"}",
            "/api/v1/leads");
    s_error(400, "invalid_argument", "/name", "POST", "{\"mobile\": \"13900139000\"}",
            "/api/v1/leads");
    s_error(404, "not_found", "id", "GET", NULL, "/api/v1/leads/999999");

    snprintf(path, sizeof path, "/api/v1/leads/%lld/convert", id);
    r = s_expect(200, "POST", admin, "{\"level\": \"重点客户\"}", path);
    H_CHECK(!strcmp(t_json_str(&r, "lead.status"), "converted"), "%s", r.raw);
    t_resp_free(&r);
    s_error(409, "failed_precondition", "id", "POST", "{}", path);
    s_error(404, "not_found", "id", "POST", "{}", "/api/v1/leads/999999/convert");

    /* The customers service made the customer; read it through the gateway. */
    snprintf(path, sizeof path, "/api/v1/leads/%lld/customer", id);
    int found = 0;
    for (int i = 0; i < 200 && !found; i++) {
        t_httpf(&r, "GET", base, admin, NULL, "%s", path);
        found = r.status == 200;
        if (found)
            H_CHECK(!strcmp(t_json_str(&r, "name"), "张三"), "%s", r.raw);
        t_resp_free(&r);
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    H_CHECK(found, "the customer of lead %lld appears", id);

    /* Right after a conversion, wait_ms waits for the customer to be made. */
    r = s_expect(201, "POST", admin, "{\"name\": \"等客户\"}", "/api/v1/leads");
    long long id2 = t_json_int(&r, "id");
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/convert", id2);
    r = s_expect(200, "POST", admin, "{}", path);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/leads/%lld/customer?wait_ms=1500", id2);
    r = s_expect(200, "GET", admin, NULL, path);
    H_CHECK(t_json_int(&r, "lead_id") == id2, "the customer of the lead just converted: %s", r.raw);
    t_resp_free(&r);
    s_error(400, "invalid_argument", "wait_ms", "GET", NULL,
            "/api/v1/leads/1/customer?wait_ms=60000");
    uint64_t t0 = crm_mono_ms();
    s_error(404, "not_found", "lead_id", "GET", NULL, "/api/v1/leads/999999/customer?wait_ms=300");
    H_CHECK(crm_mono_ms() - t0 >= 300, "a lead never converted waits the time asked, then 404");
    h_note("leads create/get/convert: ok");
}

/* Times: RFC 3339 with an offset, in the body and in the URL; replies in
 * the business time zone (CRM_TZ, Asia/Shanghai by default), with no
 * "<x>_us" twin, and an instant not set left out; a bad one is a 400
 * naming it; the old "<x>_us" key is an unknown field. */
static void test_times(void)
{
    t_resp_t r =
        s_expect(201, "POST", admin,
                 "{\"name\": \"时间\", \"next_followup_at\": \"2026-12-01T09:00:00+08:00\"}",
                 "/api/v1/leads");
    H_CHECK(!strcmp(t_json_str(&r, "next_followup_at"), "2026-12-01T09:00:00.000000+08:00"),
            "in and out: %s", r.raw);
    H_CHECK(!strstr(r.raw, "_us\"") && !json_object_get(r.body, "converted_at") &&
                !strncmp(t_json_str(&r, "created_at"), "20", 2) &&
                !strcmp(t_json_str(&r, "created_at") + 26, "+08:00"),
            "one form, zero left out: %s", r.raw);
    t_resp_free(&r);
    s_error(400, "invalid_argument", "/next_followup_at_us", "POST",
            "{\"name\": \"时间\", \"next_followup_at_us\": 1796086800000000}", "/api/v1/leads");
    r = s_expect(200, "GET", admin, NULL,
                 "/api/v1/leads?view=mine&next_followup_from=2026-12-01T08:59:00%2B08:00"
                 "&next_followup_to=2026-12-01T09:01:00%2B08:00");
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 1,
            "filtered by RFC 3339 times: %s", r.raw);
    t_resp_free(&r);
    s_error(400, "invalid_argument", "/next_followup_at", "POST",
            "{\"name\": \"时间\", \"next_followup_at\": \"2026-12-01 9am\"}", "/api/v1/leads");
    s_error(400, "invalid_argument", "created_from", "GET", NULL,
            "/api/v1/leads?created_from=yesterday");
    h_note("times: RFC 3339 accepted in bodies and URLs");
}

static void test_openapi(void)
{
    t_resp_t r = s_expect(200, "GET", NULL, NULL, "/api/v1/openapi.json");
    char *path = crm_sprintf("%s", __FILE__);
    *strstr(path, "tests/integration/") = 0;
    char *file = crm_sprintf("%sservices/gateway/openapi.json", path);
    json_t *doc = json_load_file(file, 0, NULL);
    H_CHECK(doc && json_equal(doc, r.body), "served document is %s", file);
    json_decref(doc);
    free(file);
    free(path);
    t_resp_free(&r);
    h_note("openapi served: ok");
}

static void test_rate_limit(void)
{
    char *token = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    int ok = 0, limited = 0;
    uint64_t t0 = crm_mono_ms(); /* the bucket refills 1 a second meanwhile */
    for (int i = 0; i < 60 && !limited; i++) {
        t_resp_t r;
        t_httpf(&r, "GET", base, token, NULL, "/api/v1/auth/me");
        if (r.status == 200) {
            ok++;
        } else {
            H_CHECK(r.status == 429 && !strcmp(t_err_code(&r), "rate_limited"), "%d %s", r.status,
                    r.raw);
            H_CHECK(atoi(r.retry_after) >= 1, "Retry-After: '%s'", r.retry_after);
            limited = 1;
        }
        t_resp_free(&r);
    }
    int refill = (int)((crm_mono_ms() - t0) / 1000) + 1;
    H_CHECK(limited && ok >= 20 && ok <= 20 + refill, "burst of 20 then 429: %d ok", ok);
    /* Another token has its own bucket. */
    t_resp_t r = s_expect(200, "GET", admin, NULL, "/api/v1/auth/me");
    t_resp_free(&r);
    free(token);

    /* Guessing tokens: each unknown token also costs the client's address. */
    int unknown = 0;
    t0 = crm_mono_ms();
    limited = 0;
    for (int i = 0; i < 60 && !limited; i++) {
        char guess[32];
        snprintf(guess, sizeof guess, "guess-%d", i);
        t_httpf(&r, "GET", base, guess, NULL, "/api/v1/auth/me");
        H_CHECK(r.status == 401 || r.status == 429, "%d %s", r.status, r.raw);
        unknown += r.status == 401;
        limited = r.status == 429;
        t_resp_free(&r);
    }
    refill = (int)((crm_mono_ms() - t0) / 1000) + 1;
    H_CHECK(limited && unknown <= 20 + refill, "guesses limited after %d", unknown);
    h_note("rate limit: ok");
}

/* A route whose method the service does not serve (an older service
 * behind a newer gateway): 501. The gateway is pointed at the leads
 * service for customers, which knows no Customers.* method. */
static void test_unimplemented(void)
{
    h_stop(h, "gateway", 0);
    char *kv = crm_sprintf("CRM_CUSTOMERS_RPC=%s", h_rpc(h, "leads"));
    h_setenv(h, kv);
    free(kv);
    h_gateway(h);
    s_error(501, "unimplemented", NULL, "GET", NULL, "/api/v1/customers/1");
    t_resp_t r = s_expect(501, "GET", admin, NULL, "/api/v1/customers/1");
    H_CHECK(strstr(t_json_str(&r, "detail"), "GET /api/v1/customers/{id}") &&
                !strstr(r.raw, "Customers."),
            "the route, not the RPC: %s", r.raw);
    t_resp_free(&r);
    h_note("unimplemented: ok");
}

/* A change is sent once: the leads service frozen past the deadline, the
 * create is answered 503, and when the service wakes exactly one lead is
 * made (a second attempt would have queued a second create). */
static void test_sent_once(void)
{
    h_proc_t *leads = h_proc(h, "leads", 0);
    h_signal(leads, SIGSTOP);
    s_error(503, "unavailable", NULL, "POST", "{\"name\": \"只建一次\"}", "/api/v1/leads");
    h_signal(leads, SIGCONT);
    H_CHECK(
        h_wait_sql(h, "leads", "SELECT count(*) FROM leads WHERE name = '只建一次'", 1, 10000) == 1,
        "the lead exists once");
    struct timespec ts = {0, 500 * 1000000}; /* a second copy would be right behind */
    nanosleep(&ts, NULL);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM leads WHERE name = '只建一次'") == 1,
            "and only once");
    h_note("a create is sent once: ok");
}

/* Idempotency-Key: the same key answers the same (one lead made), another
 * key makes another, and a bad key or a key on a GET is refused. */
static void test_idempotency_key(void)
{
    const char *body = "{\"name\": \"重试的创建\"}";
    t_http_header("Idempotency-Key: 7c1e9a34-create-once");
    t_resp_t a = s_expect(201, "POST", admin, body, "/api/v1/leads");
    t_http_header("Idempotency-Key: 7c1e9a34-create-once");
    t_resp_t b = s_expect(201, "POST", admin, body, "/api/v1/leads");
    H_CHECK(t_json_int(&a, "id") > 0 && t_json_int(&a, "id") == t_json_int(&b, "id"),
            "a retry with the key answers the first: %s / %s", a.raw, b.raw);
    t_resp_free(&a);
    t_resp_free(&b);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM leads WHERE name = '重试的创建'") == 1,
            "made once");
    t_http_header("Idempotency-Key: another-key");
    t_resp_t c = s_expect(201, "POST", admin, body, "/api/v1/leads");
    t_resp_free(&c);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM leads WHERE name = '重试的创建'") == 2,
            "another key, another lead");
    t_http_header("Idempotency-Key: has space");
    s_error(400, "invalid_argument", "Idempotency-Key", "POST", body, "/api/v1/leads");
    t_http_header("Idempotency-Key: 0123456789012345678901234567890123456789x");
    s_error(400, "invalid_argument", "Idempotency-Key", "POST", body, "/api/v1/leads");
    t_http_header("Idempotency-Key: k1");
    s_error(400, "invalid_argument", "Idempotency-Key", "GET", NULL, "/api/v1/leads/1");
    h_note("Idempotency-Key: ok");
}

static void test_readiness(void)
{
    t_resp_t r = s_expect(200, "GET", NULL, NULL, "/readyz");
    H_CHECK(!strcmp(t_json_str(&r, "services.leads.status"), "ok"), "%s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "services.leads.checks.0.name"), "database"), "%s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "gateway.status"), "ok"), "%s", r.raw);
    t_resp_free(&r);
    h_stop(h, "leads", 0);
    r = s_expect(503, "GET", NULL, NULL, "/readyz");
    H_CHECK(!strcmp(t_json_str(&r, "services.leads.status"), "unavailable"), "%s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "unavailable"), "%s", r.raw);
    t_resp_free(&r);
    s_error(503, "unavailable", NULL, "GET", NULL, "/api/v1/leads/1");
    r = s_expect(200, "GET", NULL, NULL, "/healthz");
    t_resp_free(&r);
    h_note("readiness: ok");
}

int main(void)
{
    h = h_new("gateway_api");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    h_setenv(h, "CRM_HTTP_MAX_BODY=4096");
    h_setenv(h, "CRM_RATE_LIMIT_RPS=1");
    h_setenv(h, "CRM_RATE_LIMIT_BURST=20");
    h_setenv(h, "CRM_RPC_DEADLINE_MS=500");
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    test_rate_limit();
    /* The admin's bucket: the remaining tests send fewer than 20 each second. */
    h_stop(h, "gateway", 0);
    h_setenv(h, "CRM_RATE_LIMIT_RPS=1000");
    h_setenv(h, "CRM_RATE_LIMIT_BURST=1000");
    h_gateway(h);
    free(admin);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    test_bad_input();
    test_leads();
    test_times();
    test_idempotency_key();
    test_openapi();
    test_unimplemented();
    test_sent_once();
    test_readiness();
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
