/* sales.h: what the sales service's files share: the service context, the
 * history every record kind writes, and each module's entry points. The
 * product catalogue (sales_products.c, sales_product_kind.c) is the first
 * record kind of the service. */
#ifndef SALES_H
#define SALES_H

#include <libpq-fe.h>

#include "crm/change.h"
#include "crm/history.h"
#include "crm/service.h"
#include "crm/txn.h"
#include "events.pb-c.h"
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

/* Registers the service's statements on db. */
void sales_store_prepare(crm_db_t *db);

/* Fills msg (initialised) from row i of r by column names (crm/rowmap.h);
 * repeated fields are allocated (crm_rowmap_clear). A column that cannot
 * fill its field is a bug (assert). */
void sales_row_to(const PGresult *r, int i, ProtobufCMessage *msg);

/* A history entry of a record of the service (sales_history; crm/history.h). */
typedef crm_history_entry_t sales_history_t;
void sales_store_history(crm_db_batch_t *b, const sales_history_t *h);

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

/* The same inside a change of the change engine: 0, or -1 after refusing. */
int sales_change_admin_only(crm_change_t *c, const char *what);

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

/* 1 if the caller is an admin (or the system); else refuses call with
 * PERMISSION_DENIED ("only an admin may <what>") and returns 0. */
int sales_admin_only(crm_rpc_call_t *call, const char *what);

/* ---- sales_products.c, sales_product_kind.c: the catalogue (产品) ---- */

void sales_products_prepare(crm_db_t *db);
void sales_products_handlers(sales_t *s);     /* CreateProduct, GetProduct, ListProducts, history */
void sales_product_kind_handlers(sales_t *s); /* UpdateProduct, DisableProducts, EnableProducts */

/* Checks a product's typed fields (NULL: not given), every fault at once;
 * list_price when has_price. 1 if fine, else fails call. */
int sales_product_check(crm_rpc_call_t *call, const char *name, const char *code,
                        const char *category, const char *unit, const char *remark, int has_price,
                        int64_t list_price);
/* Adds stmt ("product_insert", "product_save") writing every column of p. */
void sales_product_write(crm_db_batch_t *b, const char *stmt, const product_t *p);
/* product.created / product.updated. */
void sales_emit_product(crm_db_batch_t *b, const char *type, product_t *p, int64_t by,
                        const char *reason, char **changed, size_t n);

/* ---- sales_customers.c: the read model of customers (sql/002) ---- */

/* The customers service's snapshot of its customers and contacts (its
 * customers_snapshot.c serves it under this name), from which the read
 * model is rebuilt when too far behind to replay. */
#define SALES_CUSTOMERS_SNAPSHOT "customers"

/* Keeps the read model from the customers service's events. */
void sales_customers_consume(sales_t *s);
/* Adds to t's round the read "customer": customer id as the model has it
 * (no row: unknown or deleted). */
void sales_read_customer(crm_txn_t *t, int64_t id);
/* Does the caller see the customer of r (a read of sales_read_customer):
 * its owner in the caller's data scope, or the caller on its team at
 * now_us? A pooled customer (no owner) is seen by admins only: its pool's
 * people claim it first. No row: no. */
int sales_customer_visible(const Crm__Caller *caller, const PGresult *r, int64_t now_us);

/* ---- sales_pipelines.c: stage pipelines (销售流程) ---- */

void sales_pipelines_prepare(crm_db_t *db);
void sales_pipelines_handlers(sales_t *s); /* Create, Get, Update, List, History */
/* The pipeline of row i of r (a read of "pipeline_get": its pipeline_json),
 * or NULL when r has no such row. Free with sales_pipeline_free. */
Crm__Sales__Pipeline *sales_pipeline_of(const PGresult *r, int i);
void sales_pipeline_free(Crm__Sales__Pipeline *p); /* safe on NULL */
/* The stage id of p (not removed), or NULL. */
const Crm__Sales__Stage *sales_pipeline_stage(const Crm__Sales__Pipeline *p, int64_t id);

/* ---- wiring ---- */

/* Serves every Sales.* RPC (fails the start if one has no handler). */
void sales_rpc_register(sales_t *s);

#endif
