/* test_sales_opportunities.c: opportunities (商机) through the HTTP API,
 * against the real gateway, customers and sales services: created for a
 * customer the read model holds and the caller sees (an unknown one and
 * another department's refused alike, naming customer_id), with contacts
 * of that customer only, product lines priced from the catalogue (copied:
 * a later price change leaves them), the amount summed exactly in integer
 * minor units or given; every bad field named; read and edited by who may
 * (owner's side, read-write team; read-only team reads; others 404); stage
 * changes on (with the feedback the stage requires), back (recorded as
 * such), won, lost (a reason from the list), invalid, final until an admin
 * reopens; a stage holding open opportunities not removed; transfers (one
 * or many, all or nothing), deletes (admins), follow-ups, history with old
 * and new values; the views and filters of the list, keyset pages, totals;
 * each change's event; a retried create made once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;

typedef struct {
    const char *name;
    long long id;
    long long dept;
    char *token;
} s_user_t;

static s_user_t mgrA = {"mgrA", 0, 0, NULL}, empA = {"empA", 0, 0, NULL},
                empA2 = {"empA2", 0, 0, NULL}, empA1 = {"empA1", 0, 0, NULL},
                empB = {"empB", 0, 0, NULL};
static long long custA, custB, kA1, kA2, kB, p1, p2, p3;

/* ---- helpers ------------------------------------------------------------------------ */

static long long s_post(const char *token, const char *path, const char *body, int want)
{
    t_resp_t r = t_expect(want, "POST", base, token, body, path);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    return id;
}

/* A customer owned by owner with one contact; its id, the contact's in *k.
 * Waits until the sales service's read model holds both. */
static long long s_customer(const s_user_t *owner, const char *name, long long *k)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"owner_id\":%lld,\"allow_duplicate\":true,"
                             "\"contact\":{\"name\":\"%s的联系人\"}}",
                             name, owner->id, name);
    long long id = t_created(base, admin, "/api/v1/customers", body);
    free(body);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/contacts", id);
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, path);
    *k = t_json_int(&r, "items.0.id");
    t_resp_free(&r);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sales_contacts k JOIN sales_customers c ON c.id ="
             " k.customer_id WHERE k.id = %lld AND c.id = %lld",
             *k, id);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "the read model holds customer %lld", id);
    return id;
}

static long long s_product(const char *code, long long price)
{
    char *body = crm_sprintf("{\"name\":\"产品%s\",\"code\":\"%s\",\"unit\":\"套\","
                             "\"list_price\":%lld}",
                             code, code, price);
    long long id = t_created(base, admin, "/api/v1/products", body);
    free(body);
    return id;
}

/* A simple opportunity of owner's for customer cust; its id. */
static long long s_opp(const s_user_t *owner, long long cust, const char *name, long long amount)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"customer_id\":%lld,\"amount\":%lld,"
                             "\"expected_close_date\":\"2026-12-%02lld\"}",
                             name, cust, amount, 1 + amount % 28);
    long long id = s_post(owner->token, "/api/v1/opportunities", body, 201);
    free(body);
    return id;
}

static t_resp_t s_get(const s_user_t *who, long long id, int want)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld", id);
    return t_expect(want, "GET", base, who ? who->token : admin, NULL, path);
}

static void s_stage(const char *token, long long id, const char *body, int want)
{
    char path[80];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/stage", id);
    t_resp_t r = t_expect(want, "POST", base, token, body, path);
    t_resp_free(&r);
}

/* The default pipeline's stage at position pos (1..). */
static long long s_stage_id(int pos)
{
    t_resp_t r = t_expect(200, "GET", base, admin, NULL, "/api/v1/pipelines/1");
    char path[32];
    snprintf(path, sizeof path, "stages.%d.id", pos - 1);
    long long id = t_json_int(&r, path);
    t_resp_free(&r);
    return id;
}

/* ---- create ------------------------------------------------------------------------- */

