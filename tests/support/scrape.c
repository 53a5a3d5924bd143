/* scrape.c: /metrics in tests (see scrape.h). */
#include "scrape.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness_impl.h"
#include "http.h"

json_t *t_scrape(const char *probe)
{
    char *url = crm_sprintf("http://%s/metrics", probe);
    t_resp_t r;
    t_http(&r, "GET", url, NULL, NULL);
    if (r.status != 200 || !strstr(r.content_type, "text/plain"))
        S_FAIL("GET %s: %d %s", url, r.status, r.content_type);
    char path[] = "/tmp/crm-scrape-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, r.raw, r.len) != (ssize_t)r.len)
        S_FAIL("cannot write the scrape of %s", url);
    close(fd);
    char *cmd =
        crm_sprintf("/usr/bin/python3 %s/tests/support/check_metrics.py %s", CRM_SOURCE_DIR, path);
    FILE *p = popen(cmd, "r");
    json_error_t err;
    json_t *samples = p ? json_loadf(p, 0, &err) : NULL;
    int rc = p ? pclose(p) : -1;
    if (rc != 0 || !json_is_array(samples)) {
        fprintf(stderr, "---- the scrape of %s ----\n%s\n----\n", url, r.raw);
        S_FAIL("%s does not pass check_metrics.py (status %d)", url, rc);
    }
    unlink(path);
    free(cmd);
    free(url);
    t_resp_free(&r);
    return samples;
}

static double s_vsample(const json_t *samples, const char *name, va_list ap)
{
    const char *want[32];
    int n = 0;
    for (const char *k; n < 30 && (k = va_arg(ap, const char *));) {
        want[n++] = k;
        want[n++] = va_arg(ap, const char *);
    }
    size_t i;
    const json_t *s;
    json_array_foreach(samples, i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "name")), name))
            continue;
        const json_t *labels = json_object_get(s, "labels");
        int all = 1;
        for (int k = 0; k < n && all; k += 2) {
            const char *v = json_string_value(json_object_get(labels, want[k]));
            all = v && !strcmp(v, want[k + 1]);
        }
        if (all)
            return json_number_value(json_object_get(s, "value"));
    }
    return -1;
}

double t_sample(const json_t *samples, const char *name, ...)
{
    va_list ap;
    va_start(ap, name);
    double v = s_vsample(samples, name, ap);
    va_end(ap);
    return v;
}

double t_scraped(const char *probe, const char *name, ...)
{
    json_t *samples = t_scrape(probe);
    va_list ap;
    va_start(ap, name);
    double v = s_vsample(samples, name, ap);
    va_end(ap);
    json_decref(samples);
    return v;
}
