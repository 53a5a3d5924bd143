/* list.h: the list layer: one page check and a keyset query builder for
 * every list (of a service or the gateway), over crm/sqlbuf.h and
 * crm/cursor.h. Filters are crm/filter.h, rows into messages
 * crm/rowmap.h.
 *
 * A list is read in pages by keyset: ORDER BY its keys (the last one the
 * id, so the order is total), after the previous page's last row (a
 * cursor holding its keys), LIMIT page size + 1 (the extra row says a next
 * page exists). A list declares its order once:
 *
 *     static const crm_key_t s_keys[] = {
 *         {.sql = "created_at", .column = "created_at_us", .type = CRM_KEY_TIME},
 *         CRM_KEY_ID};
 *     static const crm_keyset_t s_order = {.tag = "lead:created", .keys = s_keys, .n = 2};
 *
 * and a handler checks the request and builds its statement:
 *
 *     crm_page_t pg;
 *     if (!crm_check_page(call, &pg, &s_order, req->limit, 20, req->cursor))
 *         return;
 *     crm_sqlbuf_add(q, "SELECT ... FROM leads WHERE deleted_at IS NULL");
 *     crm_page_tail(q, &pg); // AND (created_at, id) < (...) ORDER BY ... LIMIT 21
 *     ...
 *     size_t shown = crm_page_rows(&pg, r, &next_cursor);
 *
 * An export walks the same statement page after page with
 * crm_page_advance instead of cursors.
 *
 * A caller that reads a whole list page by page (the gateway's exports,
 * `walk` in the RPC envelope) may ask pages of up to CRM_PAGE_WALK_MAX
 * rows: each page costs a statement and a round trip, so a walk of a
 * million rows in pages of 200 spends most of its time on them. The
 * adapter crm_check_page allows it for such a call; a public list's limit
 * stays 1 to CRM_PAGE_MAX.
 *
 * A total on request: a list request has `bool total`, its reply
 * `oneof has_total { int64 total = n; }` (absent unless set; protoc-c has
 * no proto3 `optional`). The handler keeps the statement before its tail
 * (scope and filters, no keyset), and when asked sends its count in the
 * same batch; the reply carries it:
 *
 *     if (req->total)
 *         crm_page_count_add(q, b);         // before crm_page_tail(q, &pg)
 *     ...
 *     crm_page_set_total(&list.base, res->results[k]);
 *
 * so the total counts the rows of the same scope and filters, every page
 * alike. */
#ifndef CRM_LIST_H
#define CRM_LIST_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "cursor.h"
#include "err.h"
#include "sqlbuf.h"

/* The largest page a caller may ask for. */
#define CRM_PAGE_MAX 200
/* The largest page of a call that walks the whole list (see above). */
#define CRM_PAGE_WALK_MAX 5000
/* The most keys an order has (the id included). */
#define CRM_KEYS_MAX 4

/* A list's order: its cursors' tag (naming the list and order, so a cursor
 * of another is refused), its keys (the last unique), the direction. */
typedef struct {
    const char *tag;
    const crm_key_t *keys;
    size_t n;
    int ascending;
} crm_keyset_t;

/* A request's page: its order, size, and where it starts. */
typedef struct {
    const crm_keyset_t *ks;
    int limit;                   /* rows to show, 1..CRM_PAGE_MAX (CRM_PAGE_WALK_MAX) */
    int after_set;               /* 0: the first page */
    int64_t after[CRM_KEYS_MAX]; /* the keys of the last row seen (0s on the first page) */
} crm_page_t;

/* The page check, the one for every list: limit (0: def_limit; else 1 to
 * CRM_PAGE_MAX) and cursor ("": the first page; else one of ks's tag with
 * its number of keys) into *pg. Returns 0, or -1 with *err naming the field
 * (limit, cursor). The RPC adapter is crm_check_page (crm/check.h). */
int crm_page_check(crm_page_t *pg, const crm_keyset_t *ks, int32_t limit, int def_limit,
                   const char *cursor, crm_err_t *err);
/* The same with another largest page (CRM_PAGE_MAX or CRM_PAGE_WALK_MAX:
 * crm_page_max of a call, crm/check.h). */
