/* customers_import.c: importing customers (导入) on the kit's pipeline
 * (crm/import.h): Customers.StartImport (the target: an employee, or a
 * pool for its admins; the other RPCs are customers_import_rpc.c's). The
 * customers supply the import kind: the rows of a chunk
 * (customers_import_rows.c) checked against the configured lists, the
 * dedup by mobile, else by name (under the same advisory locks as Create),
 * the first contacts' ids, the insert of the created customers with their
 * history, contacts and events (customers_import_store.c), and the messages
 * of customers.proto (which the kit fills). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers_import.h"

/* The pool of an import's rows when it names none. */
#define DEFAULT_POOL 1

/* A chunk's rows, as the customers read them. */
typedef struct {
    import_rows_t rows;
    int64_t department_id; /* of the created customers */
} chunk_t;

static void s_clear(void *state)
{
    customers_import_rows_clear(&((chunk_t *)state)->rows);
}

static void s_read(crm_import_chunk_t *c)
{
    crm_txn_t *t = crm_import_txn(c);
    char id[24];
    const char *p[] = {crm_i64(id, crm_import_request(c)->import_id)};
    crm_txn_read(t, "options", "customer_import_options", 0, NULL);
    crm_txn_read(t, "owner_department", "customer_import_owner_department", 1, p);
}

/* The department of the created customers: the target owner's, else the
 * caller's (as a create's). */
static int64_t s_department(crm_import_chunk_t *c)
{
    const PGresult *r = crm_txn_result(crm_import_txn(c), "owner_department");
    int64_t dept = PQntuples(r) ? crm_db_get_i64(r, 0, 0) : 0;
    return dept ? dept : crm_txn_caller(crm_import_txn(c))->department_id;
}

/* The chunk's rows (from the request, or CSV under the import's header),
 * checked; their verdicts for the pipeline. */
static int s_rows(crm_import_chunk_t *c, const char *csv_header, const char ***keys, size_t *n_keys)
{
    crm_txn_t *t = crm_import_txn(c);
    chunk_t *ch = crm_import_state(c);
    import_rows_t *rows = &ch->rows;
    const Crm__Customers__CustomerImportChunkRequest *req = crm_txn_request(t);
    char msg[256];
    if (!*req->csv)
        customers_import_from_rows(req->rows, req->n_rows, rows);
    else if (crm_import_csv_read(c,
                                 customers_import_from_csv(req->csv, strlen(req->csv), csv_header,
                                                           rows, msg, sizeof msg),
                                 msg, rows->n) < 0)
        return -1;
    crm_options_t o;
    crm_options_read(crm_txn_result(t, "options"), &o);
    *keys = customers_import_check(rows, &o, crm_import_current(c)->allow_duplicates, n_keys);
    crm_options_clear(&o);
    ch->department_id = s_department(c);
    size_t n = rows->n;
    crm_import_row_t *v = crm_import_rows(c, &n);
    for (size_t i = 0; i < n; i++) {
        const import_row_t *row = &rows->rows[i];
        v[i].field = row->field;
        v[i].message = row->msg;
        v[i].key = row->key;
        v[i].dup_row = row->dup_row;
    }
    crm_import_set_header(c, rows->header);
    return 0;
}

/* The keys locked, and the customers that have them. */
static void s_dedup(crm_import_chunk_t *c, const char *const *keys, size_t n)
{
    customers_import_store_dedup(crm_import_txn(c), keys, n);
}

/* The first contacts the rows that may be created name. */
static size_t s_more(crm_import_chunk_t *c)
{
    const import_rows_t *rows = &((chunk_t *)crm_import_state(c))->rows;
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const import_row_t *row = &rows->rows[i];
        n += !row->field && !row->dup_row && row->in.contact_name && *row->in.contact_name;
    }
    return n;
}

/* The created customers, their history, first contacts and events. */
static void s_insert(crm_import_chunk_t *c, crm_db_batch_t *b)
{
    chunk_t *ch = crm_import_state(c);
    import_rows_t *rows = &ch->rows;
    size_t n = rows->n, n_more = 0, k = 0;
    const crm_import_row_t *v = crm_import_rows(c, &n);
    const int64_t *more = crm_import_more_ids(c, &n_more);
    for (size_t i = 0; i < n; i++) {
        import_row_t *row = &rows->rows[i];
        int contact = !row->field && !row->dup_row && row->in.contact_name &&
                      *row->in.contact_name && k < n_more;
        int64_t contact_id = contact ? more[k++] : 0; /* taken in s_more's order */
        row->id = v[i].id;
        row->contact_id = row->id ? contact_id : 0;
    }
    const crm_import_t *imp = crm_import_current(c);
    import_common_t common = {
        .import_id = imp->id,
        .owner_id = imp->owner_id,
        .pool_id = imp->pool_id ? imp->pool_id : DEFAULT_POOL,
        .department_id = ch->department_id,
        .creator_id = crm_txn_caller(crm_import_txn(c))->user_id,
        .now_us = crm_import_now(c),
    };
    customers_import_store_created(b, rows, &common);
}

