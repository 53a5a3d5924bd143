/* gateway_export.c: GET <list>/export?format=csv|xlsx&<the list's query>,
 * the route glue.py adds beside a list whose (crm.http) option names its
 * rows (`export: "items"`; docs/api.md, "Exports").
 *
 * The export walks the list's own RPC page after page with its cursor, as
 * the caller (so the service applies their data scope and masking: a
 * person exports only what they may see), asking pages of
 * CRM_EXPORT_PAGE rows (Request.walk lets a list answer up to
 * CRM_PAGE_WALK_MAX). Each page becomes rows of cells in the wire form
 * (crm/table.h: the item's fields under their wire keys, people's names
 * beside their ids from gateway_names.c), then:
 *
 *   csv   text (crm/csv.h: a byte order mark, a header row, RFC 4180, the
 *         formula guard) streamed as the body, chunked. One page's text is
 *         with h2o while the next page is read; the page after that is
 *         asked only once h2o has taken the text before (proceed), so a
 *         slow client holds at most two pages in memory, never the list.
 *   xlsx  rows handed to gateway_xlsx.c (libxlsxwriter on the thread pool,
 *         constant memory, a temporary file) while the next page is read;
 *         at the end the file is streamed with its Content-Length and its
 *         name removed. At most CRM_EXPORT_XLSX_MAX are built at once
 *         (more: 429), so they leave thread pool room to sign-ins.
 *
 * Errors before the first byte are problem documents like any route's:
 * the format (400 naming `format`), the list's own errors from its first
 * page, a spreadsheet that cannot be written. After it (a page that fails
 * mid-way: a service gone, the stop deadline) the body ends unfinished:
 * h2o's error state closes the connection without the last chunk, so a
 * client never takes a partial file for a whole one (a spreadsheet's
 * Content-Length does the same). A client that leaves ends the walk at
 * the next page. */
#include "gateway_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm/arena.h"
#include "crm/csv.h"
#include "crm/log.h"
#include "crm/table.h"
#include "crm/util.h"
#include "gateway_decode.h"
#include "gateway_names.h"
#include "gateway_proxy.h"
#include "gateway_xlsx.h"

#define FILE_CHUNK (256 * 1024) /* bytes of a spreadsheet sent at a time */
#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

typedef struct {
    h2o_generator_t gen; /* first: h2o's callbacks get it */
    gw_t *gw;
    gw_call_t *c; /* NULL once answered with a problem document */
    int xlsx;
    char list[64];      /* "leads": the path's segment before /export */
    char filename[128]; /* "leads-20261123-180000.csv" */
    /* The walk. */
    ProtobufCMessage *req; /* the list request; its cursor moves on */
    const ProtobufCMessageDescriptor *out;
    const ProtobufCFieldDescriptor *items, *next_cursor, *cursor;
    int local;
    crm_pb_extra_t names;
    crm_table_t *table;
    ProtobufCMessage *page; /* read: its people's names, then its rows */
    ProtobufCMessage *next; /* read meanwhile, its turn next */
    crm_arena_t *page_mem;  /* what page, and next, are decoded into */
    crm_arena_t *next_mem;
    int fetching; /* a page is being read */
    int naming;   /* the names of `page` are being read */
    int walked;   /* the last page has been asked */
    size_t rows;
    crm_cells_t cells; /* a page's rows (xlsx: until the workbook takes them) */
    /* The body. */
    int started; /* the response's head is out */
    int sending; /* h2o is writing a chunk */
    int failed;  /* end the body unfinished */
    int over;    /* nothing more is sent; freed once nothing is in flight */
    int pumping, again;
    crm_csv_out_t ready, wire; /* csv: text waiting; text h2o is writing */
    gw_xlsx_t *x;
    int job;     /* a workbook job is in flight */
    int closing; /* the workbook is being finished */
    int fd;      /* the finished spreadsheet */
    size_t size, sent;
    char *chunk;
} s_export_t;

static void s_pump(s_export_t *ex);

