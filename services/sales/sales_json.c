/* sales_json.c: records an admin configures that are read whole as one
 * JSON document made by SQL (a pipeline with its stages, an approval flow
 * with its levels): the document of a row decoded into its message, one
 * record read by id, and a page of them as a list message (its items,
 * next_cursor and total). */
#include <jansson.h>
#include <stdlib.h>

#include "crm/list.h"
#include "crm/log.h"
#include "crm/pbjson.h"
#include "crm/util.h"
#include "sales_store.h"

ProtobufCMessage *sales_json_message(const sales_json_kind_t *k, const PGresult *r, int i)
{
    int col = PQfnumber(r, k->column);
    json_t *j = i < PQntuples(r) ? json_loads(PQgetvalue(r, i, col), 0, NULL) : NULL;
    char *err = NULL, *field = NULL;
    ProtobufCMessage *m = j ? crm_pb_from_json(k->desc, j, &err, &field) : NULL;
    if (j && !m) /* the columns are the message's fields: a bug if not */
        crm_log(CRM_ERROR, "a record does not fit its message", "record", k->noun, "field",
                field ? field : "", "error", err ? err : "", NULL);
    json_decref(j);
    free(err);
    free(field);
    return m;
}

void sales_json_free(ProtobufCMessage *m)
{
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
}

typedef struct {
    crm_rpc_call_t *call;
    const sales_json_kind_t *kind;
    int64_t id;
    crm_page_t page; /* a list's */
    int total;
} read_t;

static void s_got(void *arg, const crm_db_result_t *res)
{
    read_t *g = arg;
    ProtobufCMessage *m = res->err ? NULL : sales_json_message(g->kind, res->results[0], 0);
    if (res->err)
        crm_fail_db(g->call, res);
    else if (!m)
        crm_rpc_fail(g->call, CRM__STATUS__NOT_FOUND, "id", "%s %lld not found", g->kind->noun,
                     (long long)g->id);
    else
        crm_rpc_reply(g->call, m);
    sales_json_free(m);
    free(g);
}

void sales_json_get(sales_t *s, crm_rpc_call_t *call, const sales_json_kind_t *k, const char *stmt,
                    int64_t id)
{
    read_t *g = crm_calloc(1, sizeof *g);
    g->call = call;
    g->kind = k;
    g->id = id;
    char v[24];
    const char *p[] = {crm_i64(v, id)};
    crm_db_exec(s->db, stmt, 1, p, s_got, g);
}

/* The address of list's field name. */
static void *s_field(ProtobufCMessage *list, const char *name, size_t **count)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(list->descriptor, name);
    if (count)
        *count = (size_t *)((char *)list + f->quantifier_offset);
    return (char *)list + f->offset;
}

static void s_listed(void *arg, const crm_db_result_t *res)
{
    read_t *ls = arg;
    if (res->err) {
        crm_fail_db(ls->call, res);
        free(ls);
        return;
    }
    char *cursor;
    size_t shown = crm_page_rows(&ls->page, res->results[0], &cursor);
    ProtobufCMessage *list = crm_calloc(1, ls->kind->list->sizeof_message);
    protobuf_c_message_init(ls->kind->list, list);
    size_t *n;
    ProtobufCMessage ***items = s_field(list, "items", &n);
    *items = crm_calloc(shown + 1, sizeof **items);
    for (size_t i = 0; i < shown; i++)
        if (((*items)[*n] = sales_json_message(ls->kind, res->results[0], (int)i)))
            (*n)++;
    *(char **)s_field(list, "next_cursor", NULL) = cursor ? cursor : "";
    if (ls->total)
        crm_page_set_total(list, res->results[1]);
    crm_rpc_reply(ls->call, list);
    for (size_t i = 0; i < *n; i++)
        sales_json_free((*items)[i]);
    free(*items);
    free(list);
    free(cursor);
    free(ls);
}

void sales_json_list(sales_t *s, crm_rpc_call_t *call, const sales_json_kind_t *k,
                     crm_sqlbuf_t **q_p, const crm_page_t *pg, int total)
{
    read_t *ls = crm_calloc(1, sizeof *ls);
    ls->call = call;
    ls->kind = k;
    ls->page = *pg;
    ls->total = total;
    crm_db_batch_t *b = crm_db_batch_new();
    crm_page_batch_add(q_p, &ls->page, total, b);
    crm_db_submit(s->db, &b, s_listed, ls);
}
