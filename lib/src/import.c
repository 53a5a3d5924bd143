/* import.c: an import's row and the RPCs around the chunks (see
 * crm/import.h): the statements of a domain's import tables, the import
 * read by column name, the checks of a new import, and start, get, cancel
 * and list. The chunks are import_chunk.c. */
#include "crm/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/list.h"
#include "crm/org.h"
#include "crm/service.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "import_impl.h"

#define IMPORT_COLUMNS                                                                             \
    "id, target_pool_id, target_owner_id, target_department_id, allow_duplicates, file_name,"      \
    " expected_rows, rows, created, duplicates, invalid, chunks, done, csv_header, created_by,"    \
    " crm_us(created_at) AS created_at_us, crm_us(updated_at) AS updated_at_us, cancelled"

/* sql with each {imports}, {chunks}, {seq} and {more_seq} replaced by k's
 * table of imports, of chunks, its id sequence and that of the records made
 * beside (its id sequence when none: none are asked for). Caller frees. */
static char *s_subst(const crm_import_kind_t *k, const char *sql)
{
    const char *names[] = {"{imports}", "{chunks}", "{seq}", "{more_seq}"};
    const char *values[] = {k->imports, k->chunks, k->id_seq,
                            k->more_seq ? k->more_seq : k->id_seq};
    char *out = crm_strdup(sql);
    for (size_t i = 0; i < 4; i++) {
        char *at;
        while ((at = strstr(out, names[i])) != NULL) {
            char *next =
                crm_sprintf("%.*s%s%s", (int)(at - out), out, values[i], at + strlen(names[i]));
            free(out);
            out = next;
        }
    }
    return out;
}

/* Prepares sql (s_subst) as k->imports + "_" + suffix. */
static void s_prepare(crm_db_t *db, const crm_import_kind_t *k, const char *suffix, const char *sql)
{
    char name[96];
    import_stmt(name, sizeof name, k, suffix);
    char *text = s_subst(k, sql);
    crm_db_prepare(db, name, text);
    free(text);
}

void crm_import_prepare(crm_db_t *db, const crm_import_kind_t *k)
{
    s_prepare(db, k, "insert",
              "INSERT INTO {imports} (target_pool_id, target_owner_id, target_department_id,"
              " allow_duplicates, file_name, expected_rows, created_by) VALUES ($1::bigint,"
              " $2::bigint, $3::bigint, $4::boolean, $5, $6::bigint, $7::bigint)"
              " RETURNING " IMPORT_COLUMNS);
    /* Admins ($2) see and cancel every import, others their own ($3). */
    s_prepare(db, k, "cancel",
              "UPDATE {imports} SET done = true, cancelled = true, updated_at = now()"
              " WHERE id = $1::bigint AND NOT done AND ($2::boolean OR created_by = $3::bigint)"
              " RETURNING " IMPORT_COLUMNS);
    s_prepare(db, k, "list",
              "SELECT " IMPORT_COLUMNS " FROM {imports} WHERE ($1::boolean OR"
              " created_by = $2::bigint) AND ($3::bigint = 0 OR id < $3::bigint)"
              " ORDER BY id DESC LIMIT $4::int");
    s_prepare(db, k, "count",
              "SELECT count(*) AS total FROM {imports} WHERE ($1::boolean OR"
              " created_by = $2::bigint)");
    s_prepare(db, k, "get", "SELECT " IMPORT_COLUMNS " FROM {imports} WHERE id = $1::bigint");
    /* Chunks of one import apply one after the other. */
    s_prepare(db, k, "lock",
              "SELECT " IMPORT_COLUMNS " FROM {imports} WHERE id = $1::bigint FOR UPDATE");
    s_prepare(db, k, "chunk_get",
              "SELECT results FROM {chunks} WHERE import_id = $1::bigint AND seq = $2::int");
    s_prepare(db, k, "ids",
              "SELECT crm_us(now()), ARRAY(SELECT nextval('{seq}') FROM generate_series(1,"
              " $1::int)), ARRAY(SELECT nextval('{more_seq}') FROM generate_series(1, $2::int))");
    s_prepare(db, k, "advance",
              "UPDATE {imports} SET rows = rows + $2::bigint, created = created + $3::bigint,"
              " duplicates = duplicates + $4::bigint, invalid = invalid + $5::bigint,"
              " chunks = $6::int, done = $7::boolean,"
              " csv_header = CASE WHEN $8 <> '' THEN $8 ELSE csv_header END,"
              " updated_at = now() WHERE id = $1::bigint RETURNING " IMPORT_COLUMNS);
    s_prepare(db, k, "chunk_insert",
              "INSERT INTO {chunks} (import_id, seq, results) VALUES ($1::bigint, $2::int,"
              " $3::bytea)");
}

