/* test_sales_products.c: the product catalogue (产品) through the HTTP API,
 * against the real gateway and sales service: a product created by an
 * admin (201, Location, its code trimmed), refused with every field at
 * fault at once, refused for a code another has (any case, spaces around),
 * refused to employees and managers (the gateway's admin routes, and the
 * service's own check over RPC); read, edited by merge patch (old and new
 * values in its history), disabled and enabled (one or a batch, all or
 * nothing, an unknown id named); listed by everyone with keyword,
 * category, enabled, price range, sorts, keyset pages and a total; its
 * events committed with each change; a retried create applied once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin, *emp, *mgr;

static long long s_product(const char *name, const char *code, const char *category,
                           long long price)
{
    char *body = crm_sprintf("{\"name\":\"%s\",\"code\":\"%s\",\"category\":\"%s\",\"unit\":\"套\","
                             "\"list_price\":%lld}",
                             name, code, category, price);
    long long id = t_created(base, admin, "/api/v1/products", body);
    free(body);
    return id;
}

static void test_create(void)
{
    t_resp_t r;
    t_httpf(&r, "POST", base, admin,
            "{\"name\":\"CRM 标准版\",\"code\":\"  crm-std \",\"category\":\"软件\","
            "\"unit\":\"套\",\"list_price\":1999900,\"remark\":\"年费\"}",
            "/api/v1/products");
    H_CHECK(r.status == 201, "create: %d %s", r.status, r.raw);
    long long id = t_json_int(&r, "id");
    char want[64];
    snprintf(want, sizeof want, "/api/v1/products/%lld", id);
    H_CHECK(strstr(r.location, want) != NULL, "Location names it: %s", r.location);
    H_CHECK(!strcmp(t_json_str(&r, "code"), "crm-std") && t_json_int(&r, "list_price") == 1999900 &&
                strstr(r.raw, "\"enabled\":true") && !strcmp(t_json_str(&r, "unit"), "套") &&
                t_json_int(&r, "creator_id") == 1 && *t_json_str(&r, "created_at"),
            "the product as created: %s", r.raw);
    t_resp_free(&r);

    /* Every field at fault at once; nothing written. */
    t_httpf(&r, "POST", base, admin, "{\"name\":\"\",\"code\":\"   \",\"list_price\":-1}",
            "/api/v1/products");
    H_CHECK(r.status == 400 && !strcmp(t_err_code(&r), "invalid_argument"), "bad: %s", r.raw);
    json_t *errs = json_object_get(r.body, "errors");
    H_CHECK(json_array_size(errs) == 3, "three fields at fault: %s", r.raw);
    H_CHECK(strstr(r.raw, "\"/name\"") && strstr(r.raw, "\"/code\"") &&
                strstr(r.raw, "\"/list_price\""),
            "each named: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "/list_price", "POST", base, admin,
                   "{\"name\":\"x\",\"code\":\"x\",\"list_price\":10000000000001}",
                   "/api/v1/products");
    t_expect_error(
        400, "invalid_argument", "/unit", "POST", base, admin,
        "{\"name\":\"x\",\"code\":\"x\",\"unit\":\"一二三四五六七八九十一二三四五六七八九十一\"}",
        "/api/v1/products");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM products") == 1, "nothing written");

    /* The code is unique whatever its case and the spaces around it. */
    t_httpf(&r, "POST", base, admin, "{\"name\":\"别的\",\"code\":\"CRM-STD \"}",
            "/api/v1/products");
    H_CHECK(r.status == 409 && !strcmp(t_err_code(&r), "already_exists") &&
                !strcmp(t_err_field(&r), "/code"),
            "duplicate code: %s", r.raw);
    snprintf(want, sizeof want, "product %lld", id);
    H_CHECK(strstr(r.raw, want) != NULL, "names the other: %s", r.raw);
    t_resp_free(&r);

    /* Admins only: the gateway's route, and the service itself. */
    t_expect_error(403, "permission_denied", NULL, "POST", base, emp,
                   "{\"name\":\"x\",\"code\":\"x-1\"}", "/api/v1/products");
    t_expect_error(403, "permission_denied", NULL, "POST", base, mgr,
                   "{\"name\":\"x\",\"code\":\"x-1\"}", "/api/v1/products");
    t_json_expect(h, CRM__STATUS__PERMISSION_DENIED, "sales", "Sales.CreateProduct",
                  t_user(0, 5, 1), "{\"name\":\"x\",\"code\":\"x-1\"}");
    t_json_expect(h, CRM__STATUS__PERMISSION_DENIED, "sales", "Sales.DisableProducts",
                  t_manager(0, 5, 1, NULL, 0), "{\"ids\":[%lld]}", id);

    /* Everyone reads it; an unknown one is named. */
    snprintf(want, sizeof want, "/api/v1/products/%lld", id);
    r = t_expect(200, "GET", base, emp, NULL, want);
    H_CHECK(!strcmp(t_json_str(&r, "name"), "CRM 标准版"), "read: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, emp, NULL, "/api/v1/products/999999");
    t_expect_error(400, "invalid_argument", "id", "GET", base, emp, NULL, "/api/v1/products/0");

    /* A retried create (Idempotency-Key) is made once. */
    t_http_header("Idempotency-Key: product-once");
    long long a =
        t_created(base, admin, "/api/v1/products", "{\"name\":\"实施\",\"code\":\"svc-1\"}");
    t_http_header("Idempotency-Key: product-once");
    long long b =
        t_created(base, admin, "/api/v1/products", "{\"name\":\"实施\",\"code\":\"svc-1\"}");
    H_CHECK(a == b &&
                h_sql_int(h, "sales", "SELECT count(*) FROM products WHERE code = 'svc-1'") == 1,
            "made once: %lld %lld", a, b);
    h_note("create: fields, every fault named, unique code, admins only, read, once: ok");
}

