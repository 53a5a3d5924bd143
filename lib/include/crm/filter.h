/* filter.h: a list's filters as a table: request field (by its protobuf
 * name) → column, and how it filters. One table gives both the checks of
 * those fields and the SQL conditions, read from the request by its
 * descriptor:
 *
 *     static const crm_filter_t s_filters[] = {
 *         {.field = "statuses", .kind = CRM_FILTER_IN, .column = "status", .max_items = 6},
 *         {.field = "source", .kind = CRM_FILTER_EQ, .column = "source", .max_len = 50},
 *         {.field = "created_from_us", .kind = CRM_FILTER_RANGE, .column = "created_at", .to =
 * "created_to_us"},
 *         {.field = "tags", .kind = CRM_FILTER_TAGS, .column = "tags", .max_len = 30, .max_items =
 * 20},
 *     };
 *     if (crm_filter_check(s_filters, N, &req->base, &err) < 0) ...
 *     crm_filter_where(q, s_filters, N, &req->base); // " AND status = ANY($1::int[]) ..."
 *
 * A field at its default (empty string, 0, no values) filters nothing. */
#ifndef CRM_FILTER_H
#define CRM_FILTER_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "err.h"
#include "sqlbuf.h"

typedef enum {
    /* A string (not empty) or a number or enum (not 0): column = value.
     * Numbers must not be negative; enums must be values the proto names. */
    CRM_FILTER_EQ,
    /* Repeated numbers or enums: column = ANY(values). Numbers are ids
     * (at least 1); enums named values other than 0. */
    CRM_FILTER_IN,
    /* Two times in microseconds since the epoch, field and .to: column in
     * [from, to), either end open at 0. Neither negative, from before to. */
    CRM_FILTER_RANGE,
    /* Two numbers (amounts in minor units), field and .to: column in
     * [from, to), either end open at 0. Neither negative, from before to. */
    CRM_FILTER_SPAN,
    /* Two calendar dates "YYYY-MM-DD", field and .to: column (a date) in
     * [from, to), either end open when empty. From before to. */
    CRM_FILTER_DATES,
    /* Text: column contains it, any case, % and _ literal (ILIKE, which a
     * trigram index serves); spaces around it ignored. When it looks like
     * the start of a number (3 or more digits and dashes), also each of
     * .prefix's columns starting with it (a range a btree index serves). */
    CRM_FILTER_KEYWORD,
    /* Repeated strings: column (text[]) holds every one of them. Each
     * required, at most .max_len characters. */
    CRM_FILTER_TAGS,
} crm_filter_kind_t;

typedef struct {
    const char *field; /* the request field (its protobuf name) */
    crm_filter_kind_t kind;
    const char *column;    /* the SQL column (as the indexes have it) */
    const char *to;        /* RANGE, SPAN, DATES: the upper bound's field */
    const char *prefix[4]; /* KEYWORD: columns matched by prefix (NULL-ended) */
    /* KEYWORD: when set, the prefix columns match only rows where this SQL
     * condition holds: contacts a caller sees masked are not searched, so a
     * search never confirms what the mask hides. */
    const char *gate;
    /* KEYWORD with a gate: rows where the gate does not hold match only
     * when this part of column (the text no mask hides) contains the
     * keyword too; column keeps serving the index. NULL: column whole. */
    const char *open;
    int max_len;   /* strings: most characters (0: not a string filter) */
    int max_items; /* repeated: most values (0: no limit) */
} crm_filter_t;

/* Checks the fields of table[0..n) in req, in table order. Returns 0, or
 * -1 with *err (INVALID_ARGUMENT on the first field at fault). A table
 * naming a field req's message does not have is a programmer error
 * (assert). */
int crm_filter_check(const crm_filter_t *table, size_t n, const ProtobufCMessage *req,
                     crm_err_t *err);

/* Appends " AND <condition>" for each filter of table[0..n) that req sets,
 * its values as parameters. req should have passed crm_filter_check. */
void crm_filter_where(crm_sqlbuf_t *q, const crm_filter_t *table, size_t n,
                      const ProtobufCMessage *req);

#endif
