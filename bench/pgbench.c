/* pgbench.c: pgbench beside a benchmark (see pgbench.h). */
#include "pgbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    return tps;
}

char *pgbench_bare_lead_script(h_t *h)
{
    char *path = NULL;
    if (asprintf(&path, "%s/bare.sql", h_dir(h)) < 0)
        exit(1);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f, "\\set m random(0, 99999999)\n"
               "BEGIN;\n"
               "INSERT INTO leads (name, mobile, owner_id, department_id, creator_id, status)"
               " VALUES ('压测线索', '170' || lpad(:m::text, 8, '0'), 1, 1, 1, 2);\n"
               "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload) VALUES"
               " (gen_random_uuid(), 'lead.created', :m, '\\x0a0b'::bytea);\n"
               "END;\n");
    fclose(f);
    return path;
}
