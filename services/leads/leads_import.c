/* leads_import.c: importing leads (导入) in chunks: Leads.StartImport (the
 * target: a pool, an employee or a department, and who may choose it),
 * ImportChunk and GetImport (progress).
 *
 * A chunk is one transaction of three round trips: (1) lock the import's
 * row (chunks of one import apply one at a time), read the chunk's stored
 * results and the configured lists; check and dedup the rows in C; (2) lock
 * the chunk's mobiles (advisory locks, as Create takes) and read the leads
 * that already have them, take the new ids; (3) write the leads, their
 * history and lead.created events, the import's counters and the chunk's
 * results, and commit. So a chunk is applied whole or not at all, and a
 * chunk sent again gets its stored results and changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/list.h"
#include "crm/log.h"
#include "crm/txn.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "leads_import.h"

/* May the caller see and continue this import? (its creator, or an admin) */
static int s_owns_import(const Crm__Caller *c, int64_t created_by)
{
    return crm_scope_all(c) || (c->user_id && c->user_id == created_by);
}

/* ---- Leads.StartImport ------------------------------------------------ */

/* Checks the target's shape (exactly one of three, none negative) and who
 * may import to an employee or a department; the pool is checked against
 * the database. Returns 1, or 0 after failing call. */
static int s_check_target(crm_rpc_call_t *call, const Crm__Leads__ImportTarget *t)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    if (!t || (t->pool_id != 0) + (t->owner_id != 0) + (t->department_id != 0) != 1) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "target",
                     "give exactly one target: pool_id, owner_id or department_id");
        return 0;
    }
    if (t->pool_id < 0 || t->owner_id < 0 || t->department_id < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "target", "ids must not be negative");
        return 0;
    }
    if (t->owner_id && !crm_scope_allows(c, t->owner_id)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "target.owner_id",
                     "you may not import leads for user %lld", (long long)t->owner_id);
        return 0;
    }
    if (t->department_id && !crm_scope_all(c) &&
        !(c->role == CRM__ROLE__ROLE_MANAGER && c->department_id == t->department_id)) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, "target.department_id",
                     "only admins and the department's managers may import to department %lld",
                     (long long)t->department_id);
        return 0;
    }
    return 1;
}

static void s_started(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    Crm__Leads__Import imp;
    Crm__Leads__ImportTarget target;
    leads_import_row(res->results[0], 0, &imp, &target, NULL);
    crm_rpc_reply(call, &imp.base);
}

static void s_start_insert(leads_t *l, crm_rpc_call_t *call)
{
    const Crm__Leads__StartImportRequest *req = (const void *)crm_rpc_call_request(call);
    const Crm__Leads__ImportTarget *t = req->target;
    char n[5][24];
    const char *p[] = {crm_i64(n[0], t->pool_id),
                       crm_i64(n[1], t->owner_id),
                       crm_i64(n[2], t->department_id),
                       req->allow_duplicates ? "true" : "false",
                       req->file_name,
                       crm_i64(n[3], req->expected_rows),
                       crm_i64(n[4], crm_rpc_call_caller(call)->user_id)};
    crm_db_exec(l->db, "import_insert", 7, p, s_started, call);
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
        if (ok)
            s_start_insert(s->l, s->call);
        else
            crm_rpc_fail(s->call, CRM__STATUS__PERMISSION_DENIED, "target.pool_id",
                         "you are not a member of pool %lld", (long long)req->target->pool_id);
    }
    free(s);
}

static void s_start(crm_rpc_call_t *call, const Crm__Leads__StartImportRequest *req, void *arg)
{
    leads_t *l = arg;
    if (!s_check_target(call, req->target) ||
        !crm_check_text(call, "file_name", req->file_name, 255, 0))
        return;
    if (req->expected_rows < 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "expected_rows", "must not be negative");
        return;
    }
    if (!req->target->pool_id) {
        s_start_insert(l, call);
        return;
    }
    start_t *s = crm_calloc(1, sizeof *s);
    s->l = l;
    s->call = call;
    char id[24];
    const char *p[] = {crm_i64(id, req->target->pool_id)};
    crm_db_exec(l->db, "SELECT " POOL_COLUMNS " FROM lead_pools WHERE id = $1::bigint", 1, p,
                s_start_pool_read, s);
}

