/* pgbench.h: PostgreSQL's own pgbench run beside a benchmark, on the same
 * database in the same sitting: the raw limit a figure is read against;
 * and the services' database pool of a run. */
#ifndef CRM_BENCH_PGBENCH_H
#define CRM_BENCH_PGBENCH_H

#include <stdio.h>

#include "harness.h"

/* Passes CRM_DB_POOL, when the benchmark's environment sets it, to the
 * services h starts (their pool of database connections). */
void pgbench_pass_pool(h_t *h);

/* How long each pgbench run lasts, in seconds. */
#define PGBENCH_SECONDS 10

/* Runs pgbench with clients on script against service's database; returns
 * its transactions per second, once the relay has published the events the
 * run wrote (so the next figure is not taken beside that work). Exits the
 * benchmark if pgbench fails. */
double pgbench_run(h_t *h, const char *service, const char *script, int clients);

/* Opens file name in the harness's folder for a pgbench script; *path
 * gets its path (free it). Exits the benchmark if it cannot. */
FILE *pgbench_script(h_t *h, const char *name, char **path);

/* Writes the bare write a lead create cannot do without (the lead and its
 * outbox row, a lead.created as the service writes one, in one
 * transaction, nothing else) as a pgbench script in the harness's folder;
 * returns its path (free it). */
char *pgbench_bare_lead_script(h_t *h);

/* The pid of the harness's PostgreSQL postmaster (its CPU with
 * stats_cpu_tree_s). Exits the benchmark if it cannot be read. */
pid_t pgbench_postmaster(h_t *h);

/* A lead.created payload as the service writes one, as a bytea literal in
 * hex (caller frees). */
char *pgbench_lead_created_hex(void);

#endif
