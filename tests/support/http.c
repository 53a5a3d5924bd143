/* http.c: a small HTTP/JSON client for the gateway's tests (see http.h). */
#include "http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness.h"

static CURL *s_curl;

static void s_cleanup(void)
{
    curl_easy_cleanup(s_curl);
    curl_global_cleanup();
}

typedef struct {
    char *data;
    size_t len;
} s_buf_t;

static size_t s_on_body(char *p, size_t size, size_t n, void *arg)
{
    s_buf_t *b = arg;
    b->data = crm_realloc(b->data, b->len + size * n + 1);
    memcpy(b->data + b->len, p, size * n);
    b->len += size * n;
    b->data[b->len] = 0;
    return size * n;
}

/* Copies the value of header line p (len bytes) named name into out. */
static void s_header(const char *p, size_t len, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    if (len <= k || strncasecmp(p, name, k) != 0)
        return;
    p += k;
    len -= k;
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
        len--;
    snprintf(out, cap, "%.*s", (int)len, p);
}

static size_t s_on_header(char *p, size_t size, size_t n, void *arg)
{
    t_resp_t *r = arg;
    size_t len = size * n;
    s_header(p, len, "Content-Type:", r->content_type, sizeof r->content_type);
    s_header(p, len, "Location:", r->location, sizeof r->location);
    s_header(p, len, "Content-Disposition:", r->disposition, sizeof r->disposition);
    s_header(p, len, "Transfer-Encoding:", r->encoding, sizeof r->encoding);
    s_header(p, len, "X-Request-Id:", r->request_id, sizeof r->request_id);
    if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        size_t k = 0;
        for (size_t i = 12; i < len && k < sizeof r->retry_after - 1; i++)
            if (p[i] >= '0' && p[i] <= '9')
                r->retry_after[k++] = p[i];
        r->retry_after[k] = 0;
    }
    return len;
}

void t_http_after_fork(void)
{
    if (s_curl)
        curl_easy_cleanup(s_curl); /* the parent's connections stay the parent's */
    s_curl = curl_easy_init();
}

static const char *s_extra; /* t_http_header: one header for the next request */

void t_http_header(const char *header)
{
    s_extra = header;
}

/* Sends method url with body[0..len) of content type ctype (NULL body:
 * none; NULL ctype: JSON unless t_http_header named one). */
static void s_http(t_resp_t *r, const char *method, const char *url, const char *token,
                   const void *body, size_t len, const char *ctype)
{
    if (!s_curl) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        s_curl = curl_easy_init();
        atexit(s_cleanup);
    }
    memset(r, 0, sizeof *r);
    s_buf_t b = {crm_strdup(""), 0};
    CURL *c = s_curl;
    curl_easy_reset(c);
    struct curl_slist *hdrs = NULL;
    char auth[512];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    int own_type = s_extra && strncasecmp(s_extra, "Content-Type:", 13) == 0;
    if (s_extra) {
        hdrs = curl_slist_append(hdrs, s_extra);
        s_extra = NULL;
    }
    char type[160];
    if (body) {
        snprintf(type, sizeof type, "Content-Type: %s", ctype ? ctype : "application/json");
        if (!own_type)
            hdrs = curl_slist_append(hdrs, type);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "GET") && !body)
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    H_CHECK(rc == CURLE_OK, "%s %s: %s", method, url, curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    r->status = (int)status;
    r->raw = b.data;
    r->len = b.len;
    r->body = json_loads(b.data, 0, NULL);
}

void t_http(t_resp_t *r, const char *method, const char *url, const char *token, const char *body)
{
    s_http(r, method, url, token, body, body ? strlen(body) : 0, NULL);
}

void t_http_bytes(t_resp_t *r, const char *method, const char *url, const char *token,
                  const void *body, size_t len, const char *content_type)
{
    s_http(r, method, url, token, body, len, content_type);
}