static void test_edit(void)
{
    long long id = s_product("年度维护", "maint", "服务", 500000);
    long long other = s_product("培训", "train", "服务", 80000);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/products/%lld", id);
    t_resp_t r =
        t_expect(200, "PATCH", base, admin, "{\"list_price\":600000,\"remark\":\"涨价\"}", path);
    H_CHECK(t_json_int(&r, "list_price") == 600000 && !strcmp(t_json_str(&r, "name"), "年度维护") &&
                !strcmp(t_json_str(&r, "remark"), "涨价"),
            "patched: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "PATCH", base, admin, "{\"remark\":null,\"code\":\" MAINT-2 \"}", path);
    H_CHECK(!strcmp(t_json_str(&r, "remark"), "") && !strcmp(t_json_str(&r, "code"), "MAINT-2"),
            "cleared, code trimmed: %s", r.raw);
    t_resp_free(&r);
    /* Its own code again (another case) is no duplicate of itself. */
    r = t_expect(200, "PATCH", base, admin, "{\"code\":\"maint-2\"}", path);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "/name", "PATCH", base, admin, "{\"name\":null}", path);
    t_expect_error(400, "invalid_argument", "/list_price", "PATCH", base, admin,
                   "{\"list_price\":-5}", path);
    t_expect_error(400, "invalid_argument", "/enabled", "PATCH", base, admin, "{\"enabled\":false}",
                   path);
    t_expect_error(409, "already_exists", "/code", "PATCH", base, admin, "{\"code\":\"TRAIN\"}",
                   path);
    t_expect_error(403, "permission_denied", NULL, "PATCH", base, emp, "{\"remark\":\"x\"}", path);
    t_expect_error(404, "not_found", "id", "PATCH", base, admin, "{\"remark\":\"x\"}",
                   "/api/v1/products/999999");

    /* Disable and enable: one, a batch, all or nothing. */
    snprintf(path, sizeof path, "/api/v1/products/%lld/disable", id);
    r = t_expect(200, "POST", base, admin, "{\"reason\":\"停售\"}", path);
    H_CHECK(strstr(r.raw, "\"enabled\":false") != NULL, "disabled: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(409, "failed_precondition", NULL, "POST", base, admin, "{}", path);
    char *body = crm_sprintf("{\"ids\":[%lld,999999]}", other);
    t_expect_error(404, "not_found", "/ids", "POST", base, admin, body, "/api/v1/products/disable");
    free(body);
    body = crm_sprintf("{\"ids\":[%lld,%lld]}", other, other);
    t_expect_error(400, "invalid_argument", "/ids", "POST", base, admin, body,
                   "/api/v1/products/disable");
    free(body);
    H_CHECK(h_sql_intf(h, "sales", "SELECT count(*) FROM products WHERE id = %lld AND enabled",
                       other) == 1,
            "a refused batch changes nothing");
    body = crm_sprintf("{\"ids\":[%lld,%lld]}", id, other);
    t_expect_error(409, "failed_precondition", NULL, "POST", base, admin, body,
                   "/api/v1/products/enable");
    snprintf(path, sizeof path, "/api/v1/products/%lld/enable", id);
    r = t_expect(200, "POST", base, admin, "{}", path);
    t_resp_free(&r);
    r = t_expect(200, "POST", base, admin, body, "/api/v1/products/disable");
    H_CHECK(json_array_size(json_object_get(r.body, "products")) == 2 &&
                strstr(r.raw, "\"enabled\":true") == NULL,
            "both disabled: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "POST", base, admin, body, "/api/v1/products/enable");
    t_resp_free(&r);
    free(body);

    /* Its history: each change with old and new values, who, why. */
    snprintf(path, sizeof path, "/api/v1/products/%lld/history?total=true", id);
    r = t_expect(200, "GET", base, emp, NULL, path);
    H_CHECK(t_json_int(&r, "total") == 8,
            "created, 3 edits, disabled, enabled, disabled, enabled: %s", r.raw);
    H_CHECK(!strcmp(t_json_str(&r, "items.0.action"), "enabled") &&
                !strcmp(t_json_str(&r, "items.7.action"), "created"),
            "newest first: %s", r.raw);
    H_CHECK(strstr(r.raw, "{\"field\":\"list_price\",\"old\":500000,\"new\":600000}") &&
                strstr(r.raw, "{\"field\":\"enabled\",\"old\":true,\"new\":false}") &&
                strstr(r.raw, "\"reason\":\"停售\""),
            "old and new values: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(404, "not_found", "id", "GET", base, emp, NULL,
                   "/api/v1/products/999999/history");

    /* Every change's event, committed with it. */
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'product.created'") == 4,
            "product.created: crm-std, svc-1, maint, train");
    H_CHECK(h_sql_intf(h, "sales",
                       "SELECT count(*) FROM crm_outbox WHERE type = 'product.updated' AND"
                       " aggregate_id = '%lld'",
                       id) == 7,
            "product.updated per change");
    h_note("edit, disable, enable, history, events: ok");
}

/* Is every item of the list r's a product whose field is want? */
static int s_all(const t_resp_t *r, const char *field, const char *want)
{
    json_t *items = json_object_get(r->body, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *v = json_object_get(json_array_get(items, i), field);
        char buf[32];
        const char *got =
            json_is_string(v) ? json_string_value(v)
            : json_is_boolean(v)
                ? (json_is_true(v) ? "true" : "false")
                : (snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v)), buf);
        if (strcmp(got, want) != 0)
            return 0;
    }
    return json_array_size(items) > 0;
}

