/* rfc3339.c: RFC 3339 instants to and from microseconds (see rfc3339.h). */
#include "crm/rfc3339.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* ---- formatting --------------------------------------------------------
 * localtime_r and strftime cost about a microsecond an instant (glibc's
 * strftime calls tzset each time), and an export writes millions. So the
 * local time zone's offset is looked up once per UTC day and kept, and the
 * text is written digit by digit. A day whose two ends have different
 * offsets (a change of summer time) is not kept: its instants go through
 * localtime_r one by one, as do years outside 1000-9999. The kept days
 * follow TZ: when it changes they are dropped (and tzset is called, as
 * strftime would). Per thread, so any thread may format. */

#define DAY_S 86400
#define KEPT_DAYS 256

typedef struct {
    int64_t day; /* UTC days since the epoch; INT64_MIN: none */
    long off;    /* seconds east of UTC all that day */
} s_day_t;

static _Thread_local s_day_t s_days[KEPT_DAYS];
static _Thread_local char s_tz[128];
static _Thread_local int s_tz_state; /* NEW, then what TZ was at the last look */

enum { NEW, KEPT, UNSET, LONG };

static int64_t s_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Where TZ was at the last look: the environment's array, the entry's
 * index in it and the entry itself. setenv and unsetenv give TZ a new
 * entry or move the entries, so while all three are the same TZ is the
 * same, and an export's millions of instants look it up once. */
static _Thread_local char **s_env;
static _Thread_local char *s_env_tz;
static _Thread_local size_t s_env_i;

/* TZ's value, through the last look when nothing moved. */
static const char *s_getenv_tz(void)
{
    if (s_env && environ == s_env && environ[s_env_i] == s_env_tz)
        return s_env_tz + 3;
    s_env = NULL;
    for (size_t i = 0; environ && environ[i]; i++)
        if (!strncmp(environ[i], "TZ=", 3)) {
            s_env = environ;
            s_env_i = i;
            s_env_tz = environ[i];
            return s_env_tz + 3;
        }
    return NULL;
}

/* Whether days may be kept under the current TZ (not when it is longer
 * than s_tz). When TZ changed since the last look, drops the kept days and
 * calls tzset, as strftime would. */
static int s_follow_tz(void)
{
    const char *was = s_env_tz;
    const char *tz = s_getenv_tz();
    int now = !tz ? UNSET : strlen(tz) < sizeof s_tz ? KEPT : LONG;
    if (now == s_tz_state && (now != KEPT || (tz - 3 == was && s_env) || strcmp(tz, s_tz) == 0))
        return now != LONG;
    tzset();
    for (size_t i = 0; i < KEPT_DAYS; i++)
        s_days[i].day = INT64_MIN;
    s_tz_state = now;
    if (now == KEPT)
        memcpy(s_tz, tz, strlen(tz) + 1);
    return now != LONG;
}

/* The offset (seconds east of UTC) at sec, when it is the same all its UTC
 * day: 0 with *off, else -1. */
static int s_day_offset(int64_t sec, long *off)
{
    if (!s_follow_tz())
        return -1;
    int64_t day = s_floor_div(sec, DAY_S);
    s_day_t *d = &s_days[(uint64_t)day % KEPT_DAYS];
    if (d->day == day) {
        *off = d->off;
        return 0;
    }
    time_t first = (time_t)(day * DAY_S), last = first + DAY_S - 1;
    struct tm a, b;
    if (!localtime_r(&first, &a) || !localtime_r(&last, &b) || a.tm_gmtoff != b.tm_gmtoff)
        return -1;
    *d = (s_day_t){day, a.tm_gmtoff};
    *off = a.tm_gmtoff;
    return 0;
}

/* The civil date of days since 1970-01-01 (H. Hinnant's days_from_civil,
 * the other way). */
static void s_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *s_put_digits(char *p, long v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
}

/* The text of an instant whose local time and offset are known. */
static int s_write(char *buf, int64_t local, long frac, long gmtoff)
{
    int64_t days = s_floor_div(local, DAY_S), y;
    long sod = (long)(local - days * DAY_S), off = gmtoff / 60;
    unsigned m, d;
    s_civil(days, &y, &m, &d);
    if (y < 1000 || y > 9999) /* as strftime writes them (never by the API's rules) */
        return -1;
    char *p = s_put_digits(buf, (long)y, 4);
    *p++ = '-';
    p = s_put_digits(p, (long)m, 2);
    *p++ = '-';
    p = s_put_digits(p, (long)d, 2);
    *p++ = 'T';
    p = s_put_digits(p, sod / 3600, 2);
    *p++ = ':';
    p = s_put_digits(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = s_put_digits(p, sod % 60, 2);
    *p++ = '.';
    p = s_put_digits(p, frac, 6);
    *p++ = off < 0 ? '-' : '+';
    p = s_put_digits(p, labs(off) / 60, 2);
    *p++ = ':';
    p = s_put_digits(p, labs(off) % 60, 2);
    *p = '\0';
    return (int)(p - buf);
}

/* Through localtime_r and strftime: the days the kept ones do not cover. */
static int s_format_slow(time_t sec, long frac, char *buf)
{
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

int crm_rfc3339_format(int64_t us, char *buf)
{
    time_t sec = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    long frac = (long)(us - (int64_t)sec * 1000000);
    long off;
    int n = s_day_offset(sec, &off) == 0 ? s_write(buf, (int64_t)sec + off, frac, off) : -1;
    return n > 0 ? n : s_format_slow(sec, frac, buf);
}
