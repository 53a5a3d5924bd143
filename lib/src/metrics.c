/* metrics.c: the Prometheus text writer and the latency histogram (see
 * metrics.h). */
#include "crm/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"

static const double s_bounds[CRM_HIST_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10};
static const char *const s_bound_text[CRM_HIST_BUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};

struct crm_metrics {
    char *buf;
    size_t len, cap;
};

crm_metrics_t *crm_metrics_new(void)
{
    return crm_calloc(1, sizeof(crm_metrics_t));
}

void crm_metrics_destroy(crm_metrics_t **m_p)
{
    if (!m_p || !*m_p)
        return;
    free((*m_p)->buf);
    free(*m_p);
    *m_p = NULL;
}

const char *crm_metrics_text(const crm_metrics_t *m, size_t *len)
{
    *len = m->len;
    return m->buf ? m->buf : "";
}

static void s_put(crm_metrics_t *m, const char *s, size_t n)
{
    if (m->len + n + 1 > m->cap) {
        m->cap = (m->len + n + 1) * 2;
        m->buf = crm_realloc(m->buf, m->cap);
    }
    memcpy(m->buf + m->len, s, n);
    m->len += n;
    m->buf[m->len] = '\0';
}

static void s_puts(crm_metrics_t *m, const char *s)
{
    s_put(m, s, strlen(s));
}

/* A label value or help text escaped as the format says: backslash and
 * newline always, the double quote in label values. */
static void s_escaped(crm_metrics_t *m, const char *s, int quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            s_puts(m, "\\\\");
        else if (*s == '\n')
            s_puts(m, "\\n");
        else if (*s == '"' && quote)
            s_puts(m, "\\\"");
        else
            s_put(m, s, 1);
    }
}

static void s_number(crm_metrics_t *m, double v)
{
    char num[40];
    if (isnan(v))
        snprintf(num, sizeof num, "NaN");
    else if (isinf(v))
        snprintf(num, sizeof num, v > 0 ? "+Inf" : "-Inf");
    else if (v == (double)(int64_t)v && fabs(v) < 1e15)
        snprintf(num, sizeof num, "%lld", (long long)v);
    else
        snprintf(num, sizeof num, "%.9g", v);
    s_puts(m, num);
}

void crm_metrics_family(crm_metrics_t *m, const char *name, const char *type, const char *help)
{
    s_puts(m, "# HELP ");
    s_puts(m, name);
    s_puts(m, " ");
    s_escaped(m, help, 0);
    s_puts(m, "\n# TYPE ");
    s_puts(m, name);
    s_puts(m, " ");
    s_puts(m, type);
    s_puts(m, "\n");
}

/* name{labels,extra="value"} v: the labels from ap (pairs, NULL-ended),
 * then one more when extra is set. */
static void s_sample(crm_metrics_t *m, const char *name, const char *suffix, va_list ap,
                     const char *extra, const char *extra_value, double v)
{
    s_puts(m, name);
    s_puts(m, suffix);
    const char *k = va_arg(ap, const char *);
    if (k || extra) {
        s_puts(m, "{");
        int first = 1;
        for (; k; k = va_arg(ap, const char *)) {
            const char *val = va_arg(ap, const char *);
            s_puts(m, first ? "" : ",");
            s_puts(m, k);
            s_puts(m, "=\"");
            s_escaped(m, val ? val : "", 1);
            s_puts(m, "\"");
            first = 0;
        }
        if (extra) {
            s_puts(m, first ? "" : ",");
            s_puts(m, extra);
            s_puts(m, "=\"");
            s_puts(m, extra_value);
            s_puts(m, "\"");
        }
        s_puts(m, "}");
    }
    s_puts(m, " ");
    s_number(m, v);
    s_puts(m, "\n");
}

void crm_metrics_value(crm_metrics_t *m, const char *name, double value, ...)
{
    va_list ap;
    va_start(ap, value);
    s_sample(m, name, "", ap, NULL, NULL, value);
    va_end(ap);
}

void crm_hist_observe(crm_hist_t *h, double seconds)
{
    for (int i = 0; i < CRM_HIST_BUCKETS; i++)
        if (seconds <= s_bounds[i]) {
            h->bucket[i]++;
            break;
        }
    h->count++;
    h->sum += seconds;
}

void crm_metrics_hist(crm_metrics_t *m, const char *name, const crm_hist_t *h, ...)
{
    va_list ap;
    uint64_t cumulative = 0;
    for (int i = 0; i < CRM_HIST_BUCKETS; i++) {
        cumulative += h->bucket[i];
        va_start(ap, h);
        s_sample(m, name, "_bucket", ap, "le", s_bound_text[i], (double)cumulative);
        va_end(ap);
    }
    va_start(ap, h);
    s_sample(m, name, "_bucket", ap, "le", "+Inf", (double)h->count);
    va_end(ap);
    va_start(ap, h);
    s_sample(m, name, "_sum", ap, NULL, NULL, h->sum);
    va_end(ap);
    va_start(ap, h);
    s_sample(m, name, "_count", ap, NULL, NULL, (double)h->count);
    va_end(ap);
}
