/* test_metrics.c: every process's probe endpoint (CRM_PROBE_BIND,
 * crm/probe.h) on real processes. /metrics passes Prometheus' reference
 * parser (tests/support/check_metrics.py) and carries the common families;
 * its figures move with the work: a lead created through the API counts
 * one Leads.Create ok on leads and in its latency histogram, the gateway's
 * own pool is counted beside the runtime's, customers' consumer of leads
 * reaches what leads' relay published, and a malformed RPC frame counts a
 * refusal. /healthz answers; /readyz is 200 with every check ok, 503 with
 * the database check failed while PostgreSQL is down, 200 again after.
 * Another path is a 404, another method a 405. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crm/util.h"
#include "http.h"
#include "scrape.h"
#include "suite.h"

static h_t *h;

static const char *const s_services[] = {"leads", "customers", "sales", "scheduler", "gateway"};

/* GET path of probe: its status (the body in *body when asked). */
static int s_get(const char *probe, const char *method, const char *path, char **body)
{
    char *url = crm_sprintf("http://%s%s", probe, path);
    t_resp_t r;
    t_http(&r, method, url, NULL, NULL);
    if (body)
        *body = crm_strdup(r.raw ? r.raw : "");
    int status = r.status;
    t_resp_free(&r);
    free(url);
    return status;
}

/* Waits up to ms for probe's /readyz to answer want; the last status. */
static int s_wait_ready(const char *probe, int want, int ms)
{
    int got = 0;
    for (int waited = 0; waited <= ms; waited += 100) {
        if ((got = s_get(probe, "GET", "/readyz", NULL)) == want)
            break;
        usleep(100 * 1000);
    }
    return got;
}

static void s_common_families(void)
{
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++) {
        const char *svc = s_services[i], *probe = h_probe_of(h, svc, 0);
        H_CHECK(s_wait_ready(probe, 200, 20000) == 200, "%s ready", svc);
        char *body = NULL;
        H_CHECK(s_get(probe, "GET", "/healthz", &body) == 200 && !strcmp(body, "ok\n"),
                "%s alive: %s", svc, body);
        free(body);
        json_t *m = t_scrape(probe);
        H_CHECK(t_sample(m, "crm_service_info", "service", svc, NULL) == 1, "%s names itself", svc);
        H_CHECK(t_sample(m, "process_resident_memory_bytes", NULL) > 1 << 20 &&
                    t_sample(m, "process_start_time_seconds", NULL) > 1.7e9 &&
                    t_sample(m, "process_cpu_seconds_total", NULL) > 0,
                "%s: its memory, start and CPU", svc);
        H_CHECK(t_sample(m, "crm_db_connections", "pool", "main", "state", "ready", NULL) >= 1,
                "%s: its pool's sessions", svc);
        H_CHECK(t_sample(m, "crm_db_batch_seconds_count", "pool", "main", NULL) > 0,
                "%s: its pool's batches timed", svc);
        H_CHECK(t_sample(m, "crm_cache_up", NULL) == 1, "%s: Redis up", svc);
        H_CHECK(t_sample(m, "crm_rpc_refused_total", "status", "invalid_argument", NULL) >= 0,
                "%s: its RPC server's refusals", svc);
        json_decref(m);
    }
    h_note("every process: /metrics parses, with its process, pools, RPC and cache; /healthz and"
           " /readyz answer: ok");
}

/* A lead created through the API: one more Leads.Create ok on leads, timed. */
static void s_rpc_counted(const char *base, const char *admin)
{
    const char *leads = h_probe_of(h, "leads", 0);
    double before =
        t_scraped(leads, "crm_rpc_calls_total", "method", "Leads.Create", "status", "ok", NULL);
    if (before < 0)
        before = 0;
    t_created(base, admin, "/api/v1/leads", "{\"name\":\"度量线索\"}");
    json_t *m = t_scrape(leads);
    double after =
        t_sample(m, "crm_rpc_calls_total", "method", "Leads.Create", "status", "ok", NULL);
    H_CHECK(after == before + 1, "one Leads.Create counted: %g then %g", before, after);
    H_CHECK(t_sample(m, "crm_rpc_call_seconds_count", "method", "Leads.Create", NULL) == after &&
                t_sample(m, "crm_rpc_call_seconds_bucket", "method", "Leads.Create", "le", "+Inf",
                         NULL) == after &&
                t_sample(m, "crm_rpc_call_seconds_sum", "method", "Leads.Create", NULL) > 0,
            "and timed");
    json_decref(m);
    H_CHECK(t_scraped(h_probe_of(h, "gateway", 0), "crm_db_connections", "pool", "http", "state",
                      "ready", NULL) >= 1,
            "the gateway's own pool is counted");
    h_note("a call counted by method and status, with its latency; a service's own pool: ok");
}