void t_httpf(t_resp_t *r, const char *method, const char *base, const char *token, const char *body,
             const char *path_fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, path_fmt);
    vsnprintf(path, sizeof path, path_fmt, ap);
    va_end(ap);
    char *url = crm_sprintf("%s%s", base, path);
    t_http(r, method, url, token, body);
    free(url);
}

void t_resp_free(t_resp_t *r)
{
    free(r->raw);
    json_decref(r->body);
    memset(r, 0, sizeof *r);
}

static json_t *s_path(const t_resp_t *r, const char *path)
{
    json_t *j = r->body;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
        j = json_is_array(j) ? json_array_get(j, strtoul(k, NULL, 10)) : json_object_get(j, k);
    return j;
}

const char *t_err_code(const t_resp_t *r)
{
    return t_json_str(r, "code");
}

const char *t_err_field(const t_resp_t *r)
{
    static const char *const where[] = {"errors.0.pointer", "errors.0.parameter",
                                        "errors.0.header"};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
        if (*t_json_str(r, where[i]))
            return t_json_str(r, where[i]);
    return "";
}

long long t_json_int(const t_resp_t *r, const char *path)
{
    json_t *j = s_path(r, path);
    return json_is_integer(j) ? (long long)json_integer_value(j) : 0;
}

const char *t_json_str(const t_resp_t *r, const char *path)
{
    json_t *j = s_path(r, path);
    return json_is_string(j) ? json_string_value(j) : "";
}

t_resp_t t_expect(int want, const char *method, const char *base, const char *token,
                  const char *body, const char *path)
{
    t_resp_t r;
    t_httpf(&r, method, base, token, body, "%s", path);
    H_CHECK(r.status == want, "%s %s: got %d, want %d: %s", method, path, r.status, want, r.raw);
    return r;
}

long long t_created(const char *base, const char *token, const char *path, const char *body)
{
    t_resp_t r = t_expect(201, "POST", base, token, body, path);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    return id;
}

void t_expect_error(int want, const char *code, const char *field, const char *method,
                    const char *base, const char *token, const char *body, const char *path)
{
    t_resp_t r = t_expect(want, method, base, token, body, path);
    H_CHECK(!strcmp(t_err_code(&r), code), "%s %s: code '%s', want %s", method, path,
            t_err_code(&r), code);
    if (field)
        H_CHECK(!strcmp(t_err_field(&r), field), "%s %s: field '%s', want %s", method, path,
                t_err_field(&r), field);
    H_CHECK(!strcmp(r.content_type, "application/problem+json"), "%s %s: Content-Type '%s'", method,
            path, r.content_type);
    H_CHECK(t_json_int(&r, "status") == want && *t_json_str(&r, "type") &&
                *t_json_str(&r, "title") && *t_json_str(&r, "detail"),
            "%s %s: a problem document: %s", method, path, r.raw);
    t_resp_free(&r);
}

int t_listed(const char *base, const char *token, const char *path, long long id)
{
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    json_t *items = json_object_get(r.body, "items");
    int found = 0;
    for (size_t i = 0; i < json_array_size(items); i++)
        found |= json_integer_value(json_object_get(json_array_get(items, i), "id")) == id;
    t_resp_free(&r);
    return found;
}

int t_exported(const char *base, const char *token, const char *path, long long id)
{
    t_resp_t r = t_expect(200, "GET", base, token, NULL, path);
    char row[40];
    snprintf(row, sizeof row, "\r\n%lld,", id);
    int found = strstr(r.raw, row) != NULL;
    t_resp_free(&r);
    return found;
}