static long long test_create(void)
{
    char *body = crm_sprintf(
        "{\"name\":\"  华东年度采购 \",\"customer_id\":%lld,\"contact_ids\":[%lld],"
        "\"expected_close_date\":\"2026-12-31\",\"source\":\"展会\",\"team_member_ids\":[%lld],"
        "\"team_reader_ids\":[%lld],\"remark\":\"重点\",\"lines\":["
        "{\"product_id\":%lld,\"quantity\":3,\"discount_bp\":500},"
        "{\"product_id\":%lld,\"quantity\":7,\"unit_price\":333,\"discount_bp\":3333},"
        "{\"product_id\":%lld,\"quantity\":1,\"unit_price\":1,\"discount_bp\":5000}]}",
        custA, kA1, empA2.id, empA1.id, p1, p3, p3);
    t_resp_t r;
    t_httpf(&r, "POST", base, empA.token, body, "/api/v1/opportunities");
    free(body);
    H_CHECK(r.status == 201, "create: %d %s", r.status, r.raw);
    long long id = t_json_int(&r, "id");
    char want[64];
    snprintf(want, sizeof want, "/api/v1/opportunities/%lld", id);
    /* 3 x 100000 x 0.95 = 285000; 7 x 333 x 0.6667 = 1554.0777 -> 1554;
     * 1 x 1 x 0.5 = 0.5 -> 1 (half up): 286555 in all. */
    H_CHECK(strstr(r.location, want) && !strcmp(t_json_str(&r, "name"), "华东年度采购") &&
                t_json_int(&r, "lines.0.amount") == 285000 &&
                t_json_int(&r, "lines.0.unit_price") == 100000 &&
                !strcmp(t_json_str(&r, "lines.0.product_name"), "产品P1") &&
                !strcmp(t_json_str(&r, "lines.0.unit"), "套") &&
                t_json_int(&r, "lines.1.amount") == 1554 && t_json_int(&r, "lines.2.amount") == 1 &&
                t_json_int(&r, "amount") == 286555 && strstr(r.raw, "\"amount_given\":false"),
            "lines priced, the amount exact: %s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "open") &&
                !strcmp(t_json_str(&r, "stage_name"), "初步接洽") &&
                t_json_int(&r, "win_probability") == 10 && t_json_int(&r, "pipeline_id") == 1 &&
                t_json_int(&r, "owner_id") == empA.id &&
                t_json_int(&r, "department_id") == empA.dept &&
                !strcmp(t_json_str(&r, "customer_name"), "甲公司") &&
                !strcmp(t_json_str(&r, "expected_close_date"), "2026-12-31") &&
                t_json_int(&r, "contact_ids.0") == kA1,
            "the default pipeline's first stage, the owner's department: %s", r.raw);
    t_resp_free(&r);

    /* Given, the amount is the amount. */
    body = crm_sprintf("{\"name\":\"定额\",\"customer_id\":%lld,\"amount\":0,\"lines\":"
                       "[{\"product_id\":%lld,\"quantity\":2}]}",
                       custA, p1);
    r = t_expect(201, "POST", base, empA.token, body, "/api/v1/opportunities");
    H_CHECK(t_json_int(&r, "amount") == 0 && strstr(r.raw, "\"amount_given\":true") &&
                t_json_int(&r, "lines.0.amount") == 200000,
            "given: %s", r.raw);
    t_resp_free(&r);
    free(body);

    /* What it refers to: unknown and unseen customers alike, contacts of
     * the customer, products known and enabled, people who exist. */
    const char *bad_customer = "{\"name\":\"x\",\"customer_id\":%lld}";
    body = crm_sprintf(bad_customer, 999999LL);
    t_expect_error(400, "invalid_argument", "/customer_id", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    body = crm_sprintf(bad_customer, custB);
    t_httpf(&r, "POST", base, empA.token, body, "/api/v1/opportunities");
    char msg[64];
    snprintf(msg, sizeof msg, "customer %lld does not exist", custB);
    H_CHECK(r.status == 400 && !strcmp(t_err_field(&r), "/customer_id") && strstr(r.raw, msg),
            "another department's customer is no customer of theirs: %s", r.raw);
    t_resp_free(&r);
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"contact_ids\":[%lld]}", custA, kB);
    t_expect_error(400, "invalid_argument", "/contact_ids", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"lines\":[{\"product_id\":%lld,"
                       "\"quantity\":1},{\"product_id\":%lld,\"quantity\":1}]}",
                       custA, p1, p2);
    t_expect_error(400, "invalid_argument", "/lines/1/product_id", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"lines\":[{\"product_id\":999999,"
                       "\"quantity\":1}]}",
                       custA);
    t_expect_error(400, "invalid_argument", "/lines/0/product_id", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"team_member_ids\":[99999]}", custA);
    t_expect_error(400, "invalid_argument", "/team_member_ids", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"team_reader_ids\":[%lld]}", custA,
                       empA.id);
    t_expect_error(400, "invalid_argument", "/team_reader_ids", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"owner_id\":%lld}", custA, empB.id);
    t_expect_error(403, "permission_denied", "/owner_id", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"stage_id\":999}", custA);
    t_expect_error(400, "invalid_argument", "/stage_id", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"pipeline_id\":999}", custA);
    t_expect_error(400, "invalid_argument", "/pipeline_id", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);

    /* Every typed field at fault at once; the line's fields by index. */
    body =
        crm_sprintf("{\"name\":\" \",\"customer_id\":%lld,\"expected_close_date\":"
                    "\"2026-13-01\",\"amount\":-1,\"contact_ids\":[0],\"lines\":[{\"product_id\":"
                    "%lld,\"quantity\":0,\"discount_bp\":10001}]}",
                    custA, p1);
    t_httpf(&r, "POST", base, empA.token, body, "/api/v1/opportunities");
    free(body);
    H_CHECK(r.status == 400 && strstr(r.raw, "\"/name\"") &&
                strstr(r.raw, "\"/expected_close_date\"") && strstr(r.raw, "\"/amount\"") &&
                strstr(r.raw, "\"/contact_ids\"") && strstr(r.raw, "\"/lines/0/quantity\"") &&
                strstr(r.raw, "\"/lines/0/discount_bp\""),
            "every field at fault: %s", r.raw);
    t_resp_free(&r);
    /* A line whose amount would pass 10^15 minor units. */
    body = crm_sprintf("{\"name\":\"x\",\"customer_id\":%lld,\"lines\":[{\"product_id\":%lld,"
                       "\"quantity\":1000000000,\"unit_price\":10000000000000}]}",
                       custA, p1);
    t_expect_error(400, "invalid_argument", "/lines/0/quantity", "POST", base, empA.token, body,
                   "/api/v1/opportunities");
    free(body);
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM opportunities") == 2,
            "nothing else written");

    /* A retried create is made once. */
    body = crm_sprintf("{\"name\":\"重试\",\"customer_id\":%lld}", custA);
    t_http_header("Idempotency-Key: opp-once");
    long long a = s_post(empA.token, "/api/v1/opportunities", body, 201);
    t_http_header("Idempotency-Key: opp-once");
    long long b = s_post(empA.token, "/api/v1/opportunities", body, 201);
    free(body);
    H_CHECK(a == b && h_sql_int(h, "sales",
                                "SELECT count(*) FROM opportunities WHERE name ="
                                " '重试'") == 1,
            "made once");
    h_note("create: read model, contacts, lines priced exactly, every fault named, once: ok");
    return id;
}

