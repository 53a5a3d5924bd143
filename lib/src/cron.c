/* cron.c: cron-like schedules, parsed into bit sets and stepped forward in
 * local time (see crm/cron.h). */
#include "crm/cron.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define US 1000000LL

static const struct {
    const char *name;
    int lo, hi;
} s_fields[5] = {{"minute", 0, 59},
                 {"hour", 0, 23},
                 {"day of month", 1, 31},
                 {"month", 1, 12},
                 {"day of week", 0, 7}};

/* A number of field f at *p, advancing it; -1 if none or out of range. */
static int s_number(const char **p, int f)
{
    char *end;
    long v = strtol(*p, &end, 10);
    if (end == *p || v < s_fields[f].lo || v > s_fields[f].hi)
        return -1;
    *p = end;
    return (int)v;
}

/* One item of a list ("*", "a", "a-b", each with an optional "/n") into
 * bits; 0, or -1. */
static int s_item(const char **p, int f, uint64_t *bits)
{
    int lo = s_fields[f].lo, hi = s_fields[f].hi, step = 1;
    if (**p == '*') {
        (*p)++;
    } else {
        if ((lo = s_number(p, f)) < 0)
            return -1;
        hi = lo;
        if (**p == '-') {
            (*p)++;
            if ((hi = s_number(p, f)) < 0 || hi < lo)
                return -1;
        }
    }
    if (**p == '/') {
        (*p)++;
        char *end;
        long v = strtol(*p, &end, 10);
        if (end == *p || v < 1 || v > s_fields[f].hi)
            return -1;
        step = (int)v;
        *p = end;
    }
    for (int v = lo; v <= hi; v += step)
        *bits |= 1ULL << v;
    return 0;
}

/* One field, text[0..len), into bits; 0, or -1. */
static int s_field(const char *text, size_t len, int f, uint64_t *bits)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    const char *p = buf;
    for (;;) {
        if (s_item(&p, f, bits) < 0)
            return -1;
        if (*p == '\0')
            return 0;
        if (*p++ != ',')
            return -1;
    }
}

int crm_cron_parse(const char *expr, crm_cron_t *out, crm_err_t *err)
{
    memset(out, 0, sizeof *out);
    uint64_t bits[5] = {0};
    const char *p = expr ? expr : "";
    int f = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, " \t");
        if (f == 5)
            return crm_err_invalid(err, "schedule", "cron %s: five fields, not more", expr);
        if (s_field(p, len, f, &bits[f]) < 0)
            return crm_err_invalid(err, "schedule",
                                   "cron %s: the %s field is *, %d-%d, a range, a step (/n)"
                                   " or a list of them",
                                   expr, s_fields[f].name, s_fields[f].lo, s_fields[f].hi);
        if (f == 2)
            out->any_day = len == 1 && *p == '*';
        if (f == 4)
            out->any_weekday = len == 1 && *p == '*';
        f++;
        p += len;
    }
    if (f < 5)
        return crm_err_invalid(err, "schedule",
                               "cron %s: five fields (minute hour day-of-month month"
                               " day-of-week)",
                               expr ? expr : "");
    out->minutes = bits[0];
    out->hours = (uint32_t)bits[1];
    out->days = (uint32_t)bits[2];
    out->months = (uint16_t)bits[3];
    out->weekdays = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f); /* 7 is Sunday too */
    return 0;
}

int crm_cron_daily(const char *hhmm, crm_cron_t *out, crm_err_t *err)
{
    int h, m;
    char tail;
    if (!hhmm || strlen(hhmm) != 5 || sscanf(hhmm, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 ||
        h > 23 || m < 0 || m > 59)
        return crm_err_invalid(err, "schedule", "daily %s: HH:MM, 00:00 to 23:59",
                               hhmm ? hhmm : "");
    char expr[32];
    snprintf(expr, sizeof expr, "%d %d * * *", m, h);
    return crm_cron_parse(expr, out, err);
}

static int s_day_matches(const crm_cron_t *c, const struct tm *tm)
{
    int dom = (c->days >> tm->tm_mday) & 1, dow = (c->weekdays >> tm->tm_wday) & 1;
    if (c->any_day && c->any_weekday)
        return 1;
    if (c->any_day)
        return dow;
    if (c->any_weekday)
        return dom;
    return dom || dow;
}

/* tm normalised back into local time; its instant. */
static time_t s_local(struct tm *tm)
{
    tm->tm_isdst = -1;
    return mktime(tm);
}

int64_t crm_cron_next(const crm_cron_t *c, int64_t after_us)
{
    time_t t = (time_t)(after_us / US);
    t = t - t % 60 + 60; /* the next whole minute */
    time_t limit = t + 5 * 366 * 86400;
    struct tm tm;
    while (t < limit) {
        localtime_r(&t, &tm);
        if (!((c->months >> (tm.tm_mon + 1)) & 1)) {
            tm.tm_mon++;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!s_day_matches(c, &tm)) {
            tm.tm_mday++;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!((c->hours >> tm.tm_hour) & 1)) {
            tm.tm_hour++;
            tm.tm_min = tm.tm_sec = 0;
        } else if (!((c->minutes >> tm.tm_min) & 1)) {
            tm.tm_min++;
            tm.tm_sec = 0;
        } else {
            return (int64_t)t * US;
        }
        time_t next = s_local(&tm);
        t = next > t ? next : t + 60; /* a clock turned back never loops */
    }
    return 0;
}
