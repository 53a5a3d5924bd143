/* gateway_routes.c: the matcher of the route table (see gateway_routes.h).
 * The table itself, gw_routes, is generated from the (crm.http) options of
 * the RPCs in proto/ (tools/glue/glue.py, gateway_routes_table.c in the
 * build).
 *
 * Conventions (issue #4): resources are plural nouns under /api/v1; GET
 * /things lists (query parameters become request fields), GET /things/{id}
 * reads, POST /things creates, PATCH /things/{id} updates, DELETE
 * /things/{id} deletes; an action on one record is POST /things/{id}/action,
 * a batch action POST /things/action with a list of ids in the body; GET
 * /things/export?format=csv|xlsx is the whole list as a file (a list's
 * option `export`, gateway_export.c).
 * openapi.json is generated from the same options (after a change, `cmake
 * --build <dir> --target openapi` updates the committed copy, which the test
 * openapi_current compares). */
#include "gateway_routes.h"

#include <string.h>

/* Matches one pattern against path; fills params. 1 on a match. */
static int s_match(const char *pattern, const char *path, size_t len,
                   gw_param_t params[GW_MAX_PARAMS], int *nparams)
{
    const char *p = pattern, *s = path, *end = path + len;
    int n = 0;
    while (*p && s < end) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *seg = s;
            while (s < end && *s != '/')
                s++;
            if (s == seg || n == GW_MAX_PARAMS)
                return 0;
            params[n].name = p + 1;
            params[n].name_len = (size_t)(close - p - 1);
            params[n].value = seg;
            params[n].len = (size_t)(s - seg);
            n++;
            p = close + 1;
        } else if (*p++ != *s++) {
            return 0;
        }
    }
    if (*p || s != end)
        return 0;
    *nparams = n;
    return 1;
}

const gw_route_t *gw_route_match(const char *method, size_t method_len, const char *path,
                                 size_t len, gw_param_t params[GW_MAX_PARAMS], int *nparams,
                                 int *path_known)
{
    *path_known = 0;
    /* A literal segment wins over a parameter: "/customers/recycle" is not
     * "/customers/{id}", so exact patterns are tried first. */
    for (int pass = 0; pass < 2; pass++) {
        for (const gw_route_t *r = gw_routes; r->method; r++) {
            int literal = strchr(r->pattern, '{') == NULL;
            if (literal != (pass == 0) || !s_match(r->pattern, path, len, params, nparams))
                continue;
            if (strlen(r->method) == method_len && memcmp(r->method, method, method_len) == 0)
                return r;
            *path_known = 1;
        }
        if (*path_known)
            return NULL;
    }
    return NULL;
}
