/* gateway_http.h: the HTTP listener (see gateway_http.c). */
#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include "gateway.h"

/* Listens on cfg.http_bind on the loop; each request goes to the pipeline.
 * Exits the process if it cannot. */
gw_http_t *gw_http_new(gw_t *gw);
/* Stops accepting and closes connections once idle; done() runs when every
 * connection is closed and h2o's handles are released. */
void gw_http_stop(gw_http_t *h, void (*done)(gw_t *gw));
/* Frees what is left after the loop ended. Safe on NULL. */
void gw_http_destroy(gw_http_t **h_p);

#endif
