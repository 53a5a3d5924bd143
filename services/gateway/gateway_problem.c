/* gateway_problem.c: errors as RFC 9457 problem details (see
 * gateway_problem.h):
 *
 *   {"type": "/api/v1/problems/invalid_argument", "title": "Invalid argument",
 *    "status": 400, "detail": "...", "code": "invalid_argument",
 *    "errors": [{"pointer": "/mobile", "detail": "..."}]}
 *
 * The type names the problem by our short code; the title is the code for
 * people; a field is said in the names of the wire form (an instant
 * "<x>_us" is "<x>", a document "<x>_json" is "<x>": gw_problem_wire_path
 * turns a service's proto names into them). */
#include "gateway_problem.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"

static const char *s_reason(int http)
{
    switch (http) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

void gw_problem_wire_path(const char *field, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    while (field && *field && len + 1 < cap) {
        size_t n = strcspn(field, ".[]");
        size_t keep = n;
        if (n > 3 && !memcmp(field + n - 3, "_us", 3))
            keep = n - 3;
        else if (n > 5 && !memcmp(field + n - 5, "_json", 5))
            keep = n - 5;
        len += (size_t)snprintf(out + len, cap - len, "%.*s", (int)keep, field);
        field += n;
        if (*field && len + 1 < cap) {
            out[len++] = *field++;
            out[len] = '\0';
        }
    }
}

/* The dotted path field ("items[2].at") as a JSON pointer ("/items/2/at"),
 * or (url) its first name ("at"). */
static void s_field_name(char *out, size_t cap, const char *field, int pointer)
{
    out[0] = '\0';
    for (const char *p = field; *p;) {
        size_t n = strcspn(p, ".[]");
        if (n) {
            if (pointer) {
                size_t len = strlen(out);
                snprintf(out + len, cap - len, "/");
            }
            /* '~' and '/' would need escaping (RFC 6901); field names hold
             * neither. */
            size_t len = strlen(out);
            snprintf(out + len, cap - len, "%.*s", (int)n, p);
            if (!pointer)
                return;
        }
        p += n;
        if (*p)
            p++;
    }
}

gw_in_t gw_problem_field(const gw_route_t *route, int sheet, const char *field, char *name,
                         size_t cap)
{
    if (sheet && !strcmp(field, route->sheet)) {
        snprintf(name, cap, "%s", "");
        return GW_IN_BODY;
    }
    if (field[0] == '/') {
        snprintf(name, cap, "%s", field);
        return GW_IN_BODY;
    }
    size_t n = strcspn(field, ".[");
    for (const char *p = strchr(route->pattern, '{'); p; p = strchr(p + 1, '{')) {
        size_t k = strcspn(p + 1, "}");
        if ((k == n || (k + 1 == n && field[k] == 's')) && !strncmp(p + 1, field, k)) {
            snprintf(name, cap, "%.*s", (int)k, p + 1);
            return GW_IN_URL;
        }
    }
    int url = (route->flags & GW_QUERY) || sheet;
    s_field_name(name, cap, field, !url);
    return url ? GW_IN_URL : GW_IN_BODY;
}

h2o_iovec_t gw_problem_text(h2o_mem_pool_t *pool, int http, const char *code, const char *detail,
                            const gw_fault_t *faults, size_t nfaults)
{
    char type[96], title[64];
    snprintf(type, sizeof type, "/api/v1/problems/%s", code);
    snprintf(title, sizeof title, "%s", code);
    title[0] = (char)toupper((unsigned char)title[0]);
    for (char *t = title; *t; t++)
        if (*t == '_')
            *t = ' ';
    json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", title, "status",
                             http, "detail", detail ? detail : "", "code", code);
    static const char *const member[] = {"pointer", "parameter", "header"};
    json_t *errors = json_array();
    for (size_t i = 0; i < nfaults; i++)
        json_array_append_new(errors, json_pack("{s:s, s:s}", member[faults[i].in], faults[i].name,
                                                "detail", faults[i].detail));
    if (nfaults)
        json_object_set_new(body, "errors", errors);
    else
        json_decref(errors);
    char *s = json_dumps(body, JSON_COMPACT);
    h2o_iovec_t text = h2o_strdup(pool, s, strlen(s));
    free(s);
    json_decref(body);
    return text;
}

void gw_problem_head(h2o_req_t *req, int http, size_t len)
{
    req->res.status = http;
    req->res.reason = s_reason(http);
    req->res.content_length = len;
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                   H2O_STRLIT("application/problem+json"), 1);
}

void gw_problem_send(h2o_req_t *req, int http, const char *code, const char *detail,
                     const gw_fault_t *faults, size_t nfaults)
{
    h2o_iovec_t text = gw_problem_text(&req->pool, http, code, detail, faults, nfaults);
    gw_problem_head(req, http, text.len);
    h2o_send_inline(req, text.base, text.len);
}
