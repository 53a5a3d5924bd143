/* test_contact_import.c: importing contacts (联系人导入) over the gateway
 * against the real customers service: each row naming its customer by
 * exact name among those the importer may edit, or by id; rows created
 * (the contact's fields, contact.created each), duplicates of an existing
 * contact and of an earlier row (by mobile; in a later chunk too), a
 * pooled customer's contact masked to the importer being no duplicate of
 * theirs (an admin's is); invalid rows naming their field (no name, a bad
 * mobile, e-mail or birthday, no customer, an unknown, ambiguous,
 * renamed or uneditable one: another's, a pooled one, a read-only team's;
 * a second primary for one customer, in the chunk or a later one); a row
 * held back for its customer passing its place to the next row of its
 * mobile; the primaries (a marked row demotes the previous primary with
 * contact.updated, a customer without contacts gets the first); a chunk
 * sent again applied once; a header without the customer refused; rows as
 * JSON with allow_duplicates; another user refused per row; an XLSX
 * workbook giving the same results as its rows in CSV; get, list, cancel
 * and another user who sees none of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"
#include "xlsx_fixture.h"

#define XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static h_t *h;
static const char *base;
static char *admin;

/* A signed-in user. */
typedef struct {
    char *token;
    long long id;
} user_t;

static user_t importer, other;

/* A number (printf-style SQL) from the customers' database. */
#define s_sql(...) h_sql_intf(h, "customers", __VA_ARGS__)

static long long s_events(const char *type)
{
    return s_sql("SELECT count(*) FROM crm_outbox WHERE type = '%s'", type);
}

/* A customer of owner made by an admin (names may repeat), with more
 * fields (JSON members, or ""). */
static long long s_customer(const char *name, long long owner, const char *more)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld,\"allow_duplicate\":true%s%s}",
                             name, owner, *more ? "," : "", more);
    long long id = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    return id;
}

/* The id of the contact of customer named name. */
static long long s_contact_id(long long customer, const char *name)
{
    return s_sql("SELECT id FROM contacts WHERE customer_id = %lld AND name = '%s'", customer,
                 name);
}

/* POST /api/v1/contact-imports as token: the new import's id. */
static long long s_start(const char *token, int allow_duplicates)
{
    char body[128];
    snprintf(body, sizeof body, "{\"file_name\":\"联系人.csv\",\"allow_duplicates\":%s}",
             allow_duplicates ? "true" : "false");
    t_resp_t r = t_expect(201, "POST", base, token, body, "/api/v1/contact-imports");
    long long id = t_json_int(&r, "id");
    char want[64];
    snprintf(want, sizeof want, "/api/v1/contact-imports/%lld", id);
    H_CHECK(strstr(r.location, want) && t_json_int(&r, "rows") == 0, "started: %s %s", r.location,
            r.raw);
    t_resp_free(&r);
    return id;
}

/* Sends chunk seq of import imp as token: member ("csv" or "rows") with
 * the JSON value value (a string is quoted here). The response; its status
 * must be want. */
static t_resp_t s_chunk(int want, const char *token, long long imp, int seq, int last,
                        const char *member, const char *value)
{
    json_t *body = json_pack("{si sb}", "seq", seq, "last", last);
    json_object_set_new(body, member,
                        strcmp(member, "csv") ? json_loads(value, 0, NULL) : json_string(value));
    char *text = json_dumps(body, 0), path[96];
    snprintf(path, sizeof path, "/api/v1/contact-imports/%lld/chunks", imp);
    t_resp_t r = t_expect(want, "POST", base, token, text, path);
    free(text);
    json_decref(body);
    return r;
}

/* Row i's outcome must be want (and, when invalid, its field, its message
 * holding part when given). */