char *t_login(const char *base, const char *user, const char *password)
{
    char *body = crm_sprintf("{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    t_resp_t r;
    t_httpf(&r, "POST", base, NULL, body, "/api/v1/auth/login");
    free(body);
    H_CHECK(r.status == 200, "login %s: %d %s", user, r.status, r.raw);
    char *token = crm_strdup(t_json_str(&r, "token"));
    t_resp_free(&r);
    return token;
}

long long t_new_dept(const char *base, const char *admin, const char *name, long long parent)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"parent_id\":%lld}", name, parent);
    t_resp_t r = t_expect(201, "POST", base, admin, body, "/api/v1/departments");
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    return id;
}

char *t_new_user(const char *base, const char *admin, const char *name, const char *role,
                 long long dept, long long *id)
{
    char *body = crm_sprintf("{\"username\":\"%s\",\"password\":\"initial-pw\","
                             "\"department_id\":%lld,\"role\":\"%s\"}",
                             name, dept, role);
    t_resp_t r = t_expect(201, "POST", base, admin, body, "/api/v1/users");
    *id = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    char *token = t_login(base, name, "initial-pw");
    r = t_expect(200, "POST", base, token,
                 "{\"old_password\":\"initial-pw\",\"new_password\":\"a-better-one\"}",
                 "/api/v1/auth/password");
    t_resp_free(&r);
    return token;
}

long long t_run_job(h_t *h, const char *base, const char *admin, const char *job)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/scheduler/jobs/%s/run", job);
    t_resp_t r = t_expect(200, "POST", base, admin, "{}", path);
    long long run = t_json_int(&r, "runs");
    t_resp_free(&r);
    char *sql = crm_sprintf("SELECT count(*) FROM scheduler_runs WHERE job = '%s' AND run = %lld"
                            " AND outcome = 1",
                            job, run);
    int64_t done = h_wait_sql(h, "scheduler", sql, 1, 20000);
    free(sql);
    H_CHECK(done == 1, "run %lld of %s done within 20 s", run, job);
    return run;
}

void t_advance_and_run(h_t *h, const char *base, long long seconds, const char *svc,
                       const char *job)
{
    h_clock_advance(seconds);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    t_run_job(h, base, admin, job);
    free(admin);
    h_wait_consumed(h, svc, "scheduler");
}

void t_job_postpone(h_t *h, const char *job)
{
    h_execf(h, "scheduler",
            "UPDATE scheduler_jobs SET override_spec = 'every 31622400',"
            " next_fire_at = now() + interval '1 year' WHERE name = '%s'",
            job);
}

long long t_sales_customer(h_t *h, const char *base, const char *admin, const char *name,
                           long long owner)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld}", name, owner);
    long long id = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    char *sql = crm_sprintf("SELECT count(*) FROM sales_customers WHERE id = %lld", id);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "sales knows customer %lld", id);
    free(sql);
    return id;
}

int t_raw_connect(const char *base)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_port = htons((uint16_t)atoi(strrchr(base, ':') + 1));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    H_CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect to %s", base);
    return fd;
}

void t_raw_write(int fd, const char *text)
{
    size_t n = strlen(text);
    H_CHECK(write(fd, text, n) == (ssize_t)n, "write %zu bytes", n);
}

int t_raw_status(int fd, int timeout_ms)
{
    char buf[4096];
    size_t have = 0;
    uint64_t until = crm_mono_ms() + (uint64_t)timeout_ms;
    while (have < 12 || !memmem(buf, have, "\r\n\r\n", 4)) {
        int left = (int)(until - crm_mono_ms());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        H_CHECK(left > 0 && poll(&p, 1, left) == 1, "no response within %d ms", timeout_ms);
        ssize_t n = read(fd, buf + have, sizeof buf - have - 1);
        H_CHECK(n > 0, "connection closed before a response");
        have += (size_t)n;
        buf[have] = 0;
    }
    return atoi(buf + 9); /* "HTTP/1.1 200 ..." */
}

const char *t_leads_gateway(h_t *h, char **admin)
{
    h_suite(h, 1, 0, 0, 0);
    h_start_all(h);
    const char *base = h_gateway(h);
    *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    return base;
}