/* ---- who may read and edit ---------------------------------------------------------- */

static void test_access(long long id)
{
    const s_user_t *seen[] = {&empA, &empA2, &empA1, &mgrA};
    for (size_t i = 0; i < 4; i++) {
        t_resp_t r = s_get(seen[i], id, 200);
        t_resp_free(&r);
    }
    t_resp_t r = s_get(&empB, id, 404);
    H_CHECK(!strcmp(t_err_field(&r), "id"), "not found names id: %s", r.raw);
    t_resp_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld", id);
    r = t_expect(200, "PATCH", base, empA2.token, "{\"remark\":\"读写成员改的\"}", path);
    t_resp_free(&r);
    t_expect_error(403, "permission_denied", NULL, "PATCH", base, empA1.token,
                   "{\"remark\":\"只读\"}", path);
    t_expect_error(404, "not_found", "id", "PATCH", base, empB.token, "{\"remark\":\"x\"}", path);
    t_expect_error(400, "invalid_argument", "/customer_id", "PATCH", base, empA.token,
                   "{\"customer_id\":1}", path);
    t_expect_error(400, "invalid_argument", "/name", "PATCH", base, empA.token, "{\"name\":null}",
                   path);
    t_expect_error(400, "invalid_argument", "/win_probability", "PATCH", base, empA.token,
                   "{\"win_probability\":101}", path);
    char *body = crm_sprintf("{\"contact_ids\":[%lld]}", kB);
    t_expect_error(400, "invalid_argument", "/contact_ids", "PATCH", base, empA.token, body, path);
    free(body);
    body = crm_sprintf("{\"team_member_ids\":[%lld]}", empA.id);
    t_expect_error(400, "invalid_argument", "/team_member_ids", "PATCH", base, empA.token, body,
                   path);
    free(body);
    h_note("access: owner, read-write and read-only team, manager; others 404: ok");
}

/* ---- edits: lines repriced, amounts, a price change left alone ---------------------- */

