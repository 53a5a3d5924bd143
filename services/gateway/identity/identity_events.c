/* identity_events.c: the organisation's events (proto/org.proto) the
 * gateway writes with each change of a user or department, in the change's
 * own transaction (the outbox), so every domain service's read model of the
 * organisation (crm/org.h) follows; the organisation's snapshot
 * (CRM_ORG_SNAPSHOT, crm/snapshot.h) a service too far behind rebuilds its
 * read model from; and, once per database, the backfill that announces the
 * users and departments made before these events existed (or by the
 * start-up bootstrap). */
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/log.h"
#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/snapshot.h"
#include "crm/util.h"
#include "identity_impl.h"
#include "org.pb-c.h"

/* Column col of row i by name ("" when absent). */
static const char *s_col(const PGresult *r, int i, const char *col)
{
    int c = PQfnumber(r, col);
    return c < 0 ? "" : crm_db_get(r, i, c);
}

static int64_t s_i64(const PGresult *r, int i, const char *col)
{
    int c = PQfnumber(r, col);
    return c < 0 ? 0 : crm_db_get_i64(r, i, c);
}

/* The user of row i (columns named as the User message's fields). */
static void s_user(const PGresult *r, int i, Crm__OrgUser *u)
{
    crm__org_user__init(u);
    u->id = s_i64(r, i, "id");
    u->department_id = s_i64(r, i, "department_id");
    u->active = !strcmp(s_col(r, i, "active"), "t");
    u->display_name = (char *)s_col(r, i, "display_name");
    u->role = (char *)s_col(r, i, "role");
}

static void s_department(const PGresult *r, int i, int active, Crm__OrgDepartment *d)
{
    crm__org_department__init(d);
    d->id = s_i64(r, i, "id");
    d->parent_id = s_i64(r, i, "parent_id");
    d->active = active;
    d->name = (char *)s_col(r, i, "name");
}

void id_event_user(crm_db_batch_t *b, const char *type, const PGresult *r, int i)
{
    Crm__OrgUser u;
    s_user(r, i, &u);
    crm_outbox_add(b, type, s_col(r, i, "id"), &u.base);
}

void id_event_user_left(crm_db_batch_t *b, const PGresult *r, int i, int64_t successor_id,
                        Crm__OrgSuccessor **successors, size_t n)
{
    Crm__OrgUser u;
    s_user(r, i, &u);
    u.successor_id = successor_id;
    u.successors = successors;
    u.n_successors = n;
    crm_outbox_add(b, "user.deactivated", s_col(r, i, "id"), &u.base);
}

void id_event_department(crm_db_batch_t *b, const char *type, const PGresult *r, int i, int active)
{
    Crm__OrgDepartment d;
    s_department(r, i, active, &d);
    crm_outbox_add(b, type, s_col(r, i, "id"), &d.base);
}

/* ---- the snapshot ------------------------------------------------------------ */

/* Every department ("d<id>"), then every user ("u<id>"), in cursor order;
 * the columns named as the events' fields. */
static const char s_snapshot_sql[] =
    "SELECT * FROM (SELECT 'd' || lpad(id::text, 19, '0') AS cursor, 'department' AS kind, id,"
    " name, COALESCE(parent_id, 0) AS parent_id, 0::bigint AS department_id, true AS active,"
    " '' AS display_name, '' AS role FROM departments"
    " UNION ALL SELECT 'u' || lpad(id::text, 19, '0'), 'user', id, '', 0, department_id,"
    " active, display_name, role FROM users) r WHERE cursor > $1 ORDER BY cursor LIMIT $2::int";

static void s_snapshot_add(void *arg, const PGresult *r, int i, crm_snapshot_page_t *page)
{
    if (!strcmp(s_col(r, i, "kind"), "user")) {
        Crm__OrgUser u;
        s_user(r, i, &u);
        crm_snapshot_record(page, "user.snapshot", s_col(r, i, "id"), &u.base);
    } else {
        Crm__OrgDepartment d;
        s_department(r, i, 1, &d);
        crm_snapshot_record(page, "department.snapshot", s_col(r, i, "id"), &d.base);
    }
}

