/* trace.c: the current trace id (see trace.h). */
#include "crm/trace.h"

#include <stdio.h>
#include <string.h>

#include "crm/util.h"

static crm_trace_t s_current;

const char *crm_trace(void)
{
    return s_current.id[0] ? s_current.id : NULL;
}

int crm_trace_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > CRM_TRACE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

crm_trace_t crm_trace_swap(const char *id)
{
    crm_trace_t was = s_current;
    if (crm_trace_valid(id))
        snprintf(s_current.id, sizeof s_current.id, "%s", id);
    else
        s_current.id[0] = '\0';
    return was;
}

void crm_trace_restore(const crm_trace_t *was)
{
    s_current = *was;
}

crm_trace_t crm_trace_keep(void)
{
    return s_current;
}

void crm_trace_new(char out[33])
{
    char uuid[37];
    crm_uuid(uuid);
    size_t k = 0;
    for (size_t i = 0; uuid[i] && k < 32; i++)
        if (uuid[i] != '-')
            out[k++] = uuid[i];
    out[k] = '\0';
}
