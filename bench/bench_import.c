/* bench_import.c: import throughput, for each domain that imports (leads,
 * customers; `bench_import leads` or `bench_import customers` runs one).
 * 100,000 rows go through <Domain>.ImportChunk in chunks of 1,000, once as
 * rows and once as CSV, to an employee with duplicate checking on (every
 * row has a distinct mobile, so all are created): rows/s over the whole
 * import and the latency of each chunk; customers once more as CSV with a
 * first contact per row. Beside it, in the same run:
 *   - the raw limit: the same number of records written by one INSERT ...
 *     SELECT in one transaction through libpq, alone and with one history
 *     row and one outbox row each (what an import writes per record);
 *   - leads: the shape of a chunk's INSERT: 1,000 rows as one INSERT from
 *     arrays (unnest, what the import does) against 1,000 prepared INSERTs
 *     pipelined in one transaction.
 * Customers' raw limits twice: their recycle deadlines by the per-row
 * trigger, and computed in the INSERT as an import's are (sql/015).
 * Run it with CRM_PG_DURABLE=1 for PostgreSQL with fsync on, as up.sh runs
 * it; CRM_BENCH_CHUNK sets the rows per chunk (1,000), CRM_BENCH_NO_RELAY=1
 * leaves the relay out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"
#include "stats.h"
#include "suite.h"

#define ROWS 100000
#define CHUNK_MAX 5000 /* rows per chunk: CRM_BENCH_CHUNK, 1,000 by default */
#define SHAPE_ROWS 1000

static int s_chunk = 1000;

static h_t *h;

/* ---- through the service ---------------------------------------------- */

/* A chunk request of either domain: the fields they share, by name. */
typedef struct {
    ProtobufCMessage *msg;
    int64_t *import_id;
    int32_t *seq;
    protobuf_c_boolean *last;
} chunk_req_t;

/* The member of field name of msg. */
static void *s_member(ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
    return (char *)msg + f->offset;
}

/* A domain that imports: its service, method and the fills of its rows. */
typedef struct domain domain_t;

/* Sends req to d; checks every row was created; returns the chunk's ns. */
static uint64_t s_send(const domain_t *d, chunk_req_t *req, size_t want);

/* Fills chunk seq's rows or CSV (into static storage). */
typedef void (*fill_fn)(int seq, ProtobufCMessage *req);

struct domain {
    const char *name;         /* "leads": the service and its database */
    const char *chunk_method; /* "Leads.ImportChunk" */
    const ProtobufCMessageDescriptor *chunk, *reply;
    int64_t (*start)(void); /* a fresh import for owner 7 */
    fill_fn rows, csv, csv_contacts;
    void (*raw)(void);
};

static uint64_t s_send(const domain_t *d, chunk_req_t *req, size_t want)
{
    ProtobufCMessage *reply = NULL;
    char *err = NULL;
    uint64_t t0 = stats_now_ns();
    Crm__Status st = t_call_at(h_rpc(h, d->name), 30000, d->chunk_method, req->msg, d->reply,
                               t_system(), &reply, &err);
    uint64_t ns = stats_now_ns() - t0;
    H_CHECK(st == CRM__STATUS__OK, "chunk %d: %s", *req->seq, err ? err : "");
    ProtobufCMessage *imp = *(ProtobufCMessage **)s_member(reply, "import");
    int64_t created = *(int64_t *)s_member(imp, "created");
    H_CHECK(created == (int64_t)want, "created %lld of %zu", (long long)created, want);
    protobuf_c_message_free_unpacked(reply, NULL);
    free(err);
    return ns;
}

static void s_report(const char *label, stats_t *s, uint64_t total_ns)
{
    printf("%-28s %8.0f rows/s   chunk p50 %6.1f ms  p99 %6.1f ms\n", label,
           ROWS / ((double)total_ns / 1e9), stats_pct_us(s, 50) / 1000, stats_pct_us(s, 99) / 1000);
}

/* Chunk seq's rows (the request's repeated "rows", whatever the domain's
 * row message), filled by field name into static storage: a name, a
 * mobile of prefix, a company, a source, a level, a city and two tags. */