static void s_free(s_export_t *ex)
{
    if (ex->c)
        gw_call_finish(ex->c);
    if (ex->xlsx) {
        gw_xlsx_destroy(&ex->x);
        ex->gw->xlsx_building--;
    }
    if (ex->fd >= 0)
        close(ex->fd);
    protobuf_c_message_free_unpacked(ex->req, NULL);
    crm_arena_destroy(&ex->page_mem);
    crm_arena_destroy(&ex->next_mem);
    crm_table_destroy(&ex->table);
    crm_cells_free(&ex->cells);
    free(ex->ready.p);
    free(ex->wire.p);
    free(ex->chunk);
    free(ex);
}

/* ---- answers -------------------------------------------------------- */

/* The head of the response: 200, the file's type and name. */
static void s_start(s_export_t *ex, size_t content_length)
{
    h2o_req_t *req = ex->c->req;
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = content_length;
    const char *type = ex->xlsx ? XLSX_TYPE : "text/csv; charset=utf-8";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    char *cd = crm_sprintf("attachment; filename=\"%s\"", ex->filename);
    h2o_iovec_t v = h2o_strdup(&req->pool, cd, strlen(cd));
    free(cd);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-disposition"), 0, NULL,
                          v.base, v.len);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    h2o_start_response(req, &ex->gen);
    ex->started = 1;
}

/* A failure: before the first byte the problem document of res; after
 * it, the body ends unfinished (s_step_*). */
static void s_fail(s_export_t *ex, const crm_rpc_result_t *res)
{
    if (ex->over)
        return;
    if (ex->x)
        gw_xlsx_cancel(ex->x);
    if (!ex->started) {
        gw_call_answer(ex->c, res);
        ex->c = NULL;
        ex->over = 1;
        return;
    }
    char rows[24];
    crm_log(CRM_WARN, "export ended unfinished", "route", ex->c->route->pattern, "rows",
            crm_i64(rows, (int64_t)ex->rows), "error", res->message, NULL);
    ex->failed = 1;
}

static void s_fail_status(s_export_t *ex, Crm__Status st, const char *message)
{
    crm_rpc_result_t res = {.status = st, .message = message};
    s_fail(ex, &res);
}

/* Ends the body: FINAL, or (failed) unfinished. */
static void s_end(s_export_t *ex)
{
    h2o_send(ex->c->req, NULL, 0, ex->failed ? H2O_SEND_STATE_ERROR : H2O_SEND_STATE_FINAL);
    ex->over = 1;
}

/* Hands buf to h2o; proceed says when it is written. */
static void s_send(s_export_t *ex, char *buf, size_t len)
{
    h2o_iovec_t v = h2o_iovec_init(buf, len);
    ex->sending = 1;
    h2o_send(ex->c->req, &v, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void s_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    s_export_t *ex = (s_export_t *)gen;
    ex->sending = 0;
    s_pump(ex);
}

/* The client went away. */
static void s_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    s_export_t *ex = (s_export_t *)gen;
    ex->over = 1;
    if (ex->x)
        gw_xlsx_cancel(ex->x);
    s_pump(ex);
}

/* ---- the walk ------------------------------------------------------- */

static void s_got(void *arg, const crm_rpc_result_t *res);

/* A copy of msg, its parts from mem (NULL: malloc'd, the caller frees it
 * with protobuf_c_message_free_unpacked). */
static ProtobufCMessage *s_copy(const ProtobufCMessage *msg, const ProtobufCMessageDescriptor *d,
                                crm_arena_t *mem)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = crm_malloc(len ? len : 1);
    protobuf_c_message_pack(msg, buf);
    ProtobufCMessage *copy =
        protobuf_c_message_unpack(d, mem ? crm_arena_allocator(mem) : NULL, len, buf);
    free(buf);
    return copy;
}

