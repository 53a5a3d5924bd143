/* webhooks_rules.c: the pure rules of subscriptions: URLs, event type
 * patterns and given secrets, as error values (crm/err.h); no database,
 * no RPC, unit-tested in tests/unit/test_webhooks_rules.c. */
#include <ctype.h>
#include <sodium.h>
#include <string.h>

#include "crm/event_types.h"
#include "crm/registry.h"
#include "webhooks.h"

#define URL_MAX 2000
#define PATTERNS_MAX 50

int wh_check_url(const char *url, crm_err_t *err)
{
    const char *host;
    if (!strncmp(url, "http://", 7))
        host = url + 7;
    else if (!strncmp(url, "https://", 8))
        host = url + 8;
    else
        return crm_err_invalid(err, "url", "url must start with http:// or https://");
    if (strlen(url) > URL_MAX)
        return crm_err_invalid(err, "url", "url must be at most %d bytes", URL_MAX);
    if (!*host || *host == '/' || *host == ':' || *host == '?')
        return crm_err_invalid(err, "url", "url has no host");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return crm_err_invalid(err, "url", "url must not hold spaces or control characters");
    return 0;
}

/* A word of a pattern: [a-z0-9_]+ of n bytes. */
static int s_word(const char *w, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)w[i]) && !isdigit((unsigned char)w[i]) && w[i] != '_')
            return 0;
    return 1;
}

int wh_pattern_matches(const char *pattern, const char *type)
{
    size_t n = strlen(pattern);
    if (!strcmp(pattern, "*"))
        return !crm_event_internal(type);
    if (n >= 2 && !strcmp(pattern + n - 2, ".*"))
        return !strncmp(pattern, type, n - 1);
    return !strcmp(pattern, type);
}

int wh_check_pattern(const char *p, crm_err_t *err)
{
    const char *dot = strchr(p, '.');
    int ok = !strcmp(p, "*") || (dot && s_word(p, (size_t)(dot - p)) &&
                                 (!strcmp(dot + 1, "*") || s_word(dot + 1, strlen(dot + 1))));
    if (!ok)
        return crm_err_invalid(err, "event_types",
                               "pattern \"%.60s\" is not \"*\", \"<domain>.*\" or an event type",
                               p);
    const crm_registry_t *r = crm_registry_get();
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].type[0] != '_' && wh_pattern_matches(p, r->events[i].type))
            return 0;
    return crm_err_invalid(err, "event_types", "pattern \"%.60s\" matches no event type", p);
}

int wh_check_patterns(char *const *p, size_t n, const char *field, crm_err_t *err)
{
    if (n == 0)
        return crm_err_invalid(err, field, "event_types must name at least one pattern");
    if (n > PATTERNS_MAX)
        return crm_err_invalid(err, field, "at most %d patterns", PATTERNS_MAX);
    for (size_t i = 0; i < n; i++)
        if (wh_check_pattern(p[i], err) < 0)
            return -1;
    return 0;
}

int wh_check_secret(const char *s, crm_err_t *err)
{
    size_t plen = strlen(WH_SECRET_PREFIX);
    if (strncmp(s, WH_SECRET_PREFIX, plen))
        return crm_err_invalid(err, "secret", "secret must start with " WH_SECRET_PREFIX);
    unsigned char key[128];
    size_t n = 0;
    const char *b64 = s + plen;
    if (strlen(b64) > 100 ||
        sodium_base642bin(key, sizeof key, b64, strlen(b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n < 24 || n > 64)
        return crm_err_invalid(
            err, "secret", "secret must be " WH_SECRET_PREFIX "and the base64 of 24 to 64 bytes");
    return 0;
}
