/* sales_opp_check.c: what an opportunity's create and edit check: the
 * typed fields (every fault at once), its product lines priced from the
 * catalogue (copied at the time of use), its contacts against the read
 * model of customers, and who may read and edit it. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/form.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

#define CONTACTS_MAX 20
#define TEAM_MAX 50

/* ---- who may do what ------------------------------------------------------------ */

static int s_in(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

int sales_opp_can_edit(const Crm__Caller *caller, const opportunity_t *o)
{
    return crm_scope_allows(caller, o->owner_id) ||
           s_in(o->team_member_ids, o->n_team_member_ids, caller->user_id);
}

int sales_opp_can_read(const Crm__Caller *caller, const opportunity_t *o)
{
    return sales_opp_can_edit(caller, o) ||
           s_in(o->team_reader_ids, o->n_team_reader_ids, caller->user_id);
}

/* ---- typed fields --------------------------------------------------------------- */

/* A list of ids: at most max, each >= 1, none twice; the first fault. */
static void s_ids(crm_errs_t *errs, const char *field, const int64_t *v, size_t n, size_t max)
{
    if (n > max) {
        crm_errs_invalid(errs, field, "at most %zu", max);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (v[i] < 1 || s_in(v, i, v[i])) {
            crm_errs_invalid(errs, field, "%lld is not a valid id, or is there twice",
                             (long long)v[i]);
            return;
        }
}

int sales_opp_check(crm_rpc_call_t *call, const sales_opp_input_t *in)
{
    const crm_form_field_t f[] = {
        {.field = "name", .value = in->name, .kind = CRM_FORM_TEXT, .max = 200, .required = 1},
        {.field = "expected_close_date",
         .value = in->expected_close_date,
         .kind = CRM_FORM_DATE,
         .max = 10},
        {.field = "source", .value = in->source, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "remark", .value = in->remark, .kind = CRM_FORM_TEXT, .max = 2000},
    };
    crm_errs_t errs = {.n = 0};
    crm_form_check(f, sizeof f / sizeof f[0], &errs);
    if (in->name && *in->name && !in->name[strspn(in->name, " \t")])
        crm_errs_invalid(&errs, "name", "name is required");
    if (in->has_contacts)
        s_ids(&errs, "contact_ids", in->contact_ids, in->n_contact_ids, CONTACTS_MAX);
    if (in->has_amount && (in->amount < 0 || in->amount > SALES_AMOUNT_MAX))
        crm_errs_invalid(&errs, "amount", "an amount is in minor units, 0 to 10^17");
    if (in->has_lines)
        sales_lines_check(in->lines, in->n_lines, &errs);
    if (in->has_members)
        s_ids(&errs, "team_member_ids", in->members, in->n_members, TEAM_MAX);
    if (in->has_readers)
        s_ids(&errs, "team_reader_ids", in->readers, in->n_readers, TEAM_MAX);
    for (size_t i = 0; in->has_members && in->has_readers && i < in->n_readers; i++)
        if (s_in(in->members, in->n_members, in->readers[i])) {
            crm_errs_invalid(&errs, "team_reader_ids", "user %lld is a read-write member already",
                             (long long)in->readers[i]);
            break;
        }
    if (in->lead_id < 0)
        crm_errs_invalid(&errs, "lead_id", "lead_id must not be negative");
    if (in->has_probability && (in->win_probability < 0 || in->win_probability > 100))
        crm_errs_invalid(&errs, "win_probability", "a probability is a percentage, 0 to 100");
    if (errs.n)
        return crm_rpc_fail_errs(call, &errs);
    return crm_check_time(call, "next_contact_at_us", in->next_contact_at_us);
}

int sales_team_without(crm_rpc_call_t *call, int64_t owner, const int64_t *members,
                       size_t n_members, const int64_t *readers, size_t n_readers)
{
    const char *field = s_in(members, n_members, owner)   ? "team_member_ids"
                        : s_in(readers, n_readers, owner) ? "team_reader_ids"
                                                          : NULL;
    if (!field)
        return 1;
    crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field,
                 "user %lld owns it; the team is the others", (long long)owner);
    return 0;
}

/* ---- lines priced from the catalogue ----------------------------------------------- */

void sales_read_products(crm_txn_t *t, Crm__Sales__OpportunityLine *const *lines, size_t n)
{
    int64_t *ids = crm_calloc(n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = lines[i]->product_id;
    char *a = crm_db_i64_array(ids, n);
    const char *p[] = {a};
    crm_txn_read(t, "products", "opportunity_products", 1, p);
    free(a);
    free(ids);
}

/* The row of product id in r, or -1. */
static int s_product_row(const PGresult *r, int64_t id)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == id)
            return i;
    return -1;
}

int sales_lines_price(Crm__Sales__OpportunityLine *const *in, size_t n, const PGresult *r,
                      Crm__Sales__OpportunityLine **out, crm_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const Crm__Sales__OpportunityLine *l = in[i];
        int row = s_product_row(r, l->product_id);
        if (row < 0)
            return crm_err_invalid(err, sales_line_field(i, "product_id"),
                                   "product %lld does not exist", (long long)l->product_id);
        if (!crm_db_get_bool(r, row, 5))
            return crm_err_invalid(err, sales_line_field(i, "product_id"),
                                   "product %lld is disabled: it goes on no new line",
                                   (long long)l->product_id);
        Crm__Sales__OpportunityLine *o = crm_calloc(1, sizeof *o);
        crm__sales__opportunity_line__init(o);
        out[i] = o;
        o->product_id = l->product_id;
        o->product_name = (char *)crm_db_get(r, row, 1);
        o->product_code = (char *)crm_db_get(r, row, 2);
        o->unit = (char *)crm_db_get(r, row, 3);
        o->quantity = l->quantity;
        o->unit_price = l->unit_price ? l->unit_price : crm_db_get_i64(r, row, 4);
        o->discount_bp = l->discount_bp;
        o->remark = l->remark;
        o->amount = sales_line_amount(o->quantity, o->unit_price, o->discount_bp);
        if (o->amount < 0)
            return crm_err_invalid(err, sales_line_field(i, "quantity"),
                                   "the line's amount is over 10^15 minor units");
    }
    return 0;
}

int64_t sales_lines_total(Crm__Sales__OpportunityLine *const *lines, size_t n)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lines[i]->amount; /* 100 lines of at most 10^15: no overflow */
    return total;
}

/* ---- contacts ---------------------------------------------------------------------- */

void sales_read_contacts(crm_txn_t *t, int64_t customer, const int64_t *ids, size_t n)
{
    char c[24];
    char *a = crm_db_i64_array(ids, n);
    const char *p[] = {crm_i64(c, customer), a};
    crm_txn_read(t, "contacts", "opportunity_contacts", 2, p);
    free(a);
}

int sales_contacts_ok(crm_txn_t *t, int64_t customer, const int64_t *ids, size_t n, crm_err_t *err)
{
    const PGresult *r = crm_txn_result(t, "contacts");
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (int k = 0; k < PQntuples(r) && !found; k++)
            found = crm_db_get_i64(r, k, 0) == ids[i];
        if (!found)
            return crm_err_invalid(err, "contact_ids", "contact %lld is not one of customer %lld's",
                                   (long long)ids[i], (long long)customer);
    }
    return 0;
}