/* ---- Leads.GetImport -------------------------------------------------- */

static void s_got(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    const Crm__Leads__GetImportRequest *req = (const void *)crm_rpc_call_request(call);
    Crm__Leads__Import imp;
    Crm__Leads__ImportTarget target;
    if (PQntuples(res->results[0]) == 1)
        leads_import_row(res->results[0], 0, &imp, &target, NULL);
    if (PQntuples(res->results[0]) == 0 ||
        !s_owns_import(crm_rpc_call_caller(call), imp.created_by))
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "id", "import %lld not found",
                     (long long)req->id);
    else
        crm_rpc_reply(call, &imp.base);
}

static void s_get(crm_rpc_call_t *call, const Crm__Leads__GetImportRequest *req, void *arg)
{
    leads_t *l = arg;
    if (!crm_check_id(call, "id", req->id))
        return;
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_exec(l->db, "import_get", 1, p, s_got, call);
}

/* ---- Leads.CancelImport, Leads.ListImports ------------------------------ */

static void s_cancelled(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    const Crm__Leads__GetImportRequest *req = (const void *)crm_rpc_call_request(call);
    const PGresult *moved = res->results[0], *now = res->results[1];
    Crm__Leads__Import imp;
    Crm__Leads__ImportTarget target;
    if (PQntuples(now) == 0 ||
        !s_owns_import(crm_rpc_call_caller(call), crm_db_get_i64(now, 0, 14))) {
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "id", "import %lld not found",
                     (long long)req->id);
    } else if (PQntuples(moved) == 0) {
        crm_rpc_fail(call, CRM__STATUS__FAILED_PRECONDITION, "id",
                     "import %lld is already complete", (long long)req->id);
    } else {
        leads_import_row(moved, 0, &imp, &target, NULL);
        crm_rpc_reply(call, &imp.base);
    }
}

