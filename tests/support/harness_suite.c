/* harness_suite.c: the suite's service processes (see harness.h). The list
 * of services is the registry generated from proto (every domain is a
 * process, services/<domain>/crm-<domain> of this build) plus the gateway,
 * so a new domain needs no edit here. Declaring the instances fixes every
 * endpoint before any starts, so each process is told all its peers. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "crm/registry.h"
#include "crm/rpc.h"
#include "crm/util.h"
#include "harness_impl.h"

#define H_GATEWAY_NAME "gateway"

/* ---- the list of services ------------------------------------------------ */

/* h->svcs on first use: the registry's domains, then the gateway. */
static void s_svcs(h_t *h)
{
    if (h->svcs)
        return;
    const crm_registry_t *r = crm_registry_get();
    h->nsvc = (int)r->n_domains + 1;
    h->svcs = crm_calloc((size_t)h->nsvc, sizeof *h->svcs);
    for (size_t i = 0; i < r->n_domains; i++)
        h->svcs[i].name = r->domains[i].name;
    h->svcs[h->nsvc - 1].name = H_GATEWAY_NAME;
}

/* The index of service in h->svcs, or -1. */
static int s_find(h_t *h, const char *service, size_t len)
{
    s_svcs(h);
    for (int s = 0; s < h->nsvc; s++)
        if (strlen(h->svcs[s].name) == len && !strncmp(h->svcs[s].name, service, len))
            return s;
    return -1;
}

static int s_svc_index(h_t *h, const char *service)
{
    int s = s_find(h, service, strlen(service));
    if (s < 0)
        S_FAIL("unknown service \"%s\"", service);
    return s;
}

/* Fixes the endpoints of n instances of service s. */
static void s_declare(h_t *h, int s, int n)
{
    h_svc_t *v = &h->svcs[s];
    v->count = n;
    v->rpc_of = crm_calloc((size_t)n, sizeof(char *));
    v->pub_of = crm_calloc((size_t)n, sizeof(char *));
    v->probe_of = crm_calloc((size_t)n, sizeof(char *));
    size_t rlen = 0, plen = 0;
    for (int i = 0; i < n; i++) {
        v->rpc_of[i] = h_free_endpoint();
        v->pub_of[i] = h_free_endpoint();
        v->probe_of[i] = h_free_endpoint();
        rlen += strlen(v->rpc_of[i]) + 1;
        plen += strlen(v->pub_of[i]) + 1;
    }
    v->rpc = crm_calloc(1, rlen);
    v->pub = crm_calloc(1, plen);
    for (int i = 0; i < n; i++) {
        if (i) {
            strcat(v->rpc, ",");
            strcat(v->pub, ",");
        }
        strcat(v->rpc, v->rpc_of[i]);
        strcat(v->pub, v->pub_of[i]);
    }
    h_pg(h, v->name);
}

void h_suite_counts(h_t *h, const char *counts)
{
    if (h->suite)
        S_FAIL("h_suite called twice");
    h->suite = 1;
    s_svcs(h);
    h->order = crm_calloc((size_t)h->nsvc, sizeof *h->order);
    for (const char *p = counts; *p;) {
        size_t len = strcspn(p, "=,");
        int s = s_find(h, p, len);
        char *end = NULL;
        long n = p[len] == '=' ? strtol(p + len + 1, &end, 10) : -1;
        if (s < 0 || s == h->nsvc - 1)
            S_FAIL("h_suite_counts(\"%s\"): \"%.*s\" is no domain of the registry%s", counts,
                   (int)len, p, s < 0 ? "" : " (the gateway: h_gateway)");
        if (n < 0 || n > H_MAX_INSTANCES || !end || (*end && *end != ','))
            S_FAIL("h_suite_counts(\"%s\"): want name=0..%d", counts, H_MAX_INSTANCES);
        if (h->svcs[s].rpc_of)
            S_FAIL("h_suite_counts(\"%s\"): %s named twice", counts, h->svcs[s].name);
        if (n > 0) {
            s_declare(h, s, (int)n);
            h->order[h->norder++] = s;
        }
        p = *end ? end + 1 : end;
    }
}

void h_suite(h_t *h, int leads, int customers, int sales, int scheduler)
{
    char *counts = crm_sprintf("leads=%d,customers=%d,sales=%d,scheduler=%d", leads, customers,
                               sales, scheduler);
    h_suite_counts(h, counts);
    free(counts);
}

