/* gateway_pipeline.h: the one path of every HTTP request (see
 * gateway_pipeline.c). */
#ifndef GATEWAY_PIPELINE_H
#define GATEWAY_PIPELINE_H

#include <h2o.h>

#include "gateway.h"

/* Resolves every route's method (a raw reply, a method of gw->local, whose
 * services must be served already, or a domain service's RPC) and checks
 * its path parameters are request fields. 0, or -1 after a log line. */
int gw_pipeline_init(gw_t *gw);
void gw_pipeline_fini(void);

/* Takes one HTTP request through the pipeline; it is answered now or
 * later. */
void gw_pipeline_request(gw_t *gw, h2o_req_t *req);

#endif