static void s_outcome(const t_resp_t *r, int i, const char *want, const char *field,
                      const char *part)
{
    char p[64];
    snprintf(p, sizeof p, "results.%d.outcome", i);
    const char *got = t_json_str(r, p);
    snprintf(p, sizeof p, "results.%d.field", i);
    const char *f = t_json_str(r, p);
    snprintf(p, sizeof p, "results.%d.message", i);
    const char *msg = t_json_str(r, p);
    H_CHECK(!strcmp(got, want) && (!field || !strcmp(f, field)) && (!part || strstr(msg, part)),
            "row %d: %s %s (%s), want %s %s (%s)", i + 1, got, f, msg, want, field ? field : "",
            part ? part : "");
    if (field)
        H_CHECK(*msg, "row %d says why", i + 1);
}

static long long s_result(const t_resp_t *r, int i, const char *member)
{
    char p[64];
    snprintf(p, sizeof p, "results.%d.%s", i, member);
    return t_json_int(r, p);
}

/* ---- CSV by name: created, duplicates, invalid, primaries -------------------- */

#define HEADER "客户名称,姓名,职务,手机,电话,邮箱,微信,生日,备注,首要联系人\n"

static long long a, b, k1, kp;

static void test_rows(void)
{
    a = s_customer("联系人导入甲", importer.id, "");
    b = s_customer("联系人导入乙", importer.id,
                   "\"contact\":{\"name\":\"老联系人\",\"mobile\":\"13900000001\"}");
    k1 = s_contact_id(b, "老联系人");
    s_customer("同名客户", importer.id, "");
    s_customer("同名客户", importer.id, "");
    long long h1 = s_customer("半同名", importer.id, "");
    s_customer("半同名", other.id, "");
    s_customer("别人的客户", other.id, "");
    /* A pooled customer whose contact's number the importer sees masked. */
    long long p = s_customer("公海客户", importer.id,
                             "\"contact\":{\"name\":\"公海里的人\",\"mobile\":\"13900000031\"}");
    kp = s_contact_id(p, "公海里的人");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/pool", p);
    t_resp_t r = t_expect(200, "POST", base, admin, "{\"reason\":\"暂无预算\"}", path);
    t_resp_free(&r);
    long long created = s_events("contact.created"), updated = s_events("contact.updated");
    long long imp = s_start(importer.token, 0);
    const char *csv =
        HEADER "联系人导入甲,张一,经理,+86 139 0000 0011,010-62345678,z1@example.com,zy1,"
               "1990-01-02,第一位,否\n"
               "联系人导入甲,张二,,13900000012,,,,,,\n"
               " 联系人导入乙 ,李一,,13900000013,,,,,,是\n"
               "联系人导入乙,李二,,13900000014,,,,,,true\n"
               "联系人导入乙,库内重复,,13900000001,,,,,,\n"
               "联系人导入甲,文件内重复,,139-0000-0011,,,,,,\n"
               "联系人导入甲,,,13900000015,,,,,,\n"
               "联系人导入甲,坏手机,,12345,,,,,,\n"
               "不存在的客户,王五,,,,,,,,\n"
               "同名客户,赵六,,,,,,,,\n"
               "联系人导入甲,坏生日,,,,,,1990-13-01,,\n"
               "别人的客户,孙七,,,,,,,,\n"
               "半同名,周八,,,,,,,,\n"
               "联系人导入乙,坏首要,,,,,,,,也许\n"
               ",无客户,,,,,,,,\n"
               "联系人导入甲,列数不对\n"
               "不存在的客户,让位,,13900000019,,,,,,\n"
               "联系人导入甲,接位,,13900000019,,,,,,\n"
               "联系人导入甲,掩码号码,,13900000031,,,,,,\n"
               "公海客户,公海联系人,,,,,,,,\n"
               "联系人导入甲,坏邮箱,,,,bad-email,,,,\n";
    r = s_chunk(200, importer.token, imp, 1, 0, "csv", csv);
    H_CHECK(json_array_size(json_object_get(r.body, "results")) == 21, "one result per row: %s",
            r.raw);
    s_outcome(&r, 0, "created", NULL, NULL);
    s_outcome(&r, 1, "created", NULL, NULL);
    s_outcome(&r, 2, "created", NULL, NULL);
    s_outcome(&r, 3, "invalid", "primary", "row 3 already makes");
    s_outcome(&r, 4, "duplicate", NULL, NULL);
    H_CHECK(s_result(&r, 4, "duplicate_of") == k1, "a duplicate of the existing contact");
    s_outcome(&r, 5, "duplicate", NULL, NULL);
    long long z1 = s_result(&r, 0, "contact_id");
    H_CHECK(s_result(&r, 5, "duplicate_of") == z1, "a duplicate of an earlier row's contact");
    s_outcome(&r, 6, "invalid", "name", NULL);
    s_outcome(&r, 7, "invalid", "mobile", NULL);
    s_outcome(&r, 8, "invalid", "customer", "no customer named \"不存在的客户\" that you may edit");
    s_outcome(&r, 9, "invalid", "customer", "several customers named \"同名客户\"");
    s_outcome(&r, 10, "invalid", "birthday", NULL);
    s_outcome(&r, 11, "invalid", "customer", "that you may edit");
    s_outcome(&r, 12, "created", NULL, NULL);
    s_outcome(&r, 13, "invalid", "primary", "也许");
    s_outcome(&r, 14, "invalid", "customer", "客户名称");
    s_outcome(&r, 15, "invalid", "csv", "line 17");
    s_outcome(&r, 16, "invalid", "customer", "不存在的客户");
    s_outcome(&r, 17, "created", NULL, NULL);
    s_outcome(&r, 18, "created", NULL, NULL);
    s_outcome(&r, 19, "invalid", "customer", "that you may edit");
    s_outcome(&r, 20, "invalid", "email", NULL);
    H_CHECK(t_json_int(&r, "import.rows") == 21 && t_json_int(&r, "import.created") == 6 &&
                t_json_int(&r, "import.duplicates") == 2 && t_json_int(&r, "import.invalid") == 13,
            "counters: %s", r.raw);
    long long z2 = s_result(&r, 1, "contact_id"), l1 = s_result(&r, 2, "contact_id");
    long long zhou = s_result(&r, 12, "contact_id");
    /* The contacts as imported, with their customers and primaries. */
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE id = %lld AND customer_id = %lld AND"
                  " name = '张一' AND title = '经理' AND mobile = '13900000011' AND"
                  " telephone = '010-62345678' AND email = 'z1@example.com' AND wechat = 'zy1'"
                  " AND birthday = '1990-01-02' AND remark = '第一位' AND is_primary AND"
                  " creator_id = %lld",
                  z1, a, importer.id) == 1,
            "the first row's contact, primary of a customer that had none");
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE customer_id = %lld AND is_primary", a) ==
                    1 &&
                s_sql("SELECT count(*) FROM contacts WHERE id = %lld AND NOT is_primary", z2) == 1,
            "one primary for 甲: the first imported");
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE customer_id = %lld AND is_primary AND"
                  " id = %lld",
                  b, l1) == 1 &&
                s_sql("SELECT count(*) FROM contacts WHERE id = %lld AND NOT is_primary", k1) == 1,
            "乙's marked row is its primary, the previous one demoted");
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE id = %lld AND customer_id = %lld", zhou,
                  h1) == 1,
            "a name two customers share, one of them editable: that one");
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE name = '接位' AND mobile = '13900000019'") ==
                1,
            "a row held back for its customer passes its place to the next of its mobile");
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE mobile = '13900000031'") == 2,
            "a pooled customer's masked number is no duplicate for the importer");
    H_CHECK(s_events("contact.created") == created + 6, "one contact.created each");
    H_CHECK(s_sql("SELECT count(*) FROM crm_outbox WHERE type = 'contact.updated' AND"
                  " aggregate_id = '%lld'",
                  k1) == 1 &&
                s_events("contact.updated") == updated + 1,
            "the demoted primary's contact.updated");
    /* Sent again: its first results, nothing twice. */
    t_resp_t again =
        s_chunk(200, importer.token, imp, 1, 0, "csv", HEADER "联系人导入甲,别的,,,,,,,,\n");
    H_CHECK(json_equal(json_object_get(r.body, "results"), json_object_get(again.body, "results")),
            "a chunk sent again: its results");
    H_CHECK(s_events("contact.created") == created + 6, "nothing applied twice");
    t_resp_free(&again);
    t_resp_free(&r);
    /* A later chunk: a second primary for 乙 in the import, a duplicate of
     * chunk 1's row, a row after the header repeated. */
    r = s_chunk(200, importer.token, imp, 2, 1, "csv",
                HEADER "联系人导入乙,李三,,,,,,,,是\n"
                       "联系人导入甲,跨块重复,,13900000012,,,,,,\n");
    s_outcome(&r, 0, "invalid", "primary", "row 3 already makes");
    s_outcome(&r, 1, "duplicate", NULL, NULL);
    H_CHECK(s_result(&r, 1, "duplicate_of") == z2 && s_result(&r, 1, "row") == 23 &&
                t_json_int(&r, "import.rows") == 23,
            "chunk 2 numbers on: %s", r.raw);
    t_resp_free(&r);
    h_note("CSV by name: created with their fields and events, duplicates of a contact and an "
           "earlier row, invalid rows with their field, the primaries, resent once");
}