/* Asks the list's next page, as the caller, walking. */
static void s_fetch(s_export_t *ex)
{
    const char *rpc = ex->c->route->rpc;
    crm_rpc_opts_t opts = {.walk = 1};
    ex->fetching = 1;
    if (ex->local) {
        ProtobufCMessage *req = s_copy(ex->req, ex->req->descriptor, NULL);
        if (crm_rpc_server_call_with(ex->gw->local, rpc, &req, &ex->c->caller, &opts, s_got, ex) ==
            0)
            return;
        protobuf_c_message_free_unpacked(req, NULL);
    } else {
        crm_rpc_client_t *client = gw_proxy_reader(ex->gw, rpc);
        if (client &&
            crm_rpc_call_with(client, rpc, ex->req, NULL, &ex->c->caller, &opts, s_got, ex) == 0)
            return;
    }
    ex->fetching = 0;
    s_fail_status(ex, CRM__STATUS__UNAVAILABLE, "the service of this list is not reachable");
}

/* The cursor of page for the next request; 0 if it was the last page. */
static int s_next_cursor(s_export_t *ex, const ProtobufCMessage *page)
{
    const char *next = *(char *const *)((const char *)page + ex->next_cursor->offset);
    if (!next || !*next)
        return 0;
    char **at = (char **)((char *)ex->req + ex->cursor->offset);
    if (*at && *at != ex->cursor->default_value)
        free(*at);
    *at = crm_strdup(next);
    return 1;
}

static void s_named(void *arg, int ok)
{
    s_export_t *ex = arg;
    ex->naming = 0;
    if (!ok)
        s_fail_status(ex, CRM__STATUS__UNAVAILABLE, "cannot read the users' names");
    s_pump(ex);
}

/* Reads the names of the people of `page` the cache lacks. */
static void s_name(s_export_t *ex)
{
    ex->naming = !gw_names_fetch(ex->gw->names, ex->page, s_named, ex);
}

/* `page`, its people named, into rows of cells; `next` takes its place. */
static void s_rows(s_export_t *ex)
{
    const char *base = (const char *)ex->page;
    size_t n = *(const size_t *)(base + ex->items->quantifier_offset);
    ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)(base + ex->items->offset);
    for (size_t i = 0; i < n; i++)
        crm_table_row(ex->table, items[i], &ex->cells);
    ex->rows += n;
    crm_arena_destroy(&ex->page_mem);
    ex->page = ex->next;
    ex->page_mem = ex->next_mem;
    ex->next = NULL;
    ex->next_mem = NULL;
    if (ex->page)
        s_name(ex);
}

static void s_got(void *arg, const crm_rpc_result_t *res)
{
    s_export_t *ex = arg;
    ex->fetching = 0;
    if (ex->over) {
        s_pump(ex);
        return;
    }
    if (res->status != CRM__STATUS__OK) {
        s_fail(ex, res);
        s_pump(ex);
        return;
    }
    /* The page outlives this callback (the names, and h2o's pace): decoded
     * into an arena of its own, dropped at once when its rows are made. */
    crm_arena_t *mem = crm_arena_new(256 * 1024);
    ProtobufCMessage *page =
        res->payload ? s_copy(res->payload, ex->out, mem)
                     : protobuf_c_message_unpack(ex->out, crm_arena_allocator(mem), res->raw_len,
                                                 res->raw ? res->raw : (const uint8_t *)"");
    if (!page) {
        crm_arena_destroy(&mem);
        s_fail_status(ex, CRM__STATUS__INTERNAL, "the list's reply does not decode");
        s_pump(ex);
        return;
    }
    ex->walked = !s_next_cursor(ex, page);
    if (ex->page) {
        ex->next = page;
        ex->next_mem = mem;
    } else {
        ex->page = page;
        ex->page_mem = mem;
        s_name(ex);
    }
    s_pump(ex);
}

/* ---- the spreadsheet ---------------------------------------------------- */

static void s_added(void *arg, int ok)
{
    s_export_t *ex = arg;
    ex->job = 0;
    if (!ok)
        s_fail_status(ex, CRM__STATUS__INTERNAL, "the spreadsheet cannot be written");
    s_pump(ex);
}

