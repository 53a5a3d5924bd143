/* gateway_routes.c: the route table (see gateway_routes.h) and the matcher.
 *
 * Conventions (issue #4): resources are plural nouns under /api/v1; GET
 * /things lists (query parameters become request fields), GET /things/{id}
 * reads, POST /things creates, PATCH /things/{id} updates, DELETE
 * /things/{id} deletes; an action on one record is POST /things/{id}/action,
 * a batch action POST /things/action with a list of ids in the body. Every
 * row must be documented in openapi.json (test_gateway_openapi checks both
 * ways): after adding rows, run services/gateway/openapi_gen.py. */
#include "gateway_routes.h"

#include <string.h>

const gw_route_t gw_routes[] = {
    /* The gateway itself. */
    {"GET", "/healthz", "Http.Healthz", GW_PUBLIC},
    {"GET", "/readyz", "Http.Readyz", GW_PUBLIC},
    {"GET", "/api/v1/openapi.json", "Http.OpenApi", GW_PUBLIC},

    {"POST", "/api/v1/auth/login", "Auth.Login", GW_PUBLIC},
    {"POST", "/api/v1/auth/logout", "Auth.Logout", GW_PWCHANGE},
    {"POST", "/api/v1/auth/password", "Auth.ChangePassword", GW_PWCHANGE},
    {"GET", "/api/v1/auth/me", "Auth.Me", GW_PWCHANGE},
    {"GET", "/api/v1/events/stream", "Http.Events", 0},

    {"GET", "/api/v1/departments", "Org.ListDepartments", GW_QUERY},
    {"POST", "/api/v1/departments", "Org.CreateDepartment", GW_ADMIN},
    {"GET", "/api/v1/departments/{id}", "Org.GetDepartment", 0},
    {"PATCH", "/api/v1/departments/{id}", "Org.UpdateDepartment", GW_ADMIN},
    {"DELETE", "/api/v1/departments/{id}", "Org.DeleteDepartment", GW_ADMIN},

    {"GET", "/api/v1/users", "Org.ListUsers", GW_QUERY},
    {"POST", "/api/v1/users", "Org.CreateUser", GW_ADMIN},
    {"GET", "/api/v1/users/{id}", "Org.GetUser", 0},
    {"PATCH", "/api/v1/users/{id}", "Org.UpdateUser", GW_ADMIN},
    {"DELETE", "/api/v1/users/{id}", "Org.DeleteUser", GW_ADMIN},

    {"GET", "/api/v1/api-tokens", "Org.ListApiTokens", GW_ADMIN | GW_QUERY},
    {"POST", "/api/v1/api-tokens", "Org.CreateApiToken", GW_ADMIN},
    {"DELETE", "/api/v1/api-tokens/{id}", "Org.RevokeApiToken", GW_ADMIN},
    /* The notification centre: the signed-in user's own. */
    {"GET", "/api/v1/notifications", "Notifications.List", GW_QUERY},
    {"POST", "/api/v1/notifications/read", "Notifications.MarkRead", 0},

    /* Leads (线索): proto/leads.proto. {id} of a batch request fills its ids. */
    {"GET", "/api/v1/leads", "Leads.List", GW_QUERY},
    {"POST", "/api/v1/leads", "Leads.Create", 0},
    {"GET", "/api/v1/leads/duplicates", "Leads.CheckDuplicates", GW_QUERY},
    {"GET", "/api/v1/leads/stats", "Leads.Stats", GW_QUERY},
    {"GET", "/api/v1/leads/{id}", "Leads.Get", 0},
    {"PATCH", "/api/v1/leads/{id}", "Leads.Update", 0},
    {"DELETE", "/api/v1/leads/{id}", "Leads.Delete", 0},
    {"GET", "/api/v1/leads/{lead_id}/history", "Leads.History", GW_QUERY},
    {"GET", "/api/v1/leads/{lead_id}/follow-ups", "Leads.ListFollowUps", GW_QUERY},
    {"POST", "/api/v1/leads/{lead_id}/follow-ups", "Leads.FollowUp", 0},
    {"POST", "/api/v1/leads/{id}/convert", "Leads.Convert", 0},
    {"POST", "/api/v1/leads/{id}/transfer", "Leads.Transfer", 0},
    {"POST", "/api/v1/leads/{id}/pool", "Leads.PutInPool", 0},
    {"POST", "/api/v1/leads/{id}/claim", "Leads.Claim", 0},
    {"POST", "/api/v1/leads/{id}/assign", "Leads.Assign", 0},
    {"POST", "/api/v1/leads/{id}/invalidate", "Leads.Invalidate", 0},
    {"POST", "/api/v1/leads/{id}/resume", "Leads.Resume", 0},
    {"POST", "/api/v1/leads/{id}/discard", "Leads.Discard", 0},
    {"POST", "/api/v1/leads/{id}/restore", "Leads.Restore", 0},
    {"POST", "/api/v1/leads/{id}/team-members", "Leads.AddTeamMembers", 0},
    {"POST", "/api/v1/leads/{id}/team-members/remove", "Leads.RemoveTeamMembers", 0},
    {"POST", "/api/v1/leads/transfer", "Leads.Transfer", 0},
    {"POST", "/api/v1/leads/pool", "Leads.PutInPool", 0},
    {"POST", "/api/v1/leads/claim", "Leads.Claim", 0},
    {"POST", "/api/v1/leads/assign", "Leads.Assign", 0},
    {"POST", "/api/v1/leads/invalidate", "Leads.Invalidate", 0},
    {"POST", "/api/v1/leads/resume", "Leads.Resume", 0},
    {"POST", "/api/v1/leads/discard", "Leads.Discard", 0},
    {"POST", "/api/v1/leads/restore", "Leads.Restore", 0},
    {"POST", "/api/v1/leads/team-members", "Leads.AddTeamMembers", 0},
    {"POST", "/api/v1/leads/team-members/remove", "Leads.RemoveTeamMembers", 0},
    {"POST", "/api/v1/leads/delete", "Leads.Delete", 0},
    {"POST", "/api/v1/leads/recycle", "Leads.Recycle", GW_ADMIN},
    {"GET", "/api/v1/lead-imports", "Leads.ListImports", GW_QUERY},
    {"POST", "/api/v1/lead-imports", "Leads.StartImport", 0},
    {"POST", "/api/v1/lead-imports/{id}/cancel", "Leads.CancelImport", 0},
    {"GET", "/api/v1/lead-imports/{id}", "Leads.GetImport", 0},
    {"POST", "/api/v1/lead-imports/{import_id}/chunks", "Leads.ImportChunk", 0},
    {"GET", "/api/v1/lead-pools", "Leads.ListPools", GW_QUERY},
    {"POST", "/api/v1/lead-pools", "Leads.CreatePool", 0},
    {"GET", "/api/v1/lead-pools/{id}", "Leads.GetPool", 0},
    {"PATCH", "/api/v1/lead-pools/{id}", "Leads.UpdatePool", 0},
    {"GET", "/api/v1/lead-options", "Leads.GetOptions", 0},
    {"PUT", "/api/v1/lead-options", "Leads.SetOptions", GW_ADMIN},

    /* Customers (客户): proto/customers.proto. */
    {"GET", "/api/v1/customers/{id}", "Customers.Get", 0},
    {"GET", "/api/v1/leads/{lead_id}/customer", "Customers.GetByLead", 0},
    {"POST", "/api/v1/customers/{customer_id}/follow-ups", "Customers.FollowUp", 0},
    {"POST", "/api/v1/customers/recycle", "Customers.Recycle", GW_ADMIN},

    {NULL, NULL, NULL, 0},
};

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