static void test_edit(long long id)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld", id);
    /* The catalogue's price moves; the lines already written keep theirs. */
    char ppath[64];
    snprintf(ppath, sizeof ppath, "/api/v1/products/%lld", p1);
    t_resp_t r = t_expect(200, "PATCH", base, admin, "{\"list_price\":200000}", ppath);
    t_resp_free(&r);
    r = s_get(&empA, id, 200);
    H_CHECK(t_json_int(&r, "lines.0.unit_price") == 100000 && t_json_int(&r, "amount") == 286555,
            "the lines keep the price copied: %s", r.raw);
    t_resp_free(&r);
    /* Lines replaced: priced now. */
    char *body = crm_sprintf("{\"lines\":[{\"product_id\":%lld,\"quantity\":2}],\"contact_ids\":"
                             "[%lld,%lld],\"expected_close_date\":\"2027-01-15\"}",
                             p1, kA1, kA2);
    r = t_expect(200, "PATCH", base, empA.token, body, path);
    free(body);
    H_CHECK(t_json_int(&r, "lines.0.unit_price") == 200000 && t_json_int(&r, "amount") == 400000 &&
                json_array_size(json_object_get(r.body, "lines")) == 1 &&
                t_json_int(&r, "contact_ids.1") == kA2,
            "lines replaced at today's price: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, empA.token, "{\"amount\":123456}", path);
    H_CHECK(t_json_int(&r, "amount") == 123456 && strstr(r.raw, "\"amount_given\":true"),
            "an amount given: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, empA.token, "{\"amount\":null}", path);
    H_CHECK(t_json_int(&r, "amount") == 400000 && strstr(r.raw, "\"amount_given\":false"),
            "null sums the lines again: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, empA.token, "{\"win_probability\":15}", path);
    t_resp_free(&r);

    /* Its history: old and new values. */
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/history", id);
    r = t_expect(200, "GET", base, empA1.token, NULL, path);
    H_CHECK(strstr(r.raw, "{\"field\":\"amount\",\"old\":123456,\"new\":400000}") &&
                strstr(r.raw, "{\"field\":\"win_probability\",\"old\":10,\"new\":15}") &&
                strstr(r.raw, "\"action\":\"created\""),
            "history with old and new values: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, empB.token, NULL, path);
    h_note("edit: lines repriced now, prices copied kept, amount given and summed, history: ok");
}

/* ---- stages ------------------------------------------------------------------------- */

static void test_stages(long long id)
{
    long long s1 = s_stage_id(1), s2 = s_stage_id(2), s3 = s_stage_id(3), s4 = s_stage_id(4),
              s5 = s_stage_id(5);
    /* 需求确认 requires 预算 and 决策人 to move on from it. */
    char *body = crm_sprintf(
        "{\"stages\":[{\"id\":%lld,\"name\":\"初步接洽\",\"probability\":10},"
        "{\"id\":%lld,\"name\":\"需求确认\",\"probability\":30,\"required_fields\":[\"预算\","
        "\"决策人\"]},{\"id\":%lld,\"name\":\"方案制定\",\"probability\":50},{\"id\":%lld,\"name\":"
        "\"商务谈判\",\"probability\":70},{\"id\":%lld,\"name\":\"合同签订\",\"probability\":90}]}",
        s1, s2, s3, s4, s5);
    t_resp_t r = t_expect(200, "PATCH", base, admin, body, "/api/v1/pipelines/1");
    t_resp_free(&r);
    free(body);

    char move[160];
    snprintf(move, sizeof move, "{\"stage_id\":%lld}", s2);
    s_stage(empA2.token, id, move, 200); /* a read-write member moves it */
    r = s_get(&empA, id, 200);
    H_CHECK(t_json_int(&r, "stage_id") == s2 && t_json_int(&r, "win_probability") == 30,
            "in 需求确认 at 30%%: %s", r.raw);
    t_resp_free(&r);
    snprintf(move, sizeof move, "{\"stage_id\":%lld}", s4);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/stage", id);
    t_httpf(&r, "POST", base, empA.token, move, "%s", path);
    H_CHECK(r.status == 400 && !strcmp(t_err_field(&r), "/feedback") && strstr(r.raw, "预算") &&
                strstr(r.raw, "决策人"),
            "moving on needs the feedback: %s", r.raw);
    t_resp_free(&r);
    snprintf(move, sizeof move,
             "{\"stage_id\":%lld,\"feedback\":[{\"field\":\"预算\",\"value\":\"50万\"},"
             "{\"field\":\"决策人\",\"value\":\"王总\"}],\"note\":\"跳过方案\"}",
             s4);
    s_stage(empA.token, id, move, 200);
    r = s_get(&empA, id, 200);
    H_CHECK(t_json_int(&r, "stage_id") == s4 && t_json_int(&r, "win_probability") == 70,
            "on to 商务谈判, skipping one: %s", r.raw);
    t_resp_free(&r);
    /* Back: allowed, no feedback needed, recorded as back. */
    snprintf(move, sizeof move, "{\"stage_id\":%lld}", s2);
    s_stage(empA.token, id, move, 200);
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM opportunity_stage_changes WHERE opportunity_id = %lld"
                       " AND back AND from_stage_id = %lld AND to_stage_id = %lld",
                       id, s4, s2) == 1,
            "the move back recorded as such");
    t_expect_error(409, "failed_precondition", "/stage_id", "POST", base, empA.token, move, path);
    t_expect_error(400, "invalid_argument", "/stage_id", "POST", base, empA.token,
                   "{\"stage_id\":999}", path);
    t_expect_error(400, "invalid_argument", "/stage_id", "POST", base, empA.token, "{}", path);
    t_expect_error(403, "permission_denied", NULL, "POST", base, empA1.token, move, path);
    t_expect_error(404, "not_found", "id", "POST", base, empB.token, move, path);

    /* Lost: a reason from the pipeline's list. */
    t_expect_error(400, "invalid_argument", "/lost_reason", "POST", base, empA.token,
                   "{\"status\":\"lost\"}", path);
    t_expect_error(400, "invalid_argument", "/lost_reason", "POST", base, empA.token,
                   "{\"status\":\"lost\",\"lost_reason\":\"太贵了\"}", path);
    t_expect_error(400, "invalid_argument", "/stage_id", "POST", base, empA.token,
                   "{\"status\":\"lost\",\"stage_id\":1,\"lost_reason\":\"价格因素\"}", path);
    s_stage(empA.token, id,
            "{\"status\":\"lost\",\"lost_reason\":\"价格因素\",\"note\":\"被压价\"}", 200);
    r = s_get(&empA, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "lost") && t_json_int(&r, "win_probability") == 0 &&
                !strcmp(t_json_str(&r, "lost_reason"), "价格因素") &&
                *t_json_str(&r, "closed_at") && t_json_int(&r, "stage_id") == s2,
            "lost at 需求确认: %s", r.raw);
    t_resp_free(&r);
    /* Final: no move, no edit; a follow-up, yes; reopened by admins only. */
    t_expect_error(409, "failed_precondition", NULL, "POST", base, empA.token, move, path);
    t_expect_error(409, "failed_precondition", NULL, "POST", base, empA.token,
                   "{\"status\":\"won\"}", path);
    char opath[64];
    snprintf(opath, sizeof opath, "/api/v1/opportunities/%lld", id);
    t_expect_error(409, "failed_precondition", NULL, "PATCH", base, empA.token,
                   "{\"remark\":\"x\"}", opath);
    snprintf(opath, sizeof opath, "/api/v1/opportunities/%lld/reopen", id);
    t_expect_error(403, "permission_denied", NULL, "POST", base, empA.token, "{}", opath);
    r = t_expect(200, "POST", base, admin, "{\"note\":\"客户回头\"}", opath);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "open") && t_json_int(&r, "stage_id") == s2 &&
                t_json_int(&r, "win_probability") == 30 && !*t_json_str(&r, "lost_reason") &&
                !*t_json_str(&r, "closed_at"),
            "reopened where it was: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(409, "failed_precondition", NULL, "POST", base, admin, "{}", opath);

    /* Won: the stage it leaves asks for its feedback too. */
    t_expect_error(400, "invalid_argument", "/feedback", "POST", base, empA.token,
                   "{\"status\":\"won\"}", path);
    s_stage(empA.token, id,
            "{\"status\":\"won\",\"feedback\":[{\"field\":\"预算\",\"value\":\"60万\"},"
            "{\"field\":\"决策人\",\"value\":\"李总\"}]}",
            200);
    r = s_get(&empA, id, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "won") && t_json_int(&r, "win_probability") == 100,
            "won at 100%%: %s", r.raw);
    t_resp_free(&r);
    /* Invalid, another one. */
    long long other = s_opp(&empA, custA, "无效的", 1000);
    s_stage(empA.token, other, "{\"status\":\"invalid\"}", 200);
    r = s_get(&empA, other, 200);
    H_CHECK(!strcmp(t_json_str(&r, "status"), "invalid") && t_json_int(&r, "win_probability") == 0,
            "invalid: %s", r.raw);
    t_resp_free(&r);

    /* Every move on record, with its feedback; the events. */
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM opportunity_stage_changes WHERE opportunity_id = %lld",
                       id) == 7,
            "created, 3 moves, lost, reopened, won");
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM opportunity_stage_changes WHERE opportunity_id = %lld"
                       " AND feedback LIKE '%%王总%%' AND note = '跳过方案'",
                       id) == 1,
            "the feedback and the note kept");
    static const char *const types[] = {"stage_changed", "lost", "reopened", "won", "invalidated"};
    static const int counts[] = {3, 1, 1, 1, 1};
    for (int i = 0; i < 5; i++)
        H_CHECK(h_sql_intf(h, "sales",
                           "SELECT count(*) FROM crm_outbox WHERE type = 'opportunity.%s'",
                           types[i]) == counts[i],
                "opportunity.%s", types[i]);
    char hpath[80];
    snprintf(hpath, sizeof hpath, "/api/v1/opportunities/%lld/history", id);
    r = t_expect(200, "GET", base, empA.token, NULL, hpath);
    H_CHECK(strstr(r.raw, "\"action\":\"won\"") && strstr(r.raw, "\"back\":true") &&
                strstr(r.raw, "\"value\":\"王总\""),
            "the history says each move, back ones and feedback: %s", r.raw);
    t_resp_free(&r);

    /* A stage holding open opportunities stays; empty, it goes. */
    long long held = s_opp(&empA, custA, "占用阶段", 500);
    snprintf(move, sizeof move, "{\"stage_id\":%lld}", s3);
    s_stage(empA.token, held, move, 200);
    body = crm_sprintf(
        "{\"stages\":[{\"id\":%lld,\"name\":\"初步接洽\",\"probability\":10},"
        "{\"id\":%lld,\"name\":\"需求确认\",\"probability\":30},{\"id\":%lld,\"name\":"
        "\"商务谈判\",\"probability\":70},{\"id\":%lld,\"name\":\"合同签订\",\"probability\":90}]}",
        s1, s2, s4, s5);
    t_httpf(&r, "PATCH", base, admin, body, "/api/v1/pipelines/1");
    H_CHECK(r.status == 409 && !strcmp(t_err_field(&r), "/stages") && strstr(r.raw, "方案制定") &&
                strstr(r.raw, "1 open"),
            "a stage with open opportunities stays: %s", r.raw);
    t_resp_free(&r);
    snprintf(move, sizeof move, "{\"stage_id\":%lld}", s4);
    s_stage(empA.token, held, move, 200);
    r = t_expect(200, "PATCH", base, admin, body, "/api/v1/pipelines/1");
    t_resp_free(&r);
    free(body);
    snprintf(move, sizeof move, "{\"stage_id\":%lld}", s3);
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/stage", held);
    t_expect_error(400, "invalid_argument", "/stage_id", "POST", base, empA.token, move, path);
    h_note("stages: on with feedback, back, lost with a reason, final, reopened, won, invalid,"
           " a held stage kept: ok");
}

