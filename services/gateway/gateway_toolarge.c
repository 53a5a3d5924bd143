/* gateway_toolarge.c: h2o's own 413 (a body over max_request_entity_size,
 * refused before any handler runs) rewritten as our problem document, as
 * an output filter: the response keeps its status and its closing of the
 * connection, and gets our Content-Type, length and body instead of h2o's
 * text. A 413 the pipeline made (already a problem document) passes. */
#include <string.h>

#include "gateway_problem.h"
#include "gateway_toolarge.h"

#define PROBLEM "application/problem+json"

typedef struct {
    h2o_ostream_t super;
    h2o_iovec_t body;
} s_replace_t;

/* Drops h2o's text; sends ours once the response ends. */
static void s_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t n,
                   h2o_send_state_t state)
{
    (void)bufs;
    (void)n;
    s_replace_t *r = (s_replace_t *)self;
    if (h2o_send_state_is_in_progress(state))
        h2o_ostream_send_next(self, req, NULL, 0, state);
    else
        h2o_ostream_send_next(self, req, &r->body, 1, state);
}

/* Is req's response already a problem document? */
static int s_is_problem(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
    return i >= 0 && req->res.headers.entries[i].value.len == strlen(PROBLEM) &&
           memcmp(req->res.headers.entries[i].value.base, PROBLEM, strlen(PROBLEM)) == 0;
}

static void s_on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    (void)self;
    if (req->res.status == 413 && !s_is_problem(req)) {
        s_replace_t *r = (s_replace_t *)h2o_add_ostream(req, sizeof *r, slot);
        r->super.do_send = s_send;
        r->body = gw_problem_text(&req->pool, 413, "payload_too_large",
                                  "the body is larger than the limit", NULL, 0);
        gw_problem_head(req, 413, r->body.len);
        slot = &r->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

void gw_toolarge_register(h2o_hostconf_t *host, h2o_pathconf_t *path)
{
    h2o_filter_t *f = h2o_create_filter(path, sizeof *f);
    f->on_setup_ostream = s_on_setup_ostream;
    f = h2o_create_filter(&host->fallback_path, sizeof *f);
    f->on_setup_ostream = s_on_setup_ostream;
}
