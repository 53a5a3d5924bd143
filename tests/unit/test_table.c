/* test_table.c: messages as rows in the wire form (crm/table.h): the
 * columns (wire keys, the hook's names after their ids), and each kind of
 * cell (numbers, text, enum words, instants, documents, lists joined by
 * ';', what the JSON reply leaves out as empty), row after row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/rfc3339.h"
#include "crm/table.h"
#include "leads.pb-c.h"
#include "unit.h"

/* The hook: owner_id -> owner_name, team_member_ids -> team_member_names. */
static const char *s_key(void *arg, const ProtobufCMessageDescriptor *d,
                         const ProtobufCFieldDescriptor *f)
{
    (void)arg;
    (void)d;
    if (!strcmp(f->name, "owner_id"))
        return "owner_name";
    if (!strcmp(f->name, "team_member_ids"))
        return "team_member_names";
    return NULL;
}

static const char *s_value(void *arg, int64_t id)
{
    (void)arg;
    return id == 7 ? "李雷" : id == 3 ? "韩梅梅" : id == 0 ? NULL : "";
}

static size_t s_col(const crm_table_t *t, const char *name)
{
    for (size_t i = 0; i < crm_table_ncols(t); i++)
        if (!strcmp(crm_table_column(t, i), name))
            return i;
    fprintf(stderr, "no column %s\n", name);
    unit_failed++;
    return 0;
}

/* The cell of column name in row r. */
static const crm_cell_t *s_cell(const crm_table_t *t, const crm_cells_t *c, size_t r,
                                const char *name)
{
    return &c->cells[r * crm_table_ncols(t) + s_col(t, name)];
}

static int s_is(const crm_cells_t *c, const crm_cell_t *cell, crm_cell_kind_t kind,
                const char *text)
{
    if (cell->kind != kind)
        return 0;
    const char *got = crm_cell_text(c, cell);
    return !text || (cell->len == strlen(text) && !memcmp(got, text, cell->len) && !got[cell->len]);
}

