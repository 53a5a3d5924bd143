/* test_gateway_export.c: GET /api/v1/leads/export (docs/api.md, "Exports")
 * against the list it exports, through a real gateway and leads service,
 * with pages of 7 rows so every export crosses many pages:
 *
 *   - a filtered, sorted export as CSV and as XLSX equals the list read
 *     through the JSON API with the same query: the same ids in the same
 *     order, every value as the JSON reply has it (a CSV cell a formula
 *     would start guarded with '), people's names beside their ids, a
 *     header of the fields' names, the byte order mark, the file's name;
 *   - a sales user exports only their own leads (the service's scope);
 *   - refusals before the first byte are problem documents: a bad format
 *     (400 naming format), limit, cursor, a bad filter, the list's own
 *     error from its first page, a second spreadsheet at once (429);
 *   - 3,000 leads stream (chunked) and equal the list, as CSV and as XLSX
 *     (in sheets of 1,000 rows here: leads, leads 2, ...);
 *   - a client that leaves mid-stream costs nothing (the gateway goes on,
 *     and exits clean: no leak under the sanitizers);
 *   - a failure mid-stream (the leads service killed) ends the body
 *     without its last chunk, so the file does not look complete. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/csv.h"
#include "crm/util.h"
#include "http.h"
#include "suite.h"
#include "export_check.h"
#include "xlsx.h"

#define BULK 3000
#define SHEET_ROWS 1000 /* CRM_EXPORT_SHEET_ROWS: 3,016 leads take 4 sheets */

static h_t *h;
static const char *base;
static char *admin, *sales, *other;
static long long sales_id, other_id;

/* ---- raw connections -------------------------------------------------------- */

/* Sends GET path with token on a new raw connection; returns it. */
static int s_raw_get(const char *path, const char *token)
{
    int fd = t_raw_connect(base);
    char *req =
        crm_sprintf("GET %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n\r\n", path, token);
    t_raw_write(fd, req);
    free(req);
    return fd;
}

/* Reads from fd until its head is in (returned, status in *status); what
 * came after it is appended to *body (*len bytes). */
static char *s_raw_head(int fd, int *status, char **body, size_t *len)
{
    char *buf = NULL;
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        H_CHECK(poll(&p, 1, 20000) == 1, "no response head within 20 s");
        buf = crm_realloc(buf, have + 65536 + 1);
        ssize_t n = read(fd, buf + have, 65536);
        H_CHECK(n > 0, "connection closed before the head");
        have += (size_t)n;
        buf[have] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    size_t head = (size_t)(end - buf) + 4;
    *status = atoi(buf + 9);
    *body = crm_malloc(have - head + 1);
    memcpy(*body, buf + head, have - head);
    *len = have - head;
    buf[head] = 0;
    return buf;
}

/* Reads fd to its end (the peer closes) onto body. */
static void s_raw_rest(int fd, char **body, size_t *len, size_t stop_at)
{
    for (;;) {
        if (stop_at && *len >= stop_at)
            return;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        H_CHECK(poll(&p, 1, 30000) == 1, "the body did not end within 30 s (%zu bytes)", *len);
        *body = crm_realloc(*body, *len + 65536 + 1);
        ssize_t n = read(fd, *body + *len, 65536);
        if (n <= 0)
            return;
        *len += (size_t)n;
    }
}

/* The chunked body b[0..len): its data decoded into *out (*out_len); 1 if
 * it ends with the last (zero) chunk, 0 if it stops before. */
static int s_dechunk(const char *b, size_t len, char **out, size_t *out_len)
{
    size_t at = 0;
    *out = crm_malloc(len + 1);
    *out_len = 0;
    for (;;) {
        const char *crlf = memmem(b + at, len - at, "\r\n", 2);
        if (!crlf)
            return 0;
        size_t size = strtoul(b + at, NULL, 16);
        at = (size_t)(crlf - b) + 2;
        if (size == 0)
            return len - at >= 2 && !memcmp(b + at, "\r\n", 2);
        if (len - at < size + 2)
            return 0;
        memcpy(*out + *out_len, b + at, size);
        *out_len += size;
        at += size + 2;
    }
}

