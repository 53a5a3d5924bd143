/* check.h: request checks that answer the call themselves. Each returns 1
 * when the value is fine; otherwise it fails the call with
 * INVALID_ARGUMENT, the field's name and why, and returns 0: the handler
 * just returns. */
#ifndef CRM_CHECK_H
#define CRM_CHECK_H

#include <stdint.h>

#include "list.h"
#include "rpc.h"

/* Valid UTF-8 of at most max characters; not empty if required. */
int crm_check_text(crm_rpc_call_t *call, const char *field, const char *value, long max,
                   int required);

/* An id: at least 1. */
int crm_check_id(crm_rpc_call_t *call, const char *field, int64_t id);

/* An optional e-mail address (empty is fine). */
int crm_check_email(crm_rpc_call_t *call, const char *field, const char *value);

/* An optional mobile number, normalised into out (empty stays empty). */
int crm_check_mobile(crm_rpc_call_t *call, const char *field, const char *value, char out[12]);

/* An optional landline, normalised into out (cap >= 24; empty stays empty). */
int crm_check_landline(crm_rpc_call_t *call, const char *field, const char *value, char *out,
                       size_t cap);

/* An optional instant in microseconds since the epoch: 0 (not set), or
 * positive and before the year 10000 (what RFC 3339 can write). */
int crm_check_time(crm_rpc_call_t *call, const char *field, int64_t us);

/* The page check of crm/list.h answered over RPC: a limit up to
 * crm_page_max(call). */
int crm_check_page(crm_rpc_call_t *call, crm_page_t *pg, const crm_keyset_t *ks, int32_t limit,
                   int def_limit, const char *cursor);

/* A duplicate check's question (查重, every domain's): an optional name
 * (trimmed into *name, caller frees), mobile and landline (normalised into
 * mobile and telephone, cap 32), at least one of the three. 1 if fine. */
int crm_check_dedup(crm_rpc_call_t *call, const char *name_in, const char *mobile_in,
                    const char *telephone_in, char **name, char mobile[12], char telephone[32]);

/* crm_page_rows (crm/list.h) for call: the rows of r to show and the next
 * cursor in *next (caller frees), which the call is told at once
 * (crm_rpc_call_next_page: a walk's next page is read ahead while this one
 * is made and sent). Every list's handler reads its page with it. */
size_t crm_call_page_rows(crm_rpc_call_t *call, const crm_page_t *pg, const PGresult *r,
                          char **next);

/* Replies to call with a page read by keyset (crm/list.h): a list message
 * of type d (its repeated message field "items", string "next_cursor" and
 * oneof "total") with the rows of r shown (crm_call_page_rows), each mapped by
 * column name (crm/rowmap.h), and the count of total (a result of
 * crm_page_count_add; NULL: none). A row that cannot fill its item fails
 * the call. */
void crm_reply_page(crm_rpc_call_t *call, const crm_page_t *pg, const ProtobufCMessageDescriptor *d,
                    const PGresult *r, const PGresult *total);

/* What a list's handler does to the page's list message, filled, before
 * it is sent (masking what the caller may not see): arg is the handler's;
 * what the hook points the items at must live until crm_reply_page_fixed
 * returns. */
typedef void (*crm_page_fix_fn)(ProtobufCMessage *list, void *arg);

/* crm_reply_page with fix (NULL: none) run on the list before the reply. */
void crm_reply_page_fixed(crm_rpc_call_t *call, const crm_page_t *pg,
                          const ProtobufCMessageDescriptor *d, const PGresult *r,
                          const PGresult *total, crm_page_fix_fn fix, void *arg);

/* A transfer's request (转移, every domain's): 1..max distinct ids (ids), a
 * new owner (to_owner_id), a department >= 0 (to_department_id; 0: the new
 * owner's), a reason of at most 500 characters. 1 if fine. */
int crm_check_transfer(crm_rpc_call_t *call, const int64_t *ids, size_t n, size_t max,
                       int64_t to_owner, int64_t to_department, const char *reason);

/* Submits *b_p (taken: a list's page statement, then its count when total)
 * on db and answers call with the page, a list message of type d
 * (crm_reply_page); pg and its order are copied. */
void crm_page_submit(crm_rpc_call_t *call, crm_db_t *db, crm_db_batch_t **b_p, const crm_page_t *pg,
                     int total, const ProtobufCMessageDescriptor *d);

/* Reads one record for call: stmt (prepared on db) run with id as its only
 * parameter; replies with its first row mapped by column name into a
 * message of type d, or, when there is none, fails NOT_FOUND on field "id"
 * ("<noun> <id> not found"). Checks the id first (crm_check_id). */
void crm_reply_one(crm_rpc_call_t *call, crm_db_t *db, const char *stmt, int64_t id,
                   const ProtobufCMessageDescriptor *d, const char *noun);

/* The largest page call may ask for: CRM_PAGE_WALK_MAX when it walks a
 * whole list (crm_rpc_call_walks), else CRM_PAGE_MAX. A handler that checks
 * the page again in its callback passes it to crm_page_check_max. */
int crm_page_max(const crm_rpc_call_t *call);

#endif
