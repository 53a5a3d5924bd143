/* sales_store.h: the ground floor of the sales service, which every module
 * stands on and which calls none of them: the service context, rows into
 * messages, the history every record kind writes and reads, a value unique
 * among a kind's records (sales_store.c, sales_history.c), and who is an
 * admin (sales_access.c). The modules' entry points are in sales.h. */
#ifndef SALES_STORE_H
#define SALES_STORE_H

#include <libpq-fe.h>

#include "crm/change.h"
#include "crm/history.h"
#include "crm/list.h"
#include "crm/service.h"
#include "crm/txn.h"
#include "sales.glue.h"
#include "sales.pb-c.h"

/* Largest batch of ids one action takes. */
#define SALES_MAX_IDS 500
/* The dearest price (minor units): 10^13, a hundred billion yuan, so that a
 * line's quantity times its price stays far inside int64 (sales_money.c). */
#define SALES_PRICE_MAX INT64_C(10000000000000)

typedef struct {
    crm_service_t *svc;
    crm_db_t *db;
    crm_relay_t *relay;
    const char *tz;            /* the business time zone */
    crm_txn_env_t env;         /* where changes go (ctx: this) */
    sales_handlers_t handlers; /* what serves Sales.* (sales.glue.h) */
} sales_t;

typedef Crm__Sales__Product product_t;

/* ---- sales_store.c: statements every module shares ---- */

/* Registers the shared statements on db (each module registers its own). */
void sales_store_prepare(crm_db_t *db);
/* Writes the business time zone tz into sales_settings.tz, which the
 * triggers take days in (contracts' ends, performance facts); a zone
 * PostgreSQL does not know is logged and the one before stays. */
void sales_tz_start(crm_db_t *db, const char *tz);

/* Fills msg (initialised) from row i of r by column names (crm/rowmap.h);
 * repeated fields are allocated (crm_rowmap_clear). A column that cannot
 * fill its field is a bug (assert). */
void sales_row_to(const PGresult *r, int i, ProtobufCMessage *msg);

/* A history entry of a record of the service (sales_history; crm/history.h). */
typedef crm_history_entry_t sales_history_t;
void sales_store_history(crm_db_batch_t *b, const sales_history_t *h);

/* A value unique among a kind's records whatever its case and the spaces
 * around it (a product's code, a pipeline's name): adds to t's round the
 * advisory lock of kind's value until commit, and the read "unique" by stmt
 * ($1 the value, $2 id: another record, not id, having it; its id and
 * name). */
void sales_read_unique(crm_txn_t *t, const char *kind, const char *stmt, const char *value,
                       int64_t id);
/* During decide: 0 when no other record has it (or it was not read), or -1
 * after refusing ALREADY_EXISTS on field, naming the other ("<noun> 3
 * (<name>) has this <field>"). */
int sales_unique_free(crm_txn_t *t, const char *field, const char *noun);

/* ---- sales_history.c: the records' history ---- */

/* The history entry of kind's record id being saved by the change engine:
 * the op's action, the caller, the run's reason and time, detail (NULL:
 * none) and the owners before and after. */
void sales_change_history(crm_change_t *c, crm_db_batch_t *b, const char *kind, int64_t id,
                          const char *detail, int64_t from_owner, int64_t to_owner);

/* Replies to call with a page of record id's history of kind (the page
 * and total as the request asks), once readable(arg, call, r) says the
 * caller may read it from r, the result of stmt run with the id (no row:
 * not found). readable NULL: any row will do. */
typedef int (*sales_readable_fn)(void *arg, crm_rpc_call_t *call, const PGresult *r);
void sales_history_list(sales_t *s, crm_rpc_call_t *call,
                        const Crm__Sales__SalesHistoryRequest *req, const char *kind,
                        const char *stmt, sales_readable_fn readable, void *arg);

/* ---- sales_json.c: records read whole as one JSON document ---- */

/* A record an admin configures, read whole as one JSON document column
 * (a pipeline, an approval flow): its noun, message, column and list
 * message (items, next_cursor, total). */
typedef struct {
    const char *noun;
    const ProtobufCMessageDescriptor *desc;
    const char *column;
    const ProtobufCMessageDescriptor *list;
} sales_json_kind_t;

/* The record of row i of r, or NULL when r has no such row (a document
 * that does not fit its message is a bug: logged, NULL). */
ProtobufCMessage *sales_json_message(const sales_json_kind_t *k, const PGresult *r, int i);
void sales_json_free(ProtobufCMessage *m); /* safe on NULL */
/* Replies to call with the record stmt ($1 the id) reads, else not found. */
void sales_json_get(sales_t *s, crm_rpc_call_t *call, const sales_json_kind_t *k, const char *stmt,
                    int64_t id);
/* Replies to call with the page pg of the records q (taken) selects, and
 * their total when asked. */
void sales_json_list(sales_t *s, crm_rpc_call_t *call, const sales_json_kind_t *k,
                     crm_sqlbuf_t **q_p, const crm_page_t *pg, int total);

/* ---- sales_access.c: who is an admin ---- */

/* 1 if the caller is an admin (or the system); else refuses call with
 * PERMISSION_DENIED ("only an admin may <what>") and returns 0. */
int sales_admin_only(crm_rpc_call_t *call, const char *what);
/* The same inside a change of the change engine (crm/change.h): 0, or -1 after refusing. */
int sales_change_admin_only(crm_change_t *c, const char *what);

#endif
