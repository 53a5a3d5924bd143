/* err.h: an error as a value: a status, the request field at fault and a
 * message, the shape of every RPC error (and of PostgreSQL's ereport: a
 * code, a primary message, what it is about). A check that returns one
 * does not know how it is answered; one adapter per transport answers it
 * (crm_rpc_fail_err for RPC, the gateway's gw_call_fail_err for HTTP). */
#ifndef CRM_ERR_H
#define CRM_ERR_H

#include "rpc.pb-c.h"

typedef struct {
    Crm__Status status; /* CRM__STATUS__OK: no error */
    const char *field;  /* the request field at fault (static text), or NULL */
    char message[512];
} crm_err_t;

/* Sets *err and returns -1, so a check can end with
 * `return crm_err_set(err, ...)`. err may be NULL (nobody asks why). */
int crm_err_set(crm_err_t *err, Crm__Status status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The same with INVALID_ARGUMENT, the status of every bad request field. */
int crm_err_invalid(crm_err_t *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Several errors of one request (a form with more than one bad field), at
 * most CRM_ERRS_MAX; the first decides the status. Zero it to start. */
#define CRM_ERRS_MAX 16
typedef struct {
    crm_err_t e[CRM_ERRS_MAX];
    size_t n;
} crm_errs_t;

/* Adds an INVALID_ARGUMENT error on field (static text) to errs (dropped
 * past CRM_ERRS_MAX); returns -1. */
int crm_errs_invalid(crm_errs_t *errs, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
