/* test_kill_postgres.c: database faults under a load of conversions. A
 * thread converts leads (retrying what the fault interrupts) while the main
 * thread:
 *   A. kills the PostgreSQL postmaster with SIGKILL three times and starts
 *      it again (crash recovery);
 *   B. stalls the whole database (SIGSTOP of every PostgreSQL process)
 *      longer than the round deadline, checks that the leads service says it
 *      is not ready while it lasts, then resumes it;
 *   C. drops each kind of session (pool, relay lease, consumer lease, the
 *      scheduler's) with pg_terminate_backend;
 *   D. stalls each kind of session alone (SIGSTOP of its backends).
 * After each part: every stream reaches the end of its outbox within
 * seconds, every converted lead has exactly one customer (one
 * customer.created each), the scheduler still fires and its firing is
 * applied, and every service reports ready. In C and D, each service's log
 * shows the fault was detected for that very session. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "suite.h"

#define LEADS 900
#define ROUND_TIMEOUT_MS 1500 /* CRM_DB_ROUND_TIMEOUT_MS of the services */
#define CONVERGE_MS 20000     /* "within seconds", with room for a loaded CI machine */

static int64_t s_ids[LEADS];

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* ---- the load ---------------------------------------------------------- */

typedef struct {
    h_t *h;
    int from, to; /* the leads s_ids[from..to) to convert */
    int pace_ms;  /* pause between conversions */
    int retried;  /* conversions that needed more than one attempt */
    pthread_t thread;
} s_load_t;

/* Converts lead id, retrying while the database is away. A retry may find
 * the lead converted: the attempt that failed had committed. */
static int s_convert(h_t *h, int64_t id)
{
    Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    req.id = id;
    uint64_t until = crm_mono_ms() + 60000;
    for (int attempt = 1;; attempt++) {
        char *err = NULL;
        Crm__Status st =
            t_call_at(h_rpc(h, "leads"), 3000, "Leads.Convert", &req.base,
                      &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, &err);
        int done =
            st == CRM__STATUS__OK || (attempt > 1 && st == CRM__STATUS__FAILED_PRECONDITION &&
                                      err && strstr(err, "already converted"));
        H_CHECK(done || st == CRM__STATUS__UNAVAILABLE, "Leads.Convert %lld: %s %s", (long long)id,
                crm_status_name(st), err ? err : "");
        H_CHECK(done || crm_mono_ms() < until, "Leads.Convert %lld still %s after 60 s",
                (long long)id, crm_status_name(st));
        free(err);
        if (done)
            return attempt;
        s_sleep_ms(100);
    }
}

static void *s_load_run(void *arg)
{
    s_load_t *l = arg;
    for (int i = l->from; i < l->to; i++) {
        if (s_convert(l->h, s_ids[i]) > 1)
            l->retried++;
        s_sleep_ms(l->pace_ms); /* a steady stream, spread over the faults */
    }
    return NULL;
}

static void s_load_start(s_load_t *l, h_t *h, int from, int to, int pace_ms)
{
    *l = (s_load_t){.h = h, .from = from, .to = to, .pace_ms = pace_ms};
    H_CHECK(pthread_create(&l->thread, NULL, s_load_run, l) == 0, "pthread_create");
}

static void s_load_join(s_load_t *l, const char *part)
{
    pthread_join(l->thread, NULL);
    h_note("%s: %d conversions, %d of them retried", part, l->to - l->from, l->retried);
}

/* ---- what must hold after each part ------------------------------------ */

/* System.Health of one instance: ready, or (after timeout_ms) the failing
 * checks in *why. */
static int s_ready(h_t *h, const char *service, char *why, size_t size)
{
    static const Crm__Empty empty = CRM__EMPTY__INIT;
    ProtobufCMessage *out = NULL;
    char *err = NULL;
    Crm__Status st = t_call_at(h_rpc_of(h, service, 0), 1000, "System.Health", &empty.base,
                               &crm__health_reply__descriptor, NULL, &out, &err);
    int ready = 0;
    snprintf(why, size, "%s %s", crm_status_name(st), err ? err : "");
    if (st == CRM__STATUS__OK) {
        const Crm__HealthReply *hr = (const Crm__HealthReply *)out;
        ready = hr->ready;
        size_t n = 0;
        why[0] = '\0';
        for (size_t i = 0; i < hr->n_checks && n < size; i++)
            if (!hr->checks[i]->ok)
                n += (size_t)snprintf(why + n, size - n, "[%s: %s] ", hr->checks[i]->name,
                                      hr->checks[i]->detail);
        protobuf_c_message_free_unpacked(out, NULL);
    }
    free(err);
    return ready;
}

