/* health.c: health reports built from the parts' snapshots (see health.h). */
#include "crm/health.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "crm/util.h"

struct crm_health {
    Crm__HealthCheck *checks;
    Crm__HealthCheck **ptrs;
    size_t n, cap;
};

crm_health_t *crm_health_new(void)
{
    return crm_calloc(1, sizeof(crm_health_t));
}

void crm_health_destroy(crm_health_t **h_p)
{
    crm_health_t *h = h_p ? *h_p : NULL;
    if (!h)
        return;
    *h_p = NULL;
    for (size_t i = 0; i < h->n; i++) {
        free(h->checks[i].name);
        free(h->checks[i].detail);
    }
    free(h->checks);
    free(h->ptrs);
    free(h);
}

static Crm__HealthCheck *s_add(crm_health_t *h, const char *name, int ok, const char *fmt,
                               va_list ap)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 8;
        h->checks = crm_realloc(h->checks, h->cap * sizeof *h->checks);
        h->ptrs = crm_realloc(h->ptrs, h->cap * sizeof *h->ptrs);
    }
    Crm__HealthCheck *c = &h->checks[h->n++];
    crm__health_check__init(c);
    c->name = crm_strdup(name);
    c->ok = ok != 0;
    c->detail = crm_vsprintf(fmt, ap);
    return c;
}

void crm_health_check(crm_health_t *h, const char *name, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_add(h, name, ok, fmt, ap);
    va_end(ap);
}

void crm_health_degraded(crm_health_t *h, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_add(h, name, 1, fmt, ap)->degraded = 1;
    va_end(ap);
}

int crm_health_ready(const crm_health_t *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (!h->checks[i].ok)
            return 0;
    return 1;
}

void crm_health_reply(const crm_health_t *h, Crm__HealthReply *reply)
{
    for (size_t i = 0; i < h->n; i++)
        h->ptrs[i] = &h->checks[i];
    reply->checks = h->ptrs;
    reply->n_checks = h->n;
    reply->ready = crm_health_ready(h);
}

/* ", last session lost 12 s ago: <why>", or "" (into buf). */
static const char *s_last_loss(const crm_db_health_t *d, char *buf, size_t size)
{
    buf[0] = '\0';
    if (d->last_error)
        snprintf(buf, size, "; last session lost %llu s ago: %s",
                 (unsigned long long)(d->last_error_ago_ms / 1000), d->last_error);
    return buf;
}

void crm_health_db(crm_health_t *h, const char *name, const crm_db_t *db)
{
    crm_db_health_t d;
    crm_db_health(db, &d);
    char loss[512];
    crm_health_check(h, name, d.ready > 0, "%d of %d connections usable; %llu rounds abandoned%s",
                     d.ready, d.size, (unsigned long long)d.abandoned,
                     s_last_loss(&d, loss, sizeof loss));
}

/* The "retention" check: degraded, naming the consumer, while one holds
 * retention or was passed by the ceiling. */
static void s_retention(crm_health_t *h, const crm_retention_report_t *rt)
{
    if (!rt->looked)
        return;
    if (rt->state == CRM_RETENTION_PASSED)
        crm_health_degraded(
            h, "retention",
            "consumer %s (applied %lld) is behind the oldest kept event %lld: the"
            " ceiling pruned events it had not applied; it rebuilds from a snapshot",
            rt->laggard, (long long)rt->applied, (long long)rt->oldest);
    else if (rt->state == CRM_RETENTION_HOLDING)
        crm_health_degraded(h, "retention",
                            "consumer %s holds retention: applied %lld, last report %lld s ago;"
                            " its events are kept up to the ceiling (%lld s)",
                            rt->laggard, (long long)rt->applied, (long long)rt->silent_s,
                            (long long)rt->ceiling_s);
    else if (rt->consumers == 0)
        crm_health_check(h, "retention", 1, "no consumer registered; keeping events %lld h",
                         (long long)rt->keep_hours);
    else
        crm_health_check(h, "retention", 1,
                         "%lld registered consumers; the furthest behind, %s, has applied %lld",
                         (long long)rt->consumers, rt->laggard, (long long)rt->applied);
}

void crm_health_relay(crm_health_t *h, const crm_relay_t *r)
{
    crm_relay_health_t rh;
    crm_relay_health(r, &rh);
    char loss[512];
    s_last_loss(&rh.session, loss, sizeof loss);
    if (rh.stalled_reason)
        crm_health_check(h, "relay", 0, "stalled for %llu ms at sequence %llu: %s%s",
                         (unsigned long long)rh.stalled_ms, (unsigned long long)rh.published,
                         rh.stalled_reason, loss);
    else if (rh.session.ready == 0)
        crm_health_check(h, "relay", 0, "its database session is down%s", loss);
    else if (rh.active)
        crm_health_check(h, "relay", 1, "publishing; sequence %llu",
                         (unsigned long long)rh.published);
    else
        crm_health_check(h, "relay", 1, "standing by (another instance relays)");
    s_retention(h, &rh.retention);
}

void crm_health_consumer(crm_health_t *h, const crm_consumer_t *c)
{
    crm_consumer_health_t ch;
    crm_consumer_health(c, &ch);
    char name[128], loss[512];
    snprintf(name, sizeof name, "consumer:%s", ch.producer);
    s_last_loss(&ch.session, loss, sizeof loss);
    const char *producer = ch.producer_stalled ? "; the producer's relay reports a stall" : "";
    unsigned long long applied = ch.applied,
                       lag = ch.announced > ch.applied ? ch.announced - ch.applied : 0;
    if (ch.stalled_reason)
        crm_health_check(h, name, 0, "stalled for %llu ms at %llu, %llu behind: %s%s%s",
                         (unsigned long long)ch.stalled_ms, applied, lag, ch.stalled_reason,
                         producer, loss);
    else if (ch.session.ready == 0)
        crm_health_check(h, name, 0, "its database session is down%s", loss);
    else if (ch.active)
        crm_health_check(h, name, 1, "applied %llu, %llu behind%s", applied, lag, producer);
    else
        crm_health_check(h, name, 1, "standing by (another instance consumes)");
}