static void s_finished(void *arg, int fd, size_t size)
{
    s_export_t *ex = arg;
    ex->job = 0;
    ex->fd = fd;
    ex->size = size;
    if (fd < 0)
        s_fail_status(ex, CRM__STATUS__INTERNAL, "the spreadsheet cannot be written");
    else if (!ex->over)
        s_start(ex, size);
    s_pump(ex);
}

/* The next step of a spreadsheet: rows to the workbook, the workbook
 * finished, then the file sent. The file is read on the loop: it was just
 * written, so a chunk comes from the page cache in microseconds. */
static void s_step_xlsx(s_export_t *ex)
{
    if (ex->started) {
        if (ex->sending)
            return;
        if (ex->failed || ex->sent == ex->size) {
            s_end(ex);
            return;
        }
        size_t want = ex->size - ex->sent < FILE_CHUNK ? ex->size - ex->sent : FILE_CHUNK;
        ex->chunk = ex->chunk ? ex->chunk : crm_malloc(FILE_CHUNK);
        ssize_t n = pread(ex->fd, ex->chunk, want, (off_t)ex->sent);
        if (n <= 0) {
            s_fail_status(ex, CRM__STATUS__INTERNAL, "the spreadsheet cannot be read");
            s_end(ex);
            return;
        }
        ex->sent += (size_t)n;
        s_send(ex, ex->chunk, (size_t)n);
        return;
    }
    /* The next page is asked as soon as there is room for it, so the
     * service reads it while this one is written. */
    if (!ex->fetching && !ex->walked && !ex->next)
        s_fetch(ex);
    if (ex->page && !ex->naming && !ex->cells.n)
        s_rows(ex);
    if (!ex->job && ex->cells.n) {
        ex->job = 1;
        gw_xlsx_add(ex->x, &ex->cells, s_added, ex);
        ex->again = 1; /* the next page may go to cells now */
    }
    if (!ex->job && !ex->fetching && !ex->page && ex->walked && !ex->closing) {
        ex->closing = ex->job = 1;
        gw_xlsx_finish(ex->x, s_finished, ex);
    }
}

/* ---- csv -------------------------------------------------------------- */

/* The next step of a CSV body: the next page asked as soon as there is
 * room for it (so the service reads it while this one is written), a page
 * into text, the text to h2o, the end. */
static void s_step_csv(s_export_t *ex)
{
    if (ex->failed) {
        if (!ex->sending)
            s_end(ex);
        return;
    }
    if (!ex->fetching && !ex->walked && !ex->next)
        s_fetch(ex);
    if (ex->page && !ex->naming && !ex->ready.len) {
        size_t ncols = crm_table_ncols(ex->table);
        if (!ex->started) { /* the first page: the head of the file */
            const char *names[ncols + 1];
            for (size_t i = 0; i < ncols; i++)
                names[i] = crm_table_column(ex->table, i);
            crm_csv_write_raw(&ex->ready, CRM_CSV_BOM, strlen(CRM_CSV_BOM));
            crm_csv_write_names(&ex->ready, names, ncols);
        }
        s_rows(ex);
        crm_csv_write_cells(&ex->ready, &ex->cells, ncols);
        crm_cells_clear(&ex->cells);
    }
    if (ex->sending)
        return;
    if (ex->ready.len) {
        if (!ex->started)
            s_start(ex, SIZE_MAX);
        crm_csv_out_t t = ex->wire;
        ex->wire = ex->ready;
        ex->ready = t;
        ex->ready.len = 0;
        s_send(ex, ex->wire.p, ex->wire.len);
        ex->again = 1; /* the next page may go to text now */
    } else if (ex->walked && !ex->fetching && !ex->page) {
        s_end(ex);
    }
}

/* Moves the export on from whatever just happened; frees it once it is
 * over and nothing is in flight. Safe to re-enter (a callback that runs
 * before the call that started it returns): the outer run goes again. */
