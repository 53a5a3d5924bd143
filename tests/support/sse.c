/* sse.c: the event stream's test client (see sse.h). */
#include "sse.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness.h"
#include "http.h"

void t_sse_open(t_sse_t *s, const char *base, const char *token, const char *last)
{
    memset(s, 0, sizeof *s);
    s->seen = crm_strdup("");
    s->fd = t_raw_connect(base);
    char *extra = last ? crm_sprintf("Last-Event-ID: %s\r\n", last) : crm_strdup("");
    char *req = crm_sprintf("GET /api/v1/events/stream HTTP/1.1\r\nHost: t\r\n"
                            "Authorization: Bearer %s\r\n%s\r\n",
                            token, extra);
    free(extra);
    t_raw_write(s->fd, req);
    free(req);
}

int t_sse_wait(t_sse_t *s, const char *text, int timeout_ms)
{
    uint64_t until = crm_mono_ms() + (uint64_t)timeout_ms;
    while (!strstr(s->seen, text)) {
        int left = (int)(until - crm_mono_ms());
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            H_CHECK(0, "no \"%s\" within %d ms; got: %s", text, timeout_ms, s->seen);
        char buf[4096];
        ssize_t n = read(s->fd, buf, sizeof buf);
        if (n <= 0)
            return 0;
        s->seen = crm_realloc(s->seen, s->len + (size_t)n + 1);
        memcpy(s->seen + s->len, buf, (size_t)n);
        s->len += (size_t)n;
        s->seen[s->len] = 0;
    }
    return 1;
}

void t_sse_close(t_sse_t *s)
{
    close(s->fd);
    free(s->seen);
}
