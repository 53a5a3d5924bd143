/* sales_products.c: the product catalogue (产品): CreateProduct (admins; a
 * write transaction of its own, crm/txn.h), GetProduct, ListProducts
 * (keyword on name and code, category, enabled, price range, sorts, keyset
 * pages, a total on request) and ProductHistory. Everyone reads the
 * catalogue; its changes are the product kind's (sales_product_kind.c).
 * Codes are unique whatever their case and the spaces around them: a
 * second one is refused naming the first, serialised per code until
 * commit by an advisory lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/filter.h"
#include "crm/form.h"
#include "crm/list.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "sales.h"

#define PRODUCT_COLUMNS                                                                            \
    "p.id, p.name, p.code, p.category, p.unit, p.list_price, p.enabled, p.remark, p.creator_id,"   \
    " crm_us(p.created_at) AS created_at_us, crm_us(p.updated_at) AS updated_at_us"

/* The columns every write sets, and their parameters $2..$10. */
#define PRODUCT_WRITE                                                                              \
    "name, code, category, unit, list_price, enabled, remark, creator_id, updated_at"
#define PRODUCT_VALUES                                                                             \
    "$2, btrim($3), $4, $5, $6::bigint, $7::boolean, $8, $9::bigint, crm_ts($10::bigint)"

void sales_products_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "product_get",
                   "SELECT " PRODUCT_COLUMNS " FROM products p WHERE p.id = $1::bigint");
    crm_db_prepare(db, "product_lock_many",
                   "SELECT " PRODUCT_COLUMNS " FROM products p WHERE p.id = ANY($1::bigint[])"
                   " ORDER BY p.id FOR UPDATE OF p");
    crm_db_prepare(db, "product_by_code",
                   "SELECT id, name FROM products WHERE lower(btrim(code)) = lower(btrim($1))"
                   " AND id <> $2::bigint");
    /* Every write of a product carries every column (sales_product_params). */
    crm_db_prepare(db, "product_insert",
                   "INSERT INTO products (id, " PRODUCT_WRITE
                   ", created_at) VALUES ($1::bigint, " PRODUCT_VALUES ", crm_ts($10::bigint))");
    crm_db_prepare(db, "product_save",
                   "UPDATE products SET (" PRODUCT_WRITE ") = (" PRODUCT_VALUES
                   ") WHERE id = $1::bigint");
}

/* ---- fields ---------------------------------------------------------------- */

int sales_product_check(crm_rpc_call_t *call, const char *name, const char *code,
                        const char *category, const char *unit, const char *remark, int has_price,
                        int64_t list_price)
{
    const crm_form_field_t f[] = {
        {.field = "name", .value = name, .kind = CRM_FORM_TEXT, .max = 200, .required = 1},
        {.field = "code", .value = code, .kind = CRM_FORM_TEXT, .max = 50, .required = 1},
        {.field = "category", .value = category, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "unit", .value = unit, .kind = CRM_FORM_TEXT, .max = 20},
        {.field = "remark", .value = remark, .kind = CRM_FORM_TEXT, .max = 2000},
    };
    crm_errs_t errs = {.n = 0};
    crm_form_check(f, sizeof f / sizeof f[0], &errs);
    /* A code of spaces is no code. */
    if (code && *code && !code[strspn(code, " \t")])
        crm_errs_invalid(&errs, "code", "code is required");
    if (has_price && (list_price < 0 || list_price > SALES_PRICE_MAX))
        crm_errs_invalid(&errs, "list_price",
                         "list_price is in minor units (分), from 0 to 10000000000000");
    if (errs.n)
        return crm_rpc_fail_errs(call, &errs);
    return 1;
}

void sales_product_write(crm_db_batch_t *b, const char *stmt, const product_t *p)
{
    char id[24], price[24], creator[24], at[24];
    const char *v[] = {crm_i64(id, p->id),
                       p->name,
                       p->code,
                       p->category,
                       p->unit,
                       crm_i64(price, p->list_price),
                       p->enabled ? "true" : "false",
                       p->remark,
                       crm_i64(creator, p->creator_id),
                       crm_i64(at, p->updated_at_us)};
    crm_db_batch_add(b, stmt, 10, v);
}

void sales_emit_product(crm_db_batch_t *b, const char *type, product_t *p, int64_t by,
                        const char *reason, char **changed, size_t n)
{
    Crm__Events__ProductChanged ev = CRM__EVENTS__PRODUCT_CHANGED__INIT;
    ev.product = p;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.changed_fields = changed;
    ev.n_changed_fields = n;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, p->id), &ev.base);
}

/* ---- CreateProduct ------------------------------------------------------------ */

static void s_create_read(crm_txn_t *t)
{
    product_t *p = crm_txn_data(t);
    crm_txn_read(t, "next_id", "SELECT nextval('products_id_seq'), crm_us(now())", 0, NULL);
    sales_read_unique(t, "product.code", "product_by_code", p->code, 0);
}

static int s_create_decide(crm_txn_t *t)
{
    product_t *p = crm_txn_data(t);
    if (sales_unique_free(t, "code", "product") < 0)
        return -1;
    const PGresult *next = crm_txn_result(t, "next_id");
    p->id = crm_db_get_i64(next, 0, 0);
    p->created_at_us = p->updated_at_us = crm_db_get_i64(next, 0, 1);
    crm_db_batch_t *b = crm_txn_batch(t);
    sales_product_write(b, "product_insert", p);
    sales_history_t h = {.kind = "product",
                         .record_id = p->id,
                         .action = "created",
                         .actor_id = p->creator_id,
                         .at_us = p->created_at_us};
    sales_store_history(b, &h);
    sales_emit_product(b, "product.created", p, p->creator_id, NULL, NULL, 0);
    crm_txn_reply(t, &p->base);
    return 0;
}