/* ---- transfer, delete, follow-ups --------------------------------------------------- */

static void test_transfer_delete_followups(void)
{
    long long a = s_opp(&empA, custA, "转移一", 100), b = s_opp(&empA, custA, "转移二", 200);
    long long nb = s_opp(&empB, custB, "别人的", 300);
    /* A batch with one unseen: nothing moves; the unseen one named. */
    char *body = crm_sprintf("{\"ids\":[%lld,%lld],\"to_owner_id\":%lld,\"reason\":\"调岗\"}", a,
                             nb, empA2.id);
    t_resp_t r;
    t_httpf(&r, "POST", base, empA.token, body, "/api/v1/opportunities/transfer");
    char want[64];
    snprintf(want, sizeof want, "opportunity %lld", nb);
    H_CHECK(r.status == 404 && strstr(r.raw, want), "all or nothing: %s", r.raw);
    t_resp_free(&r);
    free(body);
    H_CHECK(h_sql_intf(h, "sales", "SELECT owner_id FROM opportunities WHERE id = %lld", a) ==
                empA.id,
            "nothing moved");
    body = crm_sprintf("{\"ids\":[%lld,%lld],\"to_owner_id\":%lld,\"reason\":\"调岗\"}", a, b,
                       empA2.id);
    r = t_expect(200, "POST", base, empA.token, body, "/api/v1/opportunities/transfer");
    H_CHECK(t_json_int(&r, "opportunities.0.owner_id") == empA2.id &&
                t_json_int(&r, "opportunities.1.owner_id") == empA2.id,
            "both moved: %s", r.raw);
    t_resp_free(&r);
    free(body);
    /* A read-write member may not transfer; the owner's side may. */
    long long c = s_opp(&empA, custA, "团队的", 400);
    char path[80];
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld", c);
    body = crm_sprintf("{\"team_member_ids\":[%lld]}", empA2.id);
    r = t_expect(200, "PATCH", base, empA.token, body, path);
    t_resp_free(&r);
    free(body);
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/transfer", c);
    body = crm_sprintf("{\"to_owner_id\":%lld}", empA1.id);
    t_expect_error(403, "permission_denied", NULL, "POST", base, empA2.token, body, path);
    free(body);
    body = crm_sprintf("{\"to_owner_id\":%lld}", empA2.id);
    r = t_expect(200, "POST", base, mgrA.token, body, path);
    H_CHECK(t_json_int(&r, "owner_id") == empA2.id &&
                json_array_size(json_object_get(r.body, "team_member_ids")) == 0,
            "the new owner leaves the team: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(409, "failed_precondition", "/to_owner_id", "POST", base, mgrA.token, body,
                   path);
    free(body);
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox WHERE type ="
                      " 'opportunity.transferred'") == 3,
            "opportunity.transferred each");

    /* Follow-ups: read-only members follow up; its contacts only. */
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld/follow-ups", c);
    body = crm_sprintf("{\"content\":\"电话沟通\",\"method\":\"phone\",\"contact_id\":%lld}", kA1);
    t_expect_error(400, "invalid_argument", "/contact_id", "POST", base, empA2.token, body, path);
    free(body);
    r = t_expect(201, "POST", base, empA2.token,
                 "{\"content\":\"电话沟通\",\"method\":\"phone\",\"next_contact_at\":"
                 "\"2030-01-01T09:00:00+08:00\"}",
                 path);
    H_CHECK(!strcmp(t_json_str(&r, "opportunity.last_followup_content"), "电话沟通") &&
                *t_json_str(&r, "opportunity.next_contact_at"),
            "followed up: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(201, "POST", base, empA2.token, "{\"content\":\"上门\",\"method\":\"visit\"}",
                 path);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "/method", "POST", base, empA2.token,
                   "{\"content\":\"x\"}", path);
    t_expect_error(404, "not_found", "opportunity_id", "POST", base, empB.token,
                   "{\"content\":\"x\",\"method\":\"phone\"}", path);
    r = t_expect(200, "GET", base, empA2.token, NULL, "/api/v1/opportunities/1/follow-ups");
    t_resp_free(&r);
    char lpath[96];
    snprintf(lpath, sizeof lpath, "%s?total=true", path);
    r = t_expect(200, "GET", base, empA2.token, NULL, lpath);
    H_CHECK(t_json_int(&r, "total") == 2 && !strcmp(t_json_str(&r, "items.0.content"), "上门"),
            "newest first: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "opportunity_id", "GET", base, empB.token, NULL, lpath);

    /* Delete: admins; all or nothing. */
    snprintf(path, sizeof path, "/api/v1/opportunities/%lld", c);
    t_expect_error(403, "permission_denied", NULL, "DELETE", base, empA2.token, NULL, path);
    t_httpf(&r, "DELETE", base, admin, NULL, "%s", path);
    H_CHECK(r.status == 200 && t_json_int(&r, "id") == c, "deleted: %d %s", r.status, r.raw);
    t_resp_free(&r);
    r = s_get(&empA2, c, 404);
    t_resp_free(&r);
    body = crm_sprintf("{\"ids\":[%lld,%lld]}", a, c);
    t_expect_error(404, "not_found", "/ids", "POST", base, admin, body,
                   "/api/v1/opportunities/delete");
    free(body);
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox WHERE type ="
                      " 'opportunity.deleted'") == 1,
            "opportunity.deleted");
    h_note("transfer (all or nothing), follow-ups, delete (admins): ok");
}

