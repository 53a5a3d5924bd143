/* http_listener.c: the HTTP listener (see http_listener.h): accepting, handing each request
 * to its owner, and the graceful stop. */
#include "crm/http_listener.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crm/log.h"
#include "crm/util.h"

#define STOP_POLL_MS 10

typedef struct s_conn {
    uv_tcp_t tcp; /* first: h2o's close callback gets this handle */
    struct s_conn *prev, *next;
    crm_http_t *h;
    int shut;
} s_conn_t;

typedef struct {
    h2o_handler_t super;
    crm_http_t *h;
} s_handler_t;

struct crm_http {
    uv_loop_t *loop;
    crm_http_opts_t opts;
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    uv_tcp_t listener;
    int listening; /* the listener handle was initialised */
    s_conn_t *conns;
    size_t nconns;
    uv_timer_t stop_timer;
    crm_http_stop_t stop;
    uint64_t stop_deadline_ms;
    int forced;
    int ctx_live;
};

static int s_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    crm_http_t *h = ((s_handler_t *)self)->h;
    return h->opts.on_req(h->opts.arg, req);
}

/* ---- connections ------------------------------------------------------- */

static void s_conn_closed(uv_handle_t *handle)
{
    s_conn_t *conn = (s_conn_t *)handle;
    crm_http_t *h = conn->h;
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
    crm_http_t *h = listener->data;
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

static int s_listen(crm_http_t *h, const char *bind)
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
    uv_tcp_init(h->loop, &h->listener);
    h->listener.data = h;
    h->listening = 1;
    rc = uv_tcp_bind(&h->listener, (struct sockaddr *)&sa, 0);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&h->listener, 1024, s_on_accept);
    return rc;
}

/* A listener that failed to start, closed by the loop: freed with it. */
static void s_failed_closed(uv_handle_t *handle)
{
    free(handle->data);
}

crm_http_t *crm_http_new(uv_loop_t *loop, const crm_http_opts_t *o)
{
    crm_http_t *h = crm_calloc(1, sizeof *h);
    h->loop = loop;
    h->opts = *o;
    h2o_config_init(&h->config);
    if (o->max_body)
        h->config.max_request_entity_size = o->max_body;
    h->config.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *host =
        h2o_config_register_host(&h->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    s_handler_t *handler = (s_handler_t *)h2o_create_handler(path, sizeof *handler);
    handler->super.on_req = s_on_req;
    handler->h = h;
    if (o->configure)
        o->configure(o->arg, host, path);
    int rc = s_listen(h, o->bind);
    if (rc) {
        crm_log(CRM_ERROR, "cannot listen", "http", o->bind, "error", uv_strerror(rc), NULL);
        h2o_config_dispose(&h->config);
        if (h->listening)
            uv_close((uv_handle_t *)&h->listener, s_failed_closed); /* frees h */
        else
            free(h);
        return NULL;
    }
    h2o_context_init(&h->ctx, loop, &h->config);
    h->ctx_live = 1;
    h->accept.ctx = &h->ctx;
    h->accept.hosts = h->config.hosts;
    uv_timer_init(loop, &h->stop_timer);
    h->stop_timer.data = h;
    crm_log(CRM_INFO, "http listening", "http", o->bind, NULL);
    return h;
}

/* ---- stopping ---------------------------------------------------------- */

static void s_shut_all(crm_http_t *h, int how)
{
    for (s_conn_t *c = h->conns; c; c = c->next) {
        uv_os_fd_t fd;
        if ((!c->shut || how == SHUT_RDWR) && uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
            shutdown(fd, how);
        c->shut = 1;
    }
}

static size_t s_busy(const crm_http_t *h)
{
    return h->stop.busy ? h->stop.busy(h->stop.arg) : 0;
}

static void s_stop_tick(uv_timer_t *t)
{
    crm_http_t *h = t->data;
    if (!h->forced && crm_mono_ms() >= h->stop_deadline_ms) {
        size_t busy = s_busy(h);
        if (busy)
            crm_logf(CRM_WARN, "stop deadline passed with %zu requests in flight", busy);
        h->forced = 1;
        if (h->stop.force)
            h->stop.force(h->stop.arg);
        s_shut_all(h, SHUT_RDWR);
    }
    if (s_busy(h) == 0)
        s_shut_all(h, SHUT_RD);
    if (h->nconns || s_busy(h))
        return;
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, NULL);
    h2o_context_dispose(&h->ctx);
    h->ctx_live = 0;
    h->stop.done(h->stop.arg);
}

void crm_http_stop(crm_http_t *h, const crm_http_stop_t *how)
{
    h->stop = *how;
    uv_close((uv_handle_t *)&h->listener, NULL);
    h->stop_deadline_ms = crm_mono_ms() + how->timeout_ms;
    uv_timer_start(&h->stop_timer, s_stop_tick, 0, STOP_POLL_MS);
}

void crm_http_destroy(crm_http_t **h_p)
{
    if (!h_p || !*h_p)
        return;
    crm_http_t *h = *h_p;
    if (!h->ctx_live)
        h2o_config_dispose(&h->config);
    free(h);
    *h_p = NULL;
}
