/* sales_customers.c: the sales service's read model of the customers it
 * refers to (sales_customers, sales_contacts: sql/002), kept from the
 * customers service's events by a consumer (crm/consumer.h: each event
 * applied exactly once, its effect and the offset in one transaction), and
 * the checks a change reads from it: does the customer exist, is it in
 * the caller's data scope, are these contacts its own. Nothing here reads
 * the customers database.
 *
 * Every customer event that carries the customer (created, updated,
 * team_changed, locked, unlocked, dealt, pooled, claimed, assigned, moved,
 * transferred, followed_up) is an upsert of what the model keeps: name,
 * owner, department, pool, team; customer.deleted marks it deleted;
 * customer.recycled (which carries ids only) puts it in its pool. The
 * stream's order is the customers service's commit order, and a record's
 * events keep theirs (crm/outbox.h), so the latest state wins. contact.*
 * likewise. A consumer too far behind to replay rebuilds the model from the
 * customers service's snapshot "customers" (the Clone pattern; customer.snapshot,
 * contact.snapshot). A customer.created carrying a conversion's opportunity
 * (转为客户和商机) makes it too: sales_conversion.c. */
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_conversion.h"

#define CUSTOMER_UPSERT                                                                            \
    "INSERT INTO sales_customers (id, name, owner_id, department_id, pool_id, team_user_ids,"      \
    " team_until_us, deleted, applied_at) VALUES ($1::bigint, $2, $3::bigint, $4::bigint,"         \
    " $5::bigint, $6::bigint[], $7::bigint[], $8::boolean, now()) ON CONFLICT (id) DO UPDATE SET"  \
    " name = EXCLUDED.name, owner_id = EXCLUDED.owner_id, department_id ="                         \
    " EXCLUDED.department_id, pool_id = EXCLUDED.pool_id, team_user_ids = EXCLUDED.team_user_ids," \
    " team_until_us = EXCLUDED.team_until_us, deleted = EXCLUDED.deleted, applied_at = now()"

#define CONTACT_UPSERT                                                                             \
    "INSERT INTO sales_contacts (id, customer_id, name, deleted, applied_at) VALUES ($1::bigint,"  \
    " $2::bigint, $3, $4::boolean, now()) ON CONFLICT (id) DO UPDATE SET customer_id ="            \
    " EXCLUDED.customer_id, name = EXCLUDED.name, deleted = EXCLUDED.deleted, applied_at = now()"

/* A recycled customer goes to its pool: no owner. Its team stays, as the
 * customers service keeps it. */
#define CUSTOMER_RECYCLED                                                                          \
    "UPDATE sales_customers SET owner_id = 0, pool_id = $2::bigint, applied_at = now()"            \
    " WHERE id = $1::bigint"

/* ---- applying the events ----------------------------------------------------- */

static void s_upsert(crm_db_batch_t *b, const Crm__Customers__Customer *c, int deleted)
{
    int64_t *users = crm_calloc(c->n_team + 1, sizeof *users),
            *until = crm_calloc(c->n_team + 1, sizeof *until);
    for (size_t i = 0; i < c->n_team; i++) {
        users[i] = c->team[i]->user_id;
        until[i] = c->team[i]->expires_at_us;
    }
    char id[24], owner[24], dept[24], pool[24];
    char *u = crm_db_i64_array(users, c->n_team), *e = crm_db_i64_array(until, c->n_team);
    const char *p[] = {crm_i64(id, c->id),
                       c->name,
                       crm_i64(owner, c->owner_id),
                       crm_i64(dept, c->department_id),
                       crm_i64(pool, c->pool_id),
                       u,
                       e,
                       deleted ? "true" : "false"};
    crm_db_batch_add(b, CUSTOMER_UPSERT, 8, p);
    free(u);
    free(e);
    free(users);
    free(until);
}

/* The event's customer, or -1 (logged: the batch fails and waits) when it
 * has none. */
static int s_customer(const Crm__Event *ev, const Crm__Customers__Customer *c, crm_db_batch_t *b)
{
    if (!c) {
        crm_log(CRM_ERROR, "a customer event without its customer", "type", ev->type, "event_id",
                ev->event_id, NULL);
        return -1;
    }
    s_upsert(b, c, !strcmp(ev->type, "customer.deleted"));
    return 0;
}

static int s_created(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                     crm_db_batch_t *b)
{
    (void)arg;
    const Crm__Events__CustomerCreated *e = (const Crm__Events__CustomerCreated *)payload;
    if (s_customer(ev, e->customer, b) < 0)
        return -1;
    /* A lead converted into a customer and an opportunity: the
     * opportunity, now that the customer is in the model. */
    if (!strcmp(ev->type, "customer.created"))
        sales_conversion_add(b, e);
    return 0;
}

static int s_changed(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                     crm_db_batch_t *b)
{
    (void)arg;
    return s_customer(ev, ((const Crm__Events__CustomerChanged *)payload)->customer, b);
}

static int s_transferred(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                         crm_db_batch_t *b)
{
    (void)arg;
    return s_customer(ev, ((const Crm__Events__CustomerTransferred *)payload)->customer, b);
}

static int s_followed_up(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                         crm_db_batch_t *b)
{
    (void)arg;
    return s_customer(ev, ((const Crm__Events__CustomerFollowedUp *)payload)->customer, b);
}

