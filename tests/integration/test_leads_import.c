/* test_leads_import.c: importing leads (导入) against the real leads
 * service: to a pool, an employee and a department (status, owner, pool,
 * masking, history, one lead.created each); duplicates of existing leads
 * and inside the import; invalid rows with the field at fault; a chunk sent
 * again returns its first results and creates nothing; a gap and a chunk
 * after the last are refused; the same chunk from several clients at once
 * is applied once; CSV with Chinese headers, a BOM, CRLF, quotes,
 * commas and line breaks in fields, the header kept for later chunks;
 * progress with GetImport; who may import where. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcall.h"

#define OK CRM__STATUS__OK
#define INVALID CRM__STATUS__INVALID_ARGUMENT
#define NOT_FOUND CRM__STATUS__NOT_FOUND
#define DENIED CRM__STATUS__PERMISSION_DENIED
#define PRECONDITION CRM__STATUS__FAILED_PRECONDITION

#define CREATED "IMPORT_OUTCOME_CREATED"
#define DUPLICATE "IMPORT_OUTCOME_DUPLICATE"
#define INVALID_ROW "IMPORT_OUTCOME_INVALID"

static h_t *h;

/* Fails the test unless the last call's field is field. */
#define FIELD_IS(field)                                                                            \
    H_CHECK(strcmp(t_json_field(), field) == 0, "field \"%s\", want \"%s\" (%s)", t_json_field(),  \
            field, t_json_message())

/* Starts an import; target is the ImportTarget's JSON. */
static int64_t s_start(const Crm__Caller *c, const char *target, int allow_duplicates)
{
    json_t *r = t_json_expect(h, OK, "leads", "Leads.StartImport", c,
                              "{\"target\": %s, \"allow_duplicates\": %s,"
                              " \"file_name\": \"线索.csv\", \"expected_rows\": 10}",
                              target, allow_duplicates ? "true" : "false");
    int64_t id = t_int(r, "id");
    H_CHECK(id > 0 && t_int(r, "rows") == 0 && !json_is_true(json_object_get(r, "done")),
            "a fresh import");
    json_decref(r);
    return id;
}

/* Sends chunk seq of rows (a JSON array text); returns the reply. */
static json_t *s_rows(const Crm__Caller *c, Crm__Status want, int64_t imp, int seq, int last,
                      const char *rows)
{
    return t_json_expect(h, want, "leads", "Leads.ImportChunk", c,
                         "{\"import_id\": %lld, \"seq\": %d, \"last\": %s, \"rows\": %s}",
                         (long long)imp, seq, last ? "true" : "false", rows);
}

/* Sends chunk seq as CSV text. */
static json_t *s_csv(const Crm__Caller *c, Crm__Status want, int64_t imp, int seq, int last,
                     const char *csv)
{
    json_t *req = json_pack("{sI si sb ss}", "import_id", (json_int_t)imp, "seq", seq, "last", last,
                            "csv", csv);
    char *text = json_dumps(req, 0);
    json_t *r = t_json_expect(h, want, "leads", "Leads.ImportChunk", c, "%s", text);
    free(text);
    json_decref(req);
    return r;
}

static const char *s_outcome(json_t *r, int i)
{
    char path[64];
    snprintf(path, sizeof path, "results.%d.outcome", i);
    return t_str(r, path);
}

static int64_t s_result_int(json_t *r, int i, const char *member)
{
    char path[64];
    snprintf(path, sizeof path, "results.%d.%s", i, member);
    return t_int(r, path);
}

static const char *s_result_str(json_t *r, int i, const char *member)
{
    char path[64];
    snprintf(path, sizeof path, "results.%d.%s", i, member);
    return t_str(r, path);
}

static int64_t s_count(const char *where)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM leads WHERE %s", where);
    return h_sql_int(h, "leads", sql);
}