static void s_all_ready(h_t *h, const char *part)
{
    static const char *const services[] = {"leads", "customers", "scheduler"};
    for (size_t i = 0; i < 3; i++) {
        char why[2048] = "";
        uint64_t until = crm_mono_ms() + CONVERGE_MS;
        while (!s_ready(h, services[i], why, sizeof why) && crm_mono_ms() < until)
            s_sleep_ms(100);
        H_CHECK(s_ready(h, services[i], why, sizeof why), "%s: %s not ready: %s", part, services[i],
                why);
    }
}

/* The scheduler fires a job made due now, and the customers service
 * applies the firing. */
static void s_scheduler_fires(h_t *h, const char *part)
{
    int64_t runs = h_sql_int(h, "scheduler",
                             "SELECT runs FROM scheduler_jobs WHERE name = 'customers.recycle'");
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET next_fire_at = now()"
                  " WHERE name = 'customers.recycle'"));
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT (runs > %lld)::int FROM scheduler_jobs WHERE name = 'customers.recycle'",
             (long long)runs);
    H_CHECK(h_wait_sql(h, "scheduler", sql, 1, CONVERGE_MS) == 1, "%s: the scheduler fires", part);
    int64_t last = h_wait_sql(h, "scheduler", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL",
                              0, CONVERGE_MS);
    H_CHECK(last == 0, "%s: the scheduler's outbox is published", part);
    last = h_sql_int(h, "scheduler", "SELECT last_seq FROM crm_outbox_relay");
    H_CHECK(h_wait_sql(h, "customers",
                       "SELECT last_seq FROM crm_consumer_offsets WHERE producer = 'scheduler'",
                       last, CONVERGE_MS) == last,
            "%s: customers applied the scheduler's firings", part);
}

static void s_converged(h_t *h, int converted, const char *part)
{
    H_CHECK(h_wait_sql(h, "leads", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0,
                       CONVERGE_MS) == 0,
            "%s: the leads relay reached the end of its outbox", part);
    int64_t last = h_sql_int(h, "leads", "SELECT last_seq FROM crm_outbox_relay");
    H_CHECK(h_wait_sql(h, "customers",
                       "SELECT last_seq FROM crm_consumer_offsets WHERE producer = 'leads'", last,
                       CONVERGE_MS) == last,
            "%s: customers applied every leads event (%lld)", part, (long long)last);
    int64_t n = h_sql_int(h, "leads", "SELECT count(*) FROM leads WHERE status = 5");
    H_CHECK(n == converted, "%s: %lld leads converted, want %d", part, (long long)n, converted);
    n = h_sql_int(h, "customers", "SELECT count(*) FROM customers");
    H_CHECK(n == converted, "%s: %lld customers for %d conversions", part, (long long)n, converted);
    H_CHECK(h_sql_int(h, "customers", "SELECT count(DISTINCT lead_id) FROM customers") == converted,
            "%s: one customer per lead", part);
    H_CHECK(h_sql_int(h, "customers",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'customer.created'") ==
                converted,
            "%s: one customer.created per customer", part);
    s_scheduler_fires(h, part);
    s_all_ready(h, part);
    h_note("%s: %d conversions, each with one customer; streams at their end; ready", part,
           converted);
}

/* ---- the faults ---------------------------------------------------------- */

/* Every session kind of the suite, by the service that holds it and its
 * application_name. */
static const struct {
    const char *service;
    const char *session;
} s_kinds[] = {
    {"leads", "crm-leads"},
    {"leads", "crm-leads/relay:leads"},
    {"leads", "crm-leads/consumer:leads:scheduler"},
    {"customers", "crm-customers"},
    {"customers", "crm-customers/relay:customers"},
    {"customers", "crm-customers/consumer:customers:leads"},
    {"customers", "crm-customers/consumer:customers:scheduler"},
    {"scheduler", "crm-scheduler"},
    {"scheduler", "crm-scheduler/relay:scheduler"},
};
#define NKINDS (sizeof s_kinds / sizeof s_kinds[0])

/* Lines of service's log saying session was lost, for why. */
static int s_losses(h_t *h, size_t k, const char *why)
{
    char session[128];
    snprintf(session, sizeof session, "\"session\":\"%s\"", s_kinds[k].session);
    int n = h_log_count(h, s_kinds[k].service, 0, "database connection lost", session);
    return why ? h_log_count(h, s_kinds[k].service, 0, session, why) : n;
}

static void s_wait_loss(h_t *h, size_t k, const char *why, int before, const char *part)
{
    uint64_t until = crm_mono_ms() + CONVERGE_MS;
    while (s_losses(h, k, why) <= before && crm_mono_ms() < until)
        s_sleep_ms(50);
    H_CHECK(s_losses(h, k, why) > before, "%s: %s did not notice its session %s", part,
            s_kinds[k].service, s_kinds[k].session);
}

static void s_part_crashes(h_t *h)
{
    s_load_t load;
    s_load_start(&load, h, 0, 300, 5);
    for (int kill = 0; kill < 3; kill++) {
        s_sleep_ms(600 + 400 * kill);
        h_pg_kill(h);
        if (kill == 1)
            s_sleep_ms(1500); /* down for a while: reconnects back off */
        h_pg_start(h);
    }
    s_load_join(&load, "A (postmaster killed 3 times)");
    s_converged(h, 300, "A");
}

static void s_part_stall(h_t *h)
{
    s_load_t load;
    const char *abandoned = "session replaced";
    int before = h_log_count(h, "leads", 0, abandoned, NULL);
    s_load_start(&load, h, 300, 420, 20);
    s_sleep_ms(300);
    h_pg_signal(h, SIGSTOP);
    uint64_t stopped = crm_mono_ms();
    char why[2048] = "";
    int noticed = 0;
    while (crm_mono_ms() - stopped < 3 * ROUND_TIMEOUT_MS) {
        if (!noticed)
            noticed = !s_ready(h, "leads", why, sizeof why);
        s_sleep_ms(100);
    }
    h_pg_signal(h, SIGCONT);
    H_CHECK(noticed, "B: the leads service stayed ready with its database stopped");
    h_note("B: while the database was stopped, leads said: %s", why);
    H_CHECK(h_log_count(h, "leads", 0, abandoned, NULL) > before,
            "B: leads abandoned no session while the database was stopped");
    s_load_join(&load, "B (database stopped)");
    s_converged(h, 420, "B");
}

static void s_part_terminate(h_t *h)
{
    s_load_t load;
    s_load_start(&load, h, 420, 660, 5);
    for (size_t k = 0; k < NKINDS; k++) {
        int before = s_losses(h, k, NULL);
        pid_t pids[16];
        size_t n = h_pg_backends(h, s_kinds[k].session, pids, 16);
        H_CHECK(n >= 1, "C: no session %s", s_kinds[k].session);
        char sql[128];
        for (size_t i = 0; i < n; i++) {
            snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)::int", (int)pids[i]);
            h_sql_int(h, "postgres", sql);
        }
        s_wait_loss(h, k, NULL, before, "C");
    }
    h_note("C: every kind of session dropped and noticed");
    s_load_join(&load, "C (sessions terminated)");
    s_converged(h, 660, "C");
}

