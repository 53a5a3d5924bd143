/* sales_opp_store.c: the opportunities' SQL (sql/004): the columns every
 * read selects, named after the message's fields (crm/rowmap.h), their
 * product lines as JSON, one INSERT and one UPDATE that carry every column
 * (so no action forgets one), the lines replaced whole, the stage change
 * rows, and the events. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/pbjson.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "sales.h"

/* The columns every write sets, and their parameters $2..$26 ($1 the id). */
#define SALES_OPP_WRITE                                                                            \
    "name, customer_id, contact_ids, amount, amount_given, expected_close_on, pipeline_id,"        \
    " stage_id, status, win_probability, lost_reason, source, lead_id, owner_id, department_id,"   \
    " team_member_ids, team_reader_ids, remark, last_followup_at, last_followup_content,"          \
    " next_contact_at, creator_id, updated_at, stage_changed_at, closed_at"
#define SALES_OPP_VALUES                                                                           \
    "$2, $3::bigint, $4::bigint[], $5::bigint, $6::boolean, NULLIF($7, '')::date, $8::bigint,"     \
    " $9::bigint, $10::smallint, $11::smallint, $12, $13, NULLIF($14::bigint, 0), $15::bigint,"    \
    " $16::bigint, $17::bigint[], $18::bigint[], $19, crm_ts($20::bigint), $21,"                   \
    " crm_ts($22::bigint), $23::bigint, crm_ts($24::bigint), crm_ts($25::bigint),"                 \
    " crm_ts($26::bigint)"

void sales_opps_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "opportunity_get",
                   "SELECT " SALES_OPP_COLUMNS ", " SALES_OPP_LINES
                   " FROM opportunities o WHERE o.id = $1::bigint AND o.deleted_at IS NULL");
    crm_db_prepare(db, "opportunity_lock_many",
                   "SELECT " SALES_OPP_COLUMNS ", " SALES_OPP_LINES
                   " FROM opportunities o WHERE o.id = ANY($1::bigint[]) AND o.deleted_at IS NULL"
                   " ORDER BY o.id FOR UPDATE OF o");
    crm_db_prepare(db, "opportunity_insert",
                   "INSERT INTO opportunities (id, " SALES_OPP_WRITE ", created_at) VALUES"
                   " ($1::bigint, " SALES_OPP_VALUES ", crm_ts($24::bigint))");
    crm_db_prepare(db, "opportunity_save",
                   "UPDATE opportunities SET (" SALES_OPP_WRITE ", deleted_at) = (" SALES_OPP_VALUES
                   ", CASE WHEN $27::boolean THEN now() END) WHERE id = $1::bigint");
    crm_db_prepare(db, "opportunity_lines_clear",
                   "DELETE FROM opportunity_lines WHERE opportunity_id = $1::bigint");
    crm_db_prepare(db, "opportunity_lines_insert",
                   "INSERT INTO opportunity_lines (opportunity_id, position, product_id,"
                   " product_name, product_code, unit, quantity, unit_price, discount_bp, amount,"
                   " remark) SELECT $1::bigint, x.position, x.product_id, x.product_name,"
                   " x.product_code, x.unit, x.quantity, x.unit_price, x.discount_bp, x.amount,"
                   " x.remark FROM json_to_recordset($2::json) AS x(position int, product_id"
                   " bigint, product_name text, product_code text, unit text, quantity bigint,"
                   " unit_price bigint, discount_bp int, amount bigint, remark text)");
    crm_db_prepare(db, "opportunity_stage_change",
                   "INSERT INTO opportunity_stage_changes (opportunity_id, pipeline_id,"
                   " from_stage_id, to_stage_id, from_status, to_status, back, feedback, note,"
                   " lost_reason, amount, probability, owner_id, department_id, actor_id, at)"
                   " VALUES ($1::bigint, $2::bigint, NULLIF($3::bigint, 0), $4::bigint,"
                   " NULLIF($5::smallint, 0), $6::smallint, $7::boolean, $8, $9, $10, $11::bigint,"
                   " $12::smallint, $13::bigint, $14::bigint, $15::bigint, crm_ts($16::bigint))");
    crm_db_prepare(db, "opportunity_products",
                   "SELECT id, name, code, unit, list_price, enabled FROM products"
                   " WHERE id = ANY($1::bigint[])");
    crm_db_prepare(db, "opportunity_contacts",
                   "SELECT id FROM sales_contacts WHERE customer_id = $1::bigint AND id ="
                   " ANY($2::bigint[]) AND NOT deleted");
}

