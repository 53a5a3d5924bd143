/* options.c: the configured lists of level, industry and source, read from
 * a domain's (kind, value) rows and checked in memory (see crm/options.h). */
#include "crm/options.h"

#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"

static const char *const s_kinds[CRM_OPTION_KINDS] = {"level", "industry", "source"};

void crm_options_read(const PGresult *r, crm_options_t *o)
{
    int n = PQntuples(r);
    for (int k = 0; k < CRM_OPTION_KINDS; k++) {
        o->values[k] = crm_calloc((size_t)n + 1, sizeof *o->values[k]);
        o->n[k] = 0;
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < CRM_OPTION_KINDS; k++)
            if (strcmp(crm_db_get(r, i, 0), s_kinds[k]) == 0)
                o->values[k][o->n[k]++] = crm_db_get(r, i, 1);
}

void crm_options_clear(crm_options_t *o)
{
    for (int k = 0; k < CRM_OPTION_KINDS; k++)
        free(o->values[k]);
    memset(o, 0, sizeof *o);
}

/* Is v empty, or in list[0..n)? */
static int s_listed(const char *v, const char *const *list, size_t n)
{
    if (!v || !*v)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

const char *crm_options_unlisted(const crm_options_t *o, const char *level, const char *industry,
                                 const char *source, const char **value)
{
    const char *v[CRM_OPTION_KINDS] = {level, industry, source};
    for (int k = 0; k < CRM_OPTION_KINDS; k++)
        if (!s_listed(v[k], o->values[k], o->n[k])) {
            *value = v[k];
            return s_kinds[k];
        }
    return NULL;
}
