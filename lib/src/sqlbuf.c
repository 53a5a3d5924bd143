/* sqlbuf.c: SQL text with numbered parameters, built piece by piece (see
 * crm/sqlbuf.h). */
#include "crm/sqlbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"

struct crm_sqlbuf {
    char *text;
    size_t len, cap;
    char **params;
    int nparams, pcap;
};

crm_sqlbuf_t *crm_sqlbuf_new(void)
{
    crm_sqlbuf_t *sb = crm_calloc(1, sizeof *sb);
    sb->cap = 256;
    sb->text = crm_calloc(1, sb->cap);
    return sb;
}

void crm_sqlbuf_destroy(crm_sqlbuf_t **sb_p)
{
    crm_sqlbuf_t *sb = sb_p ? *sb_p : NULL;
    if (!sb)
        return;
    for (int i = 0; i < sb->nparams; i++)
        free(sb->params[i]);
    free(sb->params);
    free(sb->text);
    free(sb);
    *sb_p = NULL;
}

/* Makes room for n more characters and the NUL. */
static void s_reserve(crm_sqlbuf_t *sb, size_t n)
{
    if (sb->len + n + 1 <= sb->cap)
        return;
    while (sb->len + n + 1 > sb->cap)
        sb->cap *= 2;
    sb->text = crm_realloc(sb->text, sb->cap);
}

static void s_append(crm_sqlbuf_t *sb, const char *s, size_t n)
{
    s_reserve(sb, n);
    memcpy(sb->text + sb->len, s, n);
    sb->len += n;
    sb->text[sb->len] = '\0';
}

void crm_sqlbuf_add(crm_sqlbuf_t *sb, const char *text)
{
    s_append(sb, text, strlen(text));
}

void crm_sqlbuf_addf(crm_sqlbuf_t *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort(); /* out of memory, as crm_malloc */
    s_append(sb, s, (size_t)n);
    free(s);
}

int crm_sqlbuf_param(crm_sqlbuf_t *sb, const char *value)
{
    if (sb->nparams == sb->pcap) {
        sb->pcap = sb->pcap ? 2 * sb->pcap : 8;
        sb->params = crm_realloc(sb->params, (size_t)sb->pcap * sizeof *sb->params);
    }
    sb->params[sb->nparams++] = value ? crm_strdup(value) : NULL;
    return sb->nparams;
}

int crm_sqlbuf_param_i64(crm_sqlbuf_t *sb, int64_t value)
{
    char buf[24];
    return crm_sqlbuf_param(sb, crm_i64(buf, value));
}

int crm_sqlbuf_addp(crm_sqlbuf_t *sb, const char *text, const char *value)
{
    int n = crm_sqlbuf_param(sb, value);
    char num[16];
    int numlen = snprintf(num, sizeof num, "$%d", n);
    for (const char *p = text, *q; *p; p = q + 2) {
        q = strstr(p, "$?");
        if (!q) {
            crm_sqlbuf_add(sb, p);
            break;
        }
        s_append(sb, p, (size_t)(q - p));
        s_append(sb, num, (size_t)numlen);
    }
    return n;
}

int crm_sqlbuf_addp_i64(crm_sqlbuf_t *sb, const char *text, int64_t value)
{
    char buf[24];
    return crm_sqlbuf_addp(sb, text, crm_i64(buf, value));
}

size_t crm_sqlbuf_len(const crm_sqlbuf_t *sb)
{
    return sb->len;
}

char *crm_sqlbuf_cut(crm_sqlbuf_t *sb, size_t mark)
{
    if (mark > sb->len)
        mark = sb->len;
    char *out = crm_strdup(sb->text + mark);
    sb->len = mark;
    sb->text[mark] = '\0';
    return out;
}

const char *crm_sqlbuf_sql(const crm_sqlbuf_t *sb)
{
    return sb->text;
}

int crm_sqlbuf_nparams(const crm_sqlbuf_t *sb)
{
    return sb->nparams;
}

const char *const *crm_sqlbuf_params(const crm_sqlbuf_t *sb)
{
    return (const char *const *)sb->params;
}

void crm_sqlbuf_batch_add(const crm_sqlbuf_t *sb, crm_db_batch_t *b)
{
    crm_db_batch_add(b, sb->text, sb->nparams, crm_sqlbuf_params(sb));
}