static void test_list(void)
{
    for (int i = 0; i < 7; i++) {
        char name[32], code[32];
        snprintf(name, sizeof name, "硬件 %d", i);
        snprintf(code, sizeof code, "hw-%d", i);
        s_product(name, code, "硬件", 1000 * (i + 1));
    }
    t_resp_t r = t_expect(200, "GET", base, emp, NULL, "/api/v1/products?category=硬件&total=true");
    H_CHECK(t_json_int(&r, "total") == 7 && s_all(&r, "category", "硬件"), "category: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp, NULL, "/api/v1/products?keyword=HW-3&total=true");
    H_CHECK(t_json_int(&r, "total") == 1 && !strcmp(t_json_str(&r, "items.0.code"), "hw-3"),
            "keyword on the code: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp, NULL, "/api/v1/products?keyword=维护&total=true");
    H_CHECK(t_json_int(&r, "total") == 1, "keyword on the name: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp, NULL,
                 "/api/v1/products?list_price_from=2000&list_price_to=5000&total=true");
    H_CHECK(t_json_int(&r, "total") == 3, "price in [2000, 5000): %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, emp, NULL, "/api/v1/products?enabled=false&total=true");
    H_CHECK(t_json_int(&r, "total") == 0, "none disabled: %s", r.raw);
    t_resp_free(&r);
    t_expect_error(400, "invalid_argument", "list_price_to", "GET", base, emp, NULL,
                   "/api/v1/products?list_price_from=5000&list_price_to=2000");
    t_expect_error(400, "invalid_argument", "sort", "GET", base, emp, NULL,
                   "/api/v1/products?sort=name");
    t_expect_error(400, "invalid_argument", "limit", "GET", base, emp, NULL,
                   "/api/v1/products?limit=201");

    /* Cheapest first, three a page, every product once. */
    long long last = -1;
    int seen = 0;
    char path[512] = "/api/v1/products?sort=list_price&ascending=true&limit=3&category=硬件";
    for (int page = 0; page < 5; page++) {
        r = t_expect(200, "GET", base, emp, NULL, path);
        json_t *items = json_object_get(r.body, "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            long long price =
                json_integer_value(json_object_get(json_array_get(items, i), "list_price"));
            H_CHECK(price > last, "ascending: %lld after %lld", price, last);
            last = price;
            seen++;
        }
        const char *next = t_json_str(&r, "next_cursor");
        if (!*next) {
            t_resp_free(&r);
            break;
        }
        snprintf(path, sizeof path,
                 "/api/v1/products?sort=list_price&ascending=true&limit=3&category=硬件&cursor=%s",
                 next);
        t_resp_free(&r);
    }
    H_CHECK(seen == 7, "every product once: %d", seen);
    t_expect_error(400, "invalid_argument", "cursor", "GET", base, emp, NULL,
                   "/api/v1/products?sort=created_at&cursor=AAAA");

    r = t_expect(200, "GET", base, emp, NULL, "/api/v1/products/export?format=csv&category=硬件");
    H_CHECK(strstr(r.raw, "hw-6") && strstr(r.raw, "creator_name"), "the export: %s", r.raw);
    t_resp_free(&r);
    h_note("list: category, keyword, price range, enabled, sorts, pages, export: ok");
}

int main(void)
{
    h = h_new("sales_products");
    h_suite_counts(h, "sales=1");
    h_start_all(h);
    base = h_gateway(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long eid, mid;
    emp = t_new_user(base, admin, "emp", "employee", 1, &eid);
    mgr = t_new_user(base, admin, "mgr", "manager", 1, &mid);
    test_create();
    test_edit();
    test_list();
    free(emp);
    free(mgr);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