static void s_fill_rows_as(int seq, ProtobufCMessage *req, const char *prefix, const char *level)
{
    static char *block;
    static ProtobufCMessage *ptrs[CHUNK_MAX];
    static char names[CHUNK_MAX][32], mobiles[CHUNK_MAX][16];
    static char *tags[] = {"导入", "基准"};
    const ProtobufCFieldDescriptor *rows =
        protobuf_c_message_descriptor_get_field_by_name(req->descriptor, "rows");
    const ProtobufCMessageDescriptor *d = rows->descriptor;
    block = crm_realloc(block, CHUNK_MAX * d->sizeof_message);
    for (int i = 0; i < s_chunk; i++) {
        int n = (seq - 1) * s_chunk + i;
        ProtobufCMessage *row = (ProtobufCMessage *)(block + (size_t)i * d->sizeof_message);
        d->message_init(row);
        snprintf(names[i], sizeof names[i], "导入基准%06d", n);
        snprintf(mobiles[i], sizeof mobiles[i], "%s%08d", prefix, n);
        const char *v[][2] = {
            {"name", names[i]}, {"mobile", mobiles[i]}, {"company", "某某科技有限公司"},
            {"source", "广告"}, {"level", level},       {"city", "济南"}};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            *(const char **)s_member(row, v[k][0]) = v[k][1];
        *(char ***)s_member(row, "tags") = tags;
        *(size_t *)((char *)row +
                    protobuf_c_message_descriptor_get_field_by_name(d, "tags")->quantifier_offset) =
            2;
        ptrs[i] = row;
    }
    *(ProtobufCMessage ***)((char *)req + rows->offset) = ptrs;
    *(size_t *)((char *)req + rows->quantifier_offset) = (size_t)s_chunk;
}

static void s_fill_rows(int seq, ProtobufCMessage *msg)
{
    s_fill_rows_as(seq, msg, "131", "普通客户");
}

/* The same rows as CSV (other mobiles), the header in chunk 1. */
static void s_fill_csv(int seq, ProtobufCMessage *msg)
{
    Crm__Leads__ImportChunkRequest *req = (void *)msg;
    static char csv[64 + CHUNK_MAX * 160];
    size_t len = 0;
    if (seq == 1)
        len += (size_t)snprintf(csv, sizeof csv, "线索,手机,公司,来源,等级,市,标签\r\n");
    for (int i = 0; i < s_chunk; i++) {
        int n = (seq - 1) * s_chunk + i;
        len += (size_t)snprintf(csv + len, sizeof csv - len,
                                "导入基准%06d,132%08d,\"某某科技有限公司\",广告,普通客户,济南,"
                                "导入;基准\r\n",
                                n, n);
    }
    req->csv = csv;
}

static void s_import(const domain_t *d, const char *how, fill_fn fill)
{
    int64_t imp = d->start();
    stats_t s = {0};
    char *msg = crm_calloc(1, d->chunk->sizeof_message);
    uint64_t t0 = stats_now_ns();
    for (int seq = 1; seq <= ROWS / s_chunk; seq++) {
        d->chunk->message_init((ProtobufCMessage *)msg);
        chunk_req_t req = {(ProtobufCMessage *)msg, s_member((void *)msg, "import_id"),
                           s_member((void *)msg, "seq"), s_member((void *)msg, "last")};
        fill(seq, req.msg);
        *req.import_id = imp;
        *req.seq = seq;
        *req.last = seq == ROWS / s_chunk;
        stats_add(&s, s_send(d, &req, (size_t)seq * s_chunk));
    }
    char label[64];
    snprintf(label, sizeof label, "%s import, %s", d->name, how);
    s_report(label, &s, stats_now_ns() - t0);
    stats_free(&s);
    free(msg);
}

/* ---- the raw limit ------------------------------------------------------ */

