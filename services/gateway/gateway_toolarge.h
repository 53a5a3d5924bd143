/* gateway_toolarge.h: the problem document for every body over the limit,
 * also those h2o refuses itself. */
#ifndef GATEWAY_TOOLARGE_H
#define GATEWAY_TOOLARGE_H

#include <h2o.h>

/* h2o (2.2: no request streaming) buffers a body up to the globalconf's
 * max_request_entity_size and refuses a longer one itself (a declared
 * Content-Length at the headers, a chunked body as it passes the size)
 * with a plain-text 413, without calling a handler. Registers, on path and
 * on host's fallback path (where h2o answers a request it never routed), a
 * filter that turns that answer into our problem document (413
 * payload_too_large), so every oversized body gets the same answer. */
void gw_toolarge_register(h2o_hostconf_t *host, h2o_pathconf_t *path);

#endif
