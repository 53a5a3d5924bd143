/* util.h: small helpers every module needs: clocks, ids, allocation. */
#ifndef CRM_UTIL_H
#define CRM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Wall clock, microseconds since the epoch (UTC). */
int64_t crm_now_us(void);

/* Monotonic clock, milliseconds. */
uint64_t crm_mono_ms(void);

/* Writes a random (version 4) UUID as 36 characters plus NUL into out. */
void crm_uuid(char out[37]);

/* Allocation that aborts on out-of-memory, as h2o_mem_alloc does: callers
 * never check for NULL. */
void *crm_malloc(size_t n);
void *crm_calloc(size_t n, size_t size);
void *crm_realloc(void *p, size_t n);
/* p, an array of *n elements of size bytes with room for *cap, with one
 * more element at its end, zeroed: *n moves on; the array is reallocated
 * (doubling, from 64) when full. Returns the array (it may move). */
void *crm_push(void *p, size_t *n, size_t *cap, size_t size);
char *crm_strdup(const char *s);
char *crm_strndup(const char *s, size_t n);
/* A copy of s without the spaces and tabs around it; caller frees. */
char *crm_strtrim(const char *s);
char *crm_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *crm_vsprintf(const char *fmt, va_list ap);

/* Formats v as decimal into buf (at least 24 bytes) and returns buf. */
char *crm_i64(char *buf, int64_t v);

/* Parses a whole string as a signed 64-bit decimal. Returns 0, or -1 if s is
 * not exactly a number in range. */
int crm_parse_i64(const char *s, int64_t *out);

/* Splits a comma-separated list; returns the count and an array of strings
 * (caller frees with crm_strv_free). Empty items are dropped. */
size_t crm_split_csv(const char *csv, char ***out);
void crm_strv_free(char **v, size_t n);

#endif
