/* org.c: the organisation as a read model (see org.h): the statements that
 * keep it from the gateway's user.* and department.* events (their consumer
 * is org_handover.c), and the checks of a request's references, read in the
 * change's transaction. */
#include "crm/org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/change.h"
#include "crm/db.h"
#include "crm/event_table.h"
#include "crm/log.h"
#include "crm/util.h"
#include "org.pb-c.h"
#include "org_impl.h"

/* ---- the read model, kept from events ------------------------------------ */

/* Each event carries the whole state: applying it is an upsert, so the
 * stream's order (the gateway's commit order) leaves the latest state. The
 * record's exclusive lock first: the changes that read it before commit
 * first (lib/sql/008_org_refs_lock.sql). */
static void s_upsert(crm_db_batch_t *b, const Crm__Event *ev, const char *kind, const char *stmt,
                     int64_t id, int64_t ref, int active)
{
    char i[24], r[24];
    const char *hold[] = {kind, crm_i64(i, id)};
    /* Not for a snapshot's records: a rebuild runs no handover, and its
     * thousands of locks would fill the server's lock table. */
    size_t n = strlen(ev->type), k = strlen(".snapshot");
    if (n < k || strcmp(ev->type + n - k, ".snapshot") != 0)
        crm_db_batch_add(b, "SELECT crm_org_hold($1, $2::bigint)", 2, hold);
    const char *p[] = {i, crm_i64(r, ref), active ? "t" : "f"};
    crm_db_batch_add(b, stmt, 3, p);
}

static int s_add_user(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                      crm_db_batch_t *b)
{
    const Crm__OrgUser *u = (const Crm__OrgUser *)payload;
    s_upsert(b, ev, "user",
             "INSERT INTO crm_org_users (id, department_id, active)"
             " VALUES ($1::bigint, $2::bigint, $3::boolean) ON CONFLICT (id) DO UPDATE"
             " SET department_id = EXCLUDED.department_id, active = EXCLUDED.active",
             u->id, u->department_id, u->active);
    /* Its role (lib/sql/016): a manager is a department's default approver. */
    char i[24];
    const char *p[] = {crm_i64(i, u->id), u->role};
    crm_db_batch_add(b, "UPDATE crm_org_users SET role = $2 WHERE id = $1::bigint", 2, p);
    return 0;
}

static int s_add_department(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                            crm_db_batch_t *b)
{
    const Crm__OrgDepartment *d = (const Crm__OrgDepartment *)payload;
    s_upsert(b, ev, "department",
             "INSERT INTO crm_org_departments (id, parent_id, active)"
             " VALUES ($1::bigint, $2::bigint, $3::boolean) ON CONFLICT (id) DO UPDATE"
             " SET parent_id = EXCLUDED.parent_id, active = EXCLUDED.active",
             d->id, d->parent_id, d->active);
    return 0;
}

static const crm_event_handler_t s_handlers[] = {
    {"user.created", &crm__org_user__descriptor, s_add_user},
    {"user.updated", &crm__org_user__descriptor, s_add_user},
    {"user.deactivated", &crm__org_user__descriptor, s_add_user},
    {"department.created", &crm__org_department__descriptor, s_add_department},
    {"department.updated", &crm__org_department__descriptor, s_add_department},
    {"department.deactivated", &crm__org_department__descriptor, s_add_department},
    /* The Clone pattern: the gateway's snapshot "org" (org_handover.c). */
    {"user.snapshot", &crm__org_user__descriptor, s_add_user},
    {"department.snapshot", &crm__org_department__descriptor, s_add_department},
};

int org_upsert(crm_db_batch_t *b, const Crm__Event *ev)
{
    for (size_t i = 0; i < sizeof s_handlers / sizeof s_handlers[0]; i++) {
        const crm_event_handler_t *h = &s_handlers[i];
        if (strcmp(h->type, ev->type) != 0)
            continue;
        ProtobufCMessage *payload =
            protobuf_c_message_unpack(h->payload, NULL, ev->payload.len, ev->payload.data);
        if (!payload) {
            crm_log(CRM_ERROR, "an event's payload does not decode; the stream waits", "type",
                    ev->type, "event_id", ev->event_id, NULL);
            return -1;
        }
        h->add(NULL, ev, payload, b);
        protobuf_c_message_free_unpacked(payload, NULL);
        return 0;
    }
    return 0;
}

/* ---- references ------------------------------------------------------------ */

struct crm_org_refs {
    char **fields, **kinds;
    int64_t *ids;
    size_t n, cap;
};

crm_org_refs_t *crm_org_refs_new(void)
{
    return crm_calloc(1, sizeof(crm_org_refs_t));
}

void crm_org_refs_destroy(crm_org_refs_t **refs_p)
{
    if (!refs_p || !*refs_p)
        return;
    crm_org_refs_t *r = *refs_p;
    free(r->fields);
    free(r->kinds);
    free(r->ids);
    free(r);
    *refs_p = NULL;
}

static void s_ref(crm_org_refs_t *r, const char *kind, const char *field, int64_t id)
{
    if (!id)
        return;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->fields = crm_realloc(r->fields, r->cap * sizeof *r->fields);
        r->kinds = crm_realloc(r->kinds, r->cap * sizeof *r->kinds);
        r->ids = crm_realloc(r->ids, r->cap * sizeof *r->ids);
    }
    r->fields[r->n] = (char *)field;
    r->kinds[r->n] = (char *)kind;
    r->ids[r->n++] = id;
}