static void s_create_done(void *data)
{
    product_t *p = data;
    free(p->code);
    free(p);
}

static const crm_txn_op_t s_create_op = {
    .read = s_create_read, .decide = s_create_decide, .done = s_create_done};

static void s_create(crm_rpc_call_t *call, const Crm__Sales__CreateProductRequest *req, void *arg)
{
    sales_t *s = arg;
    if (!sales_admin_only(call, "create products") ||
        !sales_product_check(call, req->name, req->code, req->category, req->unit, req->remark, 1,
                             req->list_price))
        return;
    product_t *p = crm_malloc(sizeof *p);
    crm__sales__product__init(p);
    p->name = req->name;
    p->code = crm_strtrim(req->code); /* as stored: the reply shows it so */
    p->category = req->category;
    p->unit = req->unit;
    p->list_price = req->list_price;
    p->remark = req->remark;
    p->enabled = 1;
    p->creator_id = crm_rpc_call_caller(call)->user_id;
    crm_txn_run(&s->env, call, &s_create_op, p);
}

/* ---- GetProduct ---------------------------------------------------------------- */

static void s_get(crm_rpc_call_t *call, const Crm__Sales__GetProductRequest *req, void *arg)
{
    sales_t *s = arg;
    crm_reply_one(call, s->db, "product_get", req->id, &crm__sales__product__descriptor, "product");
}

/* ---- ListProducts ----------------------------------------------------------------- */

#define SORT(key, col, tag_)                                                                       \
    {                                                                                              \
        {{.sql = key, .column = col, .type = CRM_KEY_TIME},                                        \
         {.sql = "p.id", .column = "id", .type = CRM_KEY_BIGINT}},                                 \
            tag_                                                                                   \
    }
static const struct {
    crm_key_t keys[2];
    const char *tag;
} s_sorts[] = {
    [CRM__SALES__PRODUCT_SORT__PRODUCT_SORT_CREATED_AT] =
        SORT("p.created_at", "created_at_us", "products:created"),
    [CRM__SALES__PRODUCT_SORT__PRODUCT_SORT_UPDATED_AT] =
        SORT("p.updated_at", "updated_at_us", "products:updated"),
    [CRM__SALES__PRODUCT_SORT__PRODUCT_SORT_LIST_PRICE] =
        {{{.sql = "p.list_price", .column = "list_price", .type = CRM_KEY_BIGINT},
          {.sql = "p.id", .column = "id", .type = CRM_KEY_BIGINT}},
         "products:price"},
};
#undef SORT
#define N_SORTS (int)(sizeof s_sorts / sizeof s_sorts[0])

/* The keyword: name and code as the trigram index of sql/001 has them. */
#define PRODUCT_KEYWORD "(p.name || E'\\x1f' || p.code)"

static const crm_filter_t s_filters[] = {
    {.field = "keyword", .kind = CRM_FILTER_KEYWORD, .column = PRODUCT_KEYWORD, .max_len = 100},
    {.field = "category", .kind = CRM_FILTER_EQ, .column = "p.category", .max_len = 50},
    {.field = "list_price_from",
     .kind = CRM_FILTER_SPAN,
     .column = "p.list_price",
     .to = "list_price_to"},
};
#define N_FILTERS (sizeof s_filters / sizeof s_filters[0])

static void s_list(crm_rpc_call_t *call, const Crm__Sales__ListProductsRequest *req, void *arg)
{
    sales_t *s = arg;
    crm_err_t err;
    if (req->sort < 0 || req->sort >= N_SORTS) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "sort", "not a known sort");
        return;
    }
    if (crm_filter_check(s_filters, N_FILTERS, &req->base, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    char tag[48];
    snprintf(tag, sizeof tag, "%s:%s", s_sorts[req->sort].tag, req->ascending ? "asc" : "desc");
    crm_keyset_t order = {
        .tag = tag, .keys = s_sorts[req->sort].keys, .n = 2, .ascending = req->ascending};
    crm_page_t pg;
    if (!crm_check_page(call, &pg, &order, req->limit, 20, req->cursor))
        return;
    crm_sqlbuf_t *q = crm_sqlbuf_new();
    crm_sqlbuf_add(q, "SELECT " PRODUCT_COLUMNS " FROM products p WHERE true");
    if (req->has_enabled_case == CRM__SALES__LIST_PRODUCTS_REQUEST__HAS_ENABLED_ENABLED)
        crm_sqlbuf_add(q, req->enabled ? " AND p.enabled" : " AND NOT p.enabled");
    crm_filter_where(q, s_filters, N_FILTERS, &req->base);
    crm_db_batch_t *b = crm_db_batch_new();
    crm_page_batch_add(&q, &pg, req->total, b);
    crm_page_submit(call, s->db, &b, &pg, req->total, &crm__sales__product_list__descriptor);
}

/* ---- ProductHistory: everyone reads the catalogue's ---------------------------------- */

static void s_history(crm_rpc_call_t *call, const Crm__Sales__SalesHistoryRequest *req, void *arg)
{
    sales_history_list(arg, call, req, "product", "product_get", NULL, NULL);
}

void sales_products_handlers(sales_t *s)
{
    s->handlers.create_product = s_create;
    s->handlers.get_product = s_get;
    s->handlers.list_products = s_list;
    s->handlers.product_history = s_history;
}