static int64_t s_events(void)
{
    return h_sql_int(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'lead.created'");
}

/* ---- targets ------------------------------------------------------------ */

/* Users: 2 admin of the pool; 11, 12 members; 20 not a member. */
static void test_to_pool(void)
{
    json_t *p = t_json_expect(h, OK, "leads", "Leads.CreatePool", t_admin(0, 1),
                              "{\"name\": \"导入池\", \"admin_ids\": [2],"
                              " \"member_user_ids\": [11, 12]}");
    int64_t pool = t_int(p, "id");
    json_decref(p);
    char target[64];
    snprintf(target, sizeof target, "{\"pool_id\": %lld}", (long long)pool);
    t_json_expect(h, DENIED, "leads", "Leads.StartImport", t_user(0, 20, 9), "{\"target\": %s}",
                  target);
    FIELD_IS("target.pool_id");
    t_json_expect(h, NOT_FOUND, "leads", "Leads.StartImport", t_admin(0, 1),
                  "{\"target\": {\"pool_id\": 999}}");
    FIELD_IS("target.pool_id");
    int64_t events = s_events();
    int64_t imp = s_start(t_user(0, 11, 5), target, 0);
    json_t *r = s_rows(t_user(0, 11, 5), OK, imp, 1, 1,
                       "[{\"name\": \"池线索一\", \"mobile\": \"13900000001\","
                       " \"email\": \"a@b.cn\", \"level\": \"重点客户\", \"tags\": [\"展会\"]},"
                       " {\"name\": \"池线索二\", \"telephone\": \"010-12345678\"}]");
    H_CHECK(json_array_size(json_object_get(r, "results")) == 2, "one result per row");
    H_CHECK(strcmp(s_outcome(r, 0), CREATED) == 0 && strcmp(s_outcome(r, 1), CREATED) == 0,
            "both created");
    int64_t id = s_result_int(r, 0, "lead_id");
    H_CHECK(t_int(r, "import.created") == 2 &&
                json_is_true(json_object_get(json_object_get(r, "import"), "done")),
            "counters and done");
    json_decref(r);
    char where[160];
    snprintf(where, sizeof where,
             "pool_id = %lld AND owner_id = 0 AND status = 1 AND creator_id = 11"
             " AND pooled_at IS NOT NULL",
             (long long)pool);
    H_CHECK(s_count(where) == 2, "unowned and unassigned in the pool");
    H_CHECK(s_events() == events + 2, "one lead.created each");
    H_CHECK(h_sql_int(h, "leads",
                      "SELECT count(*) FROM lead_history WHERE action = 'imported'"
                      " AND actor_id = 11 AND pool_id > 0") == 2,
            "history says imported");
    /* A member sees it masked; the pool's admin in full. */
    r = t_json_expect(h, OK, "leads", "Leads.Get", t_user(0, 12, 5), "{\"id\": %lld}",
                      (long long)id);
    H_CHECK(json_is_true(json_object_get(r, "masked")) &&
                strcmp(t_str(r, "mobile"), "13900000001") != 0,
            "masked for a member: %s", t_str(r, "mobile"));
    json_decref(r);
    r = t_json_expect(h, OK, "leads", "Leads.Get", t_user(0, 2, 5), "{\"id\": %lld}",
                      (long long)id);
    H_CHECK(strcmp(t_str(r, "mobile"), "13900000001") == 0 &&
                strcmp(t_str(r, "tags.0"), "展会") == 0,
            "in full for the pool's admin");
    json_decref(r);
    h_note("to a pool: unowned, unassigned, masked, history and events; members only");
}

static void test_to_owner(void)
{
    t_json_expect(h, DENIED, "leads", "Leads.StartImport", t_user(0, 11, 5),
                  "{\"target\": {\"owner_id\": 12}}");
    FIELD_IS("target.owner_id");
    int64_t mine = s_start(t_user(0, 11, 5), "{\"owner_id\": 11}", 0);
    json_decref(s_rows(t_user(0, 11, 5), OK, mine, 1, 1, "[{\"name\": \"自己的线索\"}]"));
    const int64_t team[] = {11};
    int64_t theirs = s_start(t_manager(0, 5, 3, team, 1), "{\"owner_id\": 11}", 0);
    json_decref(
        s_rows(t_manager(0, 5, 3, team, 1), OK, theirs, 1, 1, "[{\"name\": \"经理导入给下属\"}]"));
    H_CHECK(s_count("owner_id = 11 AND pool_id = 0 AND status = 2 AND owner_since IS NOT NULL"
                    " AND name IN ('自己的线索', '经理导入给下属')") == 2,
            "owned and pending");
    /* Another user may not continue someone's import. */
    s_rows(t_user(1, 12, 5), NOT_FOUND, mine, 2, 1, "[{\"name\": \"别人的\"}]");
    FIELD_IS("import_id");
    h_note("to an employee: owned, pending; only within the caller's scope");
}

static void test_to_department(void)
{
    t_json_expect(h, DENIED, "leads", "Leads.StartImport", t_user(0, 11, 7),
                  "{\"target\": {\"department_id\": 7}}");
    FIELD_IS("target.department_id");
    t_json_expect(h, DENIED, "leads", "Leads.StartImport", t_manager(0, 5, 8, NULL, 0),
                  "{\"target\": {\"department_id\": 7}}");
    FIELD_IS("target.department_id");
    int64_t a = s_start(t_admin(0, 1), "{\"department_id\": 7}", 0);
    json_decref(s_rows(t_admin(0, 1), OK, a, 1, 1, "[{\"name\": \"部门线索甲\"}]"));
    int64_t m = s_start(t_manager(0, 6, 7, NULL, 0), "{\"department_id\": 7}", 0);
    json_decref(s_rows(t_manager(0, 6, 7, NULL, 0), OK, m, 1, 1, "[{\"name\": \"部门线索乙\"}]"));
    H_CHECK(s_count("department_id = 7 AND owner_id = 0 AND pool_id = 0 AND status = 1"
                    " AND name LIKE '部门线索%'") == 2,
            "unowned, for department 7");
    t_json_expect(h, INVALID, "leads", "Leads.StartImport", t_admin(0, 1),
                  "{\"target\": {\"owner_id\": 3, \"department_id\": 7}}");
    FIELD_IS("target");
    t_json_expect(h, INVALID, "leads", "Leads.StartImport", t_admin(0, 1), "{}");
    FIELD_IS("target");
    h_note("to a department: unowned, kept for it; admins and its managers only");
}

/* ---- rows --------------------------------------------------------------- */

static void test_duplicates(void)
{
    int64_t existing = t_create_lead(h, "已有线索", "13700000001", 3);
    int64_t imp = s_start(t_admin(0, 1), "{\"owner_id\": 3}", 0);
    json_t *r = s_rows(t_admin(0, 1), OK, imp, 1, 0,
                       "[{\"name\": \"重复已有\", \"mobile\": \"+86 137 0000 0001\"},"
                       " {\"name\": \"新的\", \"mobile\": \"13700000002\"},"
                       " {\"name\": \"块内重复\", \"mobile\": \"137-0000-0002\"},"
                       " {\"name\": \"无手机\"}, {\"name\": \"无手机二\"}]");
    H_CHECK(strcmp(s_outcome(r, 0), DUPLICATE) == 0 &&
                s_result_int(r, 0, "duplicate_of") == existing,
            "duplicate of the existing lead");
    int64_t fresh = s_result_int(r, 1, "lead_id");
    H_CHECK(strcmp(s_outcome(r, 1), CREATED) == 0 && fresh > 0, "created");
    H_CHECK(strcmp(s_outcome(r, 2), DUPLICATE) == 0 && s_result_int(r, 2, "duplicate_of") == fresh,
            "duplicate of the row before it in the chunk");
    H_CHECK(strcmp(s_outcome(r, 3), CREATED) == 0 && strcmp(s_outcome(r, 4), CREATED) == 0,
            "rows without a mobile are never duplicates");
    H_CHECK(s_result_int(r, 4, "row") == 5, "rows numbered from 1");
    json_decref(r);
    r = s_rows(t_admin(0, 1), OK, imp, 2, 1,
               "[{\"name\": \"跨块重复\", \"mobile\": \"13700000002\"}]");
    H_CHECK(strcmp(s_outcome(r, 0), DUPLICATE) == 0 && s_result_int(r, 0, "duplicate_of") == fresh,
            "duplicate of a row of an earlier chunk");
    H_CHECK(s_result_int(r, 0, "row") == 6, "numbered across chunks");
    H_CHECK(t_int(r, "import.created") == 3 && t_int(r, "import.duplicates") == 3 &&
                t_int(r, "import.rows") == 6,
            "counters");
    json_decref(r);
    H_CHECK(s_count("mobile = '13700000002'") == 1, "one lead per mobile");
    /* allow_duplicates imports them anyway */
    int64_t any = s_start(t_admin(0, 1), "{\"owner_id\": 3}", 1);
    r = s_rows(t_admin(0, 1), OK, any, 1, 1,
               "[{\"name\": \"允许重复\", \"mobile\": \"13700000001\"},"
               " {\"name\": \"允许重复二\", \"mobile\": \"13700000001\"}]");
    H_CHECK(strcmp(s_outcome(r, 0), CREATED) == 0 && strcmp(s_outcome(r, 1), CREATED) == 0,
            "allowed");
    json_decref(r);
    H_CHECK(s_count("mobile = '13700000001'") == 3, "three with that mobile now");
    h_note("duplicates: of existing leads, inside a chunk, across chunks; allowed on request");
}

static void test_invalid_rows(void)
{
    int64_t imp = s_start(t_admin(0, 1), "{\"owner_id\": 3}", 0);
    int64_t before = s_count("true");
    json_t *r = s_rows(t_admin(0, 1), OK, imp, 1, 0,
                       "[{\"name\": \"坏手机\", \"mobile\": \"12345\"},"
                       " {\"name\": \"坏等级\", \"level\": \"超级客户\"},"
                       " {\"mobile\": \"13600000001\"},"
                       " {\"name\": \"坏行业\", \"industry\": \"航天\"},"
                       " {\"name\": \"好的\", \"source\": \"广告\", \"industry\": \"化工\"}]");
    const char *fields[] = {"mobile", "level", "name", "industry"};
    for (int i = 0; i < 4; i++)
        H_CHECK(strcmp(s_outcome(r, i), INVALID_ROW) == 0 &&
                    strcmp(s_result_str(r, i, "field"), fields[i]) == 0 &&
                    *s_result_str(r, i, "message"),
                "row %d invalid at %s: %s %s", i + 1, fields[i], s_result_str(r, i, "field"),
                s_result_str(r, i, "message"));
    H_CHECK(strcmp(s_outcome(r, 4), CREATED) == 0, "the good row is created");
    json_decref(r);
    r = s_csv(t_admin(0, 1), OK, imp, 2, 1,
              "线索,手机\n列数不对\n对的,13600000002\n多,13600000003,一列\n");
    H_CHECK(strcmp(s_outcome(r, 0), INVALID_ROW) == 0 &&
                strcmp(s_result_str(r, 0, "field"), "csv") == 0,
            "a record with too few columns is invalid");
    H_CHECK(strcmp(s_outcome(r, 1), CREATED) == 0, "the next is fine");
    H_CHECK(strcmp(s_outcome(r, 2), INVALID_ROW) == 0 &&
                strstr(s_result_str(r, 2, "message"), "line 4"),
            "too many columns, with its line: %s", s_result_str(r, 2, "message"));
    H_CHECK(t_int(r, "import.invalid") == 6 && t_int(r, "import.created") == 2, "counters");
    json_decref(r);
    H_CHECK(s_count("true") == before + 2, "only the good rows became leads");
    h_note("invalid rows: bad mobile, unknown level and industry, no name, wrong column count");
}

static void test_resend_and_gap(void)
{
    int64_t imp = s_start(t_admin(0, 1), "{\"owner_id\": 3}", 0);
    const char *rows = "[{\"name\": \"重发一\", \"mobile\": \"13500000001\"},"
                       " {\"name\": \"重发二\", \"mobile\": \"13500000001\"}, {\"mobile\": \"x\"}]";
    json_t *first = s_rows(t_admin(0, 1), OK, imp, 1, 0, rows);
    int64_t leads = s_count("true"), events = s_events();
    json_t *again = s_rows(t_admin(0, 1), OK, imp, 1, 0, rows);
    H_CHECK(json_equal(json_object_get(first, "results"), json_object_get(again, "results")),
            "the same results");
    H_CHECK(t_int(again, "import.chunks") == 1 && t_int(again, "import.rows") == 3,
            "progress unchanged");
    json_decref(first);
    json_decref(again);
    /* Even with other rows: the chunk's number says it was applied. */
    json_decref(s_rows(t_admin(0, 1), OK, imp, 1, 0, "[{\"name\": \"别的\"}]"));
    H_CHECK(s_count("true") == leads && s_events() == events, "nothing applied twice");
    s_rows(t_admin(0, 1), PRECONDITION, imp, 3, 0, "[{\"name\": \"跳过\"}]");
    FIELD_IS("seq");
    H_CHECK(strstr(t_json_message(), "expected chunk 2"), "names the expected chunk: %s",
            t_json_message());
    json_decref(s_rows(t_admin(0, 1), OK, imp, 2, 1, "[]"));
    s_rows(t_admin(0, 1), PRECONDITION, imp, 3, 0, "[{\"name\": \"完成后\"}]");
    H_CHECK(strstr(t_json_message(), "complete"), "refused after the last: %s", t_json_message());
    json_decref(s_rows(t_admin(0, 1), OK, imp, 2, 1, "[]")); /* the last, sent again */
    json_t *g = t_json_expect(h, OK, "leads", "Leads.GetImport", t_admin(0, 1), "{\"id\": %lld}",
                              (long long)imp);
    H_CHECK(t_int(g, "chunks") == 2 && t_int(g, "rows") == 3 && t_int(g, "created") == 1 &&
                t_int(g, "duplicates") == 1 && t_int(g, "invalid") == 1 &&
                json_is_true(json_object_get(g, "done")) && t_int(g, "expected_rows") == 10 &&
                strcmp(t_str(g, "file_name"), "线索.csv") == 0 && t_int(g, "target.owner_id") == 3,
            "progress");
    json_decref(g);
    t_json_expect(h, NOT_FOUND, "leads", "Leads.GetImport", t_user(0, 11, 5), "{\"id\": %lld}",
                  (long long)imp);
    FIELD_IS("id");
    s_rows(t_admin(0, 1), NOT_FOUND, 999999, 1, 0, "[]");
    FIELD_IS("import_id");
    h_note("a chunk sent again: its first results, nothing twice; gaps and chunks after the last "
           "refused");
}

/* One of several clients sending the same chunk at once (as a retry
 * racing the first attempt would). */
typedef struct {
    int64_t imp;
    Crm__Status st;
    uint8_t *results; /* the reply's results, encoded */
    size_t len;
} racer_t;

static void *s_racer(void *arg)
{
    racer_t *r = arg;
    enum { N = 200 };
    Crm__Leads__ImportRow rows[N], *ptrs[N];
    char names[N][32], mobiles[N][16];
    for (int i = 0; i < N; i++) {
        crm__leads__import_row__init(&rows[i]);
        snprintf(names[i], sizeof names[i], "并发%03d", i);
        snprintf(mobiles[i], sizeof mobiles[i], "1330000%04d", i % 150); /* 50 duplicates */
        rows[i].name = names[i];
        rows[i].mobile = mobiles[i];
        ptrs[i] = &rows[i];
    }
    Crm__Leads__ImportChunkRequest req = CRM__LEADS__IMPORT_CHUNK_REQUEST__INIT;
    req.import_id = r->imp;
    req.seq = 1;
    req.rows = ptrs;
    req.n_rows = N;
    ProtobufCMessage *reply = NULL;
    r->st = t_call_at(h_rpc(h, "leads"), 20000, "Leads.ImportChunk", &req.base,
                      &crm__leads__import_chunk_reply__descriptor, t_system(), &reply, NULL);
    if (reply) {
        Crm__Leads__ImportChunkReply *rep = (void *)reply;
        Crm__Leads__Import *progress = rep->import;
        rep->import = NULL; /* the progress may differ; the results may not */
        r->len = protobuf_c_message_get_packed_size(reply);
        r->results = malloc(r->len);
        protobuf_c_message_pack(reply, r->results);
        rep->import = progress;
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    return NULL;
}

static void test_concurrent_resend(void)
{
    enum { RACERS = 4 };
    int64_t imp = s_start(t_admin(0, 1), "{\"owner_id\": 3}", 0);
    racer_t r[RACERS] = {0};
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++) {
        r[i].imp = imp;
        H_CHECK(pthread_create(&t[i], NULL, s_racer, &r[i]) == 0, "thread");
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < RACERS; i++) {
        H_CHECK(r[i].st == OK && r[i].len == r[0].len &&
                    memcmp(r[i].results, r[0].results, r[0].len) == 0,
                "client %d: %s, the same results", i, crm_status_name(r[i].st));
    }
    for (int i = 0; i < RACERS; i++)
        free(r[i].results);
    H_CHECK(s_count("name LIKE '并发%'") == 150, "applied once: 150 created, 50 duplicates");
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM lead_imports WHERE id = %lld AND rows = 200 AND created = 150"
             " AND duplicates = 50 AND chunks = 1",
             (long long)imp);
    H_CHECK(h_sql_int(h, "leads", sql) == 1, "counted once");
    h_note("the same chunk from %d clients at once: applied once, the same results for all",
           RACERS);
}

