/* sales_contract_store.c: the contracts' SQL (sql/020): the columns every
 * read selects, named after the message's fields (crm/rowmap.h), one
 * INSERT and one UPDATE that carry every column, a number's next sequence
 * of the business day, and the events (contract.<action>). */
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

#define CONTRACT_WRITE                                                                             \
    "number, name, customer_id, opportunity_id, amount, sign_date, start_date, end_date,"          \
    " customer_signatory, signatory_id, status, attachments, owner_id, department_id, remark,"     \
    " creator_id, updated_at, signed_at, terminated_at, terminate_reason"
#define CONTRACT_VALUES                                                                            \
    "btrim($2), btrim($3), $4::bigint, NULLIF($5::bigint, 0), $6::bigint, NULLIF($7, '')::date,"   \
    " NULLIF($8, '')::date, NULLIF($9, '')::date, $10, $11::bigint, $12::smallint, $13::text[],"   \
    " $14::bigint, $15::bigint, $16, $17::bigint, crm_ts($18::bigint), crm_ts($19::bigint),"       \
    " crm_ts($20::bigint), $21"

void sales_contracts_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "contract_get",
                   "SELECT " SALES_CONTRACT_COLUMNS ", " SALES_APPROVAL_JSON(
                       "2", "k.id") " FROM contracts k WHERE k.id = $1::bigint");
    crm_db_prepare(db, "contract_lock_many",
                   "SELECT " SALES_CONTRACT_COLUMNS " FROM contracts k WHERE k.id ="
                   " ANY($1::bigint[]) ORDER BY k.id FOR UPDATE OF k");
    crm_db_prepare(db, "contract_insert",
                   "INSERT INTO contracts (id, " CONTRACT_WRITE
                   ", created_at) VALUES ($1::bigint, " CONTRACT_VALUES ", crm_ts($18::bigint))");
    crm_db_prepare(db, "contract_save",
                   "UPDATE contracts SET (" CONTRACT_WRITE ") = (" CONTRACT_VALUES
                   ") WHERE id = $1::bigint");
    crm_db_prepare(db, "contract_number_taken",
                   "SELECT id, name FROM contracts WHERE lower(btrim(number)) = lower(btrim($1))"
                   " AND id <> $2::bigint");
    /* The next sequence of $1 (a kind) on the business day in zone $2. */
    crm_db_prepare(db, "sales_number_next",
                   "WITH d AS (SELECT to_char(now() AT TIME ZONE $2, 'YYYYMMDD') AS day)"
                   " INSERT INTO sales_numbers AS n (scope, last) SELECT $1 || ':' || d.day, 1"
                   " FROM d ON CONFLICT (scope) DO UPDATE SET last = n.last + 1"
                   " RETURNING split_part(scope, ':', 2) AS day, last");
}

void sales_contract_row(const PGresult *r, int i, contract_t *k)
{
    crm__sales__contract__init(k);
    sales_row_to(r, i, &k->base);
    int col = PQfnumber(r, "approval_json");
    if (col >= 0) { /* a read of one: its steps, owned here */
        sales_steps_decode(crm_db_get(r, i, col), &k->approval_steps, &k->n_approval_steps);
        sales_contract_approval_summary(k);
    }
}

void sales_contract_row_clear(contract_t *k)
{
    sales_steps_free(k->approval_steps, k->n_approval_steps);
    k->approval_steps = NULL;
    k->n_approval_steps = 0;
    crm_rowmap_clear(&k->base);
}

void sales_contract_approval_summary(contract_t *k)
{
    sales_approval_summary(k->approval_steps, k->n_approval_steps, &k->approval_flow_id,
                           &k->approval_level, &k->approver_role);
    sales_approval_current(k->approval_steps, k->n_approval_steps, &k->approver_id,
                           &k->approval_comment);
}

