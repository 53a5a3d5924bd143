/* sse.h: a client of the gateway's event stream (GET /api/v1/events/stream)
 * for integration tests: a raw connection whose every byte read is kept,
 * so a test waits for the text it expects and then looks at all of it. */
#ifndef CRM_TEST_SSE_H
#define CRM_TEST_SSE_H

#include <stddef.h>

typedef struct {
    int fd;
    char *seen; /* everything read so far (the response head too) */
    size_t len;
} t_sse_t;

/* Opens a stream on the gateway at base as token; last (or NULL) is sent
 * as Last-Event-ID. */
void t_sse_open(t_sse_t *s, const char *base, const char *token, const char *last);

/* Reads until text appears (1) or the stream ends (0); fails the test when
 * neither happens within timeout_ms. */
int t_sse_wait(t_sse_t *s, const char *text, int timeout_ms);

void t_sse_close(t_sse_t *s);

#endif