/* By id, with the name checked; an uneditable or pooled id; a header
 * that names no customer. */
static void test_ids(void)
{
    long long s1 = s_sql("SELECT min(id) FROM customers WHERE name = '同名客户'");
    long long s2 = s_sql("SELECT max(id) FROM customers WHERE name = '同名客户'");
    long long o = s_sql("SELECT id FROM customers WHERE name = '别人的客户'");
    long long p = s_sql("SELECT id FROM customers WHERE name = '公海客户'");
    char *csv = crm_sprintf("客户ID,客户名称,姓名,首要联系人\n"
                            "%lld,,钱一,是\n%lld,同名客户,钱二,\n%lld,别的名字,钱三,\n"
                            "99999999,,钱四,\nabc,,钱五,\n%lld,,钱六,\n%lld,,钱七,\n",
                            s1, s2, s1, o, p);
    long long imp = s_start(importer.token, 0);
    t_resp_t r = s_chunk(200, importer.token, imp, 1, 1, "csv", csv);
    free(csv);
    s_outcome(&r, 0, "created", NULL, NULL);
    s_outcome(&r, 1, "created", NULL, NULL);
    s_outcome(&r, 2, "invalid", "customer", "is named \"同名客户\", not \"别的名字\"");
    s_outcome(&r, 3, "invalid", "customer_id", "no customer 99999999 that you may edit");
    s_outcome(&r, 4, "invalid", "customer_id", "abc");
    s_outcome(&r, 5, "invalid", "customer_id", "that you may edit");
    s_outcome(&r, 6, "invalid", "customer_id", "that you may edit");
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE customer_id = %lld AND name = '钱一' AND"
                  " is_primary",
                  s1) == 1 &&
                s_sql("SELECT count(*) FROM contacts WHERE customer_id = %lld AND name = '钱二'"
                      " AND is_primary",
                      s2) == 1,
            "by id, each of two customers of one name");
    t_resp_free(&r);
    /* A header naming neither the customer's name nor its id. */
    imp = s_start(importer.token, 0);
    r = s_chunk(400, importer.token, imp, 1, 1, "csv", "姓名,手机\n无客户,13900000041\n");
    H_CHECK(!strcmp(t_err_field(&r), "/csv") &&
                strstr(t_json_str(&r, "detail"), "客户名称 (customer) or 客户ID (customer_id)"),
            "the header needs the customer: %s", r.raw);
    t_resp_free(&r);
    h_note("by id (the name, when given, checked); unknown, another's and pooled ids refused per "
           "row; a header without the customer refused");
}

