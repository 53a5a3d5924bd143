/* sqlbuf.h: SQL text built piece by piece together with its parameters, for
 * statements whose shape depends on the request (lists with optional
 * filters, views and orders). Each parameter gets the next number ($1, $2,
 * ...); the text refers to it by that number, so one value may be used in
 * several places. The statement is sent unprepared (its text has spaces,
 * see crm_db_batch_add); values travel as parameters, never in the text.
 *
 *     crm_sqlbuf_t *q = crm_sqlbuf_new();
 *     crm_sqlbuf_add(q, "SELECT id FROM leads WHERE deleted_at IS NULL");
 *     if (*source)
 *         crm_sqlbuf_addp(q, " AND source = $?", source);
 *     crm_sqlbuf_batch_add(q, b);
 *     crm_sqlbuf_destroy(&q);
 */
#ifndef CRM_SQLBUF_H
#define CRM_SQLBUF_H

#include <stdint.h>

#include "db.h"

typedef struct crm_sqlbuf crm_sqlbuf_t;

/* A new, empty statement. Caller owns it (crm_sqlbuf_destroy). */
crm_sqlbuf_t *crm_sqlbuf_new(void);

/* Frees sb; safe on NULL; sets *sb_p to NULL. */
void crm_sqlbuf_destroy(crm_sqlbuf_t **sb_p);

/* Appends text as it is. */
void crm_sqlbuf_add(crm_sqlbuf_t *sb, const char *text);
void crm_sqlbuf_addf(crm_sqlbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds a parameter (copied; NULL is SQL NULL) and returns its number, for
 * text written with crm_sqlbuf_addf("... $%d ...", n). */
int crm_sqlbuf_param(crm_sqlbuf_t *sb, const char *value);
int crm_sqlbuf_param_i64(crm_sqlbuf_t *sb, int64_t value);

/* Adds value as a new parameter and appends text with every "$?" in it
 * replaced by that parameter's "$n". Returns n. */
int crm_sqlbuf_addp(crm_sqlbuf_t *sb, const char *text, const char *value);
int crm_sqlbuf_addp_i64(crm_sqlbuf_t *sb, const char *text, int64_t value);

/* Fragments: the text's length now, and the text appended since mark
 * (a length it had), cut off and returned (caller frees). The parameters
 * stay, so a fragment built once (its values numbered with the
 * statement's) can be placed where it belongs, even twice. */
size_t crm_sqlbuf_len(const crm_sqlbuf_t *sb);
char *crm_sqlbuf_cut(crm_sqlbuf_t *sb, size_t mark);

/* The text so far (valid until the next change), the number of parameters
 * and their values. */
const char *crm_sqlbuf_sql(const crm_sqlbuf_t *sb);
int crm_sqlbuf_nparams(const crm_sqlbuf_t *sb);
const char *const *crm_sqlbuf_params(const crm_sqlbuf_t *sb);

/* Adds the statement to batch b (text and values are copied). */
void crm_sqlbuf_batch_add(const crm_sqlbuf_t *sb, crm_db_batch_t *b);

#endif
