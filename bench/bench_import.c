/* bench_import.c: lead import throughput. 100,000 rows go through
 * Leads.ImportChunk in chunks of 1,000, once as rows and once as CSV, to an
 * employee with duplicate checking on (every row has a distinct mobile, so
 * all are created): rows/s over the whole import and the latency of each
 * chunk. Beside it, in the same run:
 *   - the raw limit: the same number of leads written by one INSERT ...
 *     SELECT in one transaction through libpq, alone and with one history
 *     row and one outbox row each (what an import writes per lead);
 *   - the shape of a chunk's INSERT: 1,000 rows as one INSERT from arrays
 *     (unnest, what the import does) against 1,000 prepared INSERTs
 *     pipelined in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"
#include "stats.h"
#include "suite.h"

#define ROWS 100000
#define CHUNK 1000

static h_t *h;

/* ---- through the service ---------------------------------------------- */

/* Sends req; checks every row was created; returns the chunk's ns. */
static uint64_t s_send(Crm__Leads__ImportChunkRequest *req, size_t want)
{
    ProtobufCMessage *reply = NULL;
    char *err = NULL;
    uint64_t t0 = stats_now_ns();
    Crm__Status st =
        t_call_at(h_rpc(h, "leads"), 30000, "Leads.ImportChunk", &req->base,
                  &crm__leads__import_chunk_reply__descriptor, t_system(), &reply, &err);
    uint64_t ns = stats_now_ns() - t0;
    H_CHECK(st == CRM__STATUS__OK, "chunk %d: %s", req->seq, err ? err : "");
    Crm__Leads__ImportChunkReply *r = (void *)reply;
    H_CHECK(r->import->created == (int64_t)want, "created %lld of %zu",
            (long long)r->import->created, want);
    protobuf_c_message_free_unpacked(reply, NULL);
    free(err);
    return ns;
}

static void s_report(const char *label, stats_t *s, uint64_t total_ns)
{
    printf("%-28s %8.0f rows/s   chunk p50 %6.1f ms  p99 %6.1f ms\n", label,
           ROWS / ((double)total_ns / 1e9), stats_pct_us(s, 50) / 1000, stats_pct_us(s, 99) / 1000);
}

/* Fills chunk seq's rows or CSV (into static storage). */
typedef void (*fill_fn)(int seq, Crm__Leads__ImportChunkRequest *req);

static void s_fill_rows(int seq, Crm__Leads__ImportChunkRequest *req)
{
    static Crm__Leads__ImportRow rows[CHUNK];
    static Crm__Leads__ImportRow *ptrs[CHUNK];
    static char names[CHUNK][32], mobiles[CHUNK][16];
    static char *tags[] = {"导入", "基准"};
    for (int i = 0; i < CHUNK; i++) {
        int n = (seq - 1) * CHUNK + i;
        crm__leads__import_row__init(&rows[i]);
        snprintf(names[i], sizeof names[i], "导入基准%06d", n);
        snprintf(mobiles[i], sizeof mobiles[i], "131%08d", n);
        rows[i].name = names[i];
        rows[i].mobile = mobiles[i];
        rows[i].company = "某某科技有限公司";
        rows[i].source = "广告";
        rows[i].level = "普通客户";
        rows[i].city = "济南";
        rows[i].tags = tags;
        rows[i].n_tags = 2;
        ptrs[i] = &rows[i];
    }
    req->rows = ptrs;
    req->n_rows = CHUNK;
}

/* The same rows as CSV (other mobiles), the header in chunk 1. */
static void s_fill_csv(int seq, Crm__Leads__ImportChunkRequest *req)
{
    static char csv[64 + CHUNK * 160];
    size_t len = 0;
    if (seq == 1)
        len += (size_t)snprintf(csv, sizeof csv, "线索,手机,公司,来源,等级,市,标签\r\n");
    for (int i = 0; i < CHUNK; i++) {
        int n = (seq - 1) * CHUNK + i;
        len += (size_t)snprintf(csv + len, sizeof csv - len,
                                "导入基准%06d,132%08d,\"某某科技有限公司\",广告,普通客户,济南,"
                                "导入;基准\r\n",
                                n, n);
    }
    req->csv = csv;
}

static void s_import(const char *label, fill_fn fill)
{
    int64_t imp = t_start_import(h, 7, ROWS);
    stats_t s = {0};
    uint64_t t0 = stats_now_ns();
    for (int seq = 1; seq <= ROWS / CHUNK; seq++) {
        Crm__Leads__ImportChunkRequest req = CRM__LEADS__IMPORT_CHUNK_REQUEST__INIT;
        fill(seq, &req);
        req.import_id = imp;
        req.seq = seq;
        req.last = seq == ROWS / CHUNK;
        stats_add(&s, s_send(&req, (size_t)seq * CHUNK));
    }
    s_report(label, &s, stats_now_ns() - t0);
    stats_free(&s);
}

/* ---- the raw limit ------------------------------------------------------ */

static PGconn *s_conn(void)
{
    PGconn *c = PQconnectdb(h_pg(h, "leads"));
    H_CHECK(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    return c;
}

static void s_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    H_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s",
            sql, PQerrorMessage(c));
    PQclear(r);
}

/* The leads of the raw runs: prefix p makes their mobiles distinct. */
#define RAW_LEADS(p)                                                                                                   \
    "INSERT INTO leads (id, name, mobile, company, source, level, city, tags, owner_id, status,"                       \
    " creator_id, owner_since, pooled_at, created_at, updated_at)"                                                     \
    " SELECT nextval('leads_id_seq'), '导入基准' || g, '" p "' || lpad(g::text, 8, '0'),"                              \
    " '某某科技有限公司', '广告', '普通客户', '济南', '{导入,基准}', 7, 2, 0, now(), NULL, now()," \
    " now() FROM generate_series(1, 100000) g"