/* ---- rows -------------------------------------------------------------------- */

void sales_lines_decode(const char *text, Crm__Sales__OpportunityLine ***out, size_t *n_out)
{
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    size_t n = json_array_size(a);
    Crm__Sales__OpportunityLine **lines = crm_calloc(n + 1, sizeof *lines);
    *n_out = 0;
    for (size_t k = 0; k < n; k++) {
        char *err = NULL, *field = NULL;
        ProtobufCMessage *m = crm_pb_from_json(&crm__sales__opportunity_line__descriptor,
                                               json_array_get(a, k), &err, &field);
        if (m)
            lines[(*n_out)++] = (Crm__Sales__OpportunityLine *)m;
        else /* the columns are the message's fields: a bug if not */
            crm_log(CRM_ERROR, "a line does not fit its message", "field", field ? field : "",
                    NULL);
        free(err);
        free(field);
    }
    json_decref(a);
    *out = lines;
}

void sales_lines_free(Crm__Sales__OpportunityLine **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        protobuf_c_message_free_unpacked(&lines[i]->base, NULL);
    free(lines);
}

/* The lines of row i (its lines_json) into row. */
static void s_lines(const PGresult *r, int i, opportunity_row_t *row)
{
    int col = PQfnumber(r, "lines_json");
    sales_lines_decode(col >= 0 && !PQgetisnull(r, i, col) ? PQgetvalue(r, i, col) : NULL,
                       &row->lines, &row->n_lines);
    row->o.lines = row->lines;
    row->o.n_lines = row->n_lines;
}

void sales_opp_row(const PGresult *r, int i, opportunity_row_t *row)
{
    memset(row, 0, sizeof *row);
    crm__sales__opportunity__init(&row->o);
    sales_row_to(r, i, &row->o.base);
    s_lines(r, i, row);
}

void sales_opp_row_clear(opportunity_row_t *row)
{
    sales_lines_free(row->lines, row->n_lines);
    row->lines = NULL;
    row->n_lines = 0;
    row->o.lines = NULL;
    row->o.n_lines = 0;
    crm_rowmap_clear(&row->o.base);
}

/* ---- writes ------------------------------------------------------------------ */

void sales_opp_write(crm_db_batch_t *b, const char *stmt, const opportunity_t *o, int deleted)
{
    char n[18][24];
    char *contacts = crm_db_i64_array(o->contact_ids, o->n_contact_ids),
         *members = crm_db_i64_array(o->team_member_ids, o->n_team_member_ids),
         *readers = crm_db_i64_array(o->team_reader_ids, o->n_team_reader_ids);
    const char *v[] = {crm_i64(n[0], o->id),
                       o->name,
                       crm_i64(n[1], o->customer_id),
                       contacts,
                       crm_i64(n[2], o->amount),
                       o->amount_given ? "true" : "false",
                       o->expected_close_date,
                       crm_i64(n[3], o->pipeline_id),
                       crm_i64(n[4], o->stage_id),
                       crm_i64(n[5], o->status),
                       crm_i64(n[6], o->win_probability),
                       o->lost_reason,
                       o->source,
                       crm_i64(n[7], o->lead_id),
                       crm_i64(n[8], o->owner_id),
                       crm_i64(n[9], o->department_id),
                       members,
                       readers,
                       o->remark,
                       crm_i64(n[10], o->last_followup_at_us),
                       o->last_followup_content,
                       crm_i64(n[11], o->next_contact_at_us),
                       crm_i64(n[12], o->creator_id),
                       crm_i64(n[13], o->updated_at_us),
                       crm_i64(n[14], o->stage_changed_at_us),
                       crm_i64(n[15], o->closed_at_us),
                       deleted ? "true" : "false"};
    /* The insert takes $1..$26, the save $1..$27 (deleted_at from $27). */
    crm_db_batch_add(b, stmt, !strcmp(stmt, "opportunity_insert") ? 26 : 27, v);
    free(contacts);
    free(members);
    free(readers);
}

