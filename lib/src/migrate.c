/* migrate.c: versioned SQL migrations, applied at start with blocking libpq
 * (see migrate.h).
 *
 * The run holds a session-level advisory lock taken before anything else,
 * even before crm_migrations is created: two processes running
 * CREATE TABLE IF NOT EXISTS at once can both find the table missing and
 * one then fails on the catalog's unique index. Each migration runs in its
 * own transaction together with the INSERT that records it, so a migration
 * is applied entirely and recorded, or not at all. A migration's SQL may
 * hold many statements and $$ bodies, but no transaction control of its own
 * and nothing that cannot run inside a transaction block. */
#include "crm/migrate.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"

/* The advisory lock key every crm_migrate takes ("CRMMIGR" in ASCII). */
#define MIGRATE_LOCK_KEY "18932815399717202"

static void s_quiet(void *arg, const char *message) {}

/* Logs why the last command failed, with the failing result when there is
 * one. */
static void s_log_failure(const char *what, const char *component, const char *version, PGconn *pg,
                          PGresult *r)
{
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(pg);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    char *m = crm_strdup(msg && *msg ? msg : "unknown error");
    size_t n = strlen(m);
    while (n && m[n - 1] == '\n')
        m[--n] = '\0';
    crm_log(CRM_ERROR, what, "component", component, "version", version ? version : "", "sqlstate",
            state ? state : "", "error", m, NULL);
    free(m);
}

/* Runs sql (one or more statements); returns 0 or -1 after logging. */
static int s_exec(PGconn *pg, const char *sql, const char *what, const char *component,
                  const char *version)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
    if (!ok)
        s_log_failure(what, component, version, pg, r);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Returns 1 if version of component is recorded, 0 if not, -1 on error. */
static int s_applied(PGconn *pg, const char *component, const char *version)
{
    const char *params[] = {component, version};
    PGresult *r =
        PQexecParams(pg, "SELECT 1 FROM crm_migrations WHERE component = $1 AND version = $2", 2,
                     NULL, params, NULL, NULL, 0);
    int out = -1;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK)
        out = PQntuples(r) > 0;
    else
        s_log_failure("cannot read crm_migrations", component, version, pg, r);
    PQclear(r);
    return out;
}

/* Applies one migration and records it, in one transaction. Returns 0, or
 * -1 after rolling back. */
static int s_apply(PGconn *pg, const char *component, const crm_migration_t *m)
{
    if (s_exec(pg, "BEGIN", "cannot begin a migration", component, m->version) < 0)
        return -1;
    if (s_exec(pg, m->sql, "migration failed", component, m->version) < 0)
        goto fail;
    const char *params[] = {component, m->version};
    PGresult *r =
        PQexecParams(pg, "INSERT INTO crm_migrations (component, version) VALUES ($1, $2)", 2, NULL,
                     params, NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        s_log_failure("cannot record a migration", component, m->version, pg, r);
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    if (s_exec(pg, "COMMIT", "cannot commit a migration", component, m->version) < 0)
        goto fail;
    return 0;
fail:
    PQclear(PQexec(pg, "ROLLBACK"));
    return -1;
}

int crm_migrate(const char *conninfo, const char *component, const crm_migration_t *list)
{
    const char *keys[] = {"dbname", "fallback_application_name", NULL};
    const char *vals[] = {conninfo, "crm-migrate", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        s_log_failure("cannot connect to migrate", component, NULL, pg, NULL);
        PQfinish(pg);
        return -1;
    }
    PQsetNoticeProcessor(pg, s_quiet, NULL); /* "relation already exists, skipping" */
    int applied = -1;
    if (s_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
               "cannot take the migration lock", component, NULL) < 0)
        goto out;
    if (s_exec(pg,
               "CREATE TABLE IF NOT EXISTS crm_migrations ("
               " component text NOT NULL,"
               " version text NOT NULL,"
               " applied_at timestamptz NOT NULL DEFAULT now(),"
               " PRIMARY KEY (component, version))",
               "cannot create crm_migrations", component, NULL) < 0)
        goto unlock;
    int n = 0;
    for (const crm_migration_t *m = list; m && m->version; m++) {
        int done = s_applied(pg, component, m->version);
        if (done < 0 || (!done && s_apply(pg, component, m) < 0))
            goto unlock;
        if (!done) {
            crm_log(CRM_INFO, "migration applied", "component", component, "version", m->version,
                    NULL);
            n++;
        }
    }
    applied = n;
unlock:
    PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
out:
    PQfinish(pg);
    return applied;
}
