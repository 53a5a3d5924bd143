/* probe.c: the probe endpoint (see probe.h) on the HTTP listener
 * (http_listener.h). */
#include "crm/probe.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crm/http_listener.h"
#include "crm/util.h"

struct crm_probe {
    crm_probe_ops_t ops;
    crm_http_t *http;
    void (*done)(void *arg);
    void *done_arg;
};

static void s_send(h2o_req_t *req, int status, const char *reason, const char *ctype,
                   const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = reason;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype,
                   strlen(ctype));
    /* h2o sends the body later: it must live in the request's pool. */
    char *copy = h2o_mem_alloc_pool(&req->pool, len ? len : 1);
    memcpy(copy, body, len);
    h2o_send_inline(req, copy, len);
}

static void s_metrics(crm_probe_t *p, h2o_req_t *req)
{
    crm_metrics_t *m = crm_metrics_new();
    p->ops.metrics(p->ops.arg, m);
    size_t len;
    const char *text = crm_metrics_text(m, &len);
    s_send(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text, len);
    crm_metrics_destroy(&m);
}

static void s_readyz(crm_probe_t *p, h2o_req_t *req)
{
    crm_health_t *h = p->ops.health(p->ops.arg);
    Crm__HealthReply reply = CRM__HEALTH_REPLY__INIT;
    crm_health_reply(h, &reply);
    json_t *checks = json_array();
    for (size_t i = 0; i < reply.n_checks; i++) {
        const Crm__HealthCheck *c = reply.checks[i];
        json_array_append_new(checks, json_pack("{s:s, s:b, s:b, s:s}", "name", c->name, "ok",
                                                c->ok, "degraded", c->degraded, "detail",
                                                c->detail ? c->detail : ""));
    }
    json_t *body = json_pack("{s:s, s:s, s:b, s:o}", "service", p->ops.service, "instance",
                             p->ops.instance, "ready", reply.ready, "checks", checks);
    char *text = json_dumps(body, JSON_COMPACT);
    s_send(req, reply.ready ? 200 : 503, reply.ready ? "OK" : "Service Unavailable",
           "application/json", text, strlen(text));
    free(text);
    json_decref(body);
    crm_health_destroy(&h);
}

static int s_is(const h2o_req_t *req, const char *path)
{
    return h2o_memis(req->path_normalized.base, req->path_normalized.len, path, strlen(path));
}

static int s_on_req(void *arg, h2o_req_t *req)
{
    crm_probe_t *p = arg;
    int known = s_is(req, "/metrics") || s_is(req, "/healthz") || s_is(req, "/readyz");
    if (!known) {
        s_send(req, 404, "Not Found", "text/plain", "not found\n", 10);
    } else if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET"));
        s_send(req, 405, "Method Not Allowed", "text/plain", "GET only\n", 9);
    } else if (s_is(req, "/metrics")) {
        s_metrics(p, req);
    } else if (s_is(req, "/readyz")) {
        s_readyz(p, req);
    } else {
        s_send(req, 200, "OK", "text/plain", "ok\n", 3);
    }
    return 0;
}

crm_probe_t *crm_probe_new(uv_loop_t *loop, const char *bind, const crm_probe_ops_t *ops)
{
    crm_probe_t *p = crm_calloc(1, sizeof *p);
    p->ops = *ops;
    crm_http_opts_t o = {.bind = bind, .max_body = 4096, .on_req = s_on_req, .arg = p};
    p->http = crm_http_new(loop, &o);
    if (!p->http) {
        free(p);
        return NULL;
    }
    return p;
}

static void s_stopped(void *arg)
{
    crm_probe_t *p = arg;
    p->done(p->done_arg);
}

void crm_probe_stop(crm_probe_t *p, void (*done)(void *arg), void *arg)
{
    p->done = done;
    p->done_arg = arg;
    /* Its answers are made at once: nothing is ever in flight. */
    crm_http_stop_t how = {.timeout_ms = 0, .done = s_stopped, .arg = p};
    crm_http_stop(p->http, &how);
}

void crm_probe_destroy(crm_probe_t **p_p)
{
    if (!p_p || !*p_p)
        return;
    crm_http_destroy(&(*p_p)->http);
    free(*p_p);
    *p_p = NULL;
}