char *sales_lines_encode(Crm__Sales__OpportunityLine *const *lines, size_t n, int with_position)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const Crm__Sales__OpportunityLine *l = lines[i];
        json_t *o =
            json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:i, s:I, s:s}", "product_id",
                      (json_int_t)l->product_id, "product_name", l->product_name, "product_code",
                      l->product_code, "unit", l->unit, "quantity", (json_int_t)l->quantity,
                      "unit_price", (json_int_t)l->unit_price, "discount_bp", l->discount_bp,
                      "amount", (json_int_t)l->amount, "remark", l->remark);
        if (with_position)
            json_object_set_new(o, "position", json_integer((json_int_t)i + 1));
        json_array_append_new(a, o);
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return text;
}

void sales_opp_write_lines(crm_db_batch_t *b, const opportunity_t *o)
{
    char id[24];
    const char *p[] = {crm_i64(id, o->id), NULL};
    crm_db_batch_add(b, "opportunity_lines_clear", 1, p);
    if (!o->n_lines)
        return;
    char *text = sales_lines_encode(o->lines, o->n_lines, 1);
    p[1] = text;
    crm_db_batch_add(b, "opportunity_lines_insert", 2, p);
    free(text);
}

void sales_opp_write_stage_change(crm_db_batch_t *b, const opportunity_t *o,
                                  const sales_stage_change_t *ch)
{
    char n[12][24];
    const char *p[] = {crm_i64(n[0], o->id),
                       crm_i64(n[1], o->pipeline_id),
                       crm_i64(n[2], ch->from_stage_id),
                       crm_i64(n[3], o->stage_id),
                       crm_i64(n[4], ch->from_status),
                       crm_i64(n[5], o->status),
                       ch->back ? "true" : "false",
                       ch->feedback_json ? ch->feedback_json : "[]",
                       ch->note ? ch->note : "",
                       o->lost_reason,
                       crm_i64(n[6], o->amount),
                       crm_i64(n[7], o->win_probability),
                       crm_i64(n[8], o->owner_id),
                       crm_i64(n[9], o->department_id),
                       crm_i64(n[10], ch->actor_id),
                       crm_i64(n[11], ch->at_us)};
    crm_db_batch_add(b, "opportunity_stage_change", 16, p);
}

void sales_emit_opp(crm_db_batch_t *b, const char *type, opportunity_t *o,
                    const sales_opp_event_t *e)
{
    Crm__Events__OpportunityChanged ev = CRM__EVENTS__OPPORTUNITY_CHANGED__INIT;
    ev.opportunity = o;
    ev.by = e->by;
    ev.reason = (char *)(e->reason ? e->reason : "");
    ev.changed_fields = e->changed;
    ev.n_changed_fields = e->n_changed;
    ev.to_owner_id = o->owner_id;
    if (e->from) {
        ev.from_owner_id = e->from->owner_id;
        ev.from_stage_id = e->from->stage_id;
        ev.from_status = e->from->status;
        ev.from_amount = e->from->amount;
    }
    ev.back = e->back;
    ev.feedback = e->feedback;
    ev.n_feedback = e->n_feedback;
    char key[24];
    crm_outbox_add(b, type, crm_i64(key, o->id), &ev.base);
}