void import_stmt(char *out, size_t cap, const crm_import_kind_t *k, const char *suffix)
{
    snprintf(out, cap, "%s_%s", k->imports, suffix);
}

/* ---- the import's row --------------------------------------------------- */

static int64_t s_i64(const PGresult *r, int i, const char *col)
{
    return crm_db_get_i64(r, i, PQfnumber(r, col));
}

void import_row(const PGresult *r, int i, crm_import_t *imp)
{
    *imp = (crm_import_t){
        .id = s_i64(r, i, "id"),
        .pool_id = s_i64(r, i, "target_pool_id"),
        .owner_id = s_i64(r, i, "target_owner_id"),
        .department_id = s_i64(r, i, "target_department_id"),
        .allow_duplicates = crm_db_get_bool(r, i, PQfnumber(r, "allow_duplicates")),
        .file_name = crm_db_get(r, i, PQfnumber(r, "file_name")),
        .expected_rows = s_i64(r, i, "expected_rows"),
        .rows = s_i64(r, i, "rows"),
        .created = s_i64(r, i, "created"),
        .duplicates = s_i64(r, i, "duplicates"),
        .invalid = s_i64(r, i, "invalid"),
        .chunks = (int32_t)s_i64(r, i, "chunks"),
        .done = crm_db_get_bool(r, i, PQfnumber(r, "done")),
        .cancelled = crm_db_get_bool(r, i, PQfnumber(r, "cancelled")),
        .csv_header = crm_db_get(r, i, PQfnumber(r, "csv_header")),
        .created_by = s_i64(r, i, "created_by"),
        .created_at_us = s_i64(r, i, "created_at_us"),
        .updated_at_us = s_i64(r, i, "updated_at_us"),
    };
}

int import_owned(const Crm__Caller *c, const crm_import_t *imp)
{
    return crm_scope_all(c) || (c->user_id && c->user_id == imp->created_by);
}

/* ---- checks --------------------------------------------------------------- */

int crm_import_check_start(const crm_import_kind_t *k, const crm_import_t *t, const Crm__Caller *c,
                           crm_err_t *err)
{
    int targets = (t->pool_id != 0) + (t->owner_id != 0) + (t->department_id != 0);
    if (k->untargeted && targets)
        return crm_err_invalid(err, "target", "%s go where each row says: give no target",
                               k->nouns);
    if (!k->untargeted && targets != 1)
        return crm_err_invalid(err, "target",
                               "give exactly one target: pool_id, owner_id or department_id");
    if (t->pool_id < 0 || t->owner_id < 0 || t->department_id < 0)
        return crm_err_invalid(err, "target", "ids must not be negative");
    if (t->owner_id && !crm_scope_allows(c, t->owner_id))
        return crm_err_set(err, CRM__STATUS__PERMISSION_DENIED, "target.owner_id",
                           "you may not import %s for user %lld", k->nouns, (long long)t->owner_id);
    if (t->department_id && !crm_scope_all(c) &&
        !(c->role == CRM__ROLE__ROLE_MANAGER && c->department_id == t->department_id))
        return crm_err_set(err, CRM__STATUS__PERMISSION_DENIED, "target.department_id",
                           "only admins and the department's managers may import to department "
                           "%lld",
                           (long long)t->department_id);
    if (crm_text_check(err, "file_name", t->file_name, 255, 0) < 0)
        return -1;
    if (t->expected_rows < 0)
        return crm_err_invalid(err, "expected_rows", "must not be negative");
    return 0;
}

