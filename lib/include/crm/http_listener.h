/* http_listener.h: an HTTP/1.1 listener on a process's libuv loop (h2o, libuv
 * flavour): the gateway's API and every process's probe endpoint
 * (probe.h: metrics, liveness, readiness).
 *
 * Connections are accepted here, not by h2o, so the listener knows every
 * one of them and can stop gracefully: crm_http_stop closes the listener,
 * and once nothing is in flight (the owner's busy callback) shuts the read
 * side of each connection; h2o then sees end-of-stream on idle connections
 * and closes them. Past the deadline the owner's force callback runs once
 * and every connection is shut both ways. When the last one is gone, h2o's
 * context is disposed from a timer callback (h2o 2.2's h2o_context_dispose
 * runs the loop once, which is safe there and nowhere in the middle of
 * I/O), then done runs. */
#ifndef CRM_HTTP_LISTENER_H
#define CRM_HTTP_LISTENER_H

#include <h2o.h>
#include <stddef.h>
#include <stdint.h>

typedef struct crm_http crm_http_t;

typedef struct {
    const char *bind; /* host:port (IPv4 or IPv6 literal) */
    size_t max_body;  /* bodies above are refused by h2o (0: h2o's default) */
    /* Each request (h2o's on_req: 0 when handled). */
    int (*on_req)(void *arg, h2o_req_t *req);
    /* Optional: more of the path's configuration after the handler is
     * registered (filters). */
    void (*configure)(void *arg, h2o_hostconf_t *host, h2o_pathconf_t *path);
    void *arg;
} crm_http_opts_t;

/* Listens on the loop; NULL after a log line when it cannot (a bad or
 * taken address). */
crm_http_t *crm_http_new(uv_loop_t *loop, const crm_http_opts_t *o);

/* How a stop goes (every callback gets arg; all but done optional). */
typedef struct {
    uint64_t timeout_ms;       /* before force */
    size_t (*busy)(void *arg); /* requests still being answered */
    void (*force)(void *arg);  /* the deadline passed with requests in flight */
    void (*done)(void *arg);   /* every connection closed, h2o's handles released */
    void *arg;
} crm_http_stop_t;

/* Stops accepting and closes connections once idle (see above). */
void crm_http_stop(crm_http_t *h, const crm_http_stop_t *how);

/* Frees what is left after the loop ended. Safe on NULL. */
void crm_http_destroy(crm_http_t **h_p);

#endif
