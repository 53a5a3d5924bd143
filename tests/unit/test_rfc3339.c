/* test_rfc3339.c: RFC 3339 instants to microseconds: zones, fractions,
 * real dates only; and back: the formatter (which keeps each UTC day's
 * offset) writes what localtime_r and strftime write, in zones with and
 * without summer time, around its changes, before 1970 and after, and
 * follows TZ when it changes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/rfc3339.h"
#include "unit.h"

static int64_t s_us(const char *s)
{
    int64_t us = -1;
    return crm_rfc3339_parse(s, &us) == 0 ? us : -1;
}

/* The text as localtime_r and strftime write it: what the formatter must
 * write. */
static void s_reference(int64_t us, char *buf)
{
    time_t sec = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    long frac = (long)(us - (int64_t)sec * 1000000);
    struct tm tm;
    tzset();
    localtime_r(&sec, &tm);
    long off = tm.tm_gmtoff / 60;
    size_t n = strftime(buf, CRM_RFC3339_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, CRM_RFC3339_MAX - n, ".%06ld%c%02ld:%02ld", frac, off < 0 ? '-' : '+',
             labs(off) / 60, labs(off) % 60);
}

static int s_same(int64_t us)
{
    char got[CRM_RFC3339_MAX], want[CRM_RFC3339_MAX];
    s_reference(us, want);
    int n = crm_rfc3339_format(us, got);
    if (n == (int)strlen(want) && strcmp(got, want) == 0)
        return 1;
    fprintf(stderr, "  TZ=%s %lld: got %s, want %s\n", getenv("TZ"), (long long)us, got, want);
    return 0;
}

static void s_format(void)
{
    static const char *const zones[] = {"Asia/Shanghai", "America/New_York", "Australia/Lord_Howe",
                                        "UTC", "Europe/London"};
    /* Around New York's and London's changes of 2026, by the second. */
    static const int64_t changes[] = {1772953200, 1793512800, 1774746000, 1792890000};
    uint64_t x = 88172645463325252ULL; /* xorshift: instants from 1900 to 2100 */
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        setenv("TZ", zones[z], 1);
        int bad = 0;
        for (int i = 0; i < 20000 && bad < 5; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int64_t us = (int64_t)(x % 6311433600000000ULL) - 2208988800000000LL;
            bad += !s_same(us);
        }
        for (size_t c = 0; c < sizeof changes / sizeof changes[0]; c++)
            for (int64_t d = -7200; d <= 7200 && bad < 5; d += 599)
                bad += !s_same((changes[c] + d) * 1000000 + 123);
        static const int64_t edges[] = {
            0, 1, -1, 999999, -1000000, 253402300799999999LL, -62167219200000000LL};
        for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++)
            bad += !s_same(edges[e]);
        CHECK(bad == 0);
    }
    char buf[CRM_RFC3339_MAX];
    setenv("TZ", "Asia/Shanghai", 1);
    CHECK(crm_rfc3339_format(1795428000000006LL, buf) == 32 &&
          !strcmp(buf, "2026-11-23T18:00:00.000006+08:00"));
    setenv("TZ", "UTC", 1); /* the same day again, under another zone */
    CHECK(crm_rfc3339_format(1795428000000006LL, buf) == 32 &&
          !strcmp(buf, "2026-11-23T10:00:00.000006+00:00"));
    unsetenv("TZ");
    CHECK(s_same(1795428000000006LL));
}

int main(void)
{
    s_format();
    CHECK(s_us("1970-01-01T00:00:00Z") == 0);
    CHECK(s_us("2026-11-23T10:00:00Z") == 1795428000000000LL);
    CHECK(s_us("2026-11-23T18:00:00+08:00") == 1795428000000000LL); /* Shanghai */
    CHECK(s_us("2026-11-23T05:00:00-05:00") == 1795428000000000LL);
    CHECK(s_us("2026-11-23 10:00:00z") == 1795428000000000LL);
    CHECK(s_us("2026-11-23T10:00:00.5Z") == 1795428000500000LL);
    CHECK(s_us("2026-11-23T10:00:00.000006+00:00") == 1795428000000006LL);
    CHECK(s_us("2026-11-23T10:00:00.1234567Z") == 1795428000123456LL); /* cut, not rounded */
    CHECK(s_us("2024-02-29T00:00:00Z") > 0);                           /* leap year */
    /* Not times. */
    const char *bad[] = {"",
                         "2026-11-23",
                         "2026-11-23T10:00:00",      /* no zone */
                         "2026-13-01T00:00:00Z",     /* month */
                         "2026-02-29T00:00:00Z",     /* not a leap year */
                         "2026-11-31T00:00:00Z",     /* day */
                         "2026-11-23T24:00:00Z",     /* hour */
                         "2026-11-23T10:00:00.Z",    /* empty fraction */
                         "2026-11-23T10:00:00+8:00", /* offset */
                         "2026-11-23T10:00:00Zjunk", /* trailing */
                         "1795428000000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(s_us(bad[i]) == -1);
    return unit_result("rfc3339");
}
