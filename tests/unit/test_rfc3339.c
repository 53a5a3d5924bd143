/* test_rfc3339.c: RFC 3339 instants to microseconds: zones, fractions,
 * real dates only. */
#include <stdint.h>

#include "crm/rfc3339.h"
#include "unit.h"

static int64_t s_us(const char *s)
{
    int64_t us = -1;
    return crm_rfc3339_parse(s, &us) == 0 ? us : -1;
}

int main(void)
{
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
