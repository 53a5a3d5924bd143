/* unit.h: what a unit test needs to check many things and report them all:
 * CHECK counts a failure and goes on; t_unit_done prints the verdict and
 * gives main its exit status. Header only (one test program each). */
#ifndef CRM_TEST_UNIT_H
#define CRM_TEST_UNIT_H

#include <stdio.h>

static int t_unit_failed;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            t_unit_failed++;                                                                       \
        }                                                                                          \
    } while (0)

/* Prints "name: ok" or the failure count; returns main's exit status. */
static inline int t_unit_done(const char *name)
{
    if (t_unit_failed) {
        fprintf(stderr, "%s: %d checks failed\n", name, t_unit_failed);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

#endif
