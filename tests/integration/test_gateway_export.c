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
#include "xlsx.h"

#define BULK 3000
#define SHEET_ROWS 1000 /* CRM_EXPORT_SHEET_ROWS: 3,016 leads take 4 sheets */

static h_t *h;
static const char *base;
static char *admin, *sales, *other;
static long long sales_id, other_id;

/* ---- the list through the JSON API ------------------------------------- */

/* Every item of GET /api/v1/leads?<query> as token sees it, page by page. */
static json_t *s_list_all(const char *token, const char *query)
{
    json_t *all = json_array();
    char cursor[512] = "";
    do {
        t_resp_t r;
        t_httpf(&r, "GET", base, token, NULL, "/api/v1/leads?limit=200&%s%s%s", query,
                *cursor ? "&cursor=" : "", cursor);
        H_CHECK(r.status == 200, "list %s: %d %s", query, r.status, r.raw);
        json_array_extend(all, json_object_get(r.body, "items"));
        snprintf(cursor, sizeof cursor, "%s", t_json_str(&r, "next_cursor"));
        t_resp_free(&r);
    } while (*cursor);
    return all;
}

/* A JSON value as one cell's text: a list joined by ';'. */
static char *s_text(json_t *v)
{
    if (!v || json_is_null(v))
        return crm_strdup("");
    if (json_is_string(v))
        return crm_strdup(json_string_value(v));
    if (json_is_integer(v))
        return crm_sprintf("%lld", (long long)json_integer_value(v));
    if (json_is_boolean(v))
        return crm_strdup(json_is_true(v) ? "true" : "false");
    if (json_is_array(v)) {
        char *out = crm_strdup("");
        for (size_t i = 0; i < json_array_size(v); i++) {
            char *e = s_text(json_array_get(v, i));
            char *joined = crm_sprintf("%s%s%s", out, i ? ";" : "", e);
            free(out);
            free(e);
            out = joined;
        }
        return out;
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The CSV cell of a JSON value: text a spreadsheet would take for a
 * formula gets a leading ' (the suite's words and numbers never start so). */
static char *s_csv_cell(json_t *v)
{
    char *t = s_text(v);
    if (!strchr("=+-@\t\r", t[0]) || !t[0])
        return t;
    char *guarded = crm_sprintf("'%s", t);
    free(t);
    return guarded;
}

/* ---- CSV ------------------------------------------------------------------ */

/* r is the CSV export of items (the JSON list, in order). */
static void s_check_csv(const t_resp_t *r, json_t *items, const char *what)
{
    H_CHECK(r->status == 200, "%s: %d %s", what, r->status, r->raw);
    H_CHECK(!strcmp(r->content_type, "text/csv; charset=utf-8"), "%s: type %s", what,
            r->content_type);
    H_CHECK(!strncmp(r->disposition, "attachment; filename=\"leads-", 28) &&
                strstr(r->disposition, ".csv\""),
            "%s: Content-Disposition %s", what, r->disposition);
    H_CHECK(r->len >= 3 && !memcmp(r->raw, "\xEF\xBB\xBF", 3), "%s: no byte order mark", what);
    H_CHECK(strstr(r->raw, "\r\n") != NULL, "%s: records end with CRLF", what);
    crm_csv_t *csv = crm_csv_new(r->raw, r->len);
    char **f;
    size_t n, ncols;
    H_CHECK(crm_csv_next(csv, &f, &ncols) == 1, "%s: no header", what);
    char **cols = crm_calloc(ncols, sizeof *cols);
    for (size_t j = 0; j < ncols; j++)
        cols[j] = crm_strdup(f[j]);
    size_t row = 0;
    int rc;
    while ((rc = crm_csv_next(csv, &f, &n)) == 1) {
        json_t *item = json_array_get(items, row);
        H_CHECK(item, "%s: more rows than the list has (%zu)", what, json_array_size(items));
        H_CHECK(n == ncols, "%s: row %zu has %zu fields, the header %zu", what, row, n, ncols);
        for (size_t j = 0; j < ncols; j++) {
            char *want = s_csv_cell(json_object_get(item, cols[j]));
            H_CHECK(!strcmp(f[j], want), "%s: row %zu, %s: '%s', the list has '%s'", what, row,
                    cols[j], f[j], want);
            free(want);
        }
        const char *key;
        json_t *v;
        json_object_foreach(item, key, v)
        {
            size_t j = 0;
            while (j < ncols && strcmp(cols[j], key) != 0)
                j++;
            H_CHECK(j < ncols, "%s: no column %s", what, key);
        }
        row++;
    }
    H_CHECK(rc == 0, "%s: not CSV: %s", what, crm_csv_error(csv));
    H_CHECK(row == json_array_size(items), "%s: %zu rows, the list has %zu", what, row,
            json_array_size(items));
    for (size_t j = 0; j < ncols; j++)
        free(cols[j]);
    free(cols);
    crm_csv_destroy(&csv);
}

/* ---- XLSX ----------------------------------------------------------------- */

/* The cell a JSON value is in the spreadsheet: strings as they are (a
 * string cell is never a formula), numbers, booleans, lists joined; an
 * empty cell for what the reply leaves out and for empty text. */
static json_t *s_xlsx_cell(json_t *v)
{
    if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
        (json_is_string(v) && !*json_string_value(v)))
        return json_null();
    if (json_is_string(v) || json_is_integer(v) || json_is_boolean(v))
        return json_incref(v);
    char *t = s_text(v);
    json_t *s = json_string(t);
    free(t);
    return s;
}

