/* test_util.c: lib's small helpers (crm/util.h): integers to decimal text
 * and back, at the ends of their range. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crm/util.h"
#include "unit.h"

int main(void)
{
    static const int64_t values[] = {0,         1,        -1, 9, 10, -10, 42, 1795428000000006LL,
                                     INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char buf[24], want[32];
        int64_t back = 0;
        snprintf(want, sizeof want, "%lld", (long long)values[i]);
        CHECK(crm_i64(buf, values[i]) == buf && strcmp(buf, want) == 0);
        CHECK(crm_parse_i64(buf, &back) == 0 && back == values[i]);
    }
    int64_t v;
    CHECK(crm_parse_i64("9223372036854775808", &v) == -1); /* out of range */
    CHECK(crm_parse_i64("12x", &v) == -1 && crm_parse_i64("", &v) == -1);
    return unit_result("util");
}
