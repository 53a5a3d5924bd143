/* pgbench.c: pgbench beside a benchmark (see pgbench.h). */
#include "pgbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "events.pb-c.h"

double pgbench_run(h_t *h, const char *service, const char *script, int clients)
{
    char *cmd = NULL;
    if (asprintf(&cmd,
                 "/usr/lib/postgresql/15/bin/pgbench -n -M prepared -T %d -c %d -j %d -f %s"
                 " '%s' 2>&1",
                 PGBENCH_SECONDS, clients, clients > 1 ? 2 : 1, script, h_pg(h, service)) < 0)
        exit(1);
    FILE *p = popen(cmd, "r");
    char line[512];
    double tps = 0;
    while (fgets(line, sizeof line, p)) {
        if (strncmp(line, "tps = ", 6) == 0)
            tps = atof(line + 6);
        if (strstr(line, "error") || strstr(line, "ERROR"))
            fputs(line, stderr);
    }
    int rc = pclose(p);
    if (rc != 0 || tps == 0) {
        fprintf(stderr, "pgbench failed (%d): %s\n", rc, cmd);
        exit(1);
    }
    free(cmd);
    /* The events pgbench wrote are the relay's work now: let it finish
     * before the next figure is taken, or it would be taken beside it. */
    if (h_wait_sql(h, service, "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 300000) !=
        0) {
        fprintf(stderr, "the relay did not publish pgbench's events in 300 s\n");
        exit(1);
    }
    return tps;
}

char *pgbench_lead_created_hex(void)
{
    Crm__Leads__Lead lead = CRM__LEADS__LEAD__INIT;
    lead.id = 12345678;
    lead.name = "压测线索";
    lead.mobile = "13912345678";
    lead.owner_id = lead.department_id = lead.creator_id = 1;
    lead.status = CRM__LEADS__LEAD_STATUS__LEAD_STATUS_PENDING;
    lead.created_at_us = lead.updated_at_us = lead.owner_since_us = 1763000000000000;
    Crm__Events__LeadCreated ev = CRM__EVENTS__LEAD_CREATED__INIT;
    ev.lead = &lead;
    size_t len = crm__events__lead_created__get_packed_size(&ev);
    uint8_t *buf = malloc(len);
    crm__events__lead_created__pack(&ev, buf);
    char *hex = crm_db_bytea_hex(buf, len);
    free(buf);
    return hex;
}

FILE *pgbench_script(h_t *h, const char *name, char **path)
{
    if (asprintf(path, "%s/%s", h_dir(h), name) < 0)
        exit(1);
    FILE *f = fopen(*path, "w");
    if (!f) {
        perror(*path);
        exit(1);
    }
    return f;
}

char *pgbench_bare_lead_script(h_t *h)
{
    char *path = NULL;
    FILE *f = pgbench_script(h, "bare.sql", &path);
    char *hex = pgbench_lead_created_hex();
    fprintf(f,
            "\\set m random(0, 99999999)\n"
            "BEGIN;\n"
            "INSERT INTO leads (name, mobile, owner_id, department_id, creator_id, status)"
            " VALUES ('压测线索', '170' || lpad(:m::text, 8, '0'), 1, 1, 1, 2);\n"
            "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload) VALUES"
            " (gen_random_uuid(), 'lead.created', :m, '%s'::bytea);\n"
            "END;\n",
            hex);
    free(hex);
    fclose(f);
    return path;
}

void pgbench_pass_pool(h_t *h)
{
    const char *pool = getenv("CRM_DB_POOL");
    if (!pool)
        return;
    char kv[64];
    snprintf(kv, sizeof kv, "CRM_DB_POOL=%s", pool);
    h_setenv(h, kv);
}

pid_t pgbench_postmaster(h_t *h)
{
    char path[512];
    snprintf(path, sizeof path, "%s/pg/postmaster.pid", h_dir(h));
    FILE *f = fopen(path, "r");
    int pid = 0;
    if (!f || fscanf(f, "%d", &pid) != 1) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return (pid_t)pid;
}
