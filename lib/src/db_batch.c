/* db_batch.c: a batch of statements (built by the caller, sent by the pool
 * as one round) and its outcome: the results, or the first error with the
 * kind its SQLSTATE is (see db.h). */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"
#include "db_impl.h"

/* A copy of libpq's message without its trailing newline; caller frees. */
char *db_msg(const char *m)
{
    if (!m || !*m)
        return crm_strdup("connection lost");
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    return crm_strndup(m, n);
}

/* The kind of error a SQLSTATE is. "" is a lost connection. */
static crm_db_error_t s_kind(const char *st)
{
    if (!st || !*st)
        return CRM_DB_RETRY;
    if (!strcmp(st, "23505"))
        return CRM_DB_UNIQUE;
    if (!strcmp(st, "23503") || !strcmp(st, "23502") || !strcmp(st, "23514") ||
        !strncmp(st, "22", 2))
        return CRM_DB_REJECTED;
    if (!strcmp(st, "40001") || !strcmp(st, "40P01"))
        return CRM_DB_RETRY;
    if (!strcmp(st, "P0001"))
        return CRM_DB_REFUSED;
    /* connection exceptions, the server shutting down or cancelling us */
    if (!strncmp(st, "08", 2) || !strcmp(st, "57P01") || !strcmp(st, "57P02") ||
        !strcmp(st, "57P03"))
        return CRM_DB_RETRY;
    return CRM_DB_BUG;
}

void db_clear_results(PGresult **res, int n)
{
    if (!res)
        return;
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
    free(res);
}

PGresult **crm_db_results_take(const crm_db_result_t *res)
{
    PGresult **out = crm_calloc(res->nresults + 1, sizeof *out);
    for (size_t i = 0; i < res->nresults; i++) {
        out[i] = res->results[i];
        res->results[i] = NULL; /* the batch clears nothing of them */
    }
    return out;
}

void crm_db_results_free(PGresult **results, size_t n)
{
    db_clear_results(results, (int)n);
}

void db_batch_free(crm_db_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        s_stmt_t *s = &b->stmts[i];
        for (int j = 0; j < s->nparams; j++)
            free(s->values[j]);
        free(s->values);
        free(s->stmt);
    }
    free(b->stmts);
    db_clear_results(b->res, b->nres);
    free(b->sqlstate);
    free(b->message);
    free(b->constraint);
    free(b->detail);
    free(b);
}

/* Marks b failed with the given error (copied); its results are dropped. */
void db_fail(crm_db_batch_t *b, crm_db_error_t kind, const char *sqlstate, const char *message,
             const char *constraint, const char *detail)
{
    db_clear_results(b->res, b->nres);
    b->res = NULL;
    b->nres = 0;
    free(b->sqlstate);
    free(b->message);
    free(b->constraint);
    free(b->detail);
    b->sqlstate = crm_strdup(sqlstate ? sqlstate : "");
    b->message = crm_strdup(message ? message : "");
    b->constraint = crm_strdup(constraint ? constraint : "");
    b->detail = crm_strdup(detail ? detail : "");
    b->out = (crm_db_result_t){.err = 1,
                               .kind = kind,
                               .sqlstate = b->sqlstate,
                               .message = b->message,
                               .constraint = b->constraint,
                               .detail = b->detail,
                               .failed = -1};
}

/* Fills b->out from the results of its round (res, owned from now on). */
void db_outcome(crm_db_batch_t *b, PGresult **res, int nres)
{
    b->res = res;
    b->nres = nres;
    crm_db_result_t *o = &b->out;
    *o = (crm_db_result_t){.kind = CRM_DB_OK,
                           .sqlstate = "",
                           .message = "",
                           .constraint = "",
                           .detail = "",
                           .failed = -1,
                           .results = res + b->off,
                           .nresults = b->n};
    int aborted = 0;
    for (int i = 0; i < nres; i++) {
        ExecStatusType st = res[i] ? PQresultStatus(res[i]) : PGRES_FATAL_ERROR;
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
            continue;
        if (st == PGRES_PIPELINE_ABORTED) {
            aborted = 1;
            continue;
        }
        o->err = 1;
        o->failed = i >= b->off && (size_t)(i - b->off) < b->n ? i - b->off : -1;
        if (res[i] && st == PGRES_FATAL_ERROR) {
            const char *f = PQresultErrorField(res[i], PG_DIAG_SQLSTATE);
            o->sqlstate = f ? f : "";
            f = PQresultErrorField(res[i], PG_DIAG_MESSAGE_PRIMARY);
            o->message = f ? f : PQresultErrorMessage(res[i]);
            f = PQresultErrorField(res[i], PG_DIAG_CONSTRAINT_NAME);
            o->constraint = f ? f : "";
            f = PQresultErrorField(res[i], PG_DIAG_MESSAGE_DETAIL);
            o->detail = f ? f : "";
            o->kind = s_kind(o->sqlstate);
            if (o->kind == CRM_DB_RETRY && !*o->sqlstate)
                o->kind = CRM_DB_BUG; /* an error without a code */
        } else {
            o->kind = CRM_DB_BUG;
            o->message = res[i] ? PQresStatus(st) : "no result";
        }
        return;
    }
    if (aborted) {
        o->err = 1;
        o->kind = CRM_DB_BUG;
        o->message = "pipeline aborted";
    }
}

crm_db_batch_t *crm_db_batch_new(void)
{
    return crm_calloc(1, sizeof(crm_db_batch_t));
}

void crm_db_batch_add(crm_db_batch_t *b, const char *stmt, int nparams, const char *const *values)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4;
        b->stmts = crm_realloc(b->stmts, b->cap * sizeof *b->stmts);
    }
    s_stmt_t *s = &b->stmts[b->n++];
    s->stmt = crm_strdup(stmt);
    s->text = strchr(stmt, ' ') != NULL;
    s->binary = 0;
    s->nparams = nparams > 0 ? nparams : 0;
    s->values = s->nparams ? crm_calloc((size_t)s->nparams, sizeof *s->values) : NULL;
    for (int i = 0; i < s->nparams; i++)
        s->values[i] = values && values[i] ? crm_strdup(values[i]) : NULL;
}

void crm_db_batch_binary(crm_db_batch_t *b)
{
    if (b && b->n)
        b->stmts[b->n - 1].binary = 1;
}

size_t crm_db_batch_size(const crm_db_batch_t *b)
{
    return b ? b->n : 0;
}

void crm_db_batch_append(crm_db_batch_t *dst, crm_db_batch_t **src_p)
{
    crm_db_batch_t *src = src_p ? *src_p : NULL;
    if (!src)
        return;
    *src_p = NULL;
    for (size_t i = 0; i < src->n; i++) {
        if (dst->n == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 4;
            dst->stmts = crm_realloc(dst->stmts, dst->cap * sizeof *dst->stmts);
        }
        dst->stmts[dst->n++] = src->stmts[i]; /* the strings move with it */
    }
    src->n = 0;
    db_batch_free(src);
}

void crm_db_batch_destroy(crm_db_batch_t **b_p)
{
    if (b_p && *b_p) {
        db_batch_free(*b_p);
        *b_p = NULL;
    }
}
