/* gateway_problem.h: errors as RFC 9457 problem details
 * (application/problem+json), the one error form of the HTTP contract
 * (docs/api.md, "Errors"). */
#ifndef GATEWAY_PROBLEM_H
#define GATEWAY_PROBLEM_H

#include <h2o.h>

#include "gateway_routes.h"

/* Where a field at fault was given: the JSON body, the URL (path or query)
 * or a header. */
typedef enum { GW_IN_BODY, GW_IN_URL, GW_IN_HEADER } gw_in_t;

/* A field at fault: where, its name there, and what is wrong with it. */
typedef struct {
    gw_in_t in;
    const char *name;
    const char *detail;
} gw_fault_t;

/* Sends http with the problem document of code ("invalid_argument"): type,
 * title, status, detail, code, and, when there are faults, "errors" with an
 * entry for each: {"pointer": "/items/2/mobile"} for a body field,
 * {"parameter": "limit"} for a URL value, {"header": "Idempotency-Key"} for
 * a header, with its detail. */
void gw_problem_send(h2o_req_t *req, int http, const char *code, const char *detail,
                     const gw_fault_t *faults, size_t nfaults);

/* The problem document gw_problem_send sends, in pool. */
h2o_iovec_t gw_problem_text(h2o_mem_pool_t *pool, int http, const char *code, const char *detail,
                            const gw_fault_t *faults, size_t nfaults);
/* Sets req's status, reason, Content-Length (len) and Content-Type
 * (application/problem+json, replacing any) for a problem document. */
void gw_problem_head(h2o_req_t *req, int http, size_t len);

/* A dotted path in proto names ("items[2].next_followup_at_us", a
 * service's) in wire names ("items[2].next_followup_at"), into out. */
void gw_problem_wire_path(const char *field, char *out, size_t cap);

/* Where route takes field (a dotted path in wire names,
 * "items[2].next_followup_at") from, and its name there in wire names,
 * written to name: the URL parameter for a query route or a path parameter
 * ("id", also for "ids" of a batch request), else the body's JSON pointer
 * ("/items/2/next_followup_at"). A field that is already a JSON pointer
 * ("/id": a body key the gateway itself refuses) is the body's. When the
 * body was a spreadsheet (sheet: 1), the route's sheet field is the body as
 * a whole (the pointer "") and the other fields are URL parameters. */
gw_in_t gw_problem_field(const gw_route_t *route, int sheet, const char *field, char *name,
                         size_t cap);

#endif