/* ---- lists -------------------------------------------------------------------------- */

/* The ids of the list at path as who (one page), as a comma list. */
static char *s_ids(const s_user_t *who, const char *path)
{
    t_resp_t r = t_expect(200, "GET", base, who ? who->token : admin, NULL, path);
    json_t *items = json_object_get(r.body, "items");
    char *out = crm_strdup("");
    for (size_t i = 0; i < json_array_size(items); i++) {
        char *next = crm_sprintf(
            "%s%s%lld", out, i ? "," : "",
            (long long)json_integer_value(json_object_get(json_array_get(items, i), "id")));
        free(out);
        out = next;
    }
    t_resp_free(&r);
    return out;
}

static long long s_total(const s_user_t *who, const char *path)
{
    t_resp_t r = t_expect(200, "GET", base, who ? who->token : admin, NULL, path);
    long long n = t_json_int(&r, "total");
    t_resp_free(&r);
    return n;
}

static void test_lists(void)
{
    long long custA1 = 0, k;
    custA1 = s_customer(&empA1, "子部门客户", &k);
    long long x1 = s_opp(&empA1, custA1, "子部门商机", 5000);
    long long x2 = s_opp(&empB, custB, "乙部门商机", 6000);
    long long mine = s_total(&empA, "/api/v1/opportunities?view=mine&total=true&limit=1");
    H_CHECK(mine == h_sql_intf(h, "sales",
                               "SELECT count(*) FROM opportunities WHERE owner_id = %lld AND"
                               " deleted_at IS NULL",
                               empA.id),
            "mine: %lld", mine);
    /* The manager sees A and its sub-department, not B. */
    char *ids = s_ids(&mgrA, "/api/v1/opportunities?limit=200");
    char want[32];
    snprintf(want, sizeof want, "%lld", x1);
    H_CHECK(strstr(ids, want) != NULL, "mgrA sees A1's: %s", ids);
    snprintf(want, sizeof want, ",%lld,", x2);
    char *wrapped = crm_sprintf(",%s,", ids);
    H_CHECK(strstr(wrapped, want) == NULL, "mgrA does not see B's: %s", ids);
    free(wrapped);
    free(ids);
    H_CHECK(s_total(&mgrA, "/api/v1/opportunities?view=subordinates&total=true") ==
                h_sql_intf(h, "sales",
                           "SELECT count(*) FROM opportunities WHERE owner_id IN (%lld, %lld,"
                           " %lld) AND deleted_at IS NULL",
                           empA.id, empA2.id, empA1.id),
            "subordinates: A's and A1's people, not the manager's own");
    H_CHECK(s_total(&empB, "/api/v1/opportunities?total=true") == 2, "empB: B's only");
    /* 我参与的: the team. */
    ids = s_ids(&empA1, "/api/v1/opportunities?view=team");
    H_CHECK(strlen(ids) > 0 && !strchr(ids, ','), "empA1 reads one as a team member: %s", ids);
    free(ids);

    /* Filters. */
    H_CHECK(s_total(NULL, "/api/v1/opportunities?statuses=won,invalid&total=true") == 2,
            "won or invalid");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/opportunities?customer_id=%lld&total=true", custB);
    H_CHECK(s_total(NULL, path) == 2, "by customer");
    H_CHECK(s_total(NULL, "/api/v1/opportunities?amount_from=300&amount_to=5001&total=true") ==
                h_sql_int(h, "sales",
                          "SELECT count(*) FROM opportunities WHERE amount >= 300 AND amount <"
                          " 5001 AND deleted_at IS NULL"),
            "amount range");
    H_CHECK(s_total(NULL, "/api/v1/opportunities?expected_close_from=2027-01-01&total=true") == 1,
            "expected close from 2027");
    H_CHECK(s_total(NULL, "/api/v1/opportunities?keyword=部门商&total=true") == 2, "keyword");
    snprintf(path, sizeof path, "/api/v1/opportunities?owner_ids=%lld&total=true", empB.id);
    H_CHECK(s_total(&mgrA, path) == 0, "an owner outside the scope filters to none");
    snprintf(path, sizeof path, "/api/v1/opportunities?department_id=%lld&total=true", empB.dept);
    H_CHECK(s_total(NULL, path) == 2, "by department");
    t_expect_error(400, "invalid_argument", "expected_close_to", "GET", base, admin, NULL,
                   "/api/v1/opportunities?expected_close_from=2027-01-01&expected_close_to="
                   "2026-01-01");
    t_expect_error(400, "invalid_argument", "expected_close_from", "GET", base, admin, NULL,
                   "/api/v1/opportunities?expected_close_from=2027-02-30");
    t_expect_error(400, "invalid_argument", "statuses", "GET", base, admin, NULL,
                   "/api/v1/opportunities?statuses=unspecified");
    t_expect_error(400, "invalid_argument", "amount_to", "GET", base, admin, NULL,
                   "/api/v1/opportunities?amount_from=10&amount_to=5");

    /* Cheapest first over pages of 2, every one once, for the manager. */
    long long total = s_total(&mgrA, "/api/v1/opportunities?total=true");
    long long last = -1, seen = 0;
    char next[512] = "/api/v1/opportunities?sort=amount&ascending=true&limit=2";
    for (int page = 0; page < 100; page++) {
        t_resp_t r = t_expect(200, "GET", base, mgrA.token, NULL, next);
        json_t *items = json_object_get(r.body, "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            long long amount =
                json_integer_value(json_object_get(json_array_get(items, i), "amount"));
            H_CHECK(amount >= last, "ascending amounts: %lld after %lld", amount, last);
            last = amount;
            seen++;
        }
        const char *cur = t_json_str(&r, "next_cursor");
        int more = *cur != 0;
        if (more)
            snprintf(next, sizeof next,
                     "/api/v1/opportunities?sort=amount&ascending=true&limit=2&cursor=%s", cur);
        t_resp_free(&r);
        if (!more)
            break;
    }
    H_CHECK(seen == total, "every one once: %lld of %lld", seen, total);
    /* By expected close date, the undated last. */
    t_resp_t r =
        t_expect(200, "GET", base, admin, NULL,
                 "/api/v1/opportunities?sort=expected_close_date&ascending=true&limit=200");
    json_t *items = json_object_get(r.body, "items");
    const char *prev = "";
    int undated = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *d =
            json_string_value(json_object_get(json_array_get(items, i), "expected_close_date"));
        d = d ? d : "";
        H_CHECK(!undated || !*d, "the undated last");
        undated |= !*d;
        H_CHECK(!*d || strcmp(d, prev) >= 0, "dates ascending: %s after %s", d, prev);
        if (*d)
            prev = d;
    }
    t_resp_free(&r);
    r = t_expect(200, "GET", base, empA.token, NULL, "/api/v1/opportunities/export?format=csv");
    H_CHECK(strstr(r.raw, "华东年度采购") != NULL && strstr(r.raw, "乙部门商机") == NULL,
            "the export is the list's: %s", r.raw);
    t_resp_free(&r);
    h_note("lists: views, filters, scope, sorts, pages, totals, export: ok");
}