const char *h_rpc(h_t *h, const char *service)
{
    h_svc_t *v = &h->svcs[s_svc_index(h, service)];
    if (!v->count)
        S_FAIL("%s has no instances in this suite", service);
    return v->rpc;
}

const char *h_pub(h_t *h, const char *service)
{
    h_svc_t *v = &h->svcs[s_svc_index(h, service)];
    if (!v->count)
        S_FAIL("%s has no instances in this suite", service);
    return v->pub;
}

const char *h_probe_of(h_t *h, const char *service, int instance)
{
    h_svc_t *v = &h->svcs[s_svc_index(h, service)];
    if (instance < 0 || instance >= v->count)
        S_FAIL("%s has no instance %d in this suite", service, instance);
    return v->probe_of[instance] + strlen("tcp://");
}

const char *h_rpc_of(h_t *h, const char *service, int instance)
{
    h_svc_t *v = &h->svcs[s_svc_index(h, service)];
    if (instance < 0 || instance >= v->count)
        S_FAIL("%s has no instance %d in this suite", service, instance);
    return v->rpc_of[instance];
}

void h_setenv(h_t *h, const char *kv)
{
    if (!strchr(kv, '='))
        S_FAIL("h_setenv(\"%s\"): want KEY=VALUE", kv);
    h->env = crm_realloc(h->env, (h->n_env + 1) * sizeof *h->env);
    h->env[h->n_env++] = crm_strdup(kv);
}

const char *h_bin(const char *rel)
{
    /* Interned: the strings live as long as the process. */
    static char *paths[64];
    static size_t n;
    char *p = crm_sprintf("%s/%s", CRM_BIN_DIR, rel);
    for (size_t i = 0; i < n; i++)
        if (strcmp(paths[i], p) == 0) {
            free(p);
            return paths[i];
        }
    if (n == sizeof paths / sizeof paths[0])
        S_FAIL("h_bin: too many binaries");
    paths[n++] = p;
    return p;
}

/* ---- starting ------------------------------------------------------------ */