int crm_import_check_chunk(const crm_import_request_t *req, crm_err_t *err)
{
    if (req->import_id < 1)
        return crm_err_invalid(err, "import_id", "import_id must be a positive id");
    if (req->seq < 1)
        return crm_err_invalid(err, "seq", "chunks are numbered from 1");
    if (req->n_rows > CRM_IMPORT_MAX_ROWS)
        return crm_err_invalid(err, "rows", "at most %d rows per chunk", CRM_IMPORT_MAX_ROWS);
    if (strlen(req->csv) > CRM_IMPORT_MAX_CSV)
        return crm_err_invalid(err, "csv", "at most 1 MiB of CSV per chunk");
    if (req->n_rows && *req->csv)
        return crm_err_invalid(err, "csv", "give rows or csv, not both");
    return 0;
}

/* ---- start, get, cancel ----------------------------------------------- */

/* Replies to call with imp as the kind's import message. */
static void s_answer(const crm_import_kind_t *k, crm_rpc_call_t *call, const crm_import_t *imp)
{
    import_msg_t m = {.n = 0};
    crm_rpc_reply(call, import_msg_import(&m, k, imp));
    import_msg_clear(&m);
}

/* A call on an import and what answers it. */
typedef struct {
    const crm_import_kind_t *k;
    crm_rpc_call_t *call;
    int64_t id;
    int32_t limit;
    const char *cursor;
} s_call_t;

static s_call_t *s_call(const crm_import_kind_t *k, crm_rpc_call_t *call, int64_t id)
{
    s_call_t *s = crm_calloc(1, sizeof *s);
    s->k = k;
    s->call = call;
    s->id = id;
    return s;
}

static void s_started(void *arg, const crm_db_result_t *res)
{
    s_call_t *s = arg;
    if (res->err) {
        crm_fail_db(s->call, res);
    } else {
        crm_import_t imp;
        import_row(res->results[res->nresults - 1], 0, &imp);
        s_answer(s->k, s->call, &imp);
    }
    free(s);
}

void crm_import_start(const crm_import_kind_t *k, crm_db_t *db, crm_rpc_call_t *call,
                      const crm_import_t *imp)
{
    char n[5][24], stmt[96];
    const char *p[] = {crm_i64(n[0], imp->pool_id),
                       crm_i64(n[1], imp->owner_id),
                       crm_i64(n[2], imp->department_id),
                       imp->allow_duplicates ? "true" : "false",
                       imp->file_name ? imp->file_name : "",
                       crm_i64(n[3], imp->expected_rows),
                       crm_i64(n[4], crm_rpc_call_caller(call)->user_id)};
    import_stmt(stmt, sizeof stmt, k, "insert");
    crm_db_batch_t *b = crm_db_batch_new();
    crm_import_require_target(b, imp);
    crm_db_batch_add(b, stmt, 7, p);
    crm_db_submit(db, &b, s_started, s_call(k, call, 0));
}

void crm_import_require_target(crm_db_batch_t *b, const crm_import_t *imp)
{
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "target.owner_id", imp->owner_id);
    crm_org_department(refs, "target.department_id", imp->department_id);
    crm_org_require(b, &refs);
}

static void s_got(void *arg, const crm_db_result_t *res)
{
    s_call_t *s = arg;
    crm_import_t imp;
    if (res->err)
        crm_fail_db(s->call, res);
    else if (PQntuples(res->results[0]) == 1 && (import_row(res->results[0], 0, &imp),
                                                 import_owned(crm_rpc_call_caller(s->call), &imp)))
        s_answer(s->k, s->call, &imp);
    else
        crm_rpc_fail(s->call, CRM__STATUS__NOT_FOUND, "id", "import %lld not found",
                     (long long)s->id);
    free(s);
}