/* customers' consumer of leads reaches what leads' relay published. */
static void s_consumer_caught_up(void)
{
    double published = -1, applied = -2, lag = -1;
    for (int waited = 0; waited < 15000 && applied != published; waited += 200) {
        published = t_scraped(h_probe_of(h, "leads", 0), "crm_relay_published_sequence", "producer",
                              "leads", NULL);
        json_t *m = t_scrape(h_probe_of(h, "customers", 0));
        applied = t_sample(m, "crm_consumer_applied_sequence", "producer", "leads", NULL);
        lag = t_sample(m, "crm_consumer_lag_events", "producer", "leads", NULL);
        json_decref(m);
        if (applied != published)
            usleep(200 * 1000);
    }
    H_CHECK(published > 0 && applied == published && lag == 0,
            "customers applied what leads published: %g of %g, lag %g", applied, published, lag);
    h_note("a consumer's position and lag beside its producer's relay: ok");
}

/* A frame that is no Request: answered invalid_argument, counted. */
static void s_refusal_counted(void)
{
    const char *leads = h_probe_of(h, "leads", 0);
    double before = t_scraped(leads, "crm_rpc_refused_total", "status", "invalid_argument", NULL);
    void *zctx = zmq_ctx_new();
    void *s = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(s, h_rpc_of(h, "leads", 0));
    zmq_send(s, "", 0, ZMQ_SNDMORE);
    zmq_send(s, "\xff\xff\xff\xff", 4, 0);
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    H_CHECK(zmq_poll(&it, 1, 5000) == 1, "the malformed frame is answered");
    zmq_close(s);
    zmq_ctx_term(zctx);
    double after = t_scraped(leads, "crm_rpc_refused_total", "status", "invalid_argument", NULL);
    H_CHECK(after == before + 1, "one refusal counted: %g then %g", before, after);
    h_note("a malformed RPC frame counted as refused: ok");
}

static void s_paths(void)
{
    const char *probe = h_probe_of(h, "scheduler", 0);
    H_CHECK(s_get(probe, "GET", "/nothing", NULL) == 404, "another path: 404");
    H_CHECK(s_get(probe, "POST", "/metrics", NULL) == 405, "another method: 405");
    h_note("another path 404, another method 405: ok");
}

/* PostgreSQL down: /readyz 503 with the database check failed (and
 * /metrics still answers); up again: 200. */
static void s_readiness(void)
{
    const char *probe = h_probe_of(h, "leads", 0);
    h_pg_kill(h);
    H_CHECK(s_wait_ready(probe, 503, 20000) == 503, "not ready without PostgreSQL");
    char *body = NULL;
    s_get(probe, "GET", "/readyz", &body);
    H_CHECK(strstr(body, "\"ready\":false") && strstr(body, "{\"name\":\"database\",\"ok\":false"),
            "the database check says why: %s", body);
    free(body);
    H_CHECK(t_scraped(probe, "crm_db_connections", "pool", "main", "state", "ready", NULL) == 0,
            "its pool has no session ready");
    h_pg_start(h);
    H_CHECK(s_wait_ready(probe, 200, 30000) == 200, "ready again once PostgreSQL is back");
    h_note("readiness follows the database: 503 while it is down, 200 after: ok");
}

int main(void)
{
    h = h_new("metrics");
    h_suite(h, 1, 1, 1, 1);
    const char *base = h_gateway(h);
    h_start_all(h);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    s_common_families();
    s_rpc_counted(base, admin);
    s_consumer_caught_up();
    s_refusal_counted();
    s_paths();
    s_readiness();
    free(admin);
    h_destroy(&h);
    printf("metrics: ok\n");
    return 0;
}
