/* customers_contact_import_screen.c: the contacts import's screen
 * (crm/import.h kind->screen), once the chunk has read the customers its
 * rows name (locked) and their primary contacts: the customer of each row
 * (by id, or by its exact name among the customers the importer may edit;
 * a row naming none, or several, or one the importer may not edit, is held
 * back for that fault of its own), then the primary contacts (a row marked
 * primary makes one, at most one per customer in an import, the previous
 * one demoted in the chunk's transaction; a customer without one gets its
 * first created row). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "customers_contact_import.h"

void contact_customers_clear(contact_customers_t *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->c[i].name);
        free(cs->c[i].trimmed);
    }
    free(cs->c);
    memset(cs, 0, sizeof *cs);
}

/* The customer of id (cs is in id order), or NULL. */
static contact_customer_t *s_by_id(const contact_customers_t *cs, int64_t id)
{
    size_t lo = 0, hi = cs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cs->c[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cs->n && cs->c[lo].id == id ? &cs->c[lo] : NULL;
}

/* The customers as read ("customers", by id), who may edit each, and
 * where each one's primary contact is in "primaries". */
static void s_customers(crm_txn_t *t, contact_customers_t *cs)
{
    const PGresult *r = crm_txn_result(t, "customers"), *prim = crm_txn_result(t, "primaries");
    size_t n = (size_t)PQntuples(r);
    cs->c = crm_calloc(n + 1, sizeof *cs->c);
    cs->n = n;
    for (size_t i = 0; i < n; i++) {
        contact_customer_t *x = &cs->c[i];
        customer_row_t row;
        customers_store_row(r, (int)i, &row);
        x->id = row.c.id;
        x->owner_id = row.c.owner_id;
        x->name = crm_strdup(row.c.name);
        x->trimmed = crm_strdup(crm_db_get(r, (int)i, PQfnumber(r, "trimmed")));
        x->editable = customers_can_edit(crm_txn_caller(t), &row.c);
        x->claimed_row = crm_db_get_i64(r, (int)i, PQfnumber(r, "claimed_row"));
        x->primary_at = -1;
        customers_row_clear(&row);
    }
    int col = PQfnumber(prim, "customer_id");
    for (int j = 0; j < PQntuples(prim); j++) {
        contact_customer_t *x = s_by_id(cs, crm_db_get_i64(prim, j, col));
        if (x)
            x->primary_at = j;
    }
}

/* Orders customer indices by trimmed name, then id (qsort_r). */
static int s_by_name(const void *a, const void *b, void *arg)
{
    const contact_customers_t *cs = arg;
    const contact_customer_t *x = &cs->c[*(const size_t *)a], *y = &cs->c[*(const size_t *)b];
    int c = strcmp(x->trimmed, y->trimmed);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The first of the customers named name in by_name[0..cs->n) (sorted by
 * s_by_name), or cs->n. */
static size_t s_first_named(const contact_customers_t *cs, const size_t *by_name, const char *name)
{
    size_t lo = 0, hi = cs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(cs->c[by_name[mid]].trimmed, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The customer row names among those the importer may edit: its index in
 * cs, or -1 with its field and why in row->msg. */
static long s_resolve(const contact_customers_t *cs, const size_t *by_name, contact_row_t *row,
                      const char **field)
{
    char *msg = row->msg;
    size_t cap = sizeof row->msg;
    if (row->customer_id) {
        const contact_customer_t *x = s_by_id(cs, row->customer_id);
        *field = "customer_id";
        if (!x || !x->editable) {
            snprintf(msg, cap, "no customer %lld that you may edit", (long long)row->customer_id);
            return -1;
        }
        if (row->customer_name && strcmp(row->customer_name, x->trimmed) != 0) {
            *field = "customer";
            snprintf(msg, cap, "customer %lld is named \"%.80s\", not \"%.80s\"", (long long)x->id,
                     x->trimmed, row->customer_name);
            return -1;
        }
        return x - cs->c;
    }
    *field = "customer";
    long found = -1;
    int several = 0;
    char ids[64] = "";
    for (size_t a = s_first_named(cs, by_name, row->customer_name);
         a < cs->n && !strcmp(cs->c[by_name[a]].trimmed, row->customer_name); a++) {
        const contact_customer_t *x = &cs->c[by_name[a]];
        if (!x->editable)
            continue;
        several += found >= 0;
        size_t len = strlen(ids);
        if (len < sizeof ids - 24)
            snprintf(ids + len, sizeof ids - len, "%s%lld", len ? ", " : "", (long long)x->id);
        found = (long)by_name[a];
    }
    if (found < 0)
        snprintf(msg, cap, "no customer named \"%.120s\" that you may edit", row->customer_name);
    else if (several)
        snprintf(msg, cap, "several customers named \"%.120s\" (%s): give the customer id (客户ID)",
                 row->customer_name, ids);
    return several ? -1 : found;
}

/* The primary contacts the created rows make: a marked row, the first per
 * customer in the import (a later one held back); a customer without one
 * gets its first created row. Done in the rows' order. */
static void s_primaries(crm_import_row_t *v, contact_rows_t *rows, contact_customers_t *cs,
                        int64_t first_row)
{
    for (size_t i = 0; i < rows->n; i++) {
        contact_row_t *row = &rows->rows[i];
        if (v[i].field || v[i].dup_row || v[i].duplicate_of || !row->primary)
            continue;
        contact_customer_t *x = &cs->c[row->customer - 1];
        if (x->claimed_row) {
            snprintf(row->msg, sizeof row->msg,
                     "row %lld already makes customer %lld's primary contact (one per customer in"
                     " an import)",
                     (long long)x->claimed_row, (long long)x->id);
            crm_import_hold(v, rows->n, i, "primary", row->msg);
            continue;
        }
        x->claimed_row = first_row + (int64_t)i;
        x->new_primary = row->made_primary = 1;
    }
    for (size_t i = 0; i < rows->n; i++) {
        contact_row_t *row = &rows->rows[i];
        if (v[i].field || v[i].dup_row || v[i].duplicate_of)
            continue;
        contact_customer_t *x = &cs->c[row->customer - 1];
        if (x->primary_at < 0 && !x->new_primary)
            x->new_primary = row->made_primary = 1;
    }
}

void contact_import_screen(crm_txn_t *t, crm_import_row_t *v, contact_rows_t *rows,
                           contact_customers_t *cs, int64_t first_row, int64_t now_us)
{
    s_customers(t, cs);
    size_t *by_name = crm_malloc((cs->n + 1) * sizeof *by_name);
    for (size_t i = 0; i < cs->n; i++)
        by_name[i] = i;
    qsort_r(by_name, cs->n, sizeof *by_name, s_by_name, cs);
    /* In the rows' order: a row held back passes its place on to a later
     * one of its mobile, which is then decided as a first. */
    for (size_t i = 0; i < rows->n; i++) {
        contact_row_t *row = &rows->rows[i];
        const char *field = NULL;
        if (v[i].field)
            continue;
        long at = s_resolve(cs, by_name, row, &field);
        if (at < 0)
            crm_import_hold(v, rows->n, i, field, row->msg);
        else
            row->customer = (size_t)at + 1;
    }
    free(by_name);
    s_primaries(v, rows, cs, first_row);
    /* The primaries replaced: demoted before the new ones are inserted. */
    const PGresult *prim = crm_txn_result(t, "primaries");
    crm_db_batch_t *b = crm_txn_batch(t);
    for (size_t i = 0; i < cs->n; i++)
        if (cs->c[i].new_primary && cs->c[i].primary_at >= 0)
            customers_contact_demote(b, prim, cs->c[i].primary_at, now_us,
                                     crm_txn_caller(t)->user_id);
}