/* Teams, another user, rows as JSON, duplicates allowed, an admin's
 * duplicate of a pooled contact. */
static void test_access(void)
{
    long long w = s_customer("写协作客户", other.id, ""),
              ro = s_customer("读协作客户", other.id, "");
    char path[96], body[96];
    const struct {
        long long id;
        const char *access;
    } team[] = {{w, "write"}, {ro, "read"}};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/api/v1/customers/%lld/team-members", team[i].id);
        snprintf(body, sizeof body, "{\"user_ids\":[%lld],\"access\":\"%s\"}", importer.id,
                 team[i].access);
        t_resp_t r = t_expect(200, "POST", base, admin, body, path);
        t_resp_free(&r);
    }
    long long imp = s_start(importer.token, 0);
    t_resp_t r = s_chunk(200, importer.token, imp, 1, 1, "csv",
                         "客户名称,姓名\n写协作客户,写成员加的\n读协作客户,读成员加的\n");
    s_outcome(&r, 0, "created", NULL, NULL);
    s_outcome(&r, 1, "invalid", "customer", "that you may edit");
    t_resp_free(&r);
    /* Another user may not add contacts to the importer's customer. */
    imp = s_start(other.token, 0);
    char *csv = crm_sprintf("客户ID,客户名称,姓名\n%lld,,越权一\n,联系人导入甲,越权二\n", a);
    r = s_chunk(200, other.token, imp, 1, 1, "csv", csv);
    free(csv);
    s_outcome(&r, 0, "invalid", "customer_id", "that you may edit");
    s_outcome(&r, 1, "invalid", "customer", "that you may edit");
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE name LIKE '越权%%'") == 0, "none made");
    t_resp_free(&r);
    /* Rows as JSON, duplicates allowed: a marked row demotes the primary. */
    long long z1 = s_sql("SELECT id FROM contacts WHERE name = '张一'");
    imp = s_start(importer.token, 1);
    char *rows = crm_sprintf("[{\"customer_id\":%lld,\"name\":\"允许重复\",\"mobile\":"
                             "\"13900000001\",\"birthday\":\"1988-08-08\",\"primary\":true},"
                             "{\"customer\":\"联系人导入甲\",\"name\":\"\"}]",
                             a);
    r = s_chunk(200, importer.token, imp, 1, 1, "rows", rows);
    free(rows);
    s_outcome(&r, 0, "created", NULL, NULL);
    s_outcome(&r, 1, "invalid", "name", NULL);
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE id = %lld AND is_primary AND"
                  " birthday = '1988-08-08' AND mobile = '13900000001'",
                  s_result(&r, 0, "contact_id")) == 1 &&
                s_sql("SELECT count(*) FROM contacts WHERE id = %lld AND NOT is_primary", z1) == 1,
            "created anyway, the new primary");
    t_resp_free(&r);
    /* An admin sees the pooled contact's number: a duplicate of it. */
    imp = s_start(admin, 0);
    r = s_chunk(200, admin, imp, 1, 1, "csv",
                "客户名称,姓名,手机\n联系人导入甲,管理员导,13900000031\n");
    s_outcome(&r, 0, "duplicate", NULL, NULL);
    H_CHECK(s_result(&r, 0, "duplicate_of") == kp, "the pooled contact, for an admin: %s", r.raw);
    t_resp_free(&r);
    h_note("a write team member imports, a read one and another user are refused per row; rows "
           "as JSON with duplicates allowed; an admin's duplicate of a pooled contact");
}