int crm_page_check_max(crm_page_t *pg, const crm_keyset_t *ks, int32_t limit, int def_limit,
                       int max, const char *cursor, crm_err_t *err);

/* The first page of ks, limit rows (exports, internal walks). */
void crm_page_first(crm_page_t *pg, const crm_keyset_t *ks, int limit);

/* Appends " AND (k1, ..., id) > (...)" (< when descending): the rows after
 * the cursor; nothing on the first page. Values are parameters. */
void crm_page_where(crm_sqlbuf_t *q, const crm_page_t *pg);
/* Appends " ORDER BY k1 DESC, ..., id DESC" (the keys as the indexes have
 * them: a time that may be NULL as COALESCE(t, '±infinity')). */
void crm_page_order(crm_sqlbuf_t *q, const crm_keyset_t *ks);
/* Appends " LIMIT <limit + 1>". */
void crm_page_limit(crm_sqlbuf_t *q, const crm_page_t *pg);
/* The three, in that order: the end of a simple list statement. */
void crm_page_tail(crm_sqlbuf_t *q, const crm_page_t *pg);

/* A page read with the statement above: how many rows of r to show, and in
 * *next the cursor after the last one shown (its key columns read by name)
 * or NULL on the last page (caller frees). */
size_t crm_page_rows(const crm_page_t *pg, const PGresult *r, char **next);

/* Moves pg after the last row shown of r (a page read as above) for the
 * next statement. Returns 1 if there is a next page, 0 if r was the last,
 * -1 if a key column is missing from r. */
int crm_page_advance(crm_page_t *pg, const PGresult *r);

/* Adds to b "SELECT count(*) AS total FROM (<q so far>) AS c" with q's
 * parameters: the count of the list's rows in its scope and filters (q
 * without its page tail). */
void crm_page_count_add(const crm_sqlbuf_t *q, crm_db_batch_t *b);

/* The end of a list statement q (scope and filters written): adds to b
 * the page (q with its tail: crm_page_tail) and, when total, after it the
 * count of q's rows (crm_page_count_add). Destroys *q_p. */
void crm_page_batch_add(crm_sqlbuf_t **q_p, const crm_page_t *pg, int total, crm_db_batch_t *b);

/* A list's rows with a keyword of 3 characters or more (a trigram
 * index's): first the `window` most recent rows of the list without it, in
 * its order; if they hold a page of matches, those are the page (any later
 * match sorts after them); else every match through the index, then the
 * order. A common keyword stops early, a rare one has few matches to sort;
 * PostgreSQL runs a branch only when its one-time condition holds.
 *
 * Appends to q the statement selecting columns from table (aliased alias,
 * its live rows `<alias>.deleted_at IS NULL`), scope(q, arg) appending the
 * caller's scope (" AND ..."), base the view's and filters' conditions and
 * the keyset's, kw the keyword's, order (crm_page_order's text), limit the
 * page size. */
typedef void (*crm_list_scope_fn)(crm_sqlbuf_t *q, const void *arg);
void crm_list_keyword_shape(crm_sqlbuf_t *q, const char *table, const char *alias,
                            const char *columns, crm_list_scope_fn scope, const void *arg,
                            const char *base, const char *kw, const char *order, int limit,
                            int window);

/* A list of a few owners' rows (a manager's, an owner filter's: 2 to a few
 * dozen): each owner's first rows read from its (owner_id, keys) index and
 * merged, so a page costs owners x page size however the rows lie in
 * time. Appends to q the statement selecting columns (written on alias)
 * from table's live rows (deleted_at IS NULL) of owners[0..n), cond the
 * view's, filters' and keyset's conditions (" AND ...", on the table's
 * columns unqualified), order crm_page_order's text, limit the page size. */
void crm_list_owners_shape(crm_sqlbuf_t *q, const char *table, const char *alias,
                           const char *columns, const int64_t *owners, size_t n, const char *cond,
                           const char *order, int limit);

/* Sets the field "total" (an int64 alone in its oneof) of the list reply msg from the
 * column total of r (a result of crm_page_count_add). */
void crm_page_set_total(ProtobufCMessage *msg, const PGresult *r);

#endif
