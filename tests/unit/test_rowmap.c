/* test_rowmap.c: rows into messages by column name (crm/rowmap.h), on a
 * result built by hand with the column order shuffled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/rowmap.h"
#include "leads.pb-c.h"
#include "unit.h"

/* Columns named after Crm__Leads__Lead fields, in no field order, one
 * naming no field; two rows, the second with NULLs. */
static PGresult *s_leads(void)
{
    static const char *names[] = {"tags",    "recycle_days",    "status",        "id",
                                  "name",    "team_member_ids", "created_at_us", "masked",
                                  "owner_id"};
    enum { NCOLS = sizeof names / sizeof names[0] };
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[NCOLS];
    for (int i = 0; i < NCOLS; i++)
        cols[i] =
            (PGresAttDesc){.name = (char *)names[i], .typid = 25, .typlen = -1, .atttypmod = -1};
    PQsetResultAttrs(r, NCOLS, cols);
    const char *row0[NCOLS] = {"{vip,\"华 东\"}",  "30", "2", "41", "上海花木", "{7,9}",
                               "1700000000000001", "t",  "-3"};
    for (int c = 0; c < NCOLS; c++) {
        PQsetvalue(r, 0, c, (char *)row0[c], (int)strlen(row0[c]));
        /* Row 1: id 42 and the rest NULL (len -1). */
        if (c == 3)
            PQsetvalue(r, 1, c, "42", 2);
        else
            PQsetvalue(r, 1, c, NULL, -1);
    }
    return r;
}

static void s_fill(void)
{
    PGresult *r = s_leads();
    crm_err_t err;
    crm_rowmap_t *m = crm_rowmap_new(&crm__leads__lead__descriptor, r, &err);
    CHECK(m && crm_rowmap_columns(m) == 8); /* recycle_days names no field */
    Crm__Leads__Lead a = CRM__LEADS__LEAD__INIT, b = CRM__LEADS__LEAD__INIT;
    crm_rowmap_fill(m, r, 0, &a.base);
    crm_rowmap_fill(m, r, 1, &b.base);
    crm_rowmap_destroy(&m);
    CHECK(m == NULL);
    crm_rowmap_destroy(&m); /* safe on NULL */
    CHECK(a.id == 41 && strcmp(a.name, "上海花木") == 0 && a.owner_id == -3);
    CHECK(a.status == CRM__LEADS__LEAD_STATUS__LEAD_STATUS_PENDING);
    CHECK(a.created_at_us == 1700000000000001LL && a.masked == 1);
    CHECK(a.n_tags == 2 && !strcmp(a.tags[0], "vip") && !strcmp(a.tags[1], "华 东"));
    CHECK(a.n_team_member_ids == 2 && a.team_member_ids[0] == 7 && a.team_member_ids[1] == 9);
    CHECK(*a.mobile == 0); /* no column: the default */
    /* NULLs are the defaults. */
    CHECK(b.id == 42 && *b.name == 0 && b.status == 0 && b.created_at_us == 0 && !b.masked);
    CHECK(b.n_tags == 0 && b.tags == NULL && b.n_team_member_ids == 0);
    crm_rowmap_clear(&a.base);
    CHECK(a.tags == NULL && a.n_tags == 0 && a.team_member_ids == NULL);
    crm_rowmap_clear(&b.base);

    /* One row without a map. */
    Crm__Leads__Lead c = CRM__LEADS__LEAD__INIT;
    CHECK(crm_row_to_message(r, 0, &c.base, &err) == 0 && c.id == 41 && c.n_tags == 2);
    crm_rowmap_clear(&c.base);

    /* A list's items: new messages of the field's type. */
    Crm__Leads__LeadList list = CRM__LEADS__LEAD_LIST__INIT;
    CHECK(crm_rowmap_items(&list.base, "items", r, 2, &err) == 0);
    CHECK(list.n_items == 2 && list.items[0]->id == 41 && list.items[1]->id == 42 &&
          list.items[0]->n_tags == 2);
    crm_rowmap_items_clear(&list.base, "items");
    CHECK(list.items == NULL && list.n_items == 0);
    PQclear(r);
}

/* A column naming a field it cannot fill (a nested message) is an error
 * that names it. */
static void s_refused(void)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[] = {{.name = "id", .typid = 20, .typlen = 8, .atttypmod = -1},
                           {.name = "target", .typid = 25, .typlen = -1, .atttypmod = -1}};
    PQsetResultAttrs(r, 2, cols);
    crm_err_t err;
    CHECK(crm_rowmap_new(&crm__leads__import__descriptor, r, &err) == NULL);
    CHECK(err.status == CRM__STATUS__INTERNAL && strcmp(err.field, "target") == 0);
    PQclear(r);
}

int main(void)
{
    s_fill();
    s_refused();
    return unit_result("test_rowmap");
}
