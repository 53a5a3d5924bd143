/* err.c: errors as values (see crm/err.h). */
#include "crm/err.h"

#include <stdarg.h>
#include <stdio.h>

static int s_set(crm_err_t *err, Crm__Status status, const char *field, const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    err->status = status == CRM__STATUS__OK ? CRM__STATUS__INTERNAL : status;
    err->field = field;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return -1;
}

int crm_err_set(crm_err_t *err, Crm__Status status, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_set(err, status, field, fmt, ap);
    va_end(ap);
    return -1;
}

int crm_err_invalid(crm_err_t *err, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_set(err, CRM__STATUS__INVALID_ARGUMENT, field, fmt, ap);
    va_end(ap);
    return -1;
}

int crm_errs_invalid(crm_errs_t *errs, const char *field, const char *fmt, ...)
{
    if (errs->n >= CRM_ERRS_MAX)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    s_set(&errs->e[errs->n++], CRM__STATUS__INVALID_ARGUMENT, field, fmt, ap);
    va_end(ap);
    return -1;
}