void crm_org_user(crm_org_refs_t *refs, const char *field, int64_t id)
{
    s_ref(refs, "user", field, id);
}

void crm_org_users(crm_org_refs_t *refs, const char *field, const int64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_ref(refs, "user", field, ids[i]);
}

void crm_org_department(crm_org_refs_t *refs, const char *field, int64_t id)
{
    s_ref(refs, "department", field, id);
}

void crm_org_departments(crm_org_refs_t *refs, const char *field, const int64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_ref(refs, "department", field, ids[i]);
}

/* The statements of a check, prepared once per session (crm_org_prepare):
 * one row per reference, in order: its field, kind and id, whether the
 * read model knows it and it is active, and a user's department, each
 * reference held first by a shared lock until the change commits
 * (lib/sql/008_org_refs_lock.sql says why); or the same as a guard. */
#define ORG_REFS "crm_org_refs"
#define ORG_REQUIRE "crm_org_require"

void crm_org_prepare(crm_db_t *db)
{
    crm_db_prepare(db, ORG_REFS,
                   "SELECT * FROM crm_org_refs($1::text[], $2::text[], $3::bigint[])");
    crm_db_prepare(db, ORG_REQUIRE, "SELECT crm_org_require($1::text[], $2::text[], $3::bigint[])");
}

/* Adds stmt with *refs_p's three arrays to a read (t) or a batch (b). */
static void s_with_refs(crm_txn_t *t, const char *slot, crm_db_batch_t *b, const char *stmt,
                        crm_org_refs_t **refs_p)
{
    crm_org_refs_t *r = *refs_p;
    char *fields = crm_db_text_array(r->fields, r->n), *kinds = crm_db_text_array(r->kinds, r->n),
         *ids = crm_db_i64_array(r->ids, r->n);
    const char *p[] = {fields, kinds, ids};
    if (t)
        crm_txn_read(t, slot, stmt, 3, p);
    else
        crm_db_batch_add(b, stmt, 3, p);
    free(fields);
    free(kinds);
    free(ids);
    crm_org_refs_destroy(refs_p);
}

void crm_org_read(crm_txn_t *t, const char *slot, crm_org_refs_t **refs_p)
{
    s_with_refs(t, slot, NULL, ORG_REFS, refs_p);
}

void crm_org_require(crm_db_batch_t *b, crm_org_refs_t **refs_p)
{
    s_with_refs(NULL, NULL, b, ORG_REQUIRE, refs_p);
}

/* Has errs an error on field already? */
static int s_named(const crm_errs_t *errs, const char *field)
{
    for (size_t i = 0; i < errs->n; i++)
        if (!strcmp(errs->e[i].field, field))
            return 1;
    return 0;
}

int crm_org_check(const PGresult *res, crm_errs_t *errs)
{
    int field = PQfnumber(res, "field"), kind = PQfnumber(res, "kind"), id = PQfnumber(res, "id"),
        known = PQfnumber(res, "known"), active = PQfnumber(res, "active");
    size_t before = errs->n;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *f = crm_db_get(res, i, field);
        if (crm_db_get_bool(res, i, active) || s_named(errs, f))
            continue;
        crm_errs_invalid(errs, f, "%s %s %s", crm_db_get(res, i, kind), crm_db_get(res, i, id),
                         crm_db_get_bool(res, i, known) ? "is deactivated" : "does not exist");
    }
    return errs->n > before ? -1 : 0;
}

int64_t crm_org_department_of(const PGresult *res, const char *field)
{
    int f = PQfnumber(res, "field"), kind = PQfnumber(res, "kind"),
        dept = PQfnumber(res, "department_id");
    for (int i = 0; i < PQntuples(res); i++)
        if (!strcmp(crm_db_get(res, i, f), field) && !strcmp(crm_db_get(res, i, kind), "user"))
            return crm_db_get_i64(res, i, dept);
    return 0;
}

/* ---- a new owner ------------------------------------------------------------ */

void crm_org_read_new_owner(crm_change_t *c, int64_t owner, int64_t dept)
{
    crm_org_refs_t *refs = crm_org_refs_new();
    crm_org_user(refs, "to_owner_id", owner);
    crm_org_department(refs, "to_department_id", dept);
    crm_org_read(crm_change_txn(c), "org", &refs);
}

int crm_org_new_owner(crm_change_t *c, int64_t named_dept, int64_t *dept)
{
    crm_errs_t errs = {.n = 0};
    const PGresult *org = crm_change_result(c, "org");
    if (crm_org_check(org, &errs) < 0)
        return crm_change_refuse_errs(c, &errs);
    *dept = named_dept ? named_dept : crm_org_department_of(org, "to_owner_id");
    return 0;
}

/* ---- department paths ------------------------------------------------------ */

void crm_org_read_path(crm_txn_t *t, const char *slot, int64_t dept)
{
    char d[24];
    const char *p[] = {crm_i64(d, dept)};
    crm_txn_read(t, slot, CRM_ORG_PATH_SQL, 1, p);
}

int64_t *crm_org_path_of(const PGresult *res, int64_t dept, size_t *n)
{
    *n = 0;
    int64_t *path = NULL;
    if (res && PQntuples(res) == 1)
        path = crm_db_get_i64_array(res, 0, PQfnumber(res, "path"), n);
    if (*n == 0 && dept) {
        free(path);
        path = crm_malloc(sizeof *path);
        path[0] = dept;
        *n = 1;
    }
    return path;
}
