/* org.h: the organisation as a read model. The gateway owns users and
 * departments and announces every change (user.* and department.*,
 * proto/org.proto, through its outbox); every domain service keeps its own
 * copy of who exists and is active (crm_org_users, crm_org_departments:
 * lib/sql/006_org.sql), applied exactly once by a consumer of that stream
 * (crm_org_consume). A change that names people or departments checks them
 * against it inside its own transaction, as one more read of round 1
 * (crm/txn.h), so the check is SQL and costs no round trip:
 *
 *   crm_org_refs_t *refs = crm_org_refs_new();
 *   crm_org_user(refs, "to_owner_id", req->to_owner_id);
 *   crm_org_department(refs, "to_department_id", req->to_department_id);
 *   crm_org_read(t, "org", &refs);                    (in op->read)
 *   ...
 *   if (crm_org_check(crm_txn_result(t, "org"), &errs) < 0) refuse with errs
 *
 * An unknown or deactivated reference is invalid_argument naming its
 * field. The same read gives each user's department (a record follows its
 * new owner's), and crm_org_path a department's ancestors (a pool's member
 * department takes in its subtree). */
#ifndef CRM_ORG_H
#define CRM_ORG_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "job.h"
#include "service.h"
#include "txn.h"

/* Handover when someone leaves (离职交接): how a domain service moves a
 * leaver's records to their successor. The consumer of the organisation
 * runs it for each user.deactivated that names a successor for this
 * service (OrgUser.successors by the service's name, else successor_id),
 * inside the consumer's transaction: so the moves, their history and
 * events, and the offset commit together, exactly once, whoever is killed
 * when. It counts the records (count_sql), moves them page by page
 * (page_sql, as crm_tx_pages: until a page comes back short), runs
 * after_sql, and emits "handover.progressed" (proto/org.proto: state
 * "done", moved, total) for the gateway's view. */
typedef struct {
    const char *count_sql; /* $1 the leaver: one row, one count */
    /* $1 the leaver, $2 the successor, $3 the page size: moves one page of
     * the leaver's records (locking them) with their history, returning
     * them for emit. */
    const char *page_sql;
    crm_page_fn emit;      /* adds the events of a page's rows to b */
    const char *after_sql; /* optional; $1 the leaver, $2 the successor: the rest
                              (memberships, roles), one statement */
    int page;              /* page size (0: 500) */
    void *arg;             /* emit's */
    /* Optional: the cache key of a moved record (by its row's "id"), its
     * cached copy dropped once the handover commits. */
    void (*cache_key)(int64_t id, char out[32]);
} crm_org_handover_t;

/* The gateway's snapshot of the organisation (crm/snapshot.h): every
 * department, then every user, as department.snapshot and user.snapshot.
 * A consumer too far behind to replay rebuilds its read model from it. */
#define CRM_ORG_SNAPSHOT "org"

/* Keeps svc's read model from producer's (the gateway's) user.* and
 * department.* events (and, when too far behind to replay them, from its
 * snapshot CRM_ORG_SNAPSHOT: the Clone pattern), and hands a leaver's records over with handover
 * (NULL: this service holds none; it must outlive the service). A suite
 * without that producer configured logs that they are not consumed (the
 * read model then holds what was put in it). */
void crm_org_consume(crm_service_t *svc, const char *producer, const crm_org_handover_t *handover);

/* The references one request makes, each under the request field that
 * names it (a literal: it must outlive the read). Ids 0 are "none" and
 * skipped. */
typedef struct crm_org_refs crm_org_refs_t;

crm_org_refs_t *crm_org_refs_new(void);
void crm_org_refs_destroy(crm_org_refs_t **refs_p);
void crm_org_user(crm_org_refs_t *refs, const char *field, int64_t id);
void crm_org_users(crm_org_refs_t *refs, const char *field, const int64_t *ids, size_t n);
void crm_org_department(crm_org_refs_t *refs, const char *field, int64_t id);
void crm_org_departments(crm_org_refs_t *refs, const char *field, const int64_t *ids, size_t n);

/* Adds the read of *refs_p (taken and destroyed) to t's round under slot:
 * one row per reference, in the order they were named. */
void crm_org_read(crm_txn_t *t, const char *slot, crm_org_refs_t **refs_p);
/* Registers on db the statements of the checks (the service runtime's pool
 * has them). */
void crm_org_prepare(crm_db_t *db);

/* Adds to b a guard of *refs_p (taken and destroyed): the first unknown or
 * deactivated reference fails the batch as invalid_argument naming its
 * field, and every other field at fault as crm_org_check does (SQLSTATE
 * 22023, the first field as the constraint, one line "field: message" of
 * the detail per further field; crm_fail_db answers all of them), so a
 * write that needs no decision (a pool's members) checks them in the same
 * round trip. */
void crm_org_require(crm_db_batch_t *b, crm_org_refs_t **refs_p);

/* 0 when every reference of the read's result res is a known active user
 * or department; else -1 with errs (zeroed by the caller): one
 * invalid_argument per field at fault, in the order named, saying its
 * first bad reference ("user 999 does not exist", "user 7 is
 * deactivated"); the fields point into res. */
int crm_org_check(const PGresult *res, crm_errs_t *errs);

/* The department of the user the read names under field (the first such),
 * or 0 when there is none or it has none. */
int64_t crm_org_department_of(const PGresult *res, const char *field);

/* A change giving records to a new owner (a transfer, an assignment),
 * every domain's: in its op's read, the read "org" of the new owner
 * (request field to_owner_id) and the department named (to_department_id,
 * 0: none); */
struct crm_change;
void crm_org_read_new_owner(struct crm_change *c, int64_t owner, int64_t dept);
/* and in its apply: the new owner and department exist and are active (else
 * refused, each field named), and *dept is the department the records go
 * to: the one named, else the new owner's (0 when neither: leave the
 * record's as it is). 0, or -1 after refusing. */
int crm_org_new_owner(struct crm_change *c, int64_t named_dept, int64_t *dept);

/* A read of department $1's path (itself, then its ancestors, nearest
 * first), one column "path" (bigint[]): give the person asking their whole
 * path (crm_pool_person_t.departments) so member departments take in their
 * subtrees. */
#define CRM_ORG_PATH_SQL "SELECT crm_org_path($1::bigint) AS path"

/* Adds the read of dept's path to t's round under slot. */
void crm_org_read_path(crm_txn_t *t, const char *slot, int64_t dept);

/* The path the read gave (caller frees), its length in *n; dept alone when
 * the read model does not know it (so the person's own department still
 * counts). */
int64_t *crm_org_path_of(const PGresult *res, int64_t dept, size_t *n);

#endif