static void s_cancel(crm_rpc_call_t *call, const Crm__Leads__GetImportRequest *req, void *arg)
{
    leads_t *l = arg;
    const Crm__Caller *c = crm_rpc_call_caller(call);
    if (!crm_check_id(call, "id", req->id))
        return;
    char id[24], user[24];
    const char *p[] = {crm_i64(id, req->id), crm_scope_all(c) ? "true" : "false",
                       crm_i64(user, c->user_id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "import_cancel", 3, p);
    crm_db_batch_add(b, "import_get", 1, p);
    crm_db_submit(l->db, &b, s_cancelled, call);
}

/* Imports, newest first. */
static const crm_key_t s_import_keys[] = {CRM_KEY_ID};
static const crm_keyset_t s_imports = {.tag = "imports", .keys = s_import_keys, .n = 1};

/* The request's page (checked when the call came; read again for the
 * reply). */
static int s_page(const Crm__Leads__ListImportsRequest *req, crm_page_t *pg, crm_err_t *err)
{
    return crm_page_check(pg, &s_imports, req->limit, 20, req->cursor, err);
}

static void s_listed(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    const Crm__Leads__ListImportsRequest *req = (const void *)crm_rpc_call_request(call);
    const PGresult *r = res->results[0];
    crm_page_t pg;
    s_page(req, &pg, NULL);
    char *next;
    size_t n = crm_page_rows(&pg, r, &next);
    Crm__Leads__Import *imps = crm_calloc(n + 1, sizeof *imps);
    Crm__Leads__ImportTarget *targets = crm_calloc(n + 1, sizeof *targets);
    Crm__Leads__Import **ptrs = crm_calloc(n + 1, sizeof *ptrs);
    for (size_t i = 0; i < n; i++) {
        leads_import_row(r, (int)i, &imps[i], &targets[i], NULL);
        ptrs[i] = &imps[i];
    }
    Crm__Leads__ImportList list = CRM__LEADS__IMPORT_LIST__INIT;
    list.items = ptrs;
    list.n_items = n;
    list.next_cursor = next ? next : "";
    crm_rpc_reply(call, &list.base);
    free(imps);
    free(targets);
    free(ptrs);
    free(next);
}

static void s_list(crm_rpc_call_t *call, const Crm__Leads__ListImportsRequest *req, void *arg)
{
    leads_t *l = arg;
    const Crm__Caller *c = crm_rpc_call_caller(call);
    crm_page_t pg;
    crm_err_t err;
    if (s_page(req, &pg, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    char user[24], a[24], lim[16];
    snprintf(lim, sizeof lim, "%d", pg.limit + 1);
    const char *p[] = {crm_scope_all(c) ? "true" : "false", crm_i64(user, c->user_id),
                       crm_i64(a, pg.after[0]), lim};
    crm_db_exec(l->db, "import_list", 4, p, s_listed, call);
}

/* ---- Leads.ImportChunk ------------------------------------------------ */

/* A chunk is one write transaction (crm/txn.h) of three rounds of reads:
 *   1. the import (locked), the chunk's stored results, the configured
 *      lists: a chunk applied before is answered from its stored results;
 *   2. the chunk's mobiles locked, the leads that have them, the new ids;
 *   3. the import's counters moved on (its row as the reply shows it);
 * then the leads, their history and events, and the chunk's results. */
typedef struct {
    /* the import, as locked */
    Crm__Leads__ImportTarget target;
    int allow_duplicates;
    int64_t rows_before; /* rows of the earlier chunks */
    /* the chunk */
    import_rows_t rows;
    const char **mobiles; /* distinct, sorted; point into rows */
    size_t n_mobiles;
    size_t n_new; /* rows to create */
    int64_t now_us;
    int64_t counts[3]; /* created, duplicates, invalid */
    Crm__Leads__ImportRowResult *results;
    Crm__Leads__ImportRowResult **result_ptrs;
} chunk_t;

static void s_chunk_free(void *arg)
{
    chunk_t *c = arg;
    leads_import_rows_clear(&c->rows);
    free(c->mobiles);
    free(c->results);
    free(c->result_ptrs);
    free(c);
}

/* The chunk was applied before: its stored results and the progress now. */
static int s_chunk_replay(crm_txn_t *t, const PGresult *stored, const PGresult *import_row)
{
    size_t len = 0;
    uint8_t *bytes = crm_db_get_bytea(stored, 0, 0, &len);
    Crm__Leads__ImportChunkReply *reply = crm__leads__import_chunk_reply__unpack(NULL, len, bytes);
    free(bytes);
    if (!reply)
        return crm_txn_refuse(t, CRM__STATUS__INTERNAL, NULL, "the stored results do not decode");
    Crm__Leads__Import imp;
    Crm__Leads__ImportTarget target;
    leads_import_row(import_row, 0, &imp, &target, NULL);
    reply->import = &imp;
    crm_txn_answer(t, &reply->base);
    reply->import = NULL;
    crm__leads__import_chunk_reply__free_unpacked(reply, NULL);
    return -1;
}

/* Reads the chunk's rows (from the request, or CSV under the import's
 * header). Returns 0, or -1 after refusing. */
static int s_chunk_rows(crm_txn_t *t, chunk_t *c, const char *csv_header)
{
    const Crm__Leads__ImportChunkRequest *req = crm_txn_request(t);
    if (!*req->csv) {
        leads_import_from_rows(req->rows, req->n_rows, &c->rows);
        return 0;
    }
    char msg[256];
    if (leads_import_from_csv(req->csv, strlen(req->csv), csv_header, &c->rows, msg, sizeof msg) <
        0)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "csv", "%s", msg);
    if (c->rows.n > IMPORT_MAX_ROWS)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, "csv",
                              "%zu rows; at most %d per chunk", c->rows.n, IMPORT_MAX_ROWS);
    return 0;
}

/* The configured lists from r (kind, value), pointing into r. */
static void s_options(const PGresult *r, import_options_t *o, const char **buf)
{
    int n = PQntuples(r);
    const char **lists[3] = {buf, buf + n, buf + 2 * n};
    size_t counts[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        const char *kind = crm_db_get(r, i, 0);
        int k = strcmp(kind, "level") == 0 ? 0 : strcmp(kind, "industry") == 0 ? 1 : 2;
        lists[k][counts[k]++] = crm_db_get(r, i, 1);
    }
    *o = (import_options_t){lists[0], lists[1], lists[2], counts[0], counts[1], counts[2]};
}

/* Checks the rows, then asks for round 2: their mobiles locked, the leads
 * that have them, the ids of the new leads. */
static int s_chunk_dedup(crm_txn_t *t, chunk_t *c, const PGresult *options)
{
    const char **buf = crm_malloc((size_t)(3 * PQntuples(options) + 1) * sizeof *buf);
    import_options_t o;
    s_options(options, &o, buf);
    c->mobiles = leads_import_check(&c->rows, &o, c->allow_duplicates, &c->n_mobiles);
    free(buf);
    for (size_t i = 0; i < c->rows.n; i++)
        c->n_new += !c->rows.rows[i].field && !c->rows.rows[i].dup_row;
    if (c->n_mobiles) {
        char *arr = crm_db_text_array((char *const *)c->mobiles, c->n_mobiles);
        const char *p[] = {arr};
        crm_txn_read(t, "mobile_locks", "import_mobile_locks", 1, p);
        /* By the index always: a plan made while the table was small (no
         * statistics yet) scans every lead and compares each with every
         * mobile of the chunk, seconds a chunk at 100,000 leads. */
        crm_txn_read(t, "seqscan_off", "SET LOCAL enable_seqscan = off", 0, NULL);
        crm_txn_read(t, "duplicates", "import_duplicates", 1, p);
        crm_txn_read(t, "seqscan_on", "SET LOCAL enable_seqscan TO DEFAULT", 0, NULL);
        free(arr);
    }
    char n[24];
    const char *p[] = {crm_i64(n, (int64_t)c->n_new)};
    crm_txn_read(t, "ids", "import_ids", 1, p);
    return CRM_TXN_AGAIN;
}

/* Round 1 back: the import, the stored results, the lists. */
static int s_chunk_loaded(crm_txn_t *t, chunk_t *c)
{
    const Crm__Leads__ImportChunkRequest *req = crm_txn_request(t);
    const PGresult *imp = crm_txn_result(t, "import"), *stored = crm_txn_result(t, "stored");
    if (PQntuples(imp) == 0 || !s_owns_import(crm_txn_caller(t), crm_db_get_i64(imp, 0, 14)))
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "import_id", "import %lld not found",
                              (long long)req->import_id);
    if (PQntuples(stored) == 1)
        return s_chunk_replay(t, stored, imp);
    Crm__Leads__Import cur;
    const char *csv_header;
    leads_import_row(imp, 0, &cur, &c->target, &csv_header);
    if (cur.cancelled && (cur.done || req->seq != cur.chunks + 1))
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "seq",
                              "import %lld was cancelled after chunk %d", (long long)cur.id,
                              cur.chunks);
    if (cur.done)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "seq",
                              "import %lld is complete: its last chunk was %d", (long long)cur.id,
                              cur.chunks);
    if (req->seq != cur.chunks + 1)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "seq", "expected chunk %d",
                              cur.chunks + 1);
    c->allow_duplicates = cur.allow_duplicates;
    c->rows_before = cur.rows;
    if (s_chunk_rows(t, c, csv_header) < 0)
        return -1;
    return s_chunk_dedup(t, c, crm_txn_result(t, "options"));
}

