/* gateway_proxy.c: routes to the domain services. A route whose method is
 * "Leads.Get" goes to the domain that serves proto service Leads in the
 * suite registry (crm/registry.h), leads (CRM_LEADS_RPC), with the caller the
 * token resolved into; the reply, or the error with its field, comes back
 * as JSON. Two RPC clients per service, spreading calls over its instances:
 * GET routes try a second instance when the first does not answer within
 * the deadline; every other route is sent once (a create that was slow to
 * answer must not be made twice), and the client may retry on 503. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/registry.h"
#include "crm/util.h"
#include "gateway_names.h"
#include "gateway_proxy.h"

#define NPEERS (crm_registry_get()->n_domains)
#define PEER_NAME(i) (crm_registry_get()->domains[i].name)

void gw_proxy_init(gw_t *gw)
{
    const crm_config_t *cfg = crm_service_config(gw->svc);
    gw->peers = crm_calloc(NPEERS + 1, sizeof *gw->peers);
    gw->writers = crm_calloc(NPEERS + 1, sizeof *gw->writers);
    for (size_t i = 0; i < NPEERS; i++) {
        const char *eps = crm_peer_rpc(PEER_NAME(i), NULL);
        if (!eps)
            continue;
        gw->peers[i] = crm_rpc_client_new(gw->loop, crm_service_zctx(gw->svc), eps,
                                          (unsigned)cfg->rpc_deadline_ms, 2);
        gw->writers[i] = crm_rpc_client_new(gw->loop, crm_service_zctx(gw->svc), eps,
                                            (unsigned)cfg->rpc_deadline_ms, 1);
        if (!gw->peers[i] || !gw->writers[i])
            exit(1);
    }
}

/* The peer serving "Service.Method": its index, or -1. */
static int s_peer_of(const char *method)
{
    const crm_registry_domain_t *d = crm_registry_domain_of(method);
    return d ? (int)(d - crm_registry_get()->domains) : -1;
}

crm_rpc_client_t *gw_proxy_reader(gw_t *gw, const char *method)
{
    int i = s_peer_of(method);
    return i < 0 || !gw->peers ? NULL : gw->peers[i];
}

static void s_replied(void *arg, const crm_rpc_result_t *res)
{
    gw_names_answer(arg, res);
}

void gw_proxy_call(gw_call_t *c, const ProtobufCMessage *in, const ProtobufCMessageDescriptor *out)
{
    int i = s_peer_of(c->route->rpc);
    int read = !strcmp(c->route->method, "GET");
    crm_rpc_client_t *client = i < 0 ? NULL : read ? c->gw->peers[i] : c->gw->writers[i];
    if (!client) {
        gw_call_fail(c, CRM__STATUS__UNAVAILABLE, NULL, "the service of %s is not configured",
                     c->route->rpc);
        return;
    }
    if (crm_rpc_call_keyed(client, c->route->rpc, in, out, &c->caller, c->idem_key, s_replied, c) <
        0)
        gw_call_fail(c, CRM__STATUS__INTERNAL, NULL, "cannot encode the request");
}

void gw_proxy_destroy(gw_t *gw)
{
    for (size_t i = 0; gw->peers && i < NPEERS; i++) {
        crm_rpc_client_destroy(&gw->peers[i]);
        crm_rpc_client_destroy(&gw->writers[i]);
    }
    free(gw->peers);
    free(gw->writers);
    gw->peers = gw->writers = NULL;
}

/* ---- readiness: System.Health of the gateway and every service ---------
 * {"status": "ok" | "unavailable",
 *  "gateway": {"status": ..., "instance": ..., "checks": [{name, ok, detail}]},
 *  "services": {"leads": {"status": ..., "instance": ..., "checks": [...]}, ...}}
 * A service that does not answer is "unavailable" with its RPC status. */

typedef struct {
    gw_call_t *c;
    int pending;
    json_t *services;
    int ok;
} s_ready_t;

typedef struct {
    s_ready_t *r;
    const char *name;
} s_probe_t;

/* One process's report as JSON. */
static json_t *s_health_json(const Crm__HealthReply *hr)
{
    json_t *checks = json_array();
    for (size_t i = 0; i < hr->n_checks; i++) {
        json_t *c = json_pack("{s:s, s:b, s:s}", "name", hr->checks[i]->name, "ok",
                              hr->checks[i]->ok, "detail", hr->checks[i]->detail);
        if (hr->checks[i]->degraded) /* works; an operator should look */
            json_object_set_new(c, "degraded", json_true());
        json_array_append_new(checks, c);
    }
    return json_pack("{s:s, s:s, s:o}", "status", hr->ready ? "ok" : "unavailable", "instance",
                     hr->instance, "checks", checks);
}

static void s_ready_finish(s_ready_t *r)
{
    crm_health_t *h = crm_service_health(r->c->gw->svc);
    Crm__HealthReply own = CRM__HEALTH_REPLY__INIT;
    own.instance = (char *)crm_service_config(r->c->gw->svc)->instance;
    crm_health_reply(h, &own);
    r->ok = r->ok && own.ready;
    json_t *body = json_pack("{s:s, s:o, s:o}", "status", r->ok ? "ok" : "unavailable", "gateway",
                             s_health_json(&own), "services", r->services);
    crm_health_destroy(&h);
    char *s = json_dumps(body, JSON_COMPACT);
    gw_call_reply_raw(r->c, r->ok ? 200 : 503, "application/json", s, strlen(s));
    free(s);
    json_decref(body);
    free(r);
}

static void s_probed(void *arg, const crm_rpc_result_t *res)
{
    s_probe_t *p = arg;
    s_ready_t *r = p->r;
    json_t *svc;
    if (res->status == CRM__STATUS__OK) {
        const Crm__HealthReply *hr = (const Crm__HealthReply *)res->payload;
        r->ok = r->ok && hr->ready;
        svc = s_health_json(hr);
    } else {
        r->ok = 0;
        svc =
            json_pack("{s:s, s:s}", "status", "unavailable", "error", crm_status_name(res->status));
    }
    json_object_set_new(r->services, p->name, svc);
    free(p);
    if (--r->pending == 0)
        s_ready_finish(r);
}

void gw_proxy_readyz(gw_call_t *c)
{
    s_ready_t *r = crm_calloc(1, sizeof *r);
    r->c = c;
    r->ok = 1;
    r->services = json_object();
    r->pending = 1; /* held until every probe is sent */
    static const Crm__Empty empty = CRM__EMPTY__INIT;
    for (size_t i = 0; i < NPEERS; i++) {
        if (!c->gw->peers[i])
            continue;
        s_probe_t *p = crm_calloc(1, sizeof *p);
        p->r = r;
        p->name = PEER_NAME(i);
        r->pending++;
        if (crm_rpc_call(c->gw->peers[i], "System.Health", &empty.base,
                         &crm__health_reply__descriptor, NULL, s_probed, p) < 0) {
            r->pending--;
            r->ok = 0;
            free(p);
        }
    }
    if (--r->pending == 0)
        s_ready_finish(r);
}
