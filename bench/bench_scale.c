/* bench_scale.c: lead creation and conversion with 1, 2 and 3 instances of
 * the leads and the customers services, beside the raw limit (issue #14).
 *
 * For each count n a fresh suite runs n leads and n customers instances,
 * each process pinned to one core (instance i to core i mod the machine's
 * cores; PostgreSQL and the benchmark unpinned). 16 callers, each its own
 * RPC client over every leads endpoint, create `leads` leads, then convert
 * them; the conversions count as done when the customers service has
 * committed every customer (so the relay, the bus and the consumer are in
 * the figure). Beside it in the same suite, pgbench runs the bare write a
 * create cannot do without (the lead and its outbox row) at 16 clients.
 * Printed per count: creates/s, conversions/s, and the CPU seconds each
 * side used (PostgreSQL, the leads and the customers instances), which
 * name what stops the scaling.
 *
 *     bench_scale [leads-per-count] [max-instances]
 */
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "calls.h"
#include "harness.h"
#include "leads.pb-c.h"
#include "pgbench.h"
#include "stats.h"

#define CALLERS 16

typedef struct {
    Crm__Leads__CreateLeadRequest create;
    Crm__Leads__ConvertLeadRequest convert;
    char mobile[16];
    int base;
    int64_t *ids; /* the leads made, by call number */
} scale_arg_t;

static const ProtobufCMessage *s_make_create(void *arg, int i, const Crm__Caller **caller)
{
    scale_arg_t *a = arg;
    crm__leads__create_lead_request__init(&a->create);
    a->create.name = "扩容压测";
    snprintf(a->mobile, sizeof a->mobile, "137%08lld",
             (long long)(((int64_t)(a->base + i) * 48271) % 100000000));
    a->create.mobile = a->mobile;
    a->create.owner_id = 1;
    a->create.department_id = 1;
    *caller = calls_caller(CRM__ROLE__ROLE_SYSTEM, 0, 0, 1, NULL, 0);
    return &a->create.base;
}

static int s_created(void *arg, int i, const crm_rpc_result_t *res)
{
    scale_arg_t *a = arg;
    if (res->status != CRM__STATUS__OK)
        return -1;
    a->ids[i] = ((const Crm__Leads__Lead *)res->payload)->id;
    return 0;
}

static const ProtobufCMessage *s_make_convert(void *arg, int i, const Crm__Caller **caller)
{
    scale_arg_t *a = arg;
    crm__leads__convert_lead_request__init(&a->convert);
    a->convert.id = a->ids[i];
    *caller = calls_caller(CRM__ROLE__ROLE_SYSTEM, 0, 0, 1, NULL, 0);
    return &a->convert.base;
}

/* Every thread of pid onto one core (threads started later inherit it). */
static void s_pin(pid_t pid, int core)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            sched_setaffinity(atoi(e->d_name), sizeof set, &set);
    if (d)
        closedir(d);
}

static double s_cpu_of(h_t *h, const char *service, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += stats_cpu_s(h_pid(h_proc(h, service, i)), 0);
    return s;
}

static void s_count(int n, int leads, int cores)
{
    char name[32];
    snprintf(name, sizeof name, "bench_scale_%d", n);
    h_t *h = h_new(name);
    h_suite(h, n, n, 0, 0);
    pgbench_pass_pool(h);
    h_start_all(h);
    const char *services[] = {"leads", "customers"};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < n; i++)
            s_pin(h_pid(h_proc(h, services[s], i)), (i + s * n) % cores);

    void *zctx = zmq_ctx_new();
    scale_arg_t a = {.base = 1 + n * leads, .ids = calloc((size_t)leads, sizeof(int64_t))};
    pid_t pg = pgbench_postmaster(h);
    double cpu0[3] = {stats_cpu_tree_s(pg), s_cpu_of(h, "leads", n), s_cpu_of(h, "customers", n)};
    calls_spec_t create = {.endpoint = h_rpc(h, "leads"),
                           .method = "Leads.Create",
                           .out = &crm__leads__lead__descriptor,
                           .make = s_make_create,
                           .check = s_created,
                           .arg = &a,
                           .label = "Leads.Create"};
    double creates = calls_run_spec(zctx, &create, leads, CALLERS, 1);

    uint64_t t0 = stats_now_ns();
    calls_spec_t convert = {.endpoint = h_rpc(h, "leads"),
                            .method = "Leads.Convert",
                            .out = &crm__leads__convert_lead_reply__descriptor,
                            .make = s_make_convert,
                            .arg = &a,
                            .label = "Leads.Convert"};
    double converts = calls_run_spec(zctx, &convert, leads, CALLERS, 1);
    h_wait_sql(h, "customers", "SELECT count(*) FROM customers WHERE lead_id IS NOT NULL", leads,
               120000);
    double through = leads / ((double)(stats_now_ns() - t0) / 1e9);
    double cpu[3] = {stats_cpu_tree_s(pg) - cpu0[0], s_cpu_of(h, "leads", n) - cpu0[1],
                     s_cpu_of(h, "customers", n) - cpu0[2]};

    char *bare = pgbench_bare_lead_script(h);
    double raw = pgbench_run(h, "leads", bare, CALLERS);
    free(bare);
    printf("  %d instance(s) of leads and customers: creates %6.0f/s, conversions %6.0f/s"
           " (%6.0f/s to the customer committed); pgbench bare lead + outbox %6.0f/s;"
           " CPU s: PostgreSQL %.1f, leads %.1f, customers %.1f\n",
           n, creates, converts, through, raw, cpu[0], cpu[1], cpu[2]);
    fflush(stdout);

    free(a.ids);
    zmq_ctx_term(zctx);
    for (int s = 1; s >= 0; s--)
        for (int i = 0; i < n; i++)
            h_stop(h, services[s], i);
    h_destroy(&h);
}

int main(int argc, char **argv)
{
    int leads = argc > 1 ? atoi(argv[1]) : 5000;
    int max = argc > 2 ? atoi(argv[2]) : 3;
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    stats_load("before");
    printf("scale-out: %d leads created then converted per count, %d callers, %d cores\n", leads,
           CALLERS, cores);
    for (int n = 1; n <= max; n++)
        s_count(n, leads, cores);
    stats_load("after");
    return 0;
}
