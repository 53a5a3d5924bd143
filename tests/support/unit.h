/* unit.h: the check every unit test uses: CHECK(cond) prints file:line and
 * the condition when it is false and counts the failure; unit_result(name)
 * ends the test (prints "name: ok" and returns 0, or the count and 1). */
#ifndef CRM_TEST_UNIT_H
#define CRM_TEST_UNIT_H

#include <stdio.h>

static int unit_failed;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            unit_failed++;                                                                         \
        }                                                                                          \
    } while (0)

static inline int unit_result(const char *name)
{
    if (unit_failed) {
        fprintf(stderr, "%s: %d checks failed\n", name, unit_failed);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

#endif
