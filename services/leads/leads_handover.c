/* leads_handover.c: handover when someone leaves (离职交接): the leads a
 * leaver owns go to their successor, in pages, each with a history entry
 * "handed_over" and a lead.transferred event; the leaver's places in lead
 * teams and as a pool admin go to the successor, and their pool
 * memberships end. Run by the organisation's consumer (crm/org.h) in the
 * transaction that applies the user.deactivated naming the successor. */
#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "leads.h"

#define HANDOVER_PAGE 500

/* One page: lock the leaver's leads, give them to the successor (their
 * department follows the successor's, as a transfer's does), write their
 * history (its detail as the change engine's, leads_history.c). */
#define HANDOVER_PAGE_SQL                                                                          \
    "WITH mine AS (SELECT id AS mine_id, department_id AS old_department FROM leads"               \
    "   WHERE owner_id = $1::bigint"                                                               \
    "   AND deleted_at IS NULL ORDER BY id LIMIT $3::int FOR UPDATE),"                             \
    " moved AS (UPDATE leads SET owner_id = $2::bigint, owner_since = now(), updated_at = now(),"  \
    "   department_id = coalesce((SELECT nullif(department_id, 0) FROM crm_org_users"              \
    "                              WHERE id = $2::bigint), department_id)"                         \
    "   FROM mine WHERE leads.id = mine.mine_id RETURNING " LEAD_COLUMNS "),"                      \
    " hist AS (INSERT INTO lead_history (lead_id, action, from_owner_id, to_owner_id, reason,"     \
    "   detail) SELECT id, 'handed_over', $1::bigint, $2::bigint, 'the owner left',"               \
    "   jsonb_build_object('changes', jsonb_build_array(jsonb_build_object('field', 'owner_id',"   \
    "   'old', $1::bigint, 'new', $2::bigint)) || CASE WHEN old_department <> department_id"       \
    "   THEN jsonb_build_array(jsonb_build_object('field', 'department_id', 'old',"                \
    "   old_department, 'new', department_id)) ELSE '[]' END)::text"                               \
    "   FROM moved JOIN mine ON mine_id = id)"                                                     \
    " SELECT *, $1::bigint AS from_owner_id FROM moved"

/* The leaver's team places go to the successor (dropped where the
 * successor owns the lead or is in its team already); as a pool's admin
 * likewise; their pool memberships end. */
#define HANDOVER_AFTER_SQL                                                                         \
    "WITH team AS (UPDATE leads SET updated_at = now(), team_member_ids ="                         \
    "   CASE WHEN owner_id = $2::bigint OR $2::bigint = ANY(team_member_ids)"                      \
    "        THEN array_remove(team_member_ids, $1::bigint)"                                       \
    "        ELSE array_replace(team_member_ids, $1::bigint, $2::bigint) END"                      \
    "   WHERE $1::bigint = ANY(team_member_ids) AND deleted_at IS NULL RETURNING id),"             \
    " pools AS (UPDATE lead_pools SET updated_at = now(), admin_ids ="                             \
    "   CASE WHEN $2::bigint = ANY(admin_ids) THEN array_remove(admin_ids, $1::bigint)"            \
    "        ELSE array_replace(admin_ids, $1::bigint, $2::bigint) END,"                           \
    "   member_user_ids = array_remove(member_user_ids, $1::bigint)"                               \
    "   WHERE $1::bigint = ANY(admin_ids) OR $1::bigint = ANY(member_user_ids) RETURNING id)"      \
    " SELECT (SELECT count(*) FROM team) AS teams, (SELECT count(*) FROM pools) AS pools"

/* One lead.transferred per lead of the page. */
static void s_emit(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    int from = PQfnumber(rows, "from_owner_id");
    for (int i = 0; i < PQntuples(rows); i++) {
        lead_row_t row;
        leads_store_row(rows, i, &row);
        Crm__Events__LeadChanged ev = CRM__EVENTS__LEAD_CHANGED__INIT;
        ev.lead = &row.lead;
        ev.reason = "handover";
        ev.from_owner_id = crm_db_get_i64(rows, i, from);
        ev.to_owner_id = row.lead.owner_id;
        ev.pool_id = row.lead.pool_id;
        ev.from_status = row.lead.status;
        char id[24];
        crm_outbox_add(b, "lead.transferred", crm_i64(id, row.lead.id), &ev.base);
        leads_row_clear(&row);
    }
}

static const crm_org_handover_t s_handover = {
    .count_sql = "SELECT count(*) FROM leads WHERE owner_id = $1::bigint AND deleted_at IS NULL",
    .page_sql = HANDOVER_PAGE_SQL,
    .emit = s_emit,
    .after_sql = HANDOVER_AFTER_SQL,
    .cache_key = leads_cache_key,
    .page = HANDOVER_PAGE,
};

const crm_org_handover_t *leads_handover(void)
{
    return &s_handover;
}