static int s_recycled(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                      crm_db_batch_t *b)
{
    (void)arg;
    (void)ev;
    const Crm__Events__CustomerRecycled *r = (const Crm__Events__CustomerRecycled *)payload;
    char id[24], pool[24];
    const char *p[] = {crm_i64(id, r->customer_id), crm_i64(pool, r->pool_id)};
    crm_db_batch_add(b, CUSTOMER_RECYCLED, 2, p);
    return 0;
}

static int s_contact(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                     crm_db_batch_t *b)
{
    (void)arg;
    const Crm__Customers__Contact *k = ((const Crm__Events__ContactChanged *)payload)->contact;
    if (!k) {
        crm_log(CRM_ERROR, "a contact event without its contact", "type", ev->type, "event_id",
                ev->event_id, NULL);
        return -1;
    }
    char id[24], cust[24];
    const char *p[] = {crm_i64(id, k->id), crm_i64(cust, k->customer_id), k->name,
                       !strcmp(ev->type, "contact.deleted") ? "true" : "false"};
    crm_db_batch_add(b, CONTACT_UPSERT, 4, p);
    return 0;
}

#define CHANGED(type)                                                                              \
    {                                                                                              \
        type, &crm__events__customer_changed__descriptor, s_changed                                \
    }
#define CONTACT(type)                                                                              \
    {                                                                                              \
        type, &crm__events__contact_changed__descriptor, s_contact                                 \
    }
static const crm_event_handler_t s_handlers[] = {
    {"customer.created", &crm__events__customer_created__descriptor, s_created},
    CHANGED("customer.updated"),
    CHANGED("customer.team_changed"),
    CHANGED("customer.deleted"),
    CHANGED("customer.locked"),
    CHANGED("customer.unlocked"),
    CHANGED("customer.dealt"),
    CHANGED("customer.pooled"),
    CHANGED("customer.claimed"),
    CHANGED("customer.assigned"),
    CHANGED("customer.moved"),
    {"customer.transferred", &crm__events__customer_transferred__descriptor, s_transferred},
    {"customer.followed_up", &crm__events__customer_followed_up__descriptor, s_followed_up},
    {"customer.recycled", &crm__events__customer_recycled__descriptor, s_recycled},
    CONTACT("contact.created"),
    CONTACT("contact.updated"),
    CONTACT("contact.deleted"),
    /* The Clone pattern: the customers service's snapshot "customers". */
    {"customer.snapshot", &crm__events__customer_created__descriptor, s_created},
    CONTACT("contact.snapshot"),
};
#undef CHANGED
#undef CONTACT
static const crm_event_table_t s_table = {.handlers = s_handlers,
                                          .n = sizeof s_handlers / sizeof s_handlers[0],
                                          .applied = sales_conversion_applied};

void sales_customers_consume(sales_t *s)
{
    /* Not required: a suite without the customers service (a benchmark of
     * the bare service) runs without it, and the log says so. */
    crm_consumer_t *c = crm_service_consume_events(s->svc, "customers", &s_table, s, 0);
    /* Too far behind to replay: rebuild from the snapshot; what it no
     * longer holds ends deleted. */
    if (c)
        crm_consumer_rebuild_from(c, SALES_CUSTOMERS_SNAPSHOT,
                                  "WITH k AS (UPDATE sales_contacts SET deleted = true)"
                                  " UPDATE sales_customers SET deleted = true");
}

/* ---- the checks a change reads ------------------------------------------------ */

void sales_read_customer_of(crm_txn_t *t, int64_t id, int64_t opportunity_id, int64_t contract_id)
{
    char v[3][24];
    const char *p[] = {crm_i64(v[0], id), crm_i64(v[1], opportunity_id),
                       crm_i64(v[2], contract_id)};
    crm_txn_read(t, "customer",
                 "SELECT id, name, owner_id, department_id, pool_id, team_user_ids, team_until_us"
                 " FROM sales_customers WHERE id = COALESCE(NULLIF($1::bigint, 0), (SELECT"
                 " customer_id FROM opportunities WHERE id = $2::bigint AND deleted_at IS NULL),"
                 " (SELECT customer_id FROM contracts WHERE id = $3::bigint)) AND NOT deleted",
                 3, p);
}

void sales_read_customer(crm_txn_t *t, int64_t id)
{
    sales_read_customer_of(t, id, 0, 0);
}

int sales_customer_visible(const Crm__Caller *caller, const PGresult *r, int64_t now_us)
{
    if (PQntuples(r) == 0)
        return 0;
    int64_t owner = crm_db_get_i64(r, 0, PQfnumber(r, "owner_id"));
    if (crm_scope_all(caller) || (owner && crm_scope_allows(caller, owner)))
        return 1;
    size_t nu = 0, ne = 0;
    int64_t *users = crm_db_get_i64_array(r, 0, PQfnumber(r, "team_user_ids"), &nu);
    int64_t *until = crm_db_get_i64_array(r, 0, PQfnumber(r, "team_until_us"), &ne);
    int seen = 0;
    for (size_t i = 0; owner && i < nu && i < ne && !seen; i++)
        seen = users[i] == caller->user_id && (until[i] == 0 || until[i] > now_us);
    free(users);
    free(until);
    return seen;
}
