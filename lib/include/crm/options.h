/* options.h: the configured lists (数据字典) a record's level, industry and
 * source take, as a domain keeps them (leads' lead_options, customers'
 * customer_options: rows of (kind, value)), read once and checked in
 * memory, as an import checks thousands of rows against them. */
#ifndef CRM_OPTIONS_H
#define CRM_OPTIONS_H

#include <libpq-fe.h>
#include <stddef.h>

/* The lists, in the order level, industry, source. */
enum { CRM_OPTION_LEVEL, CRM_OPTION_INDUSTRY, CRM_OPTION_SOURCE, CRM_OPTION_KINDS };

typedef struct {
    const char **values[CRM_OPTION_KINDS];
    size_t n[CRM_OPTION_KINDS];
} crm_options_t;

/* Reads the lists from r, rows of (kind, value) in that column order; the
 * values point into r. Free with crm_options_clear. */
void crm_options_read(const PGresult *r, crm_options_t *o);

/* Frees what o holds; safe on a zeroed one. */
void crm_options_clear(crm_options_t *o);

/* The first of level, industry and source (in that order) that is given
 * (not NULL or "") and not in its list: its field name ("level"), with
 * its value in *value; NULL when all are fine. Pure. */
const char *crm_options_unlisted(const crm_options_t *o, const char *level, const char *industry,
                                 const char *source, const char **value);

#endif
