/* gateway_routes.h: the gateway's route table, data only.
 *
 * A route is an HTTP method and a path pattern ("/api/v1/leads/{id}") bound
 * to a method name ("Leads.Get"). A segment "{name}" matches one path
 * segment and becomes request field `name` (converted by the field's type);
 * when the request has no such field but a repeated `names` ("{id}" of a
 * batch request with "ids"), the value becomes that list. The method is either a domain
 * service's RPC (any "Service.Method" of the protos that crm_rpc_method_types
 * knows) or one the gateway serves itself ("Auth.*", "Org.*" of
 * proto/gateway.proto, and "Http.*" for raw replies). The table is generated
 * from the (crm.http) options of the RPCs (tools/glue/glue.py): a route is
 * an option on its RPC in proto/, and GW_* below are the option's flags. */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include <stddef.h>

/* Route flags. */
#define GW_PUBLIC 0x01   /* no token needed */
#define GW_ADMIN 0x02    /* admins only (403 for others) */
#define GW_QUERY 0x04    /* request fields from the query string (GET lists) */
#define GW_PWCHANGE 0x08 /* allowed while the password must be changed */
#define GW_EXPORT 0x10   /* <list>/export: walks the list, answers a file (gateway_export.c) */

typedef struct {
    const char *method;  /* "GET", "POST", "PATCH", "PUT", "DELETE" */
    const char *pattern; /* "/api/v1/leads/{id}" */
    const char *rpc;     /* "Leads.Get" */
    unsigned flags;
    const char *created; /* a create: 201 and this Location ("/api/v1/leads/{id}",
                            {names} from the reply), or NULL */
    const char *one;     /* a single-record action: answers this field of the reply
                            (the only element of a list), or NULL */
    const char *sheet;   /* the string field an XLSX body fills as CSV text
                            (gateway_sheet.c), or NULL: JSON bodies only */
    const char *export;  /* GW_EXPORT: the reply's repeated field whose elements are
                            the rows ("items"), or NULL */
} gw_route_t;

/* The table, ended by a row of NULLs. */
extern const gw_route_t gw_routes[];

/* A person field of replies ("owner_id", or a list "admin_ids") and the
 * name written beside it ("owner_name", "admin_names"): gateway_names.c.
 * Generated too (glue.py's PEOPLE), with the OpenAPI schemas' names. */
typedef struct {
    const char *id, *name;
} gw_person_t;

/* The person fields, ended by a row of NULLs. */
extern const gw_person_t gw_people[];

#define GW_MAX_PARAMS 4

/* A path parameter: a name from the pattern, a value from the path (not
 * NUL-terminated: len bytes). */
typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t len;
} gw_param_t;

/* Finds the route for method and path (len bytes, no query string).
 * Returns it with its parameters in params (*nparams of them), or NULL;
 * then *path_known is 1 if some route has that path with another method
 * (405, not 404). */
const gw_route_t *gw_route_match(const char *method, size_t method_len, const char *path,
                                 size_t len, gw_param_t params[GW_MAX_PARAMS], int *nparams,
                                 int *path_known);

#endif
