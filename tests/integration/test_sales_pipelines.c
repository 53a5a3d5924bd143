/* test_sales_pipelines.c: stage pipelines (销售流程) through the HTTP API:
 * the seeded default (初步接洽 10% → 需求确认 30% → 方案制定 50% → 商务谈判
 * 70% → 合同签订 90%, lost reasons), a pipeline created by an admin (stage
 * ids given out, positions), refused with every field at fault named
 * (stages[i].probability as /stages/0/probability), a name another has,
 * employees refused; changed by merge patch: renamed, a stage kept by its
 * id and renamed, one added, one removed (gone from the pipeline, kept in
 * the database), a stage id of another pipeline refused; the default moved
 * (the previous one unset with its own history and event), the default
 * neither unset nor disabled; listed with paging; its history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin, *emp;

static void test_default(void)
{
    t_resp_t r = t_expect(200, "GET", base, emp, NULL, "/api/v1/pipelines/1");
    H_CHECK(!strcmp(t_json_str(&r, "name"), "默认销售流程") &&
                strstr(r.raw, "\"is_default\":true") && strstr(r.raw, "\"enabled\":true"),
            "the default pipeline: %s", r.raw);
    static const char *const names[] = {"初步接洽", "需求确认", "方案制定", "商务谈判", "合同签订"};
    for (int i = 0; i < 5; i++) {
        char path[48];
        snprintf(path, sizeof path, "stages.%d.name", i);
        H_CHECK(!strcmp(t_json_str(&r, path), names[i]), "stage %d: %s", i, r.raw);
        snprintf(path, sizeof path, "stages.%d.probability", i);
        H_CHECK(t_json_int(&r, path) == 10 + 20 * i, "probability %d: %s", i, r.raw);
        snprintf(path, sizeof path, "stages.%d.position", i);
        H_CHECK(t_json_int(&r, path) == i + 1, "position %d: %s", i, r.raw);
    }
    H_CHECK(json_array_size(json_object_get(r.body, "stages")) == 5 &&
                strstr(r.raw, "\"lost_reasons\":[\"价格因素\""),
            "five stages, the lost reasons: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, emp, NULL, "/api/v1/pipelines/999");
    h_note("the default pipeline as seeded: ok");
}

static long long test_create(void)
{
    const char *body =
        "{\"name\":\"  渠道流程 \",\"stages\":[{\"name\":\"接触\",\"probability\":20},"
        "{\"name\":\"报价\",\"probability\":60,\"required_fields\":[\"预算\",\"决策人\"]},"
        "{\"name\":\"签约\",\"probability\":90}],\"lost_reasons\":[\"价格\",\"其他\"]}";
    t_resp_t r;
    t_httpf(&r, "POST", base, admin, body, "/api/v1/pipelines");
    H_CHECK(r.status == 201, "create: %d %s", r.status, r.raw);
    long long id = t_json_int(&r, "id");
    char want[64];
    snprintf(want, sizeof want, "/api/v1/pipelines/%lld", id);
    H_CHECK(strstr(r.location, want) && !strcmp(t_json_str(&r, "name"), "渠道流程") &&
                t_json_int(&r, "stages.0.id") > 5 && t_json_int(&r, "stages.2.position") == 3 &&
                !strcmp(t_json_str(&r, "stages.1.required_fields.1"), "决策人") &&
                strstr(r.raw, "\"is_default\":false") != NULL,
            "created, stage ids given out: %s", r.raw);
    t_resp_free(&r);

    /* Every field at fault at once. */
    t_httpf(&r, "POST", base, admin,
            "{\"name\":\"\",\"stages\":[{\"name\":\"a\",\"probability\":101},{\"name\":\"A \"}],"
            "\"lost_reasons\":[]}",
            "/api/v1/pipelines");
    H_CHECK(r.status == 400 && strstr(r.raw, "\"/name\"") &&
                strstr(r.raw, "\"/stages/0/probability\"") && strstr(r.raw, "\"/stages/1/name\"") &&
                strstr(r.raw, "\"/lost_reasons\""),
            "every field at fault: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(
        400, "invalid_argument", "/stages", "POST", base, admin,
        "{\"name\":\"y\",\"stages\":[{\"id\":3,\"name\":\"a\"}],\"lost_reasons\":[\"x\"]}",
        "/api/v1/pipelines");
    t_expect_error(409, "already_exists", "/name", "POST", base, admin,
                   "{\"name\":\"渠道流程\",\"stages\":[{\"name\":\"a\"}],\"lost_reasons\":[\"x\"]}",
                   "/api/v1/pipelines");
    t_expect_error(403, "permission_denied", NULL, "POST", base, emp,
                   "{\"name\":\"z\",\"stages\":[{\"name\":\"a\"}],\"lost_reasons\":[\"x\"]}",
                   "/api/v1/pipelines");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM pipelines") == 2, "nothing else written");
    h_note("create: stage ids, every fault named, unique name, admins only: ok");
    return id;
}

