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

/* A key of a keyset order, and where a row holds its value. */
typedef enum { CRM_KEY_BIGINT, CRM_KEY_TIME } crm_key_type_t;
typedef struct {
    const char *sql;    /* the key's table column ("id", "created_at") */
    const char *column; /* the result column of its value: the bigint, or
                           for a time microseconds since the epoch, 0 for
                           NULL ("id", "created_at_us") */
    crm_key_type_t type;
    int nulls; /* a time that may be NULL sorts as +infinity (+1) or
                  -infinity (-1); 0: never NULL */
} crm_key_t;

/* The key every keyset order ends with, or is alone: the row's id. */
#define CRM_KEY_ID                                                                                 \
    {                                                                                              \
        .sql = "id", .column = "id", .type = CRM_KEY_BIGINT                                        \
    }

/* Reads the values of keys[0..n) from row `row` of r into out, each from
 * its column by name; a NULL time (0) as INT64_MAX or INT64_MIN as its
 * nulls say. Returns 0, or -1 if a column is missing from r. */
int crm_cursor_row_keys(const PGresult *r, int row, const crm_key_t *keys, size_t n, int64_t *out);

/* The cursor of tag after row `row` of r (keys as crm_cursor_row_keys
 * reads them). Caller frees; NULL if a key column is missing. */
char *crm_cursor_of_row(const PGresult *r, int row, const char *tag, const crm_key_t *keys,
                        size_t n);

/* A page of a list keyed by id alone, read with LIMIT limit + 1: how many
 * rows to show, and in *next the cursor (of tag) after the last one shown
 * (its column "id"), or NULL on the last page (caller frees). See
 * crm/list.h for lists ordered by other keys. */
size_t crm_cursor_page(const PGresult *r, int limit, const char *tag, char **next);

#endif
