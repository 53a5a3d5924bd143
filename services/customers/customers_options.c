/* customers_options.c: the configurable lists a customer's level, industry
 * and source take (Customers.GetOptions, SetOptions: admins replace them
 * whole; customers keep the values they have). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

#define OPTIONS_MAX 100

static const char *const s_kinds[] = {"level", "industry", "source"};

/* The lists from rows (kind, value) in position order, and the settings
 * (name, value). */
static void s_reply_rows(crm_rpc_call_t *call, const PGresult *r, const PGresult *settings)
{
    Crm__Customers__CustomerOptions o = CRM__CUSTOMERS__CUSTOMER_OPTIONS__INIT;
    int n = PQntuples(r);
    char **lists[3];
    size_t counts[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++)
        lists[k] = crm_calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            if (!strcmp(crm_db_get(r, i, 0), s_kinds[k]))
                lists[k][counts[k]++] = (char *)crm_db_get(r, i, 1);
    o.levels = lists[0];
    o.n_levels = counts[0];
    o.industries = lists[1];
    o.n_industries = counts[1];
    o.sources = lists[2];
    o.n_sources = counts[2];
    for (int i = 0; i < PQntuples(settings); i++)
        if (!strcmp(crm_db_get(settings, i, 0), "lock_cap"))
            o.lock_cap = (int32_t)crm_db_get_i64(settings, i, 1);
    crm_rpc_reply(call, &o.base);
    for (int k = 0; k < 3; k++)
        free(lists[k]);
}

#define OPTIONS_SELECT "SELECT kind, value FROM customer_options ORDER BY kind, position"

static void s_got(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err)
        crm_fail_db(call, res);
    else
        s_reply_rows(call, res->results[0], res->results[1]);
}

static void s_get(crm_rpc_call_t *call, const Crm__Empty *req, void *arg)
{
    (void)req;
    customers_t *cs = arg;
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, OPTIONS_SELECT, 0, NULL);
    crm_db_batch_add(b, "SELECT name, value FROM customer_settings", 0, NULL);
    crm_db_submit(cs->db, &b, s_got, call);
}

/* ---- SetOptions: a write transaction (crm/txn.h) ---------------------------- */

static void s_add_kind(crm_db_batch_t *b, const char *kind, char *const *v, size_t n)
{
    char *arr = crm_db_text_array(v, n);
    const char *p[] = {kind, arr};
    crm_db_batch_add(b,
                     "INSERT INTO customer_options (kind, position, value) SELECT $1, o, v"
                     " FROM unnest($2::text[]) WITH ORDINALITY AS x(v, o)",
                     2, p);
    free(arr);
}

static int s_set_decide(crm_txn_t *t)
{
    const Crm__Customers__CustomerOptions *req = crm_txn_request(t);
    crm_db_batch_t *b = crm_txn_batch(t);
    crm_db_batch_add(b, "DELETE FROM customer_options", 0, NULL);
    s_add_kind(b, "level", req->levels, req->n_levels);
    s_add_kind(b, "industry", req->industries, req->n_industries);
    s_add_kind(b, "source", req->sources, req->n_sources);
    char cap[16];
    snprintf(cap, sizeof cap, "%d", req->lock_cap);
    const char *p[] = {cap};
    crm_db_batch_add(b, "UPDATE customer_settings SET value = $1::int WHERE name = 'lock_cap'", 1,
                     p);
    crm_txn_reply(t, &req->base);
    return 0;
}

static const crm_txn_op_t s_set_op = {.decide = s_set_decide};

/* One list: 1..OPTIONS_MAX values, each 1..50 characters, none twice. */
static void s_check_list(crm_errs_t *errs, const char *field, char *const *v, size_t n)
{
    if (n == 0) {
        crm_errs_invalid(errs, field, "%s needs at least one value", field);
        return;
    }
    if (crm_form_tags(errs, field, v, n, OPTIONS_MAX, 50) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v[i], v[j])) {
                crm_errs_invalid(errs, field, "%s names \"%s\" twice", field, v[i]);
                return;
            }
}

static void s_set(crm_rpc_call_t *call, const Crm__Customers__CustomerOptions *req, void *arg)
{
    customers_t *cs = arg;
    if (!crm_scope_all(crm_rpc_call_caller(call))) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only an admin sets the lists");
        return;
    }
    crm_errs_t errs = {.n = 0};
    s_check_list(&errs, "levels", req->levels, req->n_levels);
    s_check_list(&errs, "industries", req->industries, req->n_industries);
    s_check_list(&errs, "sources", req->sources, req->n_sources);
    if (req->lock_cap < 0 || req->lock_cap > 100000)
        crm_errs_invalid(&errs, "lock_cap", "lock_cap is 0 (no cap) to 100000");
    if (errs.n) {
        crm_rpc_fail_errs(call, &errs);
        return;
    }
    crm_txn_run(&cs->env, call, &s_set_op, NULL);
}

void customers_options_handlers(customers_t *cs)
{
    cs->handlers.get_options = s_get;
    cs->handlers.set_options = s_set;
}
