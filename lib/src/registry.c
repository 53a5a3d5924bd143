/* registry.c: the suite registry handed over at start (crm/registry.h). */
#include "crm/registry.h"

#include <string.h>

static const crm_registry_t s_empty;
static const crm_registry_t *s_suite = &s_empty;

void crm_registry_set(const crm_registry_t *suite)
{
    s_suite = suite ? suite : &s_empty;
}

const crm_registry_t *crm_registry_get(void)
{
    return s_suite;
}

const crm_registry_domain_t *crm_registry_domain_of(const char *method)
{
    const char *dot = method ? strchr(method, '.') : NULL;
    if (!dot)
        return NULL;
    size_t len = (size_t)(dot - method);
    for (size_t i = 0; i < s_suite->n_domains; i++) {
        const crm_registry_domain_t *d = &s_suite->domains[i];
        for (const ProtobufCServiceDescriptor *const *svc = d->services; *svc; svc++)
            if (strlen((*svc)->short_name) == len && !memcmp((*svc)->short_name, method, len))
                return d;
    }
    return NULL;
}