static void test_limits(void)
{
    int64_t imp = s_start(t_admin(0, 1), "{\"owner_id\": 3}", 0);
    s_rows(t_admin(0, 1), INVALID, imp, 0, 0, "[]");
    FIELD_IS("seq");
    json_t *req = json_pack("{sI si s[{ss}] ss}", "import_id", (json_int_t)imp, "seq", 1, "rows",
                            "name", "x", "csv", "线索\ny\n");
    char *text = json_dumps(req, 0);
    t_json_expect(h, INVALID, "leads", "Leads.ImportChunk", t_admin(0, 1), "%s", text);
    FIELD_IS("csv");
    free(text);
    json_decref(req);
    size_t n = 5001, cap = n * 16 + 16, len = 0;
    char *rows = malloc(cap);
    len += (size_t)snprintf(rows + len, cap - len, "[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(rows + len, cap - len, "%s{\"name\": \"r\"}", i ? "," : "");
    snprintf(rows + len, cap - len, "]");
    s_rows(t_admin(0, 1), INVALID, imp, 1, 0, rows);
    FIELD_IS("rows");
    free(rows);
    h_note("limits: seq from 1, rows or csv, at most 5000 rows");
}

/* ---- CSV ---------------------------------------------------------------- */

static void test_csv(void)
{
    int64_t imp = s_start(t_admin(0, 1), "{\"owner_id\": 4}", 0);
    /* An unknown column refuses the chunk as a whole, naming the column. */
    s_csv(t_admin(0, 1), INVALID, imp, 1, 0, "线索,手机,生日\n张三,13400000001,1990\n");
    FIELD_IS("csv");
    H_CHECK(strstr(t_json_message(), "生日"), "names the column: %s", t_json_message());
    s_csv(t_admin(0, 1), INVALID, imp, 1, 0, "线索,手机\n\"没闭合,13400000001\n");
    FIELD_IS("csv");
    H_CHECK(strstr(t_json_message(), "line 2"), "names the line: %s", t_json_message());
    /* The template's header (ID, 部门id, 推送类型 ignored), a BOM, CRLF,
     * quotes, commas and line breaks inside fields. */
    const char *chunk1 =
        "\xEF\xBB\xBFID,线索,手机,电话,备注,详细地址,部门id,推送类型,公司,标签,等级,邮箱\r\n"
        ",测试线索D,15263698541,,\"第一行\r\n第二行\",\"北京市, "
        "朝阳区\",,,\"某某\"\"有限\"\"公司\","
        "\"大客户;展会，老客户\",重点客户,d@example.com\r\n"
        ",测试线索E,15263698634,0531-88886666,,,9,微信,,,,\r\n"
        ",,,,,,,,,,,\r\n";
    json_t *r = s_csv(t_admin(0, 1), OK, imp, 1, 0, chunk1);
    H_CHECK(json_array_size(json_object_get(r, "results")) == 2, "empty records are skipped");
    H_CHECK(strcmp(s_outcome(r, 0), CREATED) == 0 && strcmp(s_outcome(r, 1), CREATED) == 0,
            "both created: %s %s", s_result_str(r, 0, "message"), s_result_str(r, 1, "message"));
    int64_t d = s_result_int(r, 0, "lead_id");
    json_decref(r);
    /* Later chunks carry no header: the first one's is kept. English names
     * are the same columns. */
    r = s_csv(t_admin(0, 1), OK, imp, 2, 1, ",测试线索F,13902369854,,,,,,,,,\n");
    H_CHECK(strcmp(s_outcome(r, 0), CREATED) == 0 && s_result_int(r, 0, "row") == 3,
            "the stored header reads chunk 2");
    json_decref(r);
    r = t_json_expect(h, OK, "leads", "Leads.Get", t_admin(0, 1), "{\"id\": %lld}", (long long)d);
    H_CHECK(strcmp(t_str(r, "name"), "测试线索D") == 0 &&
                strcmp(t_str(r, "remark"), "第一行\r\n第二行") == 0 &&
                strcmp(t_str(r, "address"), "北京市, 朝阳区") == 0 &&
                strcmp(t_str(r, "company"), "某某\"有限\"公司") == 0 &&
                strcmp(t_str(r, "level"), "重点客户") == 0 &&
                strcmp(t_str(r, "email"), "d@example.com") == 0 &&
                strcmp(t_str(r, "tags.0"), "大客户") == 0 &&
                strcmp(t_str(r, "tags.1"), "展会") == 0 &&
                strcmp(t_str(r, "tags.2"), "老客户") == 0 && t_int(r, "owner_id") == 4,
            "the fields as written: %s", json_dumps(r, 0));
    json_decref(r);
    H_CHECK(s_count("telephone = '0531-88886666' AND name = '测试线索E'") == 1,
            "the landline normalised");
    int64_t en = s_start(t_admin(0, 1), "{\"owner_id\": 4}", 0);
    r = s_csv(t_admin(0, 1), OK, en, 1, 1,
              "Name,Mobile,Source,Industry,Province,City,District,WeChat,QQ,Remark\n"
              "English Header,13400000009,广告,化工,山东,济南,历下,wx1,12345,hi\n");
    H_CHECK(strcmp(s_outcome(r, 0), CREATED) == 0, "English headers: %s",
            s_result_str(r, 0, "message"));
    json_decref(r);
    H_CHECK(
        s_count("name = 'English Header' AND city = '济南' AND qq = '12345' AND source = '广告'") ==
            1,
        "English columns mapped");
    h_note(
        "CSV: template header, BOM, CRLF, quotes/commas/line breaks, header kept, English names");
}

/* An import can be cancelled (what was applied stays; no more chunks) and
 * the caller lists their imports, newest first. */
static void test_cancel_and_list(void)
{
    const Crm__Caller *u = t_user(0, 61, 5), *other = t_user(1, 62, 5);
    int64_t imp = s_start(u, "{\"owner_id\": 61}", 0);
    json_decref(s_rows(u, OK, imp, 1, 0, "[{\"name\": \"取消前\", \"mobile\": \"13512340001\"}]"));
    t_json_expect(h, NOT_FOUND, "leads", "Leads.CancelImport", other, "{\"id\": %lld}",
                  (long long)imp);
    json_t *r =
        t_json_expect(h, OK, "leads", "Leads.CancelImport", u, "{\"id\": %lld}", (long long)imp);
    H_CHECK(json_is_true(json_object_get(r, "cancelled")) &&
                json_is_true(json_object_get(r, "done")) && t_int(r, "created") == 1,
            "cancelled, done, what was applied stays");
    json_decref(r);
    s_rows(u, PRECONDITION, imp, 2, 0, "[{\"name\": \"取消后\"}]");
    FIELD_IS("seq");
    H_CHECK(strstr(t_json_message(), "cancelled") != NULL, "says cancelled: %s", t_json_message());
    t_json_expect(h, PRECONDITION, "leads", "Leads.CancelImport", u, "{\"id\": %lld}",
                  (long long)imp);
    H_CHECK(s_count("name = '取消后'") == 0, "nothing after the cancel");

    int64_t second = s_start(u, "{\"owner_id\": 61}", 0);
    r = t_json_expect(h, OK, "leads", "Leads.ListImports", u, "{\"limit\": 1}");
    H_CHECK(json_array_size(json_object_get(r, "items")) == 1 && t_int(r, "items.0.id") == second,
            "newest first, one a page");
    char *cursor = strdup(t_str(r, "next_cursor"));
    json_decref(r);
    r = t_json_expect(h, OK, "leads", "Leads.ListImports", u, "{\"limit\": 1, \"cursor\": \"%s\"}",
                      cursor);
    free(cursor);
    H_CHECK(t_int(r, "items.0.id") == imp, "then the cancelled one");
    json_decref(r);
    r = t_json_expect(h, OK, "leads", "Leads.ListImports", other, "{}");
    H_CHECK(json_array_size(json_object_get(r, "items")) == 0, "another user sees none of them");
    json_decref(r);
    t_json_expect(h, INVALID, "leads", "Leads.ListImports", u, "{\"cursor\": \"junk\"}");
    FIELD_IS("cursor");
    h_note("import: cancelled and listed");
}

int main(void)
{
    h = h_new("leads_import");
    h_suite(h, 1, 0, 0, 0);
    h_start_all(h);
    test_to_pool();
    test_to_owner();
    test_to_department();
    test_duplicates();
    test_invalid_rows();
    test_resend_and_gap();
    test_concurrent_resend();
    test_limits();
    test_csv();
    test_cancel_and_list();
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("leads_import: ok\n");
    return 0;
}
