/* bench_export.c: GET /api/v1/leads/export (or /api/v1/customers/export)
 * of every record, as CSV and as XLSX through the gateway, beside its raw
 * limit in the same run: COPY (SELECT the same columns of the same rows, in
 * the same order) TO STDOUT as CSV, read with libpq; and, to tell the
 * gateway's share from the list's, the domain's List walked bare over RPC
 * in the export's pages. For each:
 * the time, the bytes, and the peak memory of the gateway during it (VmHWM
 * of /proc/<pid>/status, reset before each run through
 * /proc/<pid>/clear_refs), the leads service's too. The runs go COPY,
 * walk, CSV, XLSX, CSV, walk, COPY, so a machine getting busier or quieter
 * weighs on both sides of the comparison alike.
 *
 *     bench_export [rows] [leads|customers]
 *                             default 200000 leads; the documented figures 1000000
 *
 * The records (200 owners, each a user of the gateway with a name; tags on
 * a tenth; a year of creation times; a customer's team member on every
 * twentieth customer) are written with one INSERT each. The export is read
 * by a plain socket client here that decodes its chunks, counts the data's
 * bytes and checks the body ends whole. CRM_PG_DURABLE=1 runs PostgreSQL with fsync on, as
 * up.sh does; CRM_EXPORT_PAGE, when set, is passed to the gateway (rows a
 * page; default 2000); CRM_BENCH_PAIRS=n adds n rounds of COPY then CSV
 * (each round's ratio and their median: the spread of a shared machine);
 * CRM_BENCH_ENV=K=V is passed to the services (experiments). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crm/rpc.h"
#include "harness.h"
#include "http.h"
#include "customers.pb-c.h"
#include "leads.pb-c.h"
#include "stats.h"
#include "jcall.h"
#include "pgbench.h"
#include "suite.h"

#define OWNERS 200

static const char *s_base;
static char *s_token;

/* ---- the domains -------------------------------------------------------------- */

/* What a domain's export is measured on: its rows, written with one INSERT
 * (%d: the owners, then the rows) and then more (the customers' teams: one
 * member on every twentieth), and the same columns and rows in the
 * export's order for COPY. */
typedef struct {
    const char *name; /* the service, its database and its route's last segment */
    const char *seed, *seed_more, *copy;
    const char *method; /* its List */
    const ProtobufCMessageDescriptor *req, *list;
} s_domain_t;