const crm_import_kind_t customers_import_kind = {
    .imports = "customer_imports",
    .chunks = "customer_import_chunks",
    .id_seq = "customers_id_seq",
    .nouns = "customers",
    .size = sizeof(chunk_t),
    .clear = s_clear,
    .read = s_read,
    .rows = s_rows,
    .dedup = s_dedup,
    .more_seq = "contacts_id_seq",
    .more = s_more,
    .insert = s_insert,
    .import_msg = &crm__customers__customer_import__descriptor,
    .list_msg = &crm__customers__customer_import_list__descriptor,
    .reply_msg = &crm__customers__customer_import_chunk_reply__descriptor,
    .record_id = "customer_id",
};

void customers_import_prepare(crm_db_t *db)
{
    crm_import_prepare(db, &customers_import_kind);
    customers_import_store_prepare(db);
}

/* ---- the RPCs ------------------------------------------------------------- */

/* An import into a pool, waiting for the pool's read. */
typedef struct {
    customers_t *cs;
    crm_rpc_call_t *call;
    crm_import_t imp;
} pool_start_t;

/* A pool target must exist, take customers (enabled), and be the caller's
 * to fill: an admin of everything, or the pool's admin. */
static void s_pool_checked(void *arg, const crm_db_result_t *res)
{
    pool_start_t *ps = arg;
    const Crm__Caller *caller = crm_rpc_call_caller(ps->call);
    if (res->err) {
        crm_fail_db(ps->call, res);
        free(ps);
        return;
    }
    int masked = 0;
    if (PQntuples(res->results[0]) == 0 ||
        !customers_pooled_visible(caller, res->results[0], res->results[1], &masked, NULL)) {
        crm_rpc_fail(ps->call, CRM__STATUS__NOT_FOUND, "target.pool_id", "pool %lld not found",
                     (long long)ps->imp.pool_id);
    } else if (masked) {
        crm_rpc_fail(ps->call, CRM__STATUS__PERMISSION_DENIED, "target.pool_id",
                     "only the pool's admins import customers into it");
    } else if (!crm_db_get_bool(res->results[0], 0, PQfnumber(res->results[0], "enabled"))) {
        crm_rpc_fail(ps->call, CRM__STATUS__FAILED_PRECONDITION, "target.pool_id",
                     "pool %lld is disabled: nothing moves into it", (long long)ps->imp.pool_id);
    } else {
        crm_import_start(&customers_import_kind, ps->cs->db, ps->call, &ps->imp);
    }
    free(ps);
}

static void s_start(crm_rpc_call_t *call, const Crm__Customers__StartCustomerImportRequest *req,
                    void *arg)
{
    customers_t *cs = arg;
    const Crm__Customers__CustomerImportTarget *t = req->target;
    crm_import_t imp = {.pool_id = t ? t->pool_id : 0,
                        .owner_id = t ? t->owner_id : 0,
                        .allow_duplicates = req->allow_duplicates,
                        .file_name = req->file_name,
                        .expected_rows = req->expected_rows};
    crm_err_t err;
    if (crm_import_check_start(&customers_import_kind, &imp, crm_rpc_call_caller(call), &err) < 0) {
        crm_rpc_fail_err(call, &err);
    } else if (imp.pool_id) {
        /* A pool target: the pool and the caller's department path first. */
        pool_start_t *ps = crm_calloc(1, sizeof *ps);
        ps->cs = cs;
        ps->call = call;
        ps->imp = imp;
        char id[24], dept[24];
        const char *p[] = {crm_i64(id, imp.pool_id)};
        const char *d[] = {crm_i64(dept, crm_rpc_call_caller(call)->department_id)};
        crm_db_batch_t *b = crm_db_batch_new();
        crm_db_batch_add(b, "customer_pool_get", 1, p);
        crm_db_batch_add(b, CRM_ORG_PATH_SQL, 1, d);
        crm_db_submit(cs->db, &b, s_pool_checked, ps);
    } else {
        crm_import_start(&customers_import_kind, cs->db, call, &imp);
    }
}

void customers_import_handlers(customers_t *cs)
{
    cs->handlers.start_import = s_start;
}