/* The existing lead with mobile m, from r (mobile, id), or 0. */
static int64_t s_existing(const PGresult *r, const char *m)
{
    for (int i = 0; r && i < PQntuples(r); i++)
        if (strcmp(crm_db_get(r, i, 0), m) == 0)
            return crm_db_get_i64(r, i, 1);
    return 0;
}

/* Decides each valid row: a duplicate (of an existing lead or of an
 * earlier row of the chunk) or created with the next id. */
static void s_decide(chunk_t *c, const PGresult *dups, const int64_t *ids)
{
    size_t k = 0;
    for (size_t i = 0; i < c->rows.n; i++) {
        import_row_t *row = &c->rows.rows[i];
        if (row->field)
            continue;
        if (row->dup_row) {
            const import_row_t *first = &c->rows.rows[row->dup_row - 1];
            row->duplicate_of = first->lead_id ? first->lead_id : first->duplicate_of;
            continue;
        }
        row->duplicate_of =
            row->norm.mobile[0] && !c->allow_duplicates ? s_existing(dups, row->norm.mobile) : 0;
        if (!row->duplicate_of)
            row->lead_id = ids[k++];
    }
}

/* The results of the rows, in c->results; counts by outcome in c->counts. */
static void s_results(chunk_t *c)
{
    int64_t *n = c->counts;
    c->results = crm_calloc(c->rows.n + 1, sizeof *c->results);
    c->result_ptrs = crm_calloc(c->rows.n + 1, sizeof *c->result_ptrs);
    n[0] = n[1] = n[2] = 0;
    for (size_t i = 0; i < c->rows.n; i++) {
        const import_row_t *row = &c->rows.rows[i];
        Crm__Leads__ImportRowResult *r = &c->results[i];
        crm__leads__import_row_result__init(r);
        r->row = c->rows_before + (int64_t)i + 1;
        if (row->field) {
            r->outcome = CRM__LEADS__IMPORT_OUTCOME__IMPORT_OUTCOME_INVALID;
            r->field = (char *)row->field;
            r->message = (char *)row->msg;
            n[2]++;
        } else if (row->duplicate_of) {
            r->outcome = CRM__LEADS__IMPORT_OUTCOME__IMPORT_OUTCOME_DUPLICATE;
            r->duplicate_of = row->duplicate_of;
            n[1]++;
        } else {
            r->outcome = CRM__LEADS__IMPORT_OUTCOME__IMPORT_OUTCOME_CREATED;
            r->lead_id = row->lead_id;
            n[0]++;
        }
        c->result_ptrs[i] = r;
    }
}

