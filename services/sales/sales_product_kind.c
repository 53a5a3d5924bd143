/* sales_product_kind.c: the product as a record kind of the change engine
 * (crm/change.h): locked, saved with its history (old and new values) and
 * announced (product.updated) in the change's transaction. Its ops: an edit
 * by merge patch (UpdateProduct) and disabling or enabling a batch
 * (DisableProducts, EnableProducts), all admins'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/history.h"
#include "crm/mask.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"

/* The fields a history entry leaves out: bookkeeping. */
static crm_history_skip_t s_unfollowed = {"id", "creator_id", "created_at", "updated_at", NULL};

static void s_decode(const PGresult *r, int row, void *rec)
{
    product_t *p = rec;
    crm__sales__product__init(p);
    sales_row_to(r, row, &p->base);
}

static void s_clear(void *rec)
{
    crm_rowmap_clear(&((product_t *)rec)->base);
}

/* Admins change the catalogue; the gateway's routes say so too. */
static int s_may_act(crm_change_t *c, const void *rec)
{
    (void)rec;
    return sales_change_admin_only(c, "change the catalogue");
}

static void s_stamp(crm_change_t *c, void *rec)
{
    ((product_t *)rec)->updated_at_us = crm_change_now(c);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const product_t *before = prev, *p = rec;
    sales_product_write(b, "product_save", p);
    char *detail = crm_history_detail(crm_change_detail_of(c, crm_change_current(c)), &before->base,
                                      &p->base, s_unfollowed);
    sales_change_history(c, b, "product", p->id, detail, 0, 0);
    free(detail);
}

static void s_emit(crm_change_t *c, const void *prev, void *rec, crm_db_batch_t *b)
{
    const product_t *before = prev;
    char *changed[16];
    size_t n =
        crm_history_changed(&before->base, &((product_t *)rec)->base, s_unfollowed, changed, 16);
    sales_emit_product(b, "product.updated", rec, crm_change_caller(c)->user_id,
                       crm_change_reason(c), changed, n);
    for (size_t i = 0; i < n; i++)
        free(changed[i]);
}

/* The default reply: the changed products. */
static void s_reply(crm_change_t *c)
{
    size_t n = crm_change_count(c);
    Crm__Sales__ProductsReply reply = CRM__SALES__PRODUCTS_REPLY__INIT;
    product_t **ps = crm_calloc(n + 1, sizeof *ps);
    for (size_t i = 0; i < n; i++)
        ps[i] = crm_change_record(c, i);
    reply.products = ps;
    reply.n_products = n;
    crm_change_reply(c, &reply.base);
    free(ps);
}

static const crm_change_kind_t s_kind = {
    .noun = "product",
    .lock = "product_lock_many",
    .size = sizeof(product_t),
    .decode = s_decode,
    .clear = s_clear,
    .may_act = s_may_act,
    .stamp = s_stamp,
    .save = s_save,
    .emit = s_emit,
    .reply = s_reply,
};

/* ---- UpdateProduct ------------------------------------------------------------ */

static const char *const s_editable[] = {"name",       "code",   "category", "unit",
                                         "list_price", "remark", NULL};

static int s_in_mask(const Crm__Sales__UpdateProductRequest *req, const char *f)
{
    return crm_mask_has(req->update_mask, req->n_update_mask, f);
}

static void s_update_read(crm_change_t *c)
{
    const Crm__Sales__UpdateProductRequest *req = crm_change_request(c);
    if (s_in_mask(req, "code"))
        sales_read_unique(crm_change_txn(c), "product.code", "product_by_code", req->code, req->id);
}

static int s_update_apply(crm_change_t *c, void *rec, const void *prev)
{
    (void)prev;
    product_t *p = rec;
    const Crm__Sales__UpdateProductRequest *req = crm_change_request(c);
    if (sales_unique_free(crm_change_txn(c), "code", "product") < 0)
        return -1;
#define EDIT(f)                                                                                    \
    if (s_in_mask(req, #f))                                                                        \
    p->f = req->f
    EDIT(name);
    EDIT(category);
    EDIT(unit);
    EDIT(list_price);
    EDIT(remark);
#undef EDIT
    if (s_in_mask(req, "code"))
        p->code = crm_change_keep(c, crm_strtrim(req->code));
    return 0;
}

static void s_single_reply(crm_change_t *c)
{
    crm_change_reply(c, &((product_t *)crm_change_record(c, 0))->base);
}

static const crm_change_op_t s_update_op = {.action = "updated",
                                            .ids_field = "id",
                                            .read = s_update_read,
                                            .apply = s_update_apply,
                                            .reply = s_single_reply};

static void s_update(crm_rpc_call_t *call, const Crm__Sales__UpdateProductRequest *req, void *arg)
{
    sales_t *s = arg;
    crm_err_t err;
    if (!sales_admin_only(call, "change the catalogue") || !crm_check_id(call, "id", req->id))
        return;
    if (crm_mask_check(req->update_mask, req->n_update_mask, s_editable, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
#define GIVEN(f) (s_in_mask(req, #f) ? req->f : NULL)
    if (!sales_product_check(call, GIVEN(name), GIVEN(code), GIVEN(category), GIVEN(unit),
                             GIVEN(remark), s_in_mask(req, "list_price"), req->list_price))
        return;
#undef GIVEN
    crm_change_run(&s->env, call, &s_kind, &s_update_op, &req->id, 1, "", NULL);
}

/* ---- DisableProducts, EnableProducts --------------------------------------------- */

static int s_enable_apply(crm_change_t *c, void *rec, const void *prev)
{
    const product_t *before = prev;
    int enable = !strcmp(crm_change_op(c)->action, "enabled");
    if (before->enabled == enable)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, NULL, "it is %s already",
                                 enable ? "enabled" : "disabled");
    ((product_t *)rec)->enabled = enable;
    return 0;
}

static const crm_change_op_t s_disable_op = {
    .action = "disabled", .ids_field = "ids", .apply = s_enable_apply};
static const crm_change_op_t s_enable_op = {
    .action = "enabled", .ids_field = "ids", .apply = s_enable_apply};

static void s_enabled(crm_rpc_call_t *call, const Crm__Sales__ProductIdsRequest *req, sales_t *s,
                      const crm_change_op_t *op)
{
    if (!sales_admin_only(call, "change the catalogue") ||
        !crm_change_check_ids(call, "ids", req->ids, req->n_ids, SALES_MAX_IDS) ||
        !crm_check_text(call, "reason", req->reason, 500, 0))
        return;
    crm_change_run(&s->env, call, &s_kind, op, req->ids, req->n_ids, req->reason, NULL);
}

static void s_disable(crm_rpc_call_t *call, const Crm__Sales__ProductIdsRequest *req, void *arg)
{
    s_enabled(call, req, arg, &s_disable_op);
}

static void s_enable(crm_rpc_call_t *call, const Crm__Sales__ProductIdsRequest *req, void *arg)
{
    s_enabled(call, req, arg, &s_enable_op);
}

void sales_product_kind_handlers(sales_t *s)
{
    s->handlers.update_product = s_update;
    s->handlers.disable_products = s_disable;
    s->handlers.enable_products = s_enable;
}
