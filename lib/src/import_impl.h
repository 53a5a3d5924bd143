/* import_impl.h: what import.c and import_chunk.c share (crm/import.h):
 * the statements' names, an import read from its row, who owns it. */
#ifndef CRM_IMPORT_IMPL_H
#define CRM_IMPORT_IMPL_H

#include "crm/import.h"

/* The name of k's statement suffix ("lock": "lead_imports_lock"). */
void import_stmt(char *out, size_t cap, const crm_import_kind_t *k, const char *suffix);

/* Fills imp from row i of r (the columns by name); strings point into r. */
void import_row(const PGresult *r, int i, crm_import_t *imp);

/* May the caller see and continue imp? (its creator, or an admin) */
int import_owned(const Crm__Caller *c, const crm_import_t *imp);

#endif