/* Round 2 back: each row decided; asks for round 3, the import's counters
 * moved on. */
static int s_chunk_checked(crm_txn_t *t, chunk_t *c)
{
    const Crm__Leads__ImportChunkRequest *req = crm_txn_request(t);
    const PGresult *dups = c->n_mobiles ? crm_txn_result(t, "duplicates") : NULL;
    const PGresult *idr = crm_txn_result(t, "ids");
    size_t n_ids = 0;
    int64_t *ids = crm_db_get_i64_array(idr, 0, 1, &n_ids);
    if (n_ids != c->n_new) { /* cannot be: the statement returns n */
        free(ids);
        return crm_txn_refuse(t, CRM__STATUS__INTERNAL, NULL, "lead ids not allocated");
    }
    s_decide(c, dups, ids);
    free(ids);
    s_results(c);
    c->now_us = crm_db_get_i64(idr, 0, 0);
    char num[6][24];
    const char *adv[] = {crm_i64(num[0], req->import_id), crm_i64(num[1], (int64_t)c->rows.n),
                         crm_i64(num[2], c->counts[0]),   crm_i64(num[3], c->counts[1]),
                         crm_i64(num[4], c->counts[2]),   crm_i64(num[5], req->seq),
                         req->last ? "true" : "false",    c->rows.header ? c->rows.header : ""};
    crm_txn_read(t, "advanced", "import_advance", 8, adv);
    return CRM_TXN_AGAIN;
}