static const s_domain_t s_domains[] = {
    {"leads",
     "INSERT INTO leads (name, mobile, company, source, level, industry, tags, remark,"
     " owner_id, department_id, creator_id, status, created_at, updated_at,"
     " next_followup_at, last_followup_at, owner_since)"
     " SELECT (ARRAY['上海','北京','广州','深圳','杭州'])[1 + g %% 5] || '客户' || g,"
     " '13' || lpad(g::text, 9, '0'),"
     " (ARRAY['华信','恒通','金盛','宏达'])[1 + g %% 4] || '科技有限公司',"
     " (ARRAY['', '广告', '转介绍', '官网'])[1 + g %% 4], '', '',"
     " CASE WHEN g %% 10 = 0 THEN ARRAY['vip', '重点'] ELSE '{}' END,"
     " CASE WHEN g %% 7 = 0 THEN '客户想下周看演示, 约周三' ELSE '' END,"
     " 1 + g %% %d, 1, 1, 2 + g %% 2, now() - g * interval '31 seconds',"
     " now() - g * interval '29 seconds',"
     " CASE WHEN g %% 3 = 0 THEN now() + (g %% 30) * interval '1 day' END,"
     " CASE WHEN g %% 2 = 1 THEN now() - g * interval '17 seconds' END,"
     " now() - g * interval '31 seconds'"
     " FROM generate_series(1, %d) g",
     NULL,
     "COPY (SELECT id, name, mobile, telephone, email, company, source, level, industry, remark,"
     " owner_id, department_id, creator_id, status, created_at, updated_at, converted_at, wechat,"
     " qq, tags, province, city, district, address, next_followup_at, last_followup_at,"
     " last_followup_content, pool_id, previous_owner_id, owner_since, pooled_at,"
     " team_member_ids FROM leads WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC)"
     " TO STDOUT (FORMAT csv, HEADER)",
     "Leads.List", &crm__leads__list_leads_request__descriptor, &crm__leads__lead_list__descriptor},
    {"customers",
     "INSERT INTO customers (name, mobile, company, source, level, industry, tags, remark,"
     " owner_id, department_id, creator_id, created_at, updated_at, next_contact_at,"
     " last_followup_at, owner_since, province, city, address, completeness)"
     " SELECT (ARRAY['上海','北京','广州','深圳','杭州'])[1 + g %% 5] || '客户' || g,"
     " '13' || lpad(g::text, 9, '0'),"
     " (ARRAY['华信','恒通','金盛','宏达'])[1 + g %% 4] || '科技有限公司',"
     " (ARRAY['', '广告', '转介绍', '官网'])[1 + g %% 4], 'A', '',"
     " CASE WHEN g %% 10 = 0 THEN ARRAY['vip', '重点'] ELSE '{}' END,"
     " CASE WHEN g %% 7 = 0 THEN '客户想下周看演示, 约周三' ELSE '' END,"
     " 1 + g %% %d, 1, 1, now() - g * interval '31 seconds', now() - g * interval '29 seconds',"
     " CASE WHEN g %% 3 = 0 THEN now() + (g %% 30) * interval '1 day' END,"
     " CASE WHEN g %% 2 = 1 THEN now() - g * interval '17 seconds' END,"
     " now() - g * interval '31 seconds', '浙江', '杭州', '文三路 ' || g || ' 号', 38"
     " FROM generate_series(1, %d) g",
     "INSERT INTO customer_team (customer_id, user_id, access)"
     " SELECT id, 2 + id % 199, 1 FROM customers WHERE id % 20 = 0",
     "COPY (SELECT c.id, name, mobile, telephone, email, company, source, level, industry,"
     " owner_id, department_id, pool_id, lead_id, last_followup_at, created_at, updated_at,"
     " wechat, qq, enterprise_id, type, tags, province, city, district, address, remark,"
     " legal_representative, credit_code, bank, bank_account, next_contact_at, creator_id,"
     " deal_status, dealt_at, locked, claim_count, last_followup_content, completeness,"
     " owner_since, previous_owner_id, CASE WHEN team_size > 0 THEN (SELECT json_agg(t.user_id)"
     " FROM customer_team t WHERE t.customer_id = c.id) END FROM customers c"
     " WHERE deleted_at IS NULL AND owner_id <> 0"
     " ORDER BY created_at DESC, id DESC) TO STDOUT (FORMAT csv, HEADER)",
     "Customers.List", &crm__customers__list_customers_request__descriptor,
     &crm__customers__customer_list__descriptor},
};

static const s_domain_t *s_dom = &s_domains[0];

static void s_seed(h_t *h, int rows)
{
    uint64_t t0 = stats_now_ns();
    char sql[4096];
    snprintf(sql, sizeof sql,
             "INSERT INTO users (username, password_hash, display_name, department_id, role)"
             " SELECT 'sales' || g, 'x', '销售' || g, 1, 'employee' FROM generate_series(2, %d) g",
             OWNERS);
    PQclear(h_sql(h, "gateway", sql));
    snprintf(sql, sizeof sql, s_dom->seed, OWNERS, rows);
    PQclear(h_sql(h, s_dom->name, sql));
    if (s_dom->seed_more)
        PQclear(h_sql(h, s_dom->name, s_dom->seed_more));
    PQclear(h_sql(h, s_dom->name, "VACUUM ANALYZE")); /* its tables, the teams' too */
    printf("%d %s of %d owners seeded in %.0f s\n", rows, s_dom->name, OWNERS,
           (double)(stats_now_ns() - t0) / 1e9);
}

/* ---- the raw limit: COPY ------------------------------------------------------ */

