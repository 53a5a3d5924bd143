/* test_gateway_openapi.c: the gateway's route table against its OpenAPI
 * document (services/gateway/openapi.json), both ways: every route is
 * documented (its method as x-rpc, with a unique operationId), every
 * documented operation is a route. Every route names a method somebody
 * serves. And the matcher:
 * parameters, literal segments before parameters, 404 against 405. The
 * table is compiled in (h2o style: the test includes the .c). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/gateway/gateway_routes.c"
#include "crm/registry.h"
#include "crm/rpc.h"
#include "crm_suite.h"
#include "gateway.pb-c.h"

static int s_failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            s_failures++;                                                                          \
        }                                                                                          \
    } while (0)

static json_t *s_load_doc(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    *strstr(dir, "tests/unit/") = 0;
    char path[1100];
    snprintf(path, sizeof path, "%sservices/gateway/openapi.json", dir);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    if (!doc) {
        fprintf(stderr, "%s: %s (line %d)\n", path, err.text, err.line);
        exit(1);
    }
    return doc;
}

static void s_lower(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    for (; in[i] && i < cap - 1; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] - 'A' + 'a' : in[i]);
    out[i] = 0;
}

static void test_routes_documented(json_t *paths)
{
    int n = 0;
    json_t *ids = json_object();
    for (const gw_route_t *r = gw_routes; r->method; r++, n++) {
        char m[16];
        s_lower(r->method, m, sizeof m);
        json_t *op = json_object_get(json_object_get(paths, r->pattern), m);
        CHECK(op, "route %s %s is not in openapi.json", r->method, r->pattern);
        const char *rpc = json_string_value(json_object_get(op, "x-rpc"));
        CHECK(!op || (rpc && !strcmp(rpc, r->rpc)), "%s %s: x-rpc %s, want %s", r->method,
              r->pattern, rpc ? rpc : "(none)", r->rpc);
        const char *id = json_string_value(json_object_get(op, "operationId"));
        CHECK(!op || (id && !json_object_get(ids, id)),
              "%s %s: operationId %s missing or not unique", r->method, r->pattern,
              id ? id : "(none)");
        if (id)
            json_object_set_new(ids, id, json_true());
    }
    json_decref(ids);
    CHECK(n > 20, "the table has %d routes", n);
}

static void test_documented_routes_exist(json_t *paths)
{
    const char *pattern;
    json_t *ops;
    json_object_foreach(paths, pattern, ops)
    {
        const char *m;
        json_t *op;
        json_object_foreach(ops, m, op)
        {
            int found = 0;
            for (const gw_route_t *r = gw_routes; r->method && !found; r++) {
                char lm[16];
                s_lower(r->method, lm, sizeof lm);
                found = !strcmp(lm, m) && !strcmp(r->pattern, pattern);
            }
            CHECK(found, "openapi.json documents %s %s, which is no route", m, pattern);
        }
    }
}

static void test_methods_exist(void)
{
    static const char *const local[] = {"Http.Healthz", "Http.Readyz", "Http.OpenApi",
                                        "Http.Events"};
    for (const gw_route_t *r = gw_routes; r->method; r++) {
        int ok = crm_rpc_method_types(r->rpc, NULL, NULL) == 0;
        for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
            ok |= !strcmp(local[i], r->rpc);
        if (!strncmp(r->rpc, "Auth.", 5))
            ok = protobuf_c_service_descriptor_get_method_by_name(&crm__gateway__auth__descriptor,
                                                                  r->rpc + 5) != NULL;
        if (!strncmp(r->rpc, "Org.", 4))
            ok = protobuf_c_service_descriptor_get_method_by_name(&crm__gateway__org__descriptor,
                                                                  r->rpc + 4) != NULL;
        if (!strncmp(r->rpc, "Notifications.", 14))
            ok = protobuf_c_service_descriptor_get_method_by_name(
                     &crm__gateway__notifications__descriptor, r->rpc + 14) != NULL;
        CHECK(ok, "%s %s: nobody serves %s", r->method, r->pattern, r->rpc);
    }
}

static const gw_route_t *t_match(const char *method, const char *path, gw_param_t *params, int *n,
                                 int *known)
{
    return gw_route_match(method, strlen(method), path, strlen(path), params, n, known);
}

static void test_matcher(void)
{
    gw_param_t p[GW_MAX_PARAMS];
    int n = 0, known = 0;
    const gw_route_t *r = t_match("GET", "/api/v1/leads/42", p, &n, &known);
    CHECK(r && !strcmp(r->rpc, "Leads.Get") && n == 1 && p[0].len == 2 &&
              !memcmp(p[0].value, "42", 2) && p[0].name_len == 2 && !memcmp(p[0].name, "id", 2),
          "GET /leads/42");
    r = t_match("POST", "/api/v1/leads/42/convert", p, &n, &known);
    CHECK(r && !strcmp(r->rpc, "Leads.Convert"), "POST /leads/42/convert");
    r = t_match("POST", "/api/v1/leads/transfer", p, &n, &known);
    CHECK(r && !strcmp(r->rpc, "Leads.Transfer") && n == 0, "the batch action, not {id}");
    r = t_match("PUT", "/api/v1/leads/42", p, &n, &known);
    CHECK(!r && known, "PUT /leads/42 is 405");
    r = t_match("GET", "/api/v1/leads/42/nothing", p, &n, &known);
    CHECK(!r && !known, "GET /leads/42/nothing is 404");
    r = t_match("GET", "/api/v1/leads/", p, &n, &known);
    CHECK(!r && !known, "an empty parameter matches nothing");
    r = t_match("GET", "/api/v1/leads", p, &n, &known);
    CHECK(r && n == 0, "GET /leads");
}

int main(void)
{
    crm_registry_set(&crm_suite);
    json_t *doc = s_load_doc();
    json_t *paths = json_object_get(doc, "paths");
    test_routes_documented(paths);
    test_documented_routes_exist(paths);
    test_methods_exist();
    test_matcher();
    json_decref(doc);
    if (s_failures) {
        fprintf(stderr,
                "%d failures (after a proto change: cmake --build <dir> --target openapi)\n",
                s_failures);
        return 1;
    }
    printf("gateway routes and openapi.json agree\n");
    return 0;
}
