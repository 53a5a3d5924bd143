/* cursor.h: opaque page cursors for keyset paging. A list ordered by
 * (sort key, id) hands out, with each page, a cursor holding the last row's
 * key values; the next request passes it back and the list goes on after
 * that row. The cursor also carries a tag naming the order it belongs to
 * (e.g. "lead:created:desc"), so a cursor from another list or order is
 * refused rather than misread. On the wire it is base64url text (no
 * padding); callers must treat it as opaque. */
#ifndef CRM_CURSOR_H
#define CRM_CURSOR_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Longest cursor decode accepts, in characters. */
#define CRM_CURSOR_MAX 256

/* Encodes tag (no ':' in it) and keys[0..n) as a cursor. Caller frees. */
char *crm_cursor_encode(const char *tag, const int64_t *keys, size_t n);

/* Decodes cursor into keys[0..n). Returns 0, or -1 if it is not a cursor
 * of this tag with exactly n keys (malformed, truncated, another order). */
int crm_cursor_decode(const char *cursor, const char *tag, int64_t *keys, size_t n);

/* A page of a list read with LIMIT limit + 1, ordered by the id in column
 * 0: how many rows to show, and in *next the cursor (of tag) after the last
 * one shown, or NULL on the last page (caller frees). */
size_t crm_cursor_page(const PGresult *r, int limit, const char *tag, char **next);

#endif