static double s_copy(h_t *h, size_t *bytes)
{
    PGconn *c = PQconnectdb(h_pg(h, s_dom->name));
    uint64_t t0 = stats_now_ns();
    PGresult *r = PQexec(c, s_dom->copy);
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        fprintf(stderr, "COPY: %s\n", PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    char *buf;
    int len;
    *bytes = 0;
    while ((len = PQgetCopyData(c, &buf, 0)) > 0) {
        *bytes += (size_t)len;
        PQfreemem(buf);
    }
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "COPY: %s\n", PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    double s = (double)(stats_now_ns() - t0) / 1e9;
    PQfinish(c);
    return s;
}

/* ---- the list's RPC walked bare ------------------------------------------------ */

/* The domain's List walked page by page over RPC as an admin, as the
 * gateway walks it, with nothing done with the pages: what the export costs
 * before the gateway's share. Its request and reply are read by their
 * descriptors (limit, cursor; items, next_cursor). */
typedef struct {
    crm_rpc_client_t *c;
    ProtobufCMessage *req;
    char cursor[256];
    size_t rows;
    int done;
} s_walk_t;

static void *s_field(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    return (char *)m + f->offset;
}

static void s_walk_next(s_walk_t *w);

static void s_walked(void *arg, const crm_rpc_result_t *res)
{
    s_walk_t *w = arg;
    if (res->status != CRM__STATUS__OK) {
        fprintf(stderr, "%s: %s\n", s_dom->method, res->message);
        exit(1);
    }
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(res->payload->descriptor, "items");
    w->rows += *(size_t *)((char *)res->payload + items->quantifier_offset);
    snprintf(w->cursor, sizeof w->cursor, "%s", *(char **)s_field(res->payload, "next_cursor"));
    if (*w->cursor)
        s_walk_next(w);
    else
        w->done = 1;
}

static void s_walk_next(s_walk_t *w)
{
    crm_rpc_opts_t opts = {.walk = 1};
    *(char **)s_field(w->req, "cursor") = w->cursor;
    if (crm_rpc_call_with(w->c, s_dom->method, w->req, s_dom->list, t_admin(0, 1), &opts, s_walked,
                          w) < 0)
        exit(1);
}

static double s_walk(h_t *h, int page, size_t *rows)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    s_walk_t w = {.req = calloc(1, s_dom->req->sizeof_message)};
    s_dom->req->message_init(w.req);
    *(int32_t *)s_field(w.req, "limit") = page;
    w.c = crm_rpc_client_new(&loop, t_zctx(), h_rpc(h, s_dom->name), 30000, 1);
    uint64_t t0 = stats_now_ns();
    s_walk_next(&w);
    while (!w.done)
        uv_run(&loop, UV_RUN_ONCE);
    double s = (double)(stats_now_ns() - t0) / 1e9;
    crm_rpc_client_destroy(&w.c);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    free(w.req);
    *rows = w.rows;
    return s;
}

/* ---- the export --------------------------------------------------------------- */

/* A chunked body (RFC 9112, 7.1) decoded as it arrives: only the data's
 * bytes are counted, and the body is whole once the last chunk (size 0)
 * and its empty trailer have come. A row that happens to end in "0" before
 * a chunk's CRLF is data, not the end. */
typedef struct {
    enum { C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF, C_TRAILER, C_DONE } st;
    size_t left; /* bytes of the current chunk still to come */
    int digits;  /* hex digits read of the size */
    int line;    /* characters on the current trailer line */
    size_t data; /* data bytes so far */
} s_chunks_t;

static int s_hex(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

/* Feeds n bytes; returns -1 on a framing error, else 0. */
static int s_chunks_feed(s_chunks_t *k, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        switch (k->st) {
        case C_SIZE:
            if (s_hex(ch) >= 0 && k->digits < 15) {
                k->left = k->left * 16 + (size_t)s_hex(ch);
                k->digits++;
            } else if (k->digits && (ch == ';' || ch == ' ')) {
                k->st = C_EXT;
            } else if (k->digits && ch == '\r') {
                k->st = C_SIZE_LF;
            } else {
                return -1;
            }
            break;
        case C_EXT:
            if (ch == '\r')
                k->st = C_SIZE_LF;
            break;
        case C_SIZE_LF:
            if (ch != '\n')
                return -1;
            k->digits = 0;
            k->line = 0;
            k->st = k->left ? C_DATA : C_TRAILER;
            break;
        case C_DATA: {
            size_t take = n - i < k->left ? n - i : k->left;
            k->data += take;
            k->left -= take;
            i += take - 1;
            if (!k->left)
                k->st = C_DATA_CR;
            break;
        }
        case C_DATA_CR:
            if (ch != '\r')
                return -1;
            k->st = C_DATA_LF;
            break;
        case C_DATA_LF:
            if (ch != '\n')
                return -1;
            k->st = C_SIZE;
            break;
        case C_TRAILER: /* lines until an empty one */
            if (ch == '\n') {
                if (k->line == 0)
                    k->st = C_DONE;
                k->line = 0;
            } else if (ch != '\r') {
                k->line++;
            }
            break;
        case C_DONE:
            return -1; /* bytes after the end */
        }
    }
    return 0;
}

/* GET path on a new connection, read to the end of the body: its bytes
 * (the data's, without the chunks' framing; the head's excluded) in
 * *bytes; exits if it is not a whole 200. */
