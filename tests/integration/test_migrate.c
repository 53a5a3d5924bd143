/* test_migrate.c: migrations against a real PostgreSQL started by the
 * harness. Two processes migrate the same empty database at once: each
 * migration (one of them a plain CREATE TABLE, which fails if run twice) is
 * applied exactly once. A second run applies nothing; a failing migration
 * returns -1 and leaves nothing of itself behind, while the migrations before
 * it stay applied; an unreachable server returns -1; the common library's
 * own migrations apply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crm/migrate.h"
#include "crm/util.h"
#include "harness.h"

/* The first one sleeps, so the two processes surely overlap. */
static const crm_migration_t s_three[] = {
    {"001_items", "CREATE TABLE m_items (id int PRIMARY KEY);\n"
                  "SELECT pg_sleep(0.3);\n"
                  "INSERT INTO m_items VALUES (1);"},
    {"002_function", "CREATE TABLE m_more (id int);\n"
                     "CREATE FUNCTION m_answer() RETURNS int LANGUAGE plpgsql AS $$\n"
                     "BEGIN\n  RETURN 42; -- a dollar-quoted body with ; inside\nEND\n$$;"},
    {"003_alter", "INSERT INTO m_items VALUES (2);\n"
                  "ALTER TABLE m_more ADD COLUMN name text NOT NULL DEFAULT '';"},
    {NULL, NULL},
};

static const crm_migration_t s_with_bad[] = {
    {"001_items", "this is never run again"},
    {"002_function", "nor this"},
    {"003_alter", "nor this"},
    {"004_good", "CREATE TABLE m_good (id int);"},
    {"005_bad", "CREATE TABLE m_bad (id int);\n"
                "INSERT INTO m_bad VALUES (1);\n"
                "UPDATE m_items SET id = id + 100;\n"
                "SELECT 1 / 0;"},
    {"006_after", "CREATE TABLE m_after (id int);"},
    {NULL, NULL},
};

/* Forks a process that waits for the start signal (the pipe go closed), migrates and exits
 * with the count (255 for -1). */
static pid_t s_spawn(const char *conninfo, const int go[2])
{
    pid_t pid = fork();
    H_CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) < 0)
            _exit(254);
        int n = crm_migrate(conninfo, "test", s_three);
        _exit(n < 0 ? 255 : n); /* _exit: the harness' atexit belongs to the parent */
    }
    return pid;
}

static int s_status(pid_t pid)
{
    int st = 0;
    H_CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    H_CHECK(WIFEXITED(st), "migrating process died");
    return WEXITSTATUS(st);
}

int main(void)
{
    h_t *h = h_new("migrate");
    const char *conninfo = h_pg(h, "mig");

    /* Two processes at once on an empty database. */
    int go[2];
    H_CHECK(pipe(go) == 0, "pipe");
    pid_t a = s_spawn(conninfo, go);
    pid_t b = s_spawn(conninfo, go);
    close(go[0]);
    close(go[1]); /* both start now */
    int na = s_status(a), nb = s_status(b);
    H_CHECK(na != 255 && nb != 255, "a concurrent migration failed (%d, %d)", na, nb);
    H_CHECK(na + nb == 3 && (na == 0 || nb == 0), "applied %d + %d, want 3 + 0", na, nb);
    H_CHECK(h_sql_int(h, "mig", "SELECT count(*) FROM crm_migrations WHERE component = 'test'") ==
                3,
            "three recorded");
    H_CHECK(h_sql_int(h, "mig",
                      "SELECT count(*) FROM crm_migrations WHERE component = 'test' AND version"
                      " IN ('001_items', '002_function', '003_alter') AND applied_at <= now()") ==
                3,
            "recorded by version");
    H_CHECK(h_sql_int(h, "mig", "SELECT count(*) FROM m_items") == 2, "m_items rows");
    H_CHECK(h_sql_int(h, "mig", "SELECT m_answer()") == 42, "the $$ function");
    H_CHECK(h_sql_int(h, "mig",
                      "SELECT count(*) FROM information_schema.columns"
                      " WHERE table_name = 'm_more' AND column_name = 'name'") == 1,
            "the ALTER");
    h_note("concurrent migration: ok");

    /* Nothing left to do. */
    H_CHECK(crm_migrate(conninfo, "test", s_three) == 0, "second run applies nothing");
    /* The same version names under another component are its own. */
    const crm_migration_t other[] = {{"001_items", "CREATE TABLE m_other (id int);"}, {NULL, NULL}};
    H_CHECK(crm_migrate(conninfo, "other", other) == 1, "another component");
    H_CHECK(crm_migrate(conninfo, "other", other) == 0, "another component, again");
    h_note("second run: ok");

    /* A failing migration: -1, nothing of it, the ones before it stay. */
    H_CHECK(crm_migrate(conninfo, "test", s_with_bad) == -1, "failing migration returns -1");
    H_CHECK(h_sql_int(h, "mig", "SELECT count(*) FROM crm_migrations WHERE component = 'test'") ==
                4,
            "004 recorded, 005 not");
    H_CHECK(h_sql_int(h, "mig", "SELECT count(*) FROM crm_migrations WHERE version = '005_bad'") ==
                0,
            "005 not recorded");
    H_CHECK(h_sql_int(h, "mig", "SELECT count(*) FROM pg_class WHERE relname = 'm_good'") == 1,
            "004 applied");
    H_CHECK(h_sql_int(h, "mig", "SELECT count(*) FROM pg_class WHERE relname = 'm_bad'") == 0,
            "005's table rolled back");
    H_CHECK(h_sql_int(h, "mig", "SELECT max(id) FROM m_items") == 2, "005's update rolled back");
    H_CHECK(h_sql_int(h, "mig", "SELECT count(*) FROM pg_class WHERE relname = 'm_after'") == 0,
            "nothing after the failure runs");
    /* The lock was given back: a new run gets it, and fails the same way. */
    H_CHECK(crm_migrate(conninfo, "test", s_with_bad) == -1, "fails again");
    H_CHECK(h_sql_int(h, "mig", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0,
            "the advisory lock is released");
    h_note("failing migration: ok");

    H_CHECK(crm_migrate("host=127.0.0.1 port=1 dbname=x connect_timeout=2", "test", s_three) == -1,
            "unreachable server");

    /* The common library's own migrations. */
    int n = 0;
    while (crm_migrations_common[n].version)
        n++;
    const char *common = h_pg(h, "common");
    H_CHECK(crm_migrate(common, "crm", crm_migrations_common) == n, "common migrations");
    H_CHECK(crm_migrate(common, "crm", crm_migrations_common) == 0, "common migrations again");
    h_note("common migrations (%d): ok", n);

    h_destroy(&h);
    h_note("test_migrate: ok");
    return 0;
}