/* ---- the stage view ----------------------------------------------------------------- */

static void test_stage_view(void)
{
    /* Spread some open ones over the stages of the default pipeline. */
    long long s2 = s_stage_id(2);
    for (int i = 0; i < 5; i++) {
        long long id = s_opp(&empA, custA, "看板", 1000 + i);
        if (i % 2) {
            char move[64];
            snprintf(move, sizeof move, "{\"stage_id\":%lld}", s2);
            s_stage(empA.token, id, move, 200);
        }
    }
    t_resp_t r =
        t_expect(200, "GET", base, mgrA.token, NULL, "/api/v1/opportunities/stages?limit=1");
    json_t *cols = json_object_get(r.body, "columns");
    t_resp_t p = t_expect(200, "GET", base, admin, NULL, "/api/v1/pipelines/1");
    H_CHECK(json_array_size(cols) == json_array_size(json_object_get(p.body, "stages")) &&
                t_json_int(&r, "pipeline_id") == 1,
            "a column per stage: %s", r.raw);
    t_resp_free(&p);
    long long total = 0;
    for (size_t i = 0; i < json_array_size(cols); i++) {
        json_t *c = json_array_get(cols, i);
        long long stage = json_integer_value(json_object_get(c, "stage_id"));
        char sql[400];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM opportunities WHERE stage_id = %lld AND status = 1 AND"
                 " deleted_at IS NULL AND owner_id IN (%lld, %lld, %lld, %lld)",
                 stage, mgrA.id, empA.id, empA2.id, empA1.id);
        long long want = h_sql_int(h, "sales", sql);
        H_CHECK(json_integer_value(json_object_get(c, "count")) == want,
                "stage %lld: count %lld in the manager's scope", stage, want);
        snprintf(sql, sizeof sql,
                 "SELECT COALESCE(sum(amount), 0) FROM opportunities WHERE stage_id = %lld AND"
                 " status = 1 AND deleted_at IS NULL AND owner_id IN (%lld, %lld, %lld, %lld)",
                 stage, mgrA.id, empA.id, empA2.id, empA1.id);
        H_CHECK(json_integer_value(json_object_get(c, "amount")) == h_sql_int(h, "sales", sql),
                "stage %lld: the amounts' sum", stage);
        size_t shown = json_array_size(json_object_get(c, "items"));
        H_CHECK(shown == (want ? 1u : 0u), "one a column");
        total += want;
        /* The column's next page is the list's. */
        const char *cur = json_string_value(json_object_get(c, "next_cursor"));
        if (want > 1) {
            char path[400];
            snprintf(path, sizeof path,
                     "/api/v1/opportunities?stage_ids=%lld&statuses=open&limit=200&total=true"
                     "&cursor=%s",
                     stage, cur);
            t_resp_t n = t_expect(200, "GET", base, mgrA.token, NULL, path);
            H_CHECK(t_json_int(&n, "total") == want &&
                        (long long)json_array_size(json_object_get(n.body, "items")) == want - 1,
                    "the rest of the column: %s", n.raw);
            t_resp_free(&n);
        }
    }
    H_CHECK(total >= 5, "the open ones: %lld", total);
    t_resp_free(&r);
    /* Filters apply: B's customer has none open in A's view. */
    char path[160];
    snprintf(path, sizeof path, "/api/v1/opportunities/stages?customer_id=%lld", custB);
    r = t_expect(200, "GET", base, mgrA.token, NULL, path);
    H_CHECK(t_json_int(&r, "columns.0.count") == 0 && t_json_int(&r, "columns.1.count") == 0,
            "B's customer is out of A's view: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "pipeline_id", "GET", base, admin, NULL,
                   "/api/v1/opportunities/stages?pipeline_id=999");
    t_expect_error(400, "invalid_argument", "limit", "GET", base, admin, NULL,
                   "/api/v1/opportunities/stages?limit=500");
    h_note("stage view: a column per stage with count, amount and its first page; the rest"
           " through the list: ok");
}