static double s_export(const char *path, size_t *bytes)
{
    int fd = t_raw_connect(s_base);
    char *req = NULL;
    if (asprintf(&req, "GET %s HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer %s\r\n\r\n", path,
                 s_token) < 0)
        exit(1);
    uint64_t t0 = stats_now_ns();
    t_raw_write(fd, req);
    free(req);
    size_t cap = 1 << 20, have = 0, length = 0;
    char *buf = malloc(cap + 1);
    int chunked = 0, head = 0;
    s_chunks_t chunks = {.st = C_SIZE};
    *bytes = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, cap - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        const char *body = buf;
        if (!head) {
            buf[have] = 0;
            char *end = strstr(buf, "\r\n\r\n");
            if (!end)
                continue;
            head = 1;
            if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
                fprintf(stderr, "%s: %.*s\n", path, (int)have, buf);
                exit(1);
            }
            chunked = strcasestr(buf, "transfer-encoding: chunked") != NULL;
            const char *cl = strcasestr(buf, "content-length:");
            length = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
            body = end + 4;
        }
        size_t len = have - (size_t)(body - buf);
        have = 0;
        if (!chunked) {
            *bytes += len;
            if (length && *bytes >= length)
                break;
        } else if (s_chunks_feed(&chunks, body, len) < 0) {
            fprintf(stderr, "%s: a chunk badly framed after %zu bytes\n", path, chunks.data);
            exit(1);
        } else if (chunks.st == C_DONE) {
            break;
        }
    }
    double s = (double)(stats_now_ns() - t0) / 1e9;
    close(fd);
    free(buf);
    if (chunked)
        *bytes = chunks.data;
    if (chunked ? chunks.st != C_DONE : *bytes != length) {
        fprintf(stderr, "%s: the body did not end whole (%zu bytes)\n", path, *bytes);
        exit(1);
    }
    return s;
}

typedef struct {
    const char *label;
    double s;
    size_t bytes;
    long gateway_kb, leads_kb;
    double cpu_pg, cpu_svc, cpu_gw; /* CPU seconds spent during the run */
} s_run_t;

static void s_report(const s_run_t *r, int rows, double copy_s)
{
    printf("%-12s %7.2f s  %9.0f rows/s", r->label, r->s, rows / r->s);
    if (r->bytes) /* not the walk: its pages are dropped */
        printf("  %7.1f MB", (double)r->bytes / 1e6);
    else
        printf("  %10s", "");
    if (r->gateway_kb >= 0)
        printf("  peak RSS gateway %5.1f MiB, %s %5.1f MiB", r->gateway_kb / 1024.0, s_dom->name,
               r->leads_kb / 1024.0);
    if (copy_s > 0)
        printf("  %.2fx COPY", r->s / copy_s);
    printf("\n%12s CPU: PostgreSQL %.2f s, %s %.2f s, gateway %.2f s: %.2f s\n", "", r->cpu_pg,
           s_dom->name, r->cpu_svc, r->cpu_gw, r->cpu_pg + r->cpu_svc + r->cpu_gw);
}

static int s_page = 2000; /* CRM_EXPORT_PAGE */

/* The postmaster's pid, from its data folder. */
/* CPU seconds so far of PostgreSQL (every process of it, ended backends
 * included), the domain's service and the gateway. */
static void s_cpu(h_t *h, double cpu[3])
{
    cpu[0] = stats_cpu_tree_s(pgbench_postmaster(h));
    cpu[1] = stats_cpu_s(h_pid(h_proc(h, s_dom->name, 0)), 0);
    cpu[2] = stats_cpu_s(h_pid(h_proc(h, "gateway", 0)), 0);
}

/* One run: COPY (path NULL), the bare walk (path ""), or an export; its
 * time, and the CPU the servers spent on it (a COPY's backend counted
 * once the postmaster has reaped it). */