/* r is the XLSX export of items: sheets "leads", "leads 2", ... of
 * SHEET_ROWS rows each (CRM_EXPORT_SHEET_ROWS), each with the header. */
static void s_check_xlsx(const t_resp_t *r, json_t *items, const char *what)
{
    H_CHECK(r->status == 200, "%s: %d %s", what, r->status, r->raw);
    H_CHECK(!strcmp(r->content_type,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "%s: type %s", what, r->content_type);
    H_CHECK(strstr(r->disposition, "filename=\"leads-") && strstr(r->disposition, ".xlsx\""),
            "%s: Content-Disposition %s", what, r->disposition);
    json_t *doc = t_xlsx_sheets(h, r->raw, r->len);
    json_t *sheets = json_object_get(doc, "sheets");
    size_t n = json_array_size(items), item = 0;
    size_t want_sheets = n > SHEET_ROWS - 1 ? (n + SHEET_ROWS - 2) / (SHEET_ROWS - 1) : 1;
    H_CHECK(json_array_size(sheets) == want_sheets, "%s: %zu sheets, want %zu", what,
            json_array_size(sheets), want_sheets);
    json_t *head = json_array_get(json_object_get(json_array_get(sheets, 0), "rows"), 0);
    for (size_t k = 0; k < json_array_size(sheets); k++) {
        json_t *sheet = json_array_get(sheets, k), *rows = json_object_get(sheet, "rows");
        char name[32];
        snprintf(name, sizeof name, k ? "leads %zu" : "leads", k + 1);
        H_CHECK(!strcmp(json_string_value(json_object_get(sheet, "name")), name), "%s: sheet %s",
                what, json_string_value(json_object_get(sheet, "name")));
        H_CHECK(json_equal(json_array_get(rows, 0), head), "%s: sheet %s has no header", what,
                name);
        H_CHECK(json_array_size(rows) <= SHEET_ROWS, "%s: %zu rows in %s", what,
                json_array_size(rows), name);
        for (size_t i = 1; i < json_array_size(rows); i++, item++) {
            json_t *want = json_array_get(items, item), *row = json_array_get(rows, i);
            H_CHECK(want, "%s: more rows than the list has (%zu)", what, json_array_size(items));
            for (size_t j = 0; j < json_array_size(head); j++) {
                const char *col = json_string_value(json_array_get(head, j));
                json_t *cell = s_xlsx_cell(json_object_get(want, col)),
                       *got = json_array_get(row, j);
                if (!json_equal(cell, got)) {
                    char *g = json_dumps(got, JSON_ENCODE_ANY),
                         *w = json_dumps(cell, JSON_ENCODE_ANY);
                    H_CHECK(0, "%s: row %zu, %s: %s, the list has %s", what, item, col, g, w);
                }
                json_decref(cell);
            }
            H_CHECK(json_object_size(want) <= json_array_size(head), "%s: columns missing", what);
        }
    }
    H_CHECK(item == json_array_size(items), "%s: %zu rows, the list has %zu", what, item,
            json_array_size(items));
    json_decref(doc);
}

/* GET /api/v1/leads/export?<query> as token, as CSV (streamed: chunked)
 * and as XLSX: each is items. */
static void s_check_both(const char *token, const char *query, json_t *items, const char *what)
{
    static const char *const formats[] = {"csv", "xlsx"};
    for (int k = 0; k < 2; k++) {
        t_resp_t r;
        char label[96];
        t_httpf(&r, "GET", base, token, NULL, "/api/v1/leads/export?format=%s&%s", formats[k],
                query);
        snprintf(label, sizeof label, "%s as %s", what, formats[k]);
        if (k == 0) {
            H_CHECK(!strcmp(r.encoding, "chunked"), "%s: Transfer-Encoding '%s'", label,
                    r.encoding);
            s_check_csv(&r, items, label);
        } else {
            s_check_xlsx(&r, items, label);
        }
        t_resp_free(&r);
    }
}

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
    json_t *items = s_list_all(admin, q);
    H_CHECK(json_array_size(items) == 13, "the filter: %zu", json_array_size(items));
    s_check_both(admin, q, items, "a filtered list");
    t_resp_t r;
    t_httpf(&r, "GET", base, admin, NULL, "/api/v1/leads/export?%s", q); /* csv by default */
    s_check_csv(&r, items, "csv by default");
    H_CHECK(strstr(r.raw, ",'+1-2,") && strstr(r.raw, ",'@SUM(A1),") &&
                strstr(r.raw, ",\"两行\n名字\","),
            "the formula guard and the quoting are in the file");
    H_CHECK(strstr(r.raw, ",vip;重点,") && strstr(r.raw, ",sales,"), "tags and names: %s", r.raw);
    t_resp_free(&r);
    json_decref(items);
    h_note("a filtered list: csv and xlsx equal its JSON pages");

    /* Nothing matches: the header alone. */
    json_t *none = json_array();
    s_check_both(admin, "source=nothing", none, "an empty list");
    json_decref(none);

    /* Scope: a sales user exports their own leads, and only those. */
    items = s_list_all(sales, "");
    H_CHECK(json_array_size(items) == 16, "sales sees %zu", json_array_size(items));
    t_httpf(&r, "GET", base, sales, NULL, "/api/v1/leads/export");
    s_check_csv(&r, items, "sales' csv");
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
    items = s_list_all(sales, "");
    H_CHECK(json_array_size(items) == 16 + BULK, "sales sees %zu", json_array_size(items));
    s_check_both(sales, "", items, "3,016 leads");
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