void sales_contract_write(crm_db_batch_t *b, const char *stmt, const contract_t *k)
{
    char n[12][24];
    char *att = crm_db_text_array(k->attachments, k->n_attachments);
    const char *v[] = {crm_i64(n[0], k->id),
                       k->number,
                       k->name,
                       crm_i64(n[1], k->customer_id),
                       crm_i64(n[2], k->opportunity_id),
                       crm_i64(n[3], k->amount),
                       k->sign_date,
                       k->start_date,
                       k->end_date,
                       k->customer_signatory,
                       crm_i64(n[4], k->signatory_id),
                       crm_i64(n[5], k->status),
                       att,
                       crm_i64(n[6], k->owner_id),
                       crm_i64(n[7], k->department_id),
                       k->remark,
                       crm_i64(n[8], k->creator_id),
                       crm_i64(n[9], k->updated_at_us),
                       crm_i64(n[10], k->signed_at_us),
                       crm_i64(n[11], k->terminated_at_us),
                       k->terminate_reason};
    crm_db_batch_add(b, stmt, 21, v);
    free(att);
}

void sales_emit_contract(crm_db_batch_t *b, const char *type, contract_t *k, int64_t by,
                         const char *reason, char **changed, size_t n, int from_status)
{
    Crm__Events__ContractChanged ev = CRM__EVENTS__CONTRACT_CHANGED__INIT;
    ev.contract = k;
    ev.by = by;
    ev.reason = (char *)(reason ? reason : "");
    ev.changed_fields = changed;
    ev.n_changed_fields = n;
    ev.from_status = from_status;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, k->id), &ev.base);
}

/* ---- checks ---------------------------------------------------------------------- */

#define ATTACHMENTS_MAX 20

int sales_contract_can_read(const Crm__Caller *caller, const contract_t *k)
{
    return crm_scope_allows(caller, k->owner_id) ||
           sales_approval_involves(k->approval_steps, k->n_approval_steps, caller->user_id,
                                   sales_role_word(caller->role), k->owner_id);
}

int sales_contract_check(crm_rpc_call_t *call, const sales_contract_input_t *in)
{
    const crm_form_field_t f[] = {
        {.field = "number", .value = in->number, .kind = CRM_FORM_TEXT, .max = 50},
        {.field = "name", .value = in->name, .kind = CRM_FORM_TEXT, .max = 200, .required = 1},
        {.field = "sign_date", .value = in->sign_date, .kind = CRM_FORM_DATE, .max = 10},
        {.field = "start_date", .value = in->start_date, .kind = CRM_FORM_DATE, .max = 10},
        {.field = "end_date", .value = in->end_date, .kind = CRM_FORM_DATE, .max = 10},
        {.field = "customer_signatory",
         .value = in->customer_signatory,
         .kind = CRM_FORM_TEXT,
         .max = 100},
        {.field = "remark", .value = in->remark, .kind = CRM_FORM_TEXT, .max = 2000},
    };
    crm_errs_t errs = {.n = 0};
    crm_form_check(f, sizeof f / sizeof f[0], &errs);
    if (in->name && *in->name && !in->name[strspn(in->name, " \t")])
        crm_errs_invalid(&errs, "name", "name is required");
    if (in->number && *in->number && !in->number[strspn(in->number, " \t")])
        crm_errs_invalid(&errs, "number", "a number is not blank");
    if (in->has_amount && (in->amount < 0 || in->amount > SALES_AMOUNT_MAX))
        crm_errs_invalid(&errs, "amount", "an amount is in minor units, 0 to 10^17");
    if (in->signatory_id < 0)
        crm_errs_invalid(&errs, "signatory_id", "signatory_id must not be negative");
    if (in->n_attachments > ATTACHMENTS_MAX)
        crm_errs_invalid(&errs, "attachments", "at most %d attachments", ATTACHMENTS_MAX);
    for (size_t i = 0; i < in->n_attachments && i < ATTACHMENTS_MAX; i++)
        if (!*in->attachments[i] || strlen(in->attachments[i]) > 500) {
            crm_errs_invalid(&errs, "attachments", "attachment %zu is empty or over 500 bytes",
                             i + 1);
            break;
        }
    if (errs.n)
        return crm_rpc_fail_errs(call, &errs);
    return 1;
}

/* Dates: the end not before the start (both YYYY-MM-DD: text order is
 * day order). 0, or -1 with err on end_date. */
int sales_contract_dates_ok(const contract_t *k, crm_err_t *err)
{
    if (*k->start_date && *k->end_date && strcmp(k->end_date, k->start_date) < 0)
        return crm_err_set(err, CRM__STATUS__INVALID_ARGUMENT, "end_date",
                           "the end date %s is before the start date %s", k->end_date,
                           k->start_date);
    return 0;
}