static s_run_t s_measure(h_t *h, const char *label, const char *path)
{
    pid_t gw = h_pid(h_proc(h, "gateway", 0)), leads = h_pid(h_proc(h, s_dom->name, 0));
    s_run_t r = {.label = label, .gateway_kb = -1, .leads_kb = -1};
    printf("%s...\n", label);
    double before[3], after[3];
    s_cpu(h, before);
    if (!path) {
        r.s = s_copy(h, &r.bytes);
    } else if (!*path) {
        size_t rows;
        r.s = s_walk(h, s_page, &rows);
    } else {
        stats_peak_reset(gw);
        stats_peak_reset(leads);
        r.s = s_export(path, &r.bytes);
        r.gateway_kb = stats_peak_kb(gw);
        r.leads_kb = stats_peak_kb(leads);
    }
    usleep(300 * 1000); /* the COPY's backend reaped */
    s_cpu(h, after);
    r.cpu_pg = after[0] - before[0];
    r.cpu_svc = after[1] - before[1];
    r.cpu_gw = after[2] - before[2];
    return r;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* CRM_BENCH_PAIRS=n: n more rounds of COPY then the CSV export, back to
 * back, so the noise of a shared machine shows as a spread: each round's
 * ratio, and their median. */
static void s_pairs(h_t *h, const char *csv, int rows)
{
    int n = getenv("CRM_BENCH_PAIRS") ? atoi(getenv("CRM_BENCH_PAIRS")) : 0;
    if (n <= 0)
        return;
    double *ratio = calloc((size_t)n, sizeof *ratio);
    printf("\n%d rounds of COPY then export csv:\n", n);
    for (int i = 0; i < n; i++) {
        s_run_t c = s_measure(h, "COPY", NULL), e = s_measure(h, "export csv", csv);
        ratio[i] = e.s / c.s;
        printf("round %d: COPY %.2f s, csv %.2f s (%.0f rows/s, peak RSS gateway %.1f MiB, %s"
               " %.1f MiB): %.2fx; CPU: COPY %.2f s, csv %.2f s (PostgreSQL %.2f, %s %.2f,"
               " gateway %.2f)\n",
               i + 1, c.s, e.s, rows / e.s, e.gateway_kb / 1024.0, s_dom->name, e.leads_kb / 1024.0,
               ratio[i], c.cpu_pg + c.cpu_svc + c.cpu_gw, e.cpu_pg + e.cpu_svc + e.cpu_gw, e.cpu_pg,
               s_dom->name, e.cpu_svc, e.cpu_gw);
    }
    qsort(ratio, (size_t)n, sizeof *ratio, s_cmp_double);
    printf("csv against COPY over %d rounds: median %.2fx, from %.2fx to %.2fx\n", n,
           n % 2 ? ratio[n / 2] : (ratio[n / 2 - 1] + ratio[n / 2]) / 2, ratio[0], ratio[n - 1]);
    stats_load("after the rounds");
    free(ratio);
}

int main(int argc, char **argv)
{
    int rows = argc > 1 ? atoi(argv[1]) : 200000;
    if (argc > 2 && !strcmp(argv[2], "customers"))
        s_dom = &s_domains[1];
    setvbuf(stdout, NULL, _IOLBF, 0); /* a profiler can follow the runs */
    h_t *h = h_new("bench_export");
    h_suite(h, 1, s_dom == &s_domains[1], 0, 0);
    h_setenv(h, "CRM_LOG_LEVEL=warn");
    if (getenv("CRM_EXPORT_PAGE")) {
        s_page = atoi(getenv("CRM_EXPORT_PAGE"));
        char *kv = NULL;
        if (asprintf(&kv, "CRM_EXPORT_PAGE=%s", getenv("CRM_EXPORT_PAGE")) < 0)
            exit(1);
        h_setenv(h, kv);
        free(kv);
    }
    if (getenv("CRM_BENCH_ENV")) /* K=V for the services (experiments) */
        h_setenv(h, getenv("CRM_BENCH_ENV"));
    h_start_all(h);
    s_base = h_gateway(h);
    s_token = t_login(s_base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    s_seed(h, rows);
    pid_t gw = h_pid(h_proc(h, "gateway", 0));
    printf("gateway before the exports: %.1f MiB resident at most so far\n",
           stats_peak_kb(gw) / 1024.0);
    stats_load("before");

    char csv[64], xlsx[64];
    snprintf(csv, sizeof csv, "/api/v1/%s/export?format=csv", s_dom->name);
    snprintf(xlsx, sizeof xlsx, "/api/v1/%s/export?format=xlsx", s_dom->name);
    s_run_t runs[] = {
        s_measure(h, "COPY", NULL),      s_measure(h, "RPC walk", ""),
        s_measure(h, "export csv", csv), s_measure(h, "export xlsx", xlsx),
        s_measure(h, "export csv", csv), s_measure(h, "RPC walk", ""),
        s_measure(h, "COPY", NULL),
    };
    stats_load("after");
    double copy = (runs[0].s + runs[6].s) / 2, walk = (runs[1].s + runs[5].s) / 2,
           csv_s = (runs[2].s + runs[4].s) / 2;
    printf("\n%d %s, pages of %d, in the order COPY, walk, csv, xlsx, csv, walk, COPY:\n", rows,
           s_dom->name, s_page);
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
        s_report(&runs[i], rows, i == 0 || i == 6 ? 0 : copy);
    printf("\nexport csv %.2f s against COPY %.2f s: %.2fx (target 2x); %s walked bare over"
           " RPC %.2f s (%.2fx); xlsx %.2f s (%.1fx)\n",
           csv_s, copy, csv_s / copy, s_dom->method, walk, walk / copy, runs[3].s,
           runs[3].s / copy);
    s_pairs(h, csv, rows);
    free(s_token);
    h_destroy(&h);
    return 0;
}
