/* sales_handover.c: handover when someone leaves (离职交接): the
 * opportunities a leaver owns go to their successor (into the successor's
 * department; the successor leaves their team), in pages, each with a
 * history entry and an opportunity.transferred (reason "handover"). Run by
 * the organisation's consumer (crm/org.h) in the transaction that applies
 * the user.deactivated naming the successor. */
#include "crm/org.h"
#include "crm/util.h"
#include "sales.h"

#define HANDOVER_PAGE 500

/* One page: lock the leaver's opportunities and give them to the
 * successor, with their history entries. */
#define HANDOVER_PAGE_SQL                                                                          \
    "WITH mine AS (SELECT id AS mine_id FROM opportunities WHERE owner_id = $1::bigint"            \
    "   AND deleted_at IS NULL ORDER BY id LIMIT $3::int FOR UPDATE),"                             \
    " h AS (INSERT INTO sales_history (kind, record_id, action, from_owner_id, to_owner_id,"       \
    "   reason) SELECT 'opportunity', mine_id, 'handed_over', $1::bigint, $2::bigint, 'handover'"  \
    "   FROM mine)"                                                                                \
    " UPDATE opportunities o SET owner_id = $2::bigint, updated_at = now(),"                       \
    "   team_member_ids = array_remove(team_member_ids, $2::bigint),"                              \
    "   team_reader_ids = array_remove(team_reader_ids, $2::bigint),"                              \
    "   department_id = coalesce((SELECT nullif(department_id, 0) FROM crm_org_users"              \
    "                              WHERE id = $2::bigint), department_id)"                         \
    " FROM mine WHERE o.id = mine.mine_id"                                                         \
    " RETURNING " SALES_OPP_COLUMNS ", " SALES_OPP_LINES ", $1::bigint AS from_owner_id"

/* One opportunity.transferred per opportunity of the page. */
static void s_emit(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    (void)arg;
    int from = PQfnumber(rows, "from_owner_id");
    for (int i = 0; i < PQntuples(rows); i++) {
        opportunity_row_t row;
        sales_opp_row(rows, i, &row);
        opportunity_t before = row.o;
        before.owner_id = crm_db_get_i64(rows, i, from);
        sales_opp_event_t ev = {.reason = "handover", .from = &before};
        sales_emit_opp(b, "opportunity.transferred", &row.o, &ev);
        sales_opp_row_clear(&row);
    }
}

static const crm_org_handover_t s_handover = {
    .count_sql = "SELECT count(*) FROM opportunities WHERE owner_id = $1::bigint"
                 " AND deleted_at IS NULL",
    .page_sql = HANDOVER_PAGE_SQL,
    .emit = s_emit,
    .page = HANDOVER_PAGE,
};

const crm_org_handover_t *sales_handover(void)
{
    return &s_handover;
}
