/* gateway_metrics.c: the gateway's HTTP figures (see gateway_metrics.h).
 * Each route of the generated table (gateway_routes.h) has its latency
 * histogram and a short list of the status codes it answered; requests no
 * route matched are counted under route "unmatched". */
#include "gateway_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "crm/util.h"

typedef struct code_count {
    int code;
    uint64_t n;
    struct code_count *next;
} code_count_t;

typedef struct {
    code_count_t *codes;
    crm_hist_t seconds;
} route_stats_t;

struct gw_metrics {
    size_t nroutes;
    route_stats_t *routes; /* one per route of gw_routes, then "unmatched" */
};

static void s_count(route_stats_t *r, int code, double seconds)
{
    code_count_t *c = r->codes;
    while (c && c->code != code)
        c = c->next;
    if (!c) {
        c = crm_calloc(1, sizeof *c);
        c->code = code;
        c->next = r->codes;
        r->codes = c;
    }
    c->n++;
    crm_hist_observe(&r->seconds, seconds);
}

void gw_metrics_request(gw_metrics_t *m, const gw_route_t *route, int code, uint64_t started_ns)
{
    size_t i = route ? (size_t)(route - gw_routes) : m->nroutes;
    if (i > m->nroutes)
        i = m->nroutes;
    s_count(&m->routes[i], code, (double)(uv_hrtime() - started_ns) / 1e9);
}

static const char *s_method(const gw_metrics_t *m, size_t i)
{
    return i < m->nroutes ? gw_routes[i].method : "";
}

static const char *s_route(const gw_metrics_t *m, size_t i)
{
    return i < m->nroutes ? gw_routes[i].pattern : "unmatched";
}

static void s_write(void *arg, crm_metrics_t *out)
{
    gw_metrics_t *m = arg;
    crm_metrics_family(out, "crm_http_requests_total", "counter",
                       "HTTP requests answered, by method, route and status code (0: the client"
                       " went away first)");
    for (size_t i = 0; i <= m->nroutes; i++)
        for (const code_count_t *c = m->routes[i].codes; c; c = c->next) {
            char code[8];
            snprintf(code, sizeof code, "%d", c->code);
            crm_metrics_value(out, "crm_http_requests_total", (double)c->n, "method",
                              s_method(m, i), "route", s_route(m, i), "code", code, NULL);
        }
    crm_metrics_family(out, "crm_http_request_seconds", "histogram",
                       "HTTP requests: from the request to its answer, by method and route");
    for (size_t i = 0; i <= m->nroutes; i++)
        if (m->routes[i].seconds.count)
            crm_metrics_hist(out, "crm_http_request_seconds", &m->routes[i].seconds, "method",
                             s_method(m, i), "route", s_route(m, i), NULL);
}

gw_metrics_t *gw_metrics_new(crm_service_t *svc)
{
    gw_metrics_t *m = crm_calloc(1, sizeof *m);
    while (gw_routes[m->nroutes].method)
        m->nroutes++;
    m->routes = crm_calloc(m->nroutes + 1, sizeof *m->routes);
    crm_service_on_metrics(svc, s_write, m);
    return m;
}

void gw_metrics_destroy(gw_metrics_t **m_p)
{
    if (!m_p || !*m_p)
        return;
    gw_metrics_t *m = *m_p;
    for (size_t i = 0; i <= m->nroutes; i++)
        for (code_count_t *c = m->routes[i].codes, *next; c; c = next) {
            next = c->next;
            free(c);
        }
    free(m->routes);
    free(m);
    *m_p = NULL;
}