int main(void)
{
    h = h_new("sales_opportunities");
    h_suite(h, 1, 1, 1, 1);
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    /* 总部(1) <- A <- A1;  总部 <- B */
    long long a = t_new_dept(base, admin, "A", 1), a1 = t_new_dept(base, admin, "A1", a),
              b = t_new_dept(base, admin, "B", 1);
    s_user_t *users[] = {&mgrA, &empA, &empA2, &empA1, &empB};
    const char *roles[] = {"manager", "employee", "employee", "employee", "employee"};
    long long depts[] = {a, a, a, a1, b};
    for (size_t i = 0; i < 5; i++) {
        users[i]->dept = depts[i];
        users[i]->token =
            t_new_user(base, admin, users[i]->name, roles[i], users[i]->dept, &users[i]->id);
    }
    custA = s_customer(&empA, "甲公司", &kA1);
    custB = s_customer(&empB, "乙公司", &kB);
    /* A second contact of 甲公司. */
    char *body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"第二联系人\"}}", custA);
    kA2 = t_created(base, admin, "/api/v1/contacts", body);
    free(body);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sales_contacts WHERE id = %lld", kA2);
    H_CHECK(h_wait_sql(h, "sales", sql, 1, 10000) == 1, "the second contact in the read model");
    p1 = s_product("P1", 100000);
    p2 = s_product("P2", 100);
    p3 = s_product("P3", 100);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/products/%lld/disable", p2);
    t_resp_t r = t_expect(200, "POST", base, admin, "{}", path);
    t_resp_free(&r);

    long long id = test_create();
    test_access(id);
    test_edit(id);
    test_stages(id);
    test_transfer_delete_followups();
    test_lists();
    test_stage_view();

    for (size_t i = 0; i < 5; i++)
        free(users[i]->token);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