static void s_pump(s_export_t *ex)
{
    if (ex->pumping) {
        ex->again = 1;
        return;
    }
    ex->pumping = 1;
    do {
        ex->again = 0;
        if (!ex->over && !ex->c->req) { /* the client left before the head */
            ex->over = 1;
            if (ex->x)
                gw_xlsx_cancel(ex->x);
        }
        if (!ex->over)
            (ex->xlsx ? s_step_xlsx : s_step_csv)(ex);
    } while (ex->again);
    ex->pumping = 0;
    if (ex->over && !ex->fetching && !ex->naming && !ex->job)
        s_free(ex);
}

/* ---- the start ---------------------------------------------------------- */

/* The list's name (the path's segment before /export) and the file's:
 * "leads-20261123-180000.csv", the time in the business time zone. */
static void s_filename(s_export_t *ex)
{
    const char *p = ex->c->route->pattern, *end = strrchr(p, '/');
    const char *seg = end;
    while (seg > p && seg[-1] != '/')
        seg--;
    snprintf(ex->list, sizeof ex->list, "%.*s", (int)(end - seg), seg);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y%m%d-%H%M%S", &tm);
    snprintf(ex->filename, sizeof ex->filename, "%s-%s.%s", ex->list, when,
             ex->xlsx ? "xlsx" : "csv");
}

/* The format parameter: 1 with *xlsx set, or 0 after failing c. */
static int s_format(gw_call_t *c, int *xlsx)
{
    char format[8] = "csv";
    if (gw_decode_query_value(c, "format", format, sizeof format) < 0)
        return 0;
    *xlsx = !strcmp(format, "xlsx");
    if (*xlsx || !strcmp(format, "csv"))
        return 1;
    gw_call_fail(c, CRM__STATUS__INVALID_ARGUMENT, "format", "give csv or xlsx");
    return 0;
}

void gw_export_start(gw_call_t *c, ProtobufCMessage **in_p, const ProtobufCMessageDescriptor *out,
                     int local)
{
    gw_t *gw = c->gw;
    ProtobufCMessage *req = *in_p;
    *in_p = NULL;
    int xlsx;
    if (!s_format(c, &xlsx)) {
        protobuf_c_message_free_unpacked(req, NULL);
        return;
    }
    if (xlsx && gw->xlsx_building >= gw->cfg.export_xlsx_max) {
        h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                       H2O_STRLIT("5"));
        gw_call_fail_http(c, 429, "rate_limited",
                          "as many spreadsheets are being built as this gateway builds at once;"
                          " retry later, or export as csv");
        protobuf_c_message_free_unpacked(req, NULL);
        return;
    }
    s_export_t *ex = crm_calloc(1, sizeof *ex);
    ex->gen.proceed = s_proceed;
    ex->gen.stop = s_stop;
    ex->gw = gw;
    ex->c = c;
    ex->xlsx = xlsx;
    ex->fd = -1;
    ex->req = req;
    ex->out = out;
    ex->local = local;
    ex->items = protobuf_c_message_descriptor_get_field_by_name(out, c->route->export);
    ex->next_cursor = protobuf_c_message_descriptor_get_field_by_name(out, "next_cursor");
    ex->cursor = protobuf_c_message_descriptor_get_field_by_name(req->descriptor, "cursor");
    const ProtobufCFieldDescriptor *limit =
        protobuf_c_message_descriptor_get_field_by_name(req->descriptor, "limit");
    /* glue.py checked the shape. */
    *(int32_t *)((char *)req + limit->offset) = gw->cfg.export_page;
    s_filename(ex);
    ex->names = gw_names_extra(gw->names);
    ex->table = crm_table_new(ex->items->descriptor, &ex->names);
    if (xlsx) {
        size_t n = crm_table_ncols(ex->table);
        const char *columns[n + 1];
        for (size_t i = 0; i < n; i++)
            columns[i] = crm_table_column(ex->table, i);
        gw->xlsx_building++;
        ex->x = gw_xlsx_new(gw->loop, gw->cfg.export_dir, ex->list, gw->cfg.export_sheet_rows,
                            columns, n);
        if (!ex->x) {
            s_fail_status(ex, CRM__STATUS__INTERNAL, "the spreadsheet cannot be started");
            s_pump(ex);
            return;
        }
    }
    s_pump(ex);
}
