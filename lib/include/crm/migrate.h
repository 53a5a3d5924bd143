/* migrate.h: versioned SQL migrations, applied at start.
 *
 * Each migration runs in its own transaction and is recorded in
 * crm_migrations(component, version). The whole run holds a PostgreSQL
 * advisory lock, so two instances starting together apply each migration
 * once: the second waits, then finds nothing left to do. */
#ifndef CRM_MIGRATE_H
#define CRM_MIGRATE_H

/* One migration; a list ends with {NULL, NULL}. The version is the file's
 * name without ".sql", e.g. "001_init"; versions apply in list order. */
typedef struct {
    const char *version;
    const char *sql;
} crm_migration_t;

/* The migrations of the common library (outbox, consumer offsets), applied
 * to every service's database before the service's own. */
extern const crm_migration_t crm_migrations_common[];

/* Applies what is missing of list under component, connecting with
 * conninfo (blocking: this runs before the loop starts). Returns the number
 * applied, or -1 after logging why. */
int crm_migrate(const char *conninfo, const char *component, const crm_migration_t *list);

#endif
