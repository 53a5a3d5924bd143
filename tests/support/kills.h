/* kills.h: a kill test's schedule as data. A step is a line of words,
 * "kill sales 0; start sales 0; sleep 200; kill customers 0": each command
 * in order (kill: SIGKILL and reap, h_kill; start: h_start; sleep:
 * milliseconds), so a test lists its rounds instead of writing a switch of
 * calls. */
#ifndef CRM_TEST_KILLS_H
#define CRM_TEST_KILLS_H

#include "harness.h"

/* Runs step (see above); an unknown word fails the test. */
void t_kills(h_t *h, const char *step);

/* Runs rounds[k] when i is the last of its chunk (i % chunk == chunk - 1,
 * k = i / chunk < n): the call a test makes after each unit of work. */
void t_kills_after(h_t *h, int i, int chunk, const char *const *rounds, size_t n);

#endif