/* ---- XLSX: the same results as its rows in CSV ------------------------------ */

#define XC 5
/* clang-format off */
static const char *const s_sheet[] = {
    "客户名称",   "姓名",   "手机",           "生日",          "首要联系人",
    "表格客户",   "表一",   "=n:13900000051", "=d:1991-03-04", NULL,
    "表格客户",   "表二",   "=n:13900000052", NULL,            "=b:1",
    "表格客户",   "表重复", "=n:13900000051", NULL,            NULL,
    "表格客户",   "表坏",   "=n:12345",       NULL,            NULL,
    "没有的客户", "表无",   NULL,             NULL,            NULL,
    "表格客户",   "表三",   NULL,             "1991-13-04",    NULL,
};
/* clang-format on */
#define XR (sizeof s_sheet / sizeof s_sheet[0] / XC)

/* What row i became, said the same way in either import: its outcome,
 * field and message, and its contact (name, mobile, birthday, primary) or
 * the row of the import it duplicates. */
static char *s_said(const t_resp_t *r, size_t i)
{
    char p[3][64], what[160] = "";
    long long id = s_result(r, (int)i, "contact_id"), of = s_result(r, (int)i, "duplicate_of");
    for (size_t k = 0; of && k < XR - 1; k++)
        if (s_result(r, (int)k, "contact_id") == of)
            snprintf(what, sizeof what, "row %zu", k + 1);
    if (id) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT name || '|' || mobile || '|' || COALESCE(birthday::text, '') || '|' ||"
                 " is_primary FROM contacts WHERE id = %lld",
                 id);
        PGresult *q = h_sql(h, "customers", sql);
        snprintf(what, sizeof what, "%s", PQntuples(q) ? PQgetvalue(q, 0, 0) : "?");
        PQclear(q);
    }
    snprintf(p[0], sizeof p[0], "results.%zu.outcome", i);
    snprintf(p[1], sizeof p[1], "results.%zu.field", i);
    snprintf(p[2], sizeof p[2], "results.%zu.message", i);
    return crm_sprintf("%s %s %s %s", t_json_str(r, p[0]), t_json_str(r, p[1]), t_json_str(r, p[2]),
                       what);
}

