/* customers_contacts_many.c: many new contacts written at once, as the
 * imports make them (a customer import's first contacts, a contacts
 * import's rows): one INSERT from arrays (unnest) whatever their number,
 * and one contact.created each, as Customers.CreateContact emits it. */
#include <stddef.h>
#include <stdlib.h>

#include "crm/outbox.h"
#include "crm/util.h"
#include "customers.h"

/* The text columns of a contact, in the statement's order. */
#define TEXTS 8

void customers_contacts_many_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "contact_insert_many",
                   "INSERT INTO contacts (id, customer_id, creator_id, name, title, mobile,"
                   " telephone, email, wechat, birthday, remark, is_primary, created_at,"
                   " updated_at) SELECT u.id, u.customer_id, u.creator_id, u.name, u.title,"
                   " u.mobile, u.telephone, u.email, u.wechat, NULLIF(u.birthday, '')::date,"
                   " u.remark, u.is_primary, crm_ts(u.at), crm_ts(u.at) FROM unnest($1::bigint[],"
                   " $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],"
                   " $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[],"
                   " $13::bigint[]) AS u(id, customer_id, creator_id, name, title, mobile,"
                   " telephone, email, wechat, birthday, remark, is_primary, at)");
}

static char *s_s(char *s)
{
    return s ? s : "";
}

/* Column c's text of k. */
static char *s_text(const Crm__Customers__Contact *k, size_t c)
{
    char *v[TEXTS] = {k->name,  k->title,  k->mobile,   k->telephone,
                      k->email, k->wechat, k->birthday, k->remark};
    return s_s(v[c]);
}

/* The integer column of ks[0..n) at offset at (an int64_t field) as an
 * array literal; caller frees. */
static char *s_ints(const Crm__Customers__Contact *ks, size_t n, size_t at)
{
    int64_t *v = crm_malloc((n + 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = *(const int64_t *)((const char *)&ks[i] + at);
    char *out = crm_db_i64_array(v, n);
    free(v);
    return out;
}

void customers_contacts_insert_many(crm_db_batch_t *b, Crm__Customers__Contact *ks, size_t n)
{
    if (!n)
        return;
    char *p[13];
    p[0] = s_ints(ks, n, offsetof(Crm__Customers__Contact, id));
    p[1] = s_ints(ks, n, offsetof(Crm__Customers__Contact, customer_id));
    p[2] = s_ints(ks, n, offsetof(Crm__Customers__Contact, creator_id));
    char **v = crm_malloc((n + 1) * sizeof *v);
    for (size_t c = 0; c < TEXTS; c++) {
        for (size_t i = 0; i < n; i++)
            v[i] = s_text(&ks[i], c);
        p[3 + c] = crm_db_text_array(v, n);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = ks[i].primary ? "true" : "false";
    p[3 + TEXTS] = crm_db_text_array(v, n);
    p[4 + TEXTS] = s_ints(ks, n, offsetof(Crm__Customers__Contact, created_at_us));
    crm_db_batch_add(b, "contact_insert_many", 13, (const char *const *)p);
    for (size_t i = 0; i < 13; i++)
        free(p[i]);
    free(v);
    /* Their events, each as a create's. */
    Crm__Events__ContactChanged *ev = crm_malloc(n * sizeof *ev);
    const ProtobufCMessage **payloads = crm_malloc(n * sizeof *payloads);
    char(*keys)[24] = crm_malloc(n * sizeof *keys);
    const char **agg = crm_malloc(n * sizeof *agg);
    for (size_t i = 0; i < n; i++) {
        crm__events__contact_changed__init(&ev[i]);
        ev[i].contact = &ks[i];
        ev[i].by = ks[i].creator_id;
        payloads[i] = &ev[i].base;
        agg[i] = crm_i64(keys[i], ks[i].id);
    }
    crm_outbox_add_many(b, "contact.created", n, agg, payloads);
    free(agg);
    free(keys);
    free(payloads);
    free(ev);
}