static void s_put(hi_env_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_put(hi_env_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *kv = crm_vsprintf(fmt, ap);
    va_end(ap);
    hi_env_put(e, kv);
    free(kv);
}

/* The environment of instance i of service s: its own endpoints, database
 * and name, every declared service's endpoints, then h_setenv's. */
static void s_env_suite(h_t *h, hi_env_t *e, int s, int i)
{
    const h_svc_t *v = &h->svcs[s];
    s_put(e, "CRM_RPC_BIND=%s", v->rpc_of[i]);
    s_put(e, "CRM_PUB_BIND=%s", v->pub_of[i]);
    s_put(e, "CRM_PROBE_BIND=%s", v->probe_of[i] + strlen("tcp://"));
    s_put(e, "CRM_DB_URL=%s", h_pg(h, v->name));
    s_put(e, "CRM_REDIS_URL=%s", h->redis_url);
    s_put(e, "CRM_INSTANCE=%s-%d", v->name, i);
    if (!strcmp(v->name, H_GATEWAY_NAME)) {
        /* Its HTTP listener and first admin; password hashing at libsodium's
         * minimum so tests do not wait on argon2 (h_setenv overrides). */
        s_put(e, "CRM_HTTP_BIND=127.0.0.1:%d", h->http_port);
        s_put(e, "CRM_ADMIN_USER=%s", H_ADMIN_USER);
        s_put(e, "CRM_ADMIN_PASSWORD=%s", H_ADMIN_PASSWORD);
        s_put(e, "CRM_PWHASH_OPSLIMIT=1");
        s_put(e, "CRM_PWHASH_MEMLIMIT=8192");
    }
    for (int o = 0; o < h->nsvc; o++) {
        if (!h->svcs[o].count)
            continue;
        char up[64];
        size_t k = 0;
        for (const char *p = h->svcs[o].name; *p && k < sizeof up - 1; p++)
            up[k++] = (char)toupper((unsigned char)*p);
        up[k] = 0;
        s_put(e, "CRM_%s_RPC=%s", up, h->svcs[o].rpc);
        s_put(e, "CRM_%s_PUB=%s", up, h->svcs[o].pub);
    }
    for (size_t k = 0; k < h->n_env; k++)
        hi_env_put(e, h->env[k]);
}

/* One call of method with an empty request on endpoint; its status, and
 * the reply (of type out) in *reply. */
static Crm__Status s_call(h_t *h, const char *endpoint, const char *method,
                          const ProtobufCMessageDescriptor *out, ProtobufCMessage **reply)
{
    if (!h->zctx) {
        h->zctx = zmq_ctx_new();
        if (!h->zctx)
            S_FAIL("zmq_ctx_new: %s", zmq_strerror(errno));
        zmq_ctx_set(h->zctx, ZMQ_BLOCKY, 0); /* sockets linger 0: term never hangs */
    }
    Crm__Empty req = CRM__EMPTY__INIT;
    return crm_rpc_call_sync(h->zctx, endpoint, 500, method, &req.base, out, NULL, reply, NULL);
}

/* One System.Ping on endpoint; 1 if it answered OK. */
static int s_ping(h_t *h, const char *endpoint)
{
    ProtobufCMessage *reply = NULL;
    Crm__Status st = s_call(h, endpoint, "System.Ping", &crm__ping_reply__descriptor, &reply);
    if (reply)
        protobuf_c_message_free_unpacked(reply, NULL);
    return st == CRM__STATUS__OK;
}

/* 1 unless the process at endpoint reports its health check "jobs" not ok:
 * it has jobs the scheduler has not taken yet (crm/job.h). */
static int s_jobs_taken(h_t *h, const char *endpoint)
{
    ProtobufCMessage *reply = NULL;
    Crm__Status st = s_call(h, endpoint, "System.Health", &crm__health_reply__descriptor, &reply);
    int taken = st == CRM__STATUS__OK;
    const Crm__HealthReply *hr = (const Crm__HealthReply *)reply;
    for (size_t k = 0; taken && k < hr->n_checks; k++)
        if (strcmp(hr->checks[k]->name, "jobs") == 0)
            taken = hr->checks[k]->ok;
    if (reply)
        protobuf_c_message_free_unpacked(reply, NULL);
    return taken;
}

void h_org_fixture(h_t *h, int on)
{
    h->no_org = !on;
}

/* The fixture organisation in service's read model (see harness.h). */
static void s_org_seed(h_t *h, const char *service)
{
    if (h->no_org || !strcmp(service, H_GATEWAY_NAME))
        return;
    char *sql = crm_sprintf("INSERT INTO crm_org_departments (id) SELECT generate_series(1, %d)"
                            " ON CONFLICT DO NOTHING;"
                            " INSERT INTO crm_org_users (id) SELECT generate_series(1, %d)"
                            " ON CONFLICT DO NOTHING",
                            H_ORG_DEPARTMENTS, H_ORG_USERS);
    PQclear(h_sql(h, service, sql));
    free(sql);
}

h_proc_t *h_start(h_t *h, const char *service, int instance)
{
    int s = s_svc_index(h, service);
    h_svc_t *v = &h->svcs[s];
    if (instance < 0 || instance >= v->count)
        S_FAIL("%s has no instance %d (declare it with h_suite)", service, instance);
    h_proc_t *p = v->procs[instance];
    if (p && !p->reaped) {
        int st = hi_reap(p->pid, 0);
        if (st < 0)
            S_FAIL("%s-%d is running already (pid %d)", service, instance, (int)p->pid);
        p->reaped = 1;
        p->status = st;
    }
    if (!p) {
        p = crm_calloc(1, sizeof *p);
        p->h = h;
        p->svc = s;
        p->instance = instance;
        p->log = crm_sprintf("%s/%s-%d.log", h->dir, service, instance);
        v->procs[instance] = p;
    }
    char *path = crm_sprintf("%s/services/%s/crm-%s", CRM_BIN_DIR, service, service);
    if (access(path, X_OK) != 0)
        S_FAIL("no service binary %s: %s", path, strerror(errno));

    hi_env_t env;
    hi_env_init(&env);
    s_env_suite(h, &env, s, instance);
    char *name = crm_sprintf("crm-%s", service);
    char *argv[] = {name, NULL};
    FILE *lf = fopen(p->log, "a");
    if (lf) {
        fprintf(lf, "---- harness: starting %s-%d ----\n", service, instance);
        fclose(lf);
    }
    hi_spawn_t sp = {
        .path = path, .argv = argv, .envp = env.v, .log = p->log, .death_sig = SIGKILL};
    p->pid = hi_spawn(h, &sp);
    p->reaped = 0;
    p->status = 0;
    hi_pid_add(p->pid, SIGKILL);
    hi_env_free(&env);
    free(name);
    free(path);

    uint64_t until = crm_mono_ms() + H_START_MS;
    while (!s_ping(h, v->rpc_of[instance])) {
        int st = hi_reap(p->pid, 0);
        if (st >= 0) {
            p->reaped = 1;
            p->status = st;
            S_FAIL("%s-%d exited with status %d while starting (log: %s)", service, instance, st,
                   p->log);
        }
        if (crm_mono_ms() > until)
            S_FAIL("%s-%d does not answer System.Ping on %s after %d s (log: %s)", service,
                   instance, v->rpc_of[instance], H_START_MS / 1000, p->log);
        hi_sleep_ms(20);
    }
    s_org_seed(h, service);
    return p;
}

const char *h_gateway(h_t *h)
{
    if (!h->suite)
        S_FAIL("h_gateway: declare the suite with h_suite first");
    int g = s_svc_index(h, H_GATEWAY_NAME);
    if (!h->svcs[g].count) {
        h->http_port = hi_free_port();
        h->http_url = crm_sprintf("http://127.0.0.1:%d", h->http_port);
        s_declare(h, g, 1);
    }
    h_start(h, H_GATEWAY_NAME, 0);
    return h->http_url;
}

const char *h_gateway_url(const h_t *h)
{
    return h->http_url;
}

void h_start_all(h_t *h)
{
    for (int k = 0; k < h->norder; k++)
        for (int i = 0; i < h->svcs[h->order[k]].count; i++)
            h_start(h, h->svcs[h->order[k]].name, i);
    /* A started suite is settled: every job declared reached the scheduler
     * (which may have started after the service that declares it). */
    for (int k = 0; k < h->norder; k++) {
        const h_svc_t *v = &h->svcs[h->order[k]];
        for (int i = 0; i < v->count; i++) {
            uint64_t until = crm_mono_ms() + H_START_MS;
            while (!s_jobs_taken(h, v->rpc_of[i])) {
                if (crm_mono_ms() > until)
                    S_FAIL("%s-%d: its jobs are not declared to the scheduler after %d s (log: %s)",
                           v->name, i, H_START_MS / 1000, v->procs[i]->log);
                hi_sleep_ms(20);
            }
        }
    }
}

/* ---- running ------------------------------------------------------------- */

h_proc_t *h_proc(h_t *h, const char *service, int instance)
{
    const h_svc_t *v = &h->svcs[s_svc_index(h, service)];
    if (instance < 0 || instance >= v->count)
        return NULL;
    return v->procs[instance];
}

pid_t h_pid(const h_proc_t *p)
{
    return p->pid;
}

void h_signal(h_proc_t *p, int sig)
{
    if (!p->reaped)
        kill(p->pid, sig);
}

int h_wait(h_proc_t *p, int timeout_ms)
{
    if (p->reaped)
        return p->status;
    int st = hi_reap(p->pid, timeout_ms);
    if (st >= 0) {
        p->reaped = 1;
        p->status = st;
    }
    return st;
}

static h_proc_t *s_running(h_t *h, const char *service, int instance)
{
    h_proc_t *p = h_proc(h, service, instance);
    if (!p)
        S_FAIL("%s-%d was never started", service, instance);
    return p;
}

int h_log_count(h_t *h, const char *service, int instance, const char *a, const char *b)
{
    h_proc_t *p = s_running(h, service, instance);
    FILE *f = fopen(p->log, "r");
    if (!f)
        return 0;
    int n = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0)
        if (strstr(line, a) && (!b || strstr(line, b)))
            n++;
    free(line);
    fclose(f);
    return n;
}