/* Deletes the contacts of customer (the primary last), so the sheet meets
 * the same database again. */
static void s_delete_contacts(long long customer)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT id FROM contacts WHERE customer_id = %lld AND deleted_at IS NULL"
             " ORDER BY is_primary, id",
             customer);
    PGresult *q = h_sql(h, "customers", sql);
    for (int i = 0; i < PQntuples(q); i++) {
        char path[96];
        snprintf(path, sizeof path, "/api/v1/contacts/%s", PQgetvalue(q, i, 0));
        t_resp_t r = t_expect(200, "DELETE", base, importer.token, NULL, path);
        t_resp_free(&r);
    }
    PQclear(q);
}

static void test_xlsx(void)
{
    long long x = s_customer("表格客户", importer.id, "");
    /* The rows as CSV through the JSON body. */
    long long one = s_start(importer.token, 0);
    char *csv = t_xlsx_csv(s_sheet, XR, XC);
    t_resp_t rc = s_chunk(200, importer.token, one, 1, 1, "csv", csv);
    free(csv);
    H_CHECK(json_array_size(json_object_get(rc.body, "results")) == XR - 1, "CSV: %s", rc.raw);
    char **said = crm_calloc(XR, sizeof *said);
    for (size_t i = 0; i < XR - 1; i++)
        said[i] = s_said(&rc, i);
    s_delete_contacts(x);
    /* The same rows as an XLSX workbook. */
    char file[256];
    snprintf(file, sizeof file, "%s/contacts.xlsx", h_dir(h));
    size_t len = 0;
    unsigned char *bytes = t_xlsx(file, s_sheet, XR, XC, 0, &len);
    H_CHECK(bytes, "the workbook is written");
    long long two = s_start(importer.token, 0);
    char *url = crm_sprintf("%s/api/v1/contact-imports/%lld/chunks?seq=1&last=true", base, two);
    t_resp_t rx;
    t_http_bytes(&rx, "POST", url, importer.token, bytes, len, XLSX);
    free(url);
    free(bytes);
    H_CHECK(rx.status == 200 && json_array_size(json_object_get(rx.body, "results")) == XR - 1,
            "XLSX: %d %s", rx.status, rx.raw);
    for (size_t i = 0; i < XR - 1; i++) {
        char *s = s_said(&rx, i);
        H_CHECK(!strcmp(said[i], s), "row %zu: CSV %s, XLSX %s", i + 1, said[i], s);
        free(s);
        free(said[i]);
    }
    free(said);
    s_outcome(&rx, 0, "created", NULL, NULL);
    s_outcome(&rx, 1, "created", NULL, NULL);
    s_outcome(&rx, 2, "duplicate", NULL, NULL);
    s_outcome(&rx, 3, "invalid", "mobile", NULL);
    s_outcome(&rx, 4, "invalid", "customer", NULL);
    s_outcome(&rx, 5, "invalid", "birthday", NULL);
    H_CHECK(s_sql("SELECT count(*) FROM contacts WHERE customer_id = %lld AND deleted_at IS NULL"
                  " AND is_primary AND name = '表二'",
                  x) == 1 &&
                s_sql("SELECT count(*) FROM contacts WHERE customer_id = %lld AND deleted_at IS"
                      " NULL AND name = '表一' AND birthday = '1991-03-04' AND NOT is_primary",
                      x) == 1,
            "a date cell as the birthday, a TRUE cell as primary");
    t_resp_free(&rc);
    t_resp_free(&rx);
    h_note("XLSX: the same row results and contacts as the same rows in CSV");
}

