/* log.c: structured logs, one JSON object per line on stderr (see log.h). */
#include "crm/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "crm/trace.h"

static char s_service[64] = "crm";
static crm_log_level_t s_min = CRM_INFO;
static const char *const s_names[] = {"debug", "info", "warn", "error"};

void crm_log_init(const char *service, crm_log_level_t min)
{
    snprintf(s_service, sizeof s_service, "%s", service ? service : "crm");
    s_min = min;
    const char *env = getenv("CRM_LOG_LEVEL");
    for (int i = 0; env && i < 4; i++)
        if (strcmp(env, s_names[i]) == 0)
            s_min = (crm_log_level_t)i;
}

int crm_log_enabled(crm_log_level_t level)
{
    return level >= s_min;
}

static void s_emit(json_t *obj)
{
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) {
        fprintf(stderr, "%s\n", line);
        free(line);
    }
    json_decref(obj);
}

static json_t *s_head(crm_log_level_t level, const char *msg)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%06ldZ", (long)tv.tv_usec);
    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(s_names[level]));
    json_object_set_new(o, "service", json_string(s_service));
    json_object_set_new(o, "msg", json_string(msg ? msg : ""));
    if (crm_trace())
        json_object_set_new(o, "trace", json_string(crm_trace()));
    return o;
}

void crm_log(crm_log_level_t level, const char *msg, ...)
{
    if (level < s_min)
        return;
    json_t *o = s_head(level, msg);
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        json_object_set_new(o, k, v ? json_string(v) : json_null());
    }
    va_end(ap);
    s_emit(o);
}

void crm_logf(crm_log_level_t level, const char *fmt, ...)
{
    if (level < s_min)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s_emit(s_head(level, buf));
}
