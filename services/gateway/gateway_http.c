/* gateway_http.c: the gateway's HTTP listener (crm/http_listener.h on the service's
 * loop): each request handed to the pipeline (gateway_pipeline.c), bodies
 * over CRM_HTTP_MAX_BODY answered by gateway_toolarge.c, and the graceful
 * stop: calls still waiting for a service past CRM_STOP_TIMEOUT_MS fail
 * (503), so their connections can finish. */
#include <stdlib.h>

#include "crm/config.h"
#include "crm/http_listener.h"
#include "crm/util.h"
#include "gateway_http.h"
#include "gateway_pipeline.h"
#include "gateway_proxy.h"
#include "gateway_toolarge.h"

struct gw_http {
    gw_t *gw;
    crm_http_t *http;
    void (*done)(gw_t *gw);
};

static int s_on_req(void *arg, h2o_req_t *req)
{
    gw_pipeline_request(((gw_http_t *)arg)->gw, req);
    return 0;
}

static void s_configure(void *arg, h2o_hostconf_t *host, h2o_pathconf_t *path)
{
    (void)arg;
    gw_toolarge_register(host, path);
}

gw_http_t *gw_http_new(gw_t *gw)
{
    gw_http_t *h = crm_calloc(1, sizeof *h);
    h->gw = gw;
    /* h2o buffers a body up to the limit and refuses a longer one itself,
     * before any handler runs; gateway_toolarge.c makes that answer our
     * problem document. */
    crm_http_opts_t o = {.bind = gw->cfg.http_bind,
                         .max_body = gw->cfg.max_body,
                         .on_req = s_on_req,
                         .configure = s_configure,
                         .arg = h};
    h->http = crm_http_new(gw->loop, &o);
    if (!h->http)
        exit(1);
    return h;
}

static size_t s_busy(void *arg)
{
    return ((gw_http_t *)arg)->gw->inflight;
}

static void s_force(void *arg)
{
    gw_proxy_destroy(((gw_http_t *)arg)->gw);
}

static void s_done(void *arg)
{
    gw_http_t *h = arg;
    h->done(h->gw);
}

void gw_http_stop(gw_http_t *h, void (*done)(gw_t *gw))
{
    h->done = done;
    crm_http_stop_t how = {.timeout_ms =
                               (uint64_t)crm_env_int("CRM_STOP_TIMEOUT_MS", 10000, 0, 600000),
                           .busy = s_busy,
                           .force = s_force,
                           .done = s_done,
                           .arg = h};
    crm_http_stop(h->http, &how);
}

void gw_http_destroy(gw_http_t **h_p)
{
    if (!h_p || !*h_p)
        return;
    crm_http_destroy(&(*h_p)->http);
    free(*h_p);
    *h_p = NULL;
}