void crm_import_get(const crm_import_kind_t *k, crm_db_t *db, crm_rpc_call_t *call, int64_t id)
{
    if (!crm_check_id(call, "id", id))
        return;
    char n[24], stmt[96];
    const char *p[] = {crm_i64(n, id)};
    import_stmt(stmt, sizeof stmt, k, "get");
    crm_db_exec(db, stmt, 1, p, s_got, s_call(k, call, id));
}

static void s_cancelled(void *arg, const crm_db_result_t *res)
{
    s_call_t *s = arg;
    crm_import_t imp;
    if (res->err) {
        crm_fail_db(s->call, res);
    } else if (PQntuples(res->results[1]) == 0 ||
               (import_row(res->results[1], 0, &imp),
                !import_owned(crm_rpc_call_caller(s->call), &imp))) {
        crm_rpc_fail(s->call, CRM__STATUS__NOT_FOUND, "id", "import %lld not found",
                     (long long)s->id);
    } else if (PQntuples(res->results[0]) == 0) {
        crm_rpc_fail(s->call, CRM__STATUS__FAILED_PRECONDITION, "id",
                     "import %lld is already complete", (long long)s->id);
    } else {
        import_row(res->results[0], 0, &imp);
        s_answer(s->k, s->call, &imp);
    }
    free(s);
}

void crm_import_cancel(const crm_import_kind_t *k, crm_db_t *db, crm_rpc_call_t *call, int64_t id)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    if (!crm_check_id(call, "id", id))
        return;
    char n[24], user[24], cancel[96], get[96];
    const char *p[] = {crm_i64(n, id), crm_scope_all(c) ? "true" : "false",
                       crm_i64(user, c->user_id)};
    import_stmt(cancel, sizeof cancel, k, "cancel");
    import_stmt(get, sizeof get, k, "get");
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, cancel, 3, p);
    crm_db_batch_add(b, get, 1, p);
    crm_db_submit(db, &b, s_cancelled, s_call(k, call, id));
}

/* ---- list --------------------------------------------------------------- */

/* Imports, newest first. */
static const crm_key_t s_keys[] = {CRM_KEY_ID};
static const crm_keyset_t s_imports = {.tag = "imports", .keys = s_keys, .n = 1};

static void s_listed(void *arg, const crm_db_result_t *res)
{
    s_call_t *s = arg;
    if (res->err) {
        crm_fail_db(s->call, res);
        free(s);
        return;
    }
    const PGresult *r = res->results[0];
    crm_page_t pg;
    crm_page_check_max(&pg, &s_imports, s->limit, 20, crm_page_max(s->call), s->cursor, NULL);
    char *next;
    size_t n = crm_page_rows(&pg, r, &next);
    crm_import_t *imps = crm_calloc(n + 1, sizeof *imps);
    for (size_t i = 0; i < n; i++)
        import_row(r, (int)i, &imps[i]);
    import_msg_t m = {.n = 0};
    crm_rpc_reply(s->call, import_msg_list(&m, s->k, imps, n, next ? next : "",
                                           res->nresults > 1 ? res->results[1] : NULL));
    import_msg_clear(&m);
    free(imps);
    free(next);
    free(s);
}

void crm_import_list(const crm_import_kind_t *k, crm_db_t *db, crm_rpc_call_t *call, int32_t limit,
                     const char *cursor, int total)
{
    const Crm__Caller *c = crm_rpc_call_caller(call);
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &s_imports, limit, 20, cursor))
        return;
    char user[24], after[24], lim[16], stmt[96], count[96];
    snprintf(lim, sizeof lim, "%d", pg.limit + 1);
    const char *p[] = {crm_scope_all(c) ? "true" : "false", crm_i64(user, c->user_id),
                       crm_i64(after, pg.after[0]), lim};
    import_stmt(stmt, sizeof stmt, k, "list");
    import_stmt(count, sizeof count, k, "count");
    s_call_t *s = s_call(k, call, 0);
    s->limit = limit;
    s->cursor = cursor; /* the request's, alive until the reply */
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, stmt, 4, p);
    if (total)
        crm_db_batch_add(b, count, 2, p);
    crm_db_submit(db, &b, s_listed, s);
}
