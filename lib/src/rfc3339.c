/* rfc3339.c: RFC 3339 instants to and from microseconds (see rfc3339.h). */
#include "crm/rfc3339.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* n digits at *p as a number; advances *p. -1 if not digits. */
static int s_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

static int s_expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

static int s_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int crm_rfc3339_parse(const char *s, int64_t *us)
{
    if (!s)
        return -1;
    const char *p = s;
    int y = s_digits(&p, 4);
    if (y < 0 || s_expect(&p, '-') < 0)
        return -1;
    int mo = s_digits(&p, 2);
    if (mo < 1 || mo > 12 || s_expect(&p, '-') < 0)
        return -1;
    int d = s_digits(&p, 2);
    if (d < 1 || d > s_days_in_month(y, mo))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    int h = s_digits(&p, 2);
    if (h < 0 || h > 23 || s_expect(&p, ':') < 0)
        return -1;
    int mi = s_digits(&p, 2);
    if (mi < 0 || mi > 59 || s_expect(&p, ':') < 0)
        return -1;
    int sec = s_digits(&p, 2);
    if (sec < 0 || sec > 60)
        return -1;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        while (isdigit((unsigned char)*p)) {
            if (n < 6)
                frac = frac * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return -1;
        for (; n < 6; n++)
            frac *= 10;
    }
    int offset = 0; /* seconds east of UTC */
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = s_digits(&p, 2);
        if (oh < 0 || oh > 23 || s_expect(&p, ':') < 0)
            return -1;
        int om = s_digits(&p, 2);
        if (om < 0 || om > 59)
            return -1;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec == 60 ? 59 : sec; /* a leap second counts as :59 */
    time_t t = timegm(&tm);
    *us = ((int64_t)t - offset) * 1000000 + frac;
    return 0;
}

int crm_rfc3339_format(int64_t us, char *buf)
{
    time_t sec = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    long frac = (long)(us - (int64_t)sec * 1000000);
    struct tm tm;
    if (!localtime_r(&sec, &tm))
        return -1;
    long off = tm.tm_gmtoff / 60;
    size_t n = strftime(buf, CRM_RFC3339_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0)
        return -1;
    int m = snprintf(buf + n, CRM_RFC3339_MAX - n, ".%06ld%c%02ld:%02ld", frac, off < 0 ? '-' : '+',
                     labs(off) / 60, labs(off) % 60);
    return m < 0 || (size_t)m >= CRM_RFC3339_MAX - n ? -1 : (int)n + m;
}
