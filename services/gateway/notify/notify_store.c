/* notify_store.c: the notification centre's SQL, its columns named after
 * the fields of Notification (crm/rowmap.h). A user sees only their own:
 * another user's ids are simply not theirs. */
#include "notify_impl.h"

void ntf_store_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "gw_notification_list",
                   "SELECT id, type, title, aggregate_id, event AS event_json,"
                   " crm_us(created_at) AS created_at_us,"
                   " COALESCE(crm_us(read_at), 0) AS read_at_us"
                   " FROM gw_notifications WHERE user_id = $1::bigint"
                   " AND ($2::bigint = 0 OR id < $2::bigint)"
                   " AND (NOT $4::boolean OR read_at IS NULL) ORDER BY id DESC LIMIT $3::int");
    crm_db_prepare(db, "gw_notification_count",
                   "SELECT count(*) AS total FROM gw_notifications WHERE user_id = $1::bigint"
                   " AND (NOT $2::boolean OR read_at IS NULL)");
    crm_db_prepare(db, "gw_notification_unread",
                   "SELECT count(*) FROM gw_notifications WHERE user_id = $1::bigint"
                   " AND read_at IS NULL");
    crm_db_prepare(db, "gw_notification_mark",
                   "UPDATE gw_notifications SET read_at = now() WHERE user_id = $1::bigint"
                   " AND read_at IS NULL AND ($3::boolean OR id = ANY($2::bigint[]))");
}

void ntf_store_prepare_consumer(crm_db_t *db)
{
    crm_db_prepare(db, "gw_notification_insert",
                   "INSERT INTO gw_notifications (user_id, event_id, type, title, aggregate_id,"
                   " event) VALUES ($1::bigint, $2::uuid, $3, $4, $5, $6)"
                   " ON CONFLICT (event_id, user_id) DO NOTHING");
    /* The same for every active holder of role $1 but the user $7. */
    crm_db_prepare(db, "gw_notification_insert_role",
                   "INSERT INTO gw_notifications (user_id, event_id, type, title, aggregate_id,"
                   " event) SELECT u.id, $2::uuid, $3, $4, $5, $6 FROM users u WHERE u.role = $1"
                   " AND u.active AND u.id <> $7::bigint ON CONFLICT (event_id, user_id) DO"
                   " NOTHING");
}
