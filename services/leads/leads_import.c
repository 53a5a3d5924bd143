/* leads_import.c: importing leads (导入) on the kit's pipeline
 * (crm/import.h): Leads.StartImport (the target: a pool, an employee or a
 * department, and who may choose it), ImportChunk, GetImport, CancelImport
 * and ListImports. The leads supply the import kind: the rows of a chunk
 * (leads_import_rows.c) checked against the configured lists, the dedup by
 * mobile (under the same advisory locks as Create) and its screen of
 * numbers masked to the importer (leads_probe.c), the insert of the
 * created leads with their history and events (leads_import_store.c), and
 * the messages of leads.proto. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/options.h"
#include "crm/util.h"
#include "leads_import.h"

/* ---- the lead kind of import ------------------------------------------ */

/* A chunk's rows, as the leads read them. */
typedef struct {
    import_rows_t rows;
} chunk_t;

static void s_clear(void *state)
{
    leads_import_rows_clear(&((chunk_t *)state)->rows);
}

static void s_read(crm_import_chunk_t *c)
{
    crm_txn_read(crm_import_txn(c), "options", "import_options", 0, NULL);
}

/* The chunk's rows (from the request, or CSV under the import's header),
 * checked; their verdicts for the pipeline. */
static int s_rows(crm_import_chunk_t *c, const char *csv_header, const char ***keys, size_t *n_keys)
{
    crm_txn_t *t = crm_import_txn(c);
    import_rows_t *rows = &((chunk_t *)crm_import_state(c))->rows;
    const Crm__Leads__ImportChunkRequest *req = crm_txn_request(t);
    char msg[256];
    if (!*req->csv)
        leads_import_from_rows(req->rows, req->n_rows, rows);
    else if (crm_import_csv_read(c,
                                 leads_import_from_csv(req->csv, strlen(req->csv), csv_header, rows,
                                                       msg, sizeof msg),
                                 msg, rows->n) < 0)
        return -1;
    crm_options_t o;
    crm_options_read(crm_txn_result(t, "options"), &o);
    *keys = leads_import_check(rows, &o, crm_import_current(c)->allow_duplicates, n_keys);
    crm_options_clear(&o);
    size_t n = rows->n;
    crm_import_row_t *v = crm_import_rows(c, &n);
    for (size_t i = 0; i < n; i++) {
        const import_row_t *row = &rows->rows[i];
        v[i].field = row->field;
        v[i].message = row->msg;
        v[i].key = row->norm.mobile;
        v[i].dup_row = row->dup_row;
    }
    crm_import_set_header(c, rows->header);
    return 0;
}

/* The chunk's mobiles locked, the leads that have them, and the masked
 * leads of their forms. */
static void s_dedup(crm_import_chunk_t *c, const char *const *keys, size_t n)
{
    crm_txn_t *t = crm_import_txn(c);
    char *arr = crm_db_text_array((char *const *)keys, n);
    const char *p[] = {arr};
    crm_txn_read(t, "mobile_locks", "import_mobile_locks", 1, p);
    /* By the index always: a plan made while the table was small (no
     * statistics yet) scans every lead and compares each with every mobile
     * of the chunk, seconds a chunk at 100,000 leads. */
    crm_txn_read(t, "seqscan_off", "SET LOCAL enable_seqscan = off", 0, NULL);
    crm_txn_read(t, "duplicates", "import_duplicates", 1, p);
    leads_probe_read_mobiles(t, arr);
    crm_txn_read(t, "seqscan_on", "SET LOCAL enable_seqscan TO DEFAULT", 0, NULL);
    free(arr);
}

/* A duplicate masked to the importer is not named, and rows of a masked
 * lead's form cost masked probes (leads_probe.c). */
static int s_screen(crm_import_chunk_t *c)
{
    import_rows_t *rows = &((chunk_t *)crm_import_state(c))->rows;
    size_t n = rows->n;
    return leads_probe_screen(crm_import_txn(c), crm_import_rows(c, &n), rows);
}

/* The created leads, their history and events. */
static void s_insert(crm_import_chunk_t *c, crm_db_batch_t *b)
{
    import_rows_t *rows = &((chunk_t *)crm_import_state(c))->rows;
    size_t n = rows->n;
    const crm_import_row_t *v = crm_import_rows(c, &n);
    for (size_t i = 0; i < n; i++) {
        rows->rows[i].lead_id = v[i].id;
        rows->rows[i].duplicate_of = v[i].duplicate_of;
    }
    const crm_import_t *imp = crm_import_current(c);
    const Crm__Caller *caller = crm_txn_caller(crm_import_txn(c));
    import_leads_t common = {
        .import_id = imp->id,
        .owner_id = imp->owner_id,
        .pool_id = imp->pool_id,
        .department_id = imp->department_id ? imp->department_id : caller->department_id,
        .creator_id = caller->user_id,
        .status = imp->owner_id ? LS(PENDING) : LS(UNASSIGNED),
        .now_us = crm_import_now(c),
    };
    leads_import_store_created(b, rows, &common);
}