static const crm_snapshot_reader_t s_snapshot = {CRM_ORG_SNAPSHOT, s_snapshot_sql, s_snapshot_add,
                                                 NULL};

void id_events_snapshot(gw_identity_t *id)
{
    crm_service_snapshot(id->svc, &s_snapshot);
}

/* ---- the backfill ------------------------------------------------------------ */

static int s_ok(PGresult *r)
{
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        crm_log(CRM_ERROR, "organisation backfill failed", "error", PQresultErrorMessage(r), NULL);
    return ok;
}

static int s_run(PGconn *db, const char *sql)
{
    PGresult *r = PQexec(db, sql);
    int ok = s_ok(r);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Writes one event of type about the record aggregate with payload. */
static int s_insert(PGconn *db, const char *type, const char *aggregate,
                    const ProtobufCMessage *payload)
{
    char id[37];
    crm_uuid(id);
    size_t len = protobuf_c_message_get_packed_size(payload);
    uint8_t *buf = crm_malloc(len + 1);
    protobuf_c_message_pack(payload, buf);
    char *hex = crm_db_bytea_hex(buf, len);
    const char *p[] = {id, type, aggregate, hex, ""}; /* at start: no request's trace */
    PGresult *r = PQexecParams(db, CRM_OUTBOX_INSERT_SQL, 5, NULL, p, NULL, NULL, 0);
    int ok = s_ok(r);
    PQclear(r);
    free(hex);
    free(buf);
    return ok ? 0 : -1;
}

/* One "<kind>.created" per row of sql, parents before their children. */
static int s_announce(PGconn *db, const char *sql, int users)
{
    PGresult *r = PQexec(db, sql);
    int rc = s_ok(r) ? 0 : -1;
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        if (users) {
            Crm__OrgUser u;
            s_user(r, i, &u);
            rc = s_insert(db, "user.created", s_col(r, i, "id"), &u.base);
        } else {
            Crm__OrgDepartment d;
            s_department(r, i, 1, &d);
            rc = s_insert(db, "department.created", s_col(r, i, "id"), &d.base);
        }
    }
    PQclear(r);
    return rc;
}

void id_events_backfill(gw_identity_t *id)
{
    PGconn *db = PQconnectdb(crm_service_config(id->svc)->db_url);
    /* Under the bootstrap's lock: two instances starting at once announce once. */
    int rc = s_run(db, "BEGIN");
    if (!rc)
        rc = s_run(db, "SELECT pg_advisory_xact_lock(hashtext('gateway:bootstrap'))");
    PGresult *r = rc ? NULL : PQexec(db, "SELECT count(*) FROM gw_org_backfill");
    int done = r && s_ok(r) && atol(PQgetvalue(r, 0, 0)) > 0;
    rc = rc || !r || !s_ok(r);
    PQclear(r);
    if (!rc && !done) {
        rc = s_announce(db,
                        "WITH RECURSIVE t AS (SELECT id, 0 AS depth FROM departments"
                        " WHERE parent_id IS NULL UNION ALL SELECT d.id, t.depth + 1"
                        " FROM departments d JOIN t ON d.parent_id = t.id)"
                        " SELECT d.id, d.name, COALESCE(d.parent_id, 0) AS parent_id"
                        " FROM departments d JOIN t USING (id) ORDER BY t.depth, d.id",
                        0);
        if (!rc)
            rc = s_announce(db,
                            "SELECT id, department_id, active, display_name, role FROM users"
                            " ORDER BY id",
                            1);
        if (!rc)
            rc = s_run(db, "INSERT INTO gw_org_backfill VALUES (true)");
    }
    if (!rc)
        rc = s_run(db, "COMMIT");
    PQfinish(db);
    if (rc)
        exit(1);
    if (!done)
        crm_log(CRM_INFO, "organisation announced to the services", NULL);
}
