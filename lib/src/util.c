/* util.c: clocks, UUIDs, allocation that aborts on out-of-memory, and small
 * string helpers. */
#include "crm/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int64_t crm_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t crm_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void crm_uuid(char out[37])
{
    uint8_t b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            abort();
        }
        got += (size_t)n;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

static void *s_check(void *p)
{
    if (!p) {
        fputs("{\"level\":\"error\",\"msg\":\"out of memory\"}\n", stderr);
        abort();
    }
    return p;
}

void *crm_malloc(size_t n)
{
    return s_check(malloc(n ? n : 1));
}

void *crm_calloc(size_t n, size_t size)
{
    return s_check(calloc(n ? n : 1, size ? size : 1));
}

void *crm_realloc(void *p, size_t n)
{
    return s_check(realloc(p, n ? n : 1));
}

void *crm_push(void *p, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        p = crm_realloc(p, *cap * size);
    }
    memset((char *)p + *n * size, 0, size);
    (*n)++;
    return p;
}

char *crm_strdup(const char *s)
{
    return s_check(strdup(s ? s : ""));
}

char *crm_strndup(const char *s, size_t n)
{
    return s_check(strndup(s, n));
}

char *crm_vsprintf(const char *fmt, va_list ap)
{
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0)
        s_check(NULL);
    return out;
}

char *crm_sprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = crm_vsprintf(fmt, ap);
    va_end(ap);
    return out;
}

char *crm_i64(char *buf, int64_t v)
{
    /* By hand: snprintf costs more than the rest of a cell of an export. */
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    *--p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    memcpy(buf, p, (size_t)(tmp + sizeof tmp - p));
    return buf;
}

int crm_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

size_t crm_split_csv(const char *csv, char ***out)
{
    size_t n = 0, cap = 4;
    char **v = crm_malloc(cap * sizeof *v);
    const char *p = csv ? csv : "";
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            if (n == cap)
                v = crm_realloc(v, (cap *= 2) * sizeof *v);
            v[n++] = crm_strndup(p, len);
        }
        if (!e)
            break;
        p = e + 1;
    }
    *out = v;
    return n;
}

void crm_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

char *crm_strtrim(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return crm_strndup(s, n);
}