static void s_raw(void)
{
    PGconn *c = s_conn();
    uint64_t t0 = stats_now_ns();
    s_exec(c, RAW_LEADS("133"));
    double secs = (double)(stats_now_ns() - t0) / 1e9;
    printf("%-28s %8.0f rows/s   (one INSERT ... SELECT, leads only)\n", "raw limit", ROWS / secs);
    t0 = stats_now_ns();
    s_exec(c, "BEGIN");
    s_exec(c, RAW_LEADS("134") " RETURNING 1");
    s_exec(c, "INSERT INTO lead_history (lead_id, action, actor_id, at, to_owner_id, detail)"
              " SELECT id, 'imported', 0, now(), 7, '{}' FROM leads WHERE mobile LIKE '134%'");
    s_exec(c, "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)"
              " SELECT gen_random_uuid(), 'lead.created', id::text,"
              " decode(repeat('0a1b2c3d', 45), 'hex') FROM leads WHERE mobile LIKE '134%'");
    s_exec(c, "COMMIT");
    secs = (double)(stats_now_ns() - t0) / 1e9;
    printf("%-28s %8.0f rows/s   (leads + history + outbox, three INSERT ... SELECT, one"
           " transaction)\n",
           "raw limit, all writes", ROWS / secs);
    PQfinish(c);
}

/* ---- the shape of a chunk's INSERT -------------------------------------- */

#define SHAPE_CHUNKS 20

static void s_shape_unnest(PGconn *c)
{
    char **names = malloc(CHUNK * sizeof *names), **mobiles = malloc(CHUNK * sizeof *mobiles);
    for (int i = 0; i < CHUNK; i++) {
        names[i] = malloc(32);
        mobiles[i] = malloc(16);
    }
    uint64_t t0 = stats_now_ns();
    for (int k = 0; k < SHAPE_CHUNKS; k++) {
        for (int i = 0; i < CHUNK; i++) {
            snprintf(names[i], 32, "形状%06d", k * CHUNK + i);
            snprintf(mobiles[i], 16, "135%08d", k * CHUNK + i);
        }
        char *an = crm_db_text_array(names, CHUNK), *am = crm_db_text_array(mobiles, CHUNK);
        const char *p[] = {an, am};
        PGresult *r = PQexecParams(
            c,
            "INSERT INTO leads (id, name, mobile, owner_id, status, created_at, updated_at)"
            " SELECT nextval('leads_id_seq'), n, m, 7, 2, now(), now()"
            " FROM unnest($1::text[], $2::text[]) AS u(n, m)",
            2, NULL, p, NULL, NULL, 0);
        H_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK, "unnest: %s", PQerrorMessage(c));
        PQclear(r);
        free(an);
        free(am);
    }
    double secs = (double)(stats_now_ns() - t0) / 1e9;
    printf("%-28s %8.0f rows/s   (%d chunks of %d)\n", "chunk INSERT, unnest",
           SHAPE_CHUNKS * CHUNK / secs, SHAPE_CHUNKS, CHUNK);
    for (int i = 0; i < CHUNK; i++) {
        free(names[i]);
        free(mobiles[i]);
    }
    free(names);
    free(mobiles);
}

static void s_shape_pipelined(PGconn *c)
{
    PGresult *r = PQprepare(c, "shape_insert",
                            "INSERT INTO leads (id, name, mobile, owner_id, status, created_at,"
                            " updated_at) VALUES (nextval('leads_id_seq'), $1, $2, 7, 2, now(),"
                            " now())",
                            2, NULL);
    H_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK, "prepare: %s", PQerrorMessage(c));
    PQclear(r);
    H_CHECK(PQenterPipelineMode(c) == 1, "pipeline mode");
    uint64_t t0 = stats_now_ns();
    for (int k = 0; k < SHAPE_CHUNKS; k++) {
        for (int i = 0; i < CHUNK; i++) {
            char name[32], mobile[16];
            snprintf(name, sizeof name, "形状%06d", k * CHUNK + i);
            snprintf(mobile, sizeof mobile, "136%08d", k * CHUNK + i);
            const char *p[] = {name, mobile};
            H_CHECK(PQsendQueryPrepared(c, "shape_insert", 2, p, NULL, NULL, 0) == 1, "send");
        }
        H_CHECK(PQpipelineSync(c) == 1, "sync");
        for (int i = 0; i < CHUNK; i++) {
            r = PQgetResult(c);
            H_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK, "insert: %s", PQerrorMessage(c));
            PQclear(r);
            H_CHECK(PQgetResult(c) == NULL, "one result each");
        }
        r = PQgetResult(c);
        H_CHECK(PQresultStatus(r) == PGRES_PIPELINE_SYNC, "sync result");
        PQclear(r);
    }
    double secs = (double)(stats_now_ns() - t0) / 1e9;
    printf("%-28s %8.0f rows/s   (%d chunks of %d, one transaction each)\n",
           "chunk INSERT, pipelined", SHAPE_CHUNKS * CHUNK / secs, SHAPE_CHUNKS, CHUNK);
    PQexitPipelineMode(c);
}

int main(void)
{
    h = h_new("bench_import");
    h_suite(h, 1, 0, 0, 0);
    h_start_all(h);
    printf("bench_import: %d rows in chunks of %d, duplicate checks on\n", ROWS, CHUNK);
    s_import("import, rows", s_fill_rows);
    s_import("import, CSV", s_fill_csv);
    s_raw();
    PGconn *c = s_conn();
    s_shape_unnest(c);
    s_shape_pipelined(c);
    PQfinish(c);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    return 0;
}