/* Did the process finish its clean stop (its log's last line says
 * "stopped") and hang afterwards with a child of its own: LeakSanitizer's
 * stop-the-world tracer, which sporadically never returns
 * (google/sanitizers#777)? */
static int s_stuck_in_leak_check(const h_proc_t *p)
{
    char path[64], buf[256] = "";
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)p->pid, (int)p->pid);
    FILE *f = fopen(path, "r");
    int child = f && fgets(buf, sizeof buf, f) && buf[0] >= '0' && buf[0] <= '9';
    if (f)
        fclose(f);
    if (!child)
        return 0;
    f = fopen(p->log, "r");
    if (!f)
        return 0;
    char line[1024], last[1024] = "";
    while (fgets(line, sizeof line, f))
        memcpy(last, line, sizeof last);
    fclose(f);
    return strstr(last, "\"msg\":\"stopped\"") != NULL;
}

void h_stop(h_t *h, const char *service, int instance)
{
    h_proc_t *p = s_running(h, service, instance);
    if (p->reaped)
        S_FAIL("%s-%d is not running (it exited with status %d; log: %s)", service, instance,
               p->status, p->log);
    kill(p->pid, SIGTERM);
    kill(p->pid, SIGCONT); /* in case it was stopped */
    int st = h_wait(p, H_STOP_MS);
    if (st < 0 && s_stuck_in_leak_check(p)) {
        /* The service stopped cleanly; the sanitizer's leak scan hung. Not
         * the service's fault, but say so: this run checked no leaks. */
        kill(p->pid, SIGKILL);
        h_wait(p, -1);
        h_note("warning: %s-%d stopped cleanly but LeakSanitizer's scan hung at exit "
               "(google/sanitizers#777); killed, its leaks unchecked this run",
               service, instance);
        return;
    }
    if (st < 0) {
        kill(p->pid, SIGKILL);
        h_wait(p, -1);
        S_FAIL("%s-%d did not exit within %d s of SIGTERM (log: %s)", service, instance,
               H_STOP_MS / 1000, p->log);
    }
    if (st != 0)
        S_FAIL("%s-%d exited with status %d after SIGTERM, want 0 (log: %s)", service, instance, st,
               p->log);
}

