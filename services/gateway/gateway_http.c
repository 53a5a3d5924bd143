/* gateway_http.c: the HTTP listener (h2o, libuv flavour, on the service's
 * loop): accepting, handing each request to the pipeline
 * (gateway_pipeline.c), and a graceful stop.
 *
 * Connections are accepted here (not by h2o) so the gateway knows every
 * one of them: at stop it closes the listener, answers new requests 503,
 * and once no call is in flight shuts the read side of each connection;
 * h2o then sees end-of-stream on idle connections and closes them. When
 * the last one is gone, h2o's context is disposed from a timer callback:
 * h2o 2.2's h2o_context_dispose runs the loop once (UV_RUN_NOWAIT) to
 * release its timers, which is safe there and nowhere in the middle of I/O. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crm/log.h"
#include "crm/util.h"
#include "gateway_call.h"
#include "gateway_http.h"
#include "gateway_pipeline.h"
#include "gateway_proxy.h"
#include "gateway_toolarge.h"

#define STOP_POLL_MS 10

typedef struct s_conn {
    uv_tcp_t tcp; /* first: h2o's close callback gets this handle */
    struct s_conn *prev, *next;
    gw_http_t *h;
    int shut;
} s_conn_t;

typedef struct {
    h2o_handler_t super;
    gw_http_t *h;
} s_handler_t;

struct gw_http {
    gw_t *gw;
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    uv_tcp_t listener;
    s_conn_t *conns;
    size_t nconns;
    uv_timer_t stop_timer;
    uint64_t stop_deadline_ms;
    int forced;
    void (*done)(gw_t *gw);
    int ctx_live;
};

/* ---- requests ---------------------------------------------------------- */

static int s_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    gw_pipeline_request(((s_handler_t *)self)->h->gw, req);
    return 0;
}

/* ---- connections ------------------------------------------------------- */

static void s_conn_closed(uv_handle_t *handle)
{
    s_conn_t *conn = (s_conn_t *)handle;
    gw_http_t *h = conn->h;
    if (conn->prev)
        conn->prev->next = conn->next;
    else
        h->conns = conn->next;
    if (conn->next)
        conn->next->prev = conn->prev;
    h->nconns--;
    free(conn);
}

/* A connection never accepted: nothing but its memory to release. */
static void s_conn_free(uv_handle_t *handle)
{
    free(handle); /* the handle is the connection's first member */
}

static void s_on_accept(uv_stream_t *listener, int status)
{
    gw_http_t *h = listener->data;
    if (status != 0)
        return;
    s_conn_t *conn = crm_calloc(1, sizeof *conn);
    conn->h = h;
    uv_tcp_init(listener->loop, &conn->tcp);
    if (uv_accept(listener, (uv_stream_t *)&conn->tcp) != 0) {
        uv_close((uv_handle_t *)&conn->tcp, s_conn_free);
        return;
    }
    uv_tcp_nodelay(&conn->tcp, 1);
    conn->next = h->conns;
    if (h->conns)
        h->conns->prev = conn;
    h->conns = conn;
    h->nconns++;
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&conn->tcp, s_conn_closed);
    h2o_accept(&h->accept, sock);
}

static int s_listen(gw_http_t *h, const char *bind)
{
    const char *colon = strrchr(bind, ':');
    int64_t port;
    if (!colon || crm_parse_i64(colon + 1, &port) < 0 || port < 0 || port > 65535)
        return UV_EINVAL;
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(colon - bind), bind);
    struct sockaddr_storage sa;
    int rc = uv_ip4_addr(host, (int)port, (struct sockaddr_in *)&sa);
    if (rc)
        rc = uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)&sa);
    if (rc)
        return rc;
    uv_tcp_init(h->gw->loop, &h->listener);
    h->listener.data = h;
    rc = uv_tcp_bind(&h->listener, (struct sockaddr *)&sa, 0);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&h->listener, 1024, s_on_accept);
    return rc;
}

gw_http_t *gw_http_new(gw_t *gw)
{
    gw_http_t *h = crm_calloc(1, sizeof *h);
    h->gw = gw;
    h2o_config_init(&h->config);
    /* h2o buffers a body up to the limit and refuses a longer one itself,
     * before any handler runs; gateway_toolarge.c makes that answer our
     * problem document. */
    h->config.max_request_entity_size = gw->cfg.max_body;
    h->config.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *host =
        h2o_config_register_host(&h->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    s_handler_t *handler = (s_handler_t *)h2o_create_handler(path, sizeof *handler);
    handler->super.on_req = s_on_req;
    handler->h = h;
    gw_toolarge_register(host, path);
    h2o_context_init(&h->ctx, gw->loop, &h->config);
    h->ctx_live = 1;
    h->accept.ctx = &h->ctx;
    h->accept.hosts = h->config.hosts;
    int rc = s_listen(h, gw->cfg.http_bind);
    if (rc) {
        crm_log(CRM_ERROR, "cannot listen", "http", gw->cfg.http_bind, "error", uv_strerror(rc),
                NULL);
        exit(1);
    }
    uv_timer_init(gw->loop, &h->stop_timer);
    h->stop_timer.data = h;
    crm_log(CRM_INFO, "http listening", "http", gw->cfg.http_bind, NULL);
    return h;
}

/* ---- stopping ---------------------------------------------------------- */

static void s_shut_all(gw_http_t *h, int how)
{
    for (s_conn_t *c = h->conns; c; c = c->next) {
        uv_os_fd_t fd;
        if ((!c->shut || how == SHUT_RDWR) && uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
            shutdown(fd, how);
        c->shut = 1;
    }
}

static void s_stop_tick(uv_timer_t *t)
{
    gw_http_t *h = t->data;
    gw_t *gw = h->gw;
    if (!h->forced && crm_mono_ms() >= h->stop_deadline_ms) {
        /* Calls still waiting for a service fail now (503), so their
         * connections can finish. */
        crm_logf(CRM_WARN, "stop deadline passed with %zu calls in flight", gw->inflight);
        h->forced = 1;
        gw_proxy_destroy(gw);
        s_shut_all(h, SHUT_RDWR);
    }
    if (gw->inflight == 0)
        s_shut_all(h, SHUT_RD);
    if (h->nconns || gw->inflight)
        return;
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, NULL);
    h2o_context_dispose(&h->ctx);
    h->ctx_live = 0;
    h->done(gw);
}

void gw_http_stop(gw_http_t *h, void (*done)(gw_t *gw))
{
    h->done = done;
    uv_close((uv_handle_t *)&h->listener, NULL);
    h->stop_deadline_ms =
        crm_mono_ms() + (uint64_t)crm_env_int("CRM_STOP_TIMEOUT_MS", 10000, 0, 600000);
    uv_timer_start(&h->stop_timer, s_stop_tick, 0, STOP_POLL_MS);
}

void gw_http_destroy(gw_http_t **h_p)
{
    if (!h_p || !*h_p)
        return;
    gw_http_t *h = *h_p;
    if (!h->ctx_live)
        h2o_config_dispose(&h->config);
    free(h);
    *h_p = NULL;
}