static PGconn *s_conn(const char *db)
{
    PGconn *c = PQconnectdb(h_pg(h, db));
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

/* A domain's raw limit: its database, its records alone (one statement),
 * then records, history and outbox rows in one transaction (three). */
typedef struct {
    const char *db, *noun;
    const char *how; /* said after the figures ("": nothing) */
    const char *alone, *records, *history, *outbox;
} raw_t;

static void s_raw_of(const raw_t *r)
{
    PGconn *c = s_conn(r->db);
    uint64_t t0 = stats_now_ns();
    s_exec(c, r->alone);
    double secs = (double)(stats_now_ns() - t0) / 1e9;
    char label[64];
    snprintf(label, sizeof label, "%s raw limit", r->noun);
    printf("%-28s %8.0f rows/s   (one INSERT ... SELECT, %s only%s)\n", label, ROWS / secs, r->noun,
           r->how);
    t0 = stats_now_ns();
    s_exec(c, "BEGIN");
    s_exec(c, r->records);
    s_exec(c, r->history);
    s_exec(c, r->outbox);
    s_exec(c, "COMMIT");
    secs = (double)(stats_now_ns() - t0) / 1e9;
    snprintf(label, sizeof label, "%s raw, all writes", r->noun);
    printf("%-28s %8.0f rows/s   (%s + history + outbox, three INSERT ... SELECT, one"
           " transaction%s)\n",
           label, ROWS / secs, r->noun, r->how);
    PQfinish(c);
}

static void s_shape_unnest(PGconn *c);
static void s_shape_pipelined(PGconn *c);

static void s_raw(void)
{
    const raw_t r = {
        "leads",
        "leads",
        "",
        RAW_LEADS("133"),
        RAW_LEADS("134"),
        "INSERT INTO lead_history (lead_id, action, actor_id, at, to_owner_id, detail)"
        " SELECT id, 'imported', 0, now(), 7, '{}' FROM leads WHERE mobile LIKE '134%'",
        "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)"
        " SELECT gen_random_uuid(), 'lead.created', id::text,"
        " decode(repeat('0a1b2c3d', 45), 'hex') FROM leads WHERE mobile LIKE '134%'",
    };
    s_raw_of(&r);
    PGconn *c = s_conn("leads");
    s_shape_unnest(c);
    s_shape_pipelined(c);
    PQfinish(c);
}

/* ---- the shape of a chunk's INSERT -------------------------------------- */

#define SHAPE_CHUNKS 20

static void s_shape_unnest(PGconn *c)
{
    char **names = malloc(SHAPE_ROWS * sizeof *names),
         **mobiles = malloc(SHAPE_ROWS * sizeof *mobiles);
    for (int i = 0; i < SHAPE_ROWS; i++) {
        names[i] = malloc(32);
        mobiles[i] = malloc(16);
    }
    uint64_t t0 = stats_now_ns();
    for (int k = 0; k < SHAPE_CHUNKS; k++) {
        for (int i = 0; i < SHAPE_ROWS; i++) {
            snprintf(names[i], 32, "形状%06d", k * SHAPE_ROWS + i);
            snprintf(mobiles[i], 16, "135%08d", k * SHAPE_ROWS + i);
        }
        char *an = crm_db_text_array(names, SHAPE_ROWS),
             *am = crm_db_text_array(mobiles, SHAPE_ROWS);
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
           SHAPE_CHUNKS * SHAPE_ROWS / secs, SHAPE_CHUNKS, SHAPE_ROWS);
    for (int i = 0; i < SHAPE_ROWS; i++) {
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
        for (int i = 0; i < SHAPE_ROWS; i++) {
            char name[32], mobile[16];
            snprintf(name, sizeof name, "形状%06d", k * SHAPE_ROWS + i);
            snprintf(mobile, sizeof mobile, "136%08d", k * SHAPE_ROWS + i);
            const char *p[] = {name, mobile};
            H_CHECK(PQsendQueryPrepared(c, "shape_insert", 2, p, NULL, NULL, 0) == 1, "send");
        }
        H_CHECK(PQpipelineSync(c) == 1, "sync");
        for (int i = 0; i < SHAPE_ROWS; i++) {
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
           "chunk INSERT, pipelined", SHAPE_CHUNKS * SHAPE_ROWS / secs, SHAPE_CHUNKS, SHAPE_ROWS);
    PQexitPipelineMode(c);
}

static int64_t s_lead_start(void)
{
    return t_start_import(h, "leads", 7, ROWS);
}

/* ---- customers ----------------------------------------------------------- */

static int64_t s_customer_start(void)
{
    return t_start_import(h, "customers", 7, ROWS);
}

/* The customers' rows: the leads' fields, and a level of theirs. */
static void s_customer_rows(int seq, ProtobufCMessage *msg)
{
    s_fill_rows_as(seq, msg, "151", "A");
}

/* The same as CSV (other mobiles; other names, so no name repeats), with
 * a first contact per row or not. */
static void s_customer_csv_of(int seq, ProtobufCMessage *msg, int contacts)
{
    static char csv[96 + CHUNK_MAX * 200];
    size_t len = 0;
    if (seq == 1)
        len +=
            (size_t)snprintf(csv, sizeof csv, "客户名称,手机,公司,客户来源,客户级别,市,标签%s\r\n",
                             contacts ? ",联系人,联系人手机" : "");
    for (int i = 0; i < s_chunk; i++) {
        int n = (seq - 1) * s_chunk + i;
        len +=
            (size_t)snprintf(csv + len, sizeof csv - len,
                             "导入基准%c%06d,15%c%08d,\"某某科技有限公司\",广告,A,济南,导入;基准",
                             contacts ? 'L' : 'C', n, contacts ? '3' : '2', n);
        if (contacts)
            len += (size_t)snprintf(csv + len, sizeof csv - len, ",联系人%06d,156%08d", n, n);
        len += (size_t)snprintf(csv + len, sizeof csv - len, "\r\n");
    }
    ((Crm__Customers__CustomerImportChunkRequest *)msg)->csv = csv;
}

static void s_customer_csv(int seq, ProtobufCMessage *msg)
{
    s_customer_csv_of(seq, msg, 0);
}

static void s_customer_csv_contacts(int seq, ProtobufCMessage *msg)
{
    s_customer_csv_of(seq, msg, 1);
}

/* The customers of the raw runs: prefix p makes their mobiles distinct.
 * Their recycle deadlines come from the per-row trigger (sql/008), or, as
 * an import's now do (sql/015), from customer_deadline computed once in the
 * INSERT (every row is of level A, owned by 7, in the default pool). */
#define RAW_CUSTOMER_COLUMNS                                                                       \
    "INSERT INTO customers (id, name, mobile, company, source, level, city, tags, owner_id,"       \
    " department_id, creator_id, owner_since, completeness, created_at, updated_at"
#define RAW_CUSTOMER_VALUES(p)                                                                     \
    " SELECT nextval('customers_id_seq'), '导入基准" p "' || g, '" p "' || lpad(g::text, 8, '0')," \
    " '某某科技有限公司', '广告', 'A', '济南', '{导入,基准}', 7, 0, 0, now(), 38, now(), now()"
#define RAW_CUSTOMERS(p)                                                                           \
    RAW_CUSTOMER_COLUMNS ")" RAW_CUSTOMER_VALUES(p) " FROM generate_series(1, 100000) g"
/* clang-format off */
#define RAW_CUSTOMERS_DEADLINED(p)                                                                 \
    "WITH d AS (SELECT x.* FROM customer_pools p CROSS JOIN LATERAL customer_deadline("            \
    "p.recycle_rules, p.warn_days, jsonb_populate_record(NULL::customers, jsonb_build_object("     \
    "'owner_id', 7, 'level', 'A', 'locked', false, 'deal_status', 1, 'open_opportunities', 0,"     \
    " 'owner_since', now(), 'created_at', now()))) x WHERE p.id = 1) " RAW_CUSTOMER_COLUMNS        \
    ", recycle_at, recycle_warn_at, recycle_rule, recycle_rule_days)" RAW_CUSTOMER_VALUES(p)       \
    ", d.at, d.warn_at, COALESCE(d.rule, ''), COALESCE(d.days, 0)"                                 \
    " FROM generate_series(1, 100000) g LEFT JOIN d ON true"
/* clang-format on */
#define RAW_CUSTOMER_HISTORY(p)                                                                    \
    "INSERT INTO customer_history (kind, record_id, action, actor_id, at, to_owner_id,"            \
    " detail) SELECT 'customer', id, 'imported', 0, now(), 7, '{\"import_id\": 1}'"                \
    " FROM customers WHERE mobile LIKE '" p "%'"
#define RAW_CUSTOMER_OUTBOX(p)                                                                     \
    "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)"                               \
    " SELECT gen_random_uuid(), 'customer.created', id::text,"                                     \
    " decode(repeat('0a1b2c3d', 60), 'hex') FROM customers WHERE mobile LIKE '" p "%'"

static void s_customer_raw(void)
{
    const raw_t by_trigger = {
        "customers",
        "customers",
        "; their deadlines by the per-row trigger",
        RAW_CUSTOMERS("157"),
        RAW_CUSTOMERS("158"),
        RAW_CUSTOMER_HISTORY("158"),
        RAW_CUSTOMER_OUTBOX("158"),
    };
    const raw_t in_insert = {
        "customers",
        "customers",
        "; their deadlines in the INSERT, as an import's",
        RAW_CUSTOMERS_DEADLINED("167"),
        RAW_CUSTOMERS_DEADLINED("168"),
        RAW_CUSTOMER_HISTORY("168"),
        RAW_CUSTOMER_OUTBOX("168"),
    };
    s_raw_of(&by_trigger);
    s_raw_of(&in_insert);
    H_CHECK(h_sql_int(
                h, "customers",
                "SELECT count(*) FROM customers WHERE mobile LIKE '16%' AND (recycle_at IS"
                " NULL OR recycle_at <> owner_since + recycle_rule_days * interval '1 day')") == 0,
            "the raw run's deadlines in the INSERT are the rule's");
}

static const domain_t s_domains[] = {
    {"leads", "Leads.ImportChunk", &crm__leads__import_chunk_request__descriptor,
     &crm__leads__import_chunk_reply__descriptor, s_lead_start, s_fill_rows, s_fill_csv, NULL,
     s_raw},
    {"customers", "Customers.ImportChunk",
     &crm__customers__customer_import_chunk_request__descriptor,
     &crm__customers__customer_import_chunk_reply__descriptor, s_customer_start, s_customer_rows,
     s_customer_csv, s_customer_csv_contacts, s_customer_raw},
};

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    const char *chunk = getenv("CRM_BENCH_CHUNK");
    if (chunk)
        s_chunk = atoi(chunk);
    H_CHECK(s_chunk > 0 && s_chunk <= CHUNK_MAX && ROWS % s_chunk == 0,
            "CRM_BENCH_CHUNK: 1 to %d, dividing %d", CHUNK_MAX, ROWS);
    h = h_new("bench_import");
    h_suite(h, 1, 1, 0, 1);
    /* CRM_BENCH_NO_RELAY=1: the services publish nothing (no PUB endpoint,
     * so no relay numbers the events on the same cores; they stay in the
     * outbox), to tell the import's own cost from its relay's. */
    int no_relay = getenv("CRM_BENCH_NO_RELAY") && !strcmp(getenv("CRM_BENCH_NO_RELAY"), "1");
    if (no_relay)
        h_setenv(h, "CRM_PUB_BIND=");
    h_start_all(h);
    printf("bench_import: %d rows in chunks of %d, duplicate checks on, PostgreSQL %s%s\n", ROWS,
           s_chunk, getenv("CRM_PG_DURABLE") ? "durable (fsync on)" : "with fsync off",
           no_relay ? ", no relay" : "");
    for (size_t i = 0; i < sizeof s_domains / sizeof s_domains[0]; i++) {
        const domain_t *d = &s_domains[i];
        if (only && strcmp(only, d->name) != 0)
            continue;
        s_import(d, "rows", d->rows);
        s_import(d, "CSV", d->csv);
        if (d->csv_contacts)
            s_import(d, "CSV + contact", d->csv_contacts);
        d->raw();
    }
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    return 0;
}
