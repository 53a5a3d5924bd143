/* test_glue.c: what the glue generated from the protos (tools/glue/glue.py)
 * gives lib and the services: the suite registry handed over at start
 * (crm/registry.h) and a handler table whose serve fails the start when an
 * RPC has no handler. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>
#include <zmq.h>

#include "crm/event_types.h"
#include "crm/registry.h"
#include "crm/rpc.h"
#include "crm_suite.h"
#include "events.pb-c.h"
#include "scheduler.glue.h"
#include "unit.h"

static void s_list_jobs(crm_rpc_call_t *call, const Crm__Empty *req, void *arg)
{
    crm_rpc_fail(call, CRM__STATUS__INTERNAL, NULL, "unused");
}

static void s_fire_now(crm_rpc_call_t *call, const Crm__Scheduler__FireNowRequest *req, void *arg)
{
    crm_rpc_fail(call, CRM__STATUS__INTERNAL, NULL, "unused");
}

static void s_declare_jobs(crm_rpc_call_t *call, const Crm__Scheduler__DeclareJobsRequest *req,
                           void *arg)
{
    crm_rpc_fail(call, CRM__STATUS__INTERNAL, NULL, "unused");
}

static void s_job(crm_rpc_call_t *call, const Crm__Scheduler__JobRequest *req, void *arg)
{
    crm_rpc_fail(call, CRM__STATUS__INTERNAL, NULL, "unused");
}

static void s_set_schedule(crm_rpc_call_t *call, const Crm__Scheduler__SetScheduleRequest *req,
                           void *arg)
{
    crm_rpc_fail(call, CRM__STATUS__INTERNAL, NULL, "unused");
}

static void s_list_runs(crm_rpc_call_t *call, const Crm__Scheduler__ListRunsRequest *req, void *arg)
{
    crm_rpc_fail(call, CRM__STATUS__INTERNAL, NULL, "unused");
}

/* Before the suite is handed over only lib's own services are known. */
static void s_empty(void)
{
    CHECK(crm_rpc_method_types("System.Ping", NULL, NULL) == 0);
    CHECK(crm_rpc_method_types("Bus.Replay", NULL, NULL) == 0);
    CHECK(crm_rpc_method_types("Leads.Create", NULL, NULL) == -1);
    CHECK(crm_event_payload_type("lead.created") == NULL);
    CHECK(crm_registry_domain_of("Leads.Create") == NULL);
    CHECK(crm_registry_get()->n_domains == 0);
}

static void s_registry(void)
{
    crm_registry_set(&crm_suite);
    const crm_registry_domain_t *d = crm_registry_domain_of("Leads.Create");
    CHECK(d && !strcmp(d->name, "leads"));
    d = crm_registry_domain_of("Customers.GetByLead");
    CHECK(d && !strcmp(d->name, "customers"));
    d = crm_registry_domain_of("Scheduler.FireNow");
    CHECK(d && !strcmp(d->name, "scheduler"));
    CHECK(crm_registry_domain_of("System.Ping") == NULL); /* lib's, every process serves it */
    CHECK(crm_registry_domain_of("Auth.Login") == NULL);  /* the gateway's own */
    CHECK(crm_registry_domain_of("Lead.Create") == NULL);
    CHECK(crm_registry_domain_of("Leads") == NULL);
    CHECK(crm_registry_domain_of(NULL) == NULL);
    d = crm_registry_domain_of("Sales.CreateProduct");
    CHECK(d && !strcmp(d->name, "sales"));
    CHECK(crm_event_payload_type("product.created") == &crm__events__product_changed__descriptor);
    CHECK(crm_rpc_method_types("Leads.Create", NULL, NULL) == 0);
    CHECK(crm_event_payload_type("scheduler.fired") == &crm__events__scheduler_fired__descriptor);
    crm_registry_set(NULL);
    CHECK(crm_registry_get()->n_domains == 0);
    crm_registry_set(&crm_suite);
}

/* Serves h on a fresh server in a child process; its exit status. */
static int s_serve_in_child(const scheduler_handlers_t *h)
{
    pid_t pid = fork();
    if (pid == 0) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        void *zctx = zmq_ctx_new();
        char ep[64];
        snprintf(ep, sizeof ep, "ipc:///tmp/crm-test-glue-%d", (int)getpid());
        crm_rpc_server_t *srv = crm_rpc_server_new(&loop, zctx, ep, 0);
        if (!srv)
            _exit(3);
        scheduler_serve(srv, h);
        crm_rpc_server_destroy(&srv);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        zmq_ctx_term(zctx);
        exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void s_serve(void)
{
    scheduler_handlers_t whole = {.list_jobs = s_list_jobs,
                                  .fire_now = s_fire_now,
                                  .declare_jobs = s_declare_jobs,
                                  .pause_job = s_job,
                                  .resume_job = s_job,
                                  .set_schedule = s_set_schedule,
                                  .list_runs = s_list_runs};
    CHECK(s_serve_in_child(&whole) == 0);
    scheduler_handlers_t missing = whole;
    missing.fire_now = NULL;
    CHECK(s_serve_in_child(&missing) == 1); /* logs "no handler" for Scheduler.FireNow */
}

int main(void)
{
    s_empty();
    s_registry();
    s_serve();
    return unit_result("test_glue");
}
