/* sales_order_store.c: the orders' SQL (sql/021): the columns every read
 * selects, named after the message's fields (crm/rowmap.h), the lines as
 * JSON in the row, one INSERT and one UPDATE that carry every column, the
 * events (order.<action>), and who reads and acts on an order. */
#include <stdlib.h>
#include <string.h>

#include "crm/form.h"
#include "crm/outbox.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_approval.h"
#include "sales_rules.h"

#define ORDER_WRITE                                                                                \
    "number, customer_id, opportunity_id, contract_id, lines, subtotal, discount_bp, amount,"      \
    " status, delivery_status, approver_id, approval_comment, submitted_at, decided_at,"           \
    " owner_id, department_id, remark, creator_id, updated_at, shipped_at"
#define ORDER_VALUES                                                                               \
    "btrim($2), $3::bigint, NULLIF($4::bigint, 0), NULLIF($5::bigint, 0), $6::jsonb, $7::bigint,"  \
    " $8::integer, $9::bigint, $10::smallint, $11::smallint, $12::bigint, $13,"                    \
    " crm_ts($14::bigint), crm_ts($15::bigint), $16::bigint, $17::bigint, $18, $19::bigint,"       \
    " crm_ts($20::bigint), crm_ts($21::bigint)"

void sales_orders_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "order_get",
                   "SELECT " SALES_ORDER_COLUMNS
                   ", d.lines::text AS lines_json, " SALES_APPROVAL_JSON(
                       "1", "d.id") " FROM orders d WHERE d.id = $1::bigint");
    crm_db_prepare(db, "order_lock_many",
                   "SELECT " SALES_ORDER_COLUMNS ", d.lines::text AS lines_json FROM orders d"
                   " WHERE d.id = ANY($1::bigint[]) ORDER BY d.id FOR UPDATE OF d");
    crm_db_prepare(db, "order_insert",
                   "INSERT INTO orders (id, " ORDER_WRITE
                   ", created_at) VALUES ($1::bigint, " ORDER_VALUES ", crm_ts($20::bigint))");
    crm_db_prepare(db, "order_save",
                   "UPDATE orders SET (" ORDER_WRITE ") = (" ORDER_VALUES
                   ") WHERE id = $1::bigint");
    crm_db_prepare(db, "order_number_taken",
                   "SELECT id, number FROM orders WHERE lower(btrim(number)) = lower(btrim($1))"
                   " AND id <> $2::bigint");
}

void sales_order_row(const PGresult *r, int i, order_row_t *row)
{
    memset(row, 0, sizeof *row);
    crm__sales__order__init(&row->o);
    sales_row_to(r, i, &row->o.base);
    int col = PQfnumber(r, "lines_json");
    sales_lines_decode(col >= 0 ? crm_db_get(r, i, col) : NULL, &row->lines, &row->n_lines);
    row->o.lines = row->lines;
    row->o.n_lines = row->n_lines;
    col = PQfnumber(r, "approval_json");
    if (col >= 0) {
        sales_steps_decode(crm_db_get(r, i, col), &row->steps, &row->n_steps);
        row->o.approval_steps = row->steps;
        row->o.n_approval_steps = row->n_steps;
        sales_order_approval_summary(&row->o);
    }
}

void sales_order_row_clear(order_row_t *row)
{
    sales_lines_free(row->lines, row->n_lines);
    row->lines = NULL;
    row->o.lines = NULL;
    row->o.n_lines = row->n_lines = 0;
    sales_steps_free(row->steps, row->n_steps);
    row->steps = row->o.approval_steps = NULL;
    row->o.n_approval_steps = row->n_steps = 0;
    crm_rowmap_clear(&row->o.base);
}

void sales_order_write(crm_db_batch_t *b, const char *stmt, const order_t *o)
{
    char n[17][24];
    char *lines = sales_lines_encode(o->lines, o->n_lines, 0);
    const char *v[] = {crm_i64(n[0], o->id),
                       o->number,
                       crm_i64(n[1], o->customer_id),
                       crm_i64(n[2], o->opportunity_id),
                       crm_i64(n[3], o->contract_id),
                       lines,
                       crm_i64(n[4], o->subtotal),
                       crm_i64(n[5], o->discount_bp),
                       crm_i64(n[6], o->amount),
                       crm_i64(n[7], o->status),
                       crm_i64(n[8], o->delivery_status),
                       crm_i64(n[9], o->approver_id),
                       o->approval_comment,
                       crm_i64(n[10], o->submitted_at_us),
                       crm_i64(n[11], o->decided_at_us),
                       crm_i64(n[12], o->owner_id),
                       crm_i64(n[13], o->department_id),
                       o->remark,
                       crm_i64(n[14], o->creator_id),
                       crm_i64(n[15], o->updated_at_us),
                       crm_i64(n[16], o->shipped_at_us)};
    crm_db_batch_add(b, stmt, 21, v);
    free(lines);
}

void sales_emit_order(crm_db_batch_t *b, const char *type, order_t *o, int64_t by,
                      const char *reason, char **changed, size_t n, const order_t *from)
{
    Crm__Events__OrderChanged ev = CRM__EVENTS__ORDER_CHANGED__INIT;
    ev.order = o;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.changed_fields = changed;
    ev.n_changed_fields = n;
    ev.to_owner_id = o->owner_id;
    if (from) {
        ev.from_status = from->status;
        ev.from_owner_id = from->owner_id;
    }
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, o->id), &ev.base);
}

void sales_order_approval_summary(order_t *o)
{
    sales_approval_summary(o->approval_steps, o->n_approval_steps, &o->approval_flow_id,
                           &o->approval_level, &o->approver_role);
}

int sales_order_can_read(const Crm__Caller *caller, const order_t *o)
{
    return crm_scope_allows(caller, o->owner_id) ||
           (o->approver_id && o->approver_id == caller->user_id) ||
           sales_approval_involves(o->approval_steps, o->n_approval_steps, caller->user_id,
                                   sales_role_word(caller->role), o->owner_id);
}

int sales_order_check(crm_rpc_call_t *call, const char *number,
                      Crm__Sales__OpportunityLine *const *lines, size_t n_lines, int has_lines,
                      int32_t discount_bp, const char *remark)
{
    const crm_form_field_t f[] = {
        {.field = "number", .value = number, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "remark", .value = remark, .kind = CRM_FORM_TEXT, .max = 2000},
    };
    crm_errs_t errs = {.n = 0};
    crm_form_check(f, sizeof f / sizeof f[0], &errs);
    if (number && *number && !number[strspn(number, " \t")])
        crm_errs_invalid(&errs, "number", "a number is not blank");
    if (has_lines && n_lines == 0)
        crm_errs_invalid(&errs, "lines", "an order has at least one line");
    if (has_lines)
        sales_lines_check(lines, n_lines, &errs);
    if (discount_bp < 0 || discount_bp > SALES_DISCOUNT_MAX)
        crm_errs_invalid(&errs, "discount_bp", "a discount is 0 to 10000 basis points");
    if (errs.n)
        return crm_rpc_fail_errs(call, &errs);
    return 1;
}