static const crm_import_kind_t s_kind = {
    .imports = "lead_imports",
    .chunks = "lead_import_chunks",
    .id_seq = "leads_id_seq",
    .nouns = "leads",
    .size = sizeof(chunk_t),
    .clear = s_clear,
    .read = s_read,
    .rows = s_rows,
    .dedup = s_dedup,
    .screen = s_screen,
    .insert = s_insert,
    .import_msg = &crm__leads__import__descriptor,
    .list_msg = &crm__leads__import_list__descriptor,
    .reply_msg = &crm__leads__import_chunk_reply__descriptor,
    .record_id = "lead_id",
};

void leads_import_prepare(crm_db_t *db)
{
    crm_import_prepare(db, &s_kind);
    leads_import_store_prepare(db);
}

/* ---- the RPCs ------------------------------------------------------------- */

/* The import a StartImport asks for. */
static crm_import_t s_wanted(const Crm__Leads__StartImportRequest *req)
{
    const Crm__Leads__ImportTarget *t = req->target;
    return (crm_import_t){.pool_id = t ? t->pool_id : 0,
                          .owner_id = t ? t->owner_id : 0,
                          .department_id = t ? t->department_id : 0,
                          .allow_duplicates = req->allow_duplicates,
                          .file_name = req->file_name,
                          .expected_rows = req->expected_rows};
}

typedef struct {
    leads_t *l;
    crm_rpc_call_t *call;
} start_t;

/* The pool target must exist and take the caller as a member (or admin). */
static void s_start_pool_read(void *arg, const crm_db_result_t *res)
{
    start_t *s = arg;
    const Crm__Leads__StartImportRequest *req = (const void *)crm_rpc_call_request(s->call);
    if (res->err) {
        crm_fail_db(s->call, res);
    } else if (PQntuples(res->results[0]) == 0) {
        crm_rpc_fail(s->call, CRM__STATUS__NOT_FOUND, "target.pool_id", "pool %lld not found",
                     (long long)req->target->pool_id);
    } else {
        Crm__Leads__LeadPool pool;
        leads_pool_row(res->results[0], 0, &pool);
        int ok = leads_pool_is_member(&pool, crm_rpc_call_caller(s->call));
        leads_pool_clear(&pool);
        crm_import_t imp = s_wanted(req);
        if (ok)
            crm_import_start(&s_kind, s->l->db, s->call, &imp);
        else
            crm_rpc_fail(s->call, CRM__STATUS__PERMISSION_DENIED, "target.pool_id",
                         "you are not a member of pool %lld", (long long)req->target->pool_id);
    }
    free(s);
}

static void s_start(crm_rpc_call_t *call, const Crm__Leads__StartImportRequest *req, void *arg)
{
    leads_t *l = arg;
    crm_import_t imp = s_wanted(req);
    crm_err_t err;
    if (crm_import_check_start(&s_kind, &imp, crm_rpc_call_caller(call), &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (!imp.pool_id) {
        crm_import_start(&s_kind, l->db, call, &imp);
        return;
    }
    start_t *s = crm_calloc(1, sizeof *s);
    s->l = l;
    s->call = call;
    char id[24];
    const char *p[] = {crm_i64(id, imp.pool_id)};
    crm_db_exec(l->db, "SELECT " POOL_COLUMNS " FROM lead_pools WHERE id = $1::bigint", 1, p,
                s_start_pool_read, s);
}

static void s_chunk(crm_rpc_call_t *call, const Crm__Leads__ImportChunkRequest *req, void *arg)
{
    crm_import_chunk_call(&s_kind, &((leads_t *)arg)->env, call, &req->base);
}

static void s_get(crm_rpc_call_t *call, const Crm__Leads__GetImportRequest *req, void *arg)
{
    crm_import_get(&s_kind, ((leads_t *)arg)->db, call, req->id);
}

static void s_cancel(crm_rpc_call_t *call, const Crm__Leads__GetImportRequest *req, void *arg)
{
    crm_import_cancel(&s_kind, ((leads_t *)arg)->db, call, req->id);
}

static void s_list(crm_rpc_call_t *call, const Crm__Leads__ListImportsRequest *req, void *arg)
{
    crm_import_list(&s_kind, ((leads_t *)arg)->db, call, req->limit, req->cursor, req->total);
}

void leads_import_handlers(leads_handlers_t *h)
{
    h->start_import = s_start;
    h->import_chunk = s_chunk;
    h->get_import = s_get;
    h->cancel_import = s_cancel;
    h->list_imports = s_list;
}
