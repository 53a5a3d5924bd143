/* import_impl.h: what import.c, import_chunk.c and import_msg.c share
 * (crm/import.h): the statements' names, an import read from its row, who
 * owns it, and the domain's messages built from them. */
#ifndef CRM_IMPORT_IMPL_H
#define CRM_IMPORT_IMPL_H

#include "crm/import.h"

/* The name of k's statement suffix ("lock": "lead_imports_lock"). */
void import_stmt(char *out, size_t cap, const crm_import_kind_t *k, const char *suffix);

/* Fills imp from row i of r (the columns by name); strings point into r. */
void import_row(const PGresult *r, int i, crm_import_t *imp);

/* May the caller see and continue imp? (its creator, or an admin) */
int import_owned(const Crm__Caller *c, const crm_import_t *imp);

/* A domain's message under construction: the blocks it is built of. */
#define IMPORT_MSG_BLOCKS 8
typedef struct {
    void *blocks[IMPORT_MSG_BLOCKS];
    size_t n;
} import_msg_t;

/* The kind's messages (import_msg.c), built in m (zeroed; free with
 * import_msg_clear) and pointing into their arguments: an import, a page
 * of imports (total: the count asked for, or NULL), a chunk's reply. */
ProtobufCMessage *import_msg_import(import_msg_t *m, const crm_import_kind_t *k,
                                    const crm_import_t *imp);
ProtobufCMessage *import_msg_list(import_msg_t *m, const crm_import_kind_t *k,
                                  const crm_import_t *imps, size_t n, const char *next_cursor,
                                  const PGresult *total);
ProtobufCMessage *import_msg_reply(import_msg_t *m, const crm_import_kind_t *k,
                                   const crm_import_result_t *res, size_t n,
                                   const crm_import_t *imp);
void import_msg_clear(import_msg_t *m);
/* Field name of msg as an integer or bool (0 when msg has none): a chunk
 * request's import_id, seq, last. */
int64_t import_msg_int(const ProtobufCMessage *msg, const char *name);

#endif