/* ---- pages of a walk ------------------------------------------------------------ */

typedef struct {
    int done;
    Crm__Status status;
    char field[32];
    size_t items;
} s_page_t;

static void s_paged(void *arg, const crm_rpc_result_t *res)
{
    s_page_t *p = arg;
    p->done = 1;
    p->status = res->status;
    snprintf(p->field, sizeof p->field, "%s", res->field ? res->field : "");
    if (res->status == CRM__STATUS__OK)
        p->items = ((const Crm__Leads__LeadList *)res->payload)->n_items;
}

/* Leads.List of limit rows as the system, walking or not. */
static s_page_t s_rpc_page(int limit, int walk)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    crm_rpc_client_t *c = crm_rpc_client_new(&loop, t_zctx(), h_rpc(h, "leads"), 10000, 1);
    Crm__Leads__ListLeadsRequest req = CRM__LEADS__LIST_LEADS_REQUEST__INIT;
    req.limit = limit;
    crm_rpc_opts_t opts = {.walk = walk};
    s_page_t p = {0};
    H_CHECK(crm_rpc_call_with(c, "Leads.List", &req.base, &crm__leads__lead_list__descriptor, NULL,
                              &opts, s_paged, &p) == 0,
            "Leads.List not sent");
    while (!p.done)
        uv_run(&loop, UV_RUN_ONCE);
    crm_rpc_client_destroy(&c);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return p;
}

/* ---- the data --------------------------------------------------------------- */

/* A lead of owner, made by the admin. */
static void s_lead(const char *name, long long owner, int i, const char *source, int tags)
{
    json_t *body = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s}", "name", name, "owner_id",
                             (json_int_t)owner, "department_id", (json_int_t)1, "mobile", "",
                             "company", name, "remark", i % 2 ? "备注, 有逗号" : "");
    char mobile[16];
    snprintf(mobile, sizeof mobile, "139%08lld", owner * 1000 + i);
    json_object_set_new(body, "mobile", json_string(mobile));
    if (source)
        json_object_set_new(body, "source", json_string(source));
    if (tags)
        json_object_set_new(body, "tags", json_pack("[s, s]", "vip", "重点"));
    if (i % 3 == 0)
        json_object_set_new(body, "next_followup_at", json_string("2030-01-02T09:00:00+08:00"));
    char *text = json_dumps(body, JSON_COMPACT);
    t_resp_t r = t_expect(201, "POST", base, admin, text, "/api/v1/leads");
    t_resp_free(&r);
    free(text);
    json_decref(body);
}