static void s_part_stall_each(h_t *h)
{
    s_load_t load;
    /* Paced to last through every stall: a session is found stalled when
     * it is used, and the load is what uses the pools. */
    s_load_start(&load, h, 660, LEADS, (int)(NKINDS * (ROUND_TIMEOUT_MS + 2000) / (LEADS - 660)));
    for (size_t k = 0; k < NKINDS; k++) {
        const char *why = "no answer from the database in";
        int before = s_losses(h, k, why);
        pid_t pids[16];
        size_t n = h_pg_backends(h, s_kinds[k].session, pids, 16);
        H_CHECK(n >= 1, "D: no session %s", s_kinds[k].session);
        for (size_t i = 0; i < n; i++)
            kill(pids[i], SIGSTOP);
        s_sleep_ms(ROUND_TIMEOUT_MS + 1500);
        for (size_t i = 0; i < n; i++)
            kill(pids[i], SIGCONT);
        s_wait_loss(h, k, why, before, "D");
    }
    h_note("D: every kind of session stalled, abandoned after its deadline and replaced");
    s_load_join(&load, "D (sessions stalled)");
    s_converged(h, LEADS, "D");
}

int main(void)
{
    h_t *h = h_new("kill_postgres");
    h_suite(h, 1, 1, 0, 1);
    char env[64];
    snprintf(env, sizeof env, "CRM_DB_ROUND_TIMEOUT_MS=%d", ROUND_TIMEOUT_MS);
    h_setenv(h, env);
    h_setenv(h, "CRM_RELAY_STALL_MS=1000");
    h_setenv(h, "CRM_CONSUMER_STALL_MS=2000");
    h_start_all(h);
    for (int i = 0; i < LEADS; i++) {
        char name[32];
        snprintf(name, sizeof name, "库故障%04d", i);
        s_ids[i] = t_create_lead(h, name, NULL, 1 + i % 7);
    }
    h_note("created %d leads", LEADS);

    s_part_crashes(h);
    s_part_stall(h);
    s_part_terminate(h);
    s_part_stall_each(h);

    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_postgres: ok\n");
    return 0;
}