/* Get, list, cancel; another user sees none of it. */
static void test_routes(void)
{
    long long imp = s_start(importer.token, 0);
    t_resp_t r =
        s_chunk(200, importer.token, imp, 1, 0, "csv", "客户名称,姓名\n联系人导入甲,取消前\n");
    t_resp_free(&r);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/contact-imports/%lld", imp);
    r = t_expect(200, "GET", base, importer.token, NULL, path);
    H_CHECK(t_json_int(&r, "created") == 1 && t_json_int(&r, "chunks") == 1 &&
                !strcmp(t_json_str(&r, "file_name"), "联系人.csv") &&
                !json_object_get(r.body, "target"),
            "read back: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, other.token, NULL, path);
    r = t_expect(200, "GET", base, importer.token, NULL, "/api/v1/contact-imports?total=true");
    H_CHECK(t_json_int(&r, "items.0.id") == imp && t_json_int(&r, "total") >= 5, "listed: %s",
            r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, other.token, NULL, "/api/v1/contact-imports");
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 1, "another's own only: %s",
            r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/contact-imports/%lld/cancel", imp);
    t_expect_error(404, "not_found", "id", "POST", base, other.token, NULL, path);
    r = t_expect(200, "POST", base, importer.token, NULL, path);
    H_CHECK(json_is_true(json_object_get(r.body, "cancelled")), "cancelled: %s", r.raw);
    t_resp_free(&r);
    r = s_chunk(409, importer.token, imp, 2, 1, "csv", "联系人导入甲,取消后\n");
    H_CHECK(strstr(t_json_str(&r, "detail"), "cancelled"), "%s", r.raw);
    t_resp_free(&r);
    h_note("get, list, cancel; another user sees none of it");
}

int main(void)
{
    h = h_new("contact_import");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    importer.token = t_new_user(base, admin, "contact.importer", "employee", 1, &importer.id);
    other.token = t_new_user(base, admin, "contact.bystander", "employee", 1, &other.id);
    test_rows();
    test_ids();
    test_access();
    test_xlsx();
    test_routes();
    free(importer.token);
    free(other.token);
    free(admin);
    h_stop(h, "gateway", 0);
    h_stop(h, "customers", 0);
    h_stop(h, "scheduler", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("contact_import: ok\n");
    return 0;
}
