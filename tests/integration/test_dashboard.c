/* test_dashboard.c: the Grafana dashboard (deploy/grafana/crm-dashboard.json)
 * asks only for metrics the processes export, and shows every one. A suite
 * of every service runs; each process's /metrics is read and its families
 * (the "# TYPE" lines: a family is declared even before it has a sample)
 * are gathered; deploy/grafana/check_dashboard.py then checks every PromQL
 * expression's metric names against them (a histogram by its _bucket, _sum
 * and _count series) and that no family is left off. The same check must
 * refuse a copy of the dashboard asking for a metric nobody exports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static const char *const s_services[] = {"leads",     "customers", "sales",
                                         "scheduler", "gateway",   "webhooks"};

/* Appends the "name type" of every "# TYPE name type" line of probe's
 * /metrics to out; returns how many. */
static int s_families(const char *probe, FILE *out)
{
    char *url = crm_sprintf("http://%s/metrics", probe);
    t_resp_t r;
    t_http(&r, "GET", url, NULL, NULL);
    H_CHECK(r.status == 200, "GET %s: %d", url, r.status);
    int n = 0;
    for (char *line = r.raw; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        char name[128], type[32];
        if (sscanf(line, "# TYPE %127s %31s", name, type) == 2) {
            fprintf(out, "%s %s\n", name, type);
            n++;
        }
        line = end ? end + 1 : NULL;
    }
    t_resp_free(&r);
    free(url);
    return n;
}

/* Runs the checker on dashboard with the families file; its exit status. */
static int s_check(const char *dashboard, const char *families)
{
    char *cmd = crm_sprintf("/usr/bin/python3 %s/deploy/grafana/check_dashboard.py %s %s",
                            CRM_SOURCE_DIR, dashboard, families);
    int rc = system(cmd);
    free(cmd);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* A copy of the dashboard whose first query asks for a metric no process
 * exports, in a temporary file (the caller unlinks it). */
static char *s_broken_copy(const char *dashboard)
{
    json_error_t err;
    json_t *d = json_load_file(dashboard, 0, &err);
    H_CHECK(d, "%s: %s", dashboard, err.text);
    json_t *panel, *target = NULL;
    size_t i;
    json_array_foreach(json_object_get(d, "panels"), i, panel)
    {
        if (!target)
            target = json_array_get(json_object_get(panel, "targets"), 0);
    }
    H_CHECK(target, "the dashboard has a query");
    json_object_set_new(target, "expr", json_string("sum(rate(crm_no_such_calls_total[5m]))"));
    char *path = crm_strdup("/tmp/crm-dashboard-XXXXXX");
    int fd = mkstemp(path);
    H_CHECK(fd >= 0 && json_dumpfd(d, fd, 0) == 0, "write %s", path);
    close(fd);
    json_decref(d);
    return path;
}

int main(void)
{
    h_t *h = h_new("dashboard");
    h_suite_counts(h, "leads=1,customers=1,sales=1,scheduler=1,webhooks=1");
    h_gateway(h);
    h_start_all(h);

    char families[] = "/tmp/crm-families-XXXXXX";
    int fd = mkstemp(families);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    H_CHECK(out, "a temporary file");
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++) {
        int n = s_families(h_probe_of(h, s_services[i], 0), out);
        H_CHECK(n >= 10, "%s declares its families: %d", s_services[i], n);
    }
    fclose(out);
    h_note("the families of every process's /metrics gathered: ok");

    char *dashboard = crm_sprintf("%s/deploy/grafana/crm-dashboard.json", CRM_SOURCE_DIR);
    H_CHECK(s_check(dashboard, families) == 0,
            "the dashboard uses only, and all, the metrics exported (see above)");
    h_note("every metric the dashboard asks for is exported, every one exported is shown: ok");

    char *broken = s_broken_copy(dashboard);
    H_CHECK(s_check(broken, families) == 1, "a dashboard asking for an unknown metric is refused");
    h_note("a dashboard asking for a metric nobody exports is refused: ok");
    unlink(broken);
    free(broken);
    unlink(families);
    free(dashboard);
    h_destroy(&h);
    printf("dashboard: ok\n");
    return 0;
}