int main(void)
{
    setenv("TZ", "Asia/Shanghai", 1);
    crm_pb_extra_t hook = {s_key, s_value, NULL};
    crm_table_t *t = crm_table_new(&crm__leads__lead__descriptor, &hook);

    /* Columns: every field by its wire key, names after their ids. */
    CHECK(crm_table_ncols(t) == crm__leads__lead__descriptor.n_fields + 2);
    CHECK(!strcmp(crm_table_column(t, 0), "id") && !strcmp(crm_table_column(t, 1), "name"));
    CHECK(s_col(t, "owner_name") == s_col(t, "owner_id") + 1);
    CHECK(s_col(t, "team_member_names") == s_col(t, "team_member_ids") + 1);
    CHECK(s_col(t, "created_at") > 0 && crm_table_column(t, crm_table_ncols(t)) == NULL);
    for (size_t i = 0; i < crm_table_ncols(t); i++)
        CHECK(!strstr(crm_table_column(t, i), "_us"));

    Crm__Leads__Lead a = CRM__LEADS__LEAD__INIT, b = CRM__LEADS__LEAD__INIT;
    char *tags[] = {"vip", "重点"};
    int64_t team[] = {3, 4};
    a.id = 42;
    a.name = "=1+1";
    a.owner_id = 7;
    a.status = CRM__LEADS__LEAD_STATUS__LEAD_STATUS_PENDING;
    a.created_at_us = 1764547200123456; /* 2025-12-01T08:00:00.123456+08:00 */
    a.tags = tags;
    a.n_tags = 2;
    a.team_member_ids = team;
    a.n_team_member_ids = 2;
    a.masked = 1;
    b.id = 43;
    b.name = "second";
    crm_cells_t c = {0};
    crm_table_row(t, &a.base, &c);
    crm_table_row(t, &b.base, &c);
    CHECK(c.n == 2 * crm_table_ncols(t));

    const crm_cell_t *cell = s_cell(t, &c, 0, "id");
    CHECK(cell->kind == CRM_CELL_INT && cell->i == 42);
    CHECK(s_is(&c, s_cell(t, &c, 0, "name"), CRM_CELL_TEXT, "=1+1"));
    CHECK(s_is(&c, s_cell(t, &c, 0, "status"), CRM_CELL_WORD, "pending"));
    char when[CRM_RFC3339_MAX];
    CHECK(crm_rfc3339_format(a.created_at_us, when) > 0);
    CHECK(!strcmp(when, "2025-12-01T08:00:00.123456+08:00"));
    CHECK(s_is(&c, s_cell(t, &c, 0, "created_at"), CRM_CELL_WORD, when));
    CHECK(s_cell(t, &c, 0, "converted_at")->kind == CRM_CELL_EMPTY); /* 0: not set */
    CHECK(s_is(&c, s_cell(t, &c, 0, "tags"), CRM_CELL_TEXT, "vip;重点"));
    CHECK(s_is(&c, s_cell(t, &c, 0, "team_member_ids"), CRM_CELL_WORD, "3;4"));
    CHECK(s_is(&c, s_cell(t, &c, 0, "team_member_names"), CRM_CELL_TEXT, "韩梅梅;"));
    CHECK(s_is(&c, s_cell(t, &c, 0, "owner_name"), CRM_CELL_TEXT, "李雷"));
    cell = s_cell(t, &c, 0, "masked");
    CHECK(cell->kind == CRM_CELL_BOOL && cell->i == 1);
    CHECK(s_is(&c, s_cell(t, &c, 0, "mobile"), CRM_CELL_TEXT, "")); /* a string: "" */
    /* The second row: an enum at *_UNSPECIFIED, an id of nobody (0), empty lists. */
    CHECK(s_cell(t, &c, 1, "id")->i == 43);
    CHECK(s_cell(t, &c, 1, "status")->kind == CRM_CELL_EMPTY);
    cell = s_cell(t, &c, 1, "owner_id");
    CHECK(cell->kind == CRM_CELL_INT && cell->i == 0);
    CHECK(s_cell(t, &c, 1, "owner_name")->kind == CRM_CELL_EMPTY);
    CHECK(s_cell(t, &c, 1, "tags")->kind == CRM_CELL_EMPTY);
    CHECK(s_cell(t, &c, 1, "team_member_names")->kind == CRM_CELL_EMPTY);
    crm_cells_clear(&c);
    CHECK(c.n == 0 && c.len == 0);
    crm_cells_free(&c);
    crm_table_destroy(&t);
    CHECK(t == NULL);
    crm_table_destroy(NULL);

    /* A document ("<x>_json") as compact JSON; no hook: no name columns. */
    t = crm_table_new(&crm__leads__history_entry__descriptor, NULL);
    CHECK(crm_table_ncols(t) == crm__leads__history_entry__descriptor.n_fields);
    Crm__Leads__HistoryEntry e = CRM__LEADS__HISTORY_ENTRY__INIT,
                             f = CRM__LEADS__HISTORY_ENTRY__INIT;
    e.action = "updated";
    e.detail_json = "{\"changes\": [{\"field\": \"remark\"}]}";
    f.detail_json = "not json";
    crm_table_row(t, &e.base, &c);
    crm_table_row(t, &f.base, &c);
    CHECK(s_is(&c, s_cell(t, &c, 0, "detail"), CRM_CELL_WORD,
               "{\"changes\":[{\"field\":\"remark\"}]}"));
    CHECK(s_is(&c, s_cell(t, &c, 1, "detail"), CRM_CELL_WORD, "not json"));
    CHECK(s_cell(t, &c, 0, "at")->kind == CRM_CELL_EMPTY);
    crm_cells_free(&c);
    crm_table_destroy(&t);
    return unit_result("table");
}