int main(void)
{
    h = h_new("gateway_export");
    h_suite(h, 1, 0, 0, 0);
    h_setenv(h, "CRM_EXPORT_PAGE=7");
    h_setenv(h, "CRM_EXPORT_XLSX_MAX=1");
    h_setenv(h, "CRM_EXPORT_SHEET_ROWS=1000");
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    sales = t_new_user(base, admin, "sales", "employee", 1, &sales_id);
    other = t_new_user(base, admin, "other", "employee", 1, &other_id);

    /* Names a CSV writer must quote, and ones a spreadsheet would run. */
    static const char *const tricky[] = {"普通线索", "逗号,公司", "引号\"名\"", "两行\n名字",
                                         "=1+1",     "+1-2",      "-5",         "@SUM(A1)"};
    for (int i = 0; i < 16; i++)
        s_lead(tricky[i % 8], sales_id, i, i % 2 ? "广告" : NULL, i % 4 == 1);
    for (int i = 0; i < 5; i++)
        s_lead("别人的线索", other_id, i, "广告", 0);

    /* A filtered, sorted list: CSV and XLSX equal the JSON API's pages. */
    const char *q = "source=%E5%B9%BF%E5%91%8A&sort=updated_at&ascending=true";
    json_t *items = t_list_all(base, admin, "/api/v1/leads", q);
    H_CHECK(json_array_size(items) == 13, "the filter: %zu", json_array_size(items));
    t_export_matches(h, base, admin, "/api/v1/leads", "leads", SHEET_ROWS, q, items,
                     "a filtered list");
    t_resp_t r;
    t_httpf(&r, "GET", base, admin, NULL, "/api/v1/leads/export?%s", q); /* csv by default */
    t_export_csv(&r, "leads", items, "csv by default");
    H_CHECK(strstr(r.raw, ",'+1-2,") && strstr(r.raw, ",'@SUM(A1),") &&
                strstr(r.raw, ",\"两行\n名字\","),
            "the formula guard and the quoting are in the file");
    H_CHECK(strstr(r.raw, ",vip;重点,") && strstr(r.raw, ",sales,"), "tags and names: %s", r.raw);
    t_resp_free(&r);
    json_decref(items);
    h_note("a filtered list: csv and xlsx equal its JSON pages");

    /* Nothing matches: the header alone. */
    json_t *none = json_array();
    t_export_matches(h, base, admin, "/api/v1/leads", "leads", SHEET_ROWS, "source=nothing", none,
                     "an empty list");
    json_decref(none);

    /* Scope: a sales user exports their own leads, and only those. */
    items = t_list_all(base, sales, "/api/v1/leads", "");
    H_CHECK(json_array_size(items) == 16, "sales sees %zu", json_array_size(items));
    t_httpf(&r, "GET", base, sales, NULL, "/api/v1/leads/export");
    t_export_csv(&r, "leads", items, "sales' csv");
    H_CHECK(!strstr(r.raw, "别人的线索"), "another's lead in a sales user's export");
    t_resp_free(&r);
    json_decref(items);
    h_note("scope: a sales user exports their own leads only");

    /* Refusals before the first byte: the field at fault, the query. */
    static const char *const refused[][2] = {
        {"format", "format=pdf"},      {"format", "format=csv&format=xlsx"},
        {"limit", "limit=5"},          {"cursor", "cursor=abc"},
        {"statuses", "statuses=nope"}, {"pool_id", "view=pool"}, /* the list's own, page 1 */
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char *path = crm_sprintf("/api/v1/leads/export?%s", refused[i][1]);
        t_expect_error(400, "invalid_argument", refused[i][0], "GET", base, admin, NULL, path);
        free(path);
    }
    t_expect_error(401, "unauthenticated", NULL, "GET", base, NULL, NULL, "/api/v1/leads/export");
    h_note("refusals: problem documents naming format, limit, cursor, statuses, pool_id");

    /* Many pages: 3,000 more leads, streamed. */
    char *sql = crm_sprintf(
        "INSERT INTO leads (name, mobile, owner_id, department_id, creator_id, status, tags,"
        " created_at, updated_at, owner_since) SELECT '批量线索' || g, '137' || lpad(g::text, 8,"
        " '0'), %lld, 1, 1, 2, ARRAY['批量'], now() - g * interval '1 minute', now(), now()"
        " FROM generate_series(1, %d) g",
        sales_id, BULK);
    PQclear(h_sql(h, "leads", sql));
    free(sql);
    items = t_list_all(base, sales, "/api/v1/leads", "");
    H_CHECK(json_array_size(items) == 16 + BULK, "sales sees %zu", json_array_size(items));
    t_export_matches(h, base, sales, "/api/v1/leads", "leads", SHEET_ROWS, "", items,
                     "3,016 leads");
    json_decref(items);
    h_note("3,016 leads in pages of 7: csv (chunked) and xlsx equal the list");

    /* The larger pages of a walk are the export's own: a list's limit
     * stays 1 to 200 for everyone else. */
    t_expect_error(400, "invalid_argument", "limit", "GET", base, admin, NULL,
                   "/api/v1/leads?limit=1000");
    s_page_t page = s_rpc_page(1000, 0);
    H_CHECK(page.status == CRM__STATUS__INVALID_ARGUMENT && !strcmp(page.field, "limit"),
            "a page of 1,000 without walking: %d %s", page.status, page.field);
    page = s_rpc_page(5000, 1);
    H_CHECK(page.status == CRM__STATUS__OK &&
                page.items == 21 + BULK, /* every lead: fewer than 5,000 */
            "a walk's page of up to 5,000: %d, %zu items", page.status, page.items);
    page = s_rpc_page(5001, 1);
    H_CHECK(page.status == CRM__STATUS__INVALID_ARGUMENT, "a walk's page of 5,001: %d",
            page.status);
    h_note("pages over 200 rows only for a walk (Request.walk), up to 5,000");

    /* One spreadsheet at a time here (CRM_EXPORT_XLSX_MAX=1): of two asked
     * at once (each 431 pages long), one is built, the other refused. */
    int fds[2] = {s_raw_get("/api/v1/leads/export?format=xlsx", admin),
                  s_raw_get("/api/v1/leads/export?format=xlsx", admin)};
    int status, statuses[2], built = -1;
    char *body, *heads[2], *bodies[2];
    size_t len, lens[2];
    for (int k = 0; k < 2; k++) {
        heads[k] = s_raw_head(fds[k], &statuses[k], &bodies[k], &lens[k]);
        built = statuses[k] == 200 ? k : built;
    }
    H_CHECK(built >= 0 && statuses[1 - built] == 429, "two spreadsheets at once: %d and %d",
            statuses[0], statuses[1]);
    H_CHECK(strcasestr(heads[1 - built], "retry-after:") &&
                strcasestr(heads[1 - built], "application/problem+json"),
            "the refused one: %s", heads[1 - built]);
    const char *cl = strcasestr(heads[built], "content-length:");
    H_CHECK(cl, "the built one has a length: %s", heads[built]);
    size_t want = strtoul(cl + 15, NULL, 10);
    s_raw_rest(fds[built], &bodies[built], &lens[built], want);
    H_CHECK(lens[built] == want && !memcmp(bodies[built], "PK", 2),
            "the spreadsheet built: %zu of %zu bytes", lens[built], want);
    for (int k = 0; k < 2; k++) {
        close(fds[k]);
        free(heads[k]);
        free(bodies[k]);
    }
    h_note("two spreadsheets at once: one 429, the other arrives whole (Content-Length)");

    /* A client that leaves mid-stream. */
    int fd = s_raw_get("/api/v1/leads/export", admin);
    free(s_raw_head(fd, &status, &body, &len));
    free(body);
    close(fd);
    t_httpf(&r, "GET", base, sales, NULL, "/api/v1/leads/export?%s", q);
    H_CHECK(r.status == 200, "the next export: %d", r.status);
    t_resp_free(&r);
    h_note("a client that leaves mid-stream: the gateway goes on");

    /* A failure mid-stream: the body ends without its last chunk. */
    fd = s_raw_get("/api/v1/leads/export", admin);
    char *head = s_raw_head(fd, &status, &body, &len);
    H_CHECK(status == 200 && strcasestr(head, "transfer-encoding: chunked"), "%s", head);
    h_kill(h, "leads", 0);
    s_raw_rest(fd, &body, &len, 0);
    close(fd);
    char *csv;
    size_t csv_len;
    H_CHECK(!s_dechunk(body, len, &csv, &csv_len), "a failed export looks complete");
    H_CHECK(csv_len > 3 && !memcmp(csv, "\xEF\xBB\xBF", 3), "the part sent is the file's start");
    H_CHECK(h_log_count(h, "gateway", 0, "export ended unfinished", NULL) == 1,
            "the gateway logs the unfinished export");
    h_note("a failure mid-stream: %zu bytes, then the connection closes without the last chunk",
           csv_len);
    free(csv);
    free(head);
    free(body);

    h_stop(h, "gateway", 0); /* exits clean: nothing of the exports is left */
    free(admin);
    free(sales);
    free(other);
    h_destroy(&h);
    printf("gateway_export: ok\n");
    return 0;
}