void h_kill(h_t *h, const char *service, int instance)
{
    h_proc_t *p = s_running(h, service, instance);
    if (p->reaped)
        return;
    kill(p->pid, SIGKILL);
    h_wait(p, -1);
}

/* ---- teardown ------------------------------------------------------------ */

void hi_dump_logs(h_t *h)
{
    for (int s = 0; s < h->nsvc; s++)
        for (int i = 0; i < h->svcs[s].count; i++)
            if (h->svcs[s].procs[i])
                hi_tail(h->svcs[s].procs[i]->log, H_LOG_TAIL);
}

/* The live processes of the suite get sig; returns how many. */
static int s_signal_live(h_t *h, int sig)
{
    int live = 0;
    for (int s = 0; s < h->nsvc; s++)
        for (int i = 0; i < h->svcs[s].count; i++) {
            h_proc_t *p = h->svcs[s].procs[i];
            if (p && !p->reaped && h_wait(p, 0) < 0) {
                if (sig)
                    kill(p->pid, sig);
                live++;
            }
        }
    return live;
}

/* A non-zero exit is reported, not failed: tests that care call h_stop. */
void hi_stop_services(h_t *h)
{
    s_signal_live(h, SIGTERM);
    s_signal_live(h, SIGCONT);
    uint64_t until = crm_mono_ms() + H_TERM_MS;
    while (s_signal_live(h, 0) && crm_mono_ms() < until)
        hi_sleep_ms(10);
    for (int s = 0; s < h->nsvc; s++)
        for (int i = 0; i < h->svcs[s].count; i++) {
            h_proc_t *p = h->svcs[s].procs[i];
            if (p && !p->reaped) {
                fprintf(stderr, "harness: %s-%d ignored SIGTERM for %d s; SIGKILL\n",
                        h->svcs[s].name, i, H_TERM_MS / 1000);
                kill(p->pid, SIGKILL);
                h_wait(p, -1);
            }
        }
}

void hi_suite_free(h_t *h)
{
    for (int s = 0; s < h->nsvc; s++) {
        h_svc_t *v = &h->svcs[s];
        for (int i = 0; i < v->count; i++) {
            if (v->procs[i]) {
                free(v->procs[i]->log);
                free(v->procs[i]);
            }
            free(v->rpc_of[i]);
            free(v->pub_of[i]);
            free(v->probe_of[i]);
        }
        free(v->rpc_of);
        free(v->pub_of);
        free(v->probe_of);
        free(v->rpc);
        free(v->pub);
    }
    free(h->svcs);
    free(h->order);
}