/* Round 3 back: the leads, and the chunk's results stored for a retry. */
static int s_chunk_write(crm_txn_t *t, chunk_t *c)
{
    const Crm__Leads__ImportChunkRequest *req = crm_txn_request(t);
    const Crm__Caller *caller = crm_txn_caller(t);
    import_leads_t common = {
        .import_id = req->import_id,
        .owner_id = c->target.owner_id,
        .pool_id = c->target.pool_id,
        .department_id = c->target.department_id ? c->target.department_id : caller->department_id,
        .creator_id = caller->user_id,
        .status = c->target.owner_id ? LS(PENDING) : LS(UNASSIGNED),
        .now_us = c->now_us,
    };
    crm_db_batch_t *b = crm_txn_batch(t);
    leads_import_store_created(b, &c->rows, &common);
    Crm__Leads__ImportChunkReply reply = CRM__LEADS__IMPORT_CHUNK_REPLY__INIT;
    reply.results = c->result_ptrs;
    reply.n_results = c->rows.n;
    size_t len = crm__leads__import_chunk_reply__get_packed_size(&reply);
    uint8_t *bytes = crm_malloc(len + 1);
    crm__leads__import_chunk_reply__pack(&reply, bytes);
    char *hex = crm_db_bytea_hex(bytes, len);
    free(bytes);
    char id[24], seq[24];
    const char *chunk[] = {crm_i64(id, req->import_id), crm_i64(seq, req->seq), hex};
    crm_db_batch_add(b, "import_chunk_insert", 3, chunk);
    free(hex);
    Crm__Leads__Import imp;
    Crm__Leads__ImportTarget target;
    leads_import_row(crm_txn_result(t, "advanced"), 0, &imp, &target, NULL);
    reply.import = &imp;
    crm_txn_reply(t, &reply.base);
    return 0;
}

static void s_chunk_read(crm_txn_t *t)
{
    const Crm__Leads__ImportChunkRequest *req = crm_txn_request(t);
    char id[24], seq[24];
    const char *p[] = {crm_i64(id, req->import_id), crm_i64(seq, req->seq)};
    crm_txn_read(t, "import", "import_lock", 1, p);
    crm_txn_read(t, "stored", "import_chunk_get", 2, p);
    crm_txn_read(t, "options", "import_options", 0, NULL);
}

static int s_chunk_decide(crm_txn_t *t)
{
    chunk_t *c = crm_txn_data(t);
    switch (crm_txn_round(t)) {
    case 1:
        return s_chunk_loaded(t, c);
    case 2:
        return s_chunk_checked(t, c);
    default:
        return s_chunk_write(t, c);
    }
}

static const crm_txn_op_t s_chunk_op = {
    .read = s_chunk_read, .decide = s_chunk_decide, .done = s_chunk_free};

/* The request's shape. Returns 1, or 0 after failing call. */
static int s_check_chunk(crm_rpc_call_t *call, const Crm__Leads__ImportChunkRequest *req)
{
    if (!crm_check_id(call, "import_id", req->import_id))
        return 0;
    const char *field = NULL, *why = NULL;
    if (req->seq < 1)
        field = "seq", why = "chunks are numbered from 1";
    else if (req->n_rows > IMPORT_MAX_ROWS)
        field = "rows", why = "at most 5000 rows per chunk";
    else if (strlen(req->csv) > IMPORT_MAX_CSV)
        field = "csv", why = "at most 1 MiB of CSV per chunk";
    else if (req->n_rows && *req->csv)
        field = "csv", why = "give rows or csv, not both";
    if (!field)
        return 1;
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field, "%s", why);
    return 0;
}

static void s_chunk(crm_rpc_call_t *call, const Crm__Leads__ImportChunkRequest *req, void *arg)
{
    leads_t *l = arg;
    if (!s_check_chunk(call, req))
        return;
    crm_txn_run(&l->env, call, &s_chunk_op, crm_calloc(1, sizeof(chunk_t)));
}

void leads_import_handlers(leads_handlers_t *h)
{
    h->start_import = s_start;
    h->import_chunk = s_chunk;
    h->get_import = s_get;
    h->cancel_import = s_cancel;
    h->list_imports = s_list;
}