static void test_update(long long id)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/pipelines/%lld", id);
    t_resp_t r = t_expect(200, "GET", base, emp, NULL, path);
    long long s0 = t_json_int(&r, "stages.0.id"), s1 = t_json_int(&r, "stages.1.id"),
              s2 = t_json_int(&r, "stages.2.id");
    t_resp_free(&r);

    /* Kept by id (renamed, moved), one new, one removed. */
    char *body =
        crm_sprintf("{\"name\":\"渠道流程二\",\"stages\":[{\"id\":%lld,\"name\":\"报价确认\","
                    "\"probability\":40},{\"name\":\"试用\",\"probability\":50},"
                    "{\"id\":%lld,\"name\":\"签约\",\"probability\":95}]}",
                    s1, s2);
    r = t_expect(200, "PATCH", base, admin, body, path);
    free(body);
    H_CHECK(t_json_int(&r, "stages.0.id") == s1 && t_json_int(&r, "stages.0.position") == 1 &&
                !strcmp(t_json_str(&r, "stages.0.name"), "报价确认") &&
                t_json_int(&r, "stages.1.id") > s2 && t_json_int(&r, "stages.2.id") == s2 &&
                t_json_int(&r, "stages.2.probability") == 95 &&
                !strcmp(t_json_str(&r, "name"), "渠道流程二") &&
                strstr(r.raw, "\"lost_reasons\":[\"价格\",\"其他\"]"),
            "stages kept by id, one new, one removed: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM pipeline_stages WHERE id = %lld AND removed_at IS NOT"
                       " NULL",
                       s0) == 1,
            "the removed stage is kept, removed");

    /* A stage of another pipeline, or a removed one, is not this one's. */
    body = crm_sprintf("{\"stages\":[{\"id\":%lld,\"name\":\"x\"}]}", s0);
    t_expect_error(400, "invalid_argument", "/stages", "PATCH", base, admin, body, path);
    free(body);
    t_expect_error(400, "invalid_argument", "/stages", "PATCH", base, admin,
                   "{\"stages\":[{\"id\":1,\"name\":\"x\"}]}", path);
    t_expect_error(400, "invalid_argument", "/stages", "PATCH", base, admin, "{\"stages\":null}",
                   path);
    t_expect_error(400, "invalid_argument", "/name", "PATCH", base, admin, "{\"name\":null}", path);
    t_expect_error(409, "already_exists", "/name", "PATCH", base, admin,
                   "{\"name\":\"默认销售流程\"}", path);
    t_expect_error(403, "permission_denied", NULL, "PATCH", base, emp, "{\"name\":\"x\"}", path);
    t_expect_error(404, "not_found", "id", "PATCH", base, admin, "{\"name\":\"x\"}",
                   "/api/v1/pipelines/999");

    /* The default moves; the old one is unset with its own entry and event. */
    r = t_expect(200, "PATCH", base, admin, "{\"is_default\":true}", path);
    H_CHECK(strstr(r.raw, "\"is_default\":true") != NULL, "the new default: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp, NULL, "/api/v1/pipelines/1");
    H_CHECK(strstr(r.raw, "\"is_default\":false") != NULL, "the old one is not the default: %s",
            r.raw);
    t_resp_free(&r);
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM pipelines WHERE is_default") == 1,
            "one default");
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'pipeline.updated' AND"
                      " aggregate_id = '1'") == 1,
            "the old default's event");
    t_expect_error(409, "failed_precondition", "/is_default", "PATCH", base, admin,
                   "{\"is_default\":false}", path);
    t_expect_error(409, "failed_precondition", "/enabled", "PATCH", base, admin,
                   "{\"enabled\":false}", path);
    r = t_expect(200, "PATCH", base, admin, "{\"enabled\":false}", "/api/v1/pipelines/1");
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, admin, "{\"is_default\":true,\"enabled\":true}",
                 "/api/v1/pipelines/1");
    t_resp_free(&r);
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM pipelines WHERE is_default AND id = 1") ==
                1,
            "the default back");

    /* Lists: every pipeline once over pages; the disabled ones alone. */
    r = t_expect(200, "PATCH", base, admin, "{\"enabled\":false}", path);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp, NULL, "/api/v1/pipelines?limit=1&total=true");
    H_CHECK(t_json_int(&r, "total") == 2 && t_json_int(&r, "items.0.id") == 1 &&
                *t_json_str(&r, "next_cursor"),
            "the first page: %s", r.raw);
    char next[256];
    snprintf(next, sizeof next, "/api/v1/pipelines?limit=1&cursor=%s",
             t_json_str(&r, "next_cursor"));
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp, NULL, next);
    H_CHECK(t_json_int(&r, "items.0.id") == id && !*t_json_str(&r, "next_cursor"),
            "the second and last: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp, NULL, "/api/v1/pipelines?enabled=false&total=true");
    H_CHECK(t_json_int(&r, "total") == 1 && t_json_int(&r, "items.0.id") == id,
            "the disabled one: %s", r.raw);
    t_resp_free(&r);

    /* Its history: what changed, old and new. */
    snprintf(path, sizeof path, "/api/v1/pipelines/%lld/history?total=true", id);
    r = t_expect(200, "GET", base, emp, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 5 && strstr(r.raw, "\"field\":\"stages\"") &&
                strstr(r.raw, "\"old\":\"渠道流程\",\"new\":\"渠道流程二\""),
            "created, changed, made default, unset, disabled: %s", r.raw);
    t_resp_free(&r);
    h_note("update: stages by id, removed kept, default moved and kept, lists, history: ok");
}

int main(void)
{
    h = h_new("sales_pipelines");
    h_suite_counts(h, "sales=1");
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long eid;
    emp = t_new_user(base, admin, "emp", "employee", 1, &eid);
    test_default();
    long long id = test_create();
    test_update(id);
    free(emp);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
